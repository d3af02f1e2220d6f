"""kestrel.gsem.munge on hand-made files: every synonym set, CRLF, a truncated gzip, columns all
NA, P outside [0, 1], N missing, P below the double range, bad cells, and a caller's column
names. Expected values are worked out by hand from GenomicSEM's rules (notes sec. 1.4) or from
scipy (Z = norm.isf(P / 2))."""
import gzip
import os

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from kestrel import KestrelError, gsem

REF = "SNP A1 A2\nrs1 A G\nrs2 C T\nrs3 A T\nrs4 G C\nrs5 T C\n"


@pytest.fixture
def ref(tmp_path):
    p = tmp_path / "hm3.snplist"
    p.write_text(REF)
    return p


def write(tmp_path, name, text, gz=True):
    p = tmp_path / name
    if gz:
        with gzip.open(p, "wt", newline="") as f:
            f.write(text)
    else:
        p.write_text(text, newline="")
    return p


def out(tmp_path, name):
    return pd.read_csv(tmp_path / "out" / f"{name}.sumstats.gz", sep="\t",
                       dtype={"A1": str, "A2": str})


BASIC = ("rs1 A G 0.1 0.01 100 0.3 0.95\n"
         "rs2 T C -0.2 0.5 100 0.6 0.99\n"   # flipped: reference A1 is C
         "rs3 A T 0.05 1e-400 100 0.2 0.91\n"  # P below the double range
         "rs9 A G 0.1 0.2 100 0.3 0.95\n")     # not in the reference


@pytest.mark.parametrize("names", [
    "SNP A1 A2 BETA P N MAF INFO", "snpid allele1 allele2 b pval n freq1 impinfo",
    "RSID EFFECT_ALLELE OTHER_ALLELE LOG_ODDS P_VALUE TOTALN EAF INFO",
    "MarkerName EA NEA Effect P-value SampleSize A1FREQ INFO",
    "variant_id inc_allele dec_allele est gc_pvalue neff ceuaf info",
    "rs_id reference_allele alt beta1 wald_p n_complete_samples effect_allele_freq info",
    "id a1 allele0 signed_sumstat p.value weight maf info",
    "predictor ea oa effects pvalue sumneff freq.a1 info",
])
def test_synonyms(tmp_path, ref, names):
    f = write(tmp_path, "t.txt.gz", names + "\n" + BASIC)
    (r,) = gsem.munge([f], ref, trait_names=["t"], out_dir=tmp_path / "out")
    assert r["rows"] == 4 and r["not_in_ref"] == 1 and r["written"] == 3
    d = out(tmp_path, "t")
    assert list(d.SNP) == ["rs1", "rs2", "rs3"]
    assert list(d.A1) == ["A", "C", "A"] and list(d.A2) == ["G", "T", "T"]
    z = d.Z.values
    assert z[0] == pytest.approx(norm.isf(0.01 / 2), rel=1e-14)
    assert z[1] == pytest.approx(+norm.isf(0.5 / 2), rel=1e-14)  # -0.2 flipped to C
    # P = 1e-400: |Z| from log P, sqrt(2 log(1/P)) corrected: scipy cannot, so check the
    # defining relation through the asymptotic tail log(2 Q(z)) = log P to 1e-12
    zz = z[2]
    logq = norm.logsf(zz) + np.log(2)
    assert logq == pytest.approx(-400 * np.log(10), rel=1e-12)


def test_crlf_and_plain(tmp_path, ref):
    f = write(tmp_path, "t.txt", ("SNP A1 A2 BETA P N\n" + BASIC.replace(" 0.3 0.95", "")
                                  .replace(" 0.6 0.99", "").replace(" 0.2 0.91", ""))
              .replace("\n", "\r\n"), gz=False)
    (r,) = gsem.munge([f], ref, trait_names=["t"], out_dir=tmp_path / "out")
    assert r["written"] == 3 and "MAF" not in r["columns"]


def test_truncated_gzip_leaves_nothing(tmp_path, ref):
    body = "SNP A1 A2 BETA P N\n" + "".join(f"rs1 A G 0.1 0.{i % 9 + 1} 100\n" for i in range(50000))
    good = write(tmp_path, "good.txt.gz", body)
    raw = good.read_bytes()
    bad = tmp_path / "bad.txt.gz"
    bad.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(KestrelError, match="bad.txt.gz"):
        gsem.munge([good, bad], ref, trait_names=["good", "bad"], out_dir=tmp_path / "out")
    assert not any((tmp_path / "out").iterdir())  # neither output, nor a temporary file


def test_all_na_column_and_p_range(tmp_path, ref):
    f = write(tmp_path, "t.txt.gz", "SNP A1 A2 BETA P N INFO\n"
              "rs1 A G 0.1 0.01 100 NA\nrs2 T C 0.1 1.5 100 NA\nrs4 G C 0.1 -0.1 100 NA\n"
              "rs5 T C 0.1 . 100 NA\n")
    (r,) = gsem.munge([f], ref, trait_names=["t"], out_dir=tmp_path / "out")
    assert r["p_missing"] == 1 and r["p_out_of_range"] == 2 and r["info_missing"] == 1
    assert r["written"] == 0


def test_n_missing_and_override(tmp_path, ref):
    f = write(tmp_path, "t.txt.gz", "SNP A1 A2 BETA P\nrs1 A G 0.1 0.01\n")
    with pytest.raises(KestrelError, match=r"t.txt.gz:1: no N \(sample size\) column and no N given"):
        gsem.munge([f], ref, out_dir=tmp_path / "out")
    (r,) = gsem.munge([f], ref, trait_names=["t"], N=5e5, out_dir=tmp_path / "out")
    d = gzip.open(tmp_path / "out" / "t.sumstats.gz", "rt").read().splitlines()
    assert d[1].split("\t")[1] == "5e+05"  # as R writes it


def test_bad_cell_and_columns(tmp_path, ref):
    f = write(tmp_path, "t.txt.gz", "SNP A1 A2 BETA P N\nrs1 A G 0.1 0.01 100\nrs2 T C x 0.5 100\n")
    with pytest.raises(KestrelError, match=r"t.txt.gz:3:4: 'x' is not a number in column effect"):
        gsem.munge([f], ref, out_dir=tmp_path / "out")
    f2 = write(tmp_path, "u.txt.gz", "MYSNP A1 A2 MYEFF P N\nrs1 A G 0.1 0.01 100\n")
    with pytest.raises(KestrelError, match="no SNP"):
        gsem.munge([f2], ref, out_dir=tmp_path / "out")
    (r,) = gsem.munge([f2], ref, trait_names=["u"], out_dir=tmp_path / "out",
                      column_names={"SNP": "mysnp", "effect": "MYEFF"})
    assert r["written"] == 1 and r["columns"]["SNP"] == "MYSNP"
    f3 = write(tmp_path, "v.txt.gz", "SNP A1 A2 BETA P N\nrs1 A G 0.1 0.01 100 7\n")
    with pytest.raises(KestrelError, match=r"v.txt.gz:2: 7 fields, more than the header's 6"):
        gsem.munge([f3], ref, out_dir=tmp_path / "out")


def test_odds_ratio_and_alleles(tmp_path, ref):
    """OR by the median rule; an indel and a strand flip are dropped, an ambiguous SNP kept."""
    f = write(tmp_path, "t.txt.gz", "SNP A1 A2 OR P N\n"
              "rs1 A G 1.2 0.01 100\n"      # kept
              "rs2 AT C 0.9 0.1 100\n"      # indel: A1 NA
              "rs3 T A 0.8 0.2 100\n"       # ambiguous A/T, flipped to reference A
              "rs4 C G 1.1 0.3 100\n"       # reference G C, flipped
              "rs5 A G 1.0 0.4 100\n")      # strand flip of T C: dropped
    (r,) = gsem.munge([f], ref, trait_names=["t"], out_dir=tmp_path / "out")
    assert r["effect_is_or"]
    d = out(tmp_path, "t")
    assert list(d.SNP) == ["rs1", "rs3", "rs4"]
    assert np.sign(d.Z.values).tolist() == [1.0, 1.0, -1.0]
    assert r["a1_mismatch"] + r["a2_mismatch"] == 2


def test_threads_give_the_same_files(tmp_path, ref):
    f = [write(tmp_path, f"t{i}.txt.gz", "SNP A1 A2 BETA P N\n" + BASIC.replace(" 0.3 0.95", "")
               .replace(" 0.6 0.99", "").replace(" 0.2 0.91", "")) for i in range(4)]
    gsem.munge(f, ref, out_dir=tmp_path / "a", threads=1)
    gsem.munge(f, ref, out_dir=tmp_path / "b", threads=2)
    for i in range(4):
        assert (gzip.open(tmp_path / "a" / f"t{i}.sumstats.gz").read()
                == gzip.open(tmp_path / "b" / f"t{i}.sumstats.gz").read())


@pytest.mark.parametrize("mask", [0o022, 0o077])
def test_output_permissions_follow_umask(tmp_path, ref, mask):
    """Outputs are written through a temporary file (mkstemp's mode is 0600), then given the
    mode a plain open() would: 0666 less the umask."""
    f = write(tmp_path, "t.txt", "SNP A1 A2 BETA P N\n" + "".join(
        " ".join(row.split()[:5] + ["100"]) + "\n" for row in BASIC.splitlines()))
    old = os.umask(mask)
    try:
        gsem.munge([f], ref, trait_names=["t"], out_dir=tmp_path / "out")
    finally:
        os.umask(old)
    assert (tmp_path / "out" / "t.sumstats.gz").stat().st_mode & 0o777 == 0o666 & ~mask
    assert len(out(tmp_path, "t")) == 3


def test_mode_names_are_the_librarys(tmp_path, ref):
    """mode takes the words ks_gsem_munge_mode_value accepts, and its error lists them."""
    from _kestrel import _core
    f = write(tmp_path, "t.txt.gz", "SNP A1 A2 BETA P N\n" + "rs1 A G 0.1 0.01 100\n")
    with pytest.raises(KestrelError, match="'genomicsem', 'ldsc'"):
        gsem.munge([f], ref, mode="LDSC", out_dir=tmp_path / "out")
    assert not (tmp_path / "out").exists()
    assert [_core.enum_name("gsem_munge_mode", v) for v in (0, 1)] == ["genomicsem", "ldsc"]
    (r,) = gsem.munge([f], ref, mode="genomicsem", trait_names=["t"], out_dir=tmp_path / "out")
    assert r["written"] == 1
