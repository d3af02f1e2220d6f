"""kestrel.did.ImputationDiD / TwoStageDiD against R didimputation 0.5.0 and did2s 1.2.1
(diff-diff's golden files: tests/data/did/reference_imputation_r.json, PROVENANCE.md), the
leave-out variance against Stata did_imputation's leaveout (reference_imputation_loo_stata.json),
pretrends / pretrend_test() / leave_one_out variants against diff-diff 3.13
(reference_imputation_diff_diff.json), BJS's lead regression against R didimputation's pretrends
and fixest's Wald test (reference_imputation_pretrends_r.json), TwoStageDiD's leads against R
did2s (reference_two_stage_pretrends_r.json), diff-diff's names and result shapes, thread-count
invariance of the bootstrap, errors naming the argument."""
import json
import os

import numpy as np
import pandas as pd
import pytest

from kestrel.did import ImputationDiD, TwoStageDiD

DATA = os.path.join(os.path.dirname(__file__), "..", "data", "did")
REF = json.load(open(os.path.join(DATA, "reference_imputation_r.json")))
STATA = json.load(open(os.path.join(DATA, "reference_imputation_loo_stata.json")))
DD = json.load(open(os.path.join(DATA, "reference_imputation_diff_diff.json")))
RREF = json.load(open(os.path.join(DATA, "reference_imputation_pretrends_r.json")))
RTS = json.load(open(os.path.join(DATA, "reference_two_stage_pretrends_r.json")))


@pytest.fixture(scope="module")
def panel():
    return pd.read_csv(os.path.join(DATA, "didimputation_test_panel.csv"))


@pytest.fixture(scope="module")
def panel_x():
    return pd.read_csv(os.path.join(DATA, "didimputation_covariate_panel.csv"))


def check(res, ref):
    # R's numbers carry fixest's iterative fixed-effect error (1.3e-7 on the overall ATT; see
    # test_exact_first_stage): 5e-7 on estimates, 1e-6 relative on standard errors
    assert abs(res.overall_att - ref["overall"]["att"]) < 5e-7
    assert res.overall_se == pytest.approx(ref["overall"]["se"], rel=1e-6)
    es = ref["event_study"]
    for h, a, s in zip(es["horizons"], es["att"], es["se"]):
        d = res.event_study_effects[h]
        assert abs(d["effect"] - a) < 5e-7
        assert d["se"] == pytest.approx(s, rel=1e-6)


def test_exact_first_stage(panel):
    """The overall ATT against a dense least-squares fit of y ~ unit + time dummies on the
    untreated rows (what R approximates iteratively)."""
    tr = (panel.first_treat > 0) & (panel.time >= panel.first_treat)
    u = panel[~tr]
    units, times = np.unique(u.unit), np.unique(u.time)
    Z = np.hstack([(u.unit.values[:, None] == units).astype(float),
                   (u.time.values[:, None] == times[1:]).astype(float)])
    b = np.linalg.lstsq(Z, u.y.values, rcond=None)[0]
    t1 = panel[tr]
    fit = b[np.searchsorted(units, t1.unit)] + np.r_[0.0, b[len(units):]][
        np.searchsorted(times, t1.time)]
    exact = (t1.y.values - fit).mean()
    r = ImputationDiD().fit(panel, "y", "unit", "time", "first_treat")
    assert abs(r.overall_att - exact) < 1e-12


def test_imputation_against_didimputation(panel):
    check(ImputationDiD().fit(panel, "y", "unit", "time", "first_treat",
                              aggregate="event_study"), REF["didimputation"])


def test_imputation_covariate_against_didimputation(panel_x):
    check(ImputationDiD().fit(panel_x, "y", "unit", "time", "first_treat", covariates=["x"],
                              aggregate="all"), REF["didimputation"]["covariate"])


def test_two_stage_against_did2s(panel):
    check(TwoStageDiD().fit(panel, "y", "unit", "time", "first_treat", aggregate="all"),
          REF["did2s"])


def test_diff_diff_shapes(panel):
    r = ImputationDiD().fit(panel, "y", "unit", "time", "first_treat", aggregate="all")
    assert set(r.event_study_effects) == {-1, 0, 1, 2, 3, 4, 5}
    assert r.event_study_effects[-1] == {"effect": 0.0, "se": 0.0, "t_stat": pytest.approx(
        np.nan, nan_ok=True), "p_value": pytest.approx(np.nan, nan_ok=True),
        "conf_int": (0.0, 0.0), "n_obs": 0}
    assert set(r.event_study_effects[0]) == {"effect", "se", "t_stat", "p_value", "conf_int",
                                             "n_obs"}
    assert r.event_study_effects[0]["n_obs"] == 120 and r.event_study_effects[5]["n_obs"] == 60
    assert sorted(r.group_effects) == [3, 5] and r.group_effects[3]["n_obs"] == 360
    te = r.treatment_effects
    assert list(te.columns) == ["unit", "time", "tau_hat", "rel_time", "weight"]
    assert len(te) == 600 and te["tau_hat"].mean() == pytest.approx(r.overall_att, abs=1e-12)
    g3 = te[te["unit"] < 120]["tau_hat"].mean()  # cohort 3: units 60..119
    assert r.group_effects[3]["effect"] == pytest.approx(g3, abs=1e-12)
    assert (r.n_obs, r.n_treated_obs, r.n_untreated_obs) == (1440, 600, 840)
    assert (r.n_treated_units, r.n_control_units) == (120, 180)
    assert r.groups == [3, 5] and r.time_periods == list(range(1, 9))
    lo, hi = r.overall_conf_int
    assert lo < r.overall_att < hi and r.overall_p_value < 1e-10
    assert r.to_dataframe("event_study").shape[0] == 7
    assert r.to_dataframe().shape[0] == 600
    assert "Imputation DiD" in str(r.summary())
    est = ImputationDiD(horizon_max=2)
    assert est.fit(panel, "y", "unit", "time", "first_treat", aggregate="event_study") \
        .event_study_effects.keys() == {-1, 0, 1, 2}
    assert est.is_fitted_ and est.get_params()["horizon_max"] == 2
    plain = ImputationDiD().fit(panel, "y", "unit", "time", "first_treat")
    assert plain.event_study_effects is None and plain.group_effects is None


def test_two_stage_pretrends_leads(panel):
    r = TwoStageDiD(pretrends=True).fit(panel, "y", "unit", "time", "first_treat",
                                        aggregate="event_study")
    assert set(r.event_study_effects) == {-4, -3, -2, -1, 0, 1, 2, 3, 4, 5}
    # a lead is the mean first-stage residual of its cell: near 0 under parallel trends
    assert abs(r.event_study_effects[-2]["effect"]) < 0.05
    assert r.event_study_effects[-2]["n_obs"] == 120


def test_bootstrap_thread_invariance(panel, all_threads):
    out = []
    for th in (1, 2):
        r = ImputationDiD(n_bootstrap=199, seed=3, threads=th).fit(
            panel, "y", "unit", "time", "first_treat", aggregate="all")
        out.append((r.overall_se, r.bootstrap_results.bootstrap_distribution.copy()))
    assert out[0][0] == out[1][0] and np.array_equal(out[0][1], out[1][1])
    assert out[0][0] == pytest.approx(REF["didimputation"]["overall"]["se"], rel=0.2)
    b = ImputationDiD(n_bootstrap=199, seed=3).fit(panel, "y", "unit", "time", "first_treat",
                                                   aggregate="all").bootstrap_results
    assert b.n_bootstrap == 199 and b.weight_type == "rademacher"
    assert set(b.event_study_ses) == {0, 1, 2, 3, 4, 5} and set(b.group_ses) == {3, 5}


def test_errors(panel):
    with pytest.raises(ValueError, match="aux_partition"):
        ImputationDiD(aux_partition="unit").fit(panel, "y", "unit", "time", "first_treat")
    with pytest.raises(Exception, match="nope"):
        ImputationDiD().fit(panel, "nope", "unit", "time", "first_treat")
    always = panel.copy()
    always.loc[always["unit"] == 60, "first_treat"] = 1  # treated in every period
    with pytest.raises(Exception, match="cannot be imputed"):
        ImputationDiD(rank_deficient_action="error").fit(always, "y", "unit", "time",
                                                         "first_treat")
    with pytest.warns(UserWarning, match="cannot be imputed"):
        r = ImputationDiD().fit(always, "y", "unit", "time", "first_treat")
    assert r.treatment_effects["tau_hat"].isna().sum() == 8


def unbalanced(panel):
    """The Stata fixture's unbalanced panel: units with unit mod 4 == 0 lose times >= 6."""
    return panel[~((panel.unit % 4 == 0) & (panel.time >= 6))].reset_index(drop=True)


@pytest.mark.parametrize("loo", [False, True])
def test_leave_one_out_against_stata(panel, loo):
    """BJS's leave-out variance (Supp. App. A.9) against Stata did_imputation's leaveout, with
    every aux partition, balanced and unbalanced (where the unit-clustered eq. 8 tau~ differs
    from the observation-level mean: cohort). Stata's estimates carry reghdfe's iteration error
    (2e-7 on the ATT): 5e-7 on estimates, 1e-6 relative on standard errors."""
    key = "se" if loo else "se_nonloo"
    fit = lambda data, aux, agg=None: ImputationDiD(  # noqa: E731
        leave_one_out=loo, aux_partition=aux).fit(data, "y", "unit", "time", "first_treat",
                                                    aggregate=agg)
    for aux, ref in (("cohort_horizon", STATA), ("cohort", STATA["variants"]["cohort"]),
                     ("horizon", STATA["variants"]["horizon"])):
        r = fit(panel, aux, "event_study")
        o = ref["overall"]
        assert abs(r.overall_att - o["att"]) < 5e-7
        assert r.overall_se == pytest.approx(o[key], rel=1e-6)
        for h, e in ref.get("event_study", {}).items():
            d = r.event_study_effects[int(h)]
            assert abs(d["effect"] - e["att"]) < 5e-7
            assert d["se"] == pytest.approx(e[key], rel=1e-6)
    ub = unbalanced(panel)
    assert len(ub) == STATA["unbalanced"]["n_rows"]
    for aux in ("cohort_horizon", "cohort", "horizon"):
        r, o = fit(ub, aux), STATA["unbalanced"][aux]
        assert abs(r.overall_att - o["att"]) < 5e-7
        assert r.overall_se == pytest.approx(o[key], rel=1e-6)
    assert fit(panel, "cohort_horizon").leave_one_out is loo


def fit_case(case, panel, panel_x):
    c = DD["event_study"][case]
    data = panel_x if "covariates" in (c["fit_kwargs"] or {}) else panel
    if case == "loo_unbalanced_horizon":
        data = unbalanced(panel)
    data = data.assign(grp=data.unit % 30)
    cls = TwoStageDiD if case.startswith("two_stage") else ImputationDiD
    return c, cls(**c["kwargs"]).fit(data, "y", "unit", "time", "first_treat",
                                     aggregate="event_study", **(c["fit_kwargs"] or {}))


@pytest.mark.parametrize("case", sorted(DD["event_study"]))
def test_event_study_against_diff_diff(panel, panel_x, case):
    """pretrends (BJS's leads with their t(df_convention) inference; did2s's leads for
    TwoStageDiD), anticipation, horizon_max with balance_e, covariates, clusters nested
    (grp) and not (time), leave_one_out, TwoStageDiD's leads emptied by balance_e (NaN rows):
    every event-study row as diff-diff 3.13 has it.
    diff-diff demeans iteratively (tolerance 1e-10): 1e-9 on estimates and intervals, 1e-7
    relative on standard errors and p-values."""
    c, r = fit_case(case, panel, panel_x)
    assert set(r.event_study_effects) == {int(h) for h in c["effects"]}
    for h, (eff, se, p, lo, hi, nobs) in c["effects"].items():
        d = r.event_study_effects[int(h)]
        assert d["n_obs"] == nobs
        if np.isnan(eff):  # a lead that balance_e empties: a NaN row (TwoStageDiD)
            assert all(np.isnan(d[k]) for k in ("effect", "se", "t_stat", "p_value"))
            assert all(np.isnan(d["conf_int"])) and np.isnan(se)
            continue
        assert abs(d["effect"] - eff) < 1e-9 and d["se"] == pytest.approx(se, rel=1e-7)
        assert d["p_value"] == pytest.approx(p, rel=1e-7, abs=1e-300, nan_ok=True)
        assert abs(d["conf_int"][0] - lo) < 1e-9 and abs(d["conf_int"][1] - hi) < 1e-9
    att, se = DD["overall"][case]
    assert abs(r.overall_att - att) < 1e-9 and r.overall_se == pytest.approx(se, rel=1e-7)


@pytest.mark.parametrize("case", sorted(DD["pretrend_test"]))
def test_pretrend_test_against_diff_diff(panel, panel_x, case):
    """BJS's joint Wald F test of the leads (results.pretrend_test(n_leads)) as diff-diff."""
    c = DD["pretrend_test"][case]
    data = (panel_x if c["fit_kwargs"] else panel).assign(grp=panel.unit % 30)
    r = ImputationDiD(**c["kwargs"]).fit(data, "y", "unit", "time", "first_treat",
                                         **c["fit_kwargs"])
    assert r.pretrend_results is None
    t = r.pretrend_test(n_leads=c["n_leads"])
    assert r.pretrend_results is t and t["df"] == t["n_leads"] == c["df"]
    assert t["f_stat"] == pytest.approx(c["f_stat"], rel=1e-7)
    assert t["p_value"] == pytest.approx(c["p_value"], rel=1e-7)
    assert t["lead_coefficients"].keys() == {int(h) for h in c["lead_coefficients"]}
    for h, v in c["lead_coefficients"].items():
        assert abs(t["lead_coefficients"][int(h)] - v) < 1e-9
    assert "pre-trend test" in str(r.summary())


def test_pretrend_test_edges(panel):
    r = ImputationDiD().fit(panel, "y", "unit", "time", "first_treat")
    none = r.pretrend_test(n_leads=0)
    assert none["n_leads"] == 0 and np.isnan(none["f_stat"]) and none["lead_coefficients"] == {}
    with pytest.raises(ValueError, match="n_leads"):
        r.pretrend_test(n_leads=-1)
    # a later change to the estimator does not move a fitted result's test
    est = ImputationDiD()
    r = est.fit(panel, "y", "unit", "time", "first_treat")
    est.anticipation = 1
    assert r.pretrend_test()["n_leads"] == 3
    # one cohort, the never treated seen from period 4 on: every lead is a period dummy on the
    # untreated rows, spanned by the period effects, so dropped (NaN; diff-diff the same) with
    # a warning, or an error
    one = panel[(panel.first_treat == 5) | ((panel.first_treat == 0) & (panel.time >= 4))]
    with pytest.warns(UserWarning, match="collinear"):
        t = ImputationDiD().fit(one, "y", "unit", "time", "first_treat").pretrend_test()
    assert all(np.isnan(v) for v in t["lead_coefficients"].values()) and np.isnan(t["f_stat"])
    with pytest.raises(Exception, match="collinear"):
        ImputationDiD(rank_deficient_action="error").fit(
            one, "y", "unit", "time", "first_treat").pretrend_test()


def test_pretrends_bootstrap_keeps_lead_inference(panel):
    """With the bootstrap the post-treatment horizons take the draws' inference; the leads,
    their own regression's."""
    plain = ImputationDiD(pretrends=True).fit(panel, "y", "unit", "time", "first_treat",
                                              aggregate="event_study")
    boot = ImputationDiD(pretrends=True, n_bootstrap=99, seed=2).fit(
        panel, "y", "unit", "time", "first_treat", aggregate="event_study")
    assert boot.event_study_effects[-2] == plain.event_study_effects[-2]
    assert set(boot.bootstrap_results.event_study_ses) == {0, 1, 2, 3, 4, 5}
    assert boot.event_study_effects[0]["se"] != plain.event_study_effects[0]["se"]


def test_variance_arguments(panel):
    """vcov_type: 'hc1' only, the others refused with the reason; leave_one_out a bool;
    df_convention checked, and a warning where it changes nothing; the surfaces as
    diff-diff's (TwoStageDiD has neither leave_one_out nor df_convention nor pretrend_test)."""
    for bad in ("classical", "hc2", "hc2_bm", "conley"):
        with pytest.raises(ValueError, match="hc1"):
            ImputationDiD(vcov_type=bad).fit(panel, "y", "unit", "time", "first_treat")
        with pytest.raises(ValueError, match="TwoStageDiD"):
            TwoStageDiD(vcov_type=bad).fit(panel, "y", "unit", "time", "first_treat")
    with pytest.raises(TypeError, match="leave_one_out"):
        ImputationDiD(leave_one_out=1).fit(panel, "y", "unit", "time", "first_treat")
    with pytest.raises(ValueError, match="df_convention"):
        ImputationDiD(df_convention="t").fit(panel, "y", "unit", "time", "first_treat")
    for pre in (False, True):  # no event study to use it in
        with pytest.warns(UserWarning, match="df_convention"):
            ImputationDiD(df_convention="cluster", pretrends=pre).fit(
                panel, "y", "unit", "time", "first_treat")
    est = ImputationDiD(leave_one_out=True, df_convention="normal", pretrends=True)
    assert est.get_params()["leave_one_out"] and est.get_params()["df_convention"] == "normal"
    r = est.fit(panel, "y", "unit", "time", "first_treat", aggregate="event_study")
    assert (r.vcov_type, r.cluster_name, r.n_clusters) == ("hc1", "unit", 180)
    assert -2 in r.event_study_effects
    assert r.to_dict()["leave_one_out"] and "leave-one-out" in str(r.summary())
    ts = TwoStageDiD().fit(panel, "y", "unit", "time", "first_treat")
    assert not hasattr(ts, "pretrend_test") and not hasattr(ts, "leave_one_out")
    assert "leave_one_out" not in TwoStageDiD().get_params()


def test_cli_pretrends_leave_one_out(kestrel_bin, panel):
    """`kestrel did imputation --pretrends N --leave-one-out --json`: the leads in the event
    study, the pre-trend test of the N nearest leads, the leave-out standard errors: the
    Python fit's numbers."""
    import subprocess
    path = os.path.join(DATA, "didimputation_test_panel.csv")
    out = subprocess.run([kestrel_bin, "did", "imputation", "--data", path, "--outcome", "y",
                          "--unit", "unit", "--time", "time", "--first-treat", "first_treat",
                          "--pretrends", "2", "--leave-one-out", "--json"],
                         capture_output=True, text=True, check=True).stdout
    j = json.loads(out)
    r = ImputationDiD(pretrends=True, leave_one_out=True).fit(
        panel, "y", "unit", "time", "first_treat", aggregate="event_study")
    assert j["se"] == pytest.approx(r.overall_se, rel=1e-12)
    assert j["event_study"]["key"][:3] == [-4, -3, -2]
    es = [r.event_study_effects[h]["se"] for h in j["event_study"]["key"]]
    assert j["event_study"]["se"] == pytest.approx(es, rel=1e-12)
    t = r.pretrend_test(n_leads=2)
    assert j["pretrend_test"]["leads"] == [-3, -2] and j["pretrend_test"]["df2"] == 179
    assert j["pretrend_test"]["f_stat"] == pytest.approx(t["f_stat"], rel=1e-12)
    bad = subprocess.run([kestrel_bin, "did", "twostage", "--data", path, "--outcome", "y",
                          "--unit", "unit", "--time", "time", "--first-treat", "first_treat",
                          "--leave-one-out"], capture_output=True, text=True)
    assert bad.returncode != 0 and "imputation` only" in bad.stderr


@pytest.mark.parametrize("case", ["all", "n_leads_2", "covariate", "grp"])
def test_pretrends_against_r(panel, panel_x, case):
    """The leads of R didimputation 0.5.0 (`pretrends`, fixest's clustered standard errors) and
    fixest's Wald statistic of the same regression (reference_imputation_pretrends_r.json).
    fixest demeans iteratively (its standard errors 1e-7 from the exact solution here): 1e-9
    on coefficients, 1e-6 relative on standard errors and F. The F's p-value is R's pf() against
    F(q, G - 1), diff-diff's and Stata's reference (fixest's own wald() takes the residual
    df)."""
    ref = RREF[case]
    data = (panel_x if case == "covariate" else panel).assign(grp=panel.unit % 30)
    est = ImputationDiD(pretrends=True, cluster="grp" if case == "grp" else None)
    r = est.fit(data, "y", "unit", "time", "first_treat", aggregate="event_study",
                covariates=["x"] if case == "covariate" else None)
    t = r.pretrend_test(n_leads=len(ref["leads"]))
    assert list(t["lead_coefficients"]) == ref["leads"]
    for h, b, s in zip(ref["leads"], ref["estimate"], ref["std_error"]):
        assert abs(t["lead_coefficients"][h] - b) < 1e-9
        assert t["lead_se"][h] == pytest.approx(s, rel=1e-6)
        if case != "n_leads_2":  # the event study has every lead
            assert r.event_study_effects[h]["se"] == pytest.approx(s, rel=1e-6)
    assert t["f_stat"] == pytest.approx(ref["wald_stat"], rel=1e-6)
    assert t["df_denom"] == ref["G"] - 1
    assert t["p_value"] == pytest.approx(ref["p_g1"], rel=1e-6)


@pytest.mark.parametrize("anticipation", [0, 1])
def test_two_stage_pretrends_against_did2s(panel, anticipation):
    """TwoStageDiD(pretrends=True) against R did2s's second stage over every relative period
    (~ i(rel_year, ref = c(-1 - anticipation, Inf)), analytical clustered standard errors;
    reference_two_stage_pretrends_r.json): leads, horizons and their GMM standard errors, to
    fixest's iteration error as in test_two_stage_against_did2s."""
    ref = RTS[f"anticipation_{anticipation}"]
    r = TwoStageDiD(pretrends=True, anticipation=anticipation).fit(
        panel, "y", "unit", "time", "first_treat", aggregate="event_study")
    assert set(r.event_study_effects) == set(ref["horizons"]) | {-1 - anticipation}
    for h, b, s in zip(ref["horizons"], ref["estimate"], ref["se"]):
        d = r.event_study_effects[h]
        assert abs(d["effect"] - b) < 5e-7
        assert d["se"] == pytest.approx(s, rel=1e-6)
