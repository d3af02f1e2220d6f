#!/usr/bin/env python3
"""kestrel.mars vs R earth (and pymars once) on the same data, in one run.

Data: Friedman #1 (p = 10: y = 10 sin(pi x1 x2) + 20 (x3 - 0.5)^2 + 10 x4 + 5 x5 + N(0, 1), x
uniform), generated here with a fixed seed and written to one CSV per size that both tools read;
earth's defaults (nk = 21, penalty 2 / 3, thresh 0.001, fast.k 20, backward pruning) at degree 1
and 2. Each tool runs in its own process; the time is the median of warm fits after one warm-up
(loading excluded): kestrel from NumPy arrays at 1 and 2 threads, earth from an R matrix
(`earth(x, y, degree = d)`, Rscript). Both models' GCV are printed so that a fast wrong answer
cannot pass (they agree to rounding: the same terms are chosen).
Usage: bench_mars.py [--sizes 1000,10000,100000] [--degrees 1,2] [--reps N] [--pymars] [--no-earth]
"""
import argparse
import json
import os
import pathlib
import shutil
import statistics
import subprocess
import sys
import time

import numpy as np

OUT = pathlib.Path(__file__).resolve().parent / "out"

R_SCRIPT = r"""
suppressMessages(library(earth))
args <- commandArgs(TRUE)
d <- read.csv(args[1]); deg <- as.integer(args[2]); reps <- as.integer(args[3])
x <- as.matrix(d[, paste0("x", 1:10)]); y <- d$y
m <- earth(x, y, degree = deg)            # warm-up
ts <- numeric(reps)
for (i in seq_len(reps)) ts[i] <- system.time(m <- earth(x, y, degree = deg))[["elapsed"]]
cat(sprintf('{"median_s": %.6f, "times": [%s], "gcv": %.17g, "nterms": %d}\n', median(ts),
            paste(sprintf("%.6f", ts), collapse = ","), m$gcv, length(m$selected.terms)))
"""


def data(n):
    path = OUT / f"friedman1_{n}.csv"
    if not path.exists():
        OUT.mkdir(exist_ok=True)
        rng = np.random.default_rng(20261201 + n)
        X = rng.uniform(size=(n, 10))
        y = (10 * np.sin(np.pi * X[:, 0] * X[:, 1]) + 20 * (X[:, 2] - 0.5) ** 2 + 10 * X[:, 3]
             + 5 * X[:, 4] + rng.normal(size=n))
        header = ",".join([f"x{j}" for j in range(1, 11)] + ["y"])
        np.savetxt(path, np.column_stack([X, y]), delimiter=",", header=header, comments="",
                   fmt="%.17g")
    return path


def worker(n, degree, threads, reps):
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[var] = str(threads)
    from kestrel.mars import Earth
    d = np.loadtxt(data(n), delimiter=",", skiprows=1)
    X, y = d[:, :10].copy(), d[:, 10].copy()
    Earth(max_degree=degree, threads=threads).fit(X, y)
    ts = []
    for _ in range(reps):
        t = time.perf_counter()
        m = Earth(max_degree=degree, threads=threads).fit(X, y)
        ts.append(time.perf_counter() - t)
    print(json.dumps({"median_s": statistics.median(ts), "times": ts, "gcv": m.gcv_,
                      "nterms": len(m.selected_)}))


def run_kestrel(n, degree, threads, reps):
    r = subprocess.run([sys.executable, __file__, "--worker", str(n), str(degree), str(threads),
                        str(reps)], capture_output=True, text=True, check=True)
    return json.loads(r.stdout.strip().splitlines()[-1])


def run_earth(n, degree, reps):
    if not shutil.which("Rscript"):
        return None
    script = OUT / "bench_earth.R"
    script.write_text(R_SCRIPT)
    r = subprocess.run(["Rscript", str(script), str(data(n)), str(degree), str(reps)],
                       capture_output=True, text=True)
    if r.returncode != 0:
        print(r.stderr, file=sys.stderr)
        return None
    return json.loads(r.stdout.strip().splitlines()[-1])


def run_pymars(n, reps=1):
    try:
        import pymars  # noqa: F401
    except ImportError:
        return None
    code = (f"import numpy as np, time, json, pymars\n"
            f"d = np.loadtxt('{data(n)}', delimiter=',', skiprows=1)\n"
            f"X, y = d[:, :10], d[:, 10]\nts = []\n"
            f"for _ in range({reps}):\n"
            f"    t = time.perf_counter(); m = pymars.Earth(max_degree=1).fit(X, y); "
            f"ts.append(time.perf_counter() - t)\n"
            f"print(json.dumps({{'median_s': sorted(ts)[len(ts) // 2], 'gcv': float(m.gcv_)}}))\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    return json.loads(r.stdout.strip().splitlines()[-1]) if r.returncode == 0 else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1000,10000,100000")
    ap.add_argument("--degrees", default="1,2")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--pymars", action="store_true", help="also pymars at n = 1,000, degree 1")
    ap.add_argument("--no-earth", action="store_true", help="kestrel only")
    ap.add_argument("--worker", nargs=4, type=int, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.worker:
        worker(*a.worker)
        return
    rows = []
    for n in (int(s) for s in a.sizes.split(",")):
        for degree in (int(s) for s in a.degrees.split(",")):
            reps = max(1, a.reps if n <= 100000 else 1)
            e = None if a.no_earth else run_earth(n, degree,
                                                  reps if n <= 10000 else max(1, reps // 2))
            k1 = run_kestrel(n, degree, 1, reps)
            k2 = run_kestrel(n, degree, 2, reps)
            for th, k in ((1, k1), (2, k2)):
                ratio = e["median_s"] / k["median_s"] if e else float("nan")
                rows.append((n, degree, th, k["median_s"], e["median_s"] if e else float("nan"),
                             ratio, k["gcv"], e["gcv"] if e else float("nan")))
                print(f"n {n} degree {degree} threads {th}: kestrel {k['median_s']:.4f} s, "
                      f"earth {e['median_s'] if e else float('nan'):.4f} s, {ratio:.1f}x "
                      f"(GCV {k['gcv']:.10g} / {e['gcv'] if e else float('nan'):.10g})",
                      flush=True)
    if a.pymars:
        pm = run_pymars(1000)
        if pm:
            print(f"pymars n 1000 degree 1: {pm['median_s']:.3f} s (GCV {pm['gcv']:.6g}; its "
                  f"own GCV and forward criterion, not earth's)")
    print("\n| n | degree | threads | kestrel s | earth s | ratio | GCV kestrel | GCV earth |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r[0]:,} | {r[1]} | {r[2]} | {r[3]:.4f} | {r[4]:.4f} | {r[5]:.1f}x | "
              f"{r[6]:.10g} | {r[7]:.10g} |")


if __name__ == "__main__":
    main()
