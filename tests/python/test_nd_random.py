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


# -- part 3: the rest of NumPy's Generator

PART3 = [("negative_binomial", (5, 0.5)), ("negative_binomial", (0.3, 0.9)),
         ("negative_binomial", (1e-3, 0.01)), ("negative_binomial", (100.5, 0.2)),
         ("negative_binomial", (3, 1.0)), ("negative_binomial", (1e6, 0.999)),
         ("hypergeometric", (10, 5, 3)), ("hypergeometric", (10, 5, 15)),
         ("hypergeometric", (0, 5, 3)), ("hypergeometric", (5, 0, 3)),
         ("hypergeometric", (7, 9, 0)),
         ("hypergeometric", (100, 200, 9)), ("hypergeometric", (100, 200, 10)),
         ("hypergeometric", (100, 200, 290)), ("hypergeometric", (100, 200, 291)),
         ("hypergeometric", (500, 30, 200)), ("hypergeometric", (30, 500, 200)),
         ("hypergeometric", (10**8, 10**8, 10**7)), ("hypergeometric", (999999999, 5, 100)),
         ("hypergeometric", (2000, 3000, 4000)), ("hypergeometric", (60, 70, 65)),
         ("triangular", (0.0, 0.5, 1.0)), ("triangular", (-3.0, -3.0, 2.0)),
         ("triangular", (1.0, 7.0, 7.0)), ("triangular", (-1e300, 0.0, 1e300)),
         ("zipf", (2.0,)), ("zipf", (1.0001,)), ("zipf", (1.5,)), ("zipf", (30.0,)),
         ("zipf", (1024.9,)), ("zipf", (1025.0,)), ("zipf", (1e10,)),
         ("logseries", (0.0,)), ("logseries", (0.5,)), ("logseries", (0.9,)),
         ("logseries", (0.9999999,)), ("logseries", (1e-12,)), ("logseries", (0.333,)),
         ("noncentral_chisquare", (3.0, 2.0)), ("noncentral_chisquare", (0.5, 2.0)),
         ("noncentral_chisquare", (1.0, 0.0)), ("noncentral_chisquare", (1.0, 1e-10)),
         ("noncentral_chisquare", (20.0, 100.0)), ("noncentral_chisquare", (0.1, 1e4)),
         ("noncentral_chisquare", (2.0, float("nan"))),
         ("noncentral_f", (3.0, 20.0, 3.0)), ("noncentral_f", (0.5, 2.0, 0.0)),
         ("noncentral_f", (1.0, 1.0, 1e3)), ("noncentral_f", (1e-3, 7.0, 0.5))]


@pytest.mark.parametrize("seed", [0, 1, 42, 2**40 + 3, 987654321])
def test_part3_distributions_as_numpy(seed):
    """One stream through every part-3 distribution over its edge parameters (p = 1, zero counts,
    the sampling and HRUA sides of a hypergeometric sample of 10, each side of half the
    population, a past 1025, NaN non-centrality), 2000 draws each, then scalars and the state."""
    g, h = nd.random.default_rng(seed), np.random.default_rng(seed)
    for name, args in PART3:
        want = getattr(h, name)(*args, size=2000)
        got = np.asarray(getattr(g, name)(*args, size=2000))
        assert got.dtype == want.dtype and got.shape == want.shape, (name, args)
        assert np.array_equal(got, want, equal_nan=True), (name, args)
    for name, args in PART3[::5]:
        a, b = getattr(g, name)(*args), getattr(h, name)(*args)
        assert type(a) is type(b.item() if hasattr(b, "item") else b) and (a == b or a != a)
    assert g.state == h.bit_generator.state["state"]


@pytest.mark.parametrize("seed", [3, 77])
def test_part3_broadcast_and_size(seed):
    """Array parameters broadcast against each other and against size, in NumPy's C order."""
    g, h = nd.random.default_rng(seed), np.random.default_rng(seed)
    aux = np.random.default_rng(seed + 1)
    n, p = aux.random((4, 1)) * 20 + 0.01, aux.random(5) * 0.9 + 0.1
    good, bad = aux.integers(0, 300, (3, 1)), aux.integers(0, 300, 6)
    sample = np.minimum(good + bad, 25)
    left = aux.random(7) - 1
    mode, right = left + aux.random(7), left + 2
    df, nonc = aux.random((2, 1, 1)) * 5 + 0.05, aux.random((3, 1)) * 4
    cases = [("negative_binomial", (n, p), None), ("negative_binomial", (n, 0.5), (3, 4, 5)),
             ("hypergeometric", (good, bad, sample), None),
             ("hypergeometric", (good, 50, 5), (2, 3, 1)),
             ("triangular", (left, mode, right), None), ("triangular", (left, mode, right), (2, 7)),
             ("zipf", (1 + p,), None), ("logseries", (p - 0.1,), (3, 5)),
             ("noncentral_chisquare", (df, nonc), None),
             ("noncentral_f", (df, nonc[:, 0] + 1, nonc), None),
             ("noncentral_f", (2.0, 3.0, nonc), (4, 3, 1))]
    for name, args, size in cases:
        want = getattr(h, name)(*args, size=size)
        got = np.asarray(getattr(g, name)(*[nd.asarray(a) if isinstance(a, np.ndarray) else a
                                             for a in args], size=size))
        assert got.shape == want.shape and got.dtype == want.dtype, (name, size)
        assert np.array_equal(got, want), (name, size)
    assert np.array_equal(np.asarray(g.random(5)), h.random(5))


def test_part3_errors():
    """NumPy's checks and messages, and each raises where NumPy raises."""
    g = nd.random.default_rng(1)
    cases = [("negative_binomial", (0.0, 0.5), "n <= 0"),
             ("negative_binomial", (float("nan"), 0.5), "n must not be NaN"),
             ("negative_binomial", (5, 0.0), "p <= 0, p > 1"),
             ("negative_binomial", (5, 1.5), "p <= 0, p > 1"),
             ("negative_binomial", (1e19, 0.5), "n too large or p too small"),
             ("negative_binomial", (5, 1e-19), "n too large or p too small"),
             ("hypergeometric", (-1, 5, 3), "ngood < 0"),
             ("hypergeometric", (5, -1, 3), "nbad < 0"),
             ("hypergeometric", (5, 5, -1), "nsample < 0"),
             ("hypergeometric", (5, 5, 11), r"ngood \+ nbad < nsample"),
             ("hypergeometric", (10**9, 5, 3), "less than 1000000000"),
             ("triangular", (1.0, 0.0, 2.0), "left > mode"),
             ("triangular", (0.0, 3.0, 2.0), "mode > right"),
             ("triangular", (1.0, 1.0, 1.0), "left == right"),
             ("zipf", (1.0,), "a <= 1"), ("zipf", (float("nan"),), "a <= 1"),
             ("logseries", (1.0,), "p < 0, p >= 1"), ("logseries", (-0.1,), "p < 0, p >= 1"),
             ("logseries", (float("nan"),), "p < 0, p >= 1"),
             ("noncentral_chisquare", (0.0, 1.0), "df <= 0"),
             ("noncentral_chisquare", (1.0, -1.0), "nonc < 0"),
             ("noncentral_f", (0.0, 1.0, 1.0), "dfnum <= 0"),
             ("noncentral_f", (1.0, 0.0, 1.0), "dfden <= 0"),
             ("noncentral_f", (1.0, 1.0, -1.0), "nonc < 0")]
    for name, args, msg in cases:
        with pytest.raises(ValueError, match=msg):
            getattr(g, name)(*args)
        with pytest.raises(ValueError):
            getattr(np.random.default_rng(1), name)(*args)
    # NumPy's scalar hypergeometric casts each count to a C int64 (floats truncated)
    h = np.random.default_rng(1)
    assert g.hypergeometric(10.7, 5.2, 3) == h.hypergeometric(10.7, 5.2, 3)
    assert np.array_equal(np.asarray(g.hypergeometric(np.float64(20.5), True, 12, size=50)),
                          h.hypergeometric(np.float64(20.5), True, 12, size=50))
    with pytest.raises(TypeError, match="integer is required"):
        g.hypergeometric("10", 5, 3)
    with pytest.raises(TypeError, match="cast"):  # float arrays are not cast, as NumPy's
        g.hypergeometric(nd.asarray([10.0, 20.0]), 5, 3)
    with pytest.raises(TypeError, match="has no len"):
        g.dirichlet(1.0)
    g, h = nd.random.default_rng(1), np.random.default_rng(1)
    # over arrays: the first stage that fails anywhere names the error, as NumPy's
    with pytest.raises(ValueError, match="left > mode"):
        g.triangular(nd.asarray([0.0, 2.0]), nd.asarray([5.0, 1.0]), nd.asarray([1.0, 3.0]))
    with pytest.raises(ValueError, match="broadcast"):
        g.zipf(nd.asarray([2.0, 3.0]), size=3)
    assert np.array_equal(np.asarray(g.random(3)), np.random.default_rng(1).random(3))  # no draws


DIRICHLET = [[1.0, 2.0, 3.0], [0.5], [10.0, 0.01, 0.3], [0.05, 0.02, 0.09], [0.05, 0.0, 0.01],
             [0.0, 0.0], [0.0, 0.05], [1e-5, 1e-5, 1e-5, 1e-5], [0.09, 0.0999, 0.0], [200.0, 0.5],
             [0.1, 0.1], [0.0999999, 0.1]]


@pytest.mark.parametrize("seed", [0, 5, 42])
def test_dirichlet_as_numpy(seed):
    """The normalised-gamma path and the small-alpha stick-breaking path (every alpha below 0.1,
    zeros included: their parts are 0), sizes None, int and tuples."""
    g, h = nd.random.default_rng(seed), np.random.default_rng(seed)
    for alpha in DIRICHLET:
        for size in [None, 500, (3, 4)]:
            want = h.dirichlet(alpha, size)
            got = np.asarray(g.dirichlet(alpha, size))
            assert got.shape == want.shape, (alpha, size)
            assert np.array_equal(got, want, equal_nan=True), (alpha, size)
    assert np.asarray(g.dirichlet([], 3)).shape == h.dirichlet([], 3).shape == (3, 0)
    assert np.array_equal(np.asarray(g.dirichlet(nd.asarray(np.arange(1.0, 9.0)[::2]), 9)),
                          h.dirichlet(np.arange(1.0, 9.0)[::2], 9))
    with pytest.raises(ValueError, match="alpha < 0"):
        g.dirichlet([1.0, -0.5])
    assert np.array_equal(np.asarray(g.random(5)), h.random(5))


MVHG = [([5, 10, 15], 12), ([5, 10, 15], 20), ([5, 10, 15], 0), ([5, 10, 15], 30), ([0, 0, 7], 3),
        ([1], 1), ([100, 200, 300, 400], 555), ([10**6, 2 * 10**6, 5], 3 * 10**5),
        ([3, 0, 4, 0], 5),
        ([], 0), ([0, 0], 0)]


@pytest.mark.parametrize("method", ["marginals", "count"])
@pytest.mark.parametrize("seed", [0, 42])
def test_multivariate_hypergeometric_as_numpy(method, seed):
    g, h = nd.random.default_rng(seed), np.random.default_rng(seed)
    for colors, ns in MVHG:
        if method == "count" and sum(colors) > 10**5:
            continue  # a shuffle of the whole population per variate: kept small here
        for size in [None, 40, (2, 3)]:
            want = h.multivariate_hypergeometric(colors, ns, size=size, method=method)
            got = np.asarray(g.multivariate_hypergeometric(colors, ns, size=size, method=method))
            assert got.shape == want.shape and got.dtype == want.dtype, (colors, ns, size)
            assert np.array_equal(got, want), (colors, ns, size)
    assert np.array_equal(np.asarray(g.random(5)), h.random(5))


def test_multivariate_hypergeometric_errors():
    g = nd.random.default_rng(0)
    for args, kw, exc, msg in [(([1, 2], 4), {}, ValueError, r"nsample > sum\(colors\)"),
                               (([1, 2], -1), {}, ValueError, "nsample must be nonnegative"),
                               (([1, 2], 1.5), {}, ValueError, "nsample must be an integer"),
                               (([1, -2], 1), {}, ValueError, "one-dimensional sequence"),
                               (([[1, 2]], 1), {}, ValueError, "one-dimensional sequence"),
                               (([1.0, 2.0], 1), {}, ValueError, "one-dimensional sequence"),
                               (([10**9], 1), {}, ValueError, "less than 1000000000"),
                               (([2**62, 2**62], 1), {"method": "count"}, ValueError,
                                "must not exceed"),
                               (([2**62, 2**62], 1), {}, ValueError, "must not exceed"),
                               (([1, 2], 1), {"method": "x"}, ValueError, "method must be")]:
        with pytest.raises(exc, match=msg):
            g.multivariate_hypergeometric(*args, **kw)
        with pytest.raises(exc):
            np.random.default_rng(0).multivariate_hypergeometric(*args, **kw)


@pytest.mark.parametrize("seed", [0, 9])
def test_permuted_as_numpy(seed):
    """Each axis of 1-, 2- and 3-d arrays, axis None over C-, Fortran- and non-contiguous arrays
    (NumPy copies x keeping its memory order, then shuffles the ravel in memory order when that
    is C or Fortran, else in C order), negative axes and strides, out=, dtypes."""
    g, h = nd.random.default_rng(seed), np.random.default_rng(seed)
    base = np.arange(2 * 3 * 50, dtype=np.int64).reshape(2, 3, 50)
    arrays = [np.arange(70000, dtype=np.int32), np.arange(12.0).reshape(3, 4),
              np.asfortranarray(np.arange(12.0).reshape(3, 4)), base, base[:, ::2, ::3],
              np.arange(10, dtype=np.int8), (np.arange(6) + 1j).reshape(2, 3),
              np.zeros((0, 4)), np.asfortranarray(base), np.asfortranarray(base)[:, ::2, ::3],
              base.transpose(1, 0, 2), np.arange(8.0).reshape(1, 8), base[::-1]]
    for a in arrays:
        for axis in [None] + list(range(-a.ndim, a.ndim)):
            want = h.permuted(a, axis=axis)
            got = np.asarray(g.permuted(nd.asarray(a), axis=axis))
            assert got.dtype == want.dtype and np.array_equal(got, want), (a.shape, axis)
    x = np.arange(20.0).reshape(4, 5)
    out_k, out_n = nd.zeros((4, 5)), np.zeros((4, 5))
    assert g.permuted(nd.asarray(x), axis=1, out=out_k) is out_k
    h.permuted(x, axis=1, out=out_n)
    assert np.array_equal(np.asarray(out_k), out_n)
    out_k, out_n = nd.asarray(np.zeros((4, 5), order="F")), np.zeros((4, 5), order="F")
    g.permuted(nd.asarray(x), out=out_k)  # a Fortran out: shuffled in its memory order
    h.permuted(x, out=out_n)
    assert np.array_equal(np.asarray(out_k), out_n)
    xs = nd.asarray(x)
    assert np.array_equal(np.asarray(g.permuted(xs)), h.permuted(x))
    assert np.array_equal(np.asarray(xs), x)  # x itself untouched without out
    assert np.array_equal(np.asarray(g.permuted([3, 1, 2])), h.permuted([3, 1, 2]))
    with pytest.raises(nd.AxisError):
        g.permuted(nd.asarray(x), axis=2)
    with pytest.raises(ValueError, match="same shape"):
        g.permuted(nd.asarray(x), out=nd.zeros((5, 4)))
    with pytest.raises(TypeError, match="Cannot cast"):
        g.permuted(nd.asarray(x), out=nd.zeros((4, 5), dtype="int64"))
    assert np.array_equal(np.asarray(g.random(5)), h.random(5))


@pytest.mark.parametrize("seed", [0, 1, 2**33])
def test_bytes_as_numpy(seed):
    g, h = nd.random.default_rng(seed), np.random.default_rng(seed)
    for n in [1, 3, 4, 5, 8, 17, 1000, 0]:
        assert g.bytes(n) == h.bytes(n), n
    assert (g.integers(0, 10, 5, dtype="uint32").tolist()
            == h.integers(0, 10, 5, dtype=np.uint32).tolist())  # the stream and its 32-bit half


@pytest.mark.parametrize("method", ["svd", "eigh", "cholesky"])
@pytest.mark.parametrize("seed", [0, 5, 2**35])
def test_multivariate_normal_as_numpy(method, seed):
    """NumPy's normals (the same draws, so the same state after) times a factor of cov from
    kestrel.nd.linalg. The normals are exact; the product is compared at 1e-12 relative to the
    draws' scale: a Cholesky factor is unique, and the svd / eigh factors u sqrt(s) are unique up
    to the signs of the vectors, which kestrel's LAPACK calls choose as NumPy's do for these
    covariances (distinct eigenvalues; on a tie the vectors are any basis of their space and
    the draws may differ while their distribution does not). The one loose case: eigh of a
    singular cov, whose zero eigenvalue comes out as +-1e-16 from either LAPACK build and
    enters as sqrt(|s|) ~ 1e-8, so that column of the factor agrees only to sqrt(eps) of the
    scale (svd's singular values are not rooted through a sign flip and stay at 1e-12)."""
    aux = np.random.default_rng(seed + 1)
    covs = []
    for d in (1, 3, 6):
        a = aux.standard_normal((d, d))
        covs.append(a @ a.T + 0.1 * np.eye(d))
    if method != "cholesky":  # positive semi-definite of rank 2 (one eigenvalue 0)
        b = aux.standard_normal((3, 2))
        covs.append(b @ b.T)
    for i, cov in enumerate(covs):
        loose = method == "eigh" and i == 3
        mean = aux.standard_normal(len(cov))
        for size in [None, 50, (4, 5)]:
            g, h = nd.random.default_rng(seed), np.random.default_rng(seed)
            got = np.asarray(g.multivariate_normal(nd.asarray(mean), nd.asarray(cov), size,
                                                   check_valid="ignore", method=method))
            want = h.multivariate_normal(mean, cov, size, check_valid="ignore", method=method)
            assert got.shape == want.shape
            scale = np.abs(want).max()
            np.testing.assert_allclose(got, want, rtol=1e-12,
                                       atol=(1e-7 if loose else 1e-12) * scale)
            assert g.state == h.bit_generator.state["state"]


def test_multivariate_normal_checks():
    g = nd.random.default_rng(0)
    bad = [[1.0, 2.0], [2.0, 1.0]]  # symmetric, an eigenvalue -1
    for method in ["svd", "eigh"]:
        with pytest.warns(RuntimeWarning, match="positive-semidefinite"):
            g.multivariate_normal([0, 0], bad, method=method)
        with pytest.raises(ValueError, match="positive-semidefinite"):
            g.multivariate_normal([0, 0], bad, check_valid="raise", method=method)
        with pytest.raises(ValueError, match="positive-semidefinite"):
            np.random.default_rng(0).multivariate_normal([0, 0], bad, check_valid="raise",
                                                          method=method)
    g.multivariate_normal([0, 0], [[1.0, 0.0], [0.0, -1e-9]], check_valid="raise")  # within tol
    with pytest.raises(ValueError, match="positive-semidefinite"):
        g.multivariate_normal([0, 0], [[1.0, 0.0], [0.0, -1e-9]], check_valid="raise", tol=1e-12)
    for args, kw, exc, msg in [(([0, 0], [[1, 0], [0, 1]]), {"method": "qr"}, ValueError, "method"),
                               (([0, 0], [[1, 0], [0, 1]]), {"check_valid": "x"}, ValueError,
                                "check_valid"),
                               (([[0, 0]], [[1, 0], [0, 1]]), {}, ValueError, "mean must be 1"),
                               (([0, 0], [1, 0]), {}, ValueError, "cov must be 2 dimensional"),
                               (([0, 0, 0], [[1, 0], [0, 1]]), {}, ValueError, "same length"),
                               (([0j, 0], [[1, 0], [0, 1]]), {}, TypeError, "complex")]:
        with pytest.raises(exc, match=msg):
            g.multivariate_normal(*args, **kw)
        with pytest.raises(exc):
            np.random.default_rng(0).multivariate_normal(*args, **kw)
