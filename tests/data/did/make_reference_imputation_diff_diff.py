"""Reference numbers for kestrel's ImputationDiD / TwoStageDiD pretrends, pretrend_test() and
leave_one_out from diff-diff 3.13.0, for what the R and Stata fixtures do not cover: the leads'
per-lead inference under each df_convention, anticipation with horizon_max and balance_e, a
covariate, clusters coarser than the unit (nested) and the period (not nested), the leave-out
variance under those clusters, and TwoStageDiD's did2s-style leads (with balance_e, the leads it
empties as NaN rows). Run by hand from the repo
root with diff-diff installed:  python tests/data/did/make_reference_imputation_diff_diff.py
Data: tests/data/did/didimputation_test_panel.csv and didimputation_covariate_panel.csv, with
grp = unit mod 30 (units nested in it); the unbalanced panel drops unit mod 4 == 0 at time >= 6
(the Stata fixture's rule)."""
import json
import warnings

import pandas as pd
from diff_diff import ImputationDiD, TwoStageDiD

warnings.simplefilter("ignore")
d = pd.read_csv("tests/data/did/didimputation_test_panel.csv")
d["grp"] = d["unit"] % 30
dx = pd.read_csv("tests/data/did/didimputation_covariate_panel.csv")
unbal = d[~((d["unit"] % 4 == 0) & (d["time"] >= 6))].reset_index(drop=True)


def es(r):
    return {str(h): [e["effect"], e["se"], e["p_value"], e["conf_int"][0], e["conf_int"][1],
                     e["n_obs"]] for h, e in sorted(r.event_study_effects.items())}


def fit(cls, data, kw, fkw=None):
    return cls(**kw).fit(data, "y", "unit", "time", "first_treat", aggregate="event_study",
                         **(fkw or {}))


out = {"diff_diff": "3.13.0", "event_study": {}, "pretrend_test": {}, "overall": {}}
cases = {
    "pretrends_residual": (ImputationDiD, d, dict(pretrends=True), None),
    "pretrends_cluster": (ImputationDiD, d, dict(pretrends=True, df_convention="cluster"), None),
    "pretrends_normal": (ImputationDiD, d, dict(pretrends=True, df_convention="normal"), None),
    "pretrends_balanced": (ImputationDiD, d, dict(pretrends=True, horizon_max=3),
                           {"balance_e": 3}),
    "pretrends_anticipation": (ImputationDiD, d, dict(pretrends=True, anticipation=1), None),
    "pretrends_covariate": (ImputationDiD, dx, dict(pretrends=True), {"covariates": ["x"]}),
    "pretrends_grp": (ImputationDiD, d, dict(pretrends=True, cluster="grp"), None),
    "pretrends_time": (ImputationDiD, d, dict(pretrends=True, cluster="time"), None),
    "loo_grp": (ImputationDiD, d, dict(leave_one_out=True, cluster="grp"), None),
    "loo_unbalanced_horizon": (ImputationDiD, unbal,
                               dict(leave_one_out=True, aux_partition="horizon"), None),
    "two_stage_pretrends": (TwoStageDiD, d, dict(pretrends=True), None),
    "two_stage_pretrends_anticipation": (TwoStageDiD, d, dict(pretrends=True, anticipation=1),
                                         None),
    # balance_e = 1 keeps cohort 3 alone: leads -4 and -3 are left empty, NaN rows in diff-diff
    "two_stage_pretrends_balanced": (TwoStageDiD, d, dict(pretrends=True), {"balance_e": 1}),
}
for name, (cls, data, kw, fkw) in cases.items():
    r = fit(cls, data, kw, fkw)
    out["event_study"][name] = {"kwargs": kw, "fit_kwargs": fkw, "effects": es(r)}
    out["overall"][name] = [r.overall_att, r.overall_se]
tests = {"all": (d, {}, None), "n_leads_1": (d, {}, 1), "n_leads_2": (d, {}, 2),
         "covariate": (dx, {"covariates": ["x"]}, None), "grp": (d, {"cluster": "grp"}, None),
         "anticipation": (d, {"anticipation": 1}, None)}
for name, (data, kw, n_leads) in tests.items():
    fkw = {"covariates": kw.pop("covariates")} if "covariates" in kw else {}
    r = ImputationDiD(**kw).fit(data, "y", "unit", "time", "first_treat", **fkw)
    t = r.pretrend_test(n_leads=n_leads)
    out["pretrend_test"][name] = {
        "kwargs": kw, "fit_kwargs": fkw, "n_leads": n_leads, "f_stat": t["f_stat"],
        "p_value": t["p_value"], "df": t["df"],
        "lead_coefficients": {str(h): c for h, c in t["lead_coefficients"].items()}}
with open("tests/data/did/reference_imputation_diff_diff.json", "w") as f:
    json.dump(out, f, indent=1, default=float)
