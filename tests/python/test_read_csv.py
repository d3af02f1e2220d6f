"""kestrel.read_csv: types, gzip, NA, errors naming file:line:column; numeric columns are views
of the C table (no copy)."""
import gzip

import numpy as np
import pytest

import kestrel
from kestrel import _core


def test_types_and_values(tmp_path):
    p = tmp_path / "d.csv"
    p.write_text('id,x,name\n1,0.5,"a,b"\n2,NA,c\n')
    cols = _core.read_csv(str(p))
    assert cols["id"].dtype == np.int64 and list(cols["id"]) == [1, 2]
    assert cols["x"][0] == 0.5 and np.isnan(cols["x"][1])
    assert list(cols["name"]) == ["a,b", "c"]
    # numeric columns are views of the table kept alive by a capsule, not copies
    assert cols["x"].base is not None and type(cols["x"].base).__name__ == "PyCapsule"
    df = kestrel.read_csv(p)
    assert list(df.columns) == ["id", "x", "name"]


def test_gzip_detected_by_magic(tmp_path):
    p = tmp_path / "d.csv"  # no .gz suffix: the magic bytes decide
    p.write_bytes(gzip.compress(b"a\tb\n1\t2\n"))
    cols = _core.read_csv(str(p))
    assert list(cols) == ["a\tb"]  # comma-delimited by name; tab stays inside the field
    q = tmp_path / "d.tsv.gz"
    q.write_bytes(gzip.compress(b"a\tb\n1\t2\n"))
    assert list(_core.read_csv(str(q))) == ["a", "b"]


def test_errors_name_the_place(tmp_path):
    p = tmp_path / "bad.csv"
    p.write_text("a,b\n1,2\n3\n")
    with pytest.raises(kestrel.KestrelError, match=r"bad.csv:3: row has 1 fields, header has 2"):
        _core.read_csv(str(p))
    with pytest.raises(kestrel.KestrelError, match="cannot open"):
        _core.read_csv(str(tmp_path / "missing.csv"))
    e = tmp_path / "empty.csv"
    e.write_text("")
    with pytest.raises(kestrel.KestrelError, match="empty file"):
        _core.read_csv(str(e))
