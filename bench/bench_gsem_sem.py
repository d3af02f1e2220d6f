#!/usr/bin/env python3
"""GenomicSEM's model fits and multivariate GWAS: kestrel against R GenomicSEM in one run.

Inputs: R's own covstruc of the simulated fixture (tests/data/gsem/ref/ldsc_*.tsv: five traits)
and a synthetic SNP table of --snps SNPs in sumstats()'s columns (bench/gwas_synth.py, written
once into bench/out/gsem_sem/). kestrel side:
- usermodel (the one-factor model) and commonfactor, DWLS: the median wall time of --reps calls
  in one Python process (after a warm-up call);
- `kestrel gwas` (userGWAS, fix_measurement=TRUE, Q_SNP, sub F1~SNP) and `kestrel
  commonfactorgwas` on every SNP, and `kestrel gwas --no-fix-measurement` on --free-snps SNPs, at
  the default thread count (every core): wall time and peak memory (/usr/bin/time's maximum
  resident set size) of the whole command, reading the table and writing the rows included.
R side (when R GenomicSEM is installed: bench/install_genomicsem.sh): bench/gsem_sem_peer.R on
the first --r-snps SNPs of the same table (marginal seconds per SNP; usermodel and commonfactor
per call). The ratios compare seconds per SNP (per call for the model fits).
Usage: bench_gsem_sem.py [--snps 1000000] [--free-snps 100000] [--r-snps 20] [--reps 20]
                         [--no-r]
"""
import argparse
import pathlib
import re
import statistics
import subprocess
import sys
import time

import numpy as np
import pandas as pd

ROOT = pathlib.Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out" / "gsem_sem"
KESTREL = ROOT / "build" / "kestrel"
REF = ROOT / "tests" / "data" / "gsem" / "ref"
ONE = "F1 =~ NA*T1 + T2 + T3 + T4 + T5\nF1 ~~ 1*F1"


def covstruc():
    from kestrel import gsem

    def m(name):
        return pd.read_csv(REF / f"ldsc_{name}.tsv", sep="\t", index_col=0).to_numpy()

    names = ["T1", "T2", "T3", "T4", "T5"]
    N = pd.read_csv(REF / "ldsc_N.tsv", sep="\t").to_numpy().ravel()
    cs = gsem.covstruc(S=m("S"), V=m("V"), I=m("I"), N=N,
                       m=float((REF / "ldsc_m.txt").read_text()), names=names)
    return cs


def timed(cmd):
    """Wall seconds and peak RSS (MB) of a command, through GNU time."""
    t0 = time.perf_counter()
    r = subprocess.run(["/usr/bin/time", "-v", *cmd], capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if r.returncode:
        sys.exit(f"{' '.join(cmd)} failed:\n{r.stderr[-2000:]}")
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", r.stderr).group(1))
    return wall, rss / 1024


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--snps", type=int, default=1_000_000)
    ap.add_argument("--free-snps", type=int, default=100_000)
    ap.add_argument("--r-snps", type=int, default=20)
    ap.add_argument("--reps", type=int, default=20)
    ap.add_argument("--no-r", action="store_true")
    a = ap.parse_args()
    from kestrel import gsem
    OUT.mkdir(parents=True, exist_ok=True)
    table = OUT / f"snps_{a.snps}.tsv.gz"
    if not table.exists():
        subprocess.run([sys.executable, str(ROOT / "bench" / "gwas_synth.py"), str(table),
                        "--snps", str(a.snps), "--traits", "5"], check=True)
    free_table = OUT / f"snps_{a.free_snps}.tsv.gz"
    if not free_table.exists():
        subprocess.run([sys.executable, str(ROOT / "bench" / "gwas_synth.py"), str(free_table),
                        "--snps", str(a.free_snps), "--traits", "5"], check=True)
    cs = covstruc()
    cs_file = OUT / "covstruc.txt"
    cs.save(cs_file)

    rows = []
    for what, call in (("usermodel", lambda: gsem.usermodel(cs, ONE)),
                       ("commonfactor", lambda: gsem.commonfactor(cs))):
        call()
        ts = []
        for _ in range(a.reps):
            t0 = time.perf_counter()
            call()
            ts.append(time.perf_counter() - t0)
        rows.append((what, 1, statistics.median(ts), None))
    gm = ONE + "\nF1 ~ SNP"
    for what, extra, src, n in (
            ("userGWAS", ["gwas", "--model", gm, "--q-snp", "--sub", "F1~SNP"], table, a.snps),
            ("commonfactorGWAS", ["commonfactorgwas"], table, a.snps),
            ("userGWAS_free", ["gwas", "--model", gm, "--q-snp", "--no-fix-measurement"],
             free_table, a.free_snps)):
        wall, rss = timed([str(KESTREL), *extra, "--ldsc", str(cs_file), "--snps", str(src),
                           "--out", str(OUT / f"{what}.tsv.gz")])
        rows.append((what, n, wall, rss))

    r_per = {}
    if not a.no_r:
        peer = subprocess.run(
            ["Rscript", str(ROOT / "bench" / "gsem_sem_peer.R"), f"snps={table}",
             f"n={a.r_snps}", "cores=1"], capture_output=True, text=True, cwd=ROOT)
        if peer.returncode:
            print(f"(R GenomicSEM not run: {peer.stderr.strip()[-300:]})")
        else:
            lines = [l.split("\t") for l in peer.stdout.strip().splitlines()]
            head = lines[0]
            for l in lines[1:]:
                d = dict(zip(head, l))
                per = d.get("marginal_seconds_per_snp", "NA")
                name = d["function"]
                if name == "userGWAS" and "fix_measurement=FALSE" in d.get("options", ""):
                    name = "userGWAS_free"
                r_per[name] = float(per if per not in ("NA", "") else d["seconds"])
    print(f"{'call':18s} {'SNPs':>9s} {'kestrel s':>10s} {'per SNP/call':>13s} {'RSS MB':>7s} "
          f"{'R per SNP/call':>15s} {'ratio':>8s}")
    for what, n, wall, rss in rows:
        per = wall / n
        r = r_per.get(what)
        print(f"{what:18s} {n:9d} {wall:10.3f} {per:13.3g} "
              f"{'' if rss is None else f'{rss:7.0f}':>7s} "
              f"{'' if r is None else f'{r:15.3g}':>15s} "
              f"{'' if r is None else f'{r / per:7.0f}x':>8s}")


if __name__ == "__main__":
    main()
