"""Inputs for `kestrel munge --mode ldsc` and their reference outputs from bulik ldsc's own
munge_sumstats.py.

    python3 make_reference.py --ldsc /path/to/bulik-ldsc-checkout --python2 /path/to/python2.7

writes the inputs (`inputs/`, deterministic: hand-made text and one file drawn with numpy's
PCG64 seed 20260101), runs munge_sumstats.py on each case (`CASES`: a name, an input, its flags)
and stores what it wrote: `ref/<case>.sumstats` (its gzip output, decompressed) and
`reference.json` (per case: the counts, thresholds and chi^2 lines of its log, or the error it
raised). The checkout is not part of kestrel; the python2 needs numpy, pandas and scipy (the
versions used are recorded in reference.json), plus an empty `bitarray` module on its path
(ldsc.py imports it; munge_sumstats never uses it).
"""
import argparse
import gzip
import hashlib
import json
import os
import pathlib
import re
import shutil
import subprocess
import tempfile

import numpy as np

HERE = pathlib.Path(__file__).resolve().parent

FILTERS = """SNP A1 A2 BETA P N INFO MAF
rs1 A G 0.012 0.2 10000 0.95 0.3
rs2 A G NA 0.3 10000 0.95 0.3
rs3 C T 0.01 . 10000 0.95 0.3
rs4 A C -0.02 0.4 10000 0.85 0.3
rs5 A C 0.03 0.5 10000 NA 0.3
rs6 G T 0.01 0.6 10000 0.99 0.005
rs7 G T -0.01 0.7 10000 0.99 0.995
rs8 T C 0.02 0.8 10000 0.99 0.01
rs9 T C 0.02 0.8 10000 0.99 1.2
rs10 A G 0.01 0 10000 0.99 0.3
rs11 A G 0.01 1.5 10000 0.99 0.3
rs12 A G -0.01 1 10000 0.99 0.3
rs13 A T 0.01 0.1 10000 0.99 0.3
rs14 c g 0.01 0.1 10000 0.99 0.3
rs15 a g -0.05 0.01 10000 0.99 0.3
rs16 AT G 0.01 0.1 10000 0.99 0.3
rs1 A G 0.5 0.9 10000 0.95 0.3
rs18 A G 0.01 0.1 10000 0.5 0.3
rs18 C A 0.02 0.05 10000 0.95 0.3
rs19 G A 0.01 0.3 100 0.95 0.3
rs20 T G 0.01 0.3 10000 2.5 0.3
rs21 C A -0.3 1e-10 10000 0.95 0.3
rs22 G A 0.01 0.3 7000 0.95 0.3
rs23 T C 0.02 1e-320 6000 0.95 0.3
rs24 A C 0.001 0.25 10000 0.91 0.6
rs25 T G -0.004 0.6 10000 0.93 0.2
rs26 A G 0.0 0.999 10000 0.97 0.4
rs27 C T 0.02 0.03
"""

# the INFO column named "info": its missing value is a missing value like any other
INFO_LOWER = FILTERS.replace("SNP A1 A2 BETA P N INFO MAF", "SNP A1 A2 BETA P N info MAF")

MERGE = """SNP A1 A2
rs1 A G
rs12 G A
rs15 T C
rs18 G T
rs20 A C
rs21 C G
rs22 A C
rs100 A G
rs24 A C
rs1 A C
rs26 a g
rs2 A G
"""

MERGE_ALLBAD = """SNP A1 A2
rs1 A C
rs12 C A
rs15 A T
"""

CASES_N = """SNP A1 A2 Z P NCASE NCONTROL
rs1 A G 1.2 0.23 1000 2000
rs2 A C -0.5 0.62 1000 2000
rs3 A C 0.3 0.76 1200 1800
rs4 G T -2.1 0.036 1000 2000
rs5 G T 0.1 0.92 500 1000
rs6 T C 0.4 0.69 1000 2000
rs7 C A -0.2 0.84 1200 1800
rs8 C A 0.05 0.96 1000 1500
rs9 A G -1.1 0.27 900 2000
rs10 T G 0.7 0.48 1000 2000
"""

NSTUDY = """SNP A1 A2 LOG_ODDS P NSTUDY
rs1 A G 0.01 0.5 3
rs2 A C -0.02 0.4 3
rs3 A C 0.03 0.3 2
rs4 G T -0.01 0.2 3
rs5 G T 0.02 0.1 1
rs6 T C -0.005 0.6 3
"""

SYNONYMS = """MarkerName Allele1 Allele2 Effect StdErr P-value Weight Freq1
rs1 a g 0.012 0.01 0.2 5000 0.3
rs2 a c -0.02 0.01 0.4 5000 0.3
rs3 t c 0.01 0.01 0.6 4000 0.7
rs4 g a -0.03 0.01 0.05 5000 0.5
rs5 c a 0.005 0.01 0.9 5000 0.1
"""

TWO_SIGNED = """SNP A1 A2 Z BETA P N
rs1 A G 1.28 0.012 0.2 5000
rs2 A C -0.84 -0.02 0.4 5000
rs3 T C 0.52 0.01 0.6 5000
rs4 G A -1.96 -0.03 0.05 5000
rs5 C A 0.05 0.005 0.9 5000
"""

ZSCORE_DASH = """SNP A1 A2 Z-SCORE P N
rs1 A G 1.28 0.2 5000
rs2 A C -0.84 0.4 5000
"""

NO_ALLELES = """SNP Z P
rs1 1.28 0.2
rs2 -0.84 0.4
rs3 0.02 0.98
"""

FLAGS = """MyID EffAll OthAll Beta_1 PV SampN Imp Freq
rs1 A G 0.012 0.2 5000 0.95 0.3
rs2 A C -0.02 0.4 5000 NA 0.3
rs3 T C 0.01 0.6 5000 0.97 0.005
rs4 G A -0.03 0.05 5000 0.99 0.5
rs5 C A 0.005 0.9 5000 0.93 0.1
"""

DANER_N = """CHR SNP BP A1 A2 FRQ_A_3000 FRQ_U_4000 INFO OR SE P Nca Nco
1 rs1 100 A G 0.31 0.3 0.95 1.01 0.02 0.2 3000 4000
1 rs2 200 A C 0.29 0.3 NA 0.98 0.02 0.4 3000 4000
1 rs3 300 T C 0.71 0.7 0.97 1.02 0.02 0.6 2000 4000
1 rs4 400 G A 0.51 0.5 0.99 0.97 0.02 0.05 3000 3500
1 rs5 500 C A 0.11 0.1 0.93 1.005 0.02 0.9 2900 4000
"""

MEDIAN_BAD = """SNP A1 A2 BETA P N
rs1 A G 0.5 0.2 5000
rs2 A C 0.6 0.4 5000
rs3 T C 0.4 0.6 5000
"""

# the columns in another order (Z takes P's place, N stays in its own), N integers
ORDER = """N SNP P A2 A1 BETA
800 rs1 0.2 G A 0.01
900 rs2 0.4 C A -0.01
1000 rs3 0.5 T C 0.001
"""

ORDER_MERGE = """SNP A1 A2
rs3 C T
rs1 A G
"""

TWO_INFO = """SNP A1 A2 BETA P N INFO1 INFO2
rs1 A G 0.01 0.2 100 0.95 0.97
rs2 A C -0.01 0.4 100 0.85 0.99
"""

# --daner with an N column: the N column is used (upstream's loop meant to drop it never does)
DANER_WITH_N = """SNP A1 A2 FRQ_A_100 FRQ_U_200 OR P N
rs1 A G 0.3 0.31 1.01 0.2 5000
rs2 A C 0.3 0.29 0.99 0.4 6000
rs3 T C 0.6 0.61 1.001 0.6 5500
"""

# an N column with N_CAS alone (N kept, integers) and with N_CAS and N_CON (N recomputed)
N_AND_CASES = """SNP A1 A2 BETA P N NCASE NCONTROL
rs1 A G 0.1 0.01 1000 400 600
rs2 A C -0.2 0.5 1200 500 700
rs3 A C 0.05 0.3 1100 450 650
"""


def random_file(rng, n=3000):
    """Rows of every kind in random proportions: bad alleles, missing cells, P outside (0, 1],
    low INFO and MAF, duplicated rs numbers, low N."""
    bases = np.array(list("ACGT"))
    rows = ["SNP\tA1\tA2\tBETA\tP\tN\tINFO\tEAF"]
    for _ in range(n):
        snp = f"rs{rng.integers(1, 2600)}"
        a1, a2 = rng.choice(bases, 2)
        u = rng.random()
        if u < 0.03:
            a1 = "I"
        elif u < 0.06:
            a1, a2 = a1.lower(), a2.lower()
        beta = f"{rng.normal(0, 0.02):.5f}" if rng.random() > 0.01 else "NA"
        u = rng.random()
        p = ("0" if u < 0.01 else "1.2" if u < 0.02 else f"{rng.random() ** 3 * 1e-12:.4g}"
             if u < 0.05 else "NA" if u < 0.06 else "1" if u < 0.065 else f"{rng.random():.5g}")
        nn = str(int(rng.integers(8000, 12001)) if rng.random() > 0.05 else int(rng.integers(300, 900)))
        u = rng.random()
        info = "." if u < 0.01 else "2.3" if u < 0.015 else f"{rng.uniform(0.7, 1.05):.4f}"
        u = rng.random()
        eaf = "1.1" if u < 0.01 else f"{rng.random():.4f}"
        rows.append("\t".join([snp, a1, a2, beta, p, nn, info, eaf]))
    return "\n".join(rows) + "\n"


def random_merge(rng):
    bases = list("ACGT")
    comp = {"A": "T", "C": "G", "G": "C", "T": "A"}
    rows = ["SNP A1 A2"]
    for i in rng.permutation(np.arange(1, 2800))[:1800]:
        a1, a2 = rng.choice(bases, 2, replace=False)
        if rng.random() < 0.3:
            a1, a2 = comp[a1], comp[a2]
        rows.append(f"rs{i} {a1} {a2}")
    return "\n".join(rows) + "\n"


# name, input, merge list or None, flags
CASES = [
    ("bulik_daner", "../../ldsc_test/munge_test/sumstats", None, ["--daner"]),
    ("bulik_daner_merge", "../../ldsc_test/munge_test/sumstats",
     "../../ldsc_test/munge_test/merge_alleles", ["--daner"]),
    ("bulik_daner_merge_bad", "../../ldsc_test/munge_test/sumstats",
     "../../ldsc_test/munge_test/merge_alleles_bad", ["--daner"]),
    ("filters", "filters.txt", None, []),
    ("filters_info_lower", "info_lower.txt", None, []),
    ("filters_keep_maf", "filters.txt", None, ["--keep-maf"]),
    ("filters_n_min", "filters.txt", None, ["--n-min", "6500", "--info-min", "0.8",
                                            "--maf-min", "0.004"]),
    ("filters_N_flag", "filters.txt", None, ["--N", "4321"]),  # the N column wins
    ("filters_merge", "filters.txt", "merge.txt", []),
    ("filters_merge_allbad", "filters.txt", "merge_allbad.txt", []),
    ("cases_n", "cases_n.txt", None, []),
    ("nstudy", "nstudy.txt", None, ["--N", "5000"]),
    ("nstudy_min", "nstudy.txt", None, ["--N-cas", "2000", "--N-con", "3000",
                                        "--nstudy-min", "2"]),
    ("synonyms", "synonyms.txt", None, []),
    ("two_signed", "two_signed.txt", None, []),
    ("two_signed_ignore", "two_signed.txt", None, ["--ignore", "z"]),
    ("two_signed_flag", "two_signed.txt", None, ["--signed-sumstats", "Z,0"]),
    ("two_signed_flag_null", "two_signed.txt", None, ["--signed-sumstats", "Z,1"]),
    ("a1_inc", "two_signed.txt", None, ["--a1-inc"]),
    ("zscore_dash", "zscore_dash.txt", None, []),
    ("no_alleles", "no_alleles.txt", None, ["--no-alleles", "--N", "1000"]),
    ("no_n", "no_alleles.txt", None, ["--no-alleles"]),
    ("flags", "flags.txt", None, ["--snp", "MyID", "--a1", "EffAll", "--a2", "OthAll", "--p",
                                  "PV", "--N-col", "SampN", "--info", "Imp", "--frq", "Freq",
                                  "--signed-sumstats", "Beta_1,0"]),
    ("daner_n", "daner_n.txt", None, ["--daner-n"]),
    ("median_bad", "median_bad.txt", None, []),
    ("order", "order.txt", None, []),
    ("order_merge", "order.txt", "order_merge.txt", []),
    ("info_list", "two_info.txt", None, ["--info-list", "INFO1,INFO2"]),
    ("daner_with_n", "daner_with_n.txt", None, ["--daner"]),
    ("n_and_cases", "n_and_cases.txt", None, []),
    ("n_and_ncase", "n_and_cases.txt", None, ["--ignore", "NCONTROL"]),
    ("random", "random.txt.gz", None, []),
    ("random_merge", "random.txt.gz", "random_merge.txt", []),
    ("random_keep_maf", "random.txt.gz", None, ["--keep-maf", "--n-min", "9000"]),
]

# the simulated GWAS files of tests/data/gsem/sim (60,000 rows each), with and without the
# HapMap3 list as merge list: only a SHA-256 of upstream's output is kept (it is 1-2 MB)
SIM_CASES = [
    ("sim_T1", "../../sim/raw/T1.txt.gz", None, []),
    ("sim_T1_merge", "../../sim/raw/T1.txt.gz", "../../sim/w_hm3.snplist.gz", []),
    ("sim_T2", "../../sim/raw/T2.txt.gz", None, []),
    ("sim_T2_merge", "../../sim/raw/T2.txt.gz", "../../sim/w_hm3.snplist.gz", []),
    ("sim_T4_merge", "../../sim/raw/T4.txt.gz", "../../sim/w_hm3.snplist.gz", []),
]

# the log lines read, as regular expressions (kept in reference.json for the tests, which read
# kestrel's log with them)
LOG_LINES = {
    "rows": r"Read (\d+) SNPs from --sumstats file",
    "not_in_merge": r"Removed (\d+) SNPs not in --merge-alleles",
    "na": r"Removed (\d+) SNPs with missing values",
    "info_low": r"Removed (\d+) SNPs with INFO <",  # (kestrel's log says <, upstream's <=)
    "frq_low": r"Removed (\d+) SNPs with MAF <=",
    "p_bad": r"Removed (\d+) SNPs with out-of-bounds p-values",
    "alleles_bad": r"Removed (\d+) variants that were not SNPs",
    "duplicates": r"Removed (\d+) SNPs with duplicated rs numbers",
    "n_low": r"Removed (\d+) SNPs with N <",
    "n_min": r"Removed \d+ SNPs with N < (\S+) \(",
    "nstudy_low": r"Removed (\d+) SNPs with NSTUDY <",
    "nstudy_min": r"Removed \d+ SNPs with NSTUDY < (\S+) \(",
    "merge_mismatch": r"Removed (\d+) SNPs whose alleles did not match",
    "written": r"Writing summary statistics for (\d+) SNPs",
    "nonmissing": r"\((\d+) with nonmissing beta\)",
    "median_signed": r"Median value of \S+ was (\S+), which",
    "mean_chisq": r"Mean chi\^2 = (\S+)",
    "lambda_gc": r"Lambda GC = (\S+)",
    "max_chisq": r"Max chi\^2 = (\S+)",
    "n_sig": r"(\d+) Genome-wide significant SNPs",
    "info_out_of_range": r"WARNING: (\d+) SNPs had INFO outside",
    "frq_out_of_range": r"WARNING: (\d+) SNPs had FRQ outside",
    "p_out_of_range": r"WARNING: (\d+) SNPs had P outside",
}


def write_inputs():
    inp = HERE / "inputs"
    inp.mkdir(exist_ok=True)
    for name, text in [("filters.txt", FILTERS), ("info_lower.txt", INFO_LOWER),
                       ("merge.txt", MERGE), ("merge_allbad.txt", MERGE_ALLBAD),
                       ("cases_n.txt", CASES_N), ("nstudy.txt", NSTUDY),
                       ("synonyms.txt", SYNONYMS), ("two_signed.txt", TWO_SIGNED),
                       ("zscore_dash.txt", ZSCORE_DASH), ("no_alleles.txt", NO_ALLELES),
                       ("flags.txt", FLAGS), ("daner_n.txt", DANER_N),
                       ("median_bad.txt", MEDIAN_BAD), ("order.txt", ORDER),
                       ("order_merge.txt", ORDER_MERGE), ("two_info.txt", TWO_INFO),
                       ("daner_with_n.txt", DANER_WITH_N), ("n_and_cases.txt", N_AND_CASES)]:
        (inp / name).write_text(text)
    rng = np.random.default_rng(20260101)
    with gzip.GzipFile(inp / "random.txt.gz", "wb", mtime=0) as f:
        f.write(random_file(rng).encode())
    (inp / "random_merge.txt").write_text(random_merge(rng))


def run_case(args, name, inp, merge, flags, work):
    out = work / name
    cmd = [args.python2, "munge_sumstats.py", "--sumstats", str(HERE / "inputs" / inp),
           "--out", str(out)] + flags
    if merge:
        cmd += ["--merge-alleles", str(HERE / "inputs" / merge)]
    r = subprocess.run(cmd, cwd=args.ldsc, capture_output=True, text=True)
    log = (out.with_suffix(".log")).read_text()
    case = {"name": name, "input": inp, "merge": merge, "flags": flags}
    if r.returncode != 0:
        errs = [ln for ln in r.stderr.splitlines() if "Error" in ln]
        case["error"] = errs[-1] if errs else r.stderr.strip().splitlines()[-1]
        return case
    for key, pat in LOG_LINES.items():
        m = re.search(pat, log)
        if m:
            v = m.group(1)
            case[key] = int(v) if v.isdigit() else float(v)
    with gzip.open(str(out) + ".sumstats.gz", "rt") as f:
        text = f.read()
    if name.startswith("sim_"):
        case["sha256"] = hashlib.sha256(text.encode()).hexdigest()
    else:
        (HERE / "ref" / f"{name}.sumstats").write_text(text)
        case["output"] = f"ref/{name}.sumstats"
    return case


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ldsc", required=True, help="a bulik/ldsc checkout")
    ap.add_argument("--python2", required=True)
    ap.add_argument("--commit", help="the checkout's commit, where it is not a git work tree")
    args = ap.parse_args()
    write_inputs()
    ref = HERE / "ref"
    shutil.rmtree(ref, ignore_errors=True)
    ref.mkdir()
    versions = subprocess.run(
        [args.python2, "-c", "import numpy, pandas, scipy, sys; sys.stdout.write(' '.join(["
         "sys.version.split()[0], numpy.__version__, pandas.__version__, scipy.__version__]))"],
        capture_output=True, text=True, check=True).stdout.split()
    commit = args.commit or subprocess.run(["git", "-C", args.ldsc, "rev-parse", "HEAD"],
                                           capture_output=True, text=True).stdout.strip()
    with tempfile.TemporaryDirectory() as work:
        cases = [run_case(args, *c, pathlib.Path(work)) for c in CASES + SIM_CASES]
    meta = {"tool": "bulik/ldsc munge_sumstats.py", "ldsc_commit": commit,
            "python": versions[0], "numpy": versions[1], "pandas": versions[2],
            "scipy": versions[3], "log_patterns": LOG_LINES}
    (HERE / "reference.json").write_text(json.dumps({"meta": meta, "cases": cases}, indent=1) + "\n")


if __name__ == "__main__":
    main()
