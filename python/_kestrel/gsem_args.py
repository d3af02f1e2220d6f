"""Arguments of kestrel.gsem's functions shaped and checked before they reach C: paths, one value
per file, counts. A wrong shape or type is a ValueError or TypeError naming the argument, never
an IndexError or a NumPy conversion error from deep inside."""
import math
import operator
import os

import numpy as np


def ndim(v):
    if isinstance(v, np.ndarray):
        return v.ndim
    if isinstance(v, (list, tuple)):
        return 1 + max((ndim(x) for x in v), default=0)
    return 0


def paths(files, what):
    """A list of paths from one path or a 1-D sequence of them (at least one)."""
    if isinstance(files, (str, bytes, os.PathLike)):
        files = [files]
    if ndim(files) > 1:
        raise ValueError(f"{what}: a list of paths (1-D), not a {ndim(files)}-D array")
    try:
        out = [os.fspath(f) for f in files]
    except TypeError:
        raise TypeError(f"{what}: a list of paths (str or os.PathLike)") from None
    if not out:
        raise ValueError(f"{what}: no files")
    return [o.decode() if isinstance(o, bytes) else o for o in out]


def per_file(v, k, what, scalar=True):
    """k numbers (None for None or NaN) from one value for all (scalar) or a 1-D sequence."""
    if v is None:
        return [None] * k
    d = ndim(v)
    if d == 0 and scalar:
        v = [v] * k
    elif d != 1:
        raise ValueError(f"{what}: one value per file (a 1-D list of {k}), not "
                         + ("one value" if d == 0 else f"a {d}-D array"))
    v = list(v)
    if len(v) != k:
        raise ValueError(f"{what}: {len(v)} values for {k} files")
    out = []
    for x in v:
        if x is None:
            out.append(None)
            continue
        try:
            f = float(x)
        except (TypeError, ValueError):
            raise TypeError(f"{what}: {x!r} is not a number") from None
        out.append(None if math.isnan(f) else f)
    return out


def positive(v, what, hint=""):
    """A number > 0 and finite, or None."""
    if v is None:
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        raise TypeError(f"{what}: {v!r} is not a number") from None
    if not (f > 0 and math.isfinite(f)):
        raise ValueError(f"{what}: {v!r} is not a number > 0{hint}")
    return f


def count(v, what, lo, hi=2 ** 31 - 1):
    """An integer in [lo, hi] (an integral float too, as R passes numbers)."""
    try:
        i = operator.index(v)
    except TypeError:
        try:
            f = float(v)
        except (TypeError, ValueError):
            raise TypeError(f"{what}: {v!r} is not an integer") from None
        if not f.is_integer():
            raise ValueError(f"{what}: {v!r} is not an integer") from None
        i = int(f)
    if not lo <= i <= hi:
        raise ValueError(f"{what}: {v!r} is not an integer from {lo} to {hi}")
    return i


def flags(v, k, what):
    """k truth values from one for all or a 1-D sequence; None stays None."""
    if v is None:
        return None
    d = ndim(v)
    if d == 0:
        return [bool(v)] * k
    if d != 1:
        raise ValueError(f"{what}: one flag per file (a 1-D list of {k}), not a {d}-D array")
    v = list(v)
    if len(v) != k:
        raise ValueError(f"{what}: {len(v)} values for {k} files")
    return [bool(x) for x in v]
