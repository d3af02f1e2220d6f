"""GenomicSEM's sumstats() in kestrel: against R GenomicSEM on the fixture (tests/data/gsem, see
PROVENANCE.md), and each rule on small files whose outputs are worked out here by hand from
GenomicSEM's sumstats_main.R rules (notes/genomicsem.md sec. 1.6)."""
import gzip
import math
import pathlib
import re
import subprocess

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from kestrel import KestrelError, gsem

G = pathlib.Path(__file__).resolve().parents[1] / "data" / "gsem"
TRAITS = ["T1", "T2", "T3", "T4", "T5"]
RAW = [G / "sim" / "raw" / f"{t}.txt.gz" for t in TRAITS]
REF = G / "sim" / "reference.snps.gz"
CALL = dict(trait_names=TRAITS, se_logit=[False] * 4 + [True], OLS=[True] * 4 + [False])
KESTREL = pathlib.Path(__file__).resolve().parents[2] / "build" / "kestrel"


@pytest.fixture(scope="module")
def merged():
    return gsem.sumstats(RAW, REF, **CALL)


def test_matches_r_genomicsem(merged):
    """The SNP set, its order and row count are R's; the first 2000 rows (stored with 17
    digits) agree to 1e-12 in every beta and SE, and exactly in the reference's columns."""
    n_r = int((G / "ref" / "sumstats_merged_nrow.txt").read_text())
    assert n_r == 58382 and len(merged) == n_r
    snps = pd.read_csv(G / "ref" / "sumstats_snps_R.txt.gz")["SNP"].to_numpy()
    assert np.array_equal(merged["SNP"].to_numpy(dtype=str), snps.astype(str))
    R = pd.read_csv(G / "ref" / "sumstats_merged_first2000.tsv.gz", sep="\t",
                    dtype={"A1": str, "A2": str})
    k = merged.iloc[:2000]
    assert list(merged.columns) == list(R.columns)
    for c in ["SNP", "A1", "A2", "CHR", "BP"]:
        assert np.array_equal(k[c].to_numpy(), R[c].to_numpy()), c
    assert np.array_equal(k["MAF"].to_numpy(), R["MAF"].to_numpy())
    for c in R.columns[6:]:
        rel = np.abs(k[c].to_numpy() - R[c].to_numpy()) / np.abs(R[c].to_numpy())
        assert rel.max() < 1e-12, (c, rel.max())


def r_log_counts():
    """Per file, the counts R's sumstats log reports."""
    text = (G / "ref" / "logs" / "T1_T2_T3_T4_T5_sumstats.log").read_text()
    out = []
    for block in text.split("Preparing summary statistics for file: ")[1:]:
        def count(pattern):
            m = re.search(r"(\d+) ?" + pattern, block)
            return int(m.group(1)) if m else 0
        out.append({
            "duplicated": count(r"rows were removed .* duplicated for rsID"),
            "not_in_ref": count(r"rows were removed .* not present in the reference"),
            "p_missing": count(r"rows were removed .* missing values in the P-value"),
            "effect_zero": count(r"rows were removed .* exactly 0"),
            "a1_mismatch": count(r"row\(s\) were removed .*effect allele \(A1\)"),
            "a2_mismatch": count(r"row\(s\) were removed .*other allele \(A2\)"),
            "info_low": count(r"rows were removed .* INFO values below"),
            "written": count(r"SNPs are left in the summary statistics file"),
            "effect_is_or": "determined to be coded as an odds ratio" in block,
        })
    return out


def test_counts_match_r_log(merged):
    reps = merged.attrs["reports"]
    for r, want in zip(reps, r_log_counts()):
        for key, v in want.items():
            assert r[key] == v, (r["trait"], key)
    assert [r["columns"]["SE"] for r in reps] == ["SE", "standard_error", "StdErr", "SE", "SE"]


def test_cli_writes_the_same_table(tmp_path, merged):
    out = tmp_path / "merged.tsv.gz"
    p = subprocess.run([str(KESTREL), "sumstats", "--files", ",".join(map(str, RAW)), "--ref",
                        str(REF), "--trait-names", ",".join(TRAITS), "--se-logit", "F,F,F,F,T",
                        "--ols", "T,T,T,T,F", "--out", str(out), "--threads", "2"],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert "58382 SNPs in every file" in p.stdout
    t = pd.read_csv(out, sep="\t", dtype={"A1": str, "A2": str})
    for c in merged.columns:
        assert np.array_equal(t[c].to_numpy(), merged[c].to_numpy()), c  # 17 digits round-trip
    log = (tmp_path / "T1_T2_T3_T4_T5_sumstats.log").read_text()
    assert "100 rows were removed from the" in log and "duplicated for rsID" in log
    assert "there are 58382 SNPs left" in log


# ---- the rules, on small files ------------------------------------------------------------

REF_TEXT = ("SNP CHR BP MAF A1 A2\n"
            "rs1 1 100 0.2 A G\n"
            "rs2 1 200 0.3 C T\n"
            "rs3 1 300 0.4 A T\n"   # strand-ambiguous
            "rs4 2 400 0.005 G A\n"  # below the MAF filter
            "rs5 2 500 0.5 T C\n")


def write(tmp_path, name, text):
    p = tmp_path / name
    with gzip.open(p, "wt") as f:
        f.write(text)
    return p


@pytest.fixture
def ref(tmp_path):
    return write(tmp_path, "ref.txt.gz", REF_TEXT)


def z_of(p):
    return norm.isf(p / 2)


def logistic(b, v):
    return math.pow(b * b * v + math.pi ** 2 / 3, 0.5)


def test_odds_ratio_default_transformation(tmp_path, ref):
    """OR with the SE of the OR: beta = log(OR) / d, SE = (SE / exp(beta)) / d with
    d = sqrt(beta^2 varSNP + pi^2 / 3), after the flip to the reference A1 (so exp() sees the
    flipped log OR, as in R); varSNP from the file's folded MAF."""
    f = write(tmp_path, "t.txt", "SNP A1 A2 OR SE P MAF\n"
              "rs1 A G 1.2 0.05 0.01 0.3\n"
              "rs2 T C 1.1 0.04 0.2 0.8\n"     # reported against the other allele: flipped
              "rs5 T C 0.9 0.03 0.5 0.5\n")
    d = gsem.sumstats([f], ref, trait_names=["t"], se_logit=[False])
    assert list(d["SNP"]) == ["rs1", "rs2", "rs5"]
    r = d.attrs["reports"][0]
    assert r["effect_is_or"] and r["written"] == 3
    for snp, orr, se, maf, flip in [("rs1", 1.2, 0.05, 0.3, 1), ("rs2", 1.1, 0.04, 0.2, -1),
                                    ("rs5", 0.9, 0.03, 0.5, 1)]:
        b = flip * math.log(orr)
        v = 2 * maf * (1 - maf)
        row = d[d.SNP == snp].iloc[0]
        assert row["beta.t"] == pytest.approx(b / logistic(b, v), rel=1e-15)
        assert row["se.t"] == pytest.approx((se / math.exp(b)) / logistic(b, v), rel=1e-15)


def test_se_logit_linprob_and_ols(tmp_path, ref):
    f = write(tmp_path, "t.txt", "SNP A1 A2 BETA SE P N\n"
              "rs1 A G 0.05 0.02 0.01 1000\n"
              "rs2 C T -0.03 0.02 0.2 2000\n")
    v = {"rs1": 2 * 0.2 * 0.8, "rs2": 2 * 0.3 * 0.7}  # the reference's MAF: no MAF column
    d = gsem.sumstats([f] * 3, ref, trait_names=["logit", "lin", "ols"],
                      se_logit=[True, False, False], linprob=[False, True, False],
                      OLS=[False, False, True])
    for snp, b, se, p, n in [("rs1", 0.05, 0.02, 0.01, 1000), ("rs2", -0.03, 0.02, 0.2, 2000)]:
        row = d[d.SNP == snp].iloc[0]
        assert row["beta.logit"] == pytest.approx(b / logistic(b, v[snp]), rel=1e-15)
        assert row["se.logit"] == pytest.approx(se / logistic(b, v[snp]), rel=1e-15)
        z = math.copysign(z_of(p), b)
        bl, sl = z / math.sqrt(n / 4 * v[snp]), 1 / math.sqrt(n / 4 * v[snp])
        assert row["beta.lin"] == pytest.approx(bl / logistic(bl, v[snp]), rel=1e-13)
        assert row["se.lin"] == pytest.approx(sl / logistic(bl, v[snp]), rel=1e-15)
        assert row["beta.ols"] == pytest.approx(z / math.sqrt(n * v[snp]), rel=1e-13)
        assert row["se.ols"] == pytest.approx(1 / math.sqrt(n * v[snp]), rel=1e-13)


def test_ols_tiny_p_n_override_betas_and_p_out_of_range(tmp_path, ref):
    """P below 1e-307 gives GenomicSEM's Z = sqrt(-2 log P), from the text (1e-400 is not 0);
    P above 1 gives NaN, which R's na.omit removes; N given replaces the column; betas=True
    keeps the effect (already standardized) and SE = |beta / Z|."""
    f = write(tmp_path, "t.txt", "SNP A1 A2 BETA P N\n"
              "rs1 A G 0.5 1e-400 10\n"
              "rs2 C T 0.1 1.5 10\n"
              "rs5 T C -0.2 0.04 10\n")
    d = gsem.sumstats([f, f], ref, trait_names=["a", "b"], se_logit=[False, False],
                      OLS=[True, True], betas=[False, True], N=[5000, None])
    r = d.attrs["reports"][0]
    assert r["not_finite"] == 1 and list(d["SNP"]) == ["rs1", "rs5"]
    z1 = math.sqrt(-2 * -400 * math.log(10))
    assert d["beta.a"][0] == pytest.approx(z1 / math.sqrt(5000 * 0.32), rel=1e-14)
    assert d["beta.b"][0] == 0.5 and d["se.b"][0] == pytest.approx(0.5 / z1, rel=1e-14)
    assert d["beta.a"][1] == pytest.approx(-z_of(0.04) / math.sqrt(5000 * 0.5), rel=1e-13)


def test_duplicates_maf_info_and_alleles(tmp_path, ref):
    """Every copy of a repeated rsID goes; the file's MAF of 0, 1 or NA removes the row; INFO
    below the filter or missing; alleles that match neither reference allele; the reference's
    MAF filter; NA alleles."""
    f = write(tmp_path, "t.txt", "SNP A1 A2 BETA SE P N MAF INFO\n"
              "rs1 A G 0.1 0.1 0.5 100 0.2 0.9\n"
              "rs1 A G 0.1 0.1 0.5 100 0.2 0.9\n"
              "rs1 A G 0.1 0.1 0.5 100 0.2 0.9\n"
              "rs2 C T 0.1 0.1 0.5 100 1 0.9\n"
              "rs3 A T 0.1 0.1 0.5 100 0.4 0.5\n"
              "rs4 G A 0.1 0.1 0.5 100 0.3 0.9\n"
              "rs5 A C 0.1 0.1 0.5 100 0.3 0.9\n"
              "rs6 A C 0.1 0.1 0.5 100 0.3 0.9\n")
    d = gsem.sumstats([f], ref, trait_names=["t"], se_logit=[False], OLS=[True])
    r = d.attrs["reports"][0]
    assert (r["duplicated"], r["not_in_ref"], r["maf_invalid"], r["info_low"],
            r["a1_mismatch"], r["written"]) == (3, 2, 1, 1, 1, 0)
    assert len(d) == 0
    g = write(tmp_path, "u.txt", "SNP A1 A2 BETA SE P N MAF INFO\n"
              "rs1 A G 0.1 0.1 0.5 100 0.2 NA\n"
              "rs2 C NA 0.1 0.1 0.5 100 0.3 0.9\n"
              "rs5 C T 0.1 0.1 0.5 100 NA 0.9\n")
    r = gsem.sumstats([g], ref, trait_names=["u"], se_logit=[False], OLS=[True]).attrs["reports"][0]
    # rs2's missing A2 makes R's A2 test NA, and subset() drops an NA row
    assert (r["info_missing"], r["a2_mismatch"], r["maf_invalid"], r["written"]) == (1, 1, 1, 0)


def test_ambig_keep_indel_and_direction(tmp_path, ref):
    f = write(tmp_path, "t.txt", "SNP A1 A2 BETA SE P N DIRECTION\n"
              "rs1 A G 0.1 0.1 0.5 100 ++?\n"
              "rs2 C T 0.1 0.1 0.5 100 ??+\n"
              "rs3 A T 0.1 0.1 0.5 100 +++\n")
    base = dict(trait_names=["t"], se_logit=[False], OLS=[True])
    assert list(gsem.sumstats([f], ref, **base)["SNP"]) == ["rs1", "rs2", "rs3"]
    assert list(gsem.sumstats([f], ref, ambig=True, **base)["SNP"]) == ["rs1", "rs2"]
    d = gsem.sumstats([f], ref, direct_filter=True, **base)
    assert list(d["SNP"]) == ["rs1", "rs3"] and d.attrs["reports"][0]["direction_low"] == 1
    r2 = write(tmp_path, "r2.txt", "SNP CHR BP MAF A1 A2\nrs1 1 1 0.2 AT A\nrs2 1 2 0.2 C T\n")
    g = write(tmp_path, "g.txt", "SNP A1 A2 BETA SE P N\nrs1 at a 0.1 0.1 0.5 100\n"
              "rs2 C T 0.1 0.1 0.5 100\n")
    assert list(gsem.sumstats([g], r2, **base)["SNP"]) == ["rs2"]
    assert list(gsem.sumstats([g], r2, keep_indel=True, **base)["SNP"]) == ["rs1", "rs2"]


def test_bad_input(tmp_path, ref):
    base = dict(trait_names=["t"], se_logit=[False])
    f = write(tmp_path, "t.txt", "SNP A1 A2 OR P N\nrs1 A G 1.1 0.5 100\n")
    with pytest.raises(KestrelError, match=r"t.txt:1: no SE \(standard error\) column"):
        gsem.sumstats([f], ref, **base)
    with pytest.raises(KestrelError, match=r"g.txt:1: no N \(sample size\) column"):
        g = write(tmp_path, "g.txt", "SNP A1 A2 BETA P\nrs1 A G 0.1 0.5\n")
        gsem.sumstats([g], ref, trait_names=["t"], se_logit=[False], OLS=[True])
    h = write(tmp_path, "h.txt", "SNP A1 A2 BETA SE P N\nrs1 A G 0.1 0.1 0.5 100\n"
              "rs2 C T 0.1 x 0.5 100\n")
    with pytest.raises(KestrelError, match=r"h.txt:3:5: 'x' is not a number in column SE"):
        gsem.sumstats([h], ref, **base)
    dup = write(tmp_path, "dup.txt", "SNP CHR BP MAF A1 A2\nrs1 1 1 0.2 A G\nrs1 1 2 0.3 A G\n")
    with pytest.raises(KestrelError, match=r"dup.txt:3: SNP rs1 is listed again \(first on line 2\)"):
        gsem.sumstats([h], dup, **base)
    with pytest.raises(ValueError, match="se_logit"):
        gsem.sumstats([h], ref, trait_names=["t"])
    # a truncated gzip: an error, and no output file
    full = gzip.compress(("SNP A1 A2 BETA SE P N\n" + "rs1 A G 0.1 0.1 0.5 100\n" * 20000).encode())
    cut = tmp_path / "cut.txt.gz"
    cut.write_bytes(full[: len(full) // 2])
    out = tmp_path / "out.tsv"
    with pytest.raises(KestrelError, match="cut.txt.gz"):
        gsem.sumstats([cut], ref, out=out, **base)
    assert not out.exists() and not list(tmp_path.glob("out.tsv*"))
    with pytest.raises(KestrelError, match="empty"):
        gsem.sumstats([write(tmp_path, "e.txt", "")], ref, **base)
