"""kestrel.gsem.munge(mode="ldsc") and `kestrel munge --mode ldsc`: bulik ldsc's
munge_sumstats.py.

References: bulik's own fixture (tests/data/gsem/ldsc_test/munge_test: correct.sumstats,
correct_merge.sumstats, merge_alleles_bad), compared as its test_munge_sumstats.py does (with
--daner); 39 cases run through the upstream script itself (tests/data/gsem/ldsc_munge:
reference.json and ref/, made by make_reference.py, see PROVENANCE.md; five of them the
60,000-row simulated files of tests/data/gsem/sim), compared byte for byte and count for count; upstream's unit cases (p_to_z, process_n, the filters, allele_merge); and
small files whose outputs are worked out by hand here."""
import gzip
import hashlib
import json
import os
import re
import subprocess

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from kestrel import KestrelError, gsem

from conftest import DATA

BULIK = DATA / "gsem" / "ldsc_test" / "munge_test"
REFDIR = DATA / "gsem" / "ldsc_munge"
REFERENCE = json.loads((REFDIR / "reference.json").read_text())
CASES = {c["name"]: c for c in REFERENCE["cases"]}


def write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text)
    return p


def munge(tmp_path, path, **kw):
    (r,) = gsem.munge([path], mode="ldsc", trait_names=["t"], out_dir=tmp_path / "out", **kw)
    return r


def out_text(tmp_path, name="t"):
    with gzip.open(tmp_path / "out" / f"{name}.sumstats.gz", "rt") as f:
        return f.read()


def out_frame(tmp_path, name="t"):
    return pd.read_csv(tmp_path / "out" / f"{name}.sumstats.gz", sep="\t",
                       dtype={"A1": str, "A2": str})


# ---- bulik's fixture, as its end-to-end test ---------------------------------------------

def test_bulik_fixture_daner(tmp_path):
    r = munge(tmp_path, BULIK / "sumstats", daner=True, decimals=8)
    x, correct = out_frame(tmp_path), pd.read_csv(BULIK / "correct.sumstats", sep="\t")
    assert list(x.columns) == ["SNP", "A1", "A2", "Z", "N"]
    assert x.SNP.tolist() == correct.SNP.tolist()
    assert x.A1.tolist() == correct.A1.tolist() and x.A2.tolist() == correct.A2.tolist()
    assert (x.N == correct.N).all() and (x.N == 1234 + 5468).all()
    # correct.sumstats prints Z with 8 decimals: kestrel's Z, printed so, is the same text
    zs = [ln.split("\t")[3] for ln in out_text(tmp_path).splitlines()[1:]]
    assert zs == [f"{z:.8f}" for z in correct.Z]
    assert (r["N_cas"], r["N_con"], r["N_const"]) == (1234.0, 5468.0, 6702.0)
    assert (r["info_low"], r["alleles_bad"], r["frq_low"], r["written"]) == (4, 1, 0, 4)


def test_bulik_fixture_merge(tmp_path):
    r = munge(tmp_path, BULIK / "sumstats", daner=True, merge_alleles=BULIK / "merge_alleles",
              decimals=8)
    got = out_text(tmp_path).splitlines()
    want = (BULIK / "correct_merge.sumstats").read_text().splitlines()
    assert got[:4] == want[:4]  # the blank rows of the merge list, as upstream writes them
    assert got[4].split("\t")[:4] == want[4].split("\t")[:4]
    assert float(got[4].split("\t")[4]) == float(want[4].split("\t")[4]) == 6702.0
    assert r["merge_missing"] == 3 and r["nonmissing"] == 1 and r["written"] == 4


def test_bulik_fixture_merge_bad(tmp_path):
    with pytest.raises(KestrelError, match=r"merge_alleles_bad:1: no column 'SNP' .*SNP, A1, A2"):
        munge(tmp_path, BULIK / "sumstats", daner=True, merge_alleles=BULIK / "merge_alleles_bad")
    assert not any((tmp_path / "out").iterdir())


# ---- the cases run through munge_sumstats.py itself ---------------------------------------

COLUMN_FLAGS = {"--snp": "SNP", "--a1": "A1", "--a2": "A2", "--p": "P", "--N-col": "N",
                "--N-cas-col": "N_CAS", "--N-con-col": "N_CON", "--frq": "FRQ",
                "--info": "INFO", "--nstudy": "NSTUDY"}
VALUE_FLAGS = {"--N": "N", "--N-cas": "N_cas", "--N-con": "N_con", "--n-min": "n_min",
               "--nstudy-min": "nstudy_min", "--info-min": "info_filter",
               "--maf-min": "maf_filter", "--signed-sumstats": "signed_sumstats",
               "--ignore": "ignore"}
SWITCHES = {"--daner": "daner", "--daner-n": "daner_n", "--keep-maf": "keep_maf",
            "--a1-inc": "a1_inc", "--no-alleles": "no_alleles"}


def kwargs_of(case):
    """munge_sumstats's flags as gsem.munge's keyword arguments."""
    kw, cols, f = {}, {}, list(case["flags"])
    while f:
        flag = f.pop(0)
        if flag in SWITCHES:
            kw[SWITCHES[flag]] = True
        elif flag in COLUMN_FLAGS:
            cols[COLUMN_FLAGS[flag]] = f.pop(0)
        elif flag == "--info-list":
            cols["INFO"] = f.pop(0).split(",")
        else:
            v = f.pop(0)
            kw[VALUE_FLAGS[flag]] = v if flag in ("--signed-sumstats", "--ignore") else float(v)
    if cols:
        kw["column_names"] = cols
    if case["merge"]:
        kw["merge_alleles"] = REFDIR / "inputs" / case["merge"]
    return kw


def py2_str(x):
    """Python 2's str() of a float, as the upstream log prints thresholds."""
    s = f"{x:.12g}"
    return float(s)


def check_report(r, case):
    for key in ("rows", "na", "not_in_merge", "info_low", "frq_low", "p_bad", "alleles_bad",
                "duplicates", "n_low", "nstudy_low", "merge_mismatch", "written", "nonmissing",
                "n_sig", "info_out_of_range", "frq_out_of_range", "p_out_of_range"):
        if key in case:
            assert r[key] == case[key], key
    for key in ("n_min", "nstudy_min", "median_signed"):
        if key in case:
            assert py2_str(r[key]) == case[key], key
    for key in ("mean_chisq", "lambda_gc", "max_chisq"):
        assert round(r[key], 3) == case[key], key
    if "median_signed" not in case:
        assert np.isnan(r["median_signed"])  # a1_inc


@pytest.mark.parametrize("name", sorted(CASES))
def test_upstream_case(tmp_path, name):
    case = CASES[name]
    path = REFDIR / "inputs" / case["input"]
    if "error" in case:
        with pytest.raises(KestrelError):
            munge(tmp_path, path, **kwargs_of(case))
        assert not any((tmp_path / "out").iterdir())
        return
    r = munge(tmp_path, path, **kwargs_of(case))
    if "sha256" in case:  # the 60,000-row simulated files: upstream's output by its digest
        assert hashlib.sha256(out_text(tmp_path).encode()).hexdigest() == case["sha256"]
    else:
        assert out_text(tmp_path) == (REFDIR / case["output"]).read_text()
    check_report(r, case)


ERRORS = {  # upstream's error -> kestrel's message
    "bulik_daner_merge_bad": r"no column 'SNP' \(it must have the columns SNP, A1, A2\)",
    "filters_merge_allbad": r"all 3 SNPs have alleles that do not match the merge list's",
    "two_signed": r"two_signed.txt:1: too many signed summary statistic columns",
    "two_signed_flag_null": r"median of the signed statistic SIGNED_SUMSTATS is 0.05, should "
                            r"be close to 1",
    "zscore_dash": r"zscore_dash.txt:1: could not find a signed summary statistic column",
    "no_n": r"no_alleles.txt:1: could not determine N",
    "median_bad": r"median of the signed statistic BETA is 0.5, should be close to 0",
    "info_list": r"two_info.txt:1: found 2 different INFO columns",
}


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_upstream_errors(tmp_path, name):
    case = CASES[name]
    assert "error" in case
    with pytest.raises(KestrelError, match=ERRORS[name]):
        munge(tmp_path, REFDIR / "inputs" / case["input"], **kwargs_of(case))


# kestrel's log lines, read with the patterns make_reference.py read upstream's with
LOG_PATTERNS = REFERENCE["meta"]["log_patterns"]


@pytest.mark.parametrize("name", ["bulik_daner", "filters", "filters_merge", "cases_n",
                                  "nstudy", "flags", "daner_n", "random_merge", "median_bad",
                                  "info_list", "order"])
def test_cli_output_and_log(tmp_path, kestrel_bin, name):
    """The CLI takes munge_sumstats's flags as they are and writes its file and log lines."""
    case = CASES[name]
    args = [kestrel_bin, "munge", "--mode", "ldsc", "--sumstats",
            str(REFDIR / "inputs" / case["input"]), "--out", str(tmp_path / "x")] + case["flags"]
    if case["merge"]:
        args += ["--merge-alleles", str(REFDIR / "inputs" / case["merge"])]
    p = subprocess.run(args, capture_output=True, text=True)
    if "error" in case:
        assert p.returncode == 1 and "kestrel munge:" in p.stderr
        assert not list(tmp_path.iterdir())
        return
    assert p.returncode == 0, p.stderr
    with gzip.open(tmp_path / "x.sumstats.gz", "rt") as f:
        assert f.read() == (REFDIR / case["output"]).read_text()
    log = (tmp_path / "x.log").read_text()
    for key, pat in LOG_PATTERNS.items():
        m = re.search(pat, log)
        assert (m is not None) == (key in case), key
        if m:
            v = m.group(1)
            assert (int(v) if v.isdigit() else float(v)) == case[key], key


# ---- upstream's unit cases ----------------------------------------------------------------

def test_p_to_z(tmp_path):
    """test_p_to_z: P = 0.1 gives 1.644854 (and the sign from BETA)."""
    f = write(tmp_path, "t.txt", "SNP A1 A2 BETA P N\nrs1 A G 0.05 0.1 100\n"
                                 "rs2 A G -0.05 0.1 100\nrs3 A G 0.01 0.1 100\n")
    munge(tmp_path, f, decimals=6)
    assert [ln.split("\t")[3] for ln in out_text(tmp_path).splitlines()[1:]] == [
        "1.644854", "-1.644854", "1.644854"]


PROCESS_N = "SNP A1 A2 BETA P{h}\nrs1 A G 0.01 0.5{a}\nrs2 A G 0.01 0.5{b}\nrs3 A G 0.01 0.5{c}\n"


@pytest.mark.parametrize("header,cells,kw,snps,n", [
    (" N", (" 1", " 1234", " 1234.0"), {"N": 9999.0}, ["rs2", "rs3"], 1234.0),  # test_n_col
    (" NSTUDY", (" 1", " 1234", " 1234.0"), {"N": 9999.0}, ["rs2", "rs3"], 9999.0),  # nstudy
    (" N_CAS N_CON", (" 1 0", " 1234 0", " 1234.0 0"), {"N": 9999.0}, ["rs2", "rs3"], 1234.0),
    ("", ("", "", ""), {"N": 1234.0}, ["rs1", "rs2", "rs3"], 1234.0),  # test_n_flag
    ("", ("", "", ""), {"N_cas": 1000.0, "N_con": 234.0}, ["rs1", "rs2", "rs3"], 1234.0),
])
def test_process_n(tmp_path, header, cells, kw, snps, n):
    """test_process_n: N from a column (N >= 90th percentile / 1.5), NSTUDY >= its max with
    --N, N_CAS + N_CON, --N, --N-cas + --N-con."""
    f = write(tmp_path, "t.txt", PROCESS_N.format(h=header, a=cells[0], b=cells[1], c=cells[2]))
    munge(tmp_path, f, **kw)
    d = out_frame(tmp_path)
    assert d.SNP.tolist() == snps and (d.N == n).all()


def test_filters_upstream_units(tmp_path):
    """filter_pvals [0, .1, 1, 2]; filter_info [.8, 1, 1]; filter_frq [-1, 0, .005, .4, .6,
    .999, 1, 2]; filter_alleles (the 8 unambiguous SNPs kept, DI, AAT, RA and the 4 ambiguous
    ones not): each file keeps exactly upstream's True rows."""
    def rows(cells, col):
        body = "".join(f"rs{i} A G 0.01 {c} 100\n" if col != "A" else
                       f"rs{i} {c[0]} {c[1:]} 0.01 0.5 100\n" for i, c in enumerate(cells))
        head = {"P": "SNP A1 A2 BETA P N", "INFO": "SNP A1 A2 BETA INFO N",
                "FRQ": "SNP A1 A2 BETA FRQ N", "A": "SNP A1 A2 BETA P N"}[col]
        if col in ("INFO", "FRQ"):
            head += " P"
            body = "".join(ln + " 0.5\n" for ln in body.splitlines())
        return head + "\n" + body
    for col, cells, keep in [
            ("P", ["0", "0.1", "1", "2"], [1, 2]),
            ("INFO", ["0.8", "1", "1"], [1, 2]),
            ("FRQ", ["-1", "0", "0.005", "0.4", "0.6", "0.999", "1", "2"], [3, 4]),
            ("A", ["AC", "AG", "CA", "CT", "GA", "GT", "TC", "TG", "DI", "AAT", "RA", "AT",
                   "TA", "CG", "GC"], list(range(8)))]:
        f = write(tmp_path, f"{col}.txt", rows(cells, col))
        r = munge(tmp_path, f, n_min=1.0)
        assert out_frame(tmp_path).SNP.tolist() == [f"rs{i}" for i in keep], col
        removed = {"P": "p_bad", "INFO": "info_low", "FRQ": "frq_low", "A": "alleles_bad"}[col]
        assert r[removed] == len(cells) - len(keep)


def test_allele_merge_upstream_unit(tmp_path):
    """test_allele_merge: a (A C vs AG) and extra (absent) blank, b (T G vs AC: strand flip)
    and c (C A vs AC: order flip) kept, in the list's order."""
    f = write(tmp_path, "t.txt", "SNP A1 A2 BETA P N\na A C 0.01 0.5 100\nb T G 0.01 0.5 100\n"
                                 "c C A -0.01 0.5 100\n")
    m = write(tmp_path, "m.txt", "SNP A1 A2\na A G\nextra T C\nb A C\nc A C\n")
    r = munge(tmp_path, f, merge_alleles=m)
    assert out_text(tmp_path).splitlines() == [
        "SNP\tA1\tA2\tZ\tN", "a\t\t\t\t", "extra\t\t\t\t", "b\tT\tG\t0.674\t100.000",
        "c\tC\tA\t-0.674\t100.000"]
    assert (r["merge_mismatch"], r["merge_missing"], r["nonmissing"]) == (1, 1, 2)


# ---- hand-made files, outputs derived by hand ---------------------------------------------

def test_filters_by_hand(tmp_path):
    """inputs/filters.txt (28 rows, each filter hit on purpose; see make_reference.py), worked
    out by hand: 3 with a missing value (BETA NA, P '.', a short row; rs5's missing INFO is
    exempt because the column is named INFO, and fails INFO instead), 3 INFO < 0.9 (rs4, rs5,
    the first rs18), 4 MAF (0.005, 0.995 folded, 0.01 not above 0.01, 1.2 outside [0, 1]),
    2 P outside (0, 1] (0 and 1.5), 3 not SNPs (A/T, c/g, AT/G), the second rs1, and N < 10000
    / 1.5 (100 and 6000). Z = norm.isf(P / 2), signed by BETA, printed %.3f; N with 3
    decimals (the short row's missing N makes pandas read the column as float)."""
    r = munge(tmp_path, REFDIR / "inputs" / "filters.txt")
    assert (r["rows"], r["na"], r["info_low"], r["frq_low"], r["p_bad"], r["alleles_bad"],
            r["duplicates"], r["n_low"], r["written"]) == (28, 3, 3, 4, 2, 3, 1, 2, 10)
    assert (r["info_out_of_range"], r["frq_out_of_range"], r["p_out_of_range"]) == (1, 1, 2)
    assert r["short_rows"] == 1 and r["n_min"] == pytest.approx(10000 / 1.5, rel=1e-15)
    # the SNPs left after each step, counted in C (the log prints them)
    assert (r["left_filters"], r["left_duplicates"], r["left_n_filter"], r["left_n_valid"],
            r["left_merge"]) == (13, 12, 10, 10, 10)
    rows = {"rs1": (0.2, 1), "rs12": (1.0, -1), "rs15": (0.01, -1), "rs18": (0.05, 1),
            "rs20": (0.3, 1), "rs21": (1e-10, -1), "rs22": (0.3, 1), "rs24": (0.25, 1),
            "rs25": (0.6, -1), "rs26": (0.999, 1)}
    alleles = {"rs1": "AG", "rs12": "AG", "rs15": "AG", "rs18": "CA", "rs20": "TG",
               "rs21": "CA", "rs22": "GA", "rs24": "AC", "rs25": "TG", "rs26": "AG"}
    ns = {"rs22": 7000}
    want = ["SNP\tA1\tA2\tZ\tN"] + [
        f"{s}\t{alleles[s][0]}\t{alleles[s][1]}\t{sg * norm.isf(p / 2):.3f}\t"
        f"{ns.get(s, 10000):.3f}" for s, (p, sg) in rows.items()]
    got = out_text(tmp_path).splitlines()
    assert got == want
    assert got[2] == "rs12\tA\tG\t-0.000\t10000.000"  # P = 1 with a negative BETA
    assert r["n_sig"] == 1 and r["max_chisq"] == pytest.approx(norm.isf(5e-11) ** 2, rel=1e-13)
    assert r["median_signed"] == pytest.approx(0.0005, abs=1e-18)


def test_integer_n_and_column_order(tmp_path):
    """An N column of integers is written as integers (pandas' int64), in its place among the
    columns (here before P, so Z comes after N); with NA in it, or computed, as floats."""
    f = write(tmp_path, "t.txt", "N SNP P A2 A1 BETA\n800 rs1 0.2 G A 0.01\n"
                                 "900 rs2 0.4 C A -0.01\n1000 rs3 0.5 T C 0.001\n")
    munge(tmp_path, f)
    assert out_text(tmp_path).splitlines() == [
        "N\tSNP\tZ\tA2\tA1", "800\trs1\t1.282\tG\tA", "900\trs2\t-0.842\tC\tA",
        "1000\trs3\t0.674\tT\tC"]
    munge(tmp_path, f, merge_alleles=write(tmp_path, "m.txt", "SNP A1 A2\nrs3 C T\nrs1 A G\n"))
    assert out_text(tmp_path).splitlines() == [
        "SNP\tN\tZ\tA2\tA1", "rs3\t1000.000\t0.674\tT\tC", "rs1\t800.000\t1.282\tG\tA"]


def test_name_rule_clean_header(tmp_path):
    """munge_sumstats.py's clean_header (upper case, '-' and '.' as '_'), not GenomicSEM's
    make.names: p-value and Allele.1 are P_VALUE and ALLELE_1; Z-SCORE becomes Z_SCORE, which its
    table lacks, so beta is the signed statistic and Z-SCORE is not read."""
    f = write(tmp_path, "t.txt", "MarkerName Allele.1 allele-2 p-value beta Z-SCORE N\n"
                                 "rs1 A G 0.2 0.01 x 800\nrs2 A C 0.4 -0.01 x 900\n")
    r = munge(tmp_path, f)
    assert r["columns"]["P"] == "p-value" and r["columns"]["A1"] == "Allele.1"
    assert r["columns"]["A2"] == "allele-2" and r["signed_name"] == "beta"
    assert out_text(tmp_path).splitlines() == [
        "SNP\tA1\tA2\tZ\tN", "rs1\tA\tG\t1.282\t800", "rs2\tA\tC\t-0.842\t900"]


def test_keep_maf_and_decimals(tmp_path):
    """keep_maf writes FRQ as read (not folded), last; decimals changes every float."""
    f = write(tmp_path, "t.txt", "SNP FRQ A1 A2 BETA P N\nrs1 0.8 A G 0.01 0.2 100.5\n")
    munge(tmp_path, f, keep_maf=True, decimals=5)
    assert out_text(tmp_path).splitlines()[1] == (
        f"rs1\tA\tG\t{norm.isf(0.1):.5f}\t100.50000\t0.80000")


def test_cases_controls_by_hand(tmp_path):
    """N_CAS + N_CON rescaled: N = N_CAS / mean(case fraction at the largest N). The largest
    N (3000) has five rows with fraction 1/3 and two with 2/5, mean 37/105, so rs1 (1000
    cases) gets 105000/37; the 90th percentile of N (1200 * 105/37) / 1.5 = 2270.27 removes
    rs5 (500 * 105/37 = 1418.9) and keeps rs9 (2554.1)."""
    r = munge(tmp_path, REFDIR / "inputs" / "cases_n.txt", decimals=6)
    d = out_frame(tmp_path)
    cas = {"rs1": 1000, "rs2": 1000, "rs3": 1200, "rs4": 1000, "rs6": 1000, "rs7": 1200,
           "rs8": 1000, "rs9": 900, "rs10": 1000}
    assert d.SNP.tolist() == list(cas)
    np.testing.assert_allclose(d.N, [c * 105 / 37 for c in cas.values()], rtol=0, atol=1e-6)
    assert r["n_min"] == pytest.approx(1200 * 105 / 37 / 1.5, rel=1e-14)
    assert r["n_low"] == 1 and list(d.columns) == ["SNP", "A1", "A2", "Z", "N"]


def test_signed_sumstats_and_a1_inc(tmp_path):
    f = REFDIR / "inputs" / "two_signed.txt"
    munge(tmp_path, f, signed_sumstats="BETA,0")
    z = out_frame(tmp_path).Z
    assert np.sign(z).tolist() == [1, -1, 1, -1, 1]
    munge(tmp_path, f, a1_inc=True)
    assert (out_frame(tmp_path).Z > 0).all()
    with pytest.raises(ValueError, match="signed_sumstats|--signed-sumstats"):
        munge(tmp_path, f, signed_sumstats="BETA")
    with pytest.raises(KestrelError, match="expected a column name, a comma and a number"):
        munge(tmp_path, f, signed_sumstats="BETA,x")


# ---- bad input ------------------------------------------------------------------------------

def test_bad_cell_names_file_line_column(tmp_path):
    f = write(tmp_path, "t.txt", "SNP A1 A2 BETA P N JUNK\nrs1 A G 0.01 0.2 100 x\n"
                                 "rs2 A G 0.01 abc 100 y\n")
    with pytest.raises(KestrelError, match=r"t.txt:3:5: 'abc' is not a number in column P"):
        munge(tmp_path, f)
    assert not any((tmp_path / "out").iterdir())
    g = write(tmp_path, "g.txt", "SNP A1 A2 BETA P N JUNK\nrs1 A G 0.01 0.2 100 x\n")
    assert munge(tmp_path, g)["written"] == 1  # a column not read may hold anything


def test_missing_columns(tmp_path):
    for head, msg in [("SNP A1 A2 BETA N", r"could not find the P \(p-value\) column"),
                      ("ID A1 A2 BETA P N", r"could not find the SNP"),
                      ("SNP A1 BETA P N", r"could not find the A1/A2 columns"),
                      ("SNP A1 A2 BETA P N P_VALUE", r"found 2 different P columns"),
                      ("SNP A1 A2 BETA P N N", r"found 2 columns named N")]:
        f = write(tmp_path, "t.txt", head + "\n" + " ".join(["1"] * len(head.split())) + "\n")
        with pytest.raises(KestrelError, match="t.txt:1: " + msg):
            munge(tmp_path, f)
    f = write(tmp_path, "d.txt", "SNP A1 A2 OR P\nrs1 A G 1 0.5\n")
    with pytest.raises(KestrelError, match=r"d.txt:1: --daner: no FRQ_U_"):
        munge(tmp_path, f, daner=True)
    with pytest.raises(KestrelError, match=r"d.txt:1: --daner-n: no FRQ_U_"):
        munge(tmp_path, f, daner_n=True)
    with pytest.raises(KestrelError, match="not compatible"):
        munge(tmp_path, f, daner=True, daner_n=True)
    with pytest.raises(ValueError, match="not compatible"):
        munge(tmp_path, f, no_alleles=True, merge_alleles=BULIK / "merge_alleles")


def test_truncated_gzip_and_parallel_files(tmp_path):
    """Two files in one call equal two calls; a truncated gzip fails the call and leaves no
    output of either file."""
    good = REFDIR / "inputs" / "random.txt.gz"
    raw = good.read_bytes()
    bad = tmp_path / "bad.txt.gz"
    bad.write_bytes(raw[: len(raw) // 2])
    files = [good, REFDIR / "inputs" / "filters.txt"]
    reps = gsem.munge(files, mode="ldsc", trait_names=["a", "b"], out_dir=tmp_path / "two",
                      threads=2)
    for name, case, rep in zip("ab", ["random", "filters"], reps):
        with gzip.open(tmp_path / "two" / f"{name}.sumstats.gz", "rt") as fh:
            assert fh.read() == (REFDIR / CASES[case]["output"]).read_text()
        assert rep["written"] == CASES[case]["written"]
    with pytest.raises(KestrelError, match="bad.txt.gz"):
        gsem.munge([good, bad], mode="ldsc", trait_names=["a", "b"], out_dir=tmp_path / "out")
    assert not any((tmp_path / "out").iterdir())


def test_mode_arguments(tmp_path):
    with pytest.raises(ValueError, match="only with mode='ldsc'"):
        gsem.munge([BULIK / "sumstats"], BULIK / "merge_alleles", daner=True)
    with pytest.raises(ValueError, match="mode"):
        gsem.munge([BULIK / "sumstats"], mode="bulik")
    with pytest.raises(TypeError, match="unexpected"):
        gsem.munge([BULIK / "sumstats"], mode="ldsc", danner=True)


def test_cli_usage(kestrel_bin, tmp_path):
    p = subprocess.run([kestrel_bin, "munge", "--mode", "ldsc", "--help"], capture_output=True,
                       text=True)
    assert p.returncode == 0 and "--merge-alleles" in p.stdout and "--daner" in p.stdout
    p = subprocess.run([kestrel_bin, "munge", "--mode", "ldsc", "--sumstats", "x"],
                       capture_output=True, text=True)
    assert p.returncode == 2 and "--out are required" in p.stderr
    p = subprocess.run([kestrel_bin, "munge", "--mode", "other"], capture_output=True, text=True)
    assert p.returncode == 2
    inp = REFDIR / "inputs"
    p = subprocess.run([kestrel_bin, "munge", "--mode", "ldsc", "--sumstats",
                        f"{inp / 'filters.txt'},{inp / 'cases_n.txt'}", "--out",
                        f"{tmp_path / 'f'},{tmp_path / 'c'}", "--chunksize", "100"],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    for pre, case in [("f", "filters"), ("c", "cases_n")]:
        with gzip.open(tmp_path / f"{pre}.sumstats.gz", "rt") as fh:
            assert fh.read() == (REFDIR / CASES[case]["output"]).read_text()
        assert os.path.exists(tmp_path / f"{pre}.log")


def test_readme_example(tmp_path, monkeypatch, kestrel_bin):
    """The README's munge_sumstats example runs as written (from the repository root) and says
    what upstream's log says for bulik's fixture."""
    from conftest import ROOT
    text = (ROOT / "README.md").read_text()
    sec = text[text.index("### munge_sumstats.py's rules"):]
    py = re.search(r"```python\n(.*?)```", sec, re.S).group(1)
    sh = re.search(r"```sh\n(.*?)```", sec, re.S).group(1)
    (tmp_path / "tests").symlink_to(ROOT / "tests")
    monkeypatch.chdir(tmp_path)
    env = {}
    exec(py, env)
    case = CASES["bulik_daner_merge"]
    rep = env["rep"]
    assert (rep["info_low"], rep["written"], rep["nonmissing"]) == (3, 4, 1) == (
        case["info_low"], case["written"], case["nonmissing"])
    assert round(rep["mean_chisq"], 3) == case["mean_chisq"] == 1.543
    cmd = sh.replace("\\\n", " ").split("#")[0].replace("kestrel munge", f"{kestrel_bin} munge")
    subprocess.run(cmd, shell=True, check=True, capture_output=True)
    with gzip.open(tmp_path / "munged" / "scz.sumstats.gz", "rt") as f:
        assert f.read() == (REFDIR / CASES["bulik_daner"]["output"]).read_text()
    assert "Lambda GC = 1.201" in (tmp_path / "munged" / "scz.log").read_text()
