"""diff-diff's CallawaySantAnna on the cases of make_reference_diffdiff_cases.R (where diff-diff
3.13 and R did 2.5.1 disagree), for the README's "Differences from diff-diff" and
tests/python/test_did_numbers_r.py (which records, as documentation, how far diff-diff is from
R). Run from the repository root with diff-diff installed (3.13.0 made the committed file):
    python3 tests/data/did/make_reference_diffdiff_numbers.py > tests/data/did/reference_diffdiff_numbers.json
"""
import json
import math
import warnings

import diff_diff
import pandas as pd

D = "tests/data/did/"
sim = pd.read_csv(D + "did_numbers_sim.csv")
mpdta = pd.read_csv(D + "mpdta.csv")
mpdta_na = pd.read_csv(D + "mpdta_na.csv")
S = ("y", "unit", "period", "first_treat")
M = ("lemp", "countyreal", "year", "first.treat")

cases = {
    "a_antic1_nevertreated": (mpdta, M, {"anticipation": 1}, None),
    "a_antic1_notyettreated": (mpdta, M, {"anticipation": 1,
                                          "control_group": "not_yet_treated"}, None),
    "a_antic1_sim_cov": (sim, S, {"anticipation": 1}, ["x1"]),
    "b_na_cov": (mpdta_na, M, {}, ["lpop"]),
    "c_dr_nevertreated": (sim, S, {}, ["x1"]),
    "c_dr_notyettreated": (sim, S, {"control_group": "not_yet_treated"}, ["x1"]),
    "d_near_dr": (sim, S, {}, ["x1", "x2"]),
    "d_near_reg": (sim, S, {"estimation_method": "reg"}, ["x1", "x2"]),
    "d_near_ipw": (sim, S, {"estimation_method": "ipw"}, ["x1", "x2"]),
    "iii_coll_reg": (sim, S, {"estimation_method": "reg"}, ["x1", "x3"]),
}


def num(x):
    x = float(x)
    return x if math.isfinite(x) else None


out = {"diff_diff": diff_diff.__version__}
for name, (df, cols, init, cov) in cases.items():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        r = diff_diff.CallawaySantAnna(**init).fit(df, *cols, covariates=cov, aggregate="all")
    gt = sorted(r.group_time_effects)
    out[name] = {
        "group": [float(g) for g, _ in gt], "t": [float(t) for _, t in gt],
        "att": [num(r.group_time_effects[k]["effect"]) for k in gt],
        "se": [num(r.group_time_effects[k]["se"]) for k in gt],
        "simple": [num(r.overall_att), num(r.overall_se)],
        "group_att": {str(g): num(v["effect"]) for g, v in sorted(r.group_effects.items())},
        "group_se": {str(g): num(v["se"]) for g, v in sorted(r.group_effects.items())},
        "warnings": sorted({str(w.message).splitlines()[0] for w in caught
                            if not issubclass(w.category, FutureWarning)}),
    }
print(json.dumps(out, indent=1))
