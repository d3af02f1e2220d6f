#!/usr/bin/env python3
"""kestrel.did vs diff-diff: PreTrendsPower (Roth 2022) and PowerAnalysis, in one run.

Cases:
  pretrends20k  PreTrendsPower() (each package's defaults: linear violation, the NIS box
                pretest) on a MultiPeriodDiD event study of 20,000 units x 8 periods (5 pre,
                reference the last; half the units treated from period 5): fit() (power and
                the minimal detectable violation) and power_curve(n_points=50). The event
                study is fitted once, outside the timing; the time is the power computation.
  pretrends8    the same with 8 pre-period coefficients (12 periods, treated from period 10),
                violation_type 'linear', 'constant' and 'last_period' in turn (fit() and
                power_curve(n_points=50) each): box probabilities of dimension 8 (a lattice
                rule in both tools).
  power         PowerAnalysis(): mde, power and sample_size of a panel design (10 pre, 10 post
                periods, rho 0.4), then power_curve over 50 effects and sample_size_curve over
                50 sizes.
Each tool runs in its own process; the time is the median of warm calls after one warm-up
(wall, and process CPU time). Both tools' numbers are printed side by side so that a fast wrong
answer cannot pass.
Usage: bench_did_pretrends.py [--reps N] [--cases pretrends20k,pretrends8,power]
"""
import json
import os

import numpy as np

from common import args_or_worker, ratio_table, time_fits


def make_panel(n=20000, periods=8, first=5, seed=7):
    """Unit and period effects, half the units treated from period `first` (effect 0.5)."""
    rng = np.random.default_rng(seed)
    unit = np.repeat(np.arange(n), periods)
    time = np.tile(np.arange(1, periods + 1), n)
    treated = (unit < n // 2).astype(np.int64)
    y = (rng.standard_normal(n)[unit] + 0.1 * time + 0.5 * treated * (time >= first)
         + rng.standard_normal(n * periods))
    return {"y": y, "unit": unit, "time": time, "treated": treated}


def worker(tool, case, threads, reps):
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(threads)
    import warnings

    import pandas as pd
    warnings.simplefilter("ignore")
    mod = __import__("kestrel.did" if tool == "kestrel" else "diff_diff", fromlist=["x"])
    if case in ("pretrends20k", "pretrends8"):
        first, periods, types = ((5, 8, ["linear"]) if case == "pretrends20k" else
                                 (10, 12, ["linear", "constant", "last_period"]))
        es = mod.MultiPeriodDiD().fit(pd.DataFrame(make_panel(periods=periods, first=first)),
                                      "y", "treated", "time",
                                      post_periods=list(range(first, periods + 1)))

        def fit():
            out = []
            for vt in types:
                p = mod.PreTrendsPower(violation_type=vt)
                r = p.fit(es)
                c = p.power_curve(es, n_points=50)
                out += [r.power, r.mdv, float(np.asarray(c.powers)[len(c.powers) // 2])]
            return out
    else:
        pa = mod.PowerAnalysis()
        kw = dict(sigma=1.0, n_pre=10, n_post=10, rho=0.4)

        def fit():
            m = pa.mde(n_treated=200, n_control=200, **kw)
            p = pa.power(effect_size=0.2, n_treated=200, n_control=200, **kw)
            s = pa.sample_size(effect_size=0.2, **kw)
            c = pa.power_curve(n_treated=200, n_control=200, effect_sizes=np.linspace(
                0.01, 0.5, 50), **kw)
            pa.sample_size_curve(effect_size=0.2, sample_sizes=list(range(20, 1020, 20)), **kw)
            return [m.mde, p.power, s.required_n, float(np.asarray(c["power"])[-1])]
    first, timing = time_fits(fit, reps)
    print(json.dumps({"estimates": first, **timing}))


def main():
    a = args_or_worker(worker, 5, "pretrends20k,pretrends8,power")
    if a is None:
        return
    ratio_table(__file__, a.cases.split(","), a.reps)

if __name__ == "__main__":
    main()
