"""kestrel.did.ImputationDiD / TwoStageDiD against R didimputation 0.5.0 and did2s 1.2.1
(diff-diff's golden files: tests/data/did/reference_imputation_r.json, PROVENANCE.md), diff-diff's
names and result shapes, thread-count invariance of the bootstrap, errors naming the argument."""
import json
import os

import numpy as np
import pandas as pd
import pytest

from kestrel.did import ImputationDiD, TwoStageDiD

DATA = os.path.join(os.path.dirname(__file__), "..", "data", "did")
REF = json.load(open(os.path.join(DATA, "reference_imputation_r.json")))


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



def test_imputation_pretrends_refused(panel):
    """ImputationDiD's leads are not implemented: asking for them raises, never a silent no-op."""
    with pytest.raises(NotImplementedError, match="pretrends"):
        ImputationDiD(pretrends=True).fit(panel, "y", "unit", "time", "first_treat")
