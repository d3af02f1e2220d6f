#!/usr/bin/env python3
"""kestrel.feols vs pyfixest (and statsmodels where it can run) on the same data, in one run.

(a) diff-diff's BasicDiD design at 20k units x 12 periods (generator in
    tests/data/PROVENANCE.md): y ~ treated:post | unit + time, CRV1 by unit.
(b) 1,000,000 rows, 10 regressors, two fixed effects (100,000 and 1,000 levels),
    clustered two-way by both.
Each tool runs in its own process (so peak memory is its own); the time is the median of warm
fits (data loading excluded), after one warm-up fit. Usage: bench_feols.py [--reps N] [--quick]
"""
import json
import os
import pathlib

import numpy as np

from common import args_or_worker, run_worker, time_fits
from did_data import make_basic

OUT = pathlib.Path(__file__).resolve().parent / "out"


def make_big(n=1_000_000, k=10, g1=100_000, g2=1_000, seed=7):
    rng = np.random.default_rng(seed)
    fe1 = rng.integers(0, g1, n)
    fe2 = rng.integers(0, g2, n)
    a1, a2 = rng.normal(size=g1), rng.normal(size=g2)
    cols = {"fe1": fe1.astype(np.int64), "fe2": fe2.astype(np.int64)}
    y = a1[fe1] + a2[fe2] + rng.normal(size=n)
    for j in range(k):
        x = rng.normal(size=n) + 0.3 * a1[fe1]
        cols[f"x{j + 1}"] = x
        y += 0.1 * (j + 1) * x
    cols["y"] = y
    return cols


CASES = {
    "a": dict(make=make_basic, fml="outcome ~ treated:post | unit + time", vcov={"CRV1": "unit"},
              sm_fml="outcome ~ treated*post", sm_cluster="unit"),
    "b": dict(make=make_big, fml="y ~ " + " + ".join(f"x{j}" for j in range(1, 11)) + " | fe1 + fe2",
              vcov={"CRV1": "fe1+fe2"}, sm_fml=None, sm_cluster=None),
}


def worker(tool, case, threads, reps):
    """Run one tool on one case; print JSON with the median time and peak RSS."""
    os.environ["OMP_NUM_THREADS"] = str(threads)
    os.environ["OPENBLAS_NUM_THREADS"] = str(threads)
    os.environ["NUMBA_NUM_THREADS"] = str(threads)
    os.environ["RAYON_NUM_THREADS"] = str(threads)
    spec = CASES[case]
    data = dict(np.load(OUT / f"data_{case}.npz"))
    if tool == "kestrel":
        import kestrel

        def fit():
            return kestrel.feols(spec["fml"], data, vcov=spec["vcov"], threads=threads)
    elif tool == "pyfixest":
        import pandas as pd
        import pyfixest as pf

        df = pd.DataFrame(data)

        def fit():
            return pf.feols(spec["fml"], data=df, vcov=spec["vcov"])
    else:  # statsmodels: no absorbed fixed effects; the pooled 2x2 regression, clustered
        import pandas as pd
        import statsmodels.formula.api as smf

        df = pd.DataFrame(data)

        def fit():
            return smf.ols(spec["sm_fml"], data=df).fit(
                cov_type="cluster", cov_kwds={"groups": df[spec["sm_cluster"]]})
    print(json.dumps(time_fits(fit, reps)[1]))


def main():
    a = args_or_worker(worker, 5, "ab")
    if a is None:
        return
    OUT.mkdir(exist_ok=True)
    results = {}
    for case in a.cases:
        np.savez(OUT / f"data_{case}.npz", **CASES[case]["make"]())
        tools = ["kestrel", "pyfixest"] + (["statsmodels"] if CASES[case]["sm_fml"] else [])
        for threads in (1, 2):
            for tool in tools:
                r = run_worker(__file__, tool, case, threads, a.reps)
                results[(case, tool, threads)] = r
                print(f"case {case} {tool:12s} threads {threads}: {json.dumps(r)}", flush=True)
    print("\n| case | threads | kestrel s | pyfixest s | ratio | kestrel MB | pyfixest MB | statsmodels s |")
    print("|---|---|---|---|---|---|---|---|")
    for case in a.cases:
        for threads in (1, 2):
            k = results[(case, "kestrel", threads)]
            p = results[(case, "pyfixest", threads)]
            s = results.get((case, "statsmodels", threads), {})
            ratio = p.get("median_s", float("nan")) / k.get("median_s", float("nan"))
            print(f"| {case} | {threads} | {k.get('median_s', float('nan')):.4f} | "
                  f"{p.get('median_s', float('nan')):.4f} | {ratio:.1f}x | "
                  f"{k.get('peak_rss_mb', float('nan')):.0f} | {p.get('peak_rss_mb', float('nan')):.0f} | "
                  f"{s.get('median_s', float('nan')):.4f} |")


if __name__ == "__main__":
    main()
