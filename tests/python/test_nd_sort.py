"""kestrel.nd's sorting, searching and sets against NumPy itself: sort, argsort (stable: NumPy's
exact order; quicksort: a permutation that sorts), partition and argpartition (the kth invariant),
searchsorted, unique (+ the Array API's unique_*), isin and lexsort, on random inputs of every
dtype with many ties, NaN, -0.0 and infinities, in shapes 0-d (NumPy's errors), empty, 1-d and
n-d, along every axis and raveled, on non-contiguous and reversed views; the in-place methods."""
import numpy as np
import pytest

from kestrel import nd

DTYPES = ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
          "float32", "float64", "complex64", "complex128"]
RNG = np.random.default_rng(20)


def rand(dtype, shape, ties=True):
    """Random values of dtype: few distinct ones (ties) or the full range; floats with NaN,
    -0.0 and infinities mixed in; complex parts likewise."""
    dt = np.dtype(dtype)
    if dt.kind == "b":
        return RNG.integers(0, 2, shape).astype(bool)
    if dt.kind in "iu":
        info = np.iinfo(dt)
        if ties:
            return RNG.integers(max(info.min, -4), 5, shape).astype(dt)
        return RNG.integers(info.min, info.max, shape, dtype=dt, endpoint=True)

    def part():
        x = RNG.integers(-3, 4, shape) / 2.0 if ties else RNG.standard_normal(shape) * 10
        specials = np.array([np.nan, -0.0, 0.0, np.inf, -np.inf])
        pick = RNG.random(shape) < 0.15
        return np.where(pick, specials[RNG.integers(0, 5, shape)], x)

    if dt.kind != "c":
        return np.asarray(part()).astype(dt)
    x = np.empty(shape, dt)
    x.real, x.imag = part(), part()
    return x


def views(x):
    """x, a strided view and a reversed view (same values, other layouts)."""
    out = [x]
    if x.ndim >= 1 and x.shape[-1] > 2:
        out.append(x[..., ::2])
        out.append(x[..., ::-1])
    if x.ndim >= 2:
        out.append(x.T)
    return out


SHAPES = [(0,), (1,), (9,), (600,), (3, 0), (4, 300), (3, 4, 5)]


def same_values(got, want):
    np.testing.assert_array_equal(np.asarray(got), want)
    assert np.asarray(got).dtype == want.dtype and np.asarray(got).shape == want.shape


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("ties", [True, False])
def test_sort_argsort(dtype, ties):
    for shape in SHAPES:
        base = rand(dtype, shape, ties)
        for x in views(base):
            k = nd.asarray(x)
            for axis in [-1, 0, None] + ([1] if x.ndim > 2 else []):
                want = np.sort(x, axis=axis)
                same_values(nd.sort(k, axis=axis), want)
                same_values(nd.sort(k, axis=axis, kind="stable"), want)
                same_values(nd.argsort(k, axis=axis, kind="stable"),
                            np.argsort(x, axis=axis, kind="stable"))
                same_values(nd.argsort(k, axis=axis, stable=True),
                            np.argsort(x, axis=axis, kind="stable"))
                idx = np.asarray(nd.argsort(k, axis=axis))
                flat = x.reshape(-1) if axis is None else x
                ax = 0 if axis is None else axis
                assert (np.sort(idx, axis=ax) == np.arange(flat.shape[ax]).reshape(
                    [-1 if d == ax % flat.ndim else 1 for d in range(flat.ndim)])).all()
                np.testing.assert_array_equal(np.take_along_axis(flat, idx, axis=ax), want)


def test_specials():
    x = np.array([np.nan, 1, -np.inf, 0.0, np.nan, np.inf, -0.0, -1])
    same_values(nd.argsort(nd.asarray(x), kind="stable"), np.argsort(x, kind="stable"))
    s = np.asarray(nd.sort(nd.asarray(x), kind="stable"))
    assert np.array_equal(np.signbit(s), np.signbit(np.sort(x, kind="stable")))
    c = np.array([complex(np.nan, np.nan), complex(np.nan, 2), complex(5, np.nan), 1 + 9j,
                  complex(np.nan, 1), complex(3, np.nan), 2 + 0j])
    same_values(nd.argsort(nd.asarray(c), kind="stable"), np.argsort(c, kind="stable"))
    i = np.array([2**63 - 1, -2**63, -1, 0, 1, -2**63])
    same_values(nd.argsort(nd.asarray(i), kind="stable"), np.argsort(i, kind="stable"))
    u = np.array([2**64 - 1, 0, 2**63, 1], dtype=np.uint64)
    same_values(nd.sort(nd.asarray(u)), np.sort(u))


def test_zero_d_and_errors():
    z = np.array(2.5)
    for f in ("sort",):
        with pytest.raises(np.exceptions.AxisError):
            getattr(np, f)(z)
        with pytest.raises(nd.AxisError, match="axis -1 is out of bounds"):
            getattr(nd, f)(nd.asarray(z))
    same_values(nd.sort(nd.asarray(z), axis=None), np.sort(z, axis=None))
    same_values(nd.argsort(nd.asarray(z)), np.argsort(z))
    same_values(nd.argpartition(nd.asarray(z), 0), np.argpartition(z, 0))
    with pytest.raises(nd.AxisError):
        nd.partition(nd.asarray(z), 0)
    with pytest.raises(nd.AxisError):
        nd.sort(nd.asarray([1, 2]), axis=1)
    with pytest.raises(ValueError, match="kth"):
        nd.partition(nd.asarray([1, 2, 3]), 5)
    with pytest.raises(ValueError):
        np.partition(np.array([1, 2, 3]), 5)
    with pytest.raises(ValueError, match="sort kind"):
        nd.sort(nd.asarray([1, 2]), kind="bogo")
    with pytest.raises(ValueError, match="too small depth"):
        nd.searchsorted(nd.asarray(z), 1.0)


@pytest.mark.parametrize("dtype", ["int8", "int64", "uint32", "float32", "float64", "complex128"])
def test_descending(dtype):
    x = rand(dtype, (5, 40))
    for axis in (-1, 0):
        flipped = np.flip(np.argsort(np.flip(x, axis), axis=axis, kind="stable"), axis)
        want = x.shape[axis] - 1 - flipped
        same_values(nd.argsort(nd.asarray(x), axis=axis, descending=True), want)
        same_values(nd.sort(nd.asarray(x), axis=axis, descending=True),
                    np.flip(np.sort(np.flip(x, axis), axis=axis), axis))


@pytest.mark.parametrize("dtype", DTYPES)
def test_partition(dtype):
    for shape, axis in [((50,), -1), ((4, 600), 1), ((30, 3), 0), ((600,), None)]:
        x = rand(dtype, shape)
        n = x.size if axis is None else x.shape[axis]
        want = np.sort(x, axis=axis)
        for kth in (0, n // 2, -1, [1, n // 3, n - 2]):
            p = np.asarray(nd.partition(nd.asarray(x), kth, axis=axis))
            ip = np.asarray(nd.argpartition(nd.asarray(x), kth, axis=axis))
            flat = x.reshape(-1) if axis is None else x
            ax = 0 if axis is None else axis % x.ndim
            via = np.take_along_axis(flat, ip, axis=ax)
            for k in np.atleast_1d(kth):
                k = k % n
                for got in (p, via):
                    gk = np.take(got, [k], axis=ax)
                    np.testing.assert_array_equal(gk, np.take(want, [k], axis=ax))
                    # nothing larger before kth, nothing smaller after it (NumPy's order)
                    before = np.take(got, np.arange(k + 1), axis=ax)
                    after = np.take(got, np.arange(k, n), axis=ax)
                    np.testing.assert_array_equal(np.sort(before, axis=ax),
                                                  np.take(want, np.arange(k + 1), axis=ax))
                    np.testing.assert_array_equal(np.sort(after, axis=ax),
                                                  np.take(want, np.arange(k, n), axis=ax))
                assert np.array_equal(np.sort(p, axis=ax), want, equal_nan=True)


@pytest.mark.parametrize("dtype", DTYPES)
def test_searchsorted(dtype):
    a = np.sort(rand(dtype, (200,)))
    v = rand(dtype, (4, 7))
    for side in ("left", "right"):
        same_values(nd.searchsorted(nd.asarray(a), nd.asarray(v), side=side),
                    np.searchsorted(a, v, side=side))
        same_values(nd.asarray(a).searchsorted(nd.asarray(v), side=side),
                    a.searchsorted(v, side=side))
    u = rand(dtype, (200,))
    sorter = np.argsort(u, kind="stable")
    same_values(nd.searchsorted(nd.asarray(u), nd.asarray(v), sorter=nd.asarray(sorter)),
                np.searchsorted(u, v, sorter=sorter))
    same_values(nd.searchsorted(nd.asarray(a)[::-1][::-1], nd.asarray(v)[:, ::2]),
                np.searchsorted(a, v[:, ::2]))


def test_searchsorted_mixed():
    a = np.array([1, 2, 3, 3, 5], dtype=np.int32)
    for v in (2.5, 3, [0.5, np.nan, 7]):
        same_values(nd.searchsorted(nd.asarray(a), v), np.searchsorted(a, v))
    f = np.array([1.0, 2.0, np.nan, np.nan])
    for side in ("left", "right"):
        same_values(nd.searchsorted(nd.asarray(f), [np.nan, 2.0, -0.0], side=side),
                    np.searchsorted(f, [np.nan, 2.0, -0.0], side=side))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(0,), (1,), (50,), (7, 90), (3, 4, 5)])
def test_unique(dtype, shape):
    x = rand(dtype, shape)
    k = nd.asarray(x)
    for view_k, view_x in ((k, x), (k[..., ::-1], x[..., ::-1])):
        want = np.unique(view_x, return_index=True, return_inverse=True, return_counts=True)
        got = nd.unique(view_k, return_index=True, return_inverse=True, return_counts=True)
        for g, w in zip(got, want):
            same_values(g, w)
        # NumPy's plain unique (a hash table) and its unique with indices (a sort) pick different
        # complex NaNs to stand for the NaN group; kestrel's is the sort's
        same_values(nd.unique(view_k), want[0])
        same_values(nd.unique(view_k, return_counts=True)[1], want[3])
        for g, w in zip(nd.unique(view_k, return_index=True, return_counts=True, equal_nan=False),
                        np.unique(view_x, return_index=True, return_counts=True,
                                  equal_nan=False)):
            same_values(g, w)
    # the Array API's: each NaN its own value; NumPy's order of equal NaNs (an unstable sort for
    # all but unique_all) is not promised, so inverse is checked by what it maps to
    got, want = nd.unique_all(k), np.unique_all(x)
    assert got._fields == want._fields
    for f in want._fields:
        same_values(getattr(got, f), getattr(want, f))
    for name in ("unique_counts", "unique_inverse"):
        got, want = getattr(nd, name)(k), getattr(np, name)(x)
        assert got._fields == want._fields
        same_values(got.values, np.sort(want.values))
        if name == "unique_counts":
            same_values(got.counts, want.counts)
        else:
            same_values(np.asarray(got.values)[np.asarray(got.inverse_indices)],
                        np.asarray(want.values)[want.inverse_indices])
    same_values(nd.unique_values(k), np.sort(np.unique_values(x)))


def test_unique_zero_d():
    z = np.array(5.0)
    for g, w in zip(nd.unique(nd.asarray(z), return_inverse=True),
                    np.unique(z, return_inverse=True)):
        same_values(g, w)


@pytest.mark.parametrize("dtype", DTYPES)
def test_isin(dtype):
    x = rand(dtype, (6, 9))
    t = rand(dtype, (13,))
    for invert in (False, True):
        same_values(nd.isin(nd.asarray(x), nd.asarray(t), invert=invert),
                    np.isin(x, t, invert=invert))
    same_values(nd.isin(nd.asarray(x)[:, ::-2], nd.asarray(t)[::3]), np.isin(x[:, ::-2], t[::3]))
    same_values(nd.isin(nd.asarray(x), nd.asarray(t[:0])), np.isin(x, t[:0]))


def test_isin_mixed():
    a = np.array([1, 2, 3, -0.0, np.nan])
    same_values(nd.isin(nd.asarray(a), [2, 0, np.nan]), np.isin(a, [2, 0, np.nan]))
    i = np.arange(6, dtype=np.int16)
    same_values(nd.isin(nd.asarray(i), [2.0, 2.5, 5]), np.isin(i, [2.0, 2.5, 5]))
    same_values(nd.isin(nd.asarray(i), 3), np.isin(i, 3))


@pytest.mark.parametrize("dtypes", [("int8", "float64"), ("uint64", "complex64", "bool"),
                                    ("float32",)])
def test_lexsort(dtypes):
    keys = [rand(t, (300,)) for t in dtypes]
    same_values(nd.lexsort([nd.asarray(k) for k in keys]), np.lexsort(keys))
    keys2 = [rand(t, (4, 60)) for t in dtypes]
    for axis in (-1, 0):
        same_values(nd.lexsort([nd.asarray(k) for k in keys2], axis=axis),
                    np.lexsort(keys2, axis=axis))
    stacked = np.stack([rand("int16", (50,)) for _ in range(3)])
    same_values(nd.lexsort(nd.asarray(stacked)), np.lexsort(stacked))
    with pytest.raises(ValueError):
        nd.lexsort([nd.asarray([1, 2]), nd.asarray([1, 2, 3])])


@pytest.mark.parametrize("dtype", ["int16", "float64", "complex64", "bool"])
def test_methods_in_place(dtype):
    x = rand(dtype, (5, 40))
    k = nd.asarray(x.copy())
    view, xv = k[:, ::-3], x[:, ::-3].copy()
    view.sort(axis=0)
    xv.sort(axis=0)
    same_values(view, xv)
    same_values(np.asarray(k)[:, ::-3], xv)  # written through the view
    same_values(nd.asarray(x).argsort(kind="stable"), x.argsort(kind="stable"))
    k2 = nd.asarray(x.copy())
    k2.sort()
    same_values(k2, np.sort(x))
    k3 = nd.asarray(x.copy())
    k3.partition(7)
    np.testing.assert_array_equal(np.asarray(k3)[:, 7], np.sort(x)[:, 7])
    same_values(nd.asarray(x).argpartition(3)[:, 3:4].shape and
                np.take_along_axis(x, np.asarray(nd.asarray(x).argpartition(3)), 1)[:, 3],
                np.sort(x)[:, 3])
    ro = nd.broadcast_to(nd.asarray([3, 1, 2]), (2, 3))
    with pytest.raises(ValueError, match="read-only"):
        ro.sort()


@pytest.mark.parametrize("dtype", ["float64", "float32", "int64", "int32", "uint16", "int8", "bool"])
def test_argsort_stable_of_ordered_lines(dtype):
    """A line already in order (ties included) or strictly reversed is recognised before it is made
    into pairs (sort.c's line_order): the indices are NumPy's stable ones, ties in their order,
    with NaN, -0.0 against 0.0, strided and 2-D lines, and a line that breaks order at the end."""
    rng = np.random.default_rng(7)
    for n in (257, 1000, 4099):
        base = np.sort(rng.integers(0, 50, n)).astype(dtype)  # ties
        lines = [base, base[::-1], np.arange(n).astype(dtype)[::-1]]
        if dtype.startswith("float"):
            f = np.sort(rng.standard_normal(n)).astype(dtype)
            f[-5:] = np.nan
            z = np.zeros(n, dtype)
            z[::2] = -0.0
            lines += [f, f[::-1], z]
        last = base.copy()
        last[-1] = 0  # in order until the last element
        lines.append(last)
        for x in lines:
            for v in (x, np.repeat(x, 2)[::2], np.stack([x, x[::-1]])):
                want = np.argsort(v, kind="stable")
                np.testing.assert_array_equal(np.asarray(nd.argsort(nd.asarray(v), kind="stable")), want)
