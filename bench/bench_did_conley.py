#!/usr/bin/env python3
"""kestrel.did vs diff-diff: Conley (1999) spatial-HAC errors (vcov_type='conley') at 20,000
units.

Cases (20,000 units at uniform points of the contiguous-US box, lat 25-50, lon -125..-65, two
periods, 40,000 rows; a smooth spatial field in the outcome):
  did20k   DifferenceInDifferences(vcov_type='conley', cutoff 100 km, lag 1) with unit=
  twfe20k  TwoWayFixedEffects, the same Conley settings
  sa20k    SunAbraham, the same Conley settings, on 20,000 units x 4 periods (80,000 rows;
           cohorts 3 and 4, 40% never treated)
diff-diff takes its k-d tree path (Bartlett, more than 5,000 rows per period) for the spatial
part and loops over units in Python for the serial part; kestrel finds the pairs on a grid in C.
Each tool runs in its own process; the time is the median of warm fits after one warm-up fit,
from a pandas DataFrame in memory. Both tools' estimates are printed side by side.
Usage: bench_did_conley.py [--reps N] [--cases did20k,twfe20k,sa20k]
"""
import json
import os

import numpy as np

from common import args_or_worker, run_worker, time_fits


def make_spatial(n_units=20000, seed=42):
    rng = np.random.default_rng(seed)
    lat, lon = rng.uniform(25, 50, n_units), rng.uniform(-125, -65, n_units)
    u = np.repeat(np.arange(n_units), 2)
    post = np.tile([0, 1], n_units)
    treated = (rng.random(n_units) < 0.4).astype(np.int64)[u]
    field = np.sin(lat[u] / 2) * np.cos(lon[u] / 3)
    y = 1 + field + 0.3 * post + 0.5 * treated * post + rng.standard_normal(u.size)
    return {"y": y, "unit": u, "post": post, "treated": treated, "lat": lat[u], "lon": lon[u]}


def make_staggered(n_units=20000, n_periods=4, seed=42):
    rng = np.random.default_rng(seed)
    lat, lon = rng.uniform(25, 50, n_units), rng.uniform(-125, -65, n_units)
    g = rng.choice([0, 3, 4], n_units, p=[0.4, 0.3, 0.3])
    u = np.repeat(np.arange(n_units), n_periods)
    t = np.tile(np.arange(1, n_periods + 1), n_units)
    field = np.sin(lat[u] / 2) * np.cos(lon[u] / 3)
    y = 1 + field + 0.1 * t + 0.5 * ((g[u] > 0) & (t >= g[u])) + rng.standard_normal(u.size)
    return {"y": y, "unit": u, "time": t, "first_treat": g[u], "lat": lat[u], "lon": lon[u]}


def worker(tool, case, threads, reps):
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "RAYON_NUM_THREADS",
                "NUMBA_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(threads)
    import warnings

    import pandas as pd
    warnings.simplefilter("ignore")
    mod = __import__("kestrel.did" if tool == "kestrel" else "diff_diff", fromlist=["x"])
    kw = dict(vcov_type="conley", conley_coords=("lat", "lon"), conley_cutoff_km=100.0,
              conley_lag_cutoff=1)
    if case == "sa20k":
        df = pd.DataFrame(make_staggered())
        est = mod.SunAbraham(**kw)

        def fit():
            r = est.fit(df, "y", "unit", "time", "first_treat")
            return [r.overall_att, r.overall_se, r.event_study_effects[0]["se"]]
    else:
        df = pd.DataFrame(make_spatial())
        est = mod.DifferenceInDifferences(**kw) if case == "did20k" else \
            mod.TwoWayFixedEffects(**kw)

        def fit():
            r = est.fit(df, "y", "treated", "post", unit="unit")
            return [r.att, r.se, r.p_value]
    first, timing = time_fits(fit, reps)
    print(json.dumps({"estimates": first, **timing}))


def main():
    a = args_or_worker(worker, 3, "did20k,twfe20k,sa20k")
    if a is None:
        return
    print("| case | kestrel s | diff-diff s | ratio | kestrel estimates | diff-diff estimates |")
    print("|---|---|---|---|---|---|")
    for case in a.cases.split(","):
        k = run_worker(__file__, "kestrel", case, 1, a.reps)
        d = run_worker(__file__, "diff-diff", case, 1, a.reps)
        nan = float("nan")
        ks, ds = k.get("median_s", nan), d.get("median_s", nan)
        print(f"| {case} | {ks:.4f} | {ds:.4f} | {ds / ks:.1f}x | "
              f"{k.get('estimates', k.get('error'))} | {d.get('estimates', d.get('error'))} |")


if __name__ == "__main__":
    main()
