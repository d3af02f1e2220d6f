#!/usr/bin/env python3
"""kestrel.did ImputationDiD / TwoStageDiD vs diff-diff's (newest from PyPI) on the same data.

Data: diff-diff's staggered benchmark generator (bench/did_data.py; tests/data/PROVENANCE.md,
"DiD benchmark panels"), seed 42, 20,000 units x 18 periods (360k rows), as bench_did.py's cs20k.
Cases:
  imp20k  ImputationDiD().fit(..., aggregate="all"): overall ATT, event study, groups with BJS's
          conservative standard errors
  gard20k TwoStageDiD().fit(..., aggregate="all") with Gardner's GMM standard errors
  impre20k ImputationDiD(pretrends=True, leave_one_out=True).fit(..., aggregate="all") and
          results.pretrend_test(): BJS's leads in the event study, the leave-out variance and
          the joint pre-trend F test
Each tool runs in its own process; the time is the median of warm fits after one warm-up fit,
from a pandas DataFrame already in memory. Estimates (overall ATT and SE, the h = 0 SE) are
compared so that a fast wrong answer cannot pass.
Usage: bench_did_imputation.py [--reps N] [--cases imp20k,gard20k,impre20k]
"""
import json
import os
import pathlib

import numpy as np

from common import args_or_worker, run_worker, time_fits
from did_data import make_staggered

OUT = pathlib.Path(__file__).resolve().parent / "out"
SHAPE = (20000, 18, 7)
CASES = {"imp20k": ("ImputationDiD", {}), "gard20k": ("TwoStageDiD", {}),
         "impre20k": ("ImputationDiD", {"pretrends": True, "leave_one_out": True})}


def worker(tool, case, threads, reps):
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "RAYON_NUM_THREADS",
                "NUMBA_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(threads)
    import pandas as pd

    df = pd.DataFrame(dict(np.load(OUT / f"data_{SHAPE[0]}.npz")))
    if tool == "kestrel":
        import kestrel.did as m
        kw = {"threads": threads}
    else:
        import warnings

        import diff_diff as m
        warnings.simplefilter("ignore")
        kw = {}
    name, extra = CASES[case]
    cls = getattr(m, name)

    def fit():
        r = cls(**kw, **extra).fit(df, "outcome", "unit", "time", "first_treat",
                                   aggregate="all")
        out = (r.overall_att, r.overall_se, r.event_study_effects[0]["se"])
        if extra.get("pretrends"):
            out += (r.event_study_effects[-2]["se"], r.pretrend_test()["f_stat"])
        return out
    est, res = time_fits(fit, reps)
    print(json.dumps({**res, "estimates": [float(x) for x in est]}))


def main():
    a = args_or_worker(worker, 3, "imp20k,gard20k")
    if a is None:
        return
    OUT.mkdir(exist_ok=True)
    path = OUT / f"data_{SHAPE[0]}.npz"
    if not path.exists():
        np.savez(path, **make_staggered(*SHAPE))
    cases = a.cases.split(",")
    res = {}
    for case in cases:
        for tool in ("kestrel", "diff-diff"):
            r = run_worker(__file__, tool, case, 1, a.reps)
            res[(case, tool)] = r
            print(f"{case} {tool:9s} threads 1: {json.dumps(r)}", flush=True)
    print("\n| case | kestrel s | diff-diff s | ratio | kestrel MB | diff-diff MB | "
          "max |est diff| |")
    print("|---|---|---|---|---|---|---|")
    nan = float("nan")
    for case in cases:
        k, d = res[(case, "kestrel")], res[(case, "diff-diff")]
        diff = max((abs(x - y) for x, y in zip(k.get("estimates", []), d.get("estimates", []))),
                   default=nan)
        print(f"| {case} | {k.get('median_s', nan):.4f} | {d.get('median_s', nan):.4f} | "
              f"{d.get('median_s', nan) / k.get('median_s', nan):.1f}x | "
              f"{k.get('peak_rss_mb', nan):.0f} | {d.get('peak_rss_mb', nan):.0f} | "
              f"{diff:.2g} |")


if __name__ == "__main__":
    main()
