"""What kestrel.nd's C type asks of Python: repr() and str() of an ndarray in NumPy's layout
(NumPy 2's defaults: 8 significant fractional digits at most, each float its shortest repr,
columns aligned, 75 characters a line, arrays above 1000 elements summarised), and the flags
object. Text only: the values come from the array's tolist() and indexing, never from NumPy."""
import decimal
import struct

_WIDTH = 75
_PRECISION = 8
_THRESHOLD = 1000
_EDGE = 3
_IMPLIED = ("float64", "int64", "bool", "complex128")  # dtypes NumPy's repr leaves unsaid


class Flags(dict):
    """a.flags: C_CONTIGUOUS, F_CONTIGUOUS, WRITEABLE, OWNDATA as keys and lower-case attributes."""

    def __init__(self, c, f, writeable, owndata):
        super().__init__(C_CONTIGUOUS=c, F_CONTIGUOUS=f, WRITEABLE=writeable, OWNDATA=owndata)

    def __getattr__(self, name):
        try:
            return self[name.upper()]
        except KeyError:
            raise AttributeError(name) from None

    def __repr__(self):
        return "\n".join(f"  {k} : {v}" for k, v in self.items())


# -- numbers -------------------------------------------------------------------------------------


def _shortest(x, single):
    """The fewest digits that read back as x (as a float32 when single), as repr() gives them."""
    if not single:
        return repr(x)
    want = struct.pack("<f", x)
    for p in range(1, 10):
        s = f"{x:.{p}g}"
        try:
            if struct.pack("<f", float(s)) == want:
                return s
        except OverflowError:  # rounded past float32's largest (3.4e38 of 3.4028235e38)
            continue
    return repr(x)


def _positional(x, single):
    """(integer part, fractional part) of x in positional notation: its shortest digits, cut to
    8 fractional digits (correctly rounded), trailing zeros dropped."""
    s = format(decimal.Decimal(_shortest(x, single)), "f")
    whole, _, frac = s.partition(".")
    if len(frac) > _PRECISION:
        whole, _, frac = f"{x:.{_PRECISION}f}".partition(".")
    return whole, frac.rstrip("0")


def _scientific(x, single):
    """(integer digit with sign, fractional digits, exponent with sign) of x in scientific
    notation, on the same rule as _positional."""
    d = decimal.Decimal(_shortest(x, single))
    sign, digits, _ = d.as_tuple()
    exp = d.adjusted() if any(digits) else 0
    digits = "".join(map(str, digits)).lstrip("0") or "0"
    frac = digits[1:].rstrip("0")
    if len(frac) > _PRECISION:
        m, _, e = f"{x:.{_PRECISION}e}".partition("e")
        lead, _, frac = m.partition(".")
        return lead, frac.rstrip("0"), int(e)
    return ("-" if sign else "") + digits[0], frac, exp


def _isfinite(x):
    return x == x and x not in (float("inf"), float("-inf"))


class _FloatFormat:
    """One float column: exponent or positional notation, padded so that points line up."""

    def __init__(self, values, single, plus=False):
        self.single, self.plus = single, plus
        finite = [v for v in values if _isfinite(v)]
        nonzero = [abs(v) for v in finite if v != 0]
        self.exp = bool(nonzero) and (max(nonzero) >= 1e8 or min(nonzero) < 1e-4 or
                                      max(nonzero) / min(nonzero) > 1e3)
        self.left = self.right = 0
        self.expdigits = 0
        if finite and self.exp:
            parts = [_scientific(v, single) for v in finite]
            self.left = max(len(self._sign(p[0], v)) for p, v in zip(parts, finite))
            self.digits = max(len(p[1]) for p in parts)
            self.expdigits = max(len(str(abs(p[2]))) for p in parts)
            self.expdigits = max(self.expdigits, 2)
            self.right = self.digits + 2 + self.expdigits
        elif finite:
            parts = [_positional(v, single) for v in finite]
            self.left = max(len(self._sign(p[0], v)) for p, v in zip(parts, finite))
            self.right = max(len(p[1]) for p in parts)
        if len(finite) != len(values):  # room for nan / inf / -inf
            neg = plus or any(v == float("-inf") for v in values)
            self.left = max(self.left, 3 - (self.right + 1), 3 + neg - (self.right + 1))

    def _sign(self, whole, v):
        return "+" + whole if self.plus and not whole.startswith("-") else whole

    def __call__(self, v):
        if not _isfinite(v):
            s = "nan" if v != v else ("-inf" if v < 0 else "inf")
            if self.plus and not s.startswith("-"):
                s = "+" + s
            return s.rjust(self.left + self.right + 1)
        if self.exp:
            lead, frac, e = _scientific(v, self.single)
            frac = frac.ljust(self.digits, "0")
            es = ("-" if e < 0 else "+") + str(abs(e)).rjust(self.expdigits, "0")
            return f"{self._sign(lead, v).rjust(self.left)}.{frac}e{es}"
        whole, frac = _positional(v, self.single)
        return f"{self._sign(whole, v).rjust(self.left)}.{frac.ljust(self.right)}"


def _formatter(kind, values, single):
    """The function that writes one element of the column `values`."""
    if kind == "b":
        return lambda v: " True" if v else "False"
    if kind in "iu":
        width = max((len(str(v)) for v in values), default=0)
        return lambda v: str(v).rjust(width)
    if kind == "f":
        return _FloatFormat(values, single)
    real = _FloatFormat([v.real for v in values], single)
    imag = _FloatFormat([v.imag for v in values], single, plus=True)

    def fmt(v):
        i = imag(v.imag)
        n = len(i.rstrip())
        return real(v.real) + i[:n] + "j" + i[n:]
    return fmt


# -- layout --------------------------------------------------------------------------------------

_SKIP = object()  # the "..." of a summarised axis


def _shown(a, summarise):
    """The elements that will be printed, as nested lists (_SKIP where an axis is cut)."""
    if not summarise:
        return a.tolist()

    def rec(x):
        n = x.shape[0]
        if x.ndim == 1:
            if n > 2 * _EDGE:
                return x[:_EDGE].tolist() + [_SKIP] + x[n - _EDGE:].tolist()
            return x.tolist()
        if n > 2 * _EDGE:
            return [rec(x[i]) for i in range(_EDGE)] + [_SKIP] + \
                [rec(x[i]) for i in range(n - _EDGE, n)]
        return [rec(x[i]) for i in range(n)]
    return rec(a)


def _flat(tree, ndim):
    if ndim == 0:
        return [tree]
    out = []
    for t in tree:
        if t is not _SKIP:
            out.extend(_flat(t, ndim - 1))
    return out


def _wrap(s, line, word, width, indent):
    if len(line) + len(word) > width and len(line) > len(indent):
        s += line.rstrip() + "\n"
        line = indent
    return s, line + word


def _layout(tree, ndim, fmt, sep, width, indent):
    """NumPy's nested-bracket layout of `tree` (its _formatArray): one line per innermost row
    wrapped at `width`, blank lines between blocks of the outer axes."""
    if ndim == 0:
        return fmt(tree)
    if ndim == 1:
        s, line = "", indent
        room = width - max(len(sep.rstrip()), 1)
        for k, v in enumerate(tree):
            s, line = _wrap(s, line, "..." if v is _SKIP else fmt(v), room, indent)
            if k < len(tree) - 1:
                line += sep
        s += line
    else:
        rows = []
        for v in tree:
            rows.append("..." if v is _SKIP else
                        _layout(v, ndim - 1, fmt, sep, width - 1, indent + " "))
        s = (sep.rstrip() + "\n" * (ndim - 1)).join(indent + r for r in rows)
    return "[" + s[len(indent):] + "]"


def _text(a, sep, prefix, suffix):
    """(the bracketed elements, whether they were summarised)."""
    summarise = a.size > _THRESHOLD
    tree = _shown(a, summarise)
    kind = a.dtype.kind
    if a.ndim == 0:
        return ("True" if tree else "False") if kind == "b" else \
            _formatter(kind, [tree], a.dtype.name in ("float32", "complex64"))(tree).strip(), False
    fmt = _formatter(kind, _flat(tree, a.ndim), a.dtype.name in ("float32", "complex64"))
    width = _WIDTH - len(suffix)
    return _layout(tree, a.ndim, fmt, sep, width, " " * (len(prefix) + 1)), summarise


def array_repr(a):
    """repr(a), as NumPy writes it: array([1. , 2.5]), array([1, 2], dtype=int8)."""
    prefix = "array("
    if a.size > 0 or a.shape == (0,):
        body, summarise = _text(a, ", ", prefix, ")")
        text = prefix + body
    else:
        summarise = False
        text = f"{prefix}[], shape={a.shape!r}"
    extra = []
    if summarise:
        extra.append(f"shape={a.shape!r}")
    if not (a.dtype.name in _IMPLIED and a.size > 0):
        extra.append(f"dtype={a.dtype.name}")
    if not extra:
        return text + ")"
    text += ","
    tail = ", ".join(extra) + ")"
    last = len(text) - (text.rfind("\n") + 1)
    spacer = "\n" + " " * len(prefix) if last + len(tail) + 1 > _WIDTH else " "
    return text + spacer + tail


def array_str(a):
    """str(a), as NumPy writes it: [1.  2.5]; a 0-d array as its one value."""
    if a.size == 0:
        return "[]"
    if a.ndim == 0:
        v = a.item()
        if isinstance(v, float) and a.dtype.name == "float32":
            return _shortest(v, True)
        return str(v)
    return _text(a, " ", "", "")[0]


# -- NumPy's ufuncs on kestrel arrays (NEP 13) -----------------------------------------------------

_UFUNC_KWARGS = {"out", "where", "dtype", "casting"}


def array_ufunc(self, ufunc, method, *inputs, **kwargs):
    """ndarray.__array_ufunc__: numpy.add(np_array, nd_array) and np_array + nd_array run
    kestrel's add and give a kestrel array; what kestrel lacks (other methods, keywords or
    functions, a NumPy out=) NumPy computes on views of the inputs."""
    from kestrel import nd

    out = kwargs.get("out")
    outs = out if isinstance(out, tuple) else (out,) if out is not None else ()
    mine = getattr(nd, ufunc.__name__, None)
    if (method == "__call__" and isinstance(mine, nd.ufunc) and set(kwargs) <= _UFUNC_KWARGS
            and all(isinstance(o, nd.ndarray) for o in outs)):
        if out is not None:
            kwargs["out"] = outs[0]
        return mine(*inputs, **kwargs)
    import numpy as np

    conv = [np.asarray(x) if isinstance(x, nd.ndarray) else x for x in inputs]
    if outs:
        kwargs["out"] = tuple(np.asarray(o) if isinstance(o, nd.ndarray) else o for o in outs)
    return getattr(ufunc, method)(*conv, **kwargs)


# -- pickling ------------------------------------------------------------------------------------


def rebuild(data, dtype, shape):
    """The array pickle.loads makes from ndarray.__reduce__'s (bytes, dtype name, shape)."""
    import numpy as np

    from kestrel import nd

    return nd.asarray(np.frombuffer(bytearray(data), dtype=dtype).reshape(shape))
