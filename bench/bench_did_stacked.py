#!/usr/bin/env python3
"""kestrel.did vs diff-diff: StackedDiD and TripleDifference at 20,000 units, in one run.

Cases:
  stacked20k  StackedDiD(kappa_pre=2, kappa_post=2) (aggregate weights, not-yet-treated clean
              controls, CR1 by unit) on diff-diff's staggered generator (bench/did_data.py) at
              20,000 units x 12 periods, 5 cohorts (240k rows; ~690k stacked rows)
  ddd20k      TripleDifference(estimation_method='dr') with two covariates on a simulated
              two-period repeated cross-section of 20,000 observations (below)
  ddd20k-M, ddd20k-M-nocov  the same with estimation_method M ('dr', 'reg', 'ipw'), with the two
              covariates or none (ddd20k is ddd20k-dr)
Each tool runs in its own process; the time is the median of warm fits after one warm-up fit,
from a pandas DataFrame already in memory (wall, and process CPU time). Both tools' estimates are printed side by side so
that a fast wrong answer cannot pass.
Usage: bench_did_stacked.py [--reps N] [--cases stacked20k,ddd20k,ddd20k-reg-nocov,...]
       (--cases all: stacked20k and the six ddd20k-M[-nocov] cases)
"""
import json
import os
import pathlib

import numpy as np

from common import args_or_worker, ratio_table, time_fits
from did_data import make_staggered

HERE = pathlib.Path(__file__).resolve().parent


def make_ddd(n=20000, seed=42):
    """Two periods of independent draws: group G and partition P with probabilities that
    depend on x1, outcome trends that depend on x1 and x2, effect 2 for G = P = post = 1."""
    rng = np.random.default_rng(seed)
    x1, x2 = rng.standard_normal(n), rng.standard_normal(n)
    g = (rng.random(n) < 1 / (1 + np.exp(-0.5 * x1))).astype(np.int64)
    p = (rng.random(n) < 1 / (1 + np.exp(0.3 * x1))).astype(np.int64)
    post = (rng.random(n) < 0.5).astype(np.int64)
    y = (1 + x1 + 0.5 * x2 + g + p + post * (0.5 + 0.5 * x1 + 0.3 * g + 0.2 * p)
         + 2.0 * g * p * post + rng.standard_normal(n))
    return {"y": y, "group": g, "partition": p, "post": post, "x1": x1, "x2": x2}


def worker(tool, case, threads, reps):
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "RAYON_NUM_THREADS",
                "NUMBA_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(threads)
    import warnings

    import pandas as pd
    warnings.simplefilter("ignore")
    mod = __import__("kestrel.did" if tool == "kestrel" else "diff_diff", fromlist=["x"])
    if case == "stacked20k":
        df = pd.DataFrame(make_staggered(20000, 12, 5))

        def fit():
            r = mod.StackedDiD(kappa_pre=2, kappa_post=2).fit(df, "outcome", "unit", "time",
                                                              "first_treat")
            return [r.overall_att, r.overall_se, r.event_study_effects[0]["se"]]
    else:
        df = pd.DataFrame(make_ddd())
        parts = case.split("-")
        method = parts[1] if len(parts) > 1 else "dr"
        covariates = None if parts[-1] == "nocov" else ["x1", "x2"]

        def fit():
            r = mod.TripleDifference(estimation_method=method).fit(
                df, "y", "group", "partition", "post", covariates=covariates)
            return [r.att, r.se]
    first, timing = time_fits(fit, reps)
    print(json.dumps({"estimates": first, **timing}))


def main():
    a = args_or_worker(worker, 3, "stacked20k,ddd20k")
    if a is None:
        return
    cases = a.cases.split(",")
    if cases == ["all"]:
        cases = ["stacked20k"] + [f"ddd20k-{m}{c}" for m in ("dr", "reg", "ipw")
                                  for c in ("", "-nocov")]
    ratio_table(__file__, cases, a.reps)

if __name__ == "__main__":
    main()
