"""kestrel.nd.random against NumPy's own Generator: the same seed gives the same PCG64 state and
the same numbers, bit for bit, for random (float64 and float32) and integers (every range width:
the 32-bit path, the full 32-bit range and the 64-bit path), in any order of calls."""
import numpy as np
import pytest

from kestrel import nd

SEEDS = [0, 1, 7, 42, 2**32 - 1, 2**32, 2**40 + 7, 12345678901234567890123, [1, 2, 3], [5] * 9,
         (2**64 + 3, 0)]


@pytest.mark.parametrize("seed", SEEDS, ids=[str(s)[:20] for s in SEEDS])
def test_state_and_streams_as_numpy(seed):
    g, n = nd.random.default_rng(seed), np.random.default_rng(seed)
    st = n.bit_generator.state["state"]
    assert g.state == {"state": st["state"], "inc": st["inc"]}
    # calls interleaved: float32 and the 32-bit integer paths use halves of a 64-bit draw and
    # keep the other half for the next such request, as NumPy's generator does
    calls = [("random", (1000,), {}), ("integers", (0, 10, 999), {}),
             ("random", (7,), {"dtype": "float32"}), ("integers", (-5, 2**40, 100), {}),
             ("integers", (3, 1000, 51), {"dtype": "int32"}), ("random", (3,), {}),
             ("integers", (0, 2**32, 9), {"dtype": "uint32"}),
             ("integers", (0, 2**32 + 1, 9), {"dtype": "uint64"}),
             ("integers", (5,), {"size": 4, "endpoint": True}),
             ("random", (5,), {"dtype": "float32"}),
             ("integers", (-(2**63), 2**63 - 1, 20), {})]
    for name, args, kw in calls:
        want = getattr(n, name)(*args, **kw)
        got = np.asarray(getattr(g, name)(*args, **kw))
        assert got.dtype == want.dtype and got.shape == want.shape, (name, args, kw)
        assert np.array_equal(got, want), (name, args, kw)
    assert g.random() == n.random()
    assert g.integers(100) == n.integers(100)
    st = n.bit_generator.state["state"]
    assert g.state == {"state": st["state"], "inc": st["inc"]}


def test_shapes_and_errors():
    g = nd.random.default_rng(3)
    assert g.random((2, 3)).shape == (2, 3) and g.integers(0, 4, (4, 1)).shape == (4, 1)
    assert isinstance(g.random(), float) and isinstance(g.integers(9), int)
    assert nd.random.default_rng(g) is g
    with pytest.raises(ValueError, match="non-negative"):
        nd.random.default_rng(-1)
    with pytest.raises(TypeError, match="SeedSequence expects int"):
        nd.random.default_rng(1.5)
    with pytest.raises(ValueError, match="low >= high"):
        g.integers(5, 5)
    with pytest.raises(ValueError, match="high is out of bounds for int32"):
        g.integers(0, 2**31 + 1, dtype="int32")
    with pytest.raises(TypeError, match="float16|dtype"):
        g.random(3, dtype="int64")


def test_fresh_entropy_differs():
    a, b = nd.random.default_rng(), nd.random.default_rng()
    assert a.state != b.state


@pytest.mark.parametrize("seed", [0, 42, 2**70 + 1])
def test_uniform_shuffle_permutation_as_numpy(seed):
    g, n = nd.random.default_rng(seed), np.random.default_rng(seed)
    assert np.array_equal(np.asarray(g.uniform(-2, 5, 100)), n.uniform(-2, 5, 100))
    assert g.uniform() == n.uniform()
    assert np.array_equal(np.asarray(g.permutation(10)), n.permutation(10))
    rows = np.arange(24.0).reshape(6, 4)
    k = nd.asarray(rows.copy())
    g.shuffle(k)
    n.shuffle(rows)
    assert np.array_equal(np.asarray(k), rows)
    big = np.arange(70000, dtype=np.int32)  # past 2^16: both draw paths of the interval
    kb = nd.asarray(big.copy())
    g.shuffle(kb)
    n.shuffle(big)
    assert np.array_equal(np.asarray(kb), big)
    assert np.array_equal(np.asarray(g.permutation(nd.asarray(np.arange(5.0)))),
                          n.permutation(np.arange(5.0)))
    assert np.array_equal(np.asarray(g.random(5)), n.random(5))  # the streams still agree


def test_uniform_and_shuffle_errors():
    g = nd.random.default_rng(1)
    with pytest.raises(OverflowError, match="Range exceeds valid bounds"):
        g.uniform(-1e308, 1e308)
    with pytest.raises(ValueError, match="0-d"):
        g.shuffle(nd.asarray(3.0))
    with pytest.raises(TypeError, match="kestrel.nd.ndarray"):
        g.shuffle([1, 2, 3])


DISTS = [("standard_normal", (5000,), {}), ("standard_normal", (5000,), {"dtype": "float32"}),
         ("standard_exponential", (5000,), {}),
         ("standard_exponential", (5000,), {"dtype": "float32"}),
         ("normal", (3.0, 2.5, 500), {}), ("exponential", (2.5, 500), {}),
         ("gamma", (0.0, 2.0, 300), {}), ("gamma", (0.3, 2.0, 300), {}),
         ("gamma", (1.0, 1.0, 300), {}), ("gamma", (40.0, 0.5, 300), {}),
         ("beta", (0.5, 0.5, 300), {}), ("beta", (1e-200, 1e-200, 30), {}),
         ("beta", (2.0, 3.0, 300), {}), ("poisson", (0.0, 100), {}), ("poisson", (5.0, 300), {}),
         ("poisson", (55.5, 300), {}), ("poisson", (1e6, 300), {}),
         ("binomial", (0, 0.5, 50), {}), ("binomial", (10, 0.0, 50), {}),
         ("binomial", (10, 1.0, 50), {}), ("binomial", (100, 0.2, 300), {}),
         ("binomial", (1000, 0.5, 3000), {}), ("binomial", (1000, 0.9, 300), {}),
         ("binomial", (50, 0.95, 300), {}), ("choice", (1000, 300), {})]


@pytest.mark.parametrize("seed", [0, 42, 12345])
def test_distributions_as_numpy(seed):
    """Every distribution draw for draw, one stream through all of them (a single extra or
    missing draw anywhere shows in every later comparison)."""
    g, n = nd.random.default_rng(seed), np.random.default_rng(seed)
    for name, args, kw in DISTS:
        want = getattr(n, name)(*args, **kw)
        got = np.asarray(getattr(g, name)(*args, **kw))
        assert got.dtype == want.dtype and np.array_equal(got, want), (name, args, kw)
    aux = np.random.default_rng(999)
    lam, loc, scale = aux.random(50) * 30, aux.random((4, 1)), aux.random(5)
    assert np.array_equal(np.asarray(g.poisson(nd.asarray(lam))), n.poisson(lam))
    assert np.array_equal(np.asarray(g.normal(nd.asarray(loc), nd.asarray(scale), (3, 4, 5))),
                          n.normal(loc, scale, (3, 4, 5)))
    assert g.standard_normal() == n.standard_normal() and g.poisson(3.0) == n.poisson(3.0)
    assert np.array_equal(np.asarray(g.random(5)), n.random(5))


def test_distribution_errors():
    g = nd.random.default_rng(1)
    for call, msg in [(lambda: g.normal(0, -1.0), "scale < 0"), (lambda: g.beta(0.0, 1.0), "a <= 0"),
                      (lambda: g.poisson(-1.0), "lam < 0"), (lambda: g.poisson(1e19), "too large"),
                      (lambda: g.binomial(-1, 0.5), "n < 0"),
                      (lambda: g.binomial(3, 1.5), "p < 0, p > 1")]:
        with pytest.raises(ValueError, match=msg):
            call()
