"""kestrel.nd's loadtxt / savetxt against numpy.loadtxt / numpy.savetxt (files both ways, byte for
byte), and unique(axis=), take_along_axis and put_along_axis against NumPy over shapes, dtypes,
axes and strides; then the errors."""
import gzip
import io
import warnings

import numpy as np
import pytest

from kestrel import nd

TEXTS = [
    "1 2 3\n4 5 6\n",
    "1 2 3\n4 5 6",  # no trailing line end
    "  1\t2  3  \r\n4 5\t6\r\n",  # blanks, tabs, CRLF
    "# head\n1 2\n\n   \n# mid\n3 4 # tail\n5 6#x\n",  # comments, blank lines
    "0.1 1e-320 123456789012345678901234567890 -0\n2.5e308 1.7976931348623157e308 4.9e-324 .5\n",
    "nan inf +inf -nan\n-inf INF NaN Infinity\n",
    "1.0000000000000000555 0.30000000000000004 9007199254740993 1e23\n",
]


def both(text, **kw):
    """numpy's and kestrel's result (or exception) for the same text."""
    out = []
    for f in (np.loadtxt, nd.loadtxt):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                out.append(np.asarray(f(io.StringIO(text), **kw)))
        except Exception as e:  # noqa: BLE001 (compared below)
            out.append(e)
    return out


def same(text, **kw):
    a, b = both(text, **kw)
    assert not isinstance(a, Exception), a
    assert not isinstance(b, Exception), b
    assert a.shape == b.shape and a.dtype == b.dtype, (a, b)
    np.testing.assert_array_equal(a, b, strict=True)
    if a.dtype.kind == "f":  # bit for bit: the same doubles
        assert a.tobytes() == b.tobytes() or np.isnan(a).any()


@pytest.mark.parametrize("text", TEXTS)
def test_loadtxt_texts(text):
    same(text)


@pytest.mark.parametrize("kw", [
    dict(delimiter=","), dict(delimiter=",", usecols=(2, 0)), dict(delimiter=",", usecols=-1),
    dict(delimiter=",", skiprows=2), dict(delimiter=",", max_rows=2),
    dict(delimiter=",", skiprows=1, max_rows=1), dict(delimiter=",", ndmin=2, usecols=0),
    dict(delimiter=",", ndmin=1, max_rows=1), dict(delimiter=",", unpack=True),
    dict(delimiter=",", dtype=int), dict(delimiter=",", dtype=np.int8),
    dict(delimiter=",", dtype=np.uint16), dict(delimiter=",", dtype=np.float32),
    dict(delimiter=",", dtype=complex), dict(delimiter=",", dtype=bool),
    dict(delimiter=",", usecols=[0, 0, -3]),
])
def test_loadtxt_options(kw):
    same("# c\n1, 2,3\n4,5 ,6\n\n7,8,9 # x\n10,11,12\n", **kw)


def test_loadtxt_shapes():
    for text in ["1", "1 2", "1\n2", "1 2\n3 4"]:
        for ndmin in (0, 1, 2):
            same(text, ndmin=ndmin)
            same(text, ndmin=ndmin, unpack=True)


def test_loadtxt_complex_quotes_comments():
    same("1+2j (3-4j) 5 -2.5e-3+1e2j\n", dtype=complex)
    same('"1","2"\n"3","4"\n', delimiter=",", quotechar='"')
    same("1;2//x\n% y\n3;4\n", delimiter=";", comments=["%", "//"])
    same("1 2\n3 4\n", comments=None)


def test_loadtxt_empty_warns():
    for text in ["", "# only\n", "\n\n"]:
        with pytest.warns(UserWarning, match="input contained no data"):
            r = nd.loadtxt(io.StringIO(text))
        assert r.shape == (0,)
    with pytest.warns(UserWarning):
        assert nd.loadtxt(io.StringIO(""), ndmin=2).shape == (0, 1)
    with pytest.warns(UserWarning):
        assert nd.loadtxt(io.StringIO(""), usecols=(0, 1)).shape == (0, 2)


@pytest.mark.parametrize("text,kw", [
    ("1 2\n3 x\n", {}),
    ("1,2\n3,4,5\n", dict(delimiter=",")),
    ("1,2\n,\n", dict(delimiter=",")),
    ("0x10 2\n", {}),
    ("1.0 2\n", dict(dtype=int)),
    ("300 2\n", dict(dtype=np.int8)),
    ("-1 2\n", dict(dtype=np.uint8)),
    ("9223372036854775808\n", dict(dtype=np.int64)),
    ("1 2\n3 4\n", dict(usecols=5)),
    ("1_000 2\n", {}),
    ('"1" 2\n', {}),
])
def test_loadtxt_errors_as_numpy(text, kw):
    a, b = both(text, **kw)
    assert isinstance(a, ValueError) and isinstance(b, ValueError)
    # NumPy's text, after the file and line kestrel puts first
    assert str(b).endswith(str(a)), (a, b)
    assert ":" in str(b).split(str(a))[0]


def test_loadtxt_refuses():
    with pytest.raises(TypeError, match="converters"):
        nd.loadtxt(io.StringIO("1"), converters={0: float})
    with pytest.raises(ValueError, match="ndmin"):
        nd.loadtxt(io.StringIO("1"), ndmin=3)
    with pytest.raises(TypeError, match="usecols"):
        nd.loadtxt(io.StringIO("1"), usecols=(1.5,))
    with pytest.raises(FileNotFoundError):
        nd.loadtxt("/nonexistent/kestrel.txt")


def test_loadtxt_huge_line_and_files(tmp_path):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((200, 7)) * 10.0 ** rng.integers(-300, 300, (200, 7))
    p = tmp_path / "x.txt"
    np.savetxt(p, x)
    r = nd.loadtxt(p)  # a pathlib.Path
    assert np.asarray(r).tobytes() == np.loadtxt(p).tobytes()
    assert np.asarray(nd.loadtxt(str(p))).tobytes() == x.tobytes()  # %.18e round trips
    with open(p) as f:
        assert np.asarray(nd.loadtxt(f)).tobytes() == x.tobytes()
    g = tmp_path / "x.txt.gz"
    with gzip.open(g, "wb") as f:
        f.write(p.read_bytes())
    assert np.asarray(nd.loadtxt(g)).tobytes() == x.tobytes()
    cr = tmp_path / "cr.txt"  # CR alone: NumPy reads a path with universal newlines
    cr.write_bytes(b"1 2\r3 4\r")
    assert np.asarray(nd.loadtxt(cr)).tobytes() == np.loadtxt(cr).tobytes()
    wide = " ".join(["1.5"] * 100000) + "\n"
    same(wide)
    assert np.asarray(nd.loadtxt(["1 2", "3 4\n"])).tolist() == [[1, 2], [3, 4]]


FMTS = [dict(), dict(fmt="%.3f"), dict(fmt="%10.5g"), dict(fmt="%d"), dict(fmt="%+010.3f"),
        dict(fmt="%-12.4E", delimiter="|"), dict(fmt=["%d", "%.2e", "%g"], delimiter=","),
        dict(fmt="%.2f %.3e %g"), dict(newline="\r\n", delimiter="\t"),
        dict(header="first\nsecond", footer="end", comments="% ")]


@pytest.mark.parametrize("kw", FMTS)
@pytest.mark.parametrize("dtype", ["float64", "float32", "int64", "int8", "uint64", "bool"])
def test_savetxt_bytes_as_numpy(kw, dtype, tmp_path):
    rng = np.random.default_rng(2)
    x = (rng.standard_normal((6, 3)) * 1e3).astype(dtype) if dtype != "bool" else \
        rng.integers(0, 2, (6, 3)).astype(bool)
    if dtype.startswith("float") and "%d" not in str(kw.get("fmt", "")) and "fmt" not in kw \
            or kw.get("fmt") in ("%.3f", "%10.5g", "%+010.3f", "%-12.4E"):
        if dtype.startswith("float"):
            x[0, 0], x[1, 1], x[2, 2] = np.nan, np.inf, -np.inf
    a, b = io.BytesIO(), io.BytesIO()
    np.savetxt(a, x, **kw)
    nd.savetxt(b, nd.asarray(x), **kw)
    assert a.getvalue() == b.getvalue()
    p = tmp_path / "k.txt"
    nd.savetxt(p, x, **kw)
    assert p.read_bytes() == a.getvalue()


def test_savetxt_shapes_complex_text_files(tmp_path):
    rng = np.random.default_rng(3)
    z = rng.standard_normal((4, 2)) + 1j * rng.standard_normal((4, 2))
    for x, kw in [(z, {}), (z, dict(fmt="%.3f")), (z, dict(fmt="%.2f %.2f %.1e %.1e")),
                  (rng.standard_normal(5), {}), (np.zeros((0, 3)), {}), (np.zeros((2, 0)), {}),
                  (np.array([[2**63 + 5, 1]], dtype=np.uint64), dict(fmt="%d")),
                  (np.array([[1e20, -3.7]]), dict(fmt="%d")),
                  (rng.standard_normal((3, 3))[::2, ::-1], {})]:
        a, b = io.BytesIO(), io.BytesIO()
        np.savetxt(a, x, **kw)
        nd.savetxt(b, x, **kw)
        assert a.getvalue() == b.getvalue(), (x, kw)
    s = io.StringIO()
    nd.savetxt(s, z.real)
    a = io.StringIO()
    np.savetxt(a, z.real)
    assert s.getvalue() == a.getvalue()
    g = tmp_path / "z.txt.gz"
    nd.savetxt(g, z.real)
    assert np.loadtxt(g).tobytes() == z.real.tobytes()


def test_savetxt_errors_leave_nothing(tmp_path):
    p = tmp_path / "bad.txt"
    for x, kw, err in [(np.zeros((2, 2, 2)), {}, "Expected 1D or 2D"),
                       (np.zeros(()), {}, "Expected 1D or 2D"),
                       (np.zeros((2, 3)), dict(fmt="%f %f"), "wrong number"),
                       (np.zeros((2, 3)), dict(fmt=["%f"]), "wrong shape"),
                       (np.zeros((2, 3)), dict(fmt="%s"), "unsupported format"),
                       (np.array([[np.nan]]), dict(fmt="%d"), "NaN")]:
        with pytest.raises(ValueError, match=err):
            nd.savetxt(p, x, **kw)
        assert list(tmp_path.iterdir()) == []


# ---- unique(axis=) ----

def cases():
    rng = np.random.default_rng(4)
    yield rng.integers(0, 2, (8, 3))
    yield rng.integers(0, 2, (2, 6, 3)).astype(np.float32)
    yield rng.integers(-2, 2, (5, 4)).astype(np.int8)
    yield (rng.integers(0, 2, (6, 2)) + 1j * rng.integers(0, 2, (6, 2)))
    yield rng.integers(0, 2, (7, 3)).astype(bool)
    yield rng.integers(0, 3, (9, 4))[::2, ::-1]  # strided
    yield np.zeros((3, 0))
    yield np.zeros((0, 3))
    yield rng.integers(0, 3, 10)


def test_unique_axis_as_numpy():
    for x in cases():
        for axis in range(-x.ndim, x.ndim):
            want = np.unique(x, axis=axis, return_index=True, return_inverse=True,
                             return_counts=True)
            got = nd.unique(nd.asarray(x), axis=axis, return_index=True, return_inverse=True,
                            return_counts=True)
            for w, g in zip(want, got):
                np.testing.assert_array_equal(np.asarray(g), w, strict=True)
            np.testing.assert_array_equal(np.asarray(nd.unique(x, axis=axis)),
                                          np.unique(x, axis=axis), strict=True)


def test_unique_axis_nan_rows_distinct():
    x = np.array([[np.nan, 1.0], [np.nan, 1.0], [0.0, 1.0]])
    for eq in (True, False):
        v, c = nd.unique(x, axis=0, return_counts=True, equal_nan=eq)
        w, d = np.unique(x, axis=0, return_counts=True, equal_nan=eq)
        np.testing.assert_array_equal(np.asarray(v), w)
        np.testing.assert_array_equal(np.asarray(c), d)
    with pytest.raises(nd.AxisError):
        nd.unique(x, axis=2)


# ---- take_along_axis / put_along_axis ----

@pytest.mark.parametrize("dtype", ["float64", "int32", "complex64", "bool", "uint8"])
def test_take_put_along_axis(dtype):
    rng = np.random.default_rng(5)
    a = (rng.standard_normal((4, 5, 6)) * 10).astype(dtype)
    for base in (a, a[::-1, :, ::2], np.asfortranarray(a)):
        for axis in range(-3, 3):
            i = np.argsort(base, axis=axis)
            np.testing.assert_array_equal(
                np.asarray(nd.take_along_axis(nd.asarray(base), i, axis)),
                np.take_along_axis(base, i, axis), strict=True)
            j = rng.integers(-base.shape[axis], base.shape[axis],
                             tuple(1 if d == 1 else base.shape[d] for d in range(3)))
            np.testing.assert_array_equal(np.asarray(nd.take_along_axis(base, j, axis)),
                                          np.take_along_axis(base, j, axis), strict=True)
            b, kb = base.copy(), nd.asarray(base.copy())
            vals = (rng.standard_normal(j.shape) * 5).astype(dtype)
            np.put_along_axis(b, j, vals, axis)
            nd.put_along_axis(kb, j, vals, axis)
            np.testing.assert_array_equal(np.asarray(kb), b, strict=True)
    f = rng.integers(0, a.size, 9)
    np.testing.assert_array_equal(np.asarray(nd.take_along_axis(a, f, None)),
                                  np.take_along_axis(a, f, None))
    b, kb = a.copy(), nd.asarray(a.copy())
    np.put_along_axis(b, f, 1, None)
    nd.put_along_axis(kb, f, 1, None)
    np.testing.assert_array_equal(np.asarray(kb), b)
    b, kb = a[:, ::2].copy(), nd.asarray(a)[:, ::2]  # not contiguous: written back
    np.put_along_axis(b, f % b.size, 3, None)
    nd.put_along_axis(kb, f % b.size, 3, None)
    np.testing.assert_array_equal(np.asarray(kb), b)


def test_along_axis_errors():
    a = nd.asarray(np.arange(6.0).reshape(2, 3))
    with pytest.raises(IndexError):
        nd.take_along_axis(a, np.array([[3]]), 1)
    with pytest.raises(ValueError, match="same number of dimensions"):
        nd.take_along_axis(a, np.array([0]), 1)
    with pytest.raises(TypeError, match="integer"):
        nd.take_along_axis(a, np.array([[0.5]]), 1)
    before = np.asarray(a).copy()
    with pytest.raises(IndexError):
        nd.put_along_axis(a, np.array([[0], [9]]), 1.0, 1)
    np.testing.assert_array_equal(np.asarray(a), before)  # nothing written
