"""kestrel.nd's .npy / .npz files exchanged with NumPy both ways: every dtype, C and Fortran order,
strided arrays, big-endian files, 0-d and empty arrays, memory maps, archives from np.savez and
np.savez_compressed and kestrel's read by np.load; then the errors."""
import os
import pathlib
import zipfile

import numpy as np
import pytest

from kestrel import nd

DTYPES = ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
          "float32", "float64", "complex64", "complex128"]


def sample(dtype, shape=(3, 4), seed=0):
    rng = np.random.default_rng(seed)
    n = int(np.prod(shape))
    if dtype == "bool":
        return (rng.integers(0, 2, n) == 1).reshape(shape)
    if dtype.startswith(("int", "uint")):
        info = np.iinfo(dtype)
        return rng.integers(info.min, info.max, n, dtype=dtype, endpoint=True).reshape(shape)
    x = rng.standard_normal(n) * 1e3
    if dtype.startswith("complex"):
        x = x + 1j * rng.standard_normal(n)
    x = x.astype(dtype)
    x.flat[0] = np.nan
    return x.reshape(shape)


def same(k, n):
    k = np.asarray(k)
    assert k.dtype == n.dtype and k.shape == n.shape
    np.testing.assert_array_equal(k, n)


@pytest.mark.parametrize("dtype", DTYPES)
def test_numpy_reads_kestrel_and_back(tmp_path, dtype):
    a = sample(dtype)
    views = {"c": a, "f": np.asfortranarray(a), "t": a.T, "strided": a[::-1, ::2],
             "0d": a[1, 2:3].reshape(()), "empty": a[:0]}
    for name, v in views.items():
        p = tmp_path / f"{name}.npy"
        nd.save(p, nd.asarray(v))
        # the same bytes NumPy writes, and NumPy reads them
        q = tmp_path / f"{name}_np.npy"
        np.save(q, v)
        assert p.read_bytes() == q.read_bytes(), name
        same(np.load(p), np.asarray(v))
        # kestrel reads NumPy's file, in the file's order
        k = nd.load(q)
        assert isinstance(k, nd.ndarray)
        same(k, np.asarray(v))
        if name in ("f", "t"):
            assert np.asarray(k).flags.f_contiguous and not np.asarray(k).flags.c_contiguous


@pytest.mark.parametrize("dtype", [d for d in DTYPES if d not in ("bool", "int8", "uint8")])
def test_big_endian(tmp_path, dtype):
    a = sample(dtype, (2, 5), seed=1)
    be = a.astype(a.dtype.newbyteorder(">"))
    np.save(tmp_path / "be.npy", be)
    assert b"'>" in (tmp_path / "be.npy").read_bytes()[:128]
    same(nd.load(tmp_path / "be.npy"), a)
    np.save(tmp_path / "bef.npy", np.asfortranarray(be))
    same(nd.load(tmp_path / "bef.npy"), a)
    with pytest.raises(ValueError, match="byte order"):
        nd.load(tmp_path / "be.npy", mmap_mode="r")


def test_suffix_and_pathlike(tmp_path):
    nd.save(str(tmp_path / "x"), nd.arange(3))
    assert (tmp_path / "x.npy").exists()
    same(nd.load(pathlib.Path(tmp_path / "x.npy")), np.arange(3))
    nd.savez(tmp_path / "z", nd.arange(2))
    assert (tmp_path / "z.npz").exists()


def test_mmap(tmp_path):
    a = sample("float64", (100, 7))
    p = tmp_path / "m.npy"
    np.save(p, a)
    m = nd.load(p, mmap_mode="r")
    same(m, a)
    assert not np.asarray(m).flags.writeable
    with pytest.raises(ValueError):
        m[0, 0] = 1.0
    # r+ writes through to the file; c does not
    w = nd.load(p, mmap_mode="r+")
    w[0, 0] = 5.0
    del w
    c = nd.load(p, mmap_mode="c")
    c[0, 1] = 7.0
    del c
    back = np.load(p)
    assert back[0, 0] == 5.0 and back[0, 1] == a[0, 1]
    # the mapping outlives the name and the views hold it
    m = nd.load(p, mmap_mode="r")
    v = m[10:20]
    del m
    os.unlink(p)
    same(v, back[10:20])
    with pytest.raises(ValueError, match="mode must be"):
        nd.load(_saved(tmp_path), mmap_mode="w+")


def _saved(tmp_path):
    p = tmp_path / "s.npy"
    np.save(p, np.arange(3))
    return p


def test_mmap_does_not_read(tmp_path):
    # a sparse file of 1 GiB maps instantly and reads as zeros where asked
    p = tmp_path / "big.npy"
    n = 1 << 27
    with open(p, "wb") as f:
        np.lib.format.write_array_header_1_0(
            f, {"descr": "<f8", "fortran_order": False, "shape": (n,)})
        f.truncate(f.tell() + 8 * n)
    m = nd.load(p, mmap_mode="r")
    assert m.shape == (n,) and float(m[n - 1]) == 0.0


@pytest.mark.parametrize("saver", [np.savez, np.savez_compressed])
def test_kestrel_reads_numpy_npz(tmp_path, saver):
    arrs = {d: sample(d, (4, 3), seed=i) for i, d in enumerate(DTYPES)}
    p = tmp_path / "a.npz"
    saver(p, np.arange(5), np.asfortranarray(arrs["float64"]), **arrs, zero=np.float32(2.5),
          empty=np.zeros((0, 2), "i2"))
    with nd.load(p) as f:
        assert isinstance(f, nd.NpzFile)
        assert f.files == np.load(p).files
        same(f["arr_0"], np.arange(5))
        same(f["arr_1.npy"], np.asfortranarray(arrs["float64"]))
        for d, a in arrs.items():
            same(f[d], a)
        same(f["zero"], np.array(np.float32(2.5)))
        same(f["empty"], np.zeros((0, 2), "i2"))
        assert "zero" in f and len(f) == len(arrs) + 4
        with pytest.raises(KeyError):
            f["nope"]
    with pytest.raises(ValueError, match="closed"):
        f["zero"]


@pytest.mark.parametrize("saver", [nd.savez, nd.savez_compressed])
def test_numpy_reads_kestrel_npz(tmp_path, saver):
    arrs = {d: sample(d, (4, 3), seed=i) for i, d in enumerate(DTYPES)}
    p = tmp_path / "k.npz"
    saver(p, nd.arange(5), nd.asarray(arrs["int32"]).T,
          **{k: nd.asarray(v) for k, v in arrs.items()},
          scalar=nd.asarray(np.complex64(1 - 2j)), café=nd.zeros((2, 0)))
    with np.load(p) as f:
        assert f.files == ["arr_0", "arr_1"] + DTYPES + ["scalar", "café"]
        same(np.asarray(nd.arange(5)), f["arr_0"])
        same(f["arr_1"], arrs["int32"].T)
        for d, a in arrs.items():
            same(f[d], a)
        same(f["scalar"], np.array(np.complex64(1 - 2j)))
        same(f["café"], np.zeros((2, 0)))
    with zipfile.ZipFile(p) as z:
        assert z.testzip() is None
        kinds = {i.compress_type for i in z.infolist()}
        want = zipfile.ZIP_DEFLATED if saver is nd.savez_compressed else zipfile.ZIP_STORED
        assert kinds == {want}
    with nd.load(p) as f:
        for d, a in arrs.items():
            same(f[d], a)


def test_npz_names(tmp_path):
    with pytest.raises(ValueError, match="arr_0"):
        nd.savez(tmp_path / "x.npz", nd.arange(2), arr_0=nd.arange(3))
    nd.savez(tmp_path / "e.npz")
    with nd.load(tmp_path / "e.npz") as f:
        assert f.files == []
    assert np.load(tmp_path / "e.npz").files == []


def test_file_objects_refused(tmp_path):
    with open(tmp_path / "f.npy", "wb") as f:
        with pytest.raises(TypeError, match="file objects"):
            nd.save(f, nd.arange(3))
    with pytest.raises(TypeError, match="file objects"):
        nd.load(open(_saved(tmp_path), "rb"))


def test_errors(tmp_path):
    def write(name, data):
        p = tmp_path / name
        p.write_bytes(data)
        return p

    with pytest.raises(FileNotFoundError, match="missing.npy"):
        nd.load(tmp_path / "missing.npy")
    with pytest.raises(ValueError, match="neither a .npy file nor a .npz"):
        nd.load(write("pickle.npy", b"\x80\x04K\x01."))
    # object arrays, structured and float16 dtypes: refused by name
    np.save(tmp_path / "obj.npy", np.array([1, "a"], dtype=object), allow_pickle=True)
    with pytest.raises(ValueError, match="object array"):
        nd.load(tmp_path / "obj.npy")
    np.save(tmp_path / "st.npy", np.zeros(3, dtype=[("a", "<i4"), ("b", "<f8")]))
    with pytest.raises(ValueError, match="structured"):
        nd.load(tmp_path / "st.npy")
    np.save(tmp_path / "h.npy", np.zeros(3, "f2"))
    with pytest.raises(ValueError, match="'<f2'"):
        nd.load(tmp_path / "h.npy")
    # truncated data, extra data, truncated header
    np.save(tmp_path / "ok.npy", np.arange(10.0))
    raw = (tmp_path / "ok.npy").read_bytes()
    with pytest.raises(ValueError, match="needs 80 bytes of data but 72 follow"):
        nd.load(write("short.npy", raw[:-8]))
    with pytest.raises(ValueError, match="needs 80 bytes of data but 81 follow"):
        nd.load(write("long.npy", raw + b"\0"))
    with pytest.raises(ValueError, match="truncated header"):
        nd.load(write("cut.npy", raw[:40]))
    with pytest.raises(ValueError, match="not a dict"):
        head = b"[1, 2]".ljust(len(raw) - 10 - 80 - 1) + b"\n"
        nd.load(write("nd.npy", raw[:10] + head + raw[-80:]))
    # a corrupt archive member
    nd.savez(tmp_path / "c.npz", x=nd.arange(100.0))
    b = bytearray((tmp_path / "c.npz").read_bytes())
    b[200] ^= 1
    with nd.load(write("bad.npz", bytes(b))) as f:
        with pytest.raises(ValueError, match="CRC-32"):
            f["x"]
    with pytest.raises(ValueError, match="no end of central directory"):
        nd.load(write("cut.npz", bytes(b[:-30])))


def test_zip64_end_record(tmp_path):
    # 65536 members: more than the plain end record counts, so kestrel writes ZIP64's
    p = tmp_path / "many.npz"
    n = 65536
    nd.savez(p, **{f"a{i}": nd.asarray(np.int32(i)) for i in range(n)})
    raw = p.read_bytes()
    assert b"PK\x06\x06" in raw[-200:] and b"PK\x06\x07" in raw[-200:]
    with np.load(p) as f:
        assert len(f.files) == n and int(f["a65535"]) == 65535
    with nd.load(p) as f:
        assert len(f.files) == n and int(f["a40000"]) == 40000


def test_zip64_directory_fields(tmp_path):
    # a central directory whose sizes and offset live in the ZIP64 extra field (as archives
    # over 4 GiB have them), made from a small one by hand; Python's zipfile agrees it is valid
    import struct
    p = tmp_path / "s.npz"
    nd.savez(p, pad=nd.zeros(7), x=nd.arange(5.0))
    raw = p.read_bytes()
    end = raw.rindex(b"PK\x05\x06")
    count, cd_size, cd_off = struct.unpack("<HII", raw[end + 10:end + 20])
    out, at = bytearray(), cd_off
    for _ in range(count):
        fixed = bytearray(raw[at:at + 46])
        nl, xl, cl = struct.unpack("<HHH", fixed[28:34])
        csize, usize = struct.unpack("<II", fixed[20:28])
        off, = struct.unpack("<I", fixed[42:46])
        fixed[20:28] = struct.pack("<II", 0xFFFFFFFF, 0xFFFFFFFF)
        fixed[42:46] = struct.pack("<I", 0xFFFFFFFF)
        fixed[30:32] = struct.pack("<H", 28)
        fixed[6:8] = struct.pack("<H", 45)
        out += fixed + raw[at + 46:at + 46 + nl] + struct.pack("<HHQQQ", 1, 24, usize, csize, off)
        at += 46 + nl + xl + cl
    tail = bytearray(raw[end:])
    tail[12:16] = struct.pack("<I", len(out))
    q = tmp_path / "z64.npz"
    q.write_bytes(raw[:cd_off] + bytes(out) + bytes(tail))
    with np.load(q) as f:
        same(f["x"], np.arange(5.0))
    with nd.load(q) as f:
        same(f["x"], np.arange(5.0))
        same(f["pad"], np.zeros(7))


@pytest.mark.skipif(not os.environ.get("KS_TEST_BIG"),
                    reason="writes 9 GB; set KS_TEST_BIG=1 to run")
def test_zip64_members_over_4gib(tmp_path):
    # members and offsets past 4 GiB: ZIP64 sizes in the local headers, descriptors and
    # directory, and ZIP64 end records; Python's zipfile reads the sizes and CRCs back
    big = nd.zeros(2**32 + 100, dtype="uint8")
    big[-1] = 7
    for saver, kind in ((nd.savez, zipfile.ZIP_STORED),
                        (nd.savez_compressed, zipfile.ZIP_DEFLATED)):
        p = tmp_path / "big.npz"
        saver(p, big=big, after=nd.arange(3))
        with zipfile.ZipFile(p) as z:
            info = {i.filename: i for i in z.infolist()}
            assert info["big.npy"].file_size == 2**32 + 100 + 128
            assert info["big.npy"].compress_type == kind
            if kind == zipfile.ZIP_STORED:
                assert info["after.npy"].header_offset > 2**32
            with z.open("big.npy") as f:  # reads it all: the CRC is checked at the end
                while f.read(1 << 26):
                    pass
        with np.load(p) as f:
            same(f["after"], np.arange(3))
        with nd.load(p) as f:
            same(f["after"], np.arange(3))
            b = f["big"]
            assert b.shape == (2**32 + 100,) and int(b[-1]) == 7 and int(b[-2]) == 0
            del b
        p.unlink()


def test_mutated_files_fail_cleanly(tmp_path):
    # bytes changed, cut or appended at random: each load gives an array or a clean error
    rng = np.random.default_rng(5)
    np.save(tmp_path / "a.npy", sample("complex64", (3, 5)))
    np.savez_compressed(tmp_path / "a.npz", x=sample("int16", (6, 2)), y=np.arange(4.0))
    np.savez(tmp_path / "s.npz", x=sample("uint32", (2, 2)))
    for src in ("a.npy", "a.npz", "s.npz"):
        raw = (tmp_path / src).read_bytes()
        for i in range(150):
            b = bytearray(raw)
            how = i % 3
            if how == 0:
                for _ in range(rng.integers(1, 4)):
                    b[rng.integers(len(b))] = rng.integers(256)
            elif how == 1:
                b = b[:rng.integers(len(b))]
            else:
                b += bytes(rng.integers(0, 256, rng.integers(1, 40), dtype=np.uint8))
            p = tmp_path / f"m{i}{src[-4:]}"
            p.write_bytes(bytes(b))
            try:
                f = nd.load(p)
                if isinstance(f, nd.NpzFile):
                    with f:
                        for k in f.files:
                            try:
                                f[k]
                            except (ValueError, KeyError, OSError):
                                pass
            except (ValueError, OSError):
                pass
