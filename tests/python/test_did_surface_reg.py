"""diff-diff 3.13's surface on the regression family, SyntheticDiD and Bacon: each estimator
called as diff-diff's documentation calls it, in both packages on the same simulated panel,
and the attributes compared (diff-diff is the reference program; skipped without it)."""
import math
import warnings

import numpy as np
import pandas as pd
import pytest

import kestrel.did as kd

dd = pytest.importorskip("diff_diff")


@pytest.fixture(scope="module")
def panel():
    rng = np.random.default_rng(11)
    n_u, n_t = 60, 6
    df = pd.DataFrame({"unit": np.repeat(np.arange(n_u), n_t),
                       "period": np.tile(np.arange(n_t), n_u)})
    df["treated"] = (df.unit < 20).astype(int)
    df["post"] = (df.period >= 3).astype(int)
    df["group"] = df.unit % 3
    df["x"] = rng.normal(size=len(df))
    df["ft"] = np.where(df.treated == 1, 3, 0)
    df["outcome"] = (0.2 * df.unit + 0.3 * df.period + 2.0 * df.treated * df.post
                     + 0.4 * df.x + df.group + rng.normal(size=len(df)))
    return df


def _quiet(f, *a, **k):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return f(*a, **k)


@pytest.mark.parametrize("kw", [{}, {"cluster": "unit"}, {"vcov_type": "classical"},
                                {"vcov_type": "hc2"}])
def test_did_matches_diffdiff(panel, kw):
    args = dict(outcome="outcome", treatment="treated", post="post")
    a = _quiet(dd.DifferenceInDifferences(**kw).fit, panel, **args)
    b = kd.DifferenceInDifferences(df_convention="residual", **kw).fit(panel, **args)
    assert b.att == pytest.approx(a.att, abs=1e-10)
    assert b.se == pytest.approx(a.se, rel=1e-9)
    assert b.p_value == pytest.approx(a.p_value, rel=1e-7, abs=1e-300)
    assert b.conf_int == pytest.approx(a.conf_int, rel=1e-9)
    for k in ("vcov_type", "cluster_name", "inference_df", "df_convention", "n_obs",
              "is_significant", "significance_stars"):
        assert getattr(b, k) == getattr(a, k), k
    assert b.coef_var == pytest.approx(a.coef_var, rel=1e-9)
    assert list(b.coefficients) == list(a.coefficients)
    assert b.coefficients["const"] == pytest.approx(a.coefficients["const"], abs=1e-10)
    np.testing.assert_allclose(b.fitted_values, a.fitted_values, atol=1e-10)
    np.testing.assert_allclose(b.residuals, a.residuals, atol=1e-10)


def test_did_fixed_effects_dummies_and_covariates(panel):
    args = dict(outcome="outcome", treatment="treated", post="post", covariates=["x"],
                fixed_effects=["group"])
    a = _quiet(dd.DifferenceInDifferences().fit, panel, **args)
    b = kd.DifferenceInDifferences().fit(panel, **args)
    assert list(b.coefficients) == list(a.coefficients)  # const, ..., group_1, group_2
    for k, v in a.coefficients.items():
        assert b.coefficients[k] == pytest.approx(v, abs=1e-9), k
    assert b.se == pytest.approx(a.se, rel=1e-9)
    np.testing.assert_allclose(b.fitted_values, a.fitted_values, atol=1e-9)


def test_did_time_alias_unit_and_fitted_state(panel):
    est = kd.DifferenceInDifferences()
    assert est.is_fitted_ is False and est.results_ is None
    with pytest.raises(RuntimeError):
        est.summary()
    with pytest.raises(RuntimeError):
        est.predict(panel)
    r = est.fit(panel, outcome="outcome", treatment="treated", time="post", unit="unit")
    assert est.is_fitted_ and est.results_ is r and "ATT" in est.summary()
    with pytest.raises(NotImplementedError):
        est.predict(panel)
    with pytest.raises(TypeError, match="not both"):
        est.fit(panel, outcome="outcome", treatment="treated", post="post", time="post")
    with pytest.raises(ValueError, match="conley_coords"):
        kd.DifferenceInDifferences(vcov_type="conley").fit(
            panel, outcome="outcome", treatment="treated", post="post")
    with pytest.raises(ValueError, match="conley_coords"):  # conley: tests/python/test_did_conley.py
        kd.DifferenceInDifferences(vcov_type="conley", conley_cutoff_km=50.0).fit(
            panel, outcome="outcome", treatment="treated", post="post", unit="unit")


def test_summary_alpha_recomputes_the_interval(panel):
    r = kd.DifferenceInDifferences(alpha=0.10).fit(panel, outcome="outcome",
                                                   treatment="treated", post="post")
    s = r.summary(alpha=0.10)
    assert s == r.summary()
    other = kd.DifferenceInDifferences(alpha=0.01).fit(panel, outcome="outcome",
                                                       treatment="treated", post="post")
    assert r.summary(alpha=0.01) == other.summary()  # same table as a fit at that alpha
    assert r.alpha == 0.10  # the result itself is unchanged


def test_twfe_static_and_event_study(panel):
    a = _quiet(dd.TwoWayFixedEffects().fit, panel, outcome="outcome", treatment="treated",
               post="post", unit="unit")
    b = kd.TwoWayFixedEffects(df_convention="residual").fit(
        panel, outcome="outcome", treatment="treated", post="post", unit="unit")
    assert b.att == pytest.approx(a.att, abs=1e-10) and b.se == pytest.approx(a.se, rel=1e-9)
    assert b.coefficients.keys() == a.coefficients.keys() == {"ATT"}
    assert (b.inference_df, b.cluster_name) == (a.inference_df, a.cluster_name)
    assert b.p_value == pytest.approx(a.p_value, rel=1e-7, abs=1e-300)
    es_args = dict(outcome="outcome", treatment="treated", time="period", unit="unit",
                   event_study=True, post_periods=[3, 4, 5])
    a = _quiet(dd.TwoWayFixedEffects().fit, panel, **es_args)
    b = kd.TwoWayFixedEffects(df_convention="residual").fit(panel, **es_args)
    assert isinstance(b, kd.EventStudyResults)
    np.testing.assert_array_equal(b.event_time, a.event_time)
    np.testing.assert_array_equal(b.is_reference, a.is_reference)
    for k in ("att", "se", "p_value", "conf_int_lower", "conf_int_upper", "df"):
        np.testing.assert_allclose(getattr(b, k), getattr(a, k), rtol=1e-8, atol=1e-12,
                                   err_msg=k)
    np.testing.assert_allclose(b.vcov, a.vcov, rtol=1e-8)
    np.testing.assert_array_equal(b.vcov_index, a.vcov_index)
    assert (b.reference_period, b.post_periods, b.source, b.estimation_spec) == (
        a.reference_period, a.post_periods, a.source, a.estimation_spec)
    assert list(b.to_dataframe()["event_time"]) == list(a.to_dataframe()["event_time"])


def test_twfe_decompose_and_bacon_by_type(panel):
    args = dict(outcome="outcome", unit="unit", time="period", first_treat="ft")
    a = _quiet(dd.TwoWayFixedEffects().decompose, panel, **args)
    b = kd.TwoWayFixedEffects().decompose(panel, **args)
    assert b.twfe_estimate == pytest.approx(a.twfe_estimate, abs=1e-10)
    assert b.weight_by_type() == pytest.approx(a.weight_by_type())
    ea, eb = a.effect_by_type(), b.effect_by_type()
    assert ea.keys() == eb.keys()
    for k in ea:
        assert (eb[k] is None) == (ea[k] is None)
        if ea[k] is not None:
            assert eb[k] == pytest.approx(ea[k], abs=1e-10)


def test_multiperiod_attributes(panel):
    args = dict(outcome="outcome", treatment="treated", time="period", post_periods=[3, 4, 5])
    a = _quiet(dd.MultiPeriodDiD().fit, panel, **args)
    b = kd.MultiPeriodDiD().fit(panel, **args)
    assert b.avg_att == pytest.approx(a.avg_att, abs=1e-10)
    assert b.t_stat == pytest.approx(a.t_stat, rel=1e-8)
    assert b.coef_var == pytest.approx(a.coef_var, rel=1e-8)
    assert (b.is_significant, b.significance_stars) == (a.is_significant, a.significance_stars)
    assert set(b.interaction_indices) == set(a.interaction_indices)
    assert set(b.event_study_df) == set(a.event_study_df)
    for k in ("inference_method", "vcov_type", "cluster_name", "df_convention"):
        assert getattr(b, k) == getattr(a, k), k
    assert b.inference_df == a.inference_df
    for p, e in a.period_effects.items():
        f = b.period_effects[p]
        assert isinstance(f, kd.PeriodEffect)
        assert f.effect == pytest.approx(e.effect, abs=1e-10)
        assert (f.is_significant, f.significance_stars) == (e.is_significant,
                                                           e.significance_stars)
    np.testing.assert_allclose(b.fitted_values, a.fitted_values, atol=1e-9)
    assert "treated:period_4" in b.coefficients and "treated:period_4" in a.coefficients


def test_sdid_pre_fit_and_methods(panel):
    args = dict(outcome="outcome", treatment="treated", unit="unit", time="period",
                post_periods=[3, 4, 5])
    a = _quiet(dd.SyntheticDiD(seed=1).fit, panel, **args)
    b = kd.SyntheticDiD(seed=1).fit(panel, **args)
    assert b.att == pytest.approx(a.att, abs=1e-9)
    assert b.coef_var == pytest.approx(b.se / abs(b.att))  # the placebo draws differ
    for k in ("pre_treatment_fit", "pre_treatment_level_gap"):
        assert getattr(b, k) == pytest.approx(getattr(a, k), rel=1e-8, abs=1e-12), k
    for k in ("synthetic_pre_trajectory", "synthetic_post_trajectory",
              "treated_pre_trajectory", "treated_post_trajectory", "time_weights_array"):
        np.testing.assert_allclose(getattr(b, k), getattr(a, k), atol=1e-9, err_msg=k)
    ca, cb = a.get_weight_concentration(3), b.get_weight_concentration(3)
    assert cb == pytest.approx(ca)
    sa, sb = a.sensitivity_to_zeta_omega(), b.sensitivity_to_zeta_omega()
    assert list(sb.columns) == list(sa.columns)
    np.testing.assert_allclose(sb.to_numpy(float), sa.to_numpy(float), rtol=1e-6)
    pa, pb = a.in_time_placebo(), b.in_time_placebo()
    assert list(pb.columns) == list(pa.columns)
    # the refits' Frank-Wolfe stopping rule uses the placebo panel's own noise level here
    # (diff-diff: the full panel's), so the estimates agree to the solver's tolerance
    np.testing.assert_allclose(pb["att"], pa["att"], atol=1e-3)


def test_sdid_covariates_aliases_and_default_post(panel):
    args = dict(outcome="outcome", treatment="treated", unit="unit", time="period",
                post_periods=[3, 4, 5], covariates=["x"])
    a = _quiet(dd.SyntheticDiD(seed=1).fit, panel, **args)
    b = kd.SyntheticDiD(seed=1).fit(panel, **args)
    assert b.att == pytest.approx(a.att, abs=1e-9)
    with pytest.warns(DeprecationWarning, match="lambda_reg"):
        kd.SyntheticDiD(lambda_reg=0.5)
    with pytest.warns(DeprecationWarning, match="zeta is deprecated"):
        kd.SyntheticDiD(zeta=0.5)
    with pytest.warns(UserWarning, match="later half"):
        c = kd.SyntheticDiD(seed=1).fit(panel, "outcome", "treated", "unit", "period")
    assert c.post_periods == [3, 4, 5]
    d = kd.SyntheticDiD(seed=1).fit(panel.assign(d=panel.treated * panel.post), "outcome",
                                    "d", "unit", "period")  # D_it: no warning, its own dates
    assert d.post_periods == [3, 4, 5] and d.att == pytest.approx(c.att, abs=1e-12)
    j = kd.SyntheticDiD(variance_method="jackknife").fit(
        panel, "outcome", "treated", "unit", "period", post_periods=[3, 4, 5])
    k = _quiet(dd.SyntheticDiD(variance_method="jackknife").fit, panel, "outcome", "treated",
               "unit", "period", post_periods=[3, 4, 5])
    lj, lk = j.get_loo_effects_df(), k.get_loo_effects_df()
    assert list(lj.columns) == list(lk.columns)
    np.testing.assert_allclose(lj["att_loo"], lk["att_loo"], atol=1e-8)


def test_plot_event_study_signature(panel):
    import inspect
    mpl = pytest.importorskip("matplotlib")
    mpl.use("Agg")
    assert list(inspect.signature(kd.plot_event_study).parameters) == list(
        inspect.signature(dd.plot_event_study).parameters)
    r = kd.MultiPeriodDiD().fit(panel, outcome="outcome", treatment="treated", time="period",
                                post_periods=[3, 4, 5])
    ax = kd.plot_event_study(r, show=False, xlabel="t", show_zero_line=False)
    assert ax.get_xlabel() == "t"
    ax = kd.plot_event_study(effects={-1: 0.0, 0: 1.0, 1: 2.0}, se={-1: 0.1, 0: 0.2, 1: 0.3},
                             reference_period=-1, show=False)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["-1", "0", "1"]
    frame = pd.DataFrame({"period": [0, 1, 2], "effect": [0.1, 1.0, 2.0],
                          "se": [0.1, 0.2, 0.3]})
    assert kd.plot_event_study(frame, show=False) is not None
    with pytest.raises(NotImplementedError, match="plotly"):
        kd.plot_event_study(frame, backend="plotly", show=False)


def test_stars_and_significance_nan():
    r = kd.DiDResults.__new__(kd.DiDResults)
    r.att, r.se, r.p_value, r.alpha = 1.0, float("nan"), float("nan"), 0.05
    assert r.significance_stars == "" and r.is_significant is False
    assert math.isnan(r.coef_var)


def test_plot_event_study_marked_reference():
    """A results object's event-study row that counts nothing (n_obs 0, diff-diff's marker) is
    the reference: drawn hollow, without an interval, with the dotted line at it — here e = -2
    (anticipation 1), not the regression default -1."""
    mpl = pytest.importorskip("matplotlib")
    mpl.use("Agg")
    from types import SimpleNamespace

    def eff(e, se, n):
        return {"effect": e, "se": se, "conf_int": (e - 2 * se, e + 2 * se), "n_obs": n}

    res = SimpleNamespace(alpha=0.05, event_study_effects={
        -3: eff(0.1, 0.1, 5), -2: eff(0.0, 0.0, 0), -1: eff(0.2, 0.1, 5), 0: eff(1.0, 0.2, 5)})
    ax = kd.plot_event_study(res, show=False)
    dotted = [ln for ln in ax.get_lines() if ln.get_linestyle() == ":"]
    assert len(dotted) == 1 and list(dotted[0].get_xdata()) == [1, 1]  # x of e = -2
    hollow = [ln for ln in ax.get_lines() if ln.get_markerfacecolor() == "white"]
    assert len(hollow) == 1 and list(hollow[0].get_xdata()) == [1]
    assert len(ax.collections) == 3  # error bars for -3, -1 and 0 only
