#!/usr/bin/env python3
"""kestrel munge / ldsc / sumstats against R GenomicSEM on large simulated inputs, in one run.

Inputs (made once into bench/out/gsem/, by the fixture's generative model, see
tests/data/gsem and tests/data/PROVENANCE.md): a HapMap3-sized reference list of --snps
SNPs (1.2M) over 22 chromosomes with LD scores (a smooth AR(1) log process, mean about 100) and
M_5_50; five traits whose z are drawn as z_j ~ N(0, 1 + N h2 l_j / M) with a shared genetic
factor, written as raw GWAS files (`SNP A1 A2 BETA SE P N MAF INFO`, 7 significant digits as GWAS
files carry, half the SNPs against the other allele), one row per reference SNP; and one --rows-row (10M) raw file: the reference SNPs
plus SNPs the list does not hold.
Measured: munge throughput (MB/s of uncompressed input per core) and peak memory on the 10M-row
file at 1 thread; munge of the five traits at 1 and 2 threads; ldsc on the five munged traits;
sumstats of the five raw files (OLS) against a reference `SNP CHR BP MAF A1 A2` made from the
list, the LD files' positions and T1's MAF; and, when R GenomicSEM is installed
(`library(GenomicSEM)`), its munge(), ldsc() and sumstats() on the same files. Usage: bench_gsem.py [--snps 1200000] [--rows 10000000] [--reps 3] [--no-r]
"""
import argparse
import gzip
import os
import pathlib
import shutil
import statistics
import subprocess
import sys
import time

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out" / "gsem"
KESTREL = ROOT / "build" / "kestrel"
TRAITS = ["T1", "T2", "T3", "T4", "T5"]
N = [100000, 80000, 120000, 60000, 150000]
H2 = [0.25, 0.22, 0.17, 0.15, 0.14]
BASES = np.array(list("ACGT"))


def alleles(rng, n):
    a1 = rng.integers(0, 4, n)
    a2 = (a1 + rng.integers(1, 4, n)) % 4
    return BASES[a1], BASES[a2]


def write_table(path, cols, header):
    import pandas as pd
    df = pd.DataFrame(dict(zip(header, cols)))
    df.to_csv(path, sep=" " if not str(path).endswith(".l2.ldscore.gz") else "\t", index=False,
              float_format="%.7g", compression={"method": "gzip", "compresslevel": 1})


def make_inputs(snps, rows, seed=20261202):
    OUT.mkdir(parents=True, exist_ok=True)
    stamp = OUT / f"made_{snps}_{rows}"
    if stamp.exists():
        return
    from scipy.stats import norm
    rng = np.random.default_rng(seed)
    ids = np.array([f"rs{i}" for i in range(1, snps + 1)])
    a1, a2 = alleles(rng, snps)
    chr_ = np.sort(rng.integers(1, 23, snps))
    bp = np.zeros(snps, dtype=np.int64)
    l2 = np.empty(snps)
    (OUT / "ld").mkdir(exist_ok=True)
    for c in range(1, 23):
        idx = np.where(chr_ == c)[0]
        bp[idx] = np.cumsum(rng.integers(100, 5000, len(idx)))
        e = np.empty(len(idx))  # AR(1) on log L2
        e[0] = rng.normal()
        for i in range(1, len(idx)):
            e[i] = 0.9 * e[i - 1] + np.sqrt(1 - 0.81) * rng.normal()
        l2[idx] = np.exp(np.log(100) - 0.125 + 0.5 * e)
        write_table(OUT / "ld" / f"{c}.l2.ldscore.gz",
                    [np.full(len(idx), c), ids[idx], bp[idx], bp[idx] / 1e6, np.full(len(idx), 0.3),
                     np.round(l2[idx], 3)], ["CHR", "SNP", "BP", "CM", "MAF", "L2"])
        (OUT / "ld" / f"{c}.l2.M_5_50").write_text(f"{int(5961159 * len(idx) / snps)}\n")
    with gzip.open(OUT / "w_hm3.snplist.gz", "wt", compresslevel=1) as f:
        f.write("SNP A1 A2\n")
        f.write("\n".join(f"{s} {x} {y}" for s, x, y in zip(ids, a1, a2)) + "\n")
    M = 5961159.0
    maf = rng.uniform(0.02, 0.5, snps)
    g = rng.normal(size=snps)  # the shared genetic factor
    for t, n, h in zip(TRAITS, N, H2):
        sd = np.sqrt(1 + n * h * l2 / M)
        gz = 0.6 * g + 0.8 * rng.normal(size=snps)
        z = sd * gz
        flip = rng.uniform(size=snps) < 0.5
        se = 1 / np.sqrt(2 * maf * (1 - maf) * n)
        beta = np.where(flip, -z, z) * se
        p = 2 * norm.sf(np.abs(z))
        write_table(OUT / f"{t}.txt.gz",
                    [ids, np.where(flip, a2, a1), np.where(flip, a1, a2), beta, se, p,
                     np.full(snps, n), np.where(flip, 1 - maf, maf), rng.uniform(0.9, 1, snps)],
                    ["SNP", "A1", "A2", "BETA", "SE", "P", "N", "MAF", "INFO"])
    # the big file: the reference SNPs (T1's rows) plus rows - snps SNPs not in the list
    extra = rows - snps
    import pandas as pd
    t1 = pd.read_csv(OUT / "T1.txt.gz", sep=" ")
    t1.to_csv(OUT / "big.txt.gz", sep=" ", index=False, float_format="%.7g",
              compression={"method": "gzip", "compresslevel": 1})
    chunk = 2_000_000
    for s0 in range(0, extra, chunk):
        k = min(chunk, extra - s0)
        x1, x2 = alleles(rng, k)
        z = rng.normal(size=k)
        m = rng.uniform(0.02, 0.5, k)
        se = 1 / np.sqrt(2 * m * (1 - m) * 1e5)
        df = pd.DataFrame({"SNP": [f"rs{snps + s0 + i + 1}x" for i in range(k)], "A1": x1, "A2": x2,
                           "BETA": z * se, "SE": se, "P": 2 * norm.sf(np.abs(z)), "N": 100000,
                           "MAF": m, "INFO": rng.uniform(0.9, 1, k)})
        with gzip.open(OUT / "big.txt.gz", "ab", compresslevel=1) as f:
            f.write(df.to_csv(sep=" ", index=False, header=False, float_format="%.7g").encode())
    stamp.write_text("ok\n")


def make_sumstats_ref():
    """The sumstats reference of the same SNPs (made once): the list's alleles, the LD files'
    CHR and BP, T1's MAF folded."""
    path = OUT / "reference.txt.gz"
    if path.exists():
        return path
    import pandas as pd
    ld = pd.concat([pd.read_csv(OUT / "ld" / f"{c}.l2.ldscore.gz", sep="\t", usecols=["CHR", "SNP", "BP"])
                    for c in range(1, 23)])
    hm3 = pd.read_csv(OUT / "w_hm3.snplist.gz", sep=" ")
    t1 = pd.read_csv(OUT / "T1.txt.gz", sep=" ", usecols=["SNP", "MAF"])
    t1["MAF"] = np.minimum(t1["MAF"], 1 - t1["MAF"]).round(4)
    ref = ld.merge(t1, on="SNP").merge(hm3, on="SNP")[["SNP", "CHR", "BP", "MAF", "A1", "A2"]]
    ref.to_csv(path, sep="\t", index=False, compression={"method": "gzip", "compresslevel": 1})
    return path


def run(cmd, cwd=None):
    """Wall time and peak memory (MB, by GNU time; NaN without it) of one process."""
    gnu = shutil.which("time") and os.path.exists("/usr/bin/time")
    full = ["/usr/bin/time", "-f", "KS_MAXRSS %M"] + cmd if gnu else cmd
    t = time.perf_counter()
    r = subprocess.run(full, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - t
    if r.returncode != 0:
        raise RuntimeError(f"{cmd[0]} failed: {r.stderr}")
    rss = [l for l in r.stderr.splitlines() if l.startswith("KS_MAXRSS ")]
    return wall, float(rss[-1].split()[1]) / 1024.0 if rss else float("nan")


def uncompressed_mb(path):
    n = 0
    with gzip.open(path, "rb") as f:
        while True:
            b = f.read(1 << 24)
            if not b:
                return n / 1e6
            n += len(b)


R_SCRIPT = r"""
suppressMessages(library(GenomicSEM))
args <- commandArgs(TRUE); d <- args[1]; setwd(args[2])
tr <- c("T1","T2","T3","T4","T5")
t0 <- proc.time()[3]
munge(files = file.path(d, paste0(tr, ".txt.gz")), hm3 = file.path(d, "w_hm3.snplist.gz"), trait.names = tr)
t1 <- proc.time()[3]
L <- ldsc(traits = paste0(tr, ".sumstats.gz"), sample.prev = rep(NA, 5), population.prev = rep(NA, 5),
          ld = file.path(d, "ld"), wld = file.path(d, "ld"), trait.names = tr)
t2 <- proc.time()[3]
SS <- sumstats(files = file.path(d, paste0(tr, ".txt.gz")), ref = file.path(d, "reference.txt.gz"),
               trait.names = tr, se.logit = rep(FALSE, 5), OLS = rep(TRUE, 5))
t3 <- proc.time()[3]
cat(sprintf("munge %.3f ldsc %.3f S11 %.17g sumstats %.3f rows %d beta %.17g\n", t1 - t0, t2 - t1,
            L$S[1, 1], t3 - t2, nrow(SS), SS$beta.T1[1]))
"""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--snps", type=int, default=1_200_000)
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--no-r", action="store_true")
    a = ap.parse_args()
    t = time.perf_counter()
    make_inputs(a.snps, a.rows)
    print(f"inputs ready in {time.perf_counter() - t:.0f} s ({OUT})", flush=True)
    work = OUT / "work"
    work.mkdir(exist_ok=True)
    big = OUT / "big.txt.gz"
    mb = uncompressed_mb(big)
    res = []
    for _ in range(a.reps):
        res.append(run([str(KESTREL), "munge", "--files", str(big), "--hm3", str(OUT / "w_hm3.snplist.gz"),
                        "--out-dir", str(work), "--threads", "1"]))
    w = statistics.median(r[0] for r in res)
    print(f"munge {a.rows:,}-row file ({big.stat().st_size / 1e6:.0f} MB gzip, {mb:.0f} MB "
          f"uncompressed), 1 thread: {w:.2f} s = {mb / w:.0f} MB/s per core, peak memory "
          f"{max(r[1] for r in res):.0f} MB", flush=True)
    files = ",".join(str(OUT / f"{t}.txt.gz") for t in TRAITS)
    mb5 = sum(uncompressed_mb(OUT / f"{t}.txt.gz") for t in TRAITS)
    for th in (1, 2):
        res = [run([str(KESTREL), "munge", "--files", files, "--hm3", str(OUT / "w_hm3.snplist.gz"),
                    "--out-dir", str(work), "--threads", str(th)]) for _ in range(a.reps)]
        w = statistics.median(r[0] for r in res)
        print(f"munge 5 traits x {a.snps:,} rows ({mb5:.0f} MB uncompressed), {th} thread(s): "
              f"{w:.2f} s = {mb5 / w / th:.0f} MB/s per core, peak {max(r[1] for r in res):.0f} MB",
              flush=True)
    kmunge = w
    traits = ",".join(str(work / f"{t}.sumstats.gz") for t in TRAITS)
    res = [run([str(KESTREL), "ldsc", "--traits", traits, "--ld", str(OUT / "ld"), "--out",
                str(work / "ldsc")]) for _ in range(a.reps)]
    kldsc = statistics.median(r[0] for r in res)
    print(f"ldsc 5 traits on {a.snps:,} SNPs: {kldsc:.2f} s, peak {max(r[1] for r in res):.0f} MB",
          flush=True)
    sref = make_sumstats_ref()
    res = [run([str(KESTREL), "sumstats", "--files", files, "--ref", str(sref), "--trait-names",
                ",".join(TRAITS), "--se-logit", "F,F,F,F,F", "--ols", "T,T,T,T,T", "--out",
                str(work / "merged.tsv.gz"), "--threads", "2"]) for _ in range(a.reps)]
    kss = statistics.median(r[0] for r in res)
    print(f"sumstats 5 traits x {a.snps:,} rows, 2 threads: {kss:.2f} s, peak "
          f"{max(r[1] for r in res):.0f} MB", flush=True)
    if a.no_r or not shutil.which("Rscript"):
        return
    rdir = OUT / "r_work"
    rdir.mkdir(exist_ok=True)
    (rdir / "bench.R").write_text(R_SCRIPT)
    r = subprocess.run(["Rscript", str(rdir / "bench.R"), str(OUT), str(rdir)], capture_output=True,
                       text=True)
    line = [l for l in r.stdout.splitlines() if l.startswith("munge ")]
    if r.returncode or not line:
        print("R GenomicSEM: not run (" + (r.stderr.strip().splitlines() or ["no output"])[-1] + ")")
        return
    f = line[0].split()
    rm, rl, s11, rs, rrows, rbeta = (float(f[1]), float(f[3]), float(f[5]), float(f[7]),
                                     int(f[9]), float(f[11]))
    import pandas as pd
    ks11 = pd.read_csv(work / "ldsc_S.tsv", sep="\t", index_col=0).values[0, 0]
    m = pd.read_csv(work / "merged.tsv.gz", sep="\t", nrows=1)
    krows = sum(1 for _ in gzip.open(work / "merged.tsv.gz", "rt")) - 1
    print(f"R GenomicSEM: munge {rm:.1f} s, ldsc {rl:.1f} s (S11 {s11:.10g}, kestrel {ks11:.10g}), "
          f"sumstats {rs:.1f} s ({rrows} rows, beta.T1[1] {rbeta:.10g}; kestrel {krows} rows, "
          f"{m['beta.T1'][0]:.10g})")
    print(f"ratio: munge {rm / kmunge:.1f}x (kestrel at 2 threads), ldsc {rl / kldsc:.1f}x, "
          f"sumstats {rs / kss:.1f}x, munge + ldsc {(rm + rl) / (kmunge + kldsc):.1f}x, "
          f"all three {(rm + rl + rs) / (kmunge + kldsc + kss):.1f}x")


if __name__ == "__main__":
    sys.exit(main())
