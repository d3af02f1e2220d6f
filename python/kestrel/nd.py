"""kestrel.nd — n-d arrays with NumPy's names and semantics, on kestrel's C array core.

    >>> from kestrel import nd
    >>> a = nd.arange(6.0).reshape(2, 3)
    >>> (a * 2 + 1).sum(axis=0)
    array([ 8., 12., 16.])

`ndarray` is a C type that holds its array inline; every operation is one call into the C
library (element-wise functions, reductions, statistics, shape, indexing), which broadcasts and
promotes as NumPy 2 does (Python scalars are weak: int8 array + 1 stays int8, NEP 50). NumPy
arrays cross without a copy both ways (kestrel.nd.asarray(np_array), numpy.asarray(nd_array)),
as do DLPack tensors (from_dlpack). The module is also an Array API namespace (2024.12):
`x.__array_namespace__()` returns it. This file only shapes arguments: no loop over data.
"""
import builtins as _builtins
import collections as _collections
import contextlib as _contextlib
import math as _math

from _kestrel import nd_fft as fft  # noqa: F401 (kestrel.nd.fft)
from _kestrel import nd_random as random  # noqa: F401 (kestrel.nd.random)
from _kestrel.nd_fuse import fuse  # noqa: F401 (kestrel.nd.fuse)
from _kestrel._core import nd as _nd

__array_api_version__ = "2024.12"

ndarray = _nd.ndarray
dtype = _nd.dtype
ufunc = _nd.ufunc
AxisError = _nd.AxisError
newaxis = None
pi, e, inf, nan = _math.pi, _math.e, _math.inf, _math.nan



@_contextlib.contextmanager
def threads(n):
    """Inside the with block, this Python thread's kestrel.nd calls use at most n threads (0: all
    the cores). Results do not depend on it."""
    old = _nd.get_threads()
    _nd.set_threads(n)
    try:
        yield
    finally:
        _nd.set_threads(old)


# -- dtypes --------------------------------------------------------------------------------------
bool_ = bool = _nd.bool  # noqa: A001 - NumPy's and the Array API's names
int8, int16, int32, int64 = _nd.int8, _nd.int16, _nd.int32, _nd.int64
uint8, uint16, uint32, uint64 = _nd.uint8, _nd.uint16, _nd.uint32, _nd.uint64
float32, float64, complex64, complex128 = _nd.float32, _nd.float64, _nd.complex64, _nd.complex128
result_type, promote_types, can_cast = _nd.result_type, _nd.promote_types, _nd.can_cast

_KINDS = {"bool": "b", "signed integer": "i", "unsigned integer": "u", "integral": "iu",
          "real floating": "f", "complex floating": "c", "numeric": "iufc"}


def isdtype(dtype, kind):
    """Array API isdtype: whether dtype is kind (a dtype, one of 'bool', 'signed integer',
    'unsigned integer', 'integral', 'real floating', 'complex floating', 'numeric', or a tuple
    of these)."""
    if isinstance(kind, tuple):
        return _builtins.any(isdtype(dtype, k) for k in kind)
    if isinstance(kind, str):
        if kind not in _KINDS:
            raise ValueError(f"isdtype: unknown kind {kind!r}")
        return dtype.kind in _KINDS[kind]
    return dtype == kind


class finfo:
    """Machine limits of float32 / float64 (and complex64 / complex128's parts): bits, eps,
    max, min, smallest_normal, dtype."""

    def __init__(self, type):
        t = asarray(type).dtype if isinstance(type, ndarray) else _as_dtype(type)
        single = t in (float32, complex64)
        self.dtype = float32 if single else float64
        if t.kind not in "fc":
            raise ValueError(f"finfo: {t} is not a floating type")
        self.bits = 32 if single else 64
        self.eps = 2.0 ** -23 if single else 2.0 ** -52
        self.max = (2 - 2.0 ** -23) * 2.0 ** 127 if single else 1.7976931348623157e308
        self.min = -self.max
        self.smallest_normal = self.tiny = 2.0 ** -126 if single else 2.0 ** -1022
        self.resolution = 1e-6 if single else 1e-15


class iinfo:
    """Limits of an integer dtype: bits, min, max, dtype."""

    def __init__(self, type):
        t = type.dtype if isinstance(type, ndarray) else _as_dtype(type)
        if t.kind not in "iu":
            raise ValueError(f"Invalid integer data type {t.name!r}.")
        self.dtype, self.bits = t, 8 * t.itemsize
        self.min = 0 if t.kind == "u" else -(2 ** (self.bits - 1))
        self.max = 2 ** self.bits - 1 if t.kind == "u" else 2 ** (self.bits - 1) - 1


def _as_dtype(t):
    return _nd.empty(0, dtype=t).dtype


# -- element-wise functions: the C ufuncs by NumPy's names, and aliases ---------------------------
for _name in dir(_nd):
    if isinstance(getattr(_nd, _name), ufunc):
        globals()[_name] = getattr(_nd, _name)
true_divide = divide  # noqa: F821 - defined by the loop above
mod = remainder  # noqa: F821
abs = absolute  # noqa: A001, F821
conj = conjugate  # noqa: F821
bitwise_not = bitwise_invert = invert  # noqa: F821
acos, asin, atan, atan2 = arccos, arcsin, arctan, arctan2  # noqa: F821
acosh, asinh, atanh = arccosh, arcsinh, arctanh  # noqa: F821
bitwise_left_shift, bitwise_right_shift = left_shift, right_shift  # noqa: F821
pow = power  # noqa: A001, F821
radians, degrees = deg2rad, rad2deg  # noqa: F821

# -- creation ------------------------------------------------------------------------------------
asarray, empty, zeros, ones, full = _nd.asarray, _nd.empty, _nd.zeros, _nd.ones, _nd.full
from_dlpack = _nd.from_dlpack
eye, tri, diag, matmul = _nd.eye, _nd.tri, _nd.diag, _nd.matmul


def array(object, dtype=None, *, copy=True):
    """A new array from object (a copy unless copy=False or None allows a view)."""
    return _nd.asarray(object, dtype, copy)


def _like(a, dtype, shape):
    a = asarray(a)
    return a.shape if shape is None else shape, a.dtype if dtype is None else dtype


def empty_like(prototype, dtype=None, shape=None, *, device=None):
    """An uninitialised array with prototype's shape and dtype (or the given ones)."""
    return empty(*_like(prototype, dtype, shape))


def zeros_like(a, dtype=None, shape=None, *, device=None):
    """Zeros with a's shape and dtype (or the given ones)."""
    return zeros(*_like(a, dtype, shape))


def ones_like(a, dtype=None, shape=None, *, device=None):
    """Ones with a's shape and dtype (or the given ones)."""
    return ones(*_like(a, dtype, shape))


def full_like(a, fill_value, dtype=None, shape=None, *, device=None):
    """fill_value everywhere, with a's shape and dtype (or the given ones)."""
    s, t = _like(a, dtype, shape)
    return full(s, fill_value, t)


def arange(start, stop=None, step=None, *, dtype=None, device=None):
    """Evenly spaced values in [start, stop) by step; int64 when every bound is an int."""
    if stop is None:
        start, stop = 0, start
    if dtype is None:
        ints = _builtins.all(isinstance(v, int) or (isinstance(v, ndarray) and v.dtype.kind in "iu")
                             for v in (start, stop, step) if v is not None)
        dtype = int64 if ints else float64
    return _nd.arange(start, stop, 1 if step is None else step, dtype)


def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0, *,
             device=None):
    """num evenly spaced values from start to stop (stop included when endpoint)."""
    a, step = _nd.linspace(start, stop, num, endpoint, dtype)
    return (a, step) if retstep else a


def logspace(start, stop, num=50, endpoint=True, base=10.0, dtype=None, axis=0):
    """base ** linspace(start, stop)."""
    return _nd.logspace(start, stop, num, endpoint, dtype, base)


def geomspace(start, stop, num=50, endpoint=True, dtype=None, axis=0):
    """A geometric progression from start to stop."""
    return _nd.geomspace(start, stop, num, endpoint, dtype)


def identity(n, dtype=None, *, like=None):
    """The n x n identity matrix."""
    return eye(n, dtype=dtype)


def tril(m, k=0):
    """The lower triangle (on and below the k-th diagonal) of the last two axes."""
    return _nd.tril(m, k, False)


def triu(m, k=0):
    """The upper triangle (on and above the k-th diagonal) of the last two axes."""
    return _nd.tril(m, k, True)


def meshgrid(*xi, copy=True, sparse=False, indexing="xy"):
    """Coordinate matrices from coordinate vectors."""
    if sparse:
        raise NotImplementedError("kestrel.nd.meshgrid: sparse=True is not supported")
    return _nd.meshgrid(xi, indexing)


# -- reductions, scans, statistics ---------------------------------------------------------------


def _reduction(name, has_dtype, has_ddof, has_initial, doc):
    if has_ddof:
        def f(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=None,
              correction=None):
            return _nd.reduce(name, a, axis, dtype, out, keepdims,
                              ddof if correction is None else correction, where)
    elif has_initial and has_dtype:
        def f(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None):
            return _nd.reduce(name, a, axis, dtype, out, keepdims, 0, where, initial)
    elif has_initial:
        def f(a, axis=None, out=None, keepdims=False, initial=None, where=None):
            return _nd.reduce(name, a, axis, None, out, keepdims, 0, where, initial)
    elif has_dtype:
        def f(a, axis=None, dtype=None, out=None, keepdims=False, *, where=None):
            return _nd.reduce(name, a, axis, dtype, out, keepdims, 0, where)
    else:
        def f(a, axis=None, out=None, keepdims=False, *, where=None):
            return _nd.reduce(name, a, axis, None, out, keepdims, 0, where)
    f.__name__ = f.__qualname__ = name
    f.__doc__ = doc + " over axis (None: all; an int or a tuple), as NumPy's."
    return f


# name, dtype=, ddof=, initial=, what it is
for _name, _d, _v, _i, _doc in (
        ("sum", 1, 0, 1, "Sum (pairwise)"), ("prod", 1, 0, 1, "Product"),
        ("mean", 1, 0, 0, "Mean"), ("var", 1, 1, 0, "Variance (ddof / correction)"),
        ("std", 1, 1, 0, "Standard deviation"), ("min", 0, 0, 1, "Minimum (NaN propagates)"),
        ("max", 0, 0, 1, "Maximum (NaN propagates)"), ("all", 0, 0, 0, "Whether all are true"),
        ("any", 0, 0, 0, "Whether any is true"), ("ptp", 0, 0, 0, "max - min"),
        ("nansum", 1, 0, 1, "Sum skipping NaN"), ("nanprod", 1, 0, 1, "Product skipping NaN"),
        ("nanmean", 1, 0, 0, "Mean skipping NaN"), ("nanvar", 1, 1, 0, "Variance skipping NaN"),
        ("nanstd", 1, 1, 0, "SD skipping NaN"), ("nanmin", 0, 0, 1, "Minimum skipping NaN"),
        ("nanmax", 0, 0, 1, "Maximum skipping NaN")):
    globals()[_name] = _reduction(_name, _d, _v, _i, _doc)
amin, amax = min, max  # noqa: F821


def argmin(a, axis=None, out=None, *, keepdims=False):
    """Index of the minimum (the first one), over the raveled array when axis is None."""
    return _nd.reduce("argmin", a, axis, None, out, keepdims)


def argmax(a, axis=None, out=None, *, keepdims=False):
    """Index of the maximum (the first one), over the raveled array when axis is None."""
    return _nd.reduce("argmax", a, axis, None, out, keepdims)


def nanargmin(a, axis=None, out=None, *, keepdims=False):
    """argmin skipping NaN."""
    return _nd.reduce("nanargmin", a, axis, None, out, keepdims)


def nanargmax(a, axis=None, out=None, *, keepdims=False):
    """argmax skipping NaN."""
    return _nd.reduce("nanargmax", a, axis, None, out, keepdims)


def count_nonzero(a, axis=None, *, keepdims=False):
    """Number of non-zero elements."""
    return _nd.reduce("count_nonzero", a, axis, None, None, keepdims)


def cumsum(a, axis=None, dtype=None, out=None):
    """Cumulative sum (over the raveled array when axis is None)."""
    return _nd.scan("cumsum", a, axis, dtype)


def cumprod(a, axis=None, dtype=None, out=None):
    """Cumulative product (over the raveled array when axis is None)."""
    return _nd.scan("cumprod", a, axis, dtype)


def nancumsum(a, axis=None, dtype=None, out=None):
    """cumsum with NaN counted as 0."""
    return _nd.scan("nancumsum", a, axis, dtype)


def nancumprod(a, axis=None, dtype=None, out=None):
    """cumprod with NaN counted as 1."""
    return _nd.scan("nancumprod", a, axis, dtype)


def _cumulative(kind, initial, x, axis, dtype, include_initial):
    x = asarray(x)
    if axis is None:
        if x.ndim > 1:
            raise ValueError(f"cumulative_{kind}: axis is required for arrays of more than 1 axis")
        axis = 0
    r = _nd.scan("cum" + kind, x, axis, dtype)
    if include_initial:
        shape = list(r.shape)
        shape[axis % r.ndim] = 1
        r = concatenate([full(shape, initial, r.dtype), r], axis=axis)
    return r


def cumulative_sum(x, /, *, axis=None, dtype=None, include_initial=False):
    """Array API cumulative_sum (axis may be None only for 1-d x)."""
    return _cumulative("sum", 0, x, axis, dtype, include_initial)


def cumulative_prod(x, /, *, axis=None, dtype=None, include_initial=False):
    """Array API cumulative_prod (2024.12; axis may be None only for 1-d x)."""
    return _cumulative("prod", 1, x, axis, dtype, include_initial)


def quantile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
             keepdims=False):
    """The q-th quantiles (q in [0, 1]) by selection, with NumPy's methods."""
    return _nd.quantile(a, q, axis, method, keepdims, False)


def nanquantile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
                keepdims=False):
    """quantile skipping NaN."""
    return _nd.quantile(a, q, axis, method, keepdims, True)


def percentile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
               keepdims=False):
    """The q-th percentiles (q in [0, 100])."""
    return _nd.quantile(a, true_divide(q, 100), axis, method, keepdims, False)


def nanpercentile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
                  keepdims=False):
    """percentile skipping NaN."""
    return _nd.quantile(a, true_divide(q, 100), axis, method, keepdims, True)


def median(a, axis=None, out=None, overwrite_input=False, keepdims=False):
    """The median (quantile 0.5, linear)."""
    return _nd.quantile(a, 0.5, axis, "linear", keepdims, False)


def nanmedian(a, axis=None, out=None, overwrite_input=False, keepdims=False):
    """median skipping NaN."""
    return _nd.quantile(a, 0.5, axis, "linear", keepdims, True)


def average(a, axis=None, weights=None, returned=False, *, keepdims=False):
    """The (weighted) average."""
    r = _nd.average(a, axis, weights, keepdims)
    if returned:
        w = ones_like(a) if weights is None else broadcast_to(asarray(weights), asarray(a).shape)
        return r, sum(w, axis=axis, keepdims=keepdims).astype(r.dtype)
    return r


def cov(m, y=None, rowvar=True, bias=False, ddof=None):
    """The covariance matrix (ddof 1, or 0 with bias=True)."""
    return _nd.cov(m, y, rowvar, (0 if bias else None) if ddof is None else ddof)


def corrcoef(x, y=None, rowvar=True):
    """The correlation matrix."""
    return _nd.corrcoef(x, y, rowvar)


def diff(a, n=1, axis=-1, prepend=None, append=None):
    """The n-th differences along axis, of a with prepend and append joined at its ends along
    axis (a scalar as one element there)."""
    if prepend is None and append is None:
        return _nd.diff(a, n, axis)
    a = asarray(a)

    def edge(v):
        v = asarray(v)
        if v.ndim:
            return v
        shape = list(a.shape)
        shape[axis % a.ndim] = 1
        return broadcast_to(v, shape)

    parts = ([] if prepend is None else [edge(prepend)]) + [a] + \
        ([] if append is None else [edge(append)])
    return _nd.diff(concatenate(parts, axis=axis), n, axis)


def gradient(f, *varargs, axis=None, edge_order=1):
    """Central differences inside, one-sided at the ends, along one axis (or each in turn)."""
    f = asarray(f)
    axes = range(f.ndim) if axis is None else ([axis] if isinstance(axis, int) else axis)
    axes = list(axes)
    spacing = list(varargs) if varargs else [1.0] * len(axes)
    if len(spacing) == 1:
        spacing = spacing * len(axes)
    out = [_nd.gradient(f, h, ax, edge_order) for h, ax in zip(spacing, axes)]
    return out[0] if len(out) == 1 else tuple(out)


def histogram(a, bins=10, range=None, density=None, weights=None):
    """(counts, edges): equal bins over range (default the data's), or the given edges."""
    lo, hi = (0.0, 0.0) if range is None else range
    if isinstance(bins, int):
        return _nd.histogram(a, bins, lo, hi, None, weights, _builtins.bool(density))
    return _nd.histogram(a, 0, lo, hi, bins, weights, _builtins.bool(density))


def bincount(x, weights=None, minlength=0):
    """Counts (or summed weights) of each non-negative integer in x."""
    return _nd.bincount(x, weights, minlength)


def digitize(x, bins, right=False):
    """The index of the bin each value of x falls in."""
    return _nd.digitize(x, bins, right)

# -- shape ---------------------------------------------------------------------------------------
reshape, ravel, moveaxis, swapaxes = _nd.reshape, _nd.ravel, _nd.moveaxis, _nd.swapaxes
squeeze, expand_dims, broadcast_to, tile = _nd.squeeze, _nd.expand_dims, _nd.broadcast_to, _nd.tile
flip, roll, concatenate, stack = _nd.flip, _nd.roll, _nd.concatenate, _nd.stack
take, put = _nd.take, _nd.put


def take_along_axis(arr, indices, axis=-1):
    """np.take_along_axis: one element of `axis` per position, picked by indices (same ndim as
    arr, broadcast against it on the other axes); axis=None: the raveled array, 1-d indices."""
    return _nd.take_along_axis(arr, indices, axis)


def put_along_axis(arr, indices, values, axis):
    """np.put_along_axis: arr (a kestrel.nd.ndarray) written in place where take_along_axis
    would read; values broadcast to the indices and cast to arr's dtype."""
    _nd.put_along_axis(arr, indices, values, axis)
round = around = _nd.round  # noqa: A001
concat = concatenate


def transpose(a, axes=None):
    """The axes permuted (reversed when axes is None): a view."""
    return _nd.transpose(a, axes)


def permute_dims(x, /, axes):
    """Array API permute_dims."""
    return _nd.transpose(x, axes)


def matrix_transpose(x, /):
    """The last two axes swapped."""
    return asarray(x).mT


def repeat(a, repeats, axis=None):
    """Each element repeated (repeats: one count or one per element along axis)."""
    return _nd.repeat(a, repeats, axis)


def broadcast_shapes(*shapes):
    """The shape the given shapes broadcast to (ValueError naming them when they do not)."""
    ndim = _builtins.max((len(s) for s in shapes), default=0)
    out = []
    for k in range(-ndim, 0):
        sizes = {s[k] for s in shapes if len(s) >= -k} - {1}
        if len(sizes) > 1:
            raise ValueError("shape mismatch: objects cannot be broadcast to a single shape. "
                             "Mismatch is between " + " and ".join(map(str, shapes)))
        out.append(sizes.pop() if sizes else 1)
    return tuple(out)


def broadcast_arrays(*args):
    """Views of the arrays broadcast to their common shape."""
    arrs = [asarray(a) for a in args]
    shape = broadcast_shapes(*(a.shape for a in arrs))
    return tuple(broadcast_to(a, shape) for a in arrs)


def atleast_1d(*arys):
    """Arrays with at least 1 axis."""
    r = [a if a.ndim >= 1 else a.reshape(1) for a in map(asarray, arys)]
    return r[0] if len(r) == 1 else r


def atleast_2d(*arys):
    """Arrays with at least 2 axes (1-d x becomes 1 x n)."""
    r = [a if a.ndim >= 2 else a.reshape(1, -1 if a.ndim else 1) for a in map(asarray, arys)]
    return r[0] if len(r) == 1 else r


def hstack(tup):
    """Concatenated along axis 1 (axis 0 for 1-d arrays)."""
    arrs = [asarray(a) for a in tup]
    return concatenate(arrs, axis=0 if arrs and arrs[0].ndim <= 1 else 1)


def vstack(tup):
    """Stacked as rows (1-d arrays become rows)."""
    return concatenate([atleast_2d(a) for a in tup], axis=0)


def _split_points(n, sections, equal):
    if equal and n % sections:
        raise ValueError("array split does not result in an equal division")
    each, extra = divmod(n, sections)
    pts, at = [], 0
    for k in range(sections - 1):
        at += each + (1 if k < extra else 0)
        pts.append(at)
    return pts


def split(ary, indices_or_sections, axis=0):
    """Views split at the given indices, or into equal sections."""
    a = asarray(ary)
    if isinstance(indices_or_sections, int):
        indices_or_sections = _split_points(a.shape[axis], indices_or_sections, True)
    return _nd.split(a, list(indices_or_sections), axis)


def array_split(ary, indices_or_sections, axis=0):
    """split that allows sections of unequal size."""
    a = asarray(ary)
    if isinstance(indices_or_sections, int):
        indices_or_sections = _split_points(a.shape[axis], indices_or_sections, False)
    return _nd.split(a, list(indices_or_sections), axis)


def unstack(x, /, *, axis=0):
    """Array API unstack: the slices along axis."""
    x = asarray(x)
    return tuple(x[(slice(None),) * (axis % x.ndim) + (i,)] for i in range(x.shape[axis]))


def pad(array, pad_width, mode="constant", constant_values=0):
    """Padded with a constant or the edge values (pad_width: n, (before, after) or one pair per
    axis)."""
    a = asarray(array)
    pw = pad_width
    if isinstance(pw, int):
        pw = [(pw, pw)] * a.ndim
    else:
        pw = [tuple(p) if not isinstance(p, int) else (p, p) for p in pw] \
            if _builtins.any(not isinstance(p, int) for p in pw) else [tuple(pw)]
        if len(pw) == 1:
            pw = [pw[0] if len(pw[0]) == 2 else (pw[0][0], pw[0][0])] * a.ndim
    flat = [v for p in pw for v in p]
    return _nd.pad(a, flat, mode, constant_values)


def clip(a, /, min=None, max=None, out=None, *, a_min=None, a_max=None):
    """a limited to [min, max] (either bound None: none). The bounds are named min and max as in
    the Array API (they are positional as in NumPy; a_min= / a_max= are NumPy's keywords)."""
    return _nd.clip(a, a_min if min is None else min, a_max if max is None else max, out)


def where(condition, x=None, y=None):
    """x where condition, else y; with only condition, its nonzero()."""
    if x is None and y is None:
        return asarray(condition).nonzero()
    if x is None or y is None:
        raise ValueError("either both or neither of x and y should be given")
    return _nd.where(condition, x, y)


def nonzero(a):
    """A tuple of int64 arrays, one per axis, of the non-zero elements' positions."""
    return asarray(a).nonzero()  # (a 0-d array is refused, as NumPy 2 and the Array API)


def astype(x, dtype, /, *, copy=True, device=None):
    """Array API astype: x converted to dtype (a copy unless copy=False and dtype matches)."""
    return asarray(x).astype(dtype, copy=copy)


del _name, _d, _v, _doc


class _NamespaceInfo:
    """The Array API's inspection object (2024.12): what this namespace supports."""

    def capabilities(self):
        return {"boolean indexing": True, "data-dependent shapes": True,
                "max dimensions": _nd.MAXDIMS}

    def default_device(self):
        return "cpu"

    def default_dtypes(self, *, device=None):
        return {"real floating": float64, "complex floating": complex128, "integral": int64,
                "indexing": int64}

    def devices(self):
        return ["cpu"]

    def dtypes(self, *, device=None, kind=None):
        every = {"bool": bool, "int8": int8, "int16": int16, "int32": int32, "int64": int64,
                 "uint8": uint8, "uint16": uint16, "uint32": uint32, "uint64": uint64,
                 "float32": float32, "float64": float64, "complex64": complex64,
                 "complex128": complex128}
        if kind is None:
            return every
        return {name: t for name, t in every.items() if isdtype(t, kind)}


def __array_namespace_info__():
    """The Array API's inspection namespace (capabilities, default dtypes, devices, dtypes)."""
    return _NamespaceInfo()


# -- signal: convolve, correlate (direct sums in C, NumPy's modes and swaps) ---------------------
convolve, correlate = _nd.convolve, _nd.correlate


# -- NumPy's files (.npy, .npz) ------------------------------------------------------------------
from _kestrel.nd_io import NpzFile, load, save, savez, savez_compressed  # noqa: E402
from _kestrel.nd_text import loadtxt, savetxt  # noqa: E402,F401
# -- products (dot, tensordot, einsum, ...) -------------------------------------------------------
from _kestrel.nd_products import (cross, diagonal, dot, einsum, einsum_path,  # noqa: E402
                                  inner, kron, matvec, outer, tensordot, trace, vdot, vecdot,
                                  vecmat)
# ---- sorting, searching and sets (one call into the C library each) ----

def _kind(kind, stable):
    return "stable" if stable else kind


def _flipped_order(a, axis, kind):
    """The stable descending order: ascending on the reversed axis, reversed back (equal keys
    keep their first-come order, as the Array API's descending=True, stable=True)."""
    if axis is None:
        a, axis = ravel(a), 0
    r = flip(_nd.argsort(flip(a, axis), axis, kind), axis)
    return subtract(a.shape[axis if axis >= 0 else a.ndim + axis] - 1, r)


def sort(a, axis=-1, kind=None, order=None, *, stable=None, descending=False):
    """A sorted copy (NumPy's np.sort, and the Array API's sort with descending=)."""
    if descending:
        if axis is None:
            a, axis = ravel(a), 0
        return flip(_nd.sort(flip(a, axis), axis, _kind(kind, stable)), axis)
    return _nd.sort(a, axis, _kind(kind, stable))


def argsort(a, axis=-1, kind=None, order=None, *, stable=None, descending=False):
    """The positions that sort a along axis (np.argsort; the Array API's descending=)."""
    a = asarray(a)
    if a.ndim == 0:  # NumPy: the order of its one element, array([0])
        a = ravel(a)
    if descending:
        return _flipped_order(a, axis, _kind(kind, stable))
    return _nd.argsort(a, axis, _kind(kind, stable))


def partition(a, kth, axis=-1, kind="introselect", order=None):
    """A copy with every kth element in its sorted place (np.partition)."""
    return _nd.partition(a, kth, axis)


def argpartition(a, kth, axis=-1, kind="introselect", order=None):
    """The positions that partition a (np.argpartition)."""
    a = asarray(a)
    return _nd.argpartition(ravel(a) if a.ndim == 0 else a, kth, axis)


def lexsort(keys, axis=-1):
    """The stable order by the last key, ties broken by the ones before (np.lexsort)."""
    if isinstance(keys, ndarray):
        keys = [keys[i] for i in range(keys.shape[0])] if keys.ndim > 0 else [keys]
    return _nd.lexsort(list(keys), axis)


def searchsorted(a, v, side="left", sorter=None):
    """Where v's elements would go in the sorted 1-d a (np.searchsorted)."""
    return _nd.searchsorted(a, v, side, sorter)


def unique(ar, return_index=False, return_inverse=False, return_counts=False, axis=None, *,
           equal_nan=True, sorted=True):
    """The sorted distinct values of the raveled array, with NumPy's optional first positions,
    inverse (in ar's shape) and counts. Every NaN counts as one value unless equal_nan=False.
    With an axis: the distinct sub-arrays along it in lexicographic order (the inverse 1-d; a
    sub-array holding NaN equals no other, as NumPy)."""
    flags = return_index | return_inverse << 1 | return_counts << 2 | (not equal_nan) << 3
    v, i, inv, c = _nd.unique(ar, flags, axis)
    ret = (v,) + tuple(x for x, want in ((i, return_index), (inv, return_inverse),
                                         (c, return_counts)) if want)
    return ret[0] if len(ret) == 1 else ret


# The Array API's unique_* functions: every NaN is its own value (NaN != NaN), as NumPy's.
UniqueAllResult = _collections.namedtuple(
    "UniqueAllResult", ["values", "indices", "inverse_indices", "counts"])
UniqueCountsResult = _collections.namedtuple("UniqueCountsResult", ["values", "counts"])
UniqueInverseResult = _collections.namedtuple("UniqueInverseResult", ["values", "inverse_indices"])


def unique_all(x, /):
    """The Array API's unique_all: values, first indices, inverse indices (x's shape), counts."""
    return UniqueAllResult(*_nd.unique(x, 15))


def unique_counts(x, /):
    """The Array API's unique_counts: values and counts."""
    v, _, _, c = _nd.unique(x, 12)
    return UniqueCountsResult(v, c)


def unique_inverse(x, /):
    """The Array API's unique_inverse: values and inverse indices (x's shape)."""
    v, _, inv, _ = _nd.unique(x, 10)
    return UniqueInverseResult(v, inv)


def unique_values(x, /):
    """The Array API's unique_values: the distinct values, sorted (each NaN its own)."""
    return _nd.unique(x, 8)[0]


def isin(element, test_elements, assume_unique=False, invert=False, *, kind=None):
    """Whether each element is in test_elements, in element's shape (np.isin)."""
    return _nd.isin(element, test_elements, invert)


from _kestrel import nd_linalg as linalg  # noqa: E402,F401 (kestrel.nd.linalg)
