#!/usr/bin/env python3
"""kestrel.did vs diff-diff (newest from PyPI, Rust backend) on the same data, in one run.

Data: diff-diff's benchmark generators (tests/data/PROVENANCE.md, "DiD benchmark panels"), seed 42. Cases:
  cs5k / cs10k / cs20k  CallawaySantAnna dr, never treated, analytical SEs, fit + simple,
                        event-study and group aggregations (5k: 5,000 x 12; 10k: 10,000 x 15;
                        20k: 20,000 x 18 = 360k rows)
  csboot10k             the same at 10k with 999 multiplier-bootstrap draws (uniform bands)
  did20k / twfe20k      DifferenceInDifferences(cluster="unit") on 'outcome ~ treated * post' and
                        TwoWayFixedEffects(treatment="treated", time="post", unit="unit") on the
                        basic generator at 20,000 units x 12 periods (240k rows)
  sdid1k                SyntheticDiD with 200 placebo replications on the SDID generator at
                        800 + 200 units x 20 + 10 periods (3 timed fits: diff-diff takes seconds)
  sunab10k / bacon10k   SunAbraham (overall ATT, event study) and BaconDecomposition on the
                        staggered generator at 10,000 x 15
  wild2k                DifferenceInDifferences(cluster="unit", inference="wild_bootstrap"),
                        999 draws, on the basic generator at 2,000 units x 12 periods (at 20k
                        diff-diff asks for a 36 GiB cluster-by-row matrix and fails)
Each tool runs in its own process; the time is the median of warm fits after one warm-up fit,
from a pandas DataFrame already in memory (loading excluded). Both tools' estimates are
compared so that a fast wrong answer cannot pass.
Usage: bench_did.py [--reps N] [--cases cs20k,csboot10k]
"""
import json
import os
import pathlib

import numpy as np

from common import args_or_worker, run_worker, time_fits
from did_data import make_basic, make_sdid, make_staggered

OUT = pathlib.Path(__file__).resolve().parent / "out"


CASES = {
    "cs5k": dict(shape=(5000, 12, 5), boot=0),
    "cs10k": dict(shape=(10000, 15, 6), boot=0),
    "cs20k": dict(shape=(20000, 18, 7), boot=0),
    "csboot10k": dict(shape=(10000, 15, 6), boot=999),
    "did20k": dict(basic=(20000, 12), est="did"),
    "twfe20k": dict(basic=(20000, 12), est="twfe"),
    "sdid1k": dict(sdid=(800, 200, 20, 10), reps=3),
    "wild2k": dict(basic=(2000, 12), est="wild", reps=3),
    "sunab10k": dict(shape=(10000, 15, 6), est="sunab"),
    "bacon10k": dict(shape=(10000, 15, 6), est="bacon"),
}


REPS = [7]


def worker(tool, case, threads, reps):
    REPS[0] = reps
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "RAYON_NUM_THREADS",
                "NUMBA_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(threads)
    import pandas as pd

    spec = CASES[case]
    if "sdid" in spec:
        df = pd.DataFrame(dict(np.load(OUT / "sdid_1k.npz")))
        post = list(range(spec["sdid"][2] + 1, spec["sdid"][2] + spec["sdid"][3] + 1))
        if tool == "kestrel":
            from kestrel.did import SyntheticDiD
            kw = {"threads": threads}
        else:
            import warnings

            from diff_diff import SyntheticDiD
            warnings.simplefilter("ignore")
            kw = {}

        def fit():
            r = SyntheticDiD(variance_method="placebo", n_bootstrap=200, seed=42, **kw).fit(
                df, "outcome", "treated", "unit", "time", post_periods=post)
            return r.att, r.se
        return timed(fit, min(reps, spec["reps"]))
    if "basic" in spec:
        df = pd.DataFrame(dict(np.load(OUT / f"basic_{spec['basic'][0]}.npz")))
        fit = regression_fit(tool, spec["est"], df, threads)
        return timed(fit, min(reps, spec.get("reps", reps)))
    df = pd.DataFrame(dict(np.load(OUT / f"data_{spec['shape'][0]}.npz")))
    if "est" in spec:
        return timed(staggered_fit(tool, spec["est"], df))
    boot = spec["boot"]
    if tool == "kestrel":
        from kestrel.did import CallawaySantAnna

        def fit():
            r = CallawaySantAnna(n_bootstrap=boot, seed=1, cband=True, threads=threads).fit(
                df, "outcome", "unit", "time", "first_treat", aggregate=["event_study", "group"])
            return r.overall_att, r.overall_se, r.event_study_effects[0]["se"]
    else:
        import warnings

        from diff_diff import CallawaySantAnna
        warnings.simplefilter("ignore")

        def fit():
            r = CallawaySantAnna(n_bootstrap=boot, seed=1, cband=True).fit(
                df, "outcome", "unit", "time", "first_treat")
            es = r.aggregate("event_study")  # an EventStudyResults (arrays by event time)
            r.aggregate("group")
            return r.overall_att, r.overall_se, es.se[list(es.event_time).index(0)]
    timed(fit)


def staggered_fit(tool, est, df):
    """SunAbraham and BaconDecomposition on the staggered generator."""
    if tool == "kestrel":
        import kestrel.did as m
    else:
        import warnings

        import diff_diff as m
        warnings.simplefilter("ignore")
    if est == "sunab":
        def fit():
            r = m.SunAbraham().fit(df, "outcome", "unit", "time", "first_treat")
            return r.overall_att, r.overall_se
    else:
        def fit():
            r = m.BaconDecomposition().fit(df, "outcome", "unit", "time", "first_treat")
            return r.twfe_estimate, sum(c.weight * c.estimate for c in r.comparisons)
    return fit


def regression_fit(tool, est, df, threads):
    """diff-diff's BasicDiD / TWFE benchmark calls (diff-diff's benchmarks/ suite)."""
    kw = {}
    if tool == "kestrel":
        from kestrel.did import DifferenceInDifferences, TwoWayFixedEffects
        kw = {"threads": threads}
    else:
        import warnings

        from diff_diff import DifferenceInDifferences, TwoWayFixedEffects
        warnings.simplefilter("ignore")
    if est == "did":
        def fit():
            r = DifferenceInDifferences(robust=True, cluster="unit", **kw).fit(
                df, formula="outcome ~ treated * post")
            return r.att, r.se
    elif est == "wild":
        def fit():
            r = DifferenceInDifferences(cluster="unit", inference="wild_bootstrap",
                                        n_bootstrap=999, seed=1, **kw).fit(
                df, formula="outcome ~ treated * post")
            return r.att, r.se
    else:
        def fit():
            r = TwoWayFixedEffects(robust=True, **kw).fit(df, outcome="outcome", treatment="treated",
                                                    time="post", unit="unit")
            return r.att, r.se
    return fit


def timed(fit, reps=None):
    est, res = time_fits(fit, reps or REPS[0])
    print(json.dumps({**res, "estimates": [float(x) for x in est]}))


def main():
    a = args_or_worker(worker, 7, "cs5k,cs10k,cs20k,csboot10k,did20k,twfe20k,sdid1k,wild2k,"
                                  "sunab10k,bacon10k")
    if a is None:
        return
    OUT.mkdir(exist_ok=True)
    cases = a.cases.split(",")
    for case in cases:
        if "sdid" in CASES[case]:
            path = OUT / "sdid_1k.npz"
            if not path.exists():
                np.savez(path, **make_sdid(*CASES[case]["sdid"]))
            continue
        if "basic" in CASES[case]:
            shape = CASES[case]["basic"]
            path = OUT / f"basic_{shape[0]}.npz"
            if not path.exists():
                np.savez(path, **make_basic(*shape))
            continue
        shape = CASES[case]["shape"]
        path = OUT / f"data_{shape[0]}.npz"
        if not path.exists():
            np.savez(path, **make_staggered(*shape))
    res = {}
    for case in cases:
        for threads in (1, 2):
            for tool in ("kestrel", "diff-diff"):
                r = run_worker(__file__, tool, case, threads, a.reps)
                res[(case, tool, threads)] = r
                print(f"{case} {tool:9s} threads {threads}: {json.dumps(r)}", flush=True)
    print("\n| case | threads | kestrel s | diff-diff s | ratio | kestrel MB | diff-diff MB | "
          "max |est diff| |")
    print("|---|---|---|---|---|---|---|---|")
    nan = float("nan")
    for case in cases:
        for threads in (1, 2):
            k, d = res[(case, "kestrel", threads)], res[(case, "diff-diff", threads)]
            diff = max((abs(x - y) for x, y in zip(k.get("estimates", []),
                                                      d.get("estimates", []))), default=nan)
            print(f"| {case} | {threads} | {k.get('median_s', nan):.4f} | "
                  f"{d.get('median_s', nan):.4f} | "
                  f"{d.get('median_s', nan) / k.get('median_s', nan):.1f}x | "
                  f"{k.get('peak_rss_mb', nan):.0f} | {d.get('peak_rss_mb', nan):.0f} | "
                  f"{diff:.2g} |")


if __name__ == "__main__":
    main()
