"""kestrel.gsem.userGWAS / commonfactorGWAS and `kestrel gwas` / `kestrel commonfactorgwas`: the
shapes and R's columns, sub, chunks that concatenate to the whole run, thread counts that give
the same rows, the file and in-memory outputs agreeing, and bad input. Mostly run with method
"gls" (the analytic path, in closed form); the SEM path (gwas_sem.c, whose numbers are tested
with it in tests/c/test_gwas_sem.c) is smoke-tested here through the front ends."""
import gzip
import pathlib
import subprocess

import numpy as np
import pandas as pd
import pytest

from kestrel import KestrelError, gsem

G = pathlib.Path(__file__).resolve().parents[1] / "data" / "gsem" / "ref"
SNPS = G / "sumstats_merged_first2000.tsv.gz"
MODEL = "F1 =~ NA*T1 + T2 + T3 + T4 + T5\nF1 ~~ 1*F1\nF1 ~ SNP"
USER_COLS = ["SNP", "CHR", "BP", "MAF", "A1", "A2", "lhs", "op", "rhs", "free", "label", "est",
             "SE", "Z_Estimate", "Pval_Estimate", "chisq", "chisq_df", "chisq_pval", "AIC",
             "error", "warning"]
CF_COLS = ["SNP", "CHR", "BP", "MAF", "A1", "A2", "i", "lhs", "op", "rhs", "est", "se_c",
           "Z_Estimate", "Pval_Estimate", "Q", "Q_df", "Q_pval", "fail", "warning"]


@pytest.fixture(scope="module")
def cov():
    read = lambda n: pd.read_csv(G / n, sep="\t", index_col=0)
    return gsem.covstruc(S=read("ldsc_S.tsv"), V=read("ldsc_V.tsv"), I=read("ldsc_I.tsv"))


@pytest.fixture(scope="module")
def whole(cov):
    return gsem.userGWAS(cov, SNPS, MODEL, method="gls", Q_SNP=True)


def test_user_columns_and_rows(whole):
    assert list(whole.columns) == USER_COLS[:19] + ["Q_SNP", "Q_SNP_df", "Q_SNP_pval",
                                                    "error", "warning"]
    assert len(whole) == 2000 and (whole.lhs + whole.op + whole.rhs == "F1~SNP").all()
    assert whole.CHR.dtype == np.int64 and whole.free.dtype == np.int64
    assert (whole.error == "0").all() and (whole.Q_SNP_df == 4).all()
    np.testing.assert_allclose(whole.Z_Estimate, whole.est / whole.SE, rtol=1e-15)


def test_against_r_within_the_analytic_paths_distance(whole):
    """The GLS on the no-SNP model's loadings against R's userGWAS (lavaan per SNP): estimates
    1e-6 absolute (R's optimizer floor) and SEs 3.4e-4 relative (the SNP variance's share that
    the closed form leaves out: notes sec. 1.8)."""
    ref = pd.read_csv(G / "userGWAS_F1~SNP_first200.tsv", sep="\t")
    mine = whole.iloc[:200]
    assert (mine.SNP.values == ref.SNP.values).all()
    assert np.abs(mine.est.values - ref.est.values).max() < 2e-6
    assert np.abs(mine.SE.values / ref.SE.values - 1).max() < 4e-4
    assert np.abs(mine.Q_SNP.values / ref.Q_SNP.values - 1).max() < 1e-5


def test_file_and_memory_agree(cov, whole, tmp_path):
    out = tmp_path / "u.tsv.gz"
    run = gsem.userGWAS(cov, SNPS, MODEL, method="gls", Q_SNP=True, out=out)
    assert isinstance(run, gsem.GwasResult) and run.snps == 2000 and run.failed == 0
    f = pd.read_csv(out, sep="\t", keep_default_na=False, na_values=["NA"],
                    dtype={"error": str, "warning": str, "label": str})
    assert list(f.columns) == list(whole.columns)
    for c in ("est", "SE", "Q_SNP", "Pval_Estimate"):
        np.testing.assert_allclose(f[c], whole[c], rtol=1e-14)  # (R's 15 digits in the file)


def test_list_shapes(cov, whole):
    per_snp = gsem.userGWAS(cov, SNPS, MODEL, method="gls", as_list=True)
    assert len(per_snp) == 2000 and per_snp[3].SNP[0] == whole.SNP[3]
    two = "F1 =~ NA*T1 + T2 + T3\nF2 =~ NA*T4 + T5\nF1 ~~ 1*F1\nF2 ~~ 1*F2\nF1 + F2 ~ SNP"
    sub = gsem.userGWAS(cov, SNPS, two, method="gls", sub=["F2 ~ SNP", "F1~SNP"])
    assert [len(s) for s in sub] == [2000, 2000]
    assert (sub[0].lhs == "F2").all() and (sub[1].lhs == "F1").all()
    assert list(sub[0].columns) == USER_COLS


def test_commonfactor_shape(cov):
    cf = gsem.commonfactorGWAS(cov, SNPS, method="gls")
    assert list(cf.columns) == CF_COLS and len(cf) == 2000
    assert (cf.i.values == np.arange(1, 2001)).all() and (cf.Q_df == 4).all()



def test_chunks_concatenate_and_threads_agree(cov, whole):
    parts = [gsem.userGWAS(cov, SNPS, MODEL, method="gls", Q_SNP=True, chunk=f"{i}/3")
             for i in (1, 2, 3)]
    cat = pd.concat(parts, ignore_index=True)
    pd.testing.assert_frame_equal(cat, whole)
    one = gsem.userGWAS(cov, SNPS, MODEL, method="gls", Q_SNP=True, threads=1)
    pd.testing.assert_frame_equal(one, whole)


def test_sumstats_handle_and_changed_frame(cov, whole, tmp_path):
    """A DataFrame read from the SNP table (no handle) gives the same rows; so does a changed
    copy of a sumstats result, read from the frame, not from a stale handle."""
    df = pd.read_csv(SNPS, sep="\t")
    got = gsem.userGWAS(cov, df, MODEL, method="gls", Q_SNP=True)
    pd.testing.assert_frame_equal(got, whole)
    head = gsem.userGWAS(cov, df.head(10), MODEL, method="gls")
    assert len(head) == 10


def test_covstruc_from_file(cov, whole, tmp_path):
    p = tmp_path / "c.txt"
    cov.save(p)
    got = gsem.userGWAS(p, SNPS, MODEL, method="gls", Q_SNP=True)
    pd.testing.assert_frame_equal(got, whole)


def test_bad_input(cov, tmp_path):
    bad = tmp_path / "bad.tsv"
    pd.read_csv(SNPS, sep="\t").drop(columns=["se.T3"]).head(5).to_csv(bad, sep="\t", index=False)
    with pytest.raises(KestrelError, match="se.T3"):
        gsem.userGWAS(cov, bad, MODEL, method="gls")
    with pytest.raises(KestrelError, match="T9"):
        gsem.userGWAS(cov, SNPS, "F1 =~ T1 + T2 + T9\nF1 ~ SNP", method="gls")
    with pytest.raises(KestrelError):
        gsem.userGWAS(cov, SNPS, "F1 =~ T1 + + T2\nF1 ~ SNP", method="gls")
    with pytest.raises(KestrelError, match="not regressed on SNP"):
        gsem.userGWAS(cov, SNPS, "F1 =~ T1 + T2 + T3 + T4 + T5", method="gls")
    with pytest.raises(KestrelError, match="sub"):
        gsem.userGWAS(cov, SNPS, MODEL, method="gls", sub=["F9~SNP"])
    for c in ("0/3", "4/3", "a/b", "1-3"):
        with pytest.raises(ValueError, match="chunk"):
            gsem.userGWAS(cov, SNPS, MODEL, method="gls", chunk=c)
    with pytest.raises(KestrelError, match="GC"):
        gsem.userGWAS(cov, SNPS, MODEL, method="gls", GC="strict")
    with pytest.raises(KestrelError, match="method"):
        gsem.userGWAS(cov, SNPS, MODEL, method="fast")
    with pytest.raises(KestrelError, match="estimation"):
        gsem.userGWAS(cov, SNPS, MODEL, method="gls", estimation="ULS")
    with pytest.raises(KestrelError, match="estimator"):
        gsem.userGWAS(cov, SNPS, MODEL, method="gls", estimation="fast")
    with pytest.raises(ValueError, match="model"):
        gsem.userGWAS(cov, SNPS, "  ", method="gls")


def test_cli_pipeline_end(kestrel_bin, cov, whole, tmp_path):
    p = tmp_path / "c.txt"
    cov.save(p)
    out = tmp_path / "u.tsv"
    r = subprocess.run([kestrel_bin, "gwas", "--ldsc", str(p), "--snps", str(SNPS), "--model",
                        MODEL, "--method", "gls", "--q-snp", "--out", str(out)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    f = pd.read_csv(out, sep="\t", keep_default_na=False, na_values=["NA"])
    np.testing.assert_allclose(f.est, whole.est, rtol=1e-14)
    parts = []
    for i in (1, 2):
        o = tmp_path / f"p{i}.tsv.gz"
        r = subprocess.run([kestrel_bin, "commonfactorgwas", "--ldsc", str(p), "--snps",
                            str(SNPS), "--method", "gls", "--chunk", f"{i}/2", "--out", str(o)],
                           capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        parts.append(gzip.open(o, "rt").read().splitlines())
    assert parts[0][0] == parts[1][0] and len(parts[0]) + len(parts[1]) - 2 == 2000
    for bad in (["--chunk", "0/2"], ["--chunk", "2"], ["--gc", "x"], ["--estimation", "ULS"]):
        r = subprocess.run([kestrel_bin, "commonfactorgwas", "--ldsc", str(p), "--snps",
                            str(SNPS), "--out", str(tmp_path / "x.tsv")] + bad,
                           capture_output=True, text=True)
        assert r.returncode == 2 and "kestrel commonfactorgwas" in r.stderr, r.stderr
        assert not (tmp_path / "x.tsv").exists()


def test_sumstats_result_is_read_through_its_handle(cov, tmp_path):
    """kestrel.gsem.sumstats' DataFrame carries its C result: the GWAS reads it (no copy) and
    gives the rows the written table gives; a filtered copy is read from the frame itself."""
    sim = G.parent / "sim"
    traits = ["T1", "T2", "T3", "T4", "T5"]
    snps = gsem.sumstats([sim / "raw" / f"{t}.txt.gz" for t in traits], sim / "reference.snps.gz",
                         trait_names=traits, se_logit=[False] * 4 + [True],
                         OLS=[True] * 4 + [False], out=tmp_path / "s.tsv")
    h = snps.attrs["kestrel_sumstats"]
    assert h.matches(snps, traits)
    mem = gsem.userGWAS(cov, snps, MODEL, method="gls")
    pd.testing.assert_frame_equal(mem, gsem.userGWAS(cov, tmp_path / "s.tsv", MODEL, method="gls"))
    part = snps[snps.CHR == 1]
    assert not part.attrs["kestrel_sumstats"].matches(part, traits)
    got = gsem.userGWAS(cov, part, MODEL, method="gls")
    pd.testing.assert_frame_equal(got, mem[mem.CHR == 1].reset_index(drop=True))


def test_sem_method_through_the_front_ends(cov, kestrel_bin, tmp_path):
    """The default method: R's rows within the issue's tolerances (estimates 1e-5 absolute, SEs
    1e-4 relative against R's loosely converged fits), sub's list, fix_measurement=False's every
    parameter, commonfactorGWAS, and the CLI writing the same numbers."""
    ref = pd.read_csv(G / "userGWAS_F1~SNP_first200.tsv", sep="\t")
    (f1,) = gsem.userGWAS(cov, SNPS, MODEL, Q_SNP=True, sub=["F1 ~ SNP"])
    assert list(f1.columns) == USER_COLS[:19] + ["Q_SNP", "Q_SNP_df", "Q_SNP_pval", "error",
                                                 "warning"]
    mine = f1.iloc[:200]
    assert np.abs(mine.est.values - ref.est.values).max() < 1e-5
    assert np.abs(mine.SE.values / ref.SE.values - 1).max() < 1e-4
    assert np.abs(mine.chisq.values / ref.chisq.values - 1).max() < 1e-5
    assert (mine.chisq_df.values == ref.chisq_df.values).all()
    full = gsem.userGWAS(cov, SNPS, MODEL, fix_measurement=False, as_list=True, threads=2)
    assert len(full) == 2000 and len(full[0]) == 13
    one = gsem.userGWAS(cov, SNPS, MODEL, fix_measurement=False, threads=1)  # (warm starts
    pd.testing.assert_frame_equal(one, pd.concat(full, ignore_index=True))  # never cross a chunk)
    assert full[0].lhs.tolist()[:7] == ["F1"] * 7 and full[0].rhs.tolist()[-1] == "SNP"
    cf = gsem.commonfactorGWAS(cov, SNPS)
    rc = pd.read_csv(G / "commonfactorGWAS_first200.tsv", sep="\t")
    assert list(cf.columns) == CF_COLS
    assert np.abs(cf.est.values[:200] - rc.est.values).max() < 1e-5
    assert np.abs(cf.se_c.values[:200] / rc.se_c.values - 1).max() < 1e-4
    p = tmp_path / "c.txt"
    cov.save(p)
    out = tmp_path / "cf.tsv.gz"
    r = subprocess.run([kestrel_bin, "commonfactorgwas", "--ldsc", str(p), "--snps", str(SNPS),
                        "--out", str(out), "--threads", "1"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    f = pd.read_csv(out, sep="\t", keep_default_na=False, na_values=["NA"])
    np.testing.assert_allclose(f.est, cf.est, rtol=1e-14)
