"""Hostile covstruc files for kestrel.gsem.load_ldsc (ks_gsem_ldsc_read): truncated at every
line and inside lines, bytes changed, foreign and binary files, absurd sizes. Each is a
KestrelError naming the file (and the line), never a crash and never a covstruc with wrong
numbers; a file gzip-compressed or with comments added reads as the original."""
import gzip
import pathlib

import numpy as np
import pandas as pd
import pytest

from kestrel import KestrelError, gsem

pytestmark = pytest.mark.hostile

G = pathlib.Path(__file__).resolve().parents[1] / "data" / "gsem"


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    read = lambda n: pd.read_csv(G / "ref" / n, sep="\t", index_col=0)
    c = gsem.covstruc(S=read("ldsc_S.tsv"), V=read("ldsc_V.tsv"), I=read("ldsc_I.tsv"), m=5961159)
    path = tmp_path_factory.mktemp("covstruc") / "c.txt"
    c.save(path)
    return c, path.read_bytes()


def load_fails(tmp_path, data, needle="", name="bad.txt"):
    p = tmp_path / name
    p.write_bytes(data)
    with pytest.raises(KestrelError) as e:
        gsem.load_ldsc(p)
    msg = str(e.value)
    assert str(p) in msg and needle in msg, msg
    return msg


def test_truncated_anywhere(saved, tmp_path):
    """Cut at every line end and in the middle of every line: always an error."""
    _, data = saved
    ends = [i + 1 for i, b in enumerate(data) if b == 0x0A][:-1]
    cuts = sorted(set(ends + [e - 3 for e in ends if e > 3] + [0, 1, 17]))
    for cut in cuts:
        load_fails(tmp_path, data[:cut])


def test_changed_bytes(saved, tmp_path):
    """A digit changed in any off-diagonal number of S or V, a field turned into text, a tab
    into a space: an error naming the line."""
    c, data = saved
    lines = data.split(b"\n")
    s_at = lines.index(next(x for x in lines if x.startswith(b"S\t")))
    v_at = lines.index(next(x for x in lines if x.startswith(b"V\t")))
    for at, col in ((s_at + 2, 1), (v_at + 4, 9), (v_at + 15, 3)):
        fields = lines[at].split(b"\t")
        f = fields[col]
        digit = f.index(b".") + 3  # (a digit that changes the double)
        fields[col] = f[:digit] + bytes([ord("0") + (f[digit] - ord("0") + 1) % 10]) + f[digit + 1:]
        edited = lines[:at] + [b"\t".join(fields)] + lines[at + 1:]
        load_fails(tmp_path, b"\n".join(edited), "is not symmetric")
    for at in (s_at + 1, v_at + 7):
        edited = lines[:at] + [lines[at].replace(b"\t", b" ", 1)] + lines[at + 1:]
        load_fails(tmp_path, b"\n".join(edited), f":{at + 1}:")
        edited = lines[:at] + [lines[at] + b"\t0.5"] + lines[at + 1:]
        load_fails(tmp_path, b"\n".join(edited), f":{at + 1}:")
    load_fails(tmp_path, data.replace(b"\nm\t5961159\n", b"\nm\tInf\n"), "not a number > 0")
    load_fails(tmp_path, data.replace(b"\nn_blocks\t0\n", b"\nn_blocks\t-1\n"), "not a count")


def test_foreign_files(saved, tmp_path):
    _, data = saved
    load_fails(tmp_path, b"", "ends before")
    load_fails(tmp_path, bytes(range(256)) * 8, "")
    load_fails(tmp_path, (G / "ref" / "ldsc_S.tsv").read_bytes(), "not a kestrel covstruc file")
    load_fails(tmp_path, gzip.compress(data)[:200], "", name="bad.txt.gz")
    load_fails(tmp_path, b"kestrel_covstruc\t1\ntraits" + b"\tT" * 20000 + b"\n", "1 to 10000")
    load_fails(tmp_path, b"kestrel_covstruc\t1\ntraits\tA\tA\n", "the same name 'A'")
    load_fails(tmp_path, data.replace(b"kestrel_covstruc\t1", b"kestrel_covstruc\t999999999999"),
               "version '999999999999'")
    with pytest.raises(KestrelError, match="cannot open"):
        gsem.load_ldsc(tmp_path / "none.txt")


def test_gzip_and_comments_read_the_same(saved, tmp_path):
    c, data = saved
    (tmp_path / "c.txt.gz").write_bytes(gzip.compress(data))
    (tmp_path / "n.txt").write_bytes(data.replace(b"\nV\t", b"\n# V follows\n\nV\t"))
    for p in ("c.txt.gz", "n.txt"):
        b = gsem.load_ldsc(tmp_path / p)
        assert b.S.tobytes() == c.S.tobytes() and b.V.tobytes() == c.V.tobytes()
        assert np.array_equal(b.I, c.I) and b.trait_names == c.trait_names
