#!/usr/bin/env python3
"""kestrel.sem against R lavaan (0.6-14) on the same models and data, in one run: lavaan's
Holzinger-Swineford CFA and its PoliticalDemocracy SEM (ML, raw data), and a one-factor model of
--p indicators on simulated data. Each side fits --reps times in one process (after a warm-up
fit); the median time per fit of each and their ratio are printed. lavaan runs with its defaults
(nlminb to rel.tol 1e-10); kestrel to a gradient of 1e-10, so kestrel does more work per fit.
Usage: bench_sem.py [--reps 50] [--p 30]
"""
import argparse
import pathlib
import statistics
import subprocess
import tempfile
import time

import numpy as np
import pandas as pd

from kestrel import sem

ROOT = pathlib.Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "sem"

R_SCRIPT = r"""
suppressPackageStartupMessages(library(lavaan))
a <- commandArgs(trailingOnly = TRUE)
d <- read.csv(a[1]); model <- paste(readLines(a[2]), collapse = "\n"); reps <- as.integer(a[3])
f <- get(a[4])
invisible(f(model, data = d))
t <- sapply(seq_len(reps), function(i) system.time(f(model, data = d))[["elapsed"]])
cat(median(t), "\n")
"""


def kestrel_time(call, model, data, reps):
    f = getattr(sem, call)
    f(model, data=data)
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter()
        f(model, data=data)
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts)


def lavaan_time(call, model, csv, reps, tmp):
    mfile = tmp / "model.lav"
    mfile.write_text(model)
    rfile = tmp / "bench.R"
    rfile.write_text(R_SCRIPT)
    r = subprocess.run(["Rscript", str(rfile), str(csv), str(mfile), str(reps), call],
                       capture_output=True, text=True, check=True)
    return float(r.stdout.split()[0])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=50)
    ap.add_argument("--p", type=int, default=30)
    a = ap.parse_args()
    tmp = pathlib.Path(tempfile.mkdtemp())
    rng = np.random.default_rng(1)
    y = rng.normal(size=(1000, a.p)) + rng.normal(size=(1000, 1))
    big = pd.DataFrame(y, columns=[f"v{i}" for i in range(a.p)])
    big_csv = tmp / "big.csv"
    big.to_csv(big_csv, index=False)
    cases = [
        ("HS CFA (9 ov, 3 lv)", "cfa", (DATA / "api" / "hs.lav").read_text(),
         DATA / "HolzingerSwineford1939.csv"),
        ("PoliticalDemocracy SEM (labels, :=)", "sem", (DATA / "api" / "pd.lav").read_text(),
         DATA / "PoliticalDemocracy.csv"),
        (f"1 factor, {a.p} indicators, N 1000", "cfa", "f =~ " + " + ".join(big.columns),
         big_csv),
    ]
    print(f"{'model':40s} {'kestrel ms':>11s} {'lavaan ms':>10s} {'ratio':>7s}")
    for name, call, model, csv in cases:
        data = pd.read_csv(csv)
        k = kestrel_time(call, model, data, a.reps)
        r = lavaan_time(call, model, csv, max(5, a.reps // 5), tmp)
        print(f"{name:40s} {1e3 * k:11.2f} {1e3 * r:10.1f} {r / k:7.0f}x")


if __name__ == "__main__":
    main()
