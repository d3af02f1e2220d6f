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

R HonestDiD 0.2.8, the peer that computes what kestrel computes (cases r_*): kestrel's event
study (betahat, sigma, pre/post counts) is written to out/honest_es_20000.json and both run it,
l = the post periods' average, through bench_did_honest.R (R's sources from $HONESTDID_SRC,
sourced as tests/data/did/make_reference_honest.R does; cases left out without it):
  r_rm      relative magnitudes C-LF, grid [0, 6], Mbar in R_M["r_rm"] (R: ~30 s CPU each)
  r_sdflci  smoothness FLCI over diff-diff's 7 M values (R's critical value is simulated, 10^6
            draws: its ends differ from kestrel's exact quantile in the 5th digit)
  r_sdclf / r_sdcond  smoothness C-LF / Conditional, R's grid, M in R_M
kestrel times one fit per M (no breakdown search); R times `reps` runs (rm: 1; no warm-up:
its sources are loaded before) by system.time. Both elapsed and CPU medians are printed (the machine is shared); the intervals
must be the same grid points (FLCI: max |difference| printed).
Usage: bench_did_honest.py [--reps N] [--cases rm,sd,r_rm,r_sdflci,r_sdclf,r_sdcond]
"""
import json
import os
import pathlib
import subprocess

import numpy as np

from common import args_or_worker, run_worker, time_fits
from did_data import make_staggered

HERE = pathlib.Path(__file__).resolve().parent
OUT = HERE / "out"
SHAPE = (20000, 10, 4)
CASES = {"rm": "relative_magnitude", "sd": "smoothness"}
ES = OUT / f"honest_es_{SHAPE[0]}.json"
SD_GRID = [0, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0]  # diff-diff's default smoothness M grid
R_M = {"r_rm": [0, 1], "r_sdflci": SD_GRID, "r_sdclf": [0.02, 0.1], "r_sdcond": [0.02, 0.1]}
R_CASE = {"r_rm": "rm", "r_sdflci": "sd_flci", "r_sdclf": "sd_clf", "r_sdcond": "sd_cond"}
R_HD = {"r_rm": ("relative_magnitude", None), "r_sdflci": ("smoothness", "FLCI"),
        "r_sdclf": ("smoothness", "C-LF"), "r_sdcond": ("smoothness", "Conditional")}


def write_event_study(threads):
    """kestrel's CS event study of the bench panel, as R reads it (pre periods first)."""
    import pandas as pd

    import kestrel.did as m
    from _kestrel.did_honest import _event_study
    df = pd.DataFrame(dict(np.load(OUT / f"honest_data_{SHAPE[0]}.npz")))
    es = m.CallawaySantAnna(base_period="universal", threads=threads).fit(
        df, "outcome", "unit", "time", "first_treat", aggregate="event_study")
    b, V, pre, post, _ = _event_study(es)
    ES.write_text(json.dumps({"betahat": b.tolist(), "sigma": V.tolist(), "num_pre": len(pre),
                              "num_post": len(post)}))
    print(json.dumps({"written": str(ES)}))


def kestrel_vs_r(case, threads, reps):
    """kestrel's side of an R case: one fit per M on the written event study."""
    import warnings

    import kestrel.did as m
    warnings.simplefilter("ignore")
    d = json.loads(ES.read_text())
    es = {"betahat": d["betahat"], "sigma": d["sigma"], "num_pre_periods": d["num_pre"]}
    method, ci = R_HD[case]
    grid = {"grid_lb": 0.0, "grid_ub": 6.0} if case == "r_rm" else {}
    hd = m.HonestDiD(method, l_vec="average", ci_method=ci, **grid)

    def run():
        fits = [hd.fit(es, M=x) for x in R_M[case]]
        return [f.ci_lb for f in fits] + [f.ci_ub for f in fits]
    est, res = time_fits(run, reps)
    print(json.dumps({**res, "estimates": [float(x) for x in est]}))


def run_r(case, reps):
    """bench_did_honest.R's JSON line for an R case, or {"error": ...}."""
    src = os.environ.get("HONESTDID_SRC")
    if not src:
        return {"error": "HONESTDID_SRC (R HonestDiD's source tree) not set"}
    r = subprocess.run(["Rscript", str(HERE / "bench_did_honest.R"), src, str(ES), R_CASE[case],
                        ",".join(map(str, R_M[case])), str(1 if case == "r_rm" else reps)],
                       capture_output=True, text=True)
    if r.returncode != 0:
        return {"error": (r.stderr.strip().splitlines() or ["failed"])[-1]}
    return json.loads(r.stdout.strip().splitlines()[-1])


def worker(tool, case, threads, reps):
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "RAYON_NUM_THREADS",
                "NUMBA_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(threads)
    if case == "es":
        return write_event_study(threads)
    if case in R_M:
        return kestrel_vs_r(case, threads, reps)
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
    if any(c in R_M for c in cases):
        run_worker(__file__, "kestrel", "es", 1, 0)
    res = {}
    for case in cases:
        for tool in ("kestrel", "R" if case in R_M else "diff-diff"):
            r = (run_r(case, a.reps) if tool == "R"
                 else run_worker(__file__, tool, case, 1, a.reps))
            res[(case, tool)] = r
            print(f"{case} {tool:9s} threads 1: {json.dumps(r)}", flush=True)
    nan = float("nan")
    r_cases = [c for c in cases if c in R_M]
    if r_cases:
        print("\n| case | M | kestrel s (CPU) | R s (CPU) | ratio (CPU) | max abs diff of ends |")
        print("|---|---|---|---|---|---|")
    for case in r_cases:
        k, r = res[(case, "kestrel")], res[(case, "R")]
        ek, er = np.array(k.get("estimates", [nan])), np.array(r.get("estimates", [nan]))
        with np.errstate(invalid="ignore"):  # inf - inf where both sets are empty
            diff = (float(np.max(np.abs(np.where(ek == er, 0.0, ek - er))))
                    if ek.shape == er.shape else nan)
        print(f"| {case} | {R_M[case]} | {k.get('median_s', nan):.4f} "
              f"({k.get('cpu_median_s', nan):.4f}) | {r.get('median_s', nan):.2f} "
              f"({r.get('cpu_median_s', nan):.2f}) | "
              f"{r.get('median_s', nan) / k.get('median_s', nan):.0f}x "
              f"({r.get('cpu_median_s', nan) / k.get('cpu_median_s', nan):.0f}x) | {diff:.3g} |")
    cases = [c for c in cases if c not in R_M]
    if cases:
        print("\n| case | kestrel s | diff-diff s | ratio | kestrel CI at max M | diff-diff CI |")
        print("|---|---|---|---|---|---|")
    for case in cases:
        k, d = res[(case, "kestrel")], res[(case, "diff-diff")]
        ci = [", ".join(f"{x:.4f}" for x in r.get("estimates", [])) for r in (k, d)]
        print(f"| {case} | {k.get('median_s', nan):.4f} | {d.get('median_s', nan):.4f} | "
              f"{d.get('median_s', nan) / k.get('median_s', nan):.1f}x | [{ci[0]}] | [{ci[1]}] |")


if __name__ == "__main__":
    main()
