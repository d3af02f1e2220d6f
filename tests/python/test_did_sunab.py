"""SunAbraham: the event-study effects on mpdta equal R did's never-treated, universal-base
dynamic effects and the overall ATT R did's simple ATT (the interaction-weighted estimator and
Callaway & Sant'Anna coincide without covariates); effects and standard errors equal diff-diff
3.13's (committed fixture) on mpdta, with a covariate, clustered by state, with anticipation;
bad input."""
import json

import numpy as np
import pandas as pd
import pytest

import kestrel
from kestrel.did import SunAbraham

from conftest import DATA

MPDTA = DATA / "did" / "mpdta.csv"
STAG = DATA / "did" / "staggered_small.csv"
R = json.load(open(DATA / "did" / "reference_r_did_extra.json"))
DD = json.load(open(DATA / "did" / "reference_sunab_diff_diff.json"))
ARGS = ("lemp", "countyreal", "year", "first.treat")


def mpdta():
    d = pd.read_csv(MPDTA)
    d["x"] = d["lpop"] * (d["year"] - 2003) / 4.0  # as the fixture's script
    return d


def stag():
    d = pd.read_csv(STAG)
    d["state"] = d["unit"] // 10
    return d


def test_equals_r_did_event_study():
    r = SunAbraham().fit(mpdta(), *ARGS)
    ref = R["reg_nevertreated_universal"]
    for e, att in zip(ref["aggte_dynamic"]["egt"], ref["aggte_dynamic"]["att_egt"]):
        if e == -1:
            assert e not in r.event_study_effects  # the reference period
            continue
        assert abs(r.event_study_effects[e]["effect"] - att) <= 1e-12, e
    assert abs(r.overall_att - ref["aggte_simple"]["overall_att"]) <= 1e-12


@pytest.mark.parametrize("case", ["mpdta", "mpdta_cov", "staggered_small",
                                  "staggered_small_state", "staggered_small_antic1"])
def test_matches_diff_diff(case):
    ref = DD[case]
    if case.startswith("mpdta"):
        df, args = mpdta(), ARGS
    else:
        df, args = stag(), ("outcome", "unit", "time", "first_treat")
    init = {"cluster": "state"} if case.endswith("state") else (
        {"anticipation": 1} if case.endswith("antic1") else {})
    r = SunAbraham(**init).fit(df, *args, covariates=["x"] if case.endswith("cov") else None)
    assert sorted(r.event_study_effects) == sorted(ref["e"])
    for e, eff, se in zip(ref["e"], ref["effect"], ref["se"]):
        assert abs(r.event_study_effects[e]["effect"] - eff) <= 1e-10, e
        assert r.event_study_effects[e]["se"] == pytest.approx(se, rel=1e-9), e
    assert abs(r.overall_att - ref["overall_att"]) <= 1e-10
    assert r.overall_se == pytest.approx(ref["overall_se"], rel=1e-9)


def test_results_and_weights():
    r = SunAbraham().fit(mpdta(), *ARGS)
    for e, w in r.cohort_weights.items():
        assert sum(w.values()) == pytest.approx(1.0, abs=1e-14)
    assert r.reference_period == -1 and r.n_control_units == 309 and r.n_treated_units == 191
    assert len(r.to_dataframe("cohort")) == len(r.cohort_effects)
    assert "Sun & Abraham" in r.summary()
    lo, hi = r.overall_conf_int
    assert lo < r.overall_att < hi


def test_anticipation_without_reference_period():
    """With anticipation 1 the 2004 cohort is never seen at e = -2: it is normalised on its
    earliest period instead, so every estimate stays finite (diff-diff returns NaN here)."""
    r = SunAbraham(anticipation=1).fit(mpdta(), *ARGS)
    assert r.reference_period == -2
    assert np.isfinite(r.overall_att) and np.isfinite(r.overall_se)
    assert all(np.isfinite(d["effect"]) for d in r.event_study_effects.values())
    assert (2004, -1) not in r.cohort_effects


def test_bad_input():
    df = mpdta()
    with pytest.raises(kestrel.KestrelError, match="no never-treated"):
        SunAbraham().fit(df[df["first.treat"] > 0], *ARGS)
    bad = df.copy()
    bad.loc[bad.index[1], "first.treat"] = 2006 if bad["first.treat"].iloc[1] != 2006 else 2007
    with pytest.raises(kestrel.KestrelError, match="changes within a unit"):
        SunAbraham().fit(bad, *ARGS)
    with pytest.raises(kestrel.KestrelError, match="'nope'"):
        SunAbraham(cluster="nope").fit(df, *ARGS)
    with pytest.raises(ValueError, match="control_group"):
        SunAbraham(control_group="everyone").fit(df, *ARGS)
    with pytest.raises(ValueError, match="conley_coords"):  # Conley: test_did_sunab_conley.py
        SunAbraham(vcov_type="conley").fit(df, *ARGS)
    with pytest.raises(ValueError, match="df_convention"):
        SunAbraham(df_convention="other")


def test_cli_matches_python(kestrel_bin, tmp_path):
    import subprocess
    args = [kestrel_bin, "did", "sunab", "--data", str(MPDTA), "--outcome", "lemp", "--unit",
            "countyreal", "--time", "year", "--first-treat", "first.treat"]
    out = subprocess.run(args + ["--json"], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    j = json.loads(out.stdout)
    r = SunAbraham().fit(pd.read_csv(MPDTA), *ARGS)
    assert j["att"] == r.overall_att and j["se"] == r.overall_se
    assert j["att_e"] == [d["effect"] for d in r.event_study_effects.values()]
    svg = tmp_path / "sa.svg"
    table = subprocess.run(args + ["--plot", str(svg)], capture_output=True, text=True)
    assert table.returncode == 0 and "e = 3" in table.stdout and svg.exists()


def test_closed_form_equals_regression():
    """A balanced panel without covariates takes the closed form; a covariate that the unit
    effects absorb (lpop is constant within county) sends the same model through the
    regression: the same effects and standard errors."""
    df = mpdta()
    a = SunAbraham().fit(df, *ARGS)
    b = SunAbraham().fit(df, *ARGS, covariates=["lpop"])
    for e, d in a.event_study_effects.items():
        assert abs(d["effect"] - b.event_study_effects[e]["effect"]) <= 1e-12
        assert d["se"] == pytest.approx(b.event_study_effects[e]["se"], rel=1e-10)
    for k, d in a.cohort_effects.items():
        assert d["se"] == pytest.approx(b.cohort_effects[k]["se"], rel=1e-10)
    assert a.overall_se == pytest.approx(b.overall_se, rel=1e-10) and a.df == b.df
