"""diff-diff's SunAbraham on mpdta and bench_small/staggered_small.csv — event-study effects and
SEs, overall ATT and SE — for tests/python/test_did_sunab.py. Run from the repository root with
diff-diff installed (3.13.0 made the committed file):
    python3 tests/data/did/make_reference_sunab_diff_diff.py > tests/data/did/reference_sunab_diff_diff.json
"""
import json
import warnings

import diff_diff
import pandas as pd

warnings.simplefilter("ignore")
mpdta = pd.read_csv("tests/data/did/mpdta.csv")
mpdta["x"] = mpdta["lpop"] * (mpdta["year"] - 2003) / 4.0  # a time-varying covariate
st = pd.read_csv("tests/data/did/staggered_small.csv")
st["state"] = st["unit"] // 10
cases = {
    "mpdta": (mpdta, ("lemp", "countyreal", "year", "first.treat"), {}, {}),
    "mpdta_cov": (mpdta, ("lemp", "countyreal", "year", "first.treat"), {},
                  {"covariates": ["x"]}),
    "staggered_small": (st, ("outcome", "unit", "time", "first_treat"), {}, {}),
    "staggered_small_state": (st, ("outcome", "unit", "time", "first_treat"),
                              {"cluster": "state"}, {}),
    "staggered_small_antic1": (st, ("outcome", "unit", "time", "first_treat"),
                               {"anticipation": 1}, {}),
}
out = {"diff_diff": diff_diff.__version__}
for name, (df, args, init, fit) in cases.items():
    r = diff_diff.SunAbraham(**init).fit(df, *args, **fit)
    out[name] = {"overall_att": r.overall_att, "overall_se": r.overall_se,
                 "e": [int(e) for e in r.event_study_effects],
                 "effect": [d["effect"] for d in r.event_study_effects.values()],
                 "se": [d["se"] for d in r.event_study_effects.values()]}
print(json.dumps(out, indent=1))
