"""Callaway & Sant'Anna against R did 2.5.1 (att_gt + aggte) on mpdta: every cell and every
aggregation, ATT within 1e-10 absolute and SE within 1e-8 relative (tests/data/PROVENANCE.md)."""
import json
import math

import numpy as np
import pytest

from kestrel.did import CallawaySantAnna

from conftest import DATA

REF = DATA / "did"
ATT_TOL, SE_RTOL = 1e-10, 1e-8
AGG_NAME = {"aggte_simple": "simple", "aggte_dynamic": "event_study", "aggte_group": "group",
            "aggte_calendar": "calendar"}
CONTROL = {"nevertreated": "never_treated", "notyettreated": "not_yet_treated"}


@pytest.fixture(scope="module")
def mpdta():
    import pandas as pd
    return pd.read_csv(REF / "mpdta.csv")


def load_refs(name):
    path = REF / name
    if not path.exists():
        return {}
    d = json.load(open(path))
    d = d.get("mpdta", d)
    return {k: v for k, v in d.items() if isinstance(v, dict) and "att" in v}


def close_se(a, b):
    if b is None or (isinstance(b, float) and math.isnan(b)):
        return a is None or math.isnan(a)
    return abs(a / b - 1) <= SE_RTOL


def vec(x):
    return [x] if not isinstance(x, list) else [v[0] if isinstance(v, list) else v for v in x]


def fit_like(df, key, ref):
    import pandas as pd
    method, control, variant = key.split("_", 2)
    args = dict(estimation_method=method, control_group=CONTROL[control])
    fit_kw = {}
    if variant == "weights":
        df = pd.read_csv(REF / "mpdta_w.csv")
        fit_kw["weights"] = "w"
    if variant in ("rcscov", "unbalancedcov"):
        fit_kw["covariates"] = ["lpop"]
    if variant.startswith("unbalanced"):
        df = pd.read_csv(REF / "mpdta_unbal.csv")
    if variant in ("unbalanced", "unbalancedcov"):
        args["allow_unbalanced_panel"] = True
    if variant in ("rcs", "rcscov"):
        args["panel"] = False
    if "universal" in variant:
        args["base_period"] = "universal"
    if variant.startswith("cov"):
        fit_kw["covariates"] = ["lpop"]
    if variant.startswith("antic"):
        args["anticipation"] = int(variant[5:])
    return CallawaySantAnna(**args).fit(df, "lemp", "countyreal", "year", "first.treat",
                                        **fit_kw)


REFS = {**load_refs("reference_r_did_synthdid.json"), **load_refs("reference_r_did_extra.json")}
SUPPORTED = [k for k in REFS if k.split("_", 2)[2] in
             ("nocov", "cov", "universal", "cov_universal", "antic1", "weights",
              "unbalanced_dropped", "unbalanced", "rcs", "rcscov", "unbalancedcov")]


@pytest.mark.parametrize("key", SUPPORTED)
def test_cells_and_aggregations_match_r(mpdta, key):
    ref = REFS[key]
    res = fit_like(mpdta, key, ref)
    cells = res.group_time_effects
    groups, times = vec(ref["group"]), vec(ref["t"])
    assert len(cells) == len(groups)
    for g, t, a, s in zip(groups, times, vec(ref["att"]), vec(ref["se"])):
        c = cells[(int(g), int(t))]
        assert abs(c["effect"] - a) <= ATT_TOL, (key, g, t, c["effect"], a)
        assert close_se(c["se"], s), (key, g, t, c["se"], s)
    if "Wpval" in ref and ref["Wpval"] not in (None, [], [[]]):
        wp = ref["Wpval"][0][0] if isinstance(ref["Wpval"], list) else ref["Wpval"]
        assert round(res.pretest_pvalue, 5) == pytest.approx(wp, abs=1e-12)
    if ref.get("W") is not None:
        w = ref["W"][0][0] if isinstance(ref["W"], list) else ref["W"]
        assert res.pretest_stat == pytest.approx(w, rel=1e-8)
        assert res.pretest_df == ref["W_q"]
    for agg_key, kind in AGG_NAME.items():
        if agg_key not in ref:
            continue
        r = ref[agg_key]
        agg = aggregated(res, kind)
        assert abs(agg["att"] - r["overall_att"]) <= ATT_TOL, (key, kind)
        assert close_se(agg["se"], r["overall_se"]), (key, kind, agg["se"], r["overall_se"])
        if "egt" in r:
            assert list(agg["e"]) == pytest.approx(vec(r["egt"]))
            for a, b in zip(agg["att_e"], vec(r["att_egt"])):
                assert abs(a - b) <= ATT_TOL, (key, kind)
            for a, b in zip(agg["se_e"], vec(r["se_egt"])):
                assert close_se(a, b), (key, kind, a, b)


def aggregated(res, kind, **kw):
    """R aggte's overall effect and elements from results.aggregate(): the EventStudyResults /
    AggregationResult arrays, R's overall summary from results.<kind>_overall."""
    obj = res.aggregate(kind, **kw)
    if kind == "simple":
        return {"att": obj.att[0], "se": obj.se[0]}
    overall = getattr(res, kind + "_overall")
    e = obj.event_time if kind == "event_study" else obj.label
    return {"att": overall["effect"], "se": overall["se"], "e": [float(x) for x in e],
            "att_e": obj.att, "se_e": obj.se}


def test_reference_files_present():
    assert len(SUPPORTED) >= 6


@pytest.mark.parametrize("variant,kw", [("dynamic_balance1", dict(balance_e=1)),
                                         ("dynamic_window", dict(min_e=-2, max_e=2))])
def test_event_study_window_and_balance_match_r(mpdta, variant, kw):
    ref = REFS["dr_nevertreated_nocov"]["aggte_" + variant]
    res = CallawaySantAnna().fit(mpdta, "lemp", "countyreal", "year", "first.treat")
    agg = aggregated(res, "event_study", **kw)
    assert list(agg["e"]) == pytest.approx(vec(ref["egt"]))
    assert abs(agg["att"] - ref["overall_att"]) <= ATT_TOL
    assert close_se(agg["se"], ref["overall_se"])
    for a, b in zip(agg["att_e"], vec(ref["att_egt"])):
        assert abs(a - b) <= ATT_TOL
    for a, b in zip(agg["se_e"], vec(ref["se_egt"])):
        assert close_se(a, b)
