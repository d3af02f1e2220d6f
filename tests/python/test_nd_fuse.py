"""kestrel.nd.fuse: a traced function's results equal the function's own (run on kestrel arrays,
one operation at a time) bit for bit — dtype, shape, layout and bytes — on one thread and the
default threads, and NumPy's to rounding; the signature cache; what is refused inside a trace.
tests/c/test_array_fuse.c checks the C programs against their plain runs over more layouts."""
import math

import numpy as np
import pytest

from kestrel import nd

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")  # NumPy on 1-element var

C = math.sqrt(2.0 / math.pi)

# name -> f(xp, x, y): written once, run with xp = kestrel.nd (fused and not) and xp = numpy
CHAINS = {
    "sigmoid": lambda xp, x, y: 1.0 / (1.0 + xp.exp(-x)),
    "swish": lambda xp, x, y: x * (1.0 / (1.0 + xp.exp(-x))),
    "normalize": lambda xp, x, y: (x - x.mean()) / x.std(),
    "relu_scale_bias": lambda xp, x, y: xp.maximum(x, 0.0) * 2.0 + 1.0,
    "weighted_mean": lambda xp, x, y: (x * y).sum() / y.sum(),
    "gelu": lambda xp, x, y: 0.5 * x * (1.0 + xp.tanh(C * (x + 0.044715 * x**3))),
    "compare_chain": lambda xp, x, y: (x * x - 4.1 * x) > 2.5 * y,
    "magnitude": lambda xp, x, y: xp.sqrt(x * x + y * y + 1.0),
    "where": lambda xp, x, y: xp.where(x > y, x - y, xp.sin(y)),
    "var_std": lambda xp, x, y: ((x * y).var(), (x - y).std(ddof=1)),
    "min_max": lambda xp, x, y: (xp.abs(x - y).max(), xp.min(x * y)),
    "dot_like": lambda xp, x, y: xp.sum(x * y),
    "count": lambda xp, x, y: (x > y).sum(),
    "astype": lambda xp, x, y: (x * 3.0).astype(xp.float32) + 1.0,
    "softmax_1d": lambda xp, x, y: xp.exp(x - x.max()) / xp.exp(x - x.max()).sum(),
    "dot_of_chains": lambda xp, x, y: xp.dot(xp.exp(-x * x), y * 2.0 + 1.0),
    "vdot_inner_matmul": lambda xp, x, y: (xp.vdot(x + 1.0, y), xp.inner(x * 3.0, xp.abs(y)),
                                           xp.matmul(x - y, y), (x + 1.0) @ y),
    "dot_feeds_chain": lambda xp, x, y: x * (x * y).dot(y) + xp.dot(2.0, y),
}

# name -> f(xp, x, y) over 2-D x, y
CHAINS_2D = {
    "zscore_axis1": lambda xp, x, y: (x - x.mean(axis=1, keepdims=True))
    / x.std(axis=1, keepdims=True),
    "var_axis0": lambda xp, x, y: (x * y + 1.0).var(axis=0),
    "sum_axis0": lambda xp, x, y: xp.sum(xp.exp(-x) * y, axis=0),
    "max_axis1": lambda xp, x, y: (x - y).max(axis=1),
    "layer_norm": lambda xp, x, y: (x - x.mean(axis=-1, keepdims=True))
    / xp.sqrt(x.var(axis=-1, keepdims=True) + 1e-5) * 1.5 + 0.25,
    "row_softmax": lambda xp, x, y: xp.exp(x - x.max(axis=1, keepdims=True))
    / xp.exp(x - x.max(axis=1, keepdims=True)).sum(axis=1, keepdims=True),
    "broadcast_row": lambda xp, x, y: (x * y.sum(axis=0, keepdims=True)).sum(axis=0)
    + (x - y.mean(axis=1, keepdims=True)).mean(),
    "full": lambda xp, x, y: (xp.hypot(x, y) * 2.0).mean(),
    "gemv_of_chains": lambda xp, x, y: xp.dot(xp.exp(-x * x), y.sum(axis=0) + 1.0),
    "matmul_inner": lambda xp, x, y: (xp.tanh(x) @ y.mean(axis=0),
                                      xp.inner(x * 2.0, y.max(axis=0)) + 1.0),
}


def _data(shape, dtype, seed):
    r = np.random.default_rng(seed)
    return (r.standard_normal(shape) * 2.0).astype(dtype)


def _same(a, b):
    """Identical results: the same structure, dtype, shape, strides and bytes."""
    if isinstance(b, tuple):
        assert isinstance(a, tuple) and len(a) == len(b)
        for p, q in zip(a, b):
            _same(p, q)
        return
    assert type(a) is type(b)
    if not isinstance(b, nd.ndarray):
        assert a == b or (a != a and b != b)
        return
    assert a.dtype == b.dtype and a.shape == b.shape
    na, nb = np.asarray(a), np.asarray(b)
    assert [s for s, n in zip(na.strides, na.shape) if n > 1] == \
        [s for s, n in zip(nb.strides, nb.shape) if n > 1]
    assert na.tobytes() == nb.tobytes(), np.max(np.abs(na.astype(float) - nb.astype(float)))


def _close(a, b, dtype):
    if isinstance(b, tuple):
        for p, q in zip(a, b):
            _close(p, q, dtype)
        return
    tol = 1e-4 if dtype == np.float32 else 1e-10
    np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=tol, atol=tol)


def _check(f, xn, yn, dtype):
    """f fused equals f on kestrel arrays (default threads, one thread, the program run
    unfused), and NumPy's f to rounding."""
    x, y = nd.asarray(xn), nd.asarray(yn)
    fused = nd.fuse(lambda x, y: f(nd, x, y))
    want = f(nd, x, y)
    _same(fused(x, y), want)
    with nd.threads(1):
        _same(fused(x, y), want)
    _same(fused.unfused(x, y), want)
    _close(fused(x, y), f(np, xn, yn), dtype)


@pytest.mark.parametrize("name", sorted(CHAINS))
@pytest.mark.parametrize("n", [1, 9, 2048, 2049, 100_003])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_chains_equal_the_unfused_function(name, n, dtype):
    f = CHAINS[name]
    xn, yn = _data(n, dtype, 1), _data(n, dtype, 2)
    _check(f, xn, yn, dtype)


@pytest.mark.parametrize("name", sorted(CHAINS_2D))
@pytest.mark.parametrize("shape", [(300, 301), (3, 5000), (1000, 7), (1, 4099), (4099, 1)])
@pytest.mark.parametrize("layout", ["C", "F", "strided"])
def test_2d_chains_equal_the_unfused_function(name, shape, layout):
    f = CHAINS_2D[name]
    xn, yn = _data(shape, np.float64, 3), _data(shape, np.float64, 4)
    if layout == "F":
        xn = np.asfortranarray(xn)
    elif layout == "strided":
        xn = _data((shape[0], 2 * shape[1]), np.float64, 5)[:, ::-2]
    _check(f, xn, yn, np.float64)


def test_scalars_are_inputs_and_mixed_dtypes():
    @nd.fuse
    def f(x, k, s):
        return (x * k + s) ** 2 - k

    x = nd.asarray(np.arange(-50, 50, dtype=np.int32))
    for k, s in ((3, 1.5), (7, -2.25), (True, 0.0)):
        _same(f(x, k, s), (x * k + s) ** 2 - k)
    assert len({f(x, 2, 1.0).dtype, f(x, 2, 1).dtype}) == 2  # int scalar: an int32 result
    # a Python int the int8 loop cannot hold: NumPy's OverflowError, fused or not
    x8 = nd.asarray(np.arange(10, dtype=np.int8))
    with pytest.raises(OverflowError, match="out of bounds for int8"):
        f(x8, 300, 1)
    g = nd.fuse(lambda x, k: x < k)  # a comparison with such an int is answered by its value
    _same(g(x8, 300), x8 < 300)


def test_signatures_retrace_and_constants():
    calls = []
    w = nd.asarray(np.linspace(0.0, 1.0, 16))

    @nd.fuse
    def f(x, scale=1.0):
        calls.append(1)
        return (x * w).sum() * scale

    x = nd.asarray(_data(16, np.float64, 6))
    f(x)
    f(x + 1.0)
    assert len(calls) == 1  # the same signature: traced once
    f(nd.asarray(_data(16, np.float32, 6)))
    f(x, scale=2.0)
    assert len(calls) == 3  # a new dtype, a new static keyword
    _same(f(x, scale=2.0), (x * w).sum() * 2.0)
    with pytest.raises(ValueError, match="broadcast"):
        f(nd.asarray(_data(5, np.float64, 7)))  # w (16,) does not broadcast to (5,)


def test_outputs_and_numpy_inputs():
    @nd.fuse
    def stats(x):
        return [x.mean(), x.var(), nd.exp(x)]

    xn = _data(5000, np.float64, 8)
    got = stats(xn)  # a NumPy array is taken as is
    assert isinstance(got, list) and len(got) == 3
    x = nd.asarray(xn)
    for g, w in zip(got, [x.mean(), x.var(), nd.exp(x)]):
        _same(g, w)


def test_refusals():
    x = nd.asarray(_data(10, np.float64, 9))

    @nd.fuse
    def branch(x):
        return x if x.sum() > 0 else -x

    with pytest.raises(TypeError, match="no truth value"):
        branch(x)
    with pytest.raises(TypeError, match="no truth value"):
        nd.fuse(lambda x: x[1:])(x)
    with pytest.raises(TypeError, match="out="):
        nd.fuse(lambda x: nd.sum(x, out=nd.empty(())))(x)
    with pytest.raises(TypeError, match="dtype="):
        nd.fuse(lambda x: nd.add(x, 1, dtype=nd.float32))(x)
    with pytest.raises(TypeError, match="boolean negative"):
        nd.fuse(lambda x: -(x > 0))(x)
