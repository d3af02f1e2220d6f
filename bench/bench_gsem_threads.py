#!/usr/bin/env python3
"""kestrel munge / ldsc / sumstats: the default thread count against --threads 1, wall and CPU
time (median of interleaved runs), on the fixture (tests/data/gsem/sim, 60,000 SNPs, 5 traits)
and on bench_gsem.py's inputs (1.2M SNPs, 5 traits; made once into bench/out/gsem).
Usage: bench_gsem_threads.py [--reps 11] [--large]"""
import argparse
import os
import pathlib
import statistics
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
KESTREL = str(ROOT / "build" / "kestrel")
FIX = ROOT / "tests" / "data" / "gsem" / "sim"
BIG = ROOT / "bench" / "out" / "gsem"


def timed(cmd):
    """Wall and CPU (user + system) seconds of one run."""
    t = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, ru = os.wait4(p.pid, 0)
    if status:
        raise RuntimeError(f"{cmd[1]} failed: {p.stderr.read().decode()}")
    return time.perf_counter() - t, ru.ru_utime + ru.ru_stime


def compare(name, inputs, reps):
    raw, hm3, ld, ref = inputs
    out = ROOT / "bench" / "out" / "threads" / name
    out.mkdir(parents=True, exist_ok=True)
    munged = ",".join(str(out / f"T{i}.sumstats.gz") for i in range(1, 6))
    cmds = {"munge": ["munge", "--files", raw, "--hm3", hm3, "--out-dir", str(out)],
            "ldsc": ["ldsc", "--traits", munged, "--ld", ld, "--out", str(out / "cov")],
            "sumstats": ["sumstats", "--files", raw, "--ref", ref, "--se-logit", "F,F,F,F,F",
                         "--ols", "T,T,T,T,T", "--out", str(out / "merged.tsv")]}
    timed([KESTREL] + cmds["munge"])
    for what, args in cmds.items():
        runs = {"default": [], "1": []}
        for r in range(reps):  # (ABBA: the machine's other load drifts)
            order = [("default", []), ("1", ["--threads", "1"])]
            for key, extra in order if r % 2 else order[::-1]:
                runs[key].append(timed([KESTREL] + args + extra))
        med = {k: (statistics.median(w for w, _ in v), statistics.median(c for _, c in v))
               for k, v in runs.items()}
        print(f"{name:5s} {what:8s} wall: default {med['default'][0]:7.3f} s, --threads 1 "
              f"{med['1'][0]:7.3f} s (ratio {med['default'][0] / med['1'][0]:.2f}); cpu: "
              f"{med['default'][1]:.3f} / {med['1'][1]:.3f} s", flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=11)
    ap.add_argument("--large", action="store_true", help="also bench_gsem.py's 1.2M-SNP inputs")
    a = ap.parse_args()
    compare("small", (",".join(str(FIX / "raw" / f"T{i}.txt.gz") for i in range(1, 6)),
                      str(FIX / "w_hm3.snplist.gz"), str(FIX / "ld"), str(FIX / "reference.snps.gz")),
            a.reps)
    if a.large:
        sys.path.insert(0, str(ROOT / "bench"))
        import bench_gsem
        bench_gsem.make_inputs(1_200_000, 1_200_000)
        ref = bench_gsem.make_sumstats_ref()
        compare("large", (",".join(str(BIG / f"T{i}.txt.gz") for i in range(1, 6)),
                          str(BIG / "w_hm3.snplist.gz"), str(BIG / "ld"), str(ref)), a.reps)


if __name__ == "__main__":
    main()
