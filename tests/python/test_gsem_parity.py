"""Genomic SEM part 1 against R GenomicSEM (commit 123ec96, R 4.2.2; tests/data/gsem, see
PROVENANCE.md): munge's files and its log's counts, ldsc's S, V, I, S_Stand, V_Stand, and the
recovery of the simulation's truth."""
import gzip
import pathlib
import re

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from kestrel import gsem

G = pathlib.Path(__file__).resolve().parents[1] / "data" / "gsem"
TRAITS = ["T1", "T2", "T3", "T4", "T5"]
PREV_S = [None, None, None, None, 0.5]
PREV_P = [None, None, None, None, 0.1]


def rel(a, b):
    a, b = np.asarray(a, float), np.asarray(b, float)
    return float(np.max(np.abs(a - b) / np.abs(b)))


@pytest.fixture(scope="module")
def munged(tmp_path_factory):
    out = tmp_path_factory.mktemp("munged")
    reps = gsem.munge([G / "sim" / "raw" / f"{t}.txt.gz" for t in TRAITS],
                      G / "sim" / "w_hm3.snplist.gz", trait_names=TRAITS, out_dir=out)
    return out, reps


def read(path):
    return pd.read_csv(path, sep="\t", dtype={"A1": str, "A2": str}, keep_default_na=False)


def r_log_counts():
    """Per file, the counts R's munge log reports, in its order."""
    text = (G / "ref" / "logs" / "T1_T2_T3_T4_T5_munge.log").read_text()
    out = {}
    for block in text.split("Munging file: ")[1:]:
        t = re.search(r"raw/(T\d)", block).group(1)
        num = lambda pat: int(re.search(pat, block).group(1)) if re.search(pat, block) else 0
        out[t] = dict(
            rows=num(r"(\d+) rows present"), not_in_ref=num(r"(\d+) rows were removed .* rs-ids"),
            p_missing=num(r"(\d+) rows were removed .* P-value column"),
            a1=num(r"(\d+) row\(s\) were removed .* effect allele"),
            a2=num(r"(\d+) row\(s\) were removed .* other allele"),
            info=num(r"(\d+) rows were removed .* INFO"), maf=num(r"(\d+) rows were removed .* MAF"),
            left=num(r"(\d+)SNPs are left"))
    return out


def test_munge_counts_match_r_log(munged):
    _, reps = munged
    ref = r_log_counts()
    for r in reps:
        x = ref[r["trait"]]
        assert (r["rows"], r["not_in_ref"], r["p_missing"], r["a1_mismatch"], r["a2_mismatch"],
                r["info_low"], r["maf_low"] + r["info_missing"], r["written"]) == (
            x["rows"], x["not_in_ref"], x["p_missing"], x["a1"], x["a2"], x["info"], x["maf"],
            x["left"])
    assert [r["effect_is_or"] for r in reps] == [False] * 4 + [True]
    assert reps[2]["columns"]["P"] == "P-value" and reps[1]["columns"]["SNP"] == "rsid"


def test_munge_files_match_r(munged):
    out, _ = munged
    for t in TRAITS:
        a = read(out / f"{t}.sumstats.gz")
        b = read(G / "ref" / "munged" / f"{t}.sumstats.gz")
        assert list(a.columns) == ["SNP", "N", "Z", "A1", "A2"]
        assert len(a) == len(b)
        assert (a.SNP.values == b.SNP.values).all()  # the same SNPs in the same order
        assert (a.A1.values == b.A1.values).all() and (a.A2.values == b.A2.values).all()
        assert (a.N.values == b.N.values).all()
        za, zb = a.Z.values.astype(float), b.Z.values.astype(float)
        # R's Z = sqrt(qchisq(P, 1, lower = FALSE)); its qgamma stops early for some P (one row
        # here: P = 4.632916e-14, off by 3.9e-12). Where R differs by more than 1e-12, kestrel
        # must be the accurate one: |Z| = norm.isf(P / 2) (scipy, an independent program).
        r = np.abs(za - zb) / np.maximum(np.abs(zb), 1e-300)
        bad = r > 1e-12
        assert bad.sum() <= 1, (t, bad.sum())
        if bad.any():
            raw = pd.read_csv(G / "sim" / "raw" / f"{t}.txt.gz", sep=r"\s+")
            p = dict(zip(raw.iloc[:, 0], raw["P"]))
            for snp, z in zip(a.SNP.values[bad], za[bad]):
                assert abs(abs(z) - norm.isf(p[snp] / 2)) <= 1e-14 * abs(z)
        # and the text R would write: 15 significant digits, R's choice of notation
        text = gzip.open(out / f"{t}.sumstats.gz", "rt").read().splitlines()[1:4]
        rtext = gzip.open(G / "ref" / "munged" / f"{t}.sumstats.gz", "rt").read().splitlines()[1:4]
        assert [l.split("\t")[1] for l in text] == [l.split("\t")[1] for l in rtext]


def ref_matrix(name):
    return pd.read_csv(G / "ref" / name, sep="\t", index_col=0).values


@pytest.fixture(scope="module")
def ldsc_r_inputs():
    return gsem.ldsc([G / "ref" / "munged" / f"{t}.sumstats.gz" for t in TRAITS], PREV_S, PREV_P,
                     ld=G / "sim" / "ld", wld=G / "sim" / "ld", trait_names=TRAITS, stand=True)


def test_ldsc_matches_r(ldsc_r_inputs):
    f = ldsc_r_inputs
    assert rel(f.S, ref_matrix("ldsc_S.tsv")) < 1e-10
    assert rel(f.I, ref_matrix("ldsc_I.tsv")) < 1e-10
    assert rel(f.V, ref_matrix("ldsc_V.tsv")) < 1e-10
    assert rel(f.S_Stand, ref_matrix("ldsc_S_Stand.tsv")) < 1e-10
    assert rel(f.V_Stand, ref_matrix("ldsc_V_Stand.tsv")) < 1e-10
    N = pd.read_csv(G / "ref" / "ldsc_N.tsv", sep="\t").values.ravel()
    assert rel(f.N, N) < 1e-14
    assert f.m == float((G / "ref" / "ldsc_m.txt").read_text())
    assert f.details["liability_factor"][4] != 1.0  # T5 on the liability scale
    assert f.pairs[:2] == [("T1", "T1"), ("T2", "T1")]


def test_ldsc_log_values_match_r(ldsc_r_inputs):
    """The per-trait numbers GenomicSEM logs (rounded to 4 places there)."""
    d = ldsc_r_inputs.details
    text = (G / "ref" / "logs" / "ldsc.log").read_text()
    got = re.findall(r"Mean Chi\^2 across remaining SNPs: ([\d.]+)", text)
    assert np.allclose(d["mean_chisq"], [float(x) for x in got], atol=5e-5)
    got = re.findall(r"Lambda GC: ([\d.]+)", text)
    assert np.allclose(d["lambda_gc"], [float(x) for x in got], atol=5e-5)
    got = re.findall(r"Total Observed Scale h2: [\d.]+ \(([\d.]+)\)", text)
    assert np.allclose(d["h2_se"], [float(x) for x in got], atol=5e-5)
    got = re.findall(r"(\d+) SNPs remain after merging", text)
    assert [int(x) for x in got] == [int(n) for j, n in enumerate(d["pair_snps"])
                                     if ldsc_r_inputs.pairs[j][0] != ldsc_r_inputs.pairs[j][1]]


def test_ldsc_on_kestrel_munge_matches_r(munged):
    """The whole pipeline, kestrel's munge then ldsc, against R's S (Z differs from R's text by
    its 15 printed digits only)."""
    out, _ = munged
    f = gsem.ldsc([out / f"{t}.sumstats.gz" for t in TRAITS], PREV_S, PREV_P, ld=G / "sim" / "ld",
                  wld=G / "sim" / "ld")
    assert rel(f.S, ref_matrix("ldsc_S.tsv")) < 1e-9
    assert rel(f.V, ref_matrix("ldsc_V.tsv")) < 1e-8


def test_ldsc_recovers_truth(ldsc_r_inputs):
    """The simulation's liability-scale S is within 2 SE of the estimate, element by element."""
    f = ldsc_r_inputs
    truth = pd.read_csv(G / "sim" / "truth_S_liab.tsv", sep="\t", index_col=0).values
    se = f.se()
    assert (np.abs(f.S - truth) <= 2 * se).all(), np.abs(f.S - truth) / se


def test_ldsc_inference_from_c(ldsc_r_inputs):
    """The SEs of S and S_Stand and each regression's z and P come from C: the square roots of
    V's diagonal in S's places, est / se (bit for bit what the front ends computed before) and
    its two-sided normal P."""
    f, d = ldsc_r_inputs, ldsc_r_inputs.details
    s, ss = np.sqrt(np.diag(f.V)), np.sqrt(np.diag(f.V_Stand))
    se, sse, t = f.se(), f.se(standardized=True), 0
    for j in range(5):
        for i in range(j, 5):
            assert se[i, j] == se[j, i] == s[t] and sse[i, j] == sse[j, i] == ss[t]
            t += 1
    z = d["estimate"] / d["estimate_se"]
    assert (d["estimate_z"] == z).all()
    assert np.allclose(d["estimate_p"], 2 * norm.sf(np.abs(z)), rtol=1e-12, atol=0)


def test_ldsc_select_and_blocks(ldsc_r_inputs):
    """select ODD + EVEN use disjoint halves of the SNPs; more blocks change V, not S."""
    paths = [G / "ref" / "munged" / f"{t}.sumstats.gz" for t in TRAITS[:2]]
    odd = gsem.ldsc(paths, ld=G / "sim" / "ld", wld=G / "sim" / "ld", select="ODD")
    even = gsem.ldsc(paths, ld=G / "sim" / "ld", wld=G / "sim" / "ld", select="EVEN")
    full = gsem.ldsc(paths, ld=G / "sim" / "ld", wld=G / "sim" / "ld")
    n = lambda f: f.details["snps_merged"][0]
    assert n(odd) + n(even) == n(full)
    assert odd.m + even.m == full.m
    b100 = gsem.ldsc(paths, ld=G / "sim" / "ld", wld=G / "sim" / "ld", n_blocks=100)
    assert np.allclose(b100.S, full.S, rtol=1e-12) and not np.allclose(b100.V, full.V, rtol=1e-6)


def test_cli_munge_and_ldsc(tmp_path, kestrel_bin):
    """`kestrel munge` then `kestrel ldsc` give R's S and V; the log names the counts."""
    import subprocess
    raw = ",".join(str(G / "sim" / "raw" / f"{t}.txt.gz") for t in TRAITS)
    r = subprocess.run([kestrel_bin, "munge", "--files", raw, "--hm3",
                        str(G / "sim" / "w_hm3.snplist.gz"), "--out-dir", str(tmp_path)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    log = (tmp_path / "T1_T2_T3_T4_T5_munge.log").read_text()
    assert "125 rows were removed" in log and "59305 SNPs are left" in log
    traits = ",".join(str(tmp_path / f"{t}.sumstats.gz") for t in TRAITS)
    r = subprocess.run([kestrel_bin, "ldsc", "--traits", traits, "--ld", str(G / "sim" / "ld"),
                        "--sample-prev", "NA,NA,NA,NA,0.5", "--population-prev", "NA,NA,NA,NA,0.1",
                        "--out", str(tmp_path / "cov")], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "T1 ~ T2: 0.7647" in r.stdout
    S = pd.read_csv(tmp_path / "cov_S.tsv", sep="\t", index_col=0).values
    V = pd.read_csv(tmp_path / "cov_V.tsv", sep="\t", index_col=0).values
    assert rel(S, ref_matrix("ldsc_S.tsv")) < 1e-9 and rel(V, ref_matrix("ldsc_V.tsv")) < 1e-8
    r = subprocess.run([kestrel_bin, "ldsc", "--traits", traits, "--ld", str(tmp_path / "none")],
                       capture_output=True, text=True)
    assert r.returncode != 0 and "1.l2.ldscore.gz: cannot open" in r.stderr


def test_ldsc_unsorted_ld_files(tmp_path, ldsc_r_inputs):
    """LD score rows in any order give the same fit (positions are ranked, not assumed)."""
    import shutil
    ld = tmp_path / "ld"
    shutil.copytree(G / "sim" / "ld", ld)
    for c in (1, 7):
        lines = gzip.open(ld / f"{c}.l2.ldscore.gz", "rt").read().splitlines()
        body = lines[1:]
        np.random.default_rng(c).shuffle(body)
        with gzip.open(ld / f"{c}.l2.ldscore.gz", "wt") as f:
            f.write("\n".join([lines[0]] + body) + "\n")
    f = gsem.ldsc([G / "ref" / "munged" / f"{t}.sumstats.gz" for t in TRAITS], PREV_S, PREV_P,
                  ld=ld, wld=ld)
    assert (f.S == ldsc_r_inputs.S).all() and (f.V == ldsc_r_inputs.V).all()


def test_ldsc_sep_weights(ldsc_r_inputs):
    """sep_weights with the LD scores as their own weights (the last column, L2) changes
    nothing; R's default (sep_weights = FALSE) uses the LD scores too."""
    f = gsem.ldsc([G / "ref" / "munged" / f"{t}.sumstats.gz" for t in TRAITS], PREV_S, PREV_P,
                  ld=G / "sim" / "ld", wld=G / "sim" / "ld", sep_weights=True)
    assert (f.S == ldsc_r_inputs.S).all() and (f.V == ldsc_r_inputs.V).all()


def test_ldsc_pair_in_place_equals_merged(tmp_path):
    """Two traits with the same SNPs are regressed in place, others through a merge: the pair's
    estimate, intercept and V are the same bit for bit either way, allele flips included."""
    t1, t2 = (read(G / "ref" / "munged" / f"{t}.sumstats.gz") for t in ("T1", "T2"))
    both = t1.merge(t2, on="SNP")
    once = both.SNP.map(both.SNP.value_counts()) == 1  # (T2 repeats some SNPs)
    keep = set(both.SNP[once & (both.Z_x ** 2 <= 80) & (both.Z_y ** 2 <= 80)])
    a = t1[t1.SNP.isin(keep)]
    b_full = t2.copy()
    flip = b_full.index[::37]  # A1 and A2 swapped, Z kept: R flips a's sign on these rows
    b_full.loc[flip, ["A1", "A2"]] = b_full.loc[flip, ["A2", "A1"]].values
    b = b_full[b_full.SNP.isin(keep)]
    assert len(a) == len(b) < len(b_full)
    paths = []
    for name, df in (("a", a), ("b", b), ("b_full", b_full)):
        paths.append(tmp_path / f"{name}.sumstats.gz")
        df.to_csv(paths[-1], sep="\t", index=False)
    for sep in (False, True):  # (the weights' scores read as the L2 column, or apart)
        opts = dict(ld=G / "sim" / "ld", wld=G / "sim" / "ld", chisq_max=80.0, sep_weights=sep)
        same = gsem.ldsc([paths[0], paths[1]], **opts)
        merged = gsem.ldsc([paths[0], paths[2]], **opts)
        assert same.details["pair_snps"][1] == merged.details["pair_snps"][1] == len(a)
        assert same.S[0, 1] == merged.S[0, 1] and same.I[0, 1] == merged.I[0, 1]
        assert same.V[1, 1] == merged.V[1, 1]
    t2[t2.SNP.isin(keep)].to_csv(tmp_path / "plain.sumstats.gz", sep="\t", index=False)
    plain = gsem.ldsc([paths[0], tmp_path / "plain.sumstats.gz"], **opts)
    assert plain.S[0, 1] != same.S[0, 1]  # the flips matter
