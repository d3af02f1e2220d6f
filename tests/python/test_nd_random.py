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


# -- part 2: binomial exactness, SeedSequence, advance / jumped, parallel fills, more distributions

BINOM_NP = [(0, 0.5), (7, 0.0), (7, 1.0), (1, 0.5), (60, 0.5), (61, 0.5), (100, 0.3), (1000, 0.5),
            (1000, 0.03), (1000, 0.97), (12345, 0.49999), (12345, 0.50001), (5000, 0.9),
            (77777, 0.123), (10**6, 0.01), (10**6, 0.99), (10**9, 0.3), (10**9, 1e-8),
            (3 * 10**13, 1e-12), (10**15, 1 - 2.9e-14)]


@pytest.mark.parametrize("n,p", BINOM_NP, ids=[f"{n}-{p}" for n, p in BINOM_NP])
def test_binomial_draw_for_draw(n, p):
    """BTPE (n min(p, 1-p) > 30, both sides of 0.5) and inversion, 8 seeds x 40000 draws: before
    the fix (13860 for NumPy's 13680 in the Stirling bound) 12345 / 0.49999 parted at draw 17799
    of seed 12."""
    for seed in [0, 1, 12, 15, 42, 99, 2**40 + 1, 31337]:
        g, h = nd.random.default_rng(seed), np.random.default_rng(seed)
        assert np.array_equal(np.asarray(g.binomial(n, p, 40000)), h.binomial(n, p, 40000)), seed
        assert g.state == h.bit_generator.state["state"]


def test_binomial_million_draws_and_arrays():
    g, h = nd.random.default_rng(2024), np.random.default_rng(2024)
    assert np.array_equal(np.asarray(g.binomial(1000, 0.5, 10**6)), h.binomial(1000, 0.5, 10**6))
    aux = np.random.default_rng(5)
    n = aux.integers(0, 5000, 20000)
    p = aux.random(20000)
    assert np.array_equal(np.asarray(g.binomial(nd.asarray(n), nd.asarray(p))), h.binomial(n, p))


SEQ_ENTROPY = [0, 42, 2**100 + 3, [1, 2, 3], [5] * 9, ["0x1234", "987", 2**33]]


@pytest.mark.parametrize("entropy", SEQ_ENTROPY, ids=[str(e)[:12] for e in SEQ_ENTROPY])
def test_seed_sequence_as_numpy(entropy):
    for spawn_key in [(), (1,), (3, 2**40), tuple(range(7))]:
        for pool_size in [4, 5, 8]:
            a = nd.random.SeedSequence(entropy, spawn_key=spawn_key, pool_size=pool_size)
            b = np.random.SeedSequence(entropy, spawn_key=spawn_key, pool_size=pool_size)
            assert np.array_equal(np.asarray(a.pool), b.pool)
            for dt in ["uint32", "uint64"]:
                x, y = np.asarray(a.generate_state(11, dt)), b.generate_state(11, dt)
                assert x.dtype == y.dtype and np.array_equal(x, y)
            g, h = nd.random.default_rng(a), np.random.default_rng(b)
            assert g.bit_generator.state == h.bit_generator.state
            assert np.array_equal(np.asarray(g.random(50)), h.random(50))


def test_spawn_as_numpy():
    s, t = nd.random.SeedSequence(7), np.random.SeedSequence(7)
    for c1, c2 in zip(s.spawn(3) + s.spawn(2), t.spawn(3) + t.spawn(2)):
        assert c1.spawn_key == c2.spawn_key and c1.state == c2.state
        assert np.array_equal(np.asarray(c1.generate_state(4, "uint64")), c2.generate_state(4, np.uint64))
    grand = s.spawn(1)[0].spawn(2)[1]
    assert np.array_equal(np.asarray(grand.generate_state(3)), t.spawn(1)[0].spawn(2)[1].generate_state(3))
    g, h = nd.random.default_rng(9), np.random.default_rng(9)
    for a, b in zip(g.spawn(3) + g.spawn(1), h.spawn(3) + h.spawn(1)):
        assert a.bit_generator.state == b.bit_generator.state
        assert np.array_equal(np.asarray(a.integers(0, 100, 20)), b.integers(0, 100, 20))
    with pytest.raises(ValueError, match="at least 4"):
        nd.random.SeedSequence(1, pool_size=3)
    with pytest.raises(ValueError, match="uint32 or uint64"):
        nd.random.SeedSequence(1).generate_state(2, "int64")
    assert nd.random.SeedSequence().entropy != nd.random.SeedSequence().entropy


def test_advance_jumped_state_as_numpy():
    g, h = nd.random.default_rng(3), np.random.default_rng(3)
    g.integers(0, 10, 1, dtype="uint32"), h.integers(0, 10, 1, dtype=np.uint32)  # a half waits
    assert g.bit_generator.state == h.bit_generator.state
    for d in [0, 1, 5, 2**64 + 7, 2**128 - 1, 2**130 + 11, -1]:
        assert g.bit_generator.advance(d) is g.bit_generator
        h.bit_generator.advance(d)
        assert g.bit_generator.state == h.bit_generator.state, d
    for j in [1, 2, 2**70, 0]:
        assert g.bit_generator.jumped(j).state == h.bit_generator.jumped(j).state, j
    a = nd.random.Generator(g.bit_generator.jumped())
    b = np.random.Generator(h.bit_generator.jumped())
    assert np.array_equal(np.asarray(a.standard_normal(10)), b.standard_normal(10))
    h.random(3, dtype=np.float32)
    g.bit_generator.state = h.bit_generator.state
    assert g.bit_generator.state == h.bit_generator.state
    assert np.array_equal(np.asarray(g.random(5, dtype="float32")), h.random(5, dtype=np.float32))
    with pytest.raises(ValueError, match="PCG64"):
        g.bit_generator.state = {"bit_generator": "MT19937"}


PAR_CALLS = [("random", (1,), {}), ("random", (1_000_003,), {"dtype": "float32"}),
             ("random", (1_000_001,), {}), ("random", (3,), {"dtype": "float32"}),
             ("uniform", (-2, 3, 777_777), {}), ("integers", (0, 1024, 700_001), {"dtype": "int32"}),
             ("integers", (0, 2**32, 500_001), {}), ("integers", (-2**40, 2**40, 300_001), {}),
             ("integers", (0, 1000, 100_000), {}), ("integers", (7, 8, 100_000), {}),
             ("integers", (0, 256, 300_001), {"dtype": "uint32"}), ("random", (2,), {})]


def test_parallel_fills_thread_count_independent():
    """The blocked fills (random f64/f32, uniform, power-of-two integers) give NumPy's numbers and
    NumPy's state after (the buffered half included) at 1, 2, 3 and 7 threads, with odd sizes and
    a waiting 32-bit half at the start of a float32 fill."""
    h = np.random.default_rng(5)
    want = [getattr(h, name)(*args, **kw) for name, args, kw in PAR_CALLS]
    for nt in [1, 2, 3, 7]:
        with nd.threads(nt):
            g = nd.random.default_rng(5)
            for (name, args, kw), w in zip(PAR_CALLS, want):
                got = np.asarray(getattr(g, name)(*args, **kw))
                assert got.dtype == w.dtype and np.array_equal(got, w), (nt, name, args)
            assert g.bit_generator.state == h.bit_generator.state, nt


MORE = [("laplace", (1.0, 2.0), {}), ("logistic", (1.0, 2.0), {}), ("lognormal", (0.5, 1.5), {}),
        ("gumbel", (1.0, 2.0), {}), ("wald", (1.5, 2.0), {}), ("wald", (0.1, 100.0), {}),
        ("vonmises", (0.5, 2.0), {}), ("vonmises", (0.5, 1e-9), {}), ("vonmises", (0.5, 1e-6), {}),
        ("vonmises", (-3.0, 1e7), {}), ("f", (3.0, 7.0), {}), ("f", (0.5, 0.7), {}),
        ("chisquare", (3.0,), {}), ("chisquare", (0.4,), {}), ("standard_t", (3.0,), {}),
        ("standard_t", (0.5,), {}), ("weibull", (1.5,), {}), ("weibull", (0.0,), {}),
        ("pareto", (2.0,), {}), ("power", (2.0,), {}), ("rayleigh", (2.0,), {}),
        ("geometric", (0.5,), {}), ("geometric", (0.1,), {}), ("geometric", (1e-300,), {}),
        ("geometric", (1.0,), {}), ("standard_cauchy", (), {}),
        ("standard_exponential", (), {"method": "inv"}),
        ("standard_exponential", (), {"method": "inv", "dtype": "float32"}),
        ("standard_gamma", (0.5,), {"dtype": "float32"}),
        ("standard_gamma", (3.5,), {"dtype": "float32"}),
        ("standard_gamma", (1.0,), {"dtype": "float32"}), ("standard_gamma", (0.0,), {"dtype": "float32"})]


@pytest.mark.parametrize("seed", [0, 1, 42])
def test_more_distributions_as_numpy(seed):
    """One stream through every distribution added in part 2, 3000 draws each."""
    g, h = nd.random.default_rng(seed), np.random.default_rng(seed)
    for name, args, kw in MORE:
        want = getattr(h, name)(*args, size=3000, **kw)
        got = np.asarray(getattr(g, name)(*args, size=3000, **kw))
        assert got.dtype == want.dtype and np.array_equal(got, want, equal_nan=True), (name, args, kw)
    aux = np.random.default_rng(7)
    loc, scale, df = aux.random((3, 1)) * 4 - 2, aux.random(4) + 0.1, aux.random(12) * 5 + 0.1
    for name, args in [("laplace", (loc, scale)), ("wald", (scale, df[:4])), ("chisquare", (df,)),
                       ("geometric", (scale / 2,)), ("vonmises", (loc, scale))]:
        got = np.asarray(getattr(g, name)(*[nd.asarray(a) for a in args]))
        assert np.array_equal(got, getattr(h, name)(*args)), name
    assert g.laplace() == h.laplace() and g.geometric(0.2) == h.geometric(0.2)
    out_k, out_n = nd.zeros((2, 3), dtype="float32"), np.zeros((2, 3), dtype=np.float32)
    g.standard_gamma(2.0, dtype="float32", out=out_k)
    h.standard_gamma(2.0, dtype=np.float32, out=out_n)
    assert np.array_equal(np.asarray(out_k), out_n)
    assert np.array_equal(np.asarray(g.random(5)), h.random(5))


def test_more_distribution_errors():
    g = nd.random.default_rng(1)
    for call, msg in [(lambda: g.laplace(0, -1.0), "scale < 0"), (lambda: g.wald(0.0, 1.0), "mean <= 0"),
                      (lambda: g.wald(1.0, 0.0), "scale <= 0"), (lambda: g.f(1.0, -1), "dfden <= 0"),
                      (lambda: g.chisquare(0.0), "df <= 0"), (lambda: g.vonmises(0, -1), "kappa < 0"),
                      (lambda: g.geometric(0.0), "p <= 0, p > 1"), (lambda: g.pareto(0.0), "a <= 0"),
                      (lambda: g.lognormal(0, -2.0), "sigma < 0"),
                      (lambda: g.standard_exponential(3, method="x"), "method")]:
        with pytest.raises(ValueError, match=msg):
            call()
    for call in [lambda: np.random.default_rng(1).wald(0.0, 1.0), lambda: np.random.default_rng(1).f(1.0, -1),
                 lambda: np.random.default_rng(1).geometric(0.0)]:
        with pytest.raises(ValueError):
            call()


@pytest.mark.parametrize("seed", [0, 1, 42])
def test_multinomial_as_numpy(seed):
    g, h = nd.random.default_rng(seed), np.random.default_rng(seed)
    for n, pv, size in [(100, [0.2, 0.3, 0.5], 50), (10**6, [0.1] * 10, (3, 4)),
                        (5, [1.0, 0.0], None), (0, [0.5, 0.5], 3), (1000, [0.6, 0.3, 0.1], 7),
                        (50, [0.0, 0.0, 1.0], 4), (40, [1 / 3] * 3, 5)]:
        got, want = np.asarray(g.multinomial(n, pv, size)), h.multinomial(n, pv, size)
        assert got.shape == want.shape and got.dtype == want.dtype and np.array_equal(got, want)
    assert np.array_equal(np.asarray(g.random(5)), h.random(5))
    with pytest.raises(ValueError, match=r"sum\(pvals\[:-1\]\) > 1.0"):
        g.multinomial(3, [0.7, 0.7, 0.1])
    with pytest.raises(ValueError, match="pvals < 0"):
        g.multinomial(3, [-0.1, 1.1])
