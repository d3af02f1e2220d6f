"""Every element-wise function of kestrel.nd against NumPy itself: every dtype (and mixed pairs),
0-d, empty, non-contiguous, negative-stride and broadcast operands, out= and where=, integer
overflow, division by zero, NaN, infinities and signed zeros.

The reference is NumPy applied to the same inputs. Where NumPy would compute in float16 (sqrt of
int8), kestrel has no float16 and computes in float32: the reference is then NumPy on the inputs
cast to float32. Functions computed with SLEEF / SVML-class vector math may differ from NumPy's by
up to 1 ULP each side of the exact value, so 2 ULP between the two; every other function must
agree to the bit (NaN where NumPy has NaN, the sign of zero included)."""
import itertools
import warnings

import numpy as np
import pytest

import kestrel.nd as nd

DTYPES = ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
          "float32", "float64", "complex64", "complex128"]

BINARY = ["add", "subtract", "multiply", "divide", "floor_divide", "remainder", "fmod", "power",
          "maximum", "minimum", "fmax", "fmin", "hypot", "arctan2", "copysign", "nextafter",
          "logaddexp", "logaddexp2", "equal", "not_equal", "less", "less_equal", "greater", "greater_equal",
          "logical_and", "logical_or", "logical_xor", "bitwise_and", "bitwise_or", "bitwise_xor",
          "left_shift", "right_shift"]
UNARY = ["negative", "positive", "absolute", "sign", "logical_not", "invert", "floor", "ceil",
         "trunc", "rint", "sqrt", "cbrt", "square", "reciprocal", "exp", "exp2", "expm1", "log",
         "log2", "log10", "log1p", "sin", "cos", "tan", "arcsin", "arccos", "arctan", "sinh",
         "cosh", "tanh", "arcsinh", "arccosh", "arctanh", "deg2rad", "rad2deg", "isnan", "isinf",
         "isfinite", "signbit", "conjugate"]
# Vector math (SLEEF u10 here, SVML in NumPy): each within 1 ULP of the truth.
TRANSCENDENTAL = {"exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "sin", "cos", "tan",
                  "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh", "arcsinh", "arccosh",
                  "arctanh", "cbrt", "hypot", "arctan2", "logaddexp", "logaddexp2", "power"}
ULP = 2

RNG = np.random.default_rng(20261206)


def values(dtype, n):
    """n values of dtype with the edge cases of its kind mixed in."""
    dt = np.dtype(dtype)
    if dt.kind == "b":
        return RNG.integers(0, 2, n).astype(bool)
    if dt.kind in "iu":
        info = np.iinfo(dt)
        small = RNG.integers(max(info.min, -20), min(info.max, 20) + 1, n).astype(dt)
        edges = np.array([0, 1, info.max, info.min, info.max - 1], dtype=dt)
        if dt.kind == "i":
            edges = np.concatenate([edges, np.array([-1, info.min + 1], dtype=dt)])
        small[: len(edges)] = edges[: n]
        return small
    if dt.kind == "f":
        x = (RNG.standard_normal(n) * 4).astype(dt)
        edges = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1.0, -1.0, 0.5, 2.5, -2.5,
                          1e-310, 700.0], dtype=dt)
        x[: len(edges)] = edges[:n]
        return x
    re = values("float64" if dt == np.complex128 else "float32", n)
    im = RNG.permutation(values("float64" if dt == np.complex128 else "float32", n))
    return (re + 1j * im).astype(dt)


def _float32_ulps(a, b):
    """ULPs between float32 arrays a and b (their distance on the ordered integer line)."""
    ia, ib = (np.asarray(v, np.float32).view(np.int32).astype(np.int64) for v in (a, b))
    ia, ib = (np.where(i < 0, -(i & 0x7FFFFFFF), i) for i in (ia, ib))
    return np.abs(ia - ib)


def _arctan2_truth_where_numpy_is_off(r, *args):
    """float32 arctan2: NumPy's value, or the correctly rounded one (long double arctan2, 11 or
    more bits beyond float32's 24 even where long double is double) where NumPy's is more than
    1 ULP from it. On AVX-512 NumPy calls SVML's atan2f16, up to 3 ULP off (arctan2(-9, 17); 39%
    of the int8 pairs are 1 to 3 ULP off); elsewhere libm's atan2f, within 1 ULP, stays the
    reference."""
    truth = np.arctan2(*[np.asarray(a).astype(np.longdouble) for a in args]).astype(np.float32)
    return np.where(_float32_ulps(r, truth) > 1, truth, r)


def reference(name, *args, **kw):
    """NumPy's result, computed as kestrel computes it (float32 where NumPy would use float16),
    or the exception class NumPy raises. Complex absolute is NumPy's result on a contiguous copy:
    NumPy's SIMD loop, max * sqrt(1 + (min / max)^2), which kestrel takes on every layout, while
    NumPy itself calls hypot for negative strides on AVX-512, so its answer depends on the
    layout."""
    f = getattr(np, name)
    if name == "absolute" and not kw and np.asarray(args[0]).dtype.kind == "c":
        return np.absolute(np.array(args[0], order="C"))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with np.errstate(all="ignore"):
                r = f(*args, **kw)
                if isinstance(r, np.ndarray) and r.dtype == np.float16:
                    r = f(*[np.asarray(a).astype(np.float32) for a in args], **kw)
                elif isinstance(r, np.generic) and r.dtype == np.float16:
                    r = f(*[np.asarray(a).astype(np.float32) for a in args], **kw)
                if name == "arctan2" and np.asarray(r).dtype == np.float32:
                    r = _arctan2_truth_where_numpy_is_off(r, *args)
                return r
    except (TypeError, ValueError, OverflowError) as e:
        return type(e)


def assert_same(name, got, want):
    got = np.asarray(got)
    want = np.asarray(want)
    assert got.shape == want.shape, (name, got.shape, want.shape)
    assert got.dtype == want.dtype, (name, got.dtype, want.dtype)
    if want.size == 0:
        return
    if want.dtype.kind in "fc" and name in TRANSCENDENTAL:
        for part in ((lambda z: z.real), (lambda z: z.imag)) if want.dtype.kind == "c" else ((lambda z: z),):
            g, w = part(got), part(want)
            assert np.array_equal(np.isnan(g), np.isnan(w)), (name, g, w)
            ok = ~np.isnan(w)
            inf = np.isinf(w) & ok
            assert np.array_equal(g[inf], w[inf]), (name, g[inf], w[inf])
            fin = ok & ~inf
            if fin.any() and name in ("logaddexp", "logaddexp2"):
                # log(1 + ...) near a result of 0 cancels: neither NumPy nor kestrel is within a
                # few ULP of the truth there (both off by ~100 ULP of a tiny result, checked with
                # mpmath), so the bound is absolute, a few epsilons of the result's scale
                eps = np.finfo(w.dtype).eps
                np.testing.assert_allclose(g[fin], w[fin], rtol=8 * eps, atol=8 * eps)
            elif fin.any():
                np.testing.assert_array_max_ulp(g[fin], w[fin], maxulp=ULP)
        return
    if want.dtype.kind in "fc":
        assert np.array_equal(got, want, equal_nan=True), (name, got, want)
        # signed zeros (a NaN's sign bit means nothing: it differs between NumPy's own loops)
        for part in ((lambda z: z.real), (lambda z: z.imag)) if want.dtype.kind == "c" else ((lambda z: z),):
            g, w = part(got), part(want)
            num = ~np.isnan(w)
            assert np.array_equal(np.signbit(g[num]), np.signbit(w[num])), (name, g, w)
        return
    assert np.array_equal(got, want), (name, got, want)


def call(name, *args, **kw):
    """kestrel's result, or the exception class it raised."""
    try:
        return getattr(nd, name)(*[nd.asarray(a) if isinstance(a, np.ndarray) else a for a in args], **kw)
    except (TypeError, ValueError, OverflowError) as e:
        return type(e)


def check(name, *args, **kw):
    want = reference(name, *args, **kw)
    got = call(name, *args, **kw)
    if isinstance(want, type):
        assert isinstance(got, type), f"{name}{tuple(a.dtype if hasattr(a, 'dtype') else a for a in args)}: NumPy raises {want.__name__}, kestrel gave {got!r}"
        return
    assert not isinstance(got, type), f"{name}{tuple(getattr(a, 'dtype', a) for a in args)}: kestrel raised {got.__name__}"
    assert_same(name, got, want)


@pytest.mark.parametrize("name", UNARY)
@pytest.mark.parametrize("dtype", DTYPES)
def test_unary_every_dtype(name, dtype):
    check(name, values(dtype, 257))


@pytest.mark.parametrize("name", BINARY)
@pytest.mark.parametrize("dtype", DTYPES)
def test_binary_same_dtype(name, dtype):
    x, y = values(dtype, 257), RNG.permutation(values(dtype, 257))
    if name in ("left_shift", "right_shift") and np.dtype(dtype).kind in "iu":
        y = (np.abs(y.astype(np.int64)) % (8 * np.dtype(dtype).itemsize + 2)).astype(dtype)
    check(name, x, y)


MIXED = [("int8", "uint8"), ("int32", "float32"), ("uint64", "int64"), ("int16", "float64"),
         ("uint32", "int8"), ("bool", "float32"), ("float32", "complex128"), ("int64", "complex64"),
         ("uint8", "float32"), ("bool", "int8")]


@pytest.mark.parametrize("name", BINARY)
@pytest.mark.parametrize("pair", MIXED, ids=["-".join(p) for p in MIXED])
def test_binary_mixed_dtypes(name, pair):
    x, y = values(pair[0], 101), values(pair[1], 101)
    if name in ("left_shift", "right_shift"):
        y = np.abs(y.astype(np.int64) % 9).astype(pair[1]) if np.dtype(pair[1]).kind in "iub" else y
    check(name, x, y)


PY_SCALARS = [0, 1, -1, 2, 300, -129, 2**63, 2.5, -0.0, float("nan"), 1j, True]


@pytest.mark.parametrize("name", ["add", "multiply", "subtract", "divide", "power", "maximum",
                                  "less", "equal", "floor_divide", "remainder"])
@pytest.mark.parametrize("dtype", ["int8", "uint8", "int64", "uint64", "float32", "float64",
                                   "complex64", "bool"])
def test_python_scalars_nep50(name, dtype):
    """A Python scalar is weak: int8 + 1 stays int8, float32 * 2.5 stays float32, uint8 + 300
    raises OverflowError (NEP 50), on either side."""
    x = values(dtype, 31)
    for s in PY_SCALARS:
        check(name, x, s)
        check(name, s, x)


LAYOUTS = {
    "0-d": lambda a: a.reshape(-1)[0:1].reshape(()),
    "empty": lambda a: a.reshape(-1)[:0].reshape(0, 3)[:, :1] if a.size else a,
    "strided": lambda a: a.reshape(-1)[::3],
    "reversed": lambda a: a.reshape(-1)[::-1],
    "2-d transposed": lambda a: a.reshape(-1)[:240].reshape(12, 20).T,
    "2-d sliced": lambda a: a.reshape(-1)[:240].reshape(12, 20)[1:11:2, ::-3],
    "fortran": lambda a: np.asfortranarray(a.reshape(-1)[:240].reshape(12, 20)),
}


@pytest.mark.parametrize("layout", list(LAYOUTS))
@pytest.mark.parametrize("name", ["add", "multiply", "divide", "maximum", "power", "less",
                                  "exp", "sqrt", "negative", "absolute", "rint", "sin"])
@pytest.mark.parametrize("dtype", ["int32", "float32", "float64", "complex128"])
def test_layouts(layout, name, dtype):
    x = LAYOUTS[layout](values(dtype, 720))
    nin = 2 if name in BINARY else 1
    if nin == 1:
        check(name, x)
    else:
        y = LAYOUTS[layout](RNG.permutation(values(dtype, 720)))
        check(name, x, y)


@pytest.mark.parametrize("shapes", [((3, 1), (1, 4)), ((5, 1, 3), (4, 1)), ((), (2, 3)),
                                    ((0, 1), (1, 7)), ((2, 3), (3,))])
def test_broadcasting(shapes):
    a = values("float64", int(np.prod(shapes[0]))).reshape(shapes[0])
    b = values("float64", int(np.prod(shapes[1]))).reshape(shapes[1])
    for name in ["add", "arctan2", "greater", "fmax"]:
        check(name, a, b)


def test_broadcast_error_names_both_shapes():
    with pytest.raises(ValueError, match=r"operands could not be broadcast together with shapes \(2,\) \(3,\)"):
        nd.add(nd.zeros(2), nd.zeros(3))


def test_out_and_where():
    x = values("float64", 64).reshape(8, 8)
    y = RNG.permutation(values("float64", 64)).reshape(8, 8)
    mask = RNG.integers(0, 2, (8, 8)).astype(bool)
    for name in ["add", "hypot", "maximum"]:
        want = np.full((8, 8), 7.0)
        got = nd.full((8, 8), 7.0)
        with np.errstate(all="ignore"):
            getattr(np, name)(x, y, out=want, where=mask)
        r = getattr(nd, name)(nd.asarray(x), nd.asarray(y), out=got, where=nd.asarray(mask))
        assert r is got
        assert_same(name, got, want)
    # out of another dtype: cast with same_kind, and refused when the rule forbids it
    out32 = nd.zeros((8, 8), dtype="float32")
    nd.add(nd.asarray(x), nd.asarray(y), out=out32)
    assert_same("add", out32, np.add(x, y).astype(np.float32))
    with pytest.raises(TypeError, match="Cannot cast ufunc 'add' output"):
        nd.add(nd.asarray(x), nd.asarray(y), out=nd.zeros((8, 8), dtype="int64"))
    # in place through an overlapping view: a[1:] += a[:-1] sees the old values, as NumPy
    a = np.arange(10.0)
    k = nd.asarray(a.copy())
    a[1:] += a[:-1]
    k[1:] += k[:-1]
    assert_same("add", k, a)


def test_integer_semantics():
    i8 = np.array([-128, -7, 7, 127, 0], dtype=np.int8)
    for name in ["floor_divide", "remainder", "fmod"]:
        for d in ([-1, 2, -2, 0, 3], [0, 0, 0, 0, 0]):
            check(name, i8, np.array(d, dtype=np.int8))
    check("absolute", i8)            # abs(-128) wraps to -128
    check("negative", i8)
    check("add", i8, np.array([-1, -125, 125, 1, 0], dtype=np.int8))   # wraps
    with pytest.raises(ValueError, match="Integers to negative integer powers are not allowed"):
        nd.power(nd.asarray(np.array([2, 3])), nd.asarray(np.array([1, -1])))
    check("power", np.array([2, 3, -2, 0], dtype=np.int64), np.array([62, 3, 63, 0], dtype=np.int64))


def test_float_specials():
    x = np.array([0.5, 1.5, 2.5, -0.5, -2.5, 3.5, -0.0, np.nan, np.inf, -np.inf])
    for name in ["rint", "floor", "ceil", "trunc", "sign", "absolute", "sqrt", "square",
                 "reciprocal", "isnan", "isinf", "isfinite", "signbit"]:
        check(name, x)
    y = np.array([np.nan, 1.0, np.nan, -0.0, 0.0, -np.inf, 0.0, 2.0, np.nan, 1.0])
    for name in ["maximum", "minimum", "fmax", "fmin", "copysign", "nextafter", "divide",
                 "floor_divide", "remainder", "fmod", "power", "arctan2", "hypot"]:
        check(name, x, y)


def test_thread_invariance():
    x = values("float64", 3_000_001)
    y = RNG.permutation(x)
    ref = nd.multiply(nd.asarray(x), nd.asarray(y))
    for threads in (1, 2, 3):
        with nd.threads(threads):
            got = nd.multiply(nd.asarray(x), nd.asarray(y))
            assert np.array_equal(np.asarray(got), np.asarray(ref), equal_nan=True)


def test_int64_uint64_comparisons_exact():
    """NumPy 2 compares int64 with uint64 exactly (not through float64)."""
    u = np.array([2**63, 2**63 + 1, 2**64 - 1, 0, 5], dtype=np.uint64)
    i = np.array([2**63 - 1, -1, -(2**63), 0, 5], dtype=np.int64)
    for name in ["equal", "not_equal", "less", "less_equal", "greater", "greater_equal"]:
        check(name, u, i)
        check(name, i, u)
        check(name, i.astype(np.int8), u)
    assert not np.asarray(nd.equal(nd.asarray(u[:1]), nd.asarray(np.array([2**63 - 1])))).any()


def test_unaligned_operands():
    """A view at an odd byte offset (from a NumPy buffer) is read and written element by element."""
    raw = np.zeros(8 * 1001 + 1, dtype=np.uint8)
    x = raw[1:].view(np.float64)
    x[:] = values("float64", 1001)
    assert x.ctypes.data % 8 == 1
    check("exp", x)
    check("add", x, x[::-1])
    out = nd.asarray(x)
    nd.multiply(out, 2.0, out=out)
    assert np.array_equal(np.asarray(out), x * 2.0, equal_nan=True)


def test_cube_is_correctly_rounded():
    """x**3 (a broadcast exponent 3) is the exact cube rounded once, not pow's (glibc's pow is
    off by one ULP on about 0.1% of inputs): checked in exact rational arithmetic."""
    from fractions import Fraction

    r = np.random.default_rng(11)
    x = np.concatenate([r.standard_normal(3000) * s for s in (1.0, 1e-90, 1e90)])
    got = np.asarray(nd.asarray(x) ** 3)
    for v, g in zip(x.tolist(), got.tolist()):
        exact = Fraction(v) ** 3
        err = abs(Fraction(g) - exact)
        ulp = Fraction(np.spacing(abs(g)))
        assert err <= ulp / 2, (v, g)
    x32 = r.standard_normal(1000).astype(np.float32)
    np.testing.assert_array_equal(np.asarray(nd.asarray(x32) ** 3),
                                  (x32.astype(np.float64) ** 3).astype(np.float32))
    specials = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1e200, -1e200, 1e-200, 5e-324])
    with np.errstate(all="ignore"):
        np.testing.assert_array_equal(np.asarray(nd.asarray(specials) ** 3), specials**3)
    assert np.signbit(np.asarray(nd.asarray(specials) ** 3)[1])


@pytest.mark.parametrize("name", ["equal", "not_equal", "less", "less_equal", "greater",
                                  "greater_equal"])
def test_float64_comparisons_packed(name):
    """float64 comparisons run 16 elements at a time with their masks packed into bool bytes
    (ufunc_loops_cmp.c): every length around 16, NaN, infinities, -0.0 and ties, a scalar on
    either side, strided and broadcast operands, against NumPy."""
    f, g = getattr(np, name), getattr(nd, name)
    for n in list(range(0, 50)) + [1023, 1024, 1025, 4111]:
        a, b = RNG.standard_normal(n), RNG.standard_normal(n)
        for arr in (a, b):
            arr[RNG.random(n) < 0.1] = np.nan
            arr[RNG.random(n) < 0.05] = -np.inf
            arr[RNG.random(n) < 0.05] = -0.0
        tie = RNG.random(n) < 0.2
        b[tie] = a[tie]
        for x, y in ((a, b), (a, 0.25), (0.25, a), (a, np.nan), (a[::2], b[::2]), (a[::-1], b),
                     (a[: n // 2, None], b[None, :7])):
            kx = nd.asarray(x) if isinstance(x, np.ndarray) else x
            ky = nd.asarray(y) if isinstance(y, np.ndarray) else y
            np.testing.assert_array_equal(np.asarray(g(kx, ky)), f(x, y))
