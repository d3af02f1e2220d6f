"""Reference numbers for kestrel's StackedDiD from diff-diff 3.13.0's StackedDiD, for the
variants the R golden fixture (reference_stacked_did_golden.json) does not cover: strict and
never-treated clean controls, population weights, an unbalanced panel (aggregate weights from
the (event time, sub-experiment) counts), kappa 1/3. Run by hand from the repo root with
diff-diff installed:  python tests/data/did/make_reference_stacked_diff_diff.py
Data: tests/data/did/stacked_small.csv; `pop` = 100 + 7 * (unit mod 13) for the population
variant; the unbalanced panel drops the rows with (unit * 7 + period) % 11 == 0; empty_cell drops
the treated rows at event time 2."""
import json
import warnings

import pandas as pd
from diff_diff import StackedDiD

warnings.simplefilter("ignore")
d = pd.read_csv("tests/data/did/stacked_small.csv")
d["pop"] = 100 + 7 * (d["unit"] % 13)
unbal = d[(d["unit"] * 7 + d["period"]) % 11 != 0].reset_index(drop=True)
# no treated row at event time 2: its interaction is collinear (NaN), the rest identified
hole = d[~(d["first_treat"].isin([3, 5]) & (d["period"] - d["first_treat"] == 2))]
cases = {
    "strict": (d, dict(kappa_pre=2, kappa_post=2, control_group="strict"), {}),
    "never_treated": (d, dict(kappa_pre=2, kappa_post=2, control_group="never_treated"), {}),
    "population": (d, dict(kappa_pre=2, kappa_post=2, weighting="population"),
                   {"population": "pop"}),
    "unbalanced": (unbal, dict(kappa_pre=2, kappa_post=2), {}),
    "k1_3_subexp": (d, dict(kappa_pre=1, kappa_post=3, cluster="unit_subexp"), {}),
    "empty_cell": (hole.reset_index(drop=True), dict(kappa_pre=2, kappa_post=2), {}),
}
out = {"diff_diff": "3.13.0"}
for name, (data, kw, fkw) in cases.items():
    r = StackedDiD(**kw).fit(data, "outcome", "unit", "period", "first_treat", **fkw)
    es = {str(h): [e["effect"], e["se"], e["p_value"]] for h, e in r.event_study_effects.items()}
    out[name] = {"kwargs": kw, "fit_kwargs": fkw, "overall_att": r.overall_att,
                 "overall_se": r.overall_se, "overall_p_value": r.overall_p_value,
                 "event_study": es, "n_stacked_obs": r.n_stacked_obs, "groups": r.groups,
                 "trimmed_groups": r.trimmed_groups}
with open("tests/data/did/reference_stacked_diff_diff.json", "w") as f:
    json.dump(out, f, indent=1, default=float)
