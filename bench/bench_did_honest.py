#!/usr/bin/env python3
"""kestrel.did HonestDiD vs diff-diff's (newest from PyPI) on the same event study.

Data: diff-diff's staggered benchmark generator (bench/did_data.py; tests/data/PROVENANCE.md,
"DiD benchmark panels"), seed 42, 20,000 units x 10 periods, 4 cohorts (200k rows). Each tool
fits CallawaySantAnna(base_period="universal") with the event-study aggregation once (not
timed: bench_did.py times the fits), then times HonestDiD's sensitivity_analysis over
diff-diff's default M grid:
  rm  method="relative_magnitude" (9 values of Mbar): kestrel R's C-LF set (ARP tests inverted
      on R's 1000-point grid, one LP per point and polyhedron); diff-diff the identified set
      widened by a normal quantile (an LP per polyhedron: far less work, and not R's interval)
  sd  method="smoothness" (7 values of M): both the optimal FLCI (R's findOptimalFLCI)
kestrel's rm grid is [0, 6] (R's default, +-20 sd around 0, misses an effect this large).
Targets: diff-diff's default (the average of the post periods) in both, l_vec="average" in
kestrel. Each tool runs in its own process, 1 thread; the time is the median of warm runs after
one warm-up. The robust intervals' ends at the largest M are printed so that a fast wrong
answer shows (rm: different intervals by design, see above).
Usage: bench_did_honest.py [--reps N] [--cases rm,sd]
"""
import json
import os
import pathlib

import numpy as np

from common import args_or_worker, run_worker, time_fits
from did_data import make_staggered

OUT = pathlib.Path(__file__).resolve().parent / "out"
SHAPE = (20000, 10, 4)
CASES = {"rm": "relative_magnitude", "sd": "smoothness"}


def worker(tool, case, threads, reps):
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "RAYON_NUM_THREADS",
                "NUMBA_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(threads)
    import warnings

    import pandas as pd

    warnings.simplefilter("ignore")
    df = pd.DataFrame(dict(np.load(OUT / f"honest_data_{SHAPE[0]}.npz")))
    if tool == "kestrel":
        import kestrel.did as m
        cs = m.CallawaySantAnna(base_period="universal", threads=threads)
        # R's relative-magnitudes grid is centred on 0 (+-20 sd); this effect (~2.7, sd ~0.02)
        # lies outside it, so the grid is given (R's grid.lb / grid.ub)
        grid = {"grid_lb": 0.0, "grid_ub": 6.0} if case == "rm" else {}
        hd = m.HonestDiD(CASES[case], l_vec="average", **grid)
    else:
        import diff_diff as m
        cs = m.CallawaySantAnna(base_period="universal")
        hd = m.HonestDiD(CASES[case])
    es = cs.fit(df, "outcome", "unit", "time", "first_treat", aggregate="event_study")

    def run():
        s = hd.sensitivity_analysis(es)
        return s.robust_cis[-1]
    est, res = time_fits(run, reps)
    print(json.dumps({**res, "estimates": [float(x) for x in est]}))


def main():
    a = args_or_worker(worker, 3, "rm,sd")
    if a is None:
        return
    OUT.mkdir(exist_ok=True)
    path = OUT / f"honest_data_{SHAPE[0]}.npz"
    if not path.exists():
        np.savez(path, **make_staggered(*SHAPE))
    cases = a.cases.split(",")
    res = {}
    for case in cases:
        for tool in ("kestrel", "diff-diff"):
            r = run_worker(__file__, tool, case, 1, a.reps)
            res[(case, tool)] = r
            print(f"{case} {tool:9s} threads 1: {json.dumps(r)}", flush=True)
    print("\n| case | kestrel s | diff-diff s | ratio | kestrel CI at max M | diff-diff CI |")
    print("|---|---|---|---|---|---|")
    nan = float("nan")
    for case in cases:
        k, d = res[(case, "kestrel")], res[(case, "diff-diff")]
        ci = [", ".join(f"{x:.4f}" for x in r.get("estimates", [])) for r in (k, d)]
        print(f"| {case} | {k.get('median_s', nan):.4f} | {d.get('median_s', nan):.4f} | "
              f"{d.get('median_s', nan) / k.get('median_s', nan):.1f}x | [{ci[0]}] | [{ci[1]}] |")


if __name__ == "__main__":
    main()
