"""Hostile input to the multivariate GWAS (kestrel.gsem.userGWAS / commonfactorGWAS, `kestrel
gwas` / `commonfactorgwas`): a SNP table that is not one (a cell not a number, a short row, a
column named twice, a trait's column missing, a truncated gzip) is an error naming the file and
the line or column, and leaves no output; a SNP with values no fit can use (MAF 0 or 1, an SE of
0, a missing beta) is flagged in its row and the run goes on; trait names that break R (SNPx,
se.T3) work. Run with method "gls" (the closed form), which reads and writes exactly as "sem"."""
import gzip
import pathlib
import subprocess

import numpy as np
import pandas as pd
import pytest

from kestrel import KestrelError, gsem

pytestmark = pytest.mark.hostile

G = pathlib.Path(__file__).resolve().parents[1] / "data" / "gsem" / "ref"
MODEL = "F1 =~ NA*T1 + T2 + T3 + T4 + T5\nF1 ~~ 1*F1\nF1 ~ SNP"


@pytest.fixture(scope="module")
def cov():
    read = lambda n: pd.read_csv(G / n, sep="\t", index_col=0)
    return gsem.covstruc(S=read("ldsc_S.tsv"), V=read("ldsc_V.tsv"), I=read("ldsc_I.tsv"))


@pytest.fixture(scope="module")
def lines():
    with gzip.open(G / "sumstats_merged_first2000.tsv.gz", "rt") as f:
        return f.read().splitlines()[:301]


def table(tmp_path, lines, name="snps.tsv"):
    p = tmp_path / name
    p.write_text("\n".join(lines) + "\n")
    return p


def fails(cov, path, *needles, model=MODEL):
    with pytest.raises(KestrelError) as e:
        gsem.userGWAS(cov, path, model, method="gls")
    msg = str(e.value)
    assert all(n in msg for n in needles), msg
    return msg


def test_cell_not_a_number_names_line_and_column(cov, lines, tmp_path):
    bad = list(lines)
    f = bad[200].split("\t")
    f[8] = "0.1x"
    bad[200] = "\t".join(f)
    fails(cov, table(tmp_path, bad), "snps.tsv", "201", "beta.T2")


def test_short_row_names_its_line(cov, lines, tmp_path):
    bad = list(lines)
    bad[150] = "\t".join(bad[150].split("\t")[:-2])
    fails(cov, table(tmp_path, bad), "snps.tsv", "151")


def test_column_named_twice_or_missing(cov, lines, tmp_path):
    head = lines[0].split("\t")
    twice = [lines[0] + "\tse.T1"] + [x + "\t0.1" for x in lines[1:]]
    fails(cov, table(tmp_path, twice, "twice.tsv"), "twice.tsv", "se.T1")
    drop = head.index("beta.T4")
    gone = ["\t".join(c for i, c in enumerate(x.split("\t")) if i != drop) for x in lines]
    fails(cov, table(tmp_path, gone, "gone.tsv"), "gone.tsv", "beta.T4")
    nomaf = ["\t".join(c for i, c in enumerate(x.split("\t")) if i != head.index("MAF"))
             for x in lines]
    fails(cov, table(tmp_path, nomaf, "nomaf.tsv"), "nomaf.tsv", "MAF")


def test_truncated_gzip(cov, lines, tmp_path):
    data = gzip.compress(("\n".join(lines) + "\n").encode())
    p = tmp_path / "cut.tsv.gz"
    p.write_bytes(data[: len(data) // 2])
    fails(cov, p, "cut.tsv.gz")


def test_header_only_gives_no_rows(cov, lines, tmp_path):
    df = gsem.userGWAS(cov, table(tmp_path, lines[:1]), MODEL, method="gls")
    assert len(df) == 0 and "est" in df.columns


@pytest.mark.parametrize("col,value,why", [("MAF", "0", "MAF"), ("MAF", "1", "MAF"),
                                           ("MAF", "NA", ""), ("se.T3", "0", "SE"),
                                           ("se.T3", "-0.01", "SE"), ("beta.T5", "NA", "")])
def test_unusable_snp_is_flagged_not_dropped(cov, lines, tmp_path, col, value, why):
    bad = list(lines)
    head = bad[0].split("\t")
    f = bad[10].split("\t")
    f[head.index(col)] = value
    bad[10] = "\t".join(f)
    df = gsem.userGWAS(cov, table(tmp_path, bad), MODEL, method="gls")
    assert len(df) == 300
    row = df.iloc[9]
    assert row.error != "0" and why.lower() in row.error.lower() and np.isnan(row.est)
    assert (df.drop(index=9).error == "0").all()
    cf = gsem.commonfactorGWAS(cov, table(tmp_path, bad), method="gls")
    assert cf.iloc[9].fail != "0" and np.isnan(cf.iloc[9].est) and len(cf) == 300


def test_failed_run_leaves_the_earlier_output(kestrel_bin, cov, lines, tmp_path):
    c = tmp_path / "c.txt"
    cov.save(c)
    out = tmp_path / "out.tsv"
    out.write_text("earlier\n")
    bad = list(lines)
    f = bad[299].split("\t")
    f[6] = "x"  # beta.T1 of the last SNP: the run fails after writing every other row
    bad[299] = "\t".join(f)
    r = subprocess.run([kestrel_bin, "gwas", "--ldsc", str(c), "--snps",
                        str(table(tmp_path, bad)), "--model", MODEL, "--method", "gls", "--out",
                        str(out)], capture_output=True, text=True)
    assert r.returncode == 1 and "snps.tsv" in r.stderr, r.stderr
    assert out.read_text() == "earlier\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.txt", "out.tsv", "snps.tsv"]


def test_bad_covstruc_and_model_from_the_shell(kestrel_bin, cov, lines, tmp_path):
    c = tmp_path / "c.txt"
    cov.save(c)
    cut = tmp_path / "cut.txt"
    cut.write_text("\n".join(c.read_text().splitlines()[:8]) + "\n")
    snps = table(tmp_path, lines)
    base = [kestrel_bin, "gwas", "--snps", str(snps), "--method", "gls", "--out",
            str(tmp_path / "o.tsv")]
    r = subprocess.run(base + ["--ldsc", str(cut), "--model", MODEL], capture_output=True,
                       text=True)
    assert r.returncode == 1 and "cut.txt" in r.stderr, r.stderr
    r = subprocess.run(base + ["--ldsc", str(c), "--model", "F1 =~ T1 + T2 + Q9\nF1 ~ SNP"],
                       capture_output=True, text=True)
    assert r.returncode == 1 and "Q9" in r.stderr, r.stderr
    r = subprocess.run(base + ["--ldsc", str(c)], capture_output=True, text=True)
    assert r.returncode == 2 and "--model" in r.stderr, r.stderr
    assert not (tmp_path / "o.tsv").exists()


def test_trait_names_that_break_r(cov, lines, tmp_path):
    """Traits named SNPx (GenomicSEM drops every model line containing "SNP") and se.T3 (its
    grep for "se." pairs the wrong columns) are read by their exact names here."""
    names = ["SNPx", "T2", "se.T3", "T4", "T5"]
    d = cov.details
    renamed = gsem.covstruc(S=d["S"], V=d["V"], I=d["I"], names=names)
    rename = {"beta.T1": "beta.SNPx", "se.T1": "se.SNPx", "beta.T3": "beta.se.T3",
              "se.T3": "se.se.T3"}
    head = "\t".join(rename.get(c, c) for c in lines[0].split("\t"))
    p = table(tmp_path, [head] + lines[1:])
    model = "F1 =~ NA*SNPx + T2 + se.T3 + T4 + T5\nF1 ~~ 1*F1\nF1 ~ SNP"
    got = gsem.userGWAS(renamed, p, model, method="gls")
    want = gsem.userGWAS(cov, table(tmp_path, lines, "plain.tsv"), MODEL, method="gls")
    np.testing.assert_array_equal(got.est.values, want.est.values)
    np.testing.assert_array_equal(got.SE.values, want.SE.values)
