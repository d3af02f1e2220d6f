#!/usr/bin/env python3
"""The default thread count against one thread: kestrel.mars.Earth, kestrel.feols, kestrel.ols
and the threaded DiD estimators (Callaway & Sant'Anna with and without the multiplier bootstrap,
synthetic DiD's placebo replications, the wild cluster bootstrap, the permutation test) at small
and large sizes, so that the default (threads=None / 0: every core, reduced by the size of the
work in C) is never slower than threads=1.

Each (case, threads) runs in a fresh process: `fresh` is the first fit in that process (thread
pool start-up included), `warm` the median of the next --reps fits. Data: R earth's ozone1
(data/ozone1.csv), Friedman #1 as bench_mars.py makes it, data/panel.csv, and a generated panel
(y ~ x1 + x2 | unit + year, 50 rows per unit) for the large feols / ols cases; for DiD mpdta,
tests/data/did's panels and diff-diff's generators (bench/did_data.py) at 10,000 units (CS),
1,000 (SDID), 2,000 (wild) and 20,000 (permutation).
Usage: bench_threads.py [--reps N] [--cases mars_ozone1,mars_1000,...] [--threads 2]
"""
import argparse
import json
import pathlib
import statistics
import subprocess
import sys
import time

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[1]
CASES = ("mars_ozone1", "mars_1000", "mars_10000", "mars_100000", "mars2_10000", "mars2_100000",
         "feols_panel", "feols_1000000", "ols_1000", "ols_1000000",
         "cs_mpdta", "cs_10000", "csboot_mpdta", "csboot_10000", "sdid_small", "sdid_1000",
         "wild_small", "wild_2000", "perm_small", "perm_20000")


def friedman1(n):
    rng = np.random.default_rng(20261201 + n)  # bench_mars.py's data
    X = rng.uniform(size=(n, 10))
    y = (10 * np.sin(np.pi * X[:, 0] * X[:, 1]) + 20 * (X[:, 2] - 0.5) ** 2 + 10 * X[:, 3]
         + 5 * X[:, 4] + rng.normal(size=n))
    return X, y


def panel(n):
    rng = np.random.default_rng(7)
    unit = np.arange(n) // 50
    year = np.arange(n) % 50
    x1, x2 = rng.normal(size=n), rng.normal(size=n)
    y = 0.5 * x1 - 0.2 * x2 + 0.01 * unit % 7 + 0.1 * year + rng.normal(size=n)
    return {"y": y, "x1": x1, "x2": x2, "unit": unit.astype(np.int64),
            "year": year.astype(np.int64)}


def make_fit(case, threads):
    """A function that fits the case once, and a number that checks the fit."""
    import kestrel
    from kestrel.mars import Earth

    kind, _, size = case.partition("_")
    if kind in ("cs", "csboot", "sdid", "wild", "perm"):
        return did_fit(kind, size, threads)
    if kind.startswith("mars"):
        degree = 2 if kind == "mars2" else 1
        if size == "ozone1":
            d = np.loadtxt(ROOT / "data" / "ozone1.csv", delimiter=",", skiprows=1)
            X, y = d[:, 1:].copy(), d[:, 0].copy()
        else:
            X, y = friedman1(int(size))
        return lambda: Earth(max_degree=degree, threads=threads).fit(X, y).gcv_
    if kind == "feols":
        df = kestrel.read_csv(ROOT / "data" / "panel.csv") if size == "panel" else panel(int(size))
        fml = ("log_wage ~ hours + union + married | worker + year" if size == "panel"
               else "y ~ x1 + x2 | unit + year")
        return lambda: float(kestrel.feols(fml, df, threads=threads).coef().iloc[0])
    rng = np.random.default_rng(3)
    n = int(size)
    X = rng.normal(size=(n, 5))
    y = X @ np.arange(1.0, 6.0) + rng.normal(size=n)
    return lambda: float(kestrel.ols(X, y, intercept=True, threads=threads).coef().iloc[0])


def did_fit(kind, size, threads):
    import pandas as pd

    import kestrel.did as kd
    sys.path.insert(0, str(ROOT / "bench"))
    from did_data import make_basic, make_sdid, make_staggered

    tests = ROOT / "tests" / "data" / "did"
    if kind in ("cs", "csboot"):
        if size == "mpdta":
            d, a = pd.read_csv(ROOT / "data" / "mpdta.csv"), ("lemp", "countyreal", "year",
                                                              "first.treat")
        else:
            d, a = pd.DataFrame(make_staggered(int(size), 15, 6)), ("outcome", "unit", "time",
                                                                    "first_treat")
        boot = {"n_bootstrap": 999, "seed": 1} if kind == "csboot" else {}
        return lambda: kd.CallawaySantAnna(threads=threads, **boot).fit(d, *a).overall_att
    if kind == "sdid":
        d = (pd.read_csv(tests / "sdid_small.csv") if size == "small"
             else pd.DataFrame(make_sdid(800, 200, 20, 10)))
        post = sorted(d.time[d.post == 1].unique())
        return lambda: kd.SyntheticDiD(seed=1, threads=threads).fit(
            d, "outcome", "treated", "unit", "time", post_periods=post,
            other_estimators=False).se
    if kind == "wild":
        if size == "small":
            d, a = pd.read_csv(tests / "wild_small.csv"), ("y", "treated", "post", "state")
        else:
            d = pd.DataFrame(make_basic(int(size), 12))
            a = ("outcome", "treated", "post", "unit")
        return lambda: kd.DifferenceInDifferences(
            inference="wild_bootstrap", cluster=a[3], n_bootstrap=999, seed=1,
            threads=threads).fit(d, outcome=a[0], treatment=a[1], time=a[2]).p_value
    d = (pd.read_csv(ROOT / "data" / "basic_small.csv") if size == "small"
         else pd.DataFrame(make_basic(int(size), 12)))
    return lambda: kd.permutation_test(d, "outcome", "treated", post="post", unit="unit",
                                       n_permutations=1000, seed=1, threads=threads).p_value


def worker(case, threads, reps):
    fit = make_fit(case, threads)  # 0: the default
    t = time.perf_counter()
    check = fit()
    fresh = time.perf_counter() - t
    ts = []
    for _ in range(reps):
        t = time.perf_counter()
        fit()
        ts.append(time.perf_counter() - t)
    print(json.dumps({"fresh": fresh, "warm": statistics.median(ts), "check": check}))


def run(case, threads, reps):
    r = subprocess.run([sys.executable, __file__, "--worker", case, str(threads), str(reps)],
                       capture_output=True, text=True, check=True)
    return json.loads(r.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--cases", default=",".join(CASES))
    ap.add_argument("--worker", nargs=3, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.worker:
        worker(a.worker[0], int(a.worker[1]), int(a.worker[2]))
        return
    print("| case | fresh default s | fresh 1 thread s | warm default s | warm 1 thread s | "
          "default / 1 thread (warm) |")
    print("|---|---|---|---|---|---|")
    for case in a.cases.split(","):
        reps = a.reps if not any(k in case for k in ("100000", "sdid_1000")) else max(1, a.reps // 2)
        d, one = run(case, 0, reps), run(case, 1, reps)
        assert d["check"] == one["check"], (case, d["check"], one["check"])  # same numbers
        print(f"| {case} | {d['fresh']:.4f} | {one['fresh']:.4f} | {d['warm']:.4f} | "
              f"{one['warm']:.4f} | {d['warm'] / one['warm']:.2f} |", flush=True)


if __name__ == "__main__":
    main()
