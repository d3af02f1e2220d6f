"""The fixes found by running rumpy's micro, ML and time-series suites (bench/bench_nd.py --suite
micro|ml|timeseries) against NumPy: each one's results against NumPy itself.

- min / max (and nanmin / nanmax) of contiguous float arrays: the vectorised kernel, with NaNs,
  infinities, all-NaN stretches and lengths around its 8- / 16-element blocks.
- power with results far beyond the range (0.9 ** arange(n), the EWMA weights): 0 and inf taken
  from SLEEF without libm's slow path; signs of zero for negative bases; results near the edges
  still from libm."""
from fractions import Fraction

import numpy as np
import pytest

from kestrel import nd

RNG = np.random.default_rng(20)


def _same(got, want):
    got = np.asarray(got)
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)
    # the sign of zero too
    np.testing.assert_array_equal(np.signbit(got), np.signbit(want))


def _exact_subnormal(base, k, dtype):
    """base ** k (k an integer) rounded to nearest-even on dtype's subnormal grid, from exact
    rational arithmetic: the truth where it is a subnormal."""
    grid = Fraction(float(np.finfo(dtype).smallest_subnormal))
    return dtype.type(round(Fraction(float(base)) ** int(k) / grid) * grid)


def _pow_same(got, want, base=None, k=None):
    """Zeros and infinities equal to NumPy's, sign of zero included; subnormals (which libm or the
    far-range rule decides) equal to the correctly rounded truth where k is an integer, else (or
    with no base and exponent given) to NumPy's; the rest within 2 ULP (SLEEF u10 against NumPy's
    libm, as tests/python/test_nd_ufuncs.py allows for power). The truth, not NumPy, for
    subnormals: on AVX-512 NumPy's power is SVML's, 1 ULP of a subnormal below the exact value
    for 0.9 ** 6726 (libm's pow, which kestrel calls there, rounds correctly)."""
    got = np.asarray(got)
    assert got.dtype == want.dtype
    tiny = np.abs(want) < np.finfo(want.dtype).tiny
    sub = np.zeros_like(tiny)
    if base is not None:
        base, k = np.broadcast_arrays(np.asarray(base, want.dtype), np.asarray(k, want.dtype))
        sub = tiny & (want != 0) & (k == np.round(k))
    for i in np.flatnonzero(sub):
        exact = _exact_subnormal(base[i], k[i], want.dtype)
        assert got[i] == exact, (base[i], k[i], got[i], exact)
        # NumPy stays the reference elsewhere: it is at worst 1 ULP off here
        np.testing.assert_array_max_ulp(want[i], exact, maxulp=1)
    edge = (tiny & ~sub) | np.isinf(want)
    _same(got[edge], want[edge])
    np.testing.assert_array_max_ulp(got[~edge & ~sub], want[~edge & ~sub], maxulp=2)


def _minmax_inputs(dtype):
    for n in (1, 7, 8, 15, 16, 17, 31, 32, 33, 100, 1000, 4099):
        x = RNG.standard_normal(n).astype(dtype)
        yield x
        yield np.sort(x)  # every element a new maximum
        yield np.sort(x)[::-1].copy()  # every element a new minimum
        for where in ({0}, {n - 1}, {n // 2}, set(range(0, n, 3))):
            y = x.copy()
            y[list(where)] = np.nan
            yield y
        yield np.full(n, np.nan, dtype)
        y = np.full(n, np.nan, dtype)
        y[n - 1] = -np.inf
        yield y
        y = np.full(n, np.nan, dtype)
        y[n // 2] = np.inf
        yield y
        yield np.full(n, -np.inf, dtype)
        yield np.full(n, np.inf, dtype)
        y = x.copy()
        y[n // 3] = np.inf
        y[(2 * n) // 3] = -np.inf
        yield y


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("fn", ["min", "max", "nanmin", "nanmax"])
def test_minmax_contiguous_against_numpy(dtype, fn):
    import warnings

    for x in _minmax_inputs(dtype):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN slices
            want = getattr(np, fn)(x)
            got = getattr(nd, fn)(nd.asarray(x))
        _same(got, np.asarray(want))


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_minmax_axis_and_methods(dtype):
    x = RNG.standard_normal((37, 53)).astype(dtype)
    x[3, 5] = np.nan
    a = nd.asarray(x)
    for axis in (None, 0, 1):
        _same(a.max(axis=axis), np.asarray(x.max(axis=axis)))
        _same(a.min(axis=axis), np.asarray(x.min(axis=axis)))
        _same(nd.nanmax(a, axis=axis), np.asarray(np.nanmax(x, axis=axis)))
    # strided and reversed views take the other loop
    _same(a[:, ::2].max(), np.asarray(x[:, ::2].max()))
    _same(nd.nanmin(a[::-1]), np.asarray(np.nanmin(x[::-1])))


def test_max_of_arange_is_its_last():
    n = 1_000_003
    a = nd.arange(n, dtype="float64")
    assert float(a.max()) == n - 1
    assert float(a.min()) == 0.0


@pytest.mark.filterwarnings("ignore:overflow encountered")
def test_power_far_below_and_above_the_range():
    n = 20_000
    k = np.arange(n, dtype="float64")
    for base in (0.9, 0.5, 1.1, 2.0, -0.9, -0.5, -1.1, -2.0, 1e-300, 1e300):
        want = base**k
        _pow_same(base ** nd.asarray(k), want, base, k)
        _pow_same(nd.power(base, nd.arange(n)), base ** np.arange(n), base, k)
    # negative exponents, float32, and edges where libm must still decide
    _pow_same(0.5 ** nd.asarray(-k), 0.5 ** -k, 0.5, -k)
    kf = np.arange(2000, dtype="float32")
    _pow_same(np.float32(0.9) ** nd.asarray(kf), np.float32(0.9) ** kf, np.float32(0.9), kf)
    _pow_same(np.float32(-1.5) ** nd.asarray(kf), np.float32(-1.5) ** kf, np.float32(-1.5), kf)
    edges = np.array([-1074.0, -1074.5, -1075.0, -1075.5, -1076.0, -1080.0, -1081.0,
                      1023.0, 1023.99, 1024.0, 1030.0, 1031.0])
    _pow_same(2.0 ** nd.asarray(edges), 2.0**edges, 2.0, edges)
    _pow_same(nd.asarray(np.full(12, 2.0)) ** nd.asarray(edges), np.full(12, 2.0) ** edges, 2.0, edges)


def test_ewma_weights_as_in_the_suite():
    n = 100_000
    w = (1 - 2.0 / 11) ** nd.arange(n, dtype="float64")
    want = (1 - 2.0 / 11) ** np.arange(n, dtype="float64")
    _pow_same(w / w.sum(), want / want.sum())
    assert int((np.asarray(w) == 0).sum()) == int((want == 0).sum()) > n // 2
