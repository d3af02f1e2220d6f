#!/usr/bin/env python3
"""Reading a large numeric CSV: kestrel (the `kestrel describe` command, C) against pandas
(read_csv, C engine), same file, one run. Reports seconds, MB/s and peak RSS relative to the
numeric size of the data (rows x columns x 8 bytes). Usage: bench_csv.py [--rows N] [--cols K]
"""
import argparse
import os
import pathlib
import resource
import subprocess
import sys
import time

import numpy as np

OUT = pathlib.Path(__file__).resolve().parent / "out"
ROOT = pathlib.Path(__file__).resolve().parents[1]


def make(path, rows, cols, seed=3):
    rng = np.random.default_rng(seed)
    with open(path, "w") as f:
        f.write(",".join(f"x{j}" for j in range(cols)) + "\n")
        step = 200_000
        for start in range(0, rows, step):
            block = rng.normal(size=(min(step, rows - start), cols))
            np.savetxt(f, block, delimiter=",", fmt="%.17g")


def timed(cmd):
    t0 = time.perf_counter()
    r = subprocess.run(cmd, capture_output=True, text=True)
    dt = time.perf_counter() - t0
    if r.returncode:
        sys.exit(r.stderr)
    return dt, r.stdout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=12_000_000)
    ap.add_argument("--cols", type=int, default=5)
    a = ap.parse_args()
    OUT.mkdir(exist_ok=True)
    path = OUT / f"numeric_{a.rows}x{a.cols}.csv"
    if not path.exists():
        make(path, a.rows, a.cols)
    size_mb = path.stat().st_size / 2**20
    numeric_mb = a.rows * a.cols * 8 / 2**20
    exe = str(ROOT / "build" / "kestrel")
    rss = "/usr/bin/time"
    for name, cmd in [("kestrel", [exe, "describe", "--data", str(path)]),
                      ("pandas", [sys.executable, "-c",
                                  f"import pandas as pd; d = pd.read_csv({str(path)!r}); print(d.shape)"])]:
        if os.path.exists(rss):
            dt, _ = timed([rss, "-f", "%M", "-o", str(OUT / "rss.txt")] + cmd)
            peak = int((OUT / "rss.txt").read_text().split()[-1]) / 1024
        else:
            dt, _ = timed(cmd)
            peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(f"{name:8s} {size_mb:7.0f} MB file, {numeric_mb:6.0f} MB numeric: {dt:6.2f} s, "
              f"{size_mb / dt:6.0f} MB/s, peak RSS {peak:6.0f} MB = {peak / numeric_mb:4.2f}x numeric")


if __name__ == "__main__":
    main()
