"""kestrel.nd's ndarray against NumPy itself: attributes, zero-copy exchange both ways (buffer
protocol, __array__, __array_interface__, DLPack), repr and str, dtype objects, NEP 50 promotion
for every pair of dtypes and Python scalars, operators on random inputs of every dtype (0-d,
empty, non-contiguous, negative strides, broadcast), in-place operators, indexing, methods, and
NumPy's exceptions."""
import copy
import operator

import numpy as np
import pytest

from kestrel import nd

DTYPES = ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
          "float32", "float64", "complex64", "complex128"]
RNG = np.random.default_rng(19)


def rand(dtype, shape):
    """Random values that exercise dtype: small and large integers, negative zero, NaN/inf."""
    dt = np.dtype(dtype)
    if dt.kind == "b":
        return RNG.integers(0, 2, shape).astype(bool)
    if dt.kind in "iu":
        info = np.iinfo(dt)
        return RNG.integers(info.min, info.max, shape, dtype=dt, endpoint=True)
    x = RNG.standard_normal(shape) * 10
    if dt.kind == "c":
        x = x + 1j * RNG.standard_normal(shape) * 10
    x = np.asarray(x).astype(dt)
    flat = x.reshape(-1)
    if flat.size >= 8:  # specials where there is room
        flat[0], flat[1], flat[2], flat[3] = 0.0, -0.0, np.nan, np.inf
    return x


def layouts(x):
    """x and views of it that are 0-d, non-contiguous, reversed and transposed."""
    out = [("c", x)]
    if x.ndim >= 1 and x.shape[0] > 1:
        out += [("step2", x[::2]), ("reversed", x[::-1])]
    if x.ndim >= 2:
        out += [("transposed", x.T)]
    return out


SHAPES = [(), (0,), (7,), (3, 4), (2, 3, 4), (5, 0, 2)]


def same(k, n, exact=True):
    """k (a kestrel array) equals n (NumPy's result): dtype, shape, values, NaN where NaN."""
    got = np.asarray(k)
    assert got.dtype == n.dtype, (got.dtype, n.dtype)
    assert got.shape == n.shape
    if exact or n.dtype.kind in "biu":
        np.testing.assert_array_equal(got, n)
    else:
        np.testing.assert_allclose(got, n, rtol=4 * np.finfo(n.dtype).eps, atol=0)


# -- attributes ---------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES)
def test_attributes_match_numpy(dtype, shape):
    for _, x in layouts(rand(dtype, shape)):
        a = nd.asarray(x)
        assert isinstance(a, nd.ndarray)
        assert a.shape == x.shape and a.strides == x.strides and a.ndim == x.ndim
        assert a.size == x.size and a.itemsize == x.itemsize and a.nbytes == x.nbytes
        assert a.dtype == x.dtype and a.dtype.name == x.dtype.name and a.dtype.str == x.dtype.str
        assert a.flags["C_CONTIGUOUS"] == x.flags.c_contiguous
        assert a.flags.f_contiguous == x.flags.f_contiguous
        assert a.flags.writeable and not a.flags.owndata
        assert a.T.shape == x.T.shape and a.T.strides == x.T.strides
        assert a.device == "cpu"
        if x.ndim >= 2:
            assert a.mT.shape == x.mT.shape
        assert a.tolist() == x.tolist() or x.dtype.kind in "fc"  # NaN != NaN in lists


def test_owndata_base_and_views():
    x = np.arange(12.0).reshape(3, 4)
    k = nd.asarray(x)
    assert k.base is x
    v = k.T
    assert v.base is x and not v.flags.owndata
    c = k.copy()
    assert c.base is None and c.flags.owndata


def test_real_imag_are_views_of_complex():
    x = np.array([1 + 2j, 3 - 4j], dtype=np.complex64)
    k = nd.asarray(x)
    assert k.real.dtype == "float32" and k.real.tolist() == [1.0, 3.0]
    assert k.imag.tolist() == [2.0, -4.0] and k.imag.strides == (8,)
    k.imag[0] = 9  # writes through to NumPy's memory
    assert x[0] == 1 + 9j
    f = nd.asarray(np.arange(3.0))
    assert f.real.tolist() == [0.0, 1.0, 2.0] and f.imag.tolist() == [0.0, 0.0, 0.0]


# -- zero-copy exchange -------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
def test_asarray_views_numpy_memory_and_back(dtype):
    x = rand(dtype, (4, 5))
    for _, v in layouts(x):
        k = nd.asarray(v)
        back = np.asarray(k)
        assert np.shares_memory(back, v) and back.dtype == v.dtype
        np.testing.assert_array_equal(back, v)
        assert np.shares_memory(np.array(k, copy=False), v)
        m = memoryview(k)
        assert m.shape == v.shape and m.strides == v.strides and m.itemsize == v.itemsize


def test_writes_are_seen_both_ways():
    x = np.zeros(5)
    k = nd.asarray(x)
    k[1] = 7.0
    assert x[1] == 7.0
    x[2] = 3.0
    assert k.tolist()[2] == 3.0
    y = np.asarray(k)
    y[0] = -1
    assert x[0] == -1


def test_readonly_numpy_stays_readonly():
    x = np.arange(4.0)
    x.flags.writeable = False
    k = nd.asarray(x)
    assert not k.flags.writeable
    with pytest.raises((ValueError, TypeError)):
        k[0] = 1.0
    assert not np.asarray(k).flags.writeable
    with pytest.raises(BufferError):
        k.__dlpack__()  # legacy DLPack cannot say read-only, as NumPy
    assert np.from_dlpack(k).flags.writeable is False  # versioned DLPack can


def test_array_interface_and_buffer_protocol():
    x = np.arange(12, dtype=np.int32).reshape(3, 4)[:, ::2]
    k = nd.asarray(x)
    ai = k.__array_interface__
    assert ai["shape"] == (3, 2) and ai["typestr"] == "<i4" and ai["strides"] == (16, 8)
    assert ai["data"] == (x.__array_interface__["data"][0], False) and ai["version"] == 3
    with pytest.raises(BufferError):
        np.frombuffer(k, dtype=np.int32)  # a contiguous buffer asked of a strided array
    assert bytes(k.copy()) == x.tobytes() == k.tobytes()
    c = nd.asarray(np.arange(3.0))
    assert c.__array_interface__["strides"] is None
    assert memoryview(c).format == "d" and memoryview(c).c_contiguous


def test_array_dunder_dtype_and_copy():
    k = nd.asarray(np.arange(3, dtype=np.int16))
    assert np.asarray(k, dtype=np.float64).tolist() == [0.0, 1.0, 2.0]
    assert not np.shares_memory(np.array(k, copy=True), np.asarray(k))
    with pytest.raises(ValueError):
        k.__array__(dtype=np.float64, copy=False)


@pytest.mark.parametrize("dtype", DTYPES)
def test_dlpack_both_ways(dtype):
    x = rand(dtype, (3, 4))[::-1, ::2]  # negative and non-unit strides
    k = nd.from_dlpack(x)
    assert np.shares_memory(np.asarray(k), x)
    np.testing.assert_array_equal(np.asarray(k), x)
    back = np.from_dlpack(k)
    assert np.shares_memory(back, x) and back.strides == x.strides
    assert k.__dlpack_device__() == (1, 0)
    legacy = k.__dlpack__()
    assert type(legacy).__name__ == "PyCapsule"
    del legacy  # an unconsumed capsule frees what it holds
    copied = nd.from_dlpack(x, copy=True)
    assert not np.shares_memory(np.asarray(copied), x)


# -- repr / str ---------------------------------------------------------------------------------


REPR_CASES = [
    np.array([1e-5, 1]), np.array([1e-100, 1]), np.array([1e-5, 1.5, np.nan]),
    np.array([np.nan, 1.0]), np.array([-np.inf, 1.5]), np.array([1 + 2j, 3 - 1j]),
    np.array([1.5 + 2j, np.nan + 1j]), np.array(1.0), np.array(1.5, dtype=np.float32),
    np.arange(30.0) * 1.1, np.arange(2000.0).reshape(2, 1000), np.zeros((2, 0)),
    np.array([], dtype=np.int8), np.array([0.1], dtype=np.float32), np.array([True, False]),
    np.array(True), np.arange(24).reshape(2, 3, 4), np.array([1e8, 1.0]),
    np.array([123456789.123]), np.array([1 / 3, 2.0]), np.arange(40, dtype=np.int8),
    np.array([-0.0, 1.0]), np.arange(5000).reshape(50, 100), np.arange(3000.0),
    np.array([0.1, 0.2, 0.30000000000000004]), np.array(np.pi), np.array([], dtype=np.float64),
    np.array([[1.5, 2], [3, 4]], dtype=np.float32), np.arange(100).reshape(10, 10) / 7,
    np.array([1e300, -1e-300]), np.array([np.inf, -np.inf]), np.array([0.5j, -1.5 - 2j],
                                                                       dtype=np.complex64),
    np.arange(10, dtype=np.uint64) * 2**60, np.full((2, 2, 2, 2), 7, dtype=np.int16),
    np.array(3, dtype=np.int8), np.array(0.1 + 1j), RNG.standard_normal((7, 200)),
    RNG.standard_normal((4, 4)).astype(np.float32) * 1e5, RNG.integers(-1000, 1000, (13, 9)),
    np.array([3.4028235e38, -3.4025e38, 1.5], dtype=np.float32),  # short digits past float32
]


@pytest.mark.parametrize("x", REPR_CASES, ids=range(len(REPR_CASES)))
def test_repr_and_str_as_numpy(x):
    k = nd.asarray(x)
    assert repr(k) == repr(x)
    assert str(k) == str(x)


def test_format_of_0d():
    k = nd.asarray(np.array(2.5))
    assert f"{k:.3f}" == "2.500" and float(k) == 2.5 and int(k) == 2 and complex(k) == 2.5


# -- dtypes and promotion -----------------------------------------------------------------------


@pytest.mark.parametrize("name", DTYPES)
def test_dtype_objects(name):
    t = getattr(nd, name)
    n = np.dtype(name)
    assert t == name and t == n and t == n.type and np.dtype(t) == n
    assert t.name == name and t.kind == n.kind and t.itemsize == n.itemsize and t.str == n.str
    assert t.char == n.char and repr(t) == f"dtype('{name}')" and str(t) == name
    assert t != "nonsense" and t != (nd.float64 if name != "float64" else nd.int8)
    assert hash(t) == hash(getattr(nd, name)) and nd.asarray(np.zeros(1, n)).dtype is t


def test_dtype_aliases_come_from_the_library():
    assert nd.float64 == "f8" and nd.float64 == float and nd.int64 == int and nd.bool == bool
    assert nd.complex128 == complex and nd.int32 == "i4"
    with pytest.raises(TypeError, match="not understood"):
        nd.empty(2, dtype="float99")
    with pytest.raises(TypeError):
        nd.empty(2, dtype=np.float16)


PYSCALARS = [True, 1, -1, 127, 300, -129, 2**31, 2**63 - 1, 2**63, 2**64 - 1, 1.5, -0.0, 1e300,
             1j, 2.5 + 1j]


def numpy_result(*args):
    try:
        return np.result_type(*args)
    except (OverflowError, TypeError, ValueError) as e:
        return type(e)


def kestrel_result(*args):
    try:
        return np.dtype(nd.result_type(*args).name)
    except (OverflowError, TypeError, ValueError) as e:
        return type(e)


def test_promotion_every_pair_of_dtypes():
    for a in DTYPES:
        for b in DTYPES:
            assert kestrel_result(a, b) == numpy_result(a, b), (a, b)
            assert nd.promote_types(a, b) == np.promote_types(a, b), (a, b)
            for casting in ("no", "equiv", "safe", "same_kind", "unsafe"):
                assert nd.can_cast(a, b, casting) == np.can_cast(a, b, casting), (a, b, casting)


def test_promotion_with_python_scalars_nep50():
    # result_type as NumPy's (it does not look at a Python int's value); add as NumPy's add,
    # which converts the value for its loop (OverflowError when it does not fit)
    for a in DTYPES:
        arr = np.zeros(2, a)
        for s in PYSCALARS:
            assert kestrel_result(nd.asarray(arr), s) == np.result_type(arr, s), (a, s)
            want = numpy_or_error(operator.add, arr, s)
            want = type(want) if isinstance(want, Exception) else want.dtype
            try:
                got = np.dtype(nd.asarray(arr).__add__(s).dtype.name)
            except (OverflowError, TypeError, ValueError) as e:
                got = type(e)
            assert got == want, (a, s)


# -- operators ----------------------------------------------------------------------------------

BINOPS = [operator.add, operator.sub, operator.mul, operator.truediv, operator.floordiv,
          operator.mod, operator.pow, operator.lt, operator.le, operator.eq, operator.ne,
          operator.gt, operator.ge, operator.and_, operator.or_, operator.xor,
          operator.lshift, operator.rshift]
UNOPS = [operator.neg, operator.pos, abs, operator.invert]


def numpy_or_error(f, *args):
    with np.errstate(all="ignore"):
        try:
            return f(*args)
        except (TypeError, ValueError, OverflowError) as e:
            return e


def check(f, kargs, nargs):
    want = numpy_or_error(f, *nargs)
    if isinstance(want, Exception):
        with pytest.raises(type(want) if not isinstance(want, TypeError) else TypeError):
            f(*kargs)
        return
    got = f(*kargs)
    # power, and abs of complex (a hypot), are vector math: within a few ULP of NumPy's
    inexact = f is operator.pow or (f is abs and np.asarray(want).dtype.kind == "f" and
                                    np.asarray(nargs[0]).dtype.kind == "c")
    same(got, np.asarray(want), exact=not inexact)


# Where the C library (not this binding) differs from NumPy: strict xfails, so that a fix shows
# up as a failure here and the mark goes (none now).
DIFFERS = {}


def cases(fs, dtypes):
    return [pytest.param(f, t, id=f"{t}-{f.__name__}", marks=pytest.mark.xfail(
        strict=True, reason=DIFFERS[f.__name__, t])) if (f.__name__, t) in DIFFERS else
        pytest.param(f, t, id=f"{t}-{f.__name__}") for f in fs for t in dtypes]


@pytest.mark.parametrize("f,dtype", cases(BINOPS, DTYPES))
def test_binary_operators_as_numpy(f, dtype):
    for other in ("bool", "int8", "uint8", "int64", "uint64", "float32", "float64", "complex128"):
        for shape in [(), (0,), (6,), (2, 3), (3, 1, 4)]:
            x, y = rand(dtype, shape), rand(other, shape[-1:] if shape else ())
            if f is operator.pow and dtype[0] in "iu" and other[0] in "iu":
                y = np.abs(y) % 5  # NumPy refuses negative integer powers
                y = y.astype(other)
            for _, xv in layouts(x):
                check(f, (nd.asarray(xv), nd.asarray(y)), (xv, y))
            check(f, (nd.asarray(x), 3), (x, 3))  # weak int
            check(f, (2.5, nd.asarray(x)), (2.5, x))  # reflected, weak float


@pytest.mark.parametrize("f,dtype", cases(UNOPS, DTYPES))
def test_unary_operators_as_numpy(f, dtype):
    for shape in SHAPES:
        for _, x in layouts(rand(dtype, shape)):
            check(f, (nd.asarray(x),), (x,))


def test_nep50_keeps_the_array_dtype():
    i8 = nd.asarray(np.array([1, 2], np.int8))
    assert (i8 + 1).dtype == "int8" and (1 + i8).dtype == "int8"
    assert (nd.asarray(np.ones(2, np.float32)) + 1.5).dtype == "float32"
    assert (i8 + 1.5).dtype == "float64"
    with pytest.raises(OverflowError, match="300"):
        i8 + 300
    assert (i8 + np.int64(1)).dtype == "int64"  # a NumPy scalar is strong


def test_inplace_operators_write_into_the_array():
    x = np.arange(6.0)
    k = nd.asarray(x)
    k2 = k
    k += 1
    k *= 2
    k -= nd.asarray(np.ones(6))
    k /= 4
    k **= 2
    assert k is k2
    np.testing.assert_array_equal(x, (((np.arange(6.0) + 1) * 2 - 1) / 4) ** 2)
    ki = nd.asarray(np.arange(3))
    with pytest.raises(TypeError, match="[Cc]ast"):
        ki += 1.5  # same_kind forbids float into int, as NumPy


def test_matmul_and_broadcast_errors_as_numpy():
    a, b = RNG.standard_normal((3, 4)), RNG.standard_normal((4, 2))
    np.testing.assert_allclose(np.asarray(nd.asarray(a) @ nd.asarray(b)), a @ b, rtol=1e-13)
    np.testing.assert_allclose(np.asarray(nd.asarray(a).dot(b)), a @ b, rtol=1e-13)
    with pytest.raises(ValueError, match=r"operands could not be broadcast together with shapes "
                                         r"\(2,\) \(3,\)"):
        nd.asarray(np.ones(2)) + nd.asarray(np.ones(3))
    with pytest.raises(ValueError):
        nd.asarray(a) @ nd.asarray(a)


def test_operands_of_other_types():
    k = nd.asarray(np.arange(3))
    assert (k + [1, 2, 3]).tolist() == [1, 3, 5]
    assert (k + np.arange(3)).tolist() == [0, 2, 4]
    assert (k == None).tolist() == [False] * 3 and (k != None).tolist() == [True] * 3  # noqa: E711
    with pytest.raises(TypeError):
        k + "a"
    with pytest.raises(TypeError):
        k + object()


def test_truth_and_conversions():
    assert bool(nd.asarray(np.array([1]))) and not bool(nd.asarray(np.array(0.0)))
    with pytest.raises(ValueError, match="ambiguous"):
        bool(nd.asarray(np.arange(3)))
    with pytest.raises(ValueError, match="empty"):
        bool(nd.asarray(np.arange(0)))
    with pytest.raises(TypeError):
        float(nd.asarray(np.arange(3.0)))
    assert [10, 20, 30][nd.asarray(np.array(1))] == 20  # __index__
    with pytest.raises(TypeError):
        [1][nd.asarray(np.array(1.0))]
    with pytest.raises(TypeError, match="unsized"):
        len(nd.asarray(np.array(1.0)))
    with pytest.raises(TypeError):
        hash(nd.asarray(np.arange(2)))


# -- indexing -----------------------------------------------------------------------------------


INDEX_KEYS = [0, -1, slice(None), slice(1, None), slice(None, None, -1), slice(-2, 0, -1),
              slice(1, 5, 2), (0, 1), (slice(None), 2), (Ellipsis, 1), (None, 0), (1, None),
              (slice(None), None, slice(None, None, -2)), (Ellipsis,), ()]


@pytest.mark.parametrize("key", INDEX_KEYS, ids=repr)
def test_basic_indexing_gives_views_as_numpy(key):
    x = RNG.standard_normal((5, 4, 3))
    k = nd.asarray(x)
    got = k[key]
    want = x[key]
    same(got, np.asarray(want))
    if isinstance(want, np.ndarray) and want.ndim:
        assert np.shares_memory(np.asarray(got), x)


@pytest.mark.parametrize("make", [
    lambda x: x[:, 0, 0] > 0, lambda x: [0, 2, -1], lambda x: np.array([[0, 1], [3, 4]]),
    lambda x: (np.array([0, 1]), np.array([2, 0])), lambda x: (slice(None), [1, 1, 0]),
    lambda x: (x > 0), lambda x: (Ellipsis, [0, 2]), lambda x: ([0, 1], slice(None), [1, 2]),
], ids=range(8))
def test_advanced_indexing_as_numpy(make):
    x = RNG.standard_normal((5, 4, 3))
    key = make(x)
    same(nd.asarray(x)[key], x[key])


def test_setitem_as_numpy():
    x = np.zeros((4, 5))
    k = nd.asarray(x.copy())
    for key, v in [((0, 0), 1.5), (slice(1, 3), 2), ((Ellipsis, -1), np.arange(4.0)),
                   ((x == 0) & (np.arange(5) % 2 == 0), -7), (([0, 3], [4, 4]), 9)]:
        x[key] = v
        k[key] = v
        np.testing.assert_array_equal(np.asarray(k), x)
    with pytest.raises(IndexError, match="out of bounds"):
        k[10]
    with pytest.raises(IndexError):
        k[1.5]
    with pytest.raises(IndexError):
        k[0, 0, 0]


def test_iteration_and_len():
    x = np.arange(6).reshape(3, 2)
    k = nd.asarray(x)
    assert len(k) == 3
    assert [r.tolist() for r in k] == x.tolist()
    with pytest.raises(TypeError):
        iter(nd.asarray(np.array(1)))


# -- methods ------------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", ["int16", "uint8", "float32", "float64", "complex128", "bool"])
def test_methods_as_numpy(dtype):
    x = rand(dtype, (4, 6))
    k = nd.asarray(x)
    same(k.astype("float64"), x.astype("float64"))
    same(k.copy(), x.copy())
    same(k.reshape(6, 4), x.reshape(6, 4))
    same(k.reshape((3, -1)), x.reshape((3, -1)))
    same(k.ravel(), x.ravel())
    same(k.T.ravel(), x.T.ravel())
    same(k.flatten(), x.flatten())
    same(k.transpose(1, 0), x.transpose(1, 0))
    same(k.swapaxes(0, 1), x.swapaxes(0, 1))
    same(k.reshape(1, 4, 1, 6).squeeze(), x.reshape(1, 4, 1, 6).squeeze())
    assert k.item(5) == x.item(5) or x.dtype.kind in "fc"
    assert k.tobytes() == x.tobytes() and k.T.tobytes() == x.T.tobytes()
    assert copy.copy(k).tolist() == k.tolist() or x.dtype.kind in "fc"
    if dtype not in ("bool", "uint8") and dtype[0] != "c":  # uint8: see test_clip_python_int
        same(k.clip(-1, 1), x.clip(-1, 1))
    t = k.copy()
    t.fill(1)
    assert np.asarray(t).tolist() == np.ones_like(x).tolist()


def test_clip_python_int():
    # a bound beyond the dtype on its harmless side is dropped; on the other, OverflowError
    x = np.arange(5, dtype=np.uint8)
    same(nd.asarray(x).clip(-1, 3), x.clip(-1, 3))
    same(nd.asarray(x).clip(2, 300), x.clip(2, 300))
    same(nd.clip(nd.asarray(x), -1, None), np.clip(x, -1, None))
    for lo, hi in [(300, 400), (-5, -1), (None, -1)]:
        with pytest.raises(OverflowError, match="out of bounds for uint8"):
            nd.clip(nd.asarray(x), lo, hi)


REDUCTIONS = ["sum", "prod", "mean", "var", "std", "min", "max", "argmin", "argmax", "all", "any",
              "ptp"]


@pytest.mark.parametrize("name", REDUCTIONS)
@pytest.mark.parametrize("dtype", ["int32", "uint8", "float32", "float64", "bool"])
def test_reduction_methods_as_numpy(name, dtype):
    x = rand(dtype, (4, 5, 3))
    if dtype[0] == "f":
        x[np.isnan(x) | np.isinf(x)] = 1.0
    k = nd.asarray(x)
    for kw in [{}, {"axis": 0}, {"axis": -1}, {"axis": (0, 2)}, {"axis": 1, "keepdims": True},
               {"axis": ()}, {"axis": (), "keepdims": True}]:
        if name == "ptp" and dtype == "bool":
            continue
        want = numpy_or_error(lambda a: getattr(np, name)(a, **kw), x)
        if isinstance(want, Exception):
            with pytest.raises(type(want)):
                getattr(k, name)(**kw)
            continue
        same(getattr(k, name)(**kw), np.asarray(want), exact=dtype[0] not in "f" and
             name not in ("mean", "var", "std"))


def test_axis_errors_as_numpy():
    k = nd.asarray(np.ones((2, 3)))
    with pytest.raises(nd.AxisError, match="axis 2 is out of bounds for array of dimension 2"):
        k.sum(axis=2)
    assert issubclass(nd.AxisError, ValueError) and issubclass(nd.AxisError, IndexError)
    with pytest.raises(ValueError, match="duplicate"):
        k.sum(axis=(0, 0))


def test_cumsum_cumprod_nonzero_take_put():
    x = RNG.integers(-3, 4, (3, 4))
    k = nd.asarray(x)
    same(k.cumsum(), x.cumsum())
    same(k.cumsum(axis=1), x.cumsum(axis=1))
    same(k.cumprod(axis=0), x.cumprod(axis=0))
    for a, b in zip(k.nonzero(), x.nonzero()):
        same(a, b)
    same(k.take([0, 5, -1]), x.take([0, 5, -1]))
    same(k.take([2, 0], axis=1), x.take([2, 0], axis=1))
    y = x.copy()
    y.put([0, 3], [10, 20])
    k.put([0, 3], [10, 20])
    np.testing.assert_array_equal(np.asarray(k), y)


def test_array_namespace():
    k = nd.asarray(np.ones(2))
    assert k.__array_namespace__() is nd
    assert nd.__array_api_version__ == "2024.12"
    for v in ("2024.12", "2023.12", "2022.12"):
        assert k.__array_namespace__(api_version=v) is nd
    with pytest.raises(ValueError, match="2021.12"):
        k.__array_namespace__(api_version="2021.12")
    # 2024.12's capabilities: the most dimensions an array has (and one more is refused)
    m = nd.__array_namespace_info__().capabilities()["max dimensions"]
    assert nd.zeros((1,) * m).ndim == m
    with pytest.raises(ValueError):
        nd.zeros((1,) * (m + 1))


# -- module functions (creation, shape, joining): the bindings' argument shaping ------------------

X = np.arange(12.0).reshape(3, 4)
FUNCS = [
    ("arange", lambda m: m.arange(5)), ("arange_f", lambda m: m.arange(0, 1, 0.1)),
    ("arange_i8", lambda m: m.arange(2, 9, 3, dtype=m.int8)),
    ("linspace", lambda m: m.linspace(0, 1, 7)), ("logspace", lambda m: m.logspace(0, 2, 5)),
    ("geomspace", lambda m: m.geomspace(1, 1000, 4)), ("eye", lambda m: m.eye(3, 4, k=1)),
    ("identity", lambda m: m.identity(3)), ("tri", lambda m: m.tri(3, 4, 1, dtype="int8")),
    ("tril", lambda m: m.tril(X, -1)), ("triu", lambda m: m.triu(X, 1)),
    ("diag2", lambda m: m.diag(X, 1)), ("diag1", lambda m: m.diag(np.arange(3))),
    ("full", lambda m: m.full((2, 3), 7)), ("full_f32", lambda m: m.full(3, 1.5, dtype="float32")),
    ("ones", lambda m: m.ones((2, 2), dtype=int)), ("zeros_like", lambda m: m.zeros_like(X)),
    ("full_like", lambda m: m.full_like(X, 2)), ("empty_shape", lambda m: m.empty((0, 3)).shape),
    ("reshape", lambda m: m.reshape(X, (4, 3))),
    ("moveaxis", lambda m: m.moveaxis(np.zeros((2, 3, 4)), 0, -1)),
    ("expand_dims", lambda m: m.expand_dims(X, (0, 3))),
    ("broadcast_to", lambda m: m.broadcast_to(np.arange(4), (2, 4))),
    ("concatenate", lambda m: m.concatenate([X, X], axis=1)),
    ("concatenate_none", lambda m: m.concatenate([X, X], axis=None)),
    ("stack", lambda m: m.stack([X, X], axis=1)), ("hstack", lambda m: m.hstack([X, X])),
    ("vstack", lambda m: m.vstack([np.arange(3), np.arange(3)])),
    ("tile", lambda m: m.tile(np.arange(3), (2, 2))),
    ("repeat", lambda m: m.repeat(X, 2, axis=0)), ("repeat_flat", lambda m: m.repeat(X, 2)),
    ("repeat_each", lambda m: m.repeat(np.arange(3), [1, 0, 2])),
    ("flip", lambda m: m.flip(X)), ("flip0", lambda m: m.flip(X, 0)),
    ("roll", lambda m: m.roll(X, 1)), ("roll_axes", lambda m: m.roll(X, (1, 2), axis=(0, 1))),
    ("pad", lambda m: m.pad(X, 1)),
    ("pad_pairs", lambda m: m.pad(X, ((1, 0), (2, 3)), constant_values=9)),
    ("pad_edge", lambda m: m.pad(X, (1, 2), mode="edge")),
    ("transpose", lambda m: m.transpose(np.zeros((2, 3, 4)), (1, 0, 2))),
    ("squeeze", lambda m: m.squeeze(np.zeros((1, 3, 1)))),
    ("take", lambda m: m.take(X, [1, 3], axis=1)), ("ravel", lambda m: m.ravel(X.T)),
    ("permute_dims", lambda m: m.permute_dims(X, (1, 0))),
    ("array", lambda m: m.array([[1, 2], [3, 4]], dtype="uint8")),
    ("astype", lambda m: m.astype(X, m.int32)),
    ("split", lambda m: m.split(X, 2, axis=1)), ("array_split", lambda m: m.array_split(
        np.arange(7), 3)), ("split_at", lambda m: m.split(np.arange(9), [2, 5])),
    ("meshgrid", lambda m: m.meshgrid(np.arange(3), np.arange(2))),
    ("meshgrid_ij", lambda m: m.meshgrid(np.arange(3), np.arange(2), indexing="ij")),
    ("broadcast_arrays", lambda m: m.broadcast_arrays(np.arange(3), np.zeros((2, 1)))),
    ("nonzero", lambda m: m.nonzero(X)),
]


@pytest.mark.parametrize("name,f", FUNCS, ids=[n for n, _ in FUNCS])
def test_functions_as_numpy(name, f):
    want, got = f(np), f(nd)
    if isinstance(want, tuple) and not isinstance(want[0], np.ndarray):
        assert got == want
        return
    if isinstance(want, (list, tuple)):
        assert type(got) is type(want) and len(got) == len(want)
        for g, w in zip(got, want):
            same(g, w)
    else:
        same(got, want)


def test_dtype_limits_and_kinds():
    assert nd.iinfo(nd.int8).min == -128 and nd.iinfo("uint16").max == 65535
    assert nd.finfo("float32").eps == np.finfo(np.float32).eps
    assert nd.finfo(nd.float64).max == np.finfo(np.float64).max
    assert nd.isdtype(nd.float32, "real floating") and not nd.isdtype(nd.int8, "unsigned integer")
    assert nd.isdtype(nd.uint8, ("bool", "integral")) and nd.isdtype(nd.complex64, "numeric")


def test_numpy_ufuncs_run_kestrels():
    x = np.arange(4.0)
    k = nd.asarray(x)
    for r in (x + k, k + x, np.add(x, k), np.multiply(k, 2)):
        assert isinstance(r, nd.ndarray)
    np.testing.assert_array_equal(np.asarray(x + k), 2 * x)
    assert isinstance(np.sin(k), nd.ndarray)
    assert np.add.reduce(k) == 6.0  # a method kestrel's ufuncs lack: NumPy's, on a view
    out = np.zeros(4)
    assert np.add(k, k, out=out) is out and out.tolist() == [0.0, 2.0, 4.0, 6.0]


def test_pickle_and_deepcopy():
    import pickle

    k = nd.asarray(np.arange(6, dtype=np.int16).reshape(2, 3)).T
    for r in (pickle.loads(pickle.dumps(k)), copy.deepcopy(k)):
        assert r.dtype == "int16" and r.shape == (3, 2) and r.tolist() == k.tolist()
        assert r.flags.writeable and r.flags.owndata is not None


# -- statistics: the bindings' argument shaping (the values are the library's, tested in C) --------

SX = RNG.standard_normal((5, 7))
STATS = [
    ("median", lambda m: m.median(SX)), ("median_axis", lambda m: m.median(SX, axis=1)),
    ("median_keep", lambda m: m.median(SX, axis=0, keepdims=True)),
    ("nanmedian", lambda m: m.nanmedian(SX)),
    ("quantile", lambda m: m.quantile(SX, [0.1, 0.5], axis=0)),
    ("quantile_lower", lambda m: m.quantile(np.arange(10), 0.3, method="lower")),
    ("percentile", lambda m: m.percentile(SX, 30, method="nearest")),
    ("percentiles", lambda m: m.percentile(SX, [30, 60])),
    ("nanpercentile", lambda m: m.nanpercentile(SX, 40)),
    ("average", lambda m: m.average(SX, axis=1)),
    ("average_no_axis", lambda m: m.average(SX, axis=(), weights=SX * SX + 1)),
    ("median_no_axis", lambda m: m.median(SX, axis=())),
    ("squeeze_no_axis", lambda m: m.squeeze(SX[None], axis=())),
    ("flip_no_axis", lambda m: m.flip(SX, axis=())),
    ("quantiles_no_axis", lambda m: m.quantile(SX, [0.1, 0.5], axis=(), method="hazen")),
    ("average_w", lambda m: m.average(SX, axis=1, weights=np.arange(1.0, 8.0))),
    ("cov", lambda m: m.cov(SX)), ("cov_ddof0", lambda m: m.cov(SX, bias=True)),
    ("corrcoef", lambda m: m.corrcoef(SX)), ("diff", lambda m: m.diff(SX)),
    ("diff2", lambda m: m.diff(SX, n=2, axis=0)), ("gradient", lambda m: m.gradient(SX[0])),
    ("gradient_axis", lambda m: m.gradient(SX, axis=1)),
    ("histogram", lambda m: m.histogram(SX, bins=4)),
    ("histogram_range", lambda m: m.histogram(SX, bins=3, range=(-1, 1))),
    ("bincount", lambda m: m.bincount(np.array([0, 1, 1, 3]))),
    ("bincount_w", lambda m: m.bincount(np.array([0, 1, 1, 3]), weights=np.ones(4),
                                        minlength=6)),
    ("digitize", lambda m: m.digitize(SX[0], np.array([-1.0, 0.0, 1.0]))),
]


@pytest.mark.parametrize("name,f", STATS, ids=[n for n, _ in STATS])
def test_statistics_as_numpy(name, f):
    want, got = f(np), f(nd)
    if isinstance(want, tuple):
        assert isinstance(got, tuple) and len(got) == len(want)
    else:
        want, got = (want,), (got,)
    for g, w in zip(got, want):
        g, w = np.asarray(g), np.asarray(w)
        assert g.dtype == w.dtype and g.shape == w.shape, (g.dtype, w.dtype, g.shape, w.shape)
        np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-14)


def test_temporary_elision_keeps_named_arrays():
    """Operators write over the interpreter's temporaries (NumPy's elision) but never over an
    array someone holds: named arrays, arrays passed through a C function, views."""
    x = np.random.default_rng(7).standard_normal(100_000)
    a = nd.asarray(x.copy())
    r = 1.0 / (1.0 + nd.exp(-a))
    e = np.asarray(nd.exp(-a))  # (named: computed without elision)
    assert np.array_equal(np.asarray(r), 1.0 / (1.0 + e))
    assert np.array_equal(np.asarray(a), x)
    b = a * 2.0
    c = -(b + 1.0) * 3.0
    assert np.array_equal(np.asarray(b), x * 2.0)
    assert np.array_equal(np.asarray(c), -(x * 2.0 + 1.0) * 3.0)
    d = operator.neg(a * 2.0)  # called from a CALL, not an operator: no elision either way
    assert np.array_equal(np.asarray(d), -(x * 2.0))
    v = (a * 1.0)[::2]  # a view keeps the temporary's memory shared: not reused
    w = v + 1.0
    assert np.array_equal(np.asarray(w), x[::2] + 1.0)
    i8 = nd.asarray(np.arange(300_000, dtype=np.int8))
    f = (i8 * 1) / 2  # a result of another dtype never reuses the int8 temporary
    assert f.dtype == nd.float64
    assert np.array_equal(np.asarray(f), np.arange(300_000, dtype=np.int8) / 2)


def test_array_namespace_info():
    info = nd.__array_namespace_info__()
    assert info.default_device() == "cpu" and info.devices() == ["cpu"]
    assert info.default_dtypes()["real floating"] == nd.float64
    assert set(info.dtypes(kind="unsigned integer")) == {"uint8", "uint16", "uint32", "uint64"}
    assert len(info.dtypes()) == 13 and info.capabilities()["boolean indexing"]
    assert nd.asarray(np.zeros(2)).__array_namespace__() is nd


def test_iinfo_of_an_array_and_nonzero_of_0d():
    assert nd.iinfo(nd.asarray(np.int8(3))).max == 127 and nd.iinfo(nd.uint16).max == 65535
    with pytest.raises(ValueError, match="Calling nonzero on 0d arrays is not allowed"):
        nd.nonzero(nd.asarray(1.0))
    with pytest.raises(ValueError, match="Calling nonzero on 0d arrays is not allowed"):
        nd.asarray(True).nonzero()


def test_reshape_copy_as_numpy():
    x = np.arange(6.0)
    k = nd.asarray(x.copy())
    for copy in (None, True, False):
        got, want = k.reshape(2, 3, copy=copy), x.reshape(2, 3, copy=copy)
        same(got, want)
        assert np.shares_memory(np.asarray(got), np.asarray(k)) == (copy is not True)
        same(nd.reshape(k, (3, 2), copy=copy), np.reshape(x, (3, 2), copy=copy))
    t = nd.asarray(x.reshape(2, 3).T)
    with pytest.raises(ValueError, match="Unable to avoid creating a copy while reshaping"):
        nd.reshape(t, -1, copy=False)
    with pytest.raises(ValueError, match="Unable to avoid creating a copy while reshaping"):
        np.reshape(x.reshape(2, 3).T, -1, copy=False)
    with pytest.raises(TypeError, match="unexpected keyword argument 'colour'"):
        k.reshape(6, colour=1)


def test_clip_without_bounds_as_numpy():
    x = np.array([3, -1, 7], dtype=np.int16)
    k = nd.asarray(x)
    got = nd.clip(k)
    same(got, np.clip(x))
    assert not np.shares_memory(np.asarray(got), x)
    out = nd.zeros(3, dtype=nd.float32)
    assert nd.clip(k, out=out) is out
    same(out, np.clip(x, out=np.zeros(3, np.float32)))


@pytest.mark.parametrize("name", ["sum", "prod", "nansum", "nanprod", "min", "max", "nanmin",
                                  "nanmax"])
@pytest.mark.parametrize("dtype", ["int8", "uint16", "int64", "float32", "float64", "complex128"])
def test_reductions_with_initial_as_numpy(name, dtype):
    if dtype == "complex128" and name in ("min", "max", "nanmin", "nanmax"):
        return
    x = rand(dtype, (37, 41))
    if dtype[0] in "fc":
        x[3, 4] = np.nan
    w = RNG.random((37, 41)) < 0.6
    k = nd.asarray(x)
    for init in (3, -2.5, 0, True, np.float32(0.25)):
        if dtype[0] == "u" and init == -2.5:
            continue
        for kw in [{}, {"axis": 0}, {"axis": 1, "keepdims": True}, {"axis": ()},
                   {"where": w}, {"axis": 1, "where": w[0]}]:
            want = numpy_or_error(lambda a: getattr(np, name)(a, initial=init, **kw), x)
            kk = {key: nd.asarray(v) if key == "where" else v for key, v in kw.items()}
            if isinstance(want, Exception):
                with pytest.raises(type(want)):
                    getattr(nd, name)(k, initial=init, **kk)
                continue
            same(getattr(nd, name)(k, initial=init, **kk), np.asarray(want), exact=True)
    # an empty axis takes a start value; a Python int out of the dtype's range is refused
    e = nd.asarray(x[:0])
    if name in ("min", "max"):
        same(getattr(e, name)(axis=0, initial=7), getattr(x[:0], name)(axis=0, initial=7))
        if dtype == "int8":
            with pytest.raises(OverflowError, match="Python integer 1000 out of bounds for int8"):
                getattr(k, name)(initial=1000)
    with pytest.raises(TypeError):
        nd.mean(k, initial=1)


def test_integer_power_skips_masked_out_negative_exponents():
    """NumPy's masked loop never sees the masked-out elements, so their negative exponents do not
    raise; an unmasked one does."""
    rng = np.random.default_rng(11)
    for n in (3, 5000):
        a, b = rng.integers(-3, 4, n), rng.integers(-2, 4, n)
        m = b >= 0
        for t in ("int8", "int64", "uint16"):
            x = a.astype(t) if t[0] == "i" else np.abs(a).astype(t)
            want = np.power(x, b, where=m, out=np.full(n, 7, dtype=np.int64))
            got = nd.power(nd.asarray(x), nd.asarray(b), where=nd.asarray(m),
                           out=nd.asarray(np.full(n, 7, dtype=np.int64)))
            same(got, want)
        b[n // 2] = -1
        with pytest.raises(ValueError, match="Integers to negative integer powers"):
            nd.power(nd.asarray(a), nd.asarray(b), where=nd.asarray(m | (b == -1)))


def test_short_inner_axes_as_numpy():
    """A short inner axis under long ones (the (n, n, 3) of pairwise differences) runs with the
    long axis inside; element-wise results, casts, masks and reductions stay NumPy's."""
    rng = np.random.default_rng(5)
    p = rng.standard_normal((90, 3))
    kp = nd.asarray(p)
    same(kp[:, None, :] - kp[None, :, :], p[:, None, :] - p[None, :, :])
    i32 = rng.integers(-50, 50, (90, 2)).astype(np.int32)
    ki = nd.asarray(i32)
    same(ki[:, None, :] * kp[None, :, :2], i32[:, None, :] * p[None, :, :2])
    m = rng.random((90, 90, 3)) < 0.5
    out = np.zeros((90, 90, 3), np.float32)
    kout = nd.asarray(out.copy())
    nd.multiply(kp[:, None, :], kp[None, :, :], out=kout, where=nd.asarray(m), casting="unsafe")
    np.multiply(p[:, None, :], p[None, :, :], out=out, where=m, casting="unsafe")
    same(kout, out)
    d = p[:, None, :] - p[None, :, :]
    d[3, 4, 1] = -0.0
    kd = nd.asarray(d)
    for name in ("sum", "prod", "mean", "var", "min", "max", "nansum"):
        same(getattr(kd, name)(axis=2) if hasattr(kd, name) else getattr(nd, name)(kd, axis=2),
             getattr(np, name)(d, axis=2), exact=True)
    c = d[..., :2].astype(np.complex128) * (1 + 0.5j)
    same(nd.asarray(c).prod(axis=2), c.prod(axis=2), exact=True)
    with nd.threads(2):
        same(kd.sum(axis=2), d.sum(axis=2), exact=True)


def test_unsupported_dtype_names_it_and_keeps_the_heap():
    """An array of a dtype kestrel.nd lacks raises TypeError naming it (its message was once read
    after the array was released: a heap use-after-free that crashed later calls)."""
    for _ in range(200):
        for v in ("10", np.array(["a", "b"]), np.array([1, 2], dtype=np.float16)):
            with pytest.raises(TypeError, match="has no dtype"):
                nd.asarray(v)
    assert float(nd.asarray([1.0, 2.0]).sum()) == 3.0


@pytest.mark.parametrize("layout", ["C", "F", "T", "Tstep", "neg"])
def test_order_a_and_k_keep_the_layout(layout):
    """copy / ravel / flatten / tobytes with order 'A' and 'K' follow the array's layout as NumPy
    does (an F-contiguous or transposed array stays F), not C."""
    a = np.arange(24.0).reshape(4, 6)
    x = {"C": a, "F": np.asfortranarray(a), "T": a.T, "Tstep": a.T[::2], "neg": a[::-1].T}[layout]
    k = nd.asarray(x)
    for order in "CFAK":
        for meth in ("copy", "ravel", "flatten"):
            want, got = getattr(x, meth)(order=order), np.asarray(getattr(k, meth)(order=order))
            np.testing.assert_array_equal(got, want)
            assert (got.flags.c_contiguous, got.flags.f_contiguous) == (
                want.flags.c_contiguous, want.flags.f_contiguous)
        np.testing.assert_array_equal(np.asarray(nd.ravel(k, order=order)), np.ravel(x, order=order))
        if order != "K":
            assert k.tobytes(order=order) == x.tobytes(order=order)
