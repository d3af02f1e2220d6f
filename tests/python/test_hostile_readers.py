"""Hostile input to the readers: the CSV/TSV reader (NUL bytes, hexadecimal numbers, CR line
ends, /dev/zero, a directory, a header alone, integer IDs beyond 2^53 with NA), the formula parser
(through `kestrel feols` and kestrel.feols) and the MARS model JSON (`kestrel mars predict`).
Each case asserts the exact outcome: the exit status and the place named, or the exact result."""
import json
import subprocess

import numpy as np
import pandas as pd
import pytest

import kestrel

from conftest import SAMPLE

pytestmark = pytest.mark.hostile


def run(*args, timeout=60):
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=timeout)


def write(path, data):
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


# ---- the CSV/TSV reader ----

def test_nul_byte_in_a_field_names_line_and_field(kestrel_bin, tmp_path):
    f = write(tmp_path / "x.csv", b"y,x\n1,2\n2,a\0b\n3,5\n")
    r = run(kestrel_bin, "describe", "--data", f)
    assert r.returncode == 1
    assert f"{f}:3:2: a NUL byte in the data" in r.stderr
    with pytest.raises(kestrel.KestrelError, match=r"x\.csv:3:2: a NUL byte"):
        kestrel.read_csv(f)


def test_dev_zero_is_refused_at_once(kestrel_bin):
    # before: the reader grew its buffer without bound looking for a line end
    r = run(kestrel_bin, "describe", "--data", "/dev/zero", timeout=30)
    assert r.returncode == 1 and "/dev/zero:1:1: a NUL byte in the data" in r.stderr


def test_hex_number_among_numbers_names_the_cell(kestrel_bin, tmp_path):
    f = write(tmp_path / "x.csv", "y,x\n1,2\n2,0x10\n3,5\n")
    r = run(kestrel_bin, "feols", "--data", f, "--formula", "y ~ x")
    assert r.returncode == 1
    assert f"{f}:3:2: '0x10' in column 'x' is a hexadecimal number" in r.stderr


def test_hex_ids_are_text(kestrel_bin, tmp_path):
    # a column of hexadecimal IDs (hashes) is text, as pandas reads it, not the numbers C would
    f = write(tmp_path / "x.csv", "h,y\n0xdeadbeef,1\n0x10,2\n")
    df = kestrel.read_csv(f)
    assert list(df["h"]) == ["0xdeadbeef", "0x10"] and list(df["y"]) == [1, 2]
    r = run(kestrel_bin, "describe", "--data", f)
    assert r.returncode == 0 and r.stdout.splitlines()[2].split()[:2] == ["h", "string"]


def test_cr_line_ends_are_read(kestrel_bin, tmp_path):
    rows = "y,x\n1,2\n2,3.5\n3,5\n4,1\n5,7\n"
    lf = write(tmp_path / "lf.csv", rows)
    cr = write(tmp_path / "cr.csv", rows.replace("\n", "\r"))
    crlf = write(tmp_path / "crlf.csv", rows.replace("\n", "\r\n"))
    want = run(kestrel_bin, "feols", "--data", lf, "--formula", "y ~ x", "--json")
    assert want.returncode == 0
    for f in (cr, crlf):
        got = run(kestrel_bin, "feols", "--data", f, "--formula", "y ~ x", "--json")
        assert got.returncode == 0 and got.stdout == want.stdout
    pd.testing.assert_frame_equal(kestrel.read_csv(cr), kestrel.read_csv(lf))


def test_directory_as_data_names_the_reason(kestrel_bin, tmp_path):
    d = tmp_path / "d.csv"
    d.mkdir()
    r = run(kestrel_bin, "feols", "--data", d, "--formula", "y ~ x")
    assert r.returncode == 1 and f"{d}: cannot open: Is a directory" in r.stderr
    with pytest.raises(kestrel.KestrelError, match="cannot open: Is a directory"):
        kestrel.read_csv(d)


def test_missing_file_names_the_reason(kestrel_bin, tmp_path):
    r = run(kestrel_bin, "describe", "--data", tmp_path / "nope.csv")
    assert r.returncode == 1
    assert f"{tmp_path / 'nope.csv'}: cannot open: No such file or directory" in r.stderr


def test_header_only_file(kestrel_bin, tmp_path):
    f = write(tmp_path / "h.csv", "y,x\n")
    # a table of 0 rows where that means something ...
    r = run(kestrel_bin, "describe", "--data", f)
    assert r.returncode == 0 and r.stdout.startswith(f"{f}: 0 rows, 2 columns")
    df = kestrel.read_csv(f)
    assert list(df.columns) == ["y", "x"] and len(df) == 0
    # ... and a clear error from the commands that need rows
    r = run(kestrel_bin, "feols", "--data", f, "--formula", "y ~ x")
    assert r.returncode == 1 and f"{f}: header but no data rows" in r.stderr


def test_ids_beyond_2_53_with_na_stay_distinct(kestrel_bin, tmp_path):
    # two units whose IDs a double cannot tell apart (2^53 and 2^53 + 1), and a row with no ID:
    # the fixed effects must keep them apart (before, both became 9007199254740992.0)
    a, b = 2 ** 53, 2 ** 53 + 1
    rows = [(a, 1.0, 0.0), (a, 2.0, 1.0), (a, 4.0, 3.0), (b, 10.0, 0.0), (b, 9.0, 2.0),
            (b, 13.0, 4.0), (None, 5.0, 5.0)]
    f = write(tmp_path / "ids.csv", "id,y,x\n" + "".join(
        f"{'NA' if i is None else i},{y},{x}\n" for i, y, x in rows))
    df = kestrel.read_csv(f)
    assert list(df["id"][:6]) == [str(a)] * 3 + [str(b)] * 3 and pd.isna(df["id"][6])
    # the within estimate on the two distinct units (the NA row dropped)
    yx = np.array([(y, x) for i, y, x in rows if i is not None])
    g = np.repeat([0, 1], 3)
    yd = yx[:, 0] - np.array([yx[g == k, 0].mean() for k in g])
    xd = yx[:, 1] - np.array([yx[g == k, 1].mean() for k in g])
    want = (xd @ yd) / (xd @ xd)
    r = run(kestrel_bin, "feols", "--data", f, "--formula", "y ~ x | id", "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["nobs"] == 6 and out["fixef"] == {"id": 2}
    assert out["coefficients"][0]["estimate"] == pytest.approx(want, rel=1e-12)


# ---- formulas: Python and the command line alike ----

BAD_FORMULAS = [
    # (formula, column at fault)
    ("y ~", 3), ("y ~ x +", 7), ("y ~ x |", 7), ("y ~ x | fe +", 12), ("y ~ y", 5),
    ("y ~ x - ", 7), ("y ~ x ++ z", 8), ("~ x", 1), ("y ~ x | | fe", 9), ("y ~ x | fe^", 11),
    ("y ~ x | ^fe", 9), ("y ~ x:", 6), ("y ~ x + :z", 9), ("y ~ x*", 6), ("y ~ x*z*fe", 8),
    ("y ~ x^z", 6), ("y ~ x | fe - z", 12), ("y ~ x | fe:z", 11), ("y ~ x | fe | z", 12),
    ("y ~ x~z", 6), ("y x", 3), ("y ~ x z", 7), ("y ~ x @ z", 7), ("y ~ log(x)", 8),
    ("", 1), ("y ~ x | y", 9), ("y ~ x:y", 7), ("y ~ x + - z", 9),
]


@pytest.fixture
def small(tmp_path):
    df = pd.DataFrame({"y": [1.0, 2, 3, 4, 5, 6, 7], "x": [2.0, 3, 5, 1, 3, 8, 1],
                       "z": [3.0, 1, 2, 5, 3, 1, 9], "fe": [1, 1, 2, 2, 3, 3, 1]})
    path = tmp_path / "f.csv"
    df.to_csv(path, index=False)
    return df, path


@pytest.mark.parametrize("formula,col", BAD_FORMULAS)
def test_malformed_formula_names_the_column(kestrel_bin, small, formula, col):
    df, path = small
    r = run(kestrel_bin, "feols", "--data", path, "--formula", formula)
    assert r.returncode == 2
    lines = r.stderr.splitlines()
    assert lines[0].startswith("kestrel feols: formula: ") and lines[0].endswith(f"at column {col}")
    assert lines[1] == "  " + formula and lines[2] == "  " + " " * (col - 1) + "^"
    with pytest.raises(kestrel.KestrelError, match=f"at column {col}\n"):
        kestrel.feols(formula, df)


@pytest.mark.parametrize("formula", ["y ~ +x", "y ~ -1 + x", "y ~ x - 1", "y ~ x + x",
                                     "y ~ x*z", "y ~ x | 0", "y~x|fe", "y ~ x:z | fe"])
def test_wellformed_formulas_still_fit(kestrel_bin, small, formula):
    df, path = small
    r = run(kestrel_bin, "feols", "--data", path, "--formula", formula)
    assert r.returncode == 0, r.stderr


def test_formula_checked_before_the_data_is_read(kestrel_bin, tmp_path):
    # the usage error comes first, even when the data file does not exist
    r = run(kestrel_bin, "feols", "--data", tmp_path / "nope.csv", "--formula", "y ~ x +")
    assert r.returncode == 2 and "nothing after '+' at column 7" in r.stderr


# ---- the MARS model JSON ----

@pytest.fixture
def mars_model(kestrel_bin, tmp_path):
    model = tmp_path / "m.json"
    r = run(kestrel_bin, "mars", "fit", "--data", SAMPLE / "ozone1.csv", "--target", "O3",
            "--out", model)
    assert r.returncode == 0, r.stderr
    return model


def predict(kestrel_bin, model):
    return run(kestrel_bin, "mars", "predict", "--model", model, "--data", SAMPLE / "ozone1.csv")


def test_pretty_printed_model_loads(kestrel_bin, tmp_path, mars_model):
    pretty = write(tmp_path / "pretty.json", json.dumps(json.loads(mars_model.read_text()),
                                                         indent=2))
    want, got = predict(kestrel_bin, mars_model), predict(kestrel_bin, pretty)
    assert want.returncode == 0 and got.returncode == 0, got.stderr
    assert got.stdout == want.stdout and got.stdout.startswith("O3\n")


def test_model_names_with_escapes_round_trip(kestrel_bin, tmp_path):
    # column names with a quote, a backslash and UTF-8 reach the model and back
    df = pd.read_csv(SAMPLE / "ozone1.csv")
    df = df.rename(columns={"temp": 'te"mp', "ibh": "i\\bh", "O3": "Ozön"})
    data = tmp_path / "o.csv"
    df.to_csv(data, index=False)
    model = tmp_path / "m.json"
    r = run(kestrel_bin, "mars", "fit", "--data", data, "--target", "Ozön", "--out", model)
    assert r.returncode == 0, r.stderr
    d = json.loads(model.read_text(encoding="utf-8"))
    assert 'te"mp' in d["predictors"] and "i\\bh" in d["predictors"] and d["targets"] == ["Ozön"]
    r = run(kestrel_bin, "mars", "predict", "--model", model, "--data", data)
    assert r.returncode == 0 and r.stdout.startswith("Ozön\n")


def test_directory_as_model(kestrel_bin, tmp_path):
    r = run(kestrel_bin, "mars", "predict", "--model", tmp_path, "--data",
            SAMPLE / "ozone1.csv")
    assert r.returncode == 1 and f"{tmp_path}: cannot open: Is a directory" in r.stderr


def test_dev_zero_as_model(kestrel_bin):
    r = run(kestrel_bin, "mars", "predict", "--model", "/dev/zero", "--data",
            SAMPLE / "ozone1.csv", timeout=30)
    assert r.returncode == 1 and "/dev/zero: cannot read: a NUL byte" in r.stderr


def bad_model(tmp_path, mars_model, edit):
    d = json.loads(mars_model.read_text())
    text = edit(d)
    return write(tmp_path / "bad.json", text if isinstance(text, str) else json.dumps(text))


def test_deep_nesting_in_model(kestrel_bin, tmp_path, mars_model):
    # before: 100,000 nested '[' overflowed the stack (SIGSEGV)
    m = bad_model(tmp_path, mars_model, lambda d: '{"x": ' + "[" * 100000)
    r = predict(kestrel_bin, m)
    assert r.returncode == 1 and "nested more than 64 deep at character 71" in r.stderr


def test_repeated_key_in_model(kestrel_bin, tmp_path, mars_model):
    m = bad_model(tmp_path, mars_model,
                  lambda d: '{"coef": [1],' + json.dumps(d)[1:])
    r = predict(kestrel_bin, m)
    assert r.returncode == 1 and 'the key "coef" appears twice' in r.stderr


@pytest.mark.parametrize("key,value,message", [
    ("p", -1, '"p" must be an integer from 1 to 16777216'),
    ("p", 2.5, '"p" must be an integer'),
    ("p", 1e300, '"p" must be an integer'),
    ("ny", 0, '"ny" must be an integer from 1'),
    ("n", -5, '"n" must be an integer from 0'),
    ("family", 9, '"family" must be an integer from 0 to 2'),
    ("termcond", -1, '"termcond" must be an integer from 0 to 7'),
    ("selected", -3, '"selected" item 2 is -3'),
    ("selected", 1e30, '"selected" item 2 is 1e+30'),
    ("selected", 0.5, '"selected" item 2 is 0.5'),
    ("parents", "first", "expected '['"),
])
def test_bad_count_or_index_in_model(kestrel_bin, tmp_path, mars_model, key, value, message):
    def edit(d):
        if key == "selected":  # the second selected term's index
            d[key][1] = value
        else:
            d[key] = value
        return d
    m = bad_model(tmp_path, mars_model, edit)
    r = predict(kestrel_bin, m)
    assert r.returncode == 1 and f"{m}: mars JSON: " in r.stderr and message in r.stderr


@pytest.mark.parametrize("token", ["NaN", "Infinity", "-Infinity", "1e999", "0x10"])
def test_non_json_numbers_in_model(kestrel_bin, tmp_path, mars_model, token):
    m = bad_model(tmp_path, mars_model,
                  lambda d: json.dumps(d).replace('"penalty": 2', f'"penalty": {token}'))
    assert f'"penalty": {token}' in m.read_text()
    r = predict(kestrel_bin, m)
    assert r.returncode == 1 and "mars JSON: " in r.stderr and "at character" in r.stderr


def test_bad_factor_in_model(kestrel_bin, tmp_path, mars_model):
    def edit(d):
        d["terms"][1][0][0] = -2  # a predictor index
        return d
    r = predict(kestrel_bin, bad_model(tmp_path, mars_model, edit))
    assert r.returncode == 1 and '"predictor" must be an integer from 0' in r.stderr


def test_duplicate_predictor_names_in_model(kestrel_bin, tmp_path, mars_model):
    def edit(d):
        d["predictors"][1] = d["predictors"][0]
        return d
    r = predict(kestrel_bin, bad_model(tmp_path, mars_model, edit))
    name = json.loads(mars_model.read_text())["predictors"][0]
    assert r.returncode == 1 and f"predictor name '{name}' appears twice" in r.stderr


def test_predictor_count_mismatch_in_model(kestrel_bin, tmp_path, mars_model):
    r = predict(kestrel_bin, bad_model(tmp_path, mars_model,
                                       lambda d: {**d, "predictors": d["predictors"][:3]}))
    assert r.returncode == 1 and "3 predictor names for 9 predictors" in r.stderr


def test_fit_refuses_a_column_listed_twice(kestrel_bin, tmp_path):
    r = run(kestrel_bin, "mars", "fit", "--data", SAMPLE / "ozone1.csv", "--target", "O3",
            "--predictors", "temp,vh,temp")
    assert r.returncode == 2 and "column 'temp' is listed twice" in r.stderr


def test_python_round_trip_and_pickle_unchanged():
    import pickle

    from kestrel.mars import Earth
    df = pd.read_csv(SAMPLE / "ozone1.csv")
    X, y = df.drop(columns="O3"), df["O3"]
    m = Earth().fit(X, y)
    back = Earth.from_json(m.to_json())
    assert back.to_json() == m.to_json()
    np.testing.assert_array_equal(back.predict(X), m.predict(X))
    p = pickle.loads(pickle.dumps(m))
    np.testing.assert_array_equal(p.predict(X), m.predict(X))
    assert p.to_json() == m.to_json()


def test_header_only_data_for_predict(kestrel_bin, tmp_path, mars_model):
    cols = json.loads(mars_model.read_text())["predictors"]
    f = write(tmp_path / "h.csv", ",".join(cols) + "\n")
    r = run(kestrel_bin, "mars", "predict", "--model", mars_model, "--data", f)
    assert r.returncode == 0 and r.stdout == "O3\n"



# ---- the streaming reader of the genomic SEM commands (kestrel munge) ----

SIM = SAMPLE.parent / "tests" / "data" / "gsem" / "sim"


@pytest.fixture
def gwas_lines():
    import gzip
    with gzip.open(SIM / "raw" / "T1.txt.gz", "rb") as f:
        return [f.readline() for _ in range(200)]


def munge(kestrel_bin, path, out):
    return run(kestrel_bin, "munge", "--files", path, "--hm3", SIM / "w_hm3.snplist.gz",
               "--out-dir", out, "--trait-names", "T", timeout=30)


def test_munge_reads_cr_line_ends(kestrel_bin, tmp_path, gwas_lines):
    # before: a CR-only file was one line, and munge wrote 0 of 0 rows without a word
    import gzip
    lf = write(tmp_path / "lf.txt", b"".join(gwas_lines))
    cr = write(tmp_path / "cr.txt", b"".join(gwas_lines).replace(b"\n", b"\r"))
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    r1, r2 = munge(kestrel_bin, lf, tmp_path / "a"), munge(kestrel_bin, cr, tmp_path / "b")
    assert r1.returncode == 0 and r2.returncode == 0, r2.stderr
    assert "197 of 199 rows written" in r2.stdout
    assert (gzip.decompress((tmp_path / "a" / "T.sumstats.gz").read_bytes())
            == gzip.decompress((tmp_path / "b" / "T.sumstats.gz").read_bytes()))


def test_munge_refuses_a_nul_byte(kestrel_bin, tmp_path, gwas_lines):
    # before: the row with the NUL was cut short and silently dropped
    lines = list(gwas_lines)
    lines[8] = lines[8].replace(b"\t", b"\t\0", 1)  # line 9, at the start of field 2
    f = write(tmp_path / "nul.txt", b"".join(lines))
    r = munge(kestrel_bin, f, tmp_path)
    assert r.returncode == 1 and f"{f}:9:2: a NUL byte in the data" in r.stderr
    assert not (tmp_path / "T.sumstats.gz").exists()


def test_munge_refuses_dev_zero_and_a_directory(kestrel_bin, tmp_path):
    # before: /dev/zero hung (the buffer grew without end); a directory was "corrupt gzip"
    r = munge(kestrel_bin, "/dev/zero", tmp_path)
    assert r.returncode == 1 and "/dev/zero:1:1: a NUL byte in the data" in r.stderr
    r = munge(kestrel_bin, tmp_path, tmp_path)
    assert r.returncode == 1 and f"{tmp_path}: cannot open: Is a directory" in r.stderr


def test_ldsc_m_file_that_cannot_be_read_says_why(kestrel_bin, tmp_path, gwas_lines):
    # GenomicSEM ldsc's <chr>.l2.M_5_50: before, a directory there read as "no number", and a
    # missing one said only "cannot open"; (M files are read by the table layer's reader, whose
    # words for a directory are those of every other file: "cannot open: Is a directory")
    f = write(tmp_path / "t.txt", b"".join(gwas_lines))
    assert munge(kestrel_bin, f, tmp_path).returncode == 0
    ld = tmp_path / "ld"
    ld.mkdir()
    (ld / "1.l2.ldscore.gz").symlink_to(SIM / "ld" / "1.l2.ldscore.gz")
    args = [kestrel_bin, "ldsc", "--traits", tmp_path / "T.sumstats.gz", "--ld", ld, "--chr", "1",
            "--out", tmp_path / "out"]
    r = run(*args)
    assert r.returncode == 1
    assert f"{ld}/1.l2.M_5_50: cannot open: No such file or directory" in r.stderr
    (ld / "1.l2.M_5_50").mkdir()
    r = run(*args)
    assert r.returncode == 1 and f"{ld}/1.l2.M_5_50: cannot open: Is a directory" in r.stderr
