"""Argument checks for the public Python API: each error names the argument, the value given and
what is accepted (``threads=-1: expected None or an integer >= 0``), before anything reaches C.
A wrong type raises TypeError, a value out of range or not among the choices ValueError."""
from __future__ import annotations

import math
import numbers
import os
import secrets

import numpy as np


def _show(name, value):
    return f"{name}={value!r}"


_C_INT = 2**31 - 1  # what C's int holds: a larger count is an error, not an overflow


def integer(name, value, minimum=None, maximum=_C_INT, none=False):
    """An int (NumPy integers too; not bool, not float) in [minimum, maximum]; None when `none`."""
    if value is None and none:
        return None
    bounded = maximum != _C_INT
    expected = ("None or " if none else "") + "an integer" + (
        f" in [{minimum}, {maximum}]" if minimum is not None and bounded else
        f" >= {minimum}" if minimum is not None else f" <= {maximum}" if bounded else "")
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{_show(name, value)}: expected {expected}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{_show(name, value)}: expected {expected}")
    if value > maximum:
        raise ValueError(f"{_show(name, value)}: expected {expected}" +
                         ("" if bounded else f" (at most {maximum})"))
    return int(value)


def real(name, value, expected, ok, none=False):
    """A finite real number (int or float, not bool) for which ok(value) holds; `expected` says
    which (`"a number > 0"`). None when `none`."""
    if value is None and none:
        return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{_show(name, value)}: expected {expected}")
    if not math.isfinite(value) or not ok(float(value)):
        raise ValueError(f"{_show(name, value)}: expected {expected}")
    return float(value)


def flag(name, value):
    """True or False (NumPy's bool, 0 and 1 too)."""
    if isinstance(value, (bool, np.bool_)) or (isinstance(value, numbers.Integral) and
                                               value in (0, 1)):
        return bool(value)
    raise TypeError(f"{_show(name, value)}: expected True or False")


def choice(name, value, options):
    """One of `options` (strings, or None); returns it."""
    if any(value is o or (isinstance(value, str) and value == o) for o in options):
        return value
    raise ValueError(f"{_show(name, value)}: expected one of "
                     f"{', '.join(repr(o) for o in options)}")


def threads(value):
    """None or 0: the default (every core, fewer when the work is small); else that many."""
    return integer("threads", value, minimum=0, maximum=4096, none=True) or 0


def seed(value, name="seed"):
    """kestrel's one meaning of a seed: an integer in [0, 2**64 - 1] is used as given; None
    draws a fresh one from the operating system. Returns the seed to use (the caller records it
    on the result as ``seed``, so a run with None can be repeated)."""
    if value is None:
        return secrets.randbits(64)
    return integer(name, value, minimum=0, maximum=2**64 - 1)


def random_state(value):
    """kestrel.mars's seed from scikit-learn's ``random_state``, with scikit-learn's meaning:
    None draws from NumPy's global random state (``np.random.seed`` fixes it), an integer in
    [0, 2**32 - 1] is used as given, a numpy.random.RandomState draws from itself."""
    if value is None or isinstance(value, np.random.RandomState):
        rs = np.random.mtrand._rand if value is None else value
        return int(rs.randint(0, 2**31 - 1))
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"random_state={value!r}: expected None, an integer in "
                        "[0, 2**32 - 1] or a numpy.random.RandomState")
    return integer("random_state", value, minimum=0, maximum=2**32 - 1)


# Arguments that come one per input file (kestrel.gsem's), given as one value for all or a 1-D
# sequence: a wrong shape is an error naming the argument, never an IndexError from inside.


def ndim(v):
    """The nesting depth of a list / tuple / array (0 for a scalar)."""
    if isinstance(v, np.ndarray):
        return v.ndim
    if isinstance(v, (list, tuple)):
        return 1 + max((ndim(x) for x in v), default=0)
    return 0


def paths(files, name):
    """A list of paths from one path or a 1-D sequence of them (at least one)."""
    if isinstance(files, (str, bytes, os.PathLike)):
        files = [files]
    if ndim(files) > 1:
        raise ValueError(f"{name}: expected a list of paths (1-D), not a {ndim(files)}-D array")
    try:
        out = [os.fspath(f) for f in files]
    except TypeError:
        raise TypeError(f"{name}: expected a list of paths (str or os.PathLike)") from None
    if not out:
        raise ValueError(f"{name}: expected at least one file, not an empty list")
    return [o.decode() if isinstance(o, bytes) else o for o in out]


def _sequence(v, k, name, scalar, what):
    d = ndim(v)
    if d == 0 and scalar:
        return [v] * k
    if d != 1:
        raise ValueError(f"{name}: expected one {what} per file (a 1-D list of {k}), not "
                         + ("one value" if d == 0 else f"a {d}-D array"))
    v = list(v)
    if len(v) != k:
        raise ValueError(f"{name}: {len(v)} values for {k} files")
    return v


def per_file(v, k, name, scalar=True, expected="a number (None or NaN: none)", ok=None):
    """k numbers (None for None or NaN) from one value for all (when `scalar`) or a 1-D
    sequence; each one finite and, with `ok`, ok(x) (`expected` says which)."""
    if v is None:
        return [None] * k
    out = []
    for x in _sequence(v, k, name, scalar, "value"):
        if x is None or (isinstance(x, numbers.Real) and math.isnan(x)):
            out.append(None)
        else:
            out.append(real(name, x, expected, ok or (lambda _: True)))
    return out


def flags(v, k, name):
    """k truth values from one for all or a 1-D sequence; None stays None."""
    if v is None:
        return None
    return [flag(name, x) for x in _sequence(v, k, name, True, "flag")]
