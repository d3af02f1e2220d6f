"""diff-diff 3.13's surface of CallawaySantAnna and SunAbraham in kestrel.did: each call made as
diff-diff's documentation makes it, in both packages on the same data, attributes and numbers
compared (tight tolerances where both compute the same thing; bootstraps, whose random streams
differ, through invariants and statistically with tolerances several Monte-Carlo standard
errors wide)."""
import dataclasses
import warnings

import numpy as np
import pandas as pd
import pytest

from kestrel import did as kd

dd = pytest.importorskip("diff_diff")

ROOT = __import__("pathlib").Path(__file__).resolve().parents[2]
ARGS = ("lemp", "countyreal", "year", "ft")


@pytest.fixture(scope="module")
def mpdta():
    return pd.read_csv(ROOT / "data" / "mpdta.csv").rename(columns={"first.treat": "ft"})


def quiet(fn, *a, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*a, **kw)


def staggered(n=120, T=6, seed=0, x_strength=0.0):
    rng = np.random.default_rng(seed)
    u, t = np.repeat(np.arange(n), T), np.tile(np.arange(1, T + 1), n)
    x = rng.normal(size=n) * 2.5
    treated = rng.uniform(size=n) < 1 / (1 + np.exp(-x_strength * x)) * 0.7
    g = np.where(treated, rng.choice([3, 4, 5], n), 0)
    y = x[u] + 0.3 * t + (g[u] > 0) * (t >= g[u]) * (1 + 0.2 * (t - g[u])) + rng.normal(size=n * T)
    return pd.DataFrame({"u": u, "t": t, "y": y, "g": g[u], "x": x[u]})


def test_exports_match_diff_diff():
    for name in ("EventStudyResults", "CSBootstrapResults", "SABootstrapResults",
                 "GroupTimeEffect", "AggregationResult"):
        assert name in kd.__all__
        theirs = [f.name for f in dataclasses.fields(getattr(dd, name) if hasattr(dd, name) else
                  getattr(__import__("diff_diff.aggregation", fromlist=[name]), name))
                  if not f.name.startswith("_")]
        ours = [f.name for f in dataclasses.fields(getattr(kd, name))]
        assert set(theirs) <= set(ours), (name, set(theirs) - set(ours))
    gte = kd.GroupTimeEffect(2004, 2005, 0.1, 0.02, 5.0, 1e-4, (0.06, 0.14), 20, 309)
    assert gte.is_significant and gte.significance_stars == "***" and gte.skip_reason is None


@pytest.mark.parametrize("base", ["varying", "universal"])
def test_cs_event_study_matches_diff_diff(mpdta, base):
    k = kd.CallawaySantAnna(base_period=base).fit(mpdta, *ARGS)
    d = quiet(dd.CallawaySantAnna(base_period=base).fit, mpdta, *ARGS)
    ke, de = k.aggregate("event_study"), quiet(d.aggregate, "event_study")
    assert isinstance(ke, kd.EventStudyResults)
    assert list(ke.event_time) == list(de.event_time)
    np.testing.assert_allclose(ke.att, de.att, rtol=0, atol=1e-12)
    np.testing.assert_allclose(ke.se, de.se, rtol=1e-10, equal_nan=True)
    np.testing.assert_array_equal(ke.n, de.n)  # n_groups, NaN on the reference row
    np.testing.assert_array_equal(ke.is_reference, de.is_reference)
    assert ke.n_kind == de.n_kind == "groups"
    assert ke.reference_period == de.reference_period
    assert ke.reference_event_times == (None if base == "varying" else (-1,))
    assert tuple(de.reference_event_times or ()) == tuple(ke.reference_event_times or ())
    assert list(ke.vcov_index) == list(de.vcov_index)
    np.testing.assert_allclose(ke.vcov, de.vcov, rtol=1e-9, atol=1e-15)
    # the results keep the covariance; its diagonal is the squared standard errors
    np.testing.assert_allclose(np.sqrt(np.diag(k.event_study_vcov)),
                               [k.event_study_effects[e]["se"] for e in
                                k.event_study_vcov_index], rtol=1e-12)
    frame = ke.to_dataframe()
    assert list(frame.columns) == list(de.to_dataframe().columns)
    assert set(ke.to_dict()) >= set(de.to_dict())
    assert "Event-study effects" in ke.summary() and ke.reference_periods == de.reference_periods
    with pytest.raises(ValueError):
        ke.summary(alpha=0.1)


def test_cs_group_simple_total_calendar(mpdta):
    k = kd.CallawaySantAnna().fit(mpdta, *ARGS)
    d = quiet(dd.CallawaySantAnna().fit, mpdta, *ARGS)
    for level in ("group", "simple", "total"):
        ka, da = k.aggregate(level), quiet(d.aggregate, level)
        assert isinstance(ka, kd.AggregationResult) and ka.level == da.level == level
        assert [str(v) for v in ka.label] == [str(v) for v in da.label]
        assert list(ka.target) == list(da.target)
        np.testing.assert_allclose(ka.att, da.att, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(ka.se, da.se, rtol=1e-10)
        np.testing.assert_allclose(ka.p_value, da.p_value, rtol=1e-9)
        np.testing.assert_array_equal(ka.n, da.n)
        assert ka.n_kind == da.n_kind
        assert (ka.weight is None) == (da.weight is None)
        assert list(ka.to_dataframe().columns) == list(da.to_dataframe().columns)
    total = k.aggregate("total")  # the overall ATT times its 291 treated observations
    assert total.n[0] == 291 and total.att[0] == pytest.approx(291 * k.overall_att, rel=1e-14)
    cal = k.aggregate("calendar")  # kestrel's (R aggte's); diff-diff has none
    assert cal.level == "calendar" and list(cal.label) == [2004, 2005, 2006, 2007]
    assert list(cal.n) == [1, 1, 2, 3]
    with pytest.raises(ValueError, match="weights"):
        k.aggregate("group", weights="cohort_share")
    with pytest.raises(ValueError, match="balance_e"):
        k.aggregate("group", balance_e=1)
    with pytest.raises(NotImplementedError, match="sampling weights"):
        kd.CallawaySantAnna().fit(mpdta.assign(w=1.0), *ARGS, weights="w").aggregate("total")


def test_cs_results_attributes(mpdta):
    k = kd.CallawaySantAnna(control_group="not_yet_treated").fit(mpdta, *ARGS)
    d = quiet(dd.CallawaySantAnna(control_group="not_yet_treated").fit, mpdta, *ARGS)
    for name in ("att", "se", "t_stat", "p_value"):
        assert getattr(k, name) == pytest.approx(getattr(d, name), rel=1e-10)
    np.testing.assert_allclose(k.conf_int, d.conf_int, rtol=1e-10)
    for name in ("n_obs", "n_treated_units", "n_control_units", "vcov_type", "cluster_name",
                 "df_inference", "allow_unbalanced_panel", "used_rc_on_unbalanced_panel",
                 "epv_threshold", "pscore_fallback", "reference_event_times",
                 "event_study_df"):
        assert getattr(k, name) == getattr(d, name), name
    assert k.pscore_trim is None  # kestrel's default: R DRDID's trimming (diff-diff: 0.01)
    assert all(c["skip_reason"] is None for c in k.group_time_effects.values())
    assert k.coef_var == pytest.approx(d.coef_var, rel=1e-10) if hasattr(k, "coef_var") else True


def test_cs_element_fields_and_fit_aggregate(mpdta):
    with warnings.catch_warnings():  # kestrel keeps fit(aggregate=) without a FutureWarning
        warnings.simplefilter("error")
        k = kd.CallawaySantAnna().fit(mpdta, *ARGS, aggregate="all")
    d = quiet(dd.CallawaySantAnna().fit, mpdta, *ARGS, aggregate="all")
    for e, de in d.event_study_effects.items():
        assert k.event_study_effects[e]["n_groups"] == de["n_groups"]
        assert k.event_study_effects[e]["effect"] == pytest.approx(de["effect"], abs=1e-12)
    for g, dg in d.group_effects.items():
        assert k.group_effects[g]["n_periods"] == dg["n_periods"]
        assert k.group_effects[g]["df_used"] == dg["df_used"]
    assert set(d.group_time_effects[(2004, 2005)]) <= set(k.group_time_effects[(2004, 2005)])


def test_cs_bootstrap_results(mpdta):
    k = kd.CallawaySantAnna(n_bootstrap=999, seed=7).fit(mpdta, *ARGS, aggregate="all")
    br = k.bootstrap_results
    assert isinstance(br, kd.CSBootstrapResults)
    names = {f.name for f in dataclasses.fields(dd.staggered_bootstrap.CSBootstrapResults)}
    assert names == {f.name for f in dataclasses.fields(br)}
    for f in names:  # every field filled when the fit aggregates everything
        assert getattr(br, f) is not None, f
    assert br.n_bootstrap == 999 and br.weight_type == "rademacher"
    assert len(br.bootstrap_distribution) == 999
    # invariants: the covariance of the event-study draws has their variances on its diagonal;
    # the mean of the overall draws is the estimate (Rademacher weights have mean 0)
    np.testing.assert_allclose(np.diag(br.event_study_vcov),
                               [br.event_study_ses[e] ** 2 for e in br.event_study_vcov_index],
                               rtol=1e-12)
    assert np.mean(br.bootstrap_distribution) == pytest.approx(k.overall_att, abs=4 * k.overall_se
                                                               / np.sqrt(999))
    lo, hi = br.overall_att_ci
    assert lo < k.overall_att < hi and 0 < br.overall_att_p_value <= 1
    # statistically: the draws' standard deviation estimates the analytical SE (B = 999: Monte-
    # Carlo relative error about 1 / sqrt(2 B) = 2%; 10% is five of those)
    assert br.overall_att_se == pytest.approx(k.overall_se, rel=0.10)
    for key, s in br.group_time_ses.items():
        if np.isfinite(s):
            assert s == pytest.approx(k.group_time_effects[key]["se"], rel=0.15)
    d = quiet(dd.CallawaySantAnna(n_bootstrap=999, seed=7).fit, mpdta, *ARGS, aggregate="all")
    assert br.overall_att_se == pytest.approx(d.bootstrap_results.overall_att_se, rel=0.12)
    for e, s in d.bootstrap_results.event_study_ses.items():
        assert br.event_study_ses[e] == pytest.approx(s, rel=0.12)
    # reproducible for a seed
    k2 = kd.CallawaySantAnna(n_bootstrap=999, seed=7).fit(mpdta, *ARGS)
    np.testing.assert_array_equal(k2.bootstrap_results.bootstrap_distribution,
                                  br.bootstrap_distribution)


def test_cs_pscore_trim():
    df = staggered(n=400, T=5, seed=4, x_strength=2.2)
    args = ("y", "u", "t", "g")
    for trim in (0.01, 0.05):  # IPW: the same clipped scores, the same numbers as diff-diff
        k = kd.CallawaySantAnna(estimation_method="ipw", pscore_trim=trim).fit(
            df, *args, covariates=["x"])
        d = quiet(dd.CallawaySantAnna(estimation_method="ipw", pscore_trim=trim).fit, df, *args,
                  covariates=["x"])
        assert k.overall_att == pytest.approx(d.overall_att, rel=1e-10)
        assert k.overall_se == pytest.approx(d.overall_se, rel=1e-9)
    r = kd.CallawaySantAnna(estimation_method="ipw").fit(df, *args, covariates=["x"])
    t = kd.CallawaySantAnna(estimation_method="ipw", pscore_trim=0.05).fit(df, *args,
                                                                          covariates=["x"])
    assert r.overall_att != t.overall_att  # None: R's numbers, not clipped
    for bad in (0.0, 0.5, -1):
        with pytest.raises(ValueError, match="pscore_trim"):
            kd.CallawaySantAnna(pscore_trim=bad)


def test_cs_epv_and_diagnose_propensity(mpdta):
    with pytest.warns(UserWarning, match="Events Per Variable"):
        k = kd.CallawaySantAnna(epv_threshold=200).fit(mpdta, *ARGS, covariates=["lpop"])
    d = quiet(dd.CallawaySantAnna(epv_threshold=200).fit, mpdta, *ARGS, covariates=["lpop"])
    assert set(k.epv_diagnostics) == set(d.epv_diagnostics)
    for cell, dg in d.epv_diagnostics.items():
        kg = k.epv_diagnostics[cell]
        assert (kg["epv"], kg["n_events"], kg["k"], kg["is_low"]) == (
            dg["epv"], dg["n_events"], dg["k"], dg["is_low"])
    pd.testing.assert_frame_equal(k.epv_summary(show_all=True).astype(float, errors="ignore"),
                                  d.epv_summary(show_all=True).astype(float, errors="ignore"),
                                  check_dtype=False)
    with pytest.raises(ValueError, match="Events Per Variable"):
        kd.CallawaySantAnna(epv_threshold=200, rank_deficient_action="error").fit(
            mpdta, *ARGS, covariates=["lpop"])
    kp = kd.CallawaySantAnna().diagnose_propensity(mpdta, *ARGS, covariates=["lpop"])
    dp = quiet(dd.CallawaySantAnna().diagnose_propensity, mpdta, *ARGS, covariates=["lpop"])
    pd.testing.assert_frame_equal(kp, dp, check_dtype=False)
    with pytest.raises(NotImplementedError):
        kd.CallawaySantAnna(control_group="not_yet_treated").diagnose_propensity(
            mpdta, *ARGS, covariates=["lpop"])


def test_cs_constructor_checks():
    with pytest.raises(ValueError, match="vcov_type"):
        kd.CallawaySantAnna(vcov_type="hc2")
    with pytest.raises(NotImplementedError, match="conley"):
        kd.CallawaySantAnna(vcov_type="conley")
    with pytest.raises(ValueError, match="pscore_fallback"):
        kd.CallawaySantAnna(pscore_fallback="drop")
    with pytest.raises(ValueError, match="epv_threshold"):
        kd.CallawaySantAnna(epv_threshold=0)


@pytest.mark.parametrize("conv", ["cluster", "residual", "normal"])
def test_sunab_attributes_match_diff_diff(mpdta, conv):
    k = kd.SunAbraham(df_convention=conv).fit(mpdta, *ARGS)
    d = quiet(dd.SunAbraham(df_convention=conv).fit, mpdta, *ARGS)
    kc = kd.SunAbraham(df_convention=conv).fit(mpdta, *ARGS, covariates=["lpop"])
    dc = quiet(dd.SunAbraham(df_convention=conv).fit, mpdta, *ARGS, covariates=["lpop"])
    assert kc.inference_df == dc.inference_df and kc.p_value == pytest.approx(dc.p_value,
                                                                              rel=1e-8)
    for name in ("att", "se", "t_stat", "p_value"):
        assert getattr(k, name) == pytest.approx(getattr(d, name), rel=1e-9)
    np.testing.assert_allclose(k.conf_int, d.conf_int, rtol=1e-10)
    for name in ("anticipation", "time_periods", "reference_observed", "vcov_type",
                 "cluster_name", "inference_df", "df_convention", "conley_lag_cutoff"):
        assert getattr(k, name) == getattr(d, name), name
    assert k.event_study_vcov_index == list(d.event_study_vcov_index)
    np.testing.assert_allclose(k.event_study_vcov, d.event_study_vcov, rtol=1e-9, atol=1e-16)
    assert (k.event_study_df is None) == (d.event_study_df is None)
    for e, de in d.event_study_effects.items():
        assert k.event_study_effects[e]["p_value"] == pytest.approx(de["p_value"], rel=1e-8)


def test_sunab_constructor_checks():
    kd.SunAbraham(conley_coords=("lat", "lon"))  # unused without vcov_type='conley'
    with pytest.raises(NotImplementedError, match="hc2"):
        kd.SunAbraham(vcov_type="hc2")
    with pytest.raises(ValueError, match="df_convention"):
        kd.SunAbraham(df_convention="fixest")


def test_sunab_bootstrap():
    df = staggered(n=60, T=5, seed=2)
    args = ("y", "u", "t", "g")
    with pytest.warns(UserWarning, match="n_bootstrap=20 is low"):
        kd.SunAbraham(n_bootstrap=20, seed=1).fit(df, *args)
    k = kd.SunAbraham(n_bootstrap=400, seed=3).fit(df, *args)
    br = k.bootstrap_results
    assert isinstance(br, kd.SABootstrapResults) and br.weight_type == "pairs"
    names = {f.name for f in dataclasses.fields(dd.sun_abraham.SABootstrapResults)}
    assert names == {f.name for f in dataclasses.fields(br)}
    # as diff-diff: the bootstrap's se, interval and p-value are the results'
    assert k.overall_se == br.overall_att_se and k.overall_conf_int == br.overall_att_ci
    assert k.event_study_vcov is None and k.inference_df is None
    for e, d in k.event_study_effects.items():
        assert d["se"] == br.event_study_ses[e]
    # the same seed, the same draws, for any thread count
    k1 = kd.SunAbraham(n_bootstrap=400, seed=3, threads=1).fit(df, *args)
    np.testing.assert_array_equal(k1.bootstrap_results.bootstrap_distribution,
                                  br.bootstrap_distribution)
    # statistically: diff-diff's pairs bootstrap of the same estimator (B = 400 each: the two
    # standard deviations differ by about 5% at one Monte-Carlo sd; 22% is over four of those)
    d = quiet(dd.SunAbraham(n_bootstrap=400, seed=3).fit, df, *args)
    assert br.overall_att_se == pytest.approx(d.bootstrap_results.overall_att_se, rel=0.22)
    for e, s in d.bootstrap_results.event_study_ses.items():
        assert br.event_study_ses[e] == pytest.approx(s, rel=0.22), e
    # and the analytical cluster-robust SE it approximates (60 clusters: a looser agreement)
    a = kd.SunAbraham().fit(df, *args)
    assert br.overall_att_se == pytest.approx(a.overall_se, rel=0.3)


def test_cs_unbalanced_panel_attributes():
    df = pd.read_csv(ROOT / "tests" / "data" / "did" / "mpdta_unbal.csv").rename(
        columns={"first.treat": "ft"})
    k = kd.CallawaySantAnna(allow_unbalanced_panel=True).fit(df, *ARGS)
    d = quiet(dd.CallawaySantAnna(allow_unbalanced_panel=True).fit, df, *ARGS)
    for name in ("n_obs", "n_treated_units", "n_control_units", "allow_unbalanced_panel",
                 "used_rc_on_unbalanced_panel"):
        assert getattr(k, name) == getattr(d, name), name
    ks, ds = k.aggregate("simple"), quiet(d.aggregate, "simple")
    assert k.used_rc_on_unbalanced_panel and ks.n_kind == ds.n_kind == "obs"
    np.testing.assert_array_equal(ks.n, ds.n)
    assert k.overall_att == pytest.approx(d.overall_att, rel=1e-12)
    # the SE is R's; diff-diff's carries a CR1 factor sqrt(G / (G - 1)) (its documentation)
    G = df["countyreal"].nunique()
    assert d.overall_se == pytest.approx(k.overall_se * np.sqrt(G / (G - 1)), rel=1e-6)
    with pytest.raises(NotImplementedError, match="total"):  # refused by diff-diff too
        k.aggregate("total")
