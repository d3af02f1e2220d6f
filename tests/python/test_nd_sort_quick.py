"""kestrel.nd.sort(kind="quicksort") of the 32- and 64-bit dtypes (the AVX2 quicksort) against
NumPy's own quicksort: equal values everywhere and equal bytes wherever NumPy promises them (all
but the order of -0.0 and 0.0 and of NaN payloads, whose bit patterns must all survive), for
lengths around the networks' and the partition's sizes, on random, few-distinct, all-equal,
sorted, reversed and organ-pipe lines with NaN of several payloads, infinities and signed zeros;
strided and reversed views, 2-d along each axis and raveled; the same bytes for 1, 2 and 3
threads; np.unique of the same data."""
import numpy as np
import pytest

from kestrel import nd

DTYPES = ["float64", "int64", "uint64", "float32", "int32", "uint32"]
PATTERNS = ["random", "few", "equal", "sorted", "reversed", "organ"]
LENGTHS = [0, 1, 2, 3, 7, 8, 15, 16, 17, 31, 33, 63, 64, 65, 127, 128, 129, 255, 256, 257, 300,
           1023, 1024, 1025, 100_003]
RNG = np.random.default_rng(2026_12_07)
NAN64 = np.array([0x7FF8000000000000, 0xFFF8000000000000, 0x7FF0000000000001,
                  0x7FF80000DEADBEEF], dtype=np.uint64).view(np.float64)
NAN32 = np.array([0x7FC00000, 0xFFC00000, 0x7F800001, 0x7FC0BEEF], dtype=np.uint32).view(np.float32)


def line(dtype, n, pattern):
    dt = np.dtype(dtype)
    if pattern == "few":
        x = RNG.integers(-2, 3, n)
    elif pattern == "equal":
        x = np.full(n, 7)
    elif pattern in ("sorted", "reversed"):
        x = np.arange(n) if pattern == "sorted" else np.arange(n)[::-1]
    elif pattern == "organ":
        x = np.minimum(np.arange(n), n - np.arange(n))
    elif dt.kind == "f":
        x = RNG.standard_normal(n) * 1e3
    else:
        info = np.iinfo(dt)
        return RNG.integers(info.min, info.max, n, dtype=dt, endpoint=True)
    x = np.asarray(x).astype(dt)
    if dt.kind == "f":
        nans = NAN64 if dt == np.float64 else NAN32
        specials = np.concatenate([nans, np.array([np.inf, -np.inf, -0.0, 0.0], dt)])
        pick = RNG.random(n) < 0.1
        x = np.where(pick, specials[RNG.integers(0, len(specials), n)], x).astype(dt)
    return x


def bits(a):
    a = np.ascontiguousarray(a)
    return a.view(np.uint64 if a.dtype.itemsize == 8 else np.uint32)


def same_sort(got, x, axis=-1):
    """got is a sort of x along axis as NumPy's quicksort gives it, up to NumPy's freedoms."""
    got = np.asarray(got)
    want = np.sort(x, axis=axis, kind="quicksort")
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_array_equal(got, want)
    if got.dtype.kind == "f":
        fixed = ~np.isnan(want) & (want != 0)
        assert got[fixed].tobytes() == want[fixed].tobytes()
        # every NaN payload and signed zero kept: the bit patterns are the input's
        assert np.array_equal(np.sort(bits(got), axis=axis), np.sort(bits(x), axis=axis))
    else:
        assert got.tobytes() == want.tobytes()


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("pattern", PATTERNS)
def test_lines(dtype, pattern):
    for n in LENGTHS:
        x = line(dtype, n, pattern)
        same_sort(nd.sort(nd.asarray(x), kind="quicksort"), x)
        same_sort(nd.sort(nd.asarray(x)), x)  # quicksort: the default


@pytest.mark.parametrize("dtype", DTYPES)
def test_views_axes_threads(dtype):
    x = np.stack([line(dtype, 1000, p) for p in PATTERNS * 6])  # 36 x 1000
    for v in (x, x[:, ::3], x[::-1, ::-2], x.T):
        k = nd.asarray(v)
        for axis in (-1, 0, None):
            outs = []
            for threads in (1, 2, 3):
                with nd.threads(threads):
                    outs.append(np.asarray(nd.sort(k, axis=axis, kind="quicksort")))
            same_sort(outs[0], v.ravel() if axis is None else v, -1 if axis is None else axis)
            assert outs[1].tobytes() == outs[0].tobytes() == outs[2].tobytes()


@pytest.mark.parametrize("dtype", DTYPES)
def test_unique(dtype):
    for pattern in ("random", "few"):
        x = line(dtype, 100_003, pattern)
        np.testing.assert_array_equal(np.asarray(nd.unique(nd.asarray(x))), np.unique(x))
        for g, w in zip(nd.unique(nd.asarray(x), return_counts=True),
                        np.unique(x, return_counts=True)):
            np.testing.assert_array_equal(np.asarray(g), w)


def check_argpartition(x, k, axis):
    idx = np.asarray(nd.argpartition(nd.asarray(x), k, axis=axis))
    assert idx.dtype == np.int64 and idx.shape == x.shape
    assert np.array_equal(np.sort(idx, axis=axis), np.broadcast_to(
        np.arange(x.shape[axis]).reshape([-1 if d == axis % x.ndim else 1
                                          for d in range(x.ndim)]), x.shape))
    y = np.moveaxis(np.take_along_axis(x, idx, axis), axis, -1).reshape(-1, x.shape[axis])
    want = np.moveaxis(np.sort(x, axis=axis), axis, -1).reshape(-1, x.shape[axis])
    k %= x.shape[axis]
    for row, srow in zip(y, want):
        np.testing.assert_array_equal(row[k], srow[k])
        if row.dtype.kind == "f" and np.isnan(srow[k]):  # NaN last: only NaN after it
            assert np.isnan(row[k + 1:]).all()
            continue
        assert (row[:k] <= row[k]).all()  # (no NaN before it)
        after = row[k + 1:]
        assert ((after >= row[k]) | (np.isnan(after) if row.dtype.kind == "f" else False)).all()


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("pattern", ["random", "few", "equal", "organ"])
def test_argpartition_one_kth(dtype, pattern):
    """argpartition at one kth (the selection-then-one-pass path) by its contract."""
    for n in (1, 2, 17, 64, 257, 1025, 100_003):
        x = line(dtype, n, pattern)
        for k in sorted({0, n // 3, n // 2, n - 1, int(RNG.integers(0, n))}):
            check_argpartition(x, k, -1)
            check_argpartition(x[::-1], k, -1)
            check_argpartition(x, k - n, -1)
    x = np.stack([line(dtype, 300, pattern) for _ in range(5)], 1)  # 300 x 5, axis 0 strided
    for k in (0, 150, 299):
        check_argpartition(x, k, 0)
