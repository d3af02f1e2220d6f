"""np.partition by selection (sort_select.c's introselect for 32- and 64-bit integer and real
dtypes) against NumPy: for every kth, the same value at kth as np.sort, nothing larger before it
and nothing smaller after (NaN last), the same multiset; over many kth sets, lengths around the
insertion-sort cutoff (16) and the AVX2 partition's minimum (4 vectors from each side: 64
elements of 64 bits, 128 of 32), random, sorted, reversed and few-distinct inputs with NaN,
+-inf and -0.0, along axes of strided n-d views and raveled."""
import numpy as np
import pytest

from kestrel import nd

RNG = np.random.default_rng(2020)
DTYPES = ["int32", "int64", "uint32", "uint64", "float32", "float64"]
LENGTHS = [1, 2, 15, 16, 17, 31, 63, 64, 65, 127, 128, 129, 255, 256, 257, 1000, 4099]


def values(dtype, n, kind):
    dt = np.dtype(dtype)
    if kind == "few":
        x = RNG.integers(0, 4, n)
    elif dt.kind == "f":
        x = RNG.standard_normal(n) * 100
    else:
        info = np.iinfo(dt)
        x = RNG.integers(info.min, info.max, n, dtype=dt, endpoint=True)
    x = np.asarray(x).astype(dt)
    if dt.kind == "f" and kind != "sorted":
        specials = np.array([np.nan, -0.0, 0.0, np.inf, -np.inf], dt)
        pick = RNG.random(n) < 0.1
        x = np.where(pick, specials[RNG.integers(0, 5, n)], x)
    if kind == "sorted":
        x = np.sort(x)
    if kind == "reversed":
        x = np.sort(x)[::-1].copy()
    return x


def check_line(got, x, kths):
    """got: x partitioned at every k of kths (1-d)."""
    want = np.sort(x)
    np.testing.assert_array_equal(np.sort(got), want)  # the same multiset (NaN compare equal)
    n = x.size
    for k in np.atleast_1d(kths):
        k = int(k) % n
        np.testing.assert_array_equal(got[k:k + 1], want[k:k + 1])
        if np.isnan(got[k]):
            assert np.isnan(got[k:]).all()
        else:
            assert (got[:k] <= got[k]).all()
            after = got[k + 1:]
            assert ((after >= got[k]) | np.isnan(after)).all()


@pytest.mark.parametrize("dtype", DTYPES)
def test_partition_contract_1d(dtype):
    for n in LENGTHS:
        for kind in ("random", "sorted", "reversed", "few"):
            x = values(dtype, n, kind)
            kth_sets = [0, n - 1, n // 2, -1, list(range(n))[:: max(1, n // 7)],
                        sorted(set(RNG.integers(0, n, 5).tolist())),
                        RNG.integers(-n, n, 4).tolist()]
            for kth in kth_sets:
                got = np.asarray(nd.partition(nd.asarray(x), kth))
                assert got.dtype == x.dtype
                check_line(got, x, kth)
                np.testing.assert_array_equal(np.partition(x, kth)[np.atleast_1d(kth)],
                                              got[np.atleast_1d(kth)])


@pytest.mark.parametrize("dtype", DTYPES)
def test_partition_axes_views(dtype):
    x = values(dtype, 6 * 5 * 300, "random").reshape(6, 5, 300)
    for v in (x, x[:, ::2, ::-3], np.swapaxes(x, 0, 2)):
        for axis in (0, 1, 2, -1, None):
            n = v.size if axis is None else v.shape[axis]
            for kth in ([0, n // 2, n - 1], n // 3):
                got = np.asarray(nd.partition(nd.asarray(v), kth, axis=axis))
                if axis is None:
                    check_line(got, v.reshape(-1), kth)
                    continue
                g = np.moveaxis(got, axis, -1).reshape(-1, n)
                w = np.moveaxis(v, axis, -1).reshape(-1, n)
                for r in range(g.shape[0]):
                    check_line(g[r], w[r], kth)


def test_partition_bits_kept():
    """NaN payloads and -0.0 come out as they went in (the same bytes, another order)."""
    x = np.array([1.0, -0.0, 0.0, 3.0] * 50 + [np.nan] * 4)
    bits = x.view(np.uint64).copy()
    bits[-1] |= 1  # a NaN with another payload
    bits[-2] |= (1 << 63)  # a negative NaN
    x = bits.view(np.float64)
    got = np.asarray(nd.partition(nd.asarray(x), [0, 100, 203]))
    assert sorted(got.view(np.uint64).tolist()) == sorted(bits.tolist())
    assert np.isnan(got[200:]).all()


def test_partition_large_matches_numpy_kth():
    for dtype in DTYPES:
        x = values(dtype, 200_003, "random")
        kth = [5, 100_000, 199_000]
        got = np.asarray(nd.partition(nd.asarray(x), kth))
        np.testing.assert_array_equal(got[kth], np.partition(x, kth)[kth])
        check_line(got, x, kth)


ARG_DTYPES = ["bool", "int8", "int16", "uint8", "uint16"] + DTYPES


@pytest.mark.parametrize("dtype", ARG_DTYPES)
def test_argpartition_contract(dtype):
    """x[argpartition] partitioned, the positions a permutation, and on distinct keys the same
    set of positions on each side of every kth as NumPy's."""
    for n in (1, 17, 65, 129, 257, 3001):
        for kind in ("random", "few"):
            x = values(dtype, n, kind) if dtype in DTYPES else \
                RNG.integers(0, 2 if dtype == "bool" else 100, n).astype(dtype)
            for kth in (0, n - 1, [n // 4, n // 2], RNG.integers(-n, n, 3).tolist()):
                ip = np.asarray(nd.argpartition(nd.asarray(x), kth))
                assert ip.dtype == np.int64
                np.testing.assert_array_equal(np.sort(ip), np.arange(n))
                check_line(x[ip], x, kth)
    x = RNG.permutation(5000).astype(dtype if dtype in DTYPES else "int64")
    kth = [10, 2500, 4990]
    ip, want = np.asarray(nd.argpartition(nd.asarray(x), kth)), np.argpartition(x, kth)
    for lo, hi in zip([0] + kth, kth + [5000]):
        assert set(ip[lo:hi].tolist()) == set(want[lo:hi].tolist())
    np.testing.assert_array_equal(ip[kth], want[kth])


def test_argpartition_axes():
    x = values("float64", 4 * 7 * 200, "random").reshape(4, 7, 200)[:, ::2]
    for axis in (0, 1, 2, None):
        n = x.size if axis is None else x.shape[axis]
        kth = [0, n // 2]
        ip = np.asarray(nd.argpartition(nd.asarray(x), kth, axis=axis))
        flat = x.reshape(-1) if axis is None else x
        got = np.take_along_axis(flat, ip, axis=0 if axis is None else axis)
        if axis is None:
            check_line(got, flat, kth)
            continue
        g = np.moveaxis(got, axis, -1).reshape(-1, n)
        w = np.moveaxis(x, axis, -1).reshape(-1, n)
        for r in range(g.shape[0]):
            check_line(g[r], w[r], kth)


ISIN_DTYPES = ["bool", "int8", "int16", "uint8", "int32", "int64", "uint32", "uint64",
               "float32", "float64"]


@pytest.mark.parametrize("dtype", ISIN_DTYPES)
def test_isin_table_and_search(dtype):
    """isin's two paths for real dtypes: the table (test values in a narrow range, as NumPy's
    kind='table') and the binary search (a wide range), with the dtype's extremes (the smallest
    key, 0), NaN on either side (matching nothing), -0.0 against 0.0, and invert."""
    dt = np.dtype(dtype)
    if dt.kind == "b":
        lo, hi = 0, 1
    elif dt.kind == "f":
        lo, hi = -1e30, 1e30
    else:
        lo, hi = np.iinfo(dt).min, np.iinfo(dt).max
    edges = np.array([lo, hi, 0, 1], dtype=dt)
    for spread in ("narrow", "wide"):
        for m in (0, 1, 7, 3000):
            if spread == "narrow" or dt.kind == "b":
                t = RNG.integers(0, 2 if dt.kind == "b" else 50, m).astype(dt)
            elif dt.kind == "f":
                t = (RNG.standard_normal(m) * 1e6).astype(dt)
            else:
                t = RNG.integers(lo, hi, m, dtype=dt, endpoint=True)
            t = np.concatenate([t, edges[: m % 3]])
            x = np.concatenate([t[::2], edges, RNG.integers(0, 60, 500).astype(dt)])
            if dt.kind == "f":
                t = np.concatenate([t, [np.nan, -0.0]]).astype(dt)
                x = np.concatenate([x, [np.nan, 0.0, -0.0]]).astype(dt)
            RNG.shuffle(x)
            for invert in (False, True):
                got = np.asarray(nd.isin(nd.asarray(x), nd.asarray(t), invert=invert))
                np.testing.assert_array_equal(got, np.isin(x, t, invert=invert))


@pytest.mark.parametrize("dtype", ["bool", "int8", "uint16", "int32", "uint64", "float32",
                                   "float64"])
def test_unique_values_path(dtype):
    """unique without index or inverse (the values sorted by themselves), with counts, NaN and
    -0.0, equal_nan both ways, against the full unique of NumPy."""
    dt = np.dtype(dtype)
    for n in (0, 1, 200, 5000):
        if dt.kind == "f":
            x = RNG.integers(-20, 20, n).astype(dt)
            x[RNG.random(n) < 0.1] = np.nan
            x[RNG.random(n) < 0.05] = -0.0
        else:
            x = RNG.integers(0, 2 if dt.kind == "b" else 100, n).astype(dt)
        for equal_nan in (True, False):
            want = np.unique(x, return_counts=True, equal_nan=equal_nan)
            got = nd.unique(nd.asarray(x), return_counts=True, equal_nan=equal_nan)
            for g, w in zip(got, want):
                np.testing.assert_array_equal(np.asarray(g), w)
                assert np.asarray(g).dtype == w.dtype
            np.testing.assert_array_equal(np.asarray(nd.unique(nd.asarray(x))), np.unique(x))


@pytest.mark.parametrize("dtype", ["int8", "uint16", "int32", "int64", "float32", "float64"])
def test_sorted_and_reversed_lines(dtype):
    """Lines already in order or in reverse order (the one-pass shortcut), with ties (where a
    reversed line must still give the stable order), -0.0 beside 0.0 and NaN: NumPy's stable
    sort and argsort exactly (kind="quicksort": but for the order of -0.0 and 0.0), along both
    axes of a 2-d array."""
    for n in (257, 258, 1000):
        base = np.sort(RNG.integers(-50, 50, n)).astype(dtype)
        tied = np.sort(RNG.integers(0, 3, n)).astype(dtype)
        lines = [base, base[::-1], tied, tied[::-1], np.arange(n).astype(dtype)[::-1]]
        if np.dtype(dtype).kind == "f":
            z = np.where(np.arange(n) % 2 == 0, -0.0, 0.0).astype(dtype)
            lines += [z, np.concatenate([base[:-3], [np.nan] * 3]).astype(dtype)]
        for x in lines:
            for arr, axis in ((x, -1), (np.stack([x, x[::-1]], 1), 0)):
                for kind in ("quicksort", "stable"):
                    want = np.argsort(arr, axis=axis, kind="stable")
                    got = np.asarray(nd.argsort(nd.asarray(arr), axis=axis, kind=kind))
                    np.testing.assert_array_equal(got, want)
                    s = np.asarray(nd.sort(nd.asarray(arr), axis=axis, kind=kind))
                    w = np.sort(arr, axis=axis, kind="stable")
                    if kind == "stable":
                        assert s.tobytes() == w.tobytes()
                    else:  # the order of -0.0 and 0.0 is free (NumPy's quicksort promises none)
                        np.testing.assert_array_equal(s, w)
                        assert s[w != 0].tobytes() == w[w != 0].tobytes()
