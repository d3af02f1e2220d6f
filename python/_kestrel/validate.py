"""Argument checks for the public Python API: each error names the argument, the value given and
what is accepted (``threads=-1: expected None or an integer >= 0``), before anything reaches C.
A wrong type raises TypeError, a value out of range or not among the choices ValueError."""
from __future__ import annotations

import math
import numbers

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
