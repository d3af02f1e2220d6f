"""Section-3 surface added for diff-diff 3.13 parity, checked against diff-diff's numbers on
the same data (diff-diff's own generators): post-fit aggregate() of the imputation family and
StackedDiD (and its agreement with the fit-time aggregate=), HonestDiD / PreTrendsPower on a
TWFE EventStudyResults, triple_difference()'s diff-diff arguments."""
import warnings

import numpy as np
import pytest

dd = pytest.importorskip("diff_diff")
import kestrel.did as kd  # noqa: E402

ARGS = dict(outcome="outcome", unit="unit", time="period", first_treat="first_treat")


@pytest.fixture(scope="module")
def stag():
    return dd.generate_staggered_data(n_units=60, n_periods=6, seed=1)


def _same(a, b, tol=1e-8):
    A, B = a.to_dataframe(), b.to_dataframe()
    assert list(A.columns) == list(B.columns)
    num = [c for c in B.columns if B[c].dtype.kind == "f"]
    np.testing.assert_allclose(A[num].to_numpy(float), B[num].to_numpy(float), rtol=tol,
                               atol=tol, equal_nan=True)


@pytest.mark.parametrize("name", ["ImputationDiD", "TwoStageDiD"])
@pytest.mark.parametrize("kind", ["event_study", "group", "simple", "total"])
def test_imputation_family_aggregate_matches_diff_diff(stag, name, kind):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        k = getattr(kd, name)().fit(stag, **ARGS)
        d = getattr(dd, name)().fit(stag, **ARGS)
        _same(k.aggregate(kind), d.aggregate(kind))


@pytest.mark.parametrize("name", ["ImputationDiD", "TwoStageDiD"])
def test_balance_e_and_fit_time_aggregate_agree(stag, name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        k = getattr(kd, name)().fit(stag, **ARGS)
        _same(k.aggregate("event_study", balance_e=1),
              getattr(dd, name)().fit(stag, **ARGS).aggregate("event_study", balance_e=1))
        fitted = getattr(kd, name)().fit(stag, aggregate="all", **ARGS)
    es = k.aggregate("event_study")
    for e, att, se in zip(es.event_time, es.att, es.se):
        ref = fitted.event_study_effects[e]
        assert att == ref["effect"]
        assert (np.isnan(se) and ref["n_obs"] == 0) or se == ref["se"]
    grp = k.aggregate("group")
    assert list(grp.att) == [fitted.group_effects[g]["effect"] for g in grp.label]
    with pytest.raises(ValueError, match="weights"):
        k.aggregate("group", weights="cohort_share")
    with pytest.raises(ValueError, match="balance_e"):
        k.aggregate("group", balance_e=1)


@pytest.mark.parametrize("kind", ["event_study", "simple"])
def test_stacked_aggregate_matches_diff_diff(stag, kind):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        k = kd.StackedDiD(kappa_pre=2, kappa_post=2).fit(stag, **ARGS)
        d = dd.StackedDiD(kappa_pre=2, kappa_post=2).fit(stag, **ARGS)
    a, b = k.aggregate(kind), d.aggregate(kind)
    _same(a, b)
    if kind == "event_study":
        np.testing.assert_allclose(a.vcov, b.vcov, rtol=1e-10, atol=1e-14)
        assert list(a.vcov_index) == list(b.vcov_index)
        assert a.reference_event_times == b.reference_event_times
    with pytest.raises(ValueError, match="Unsupported"):
        k.aggregate("group")


def test_pretrends_power_and_honest_did_take_a_twfe_event_study():
    d = dd.generate_did_data(n_units=40, n_periods=6, treatment_period=3, seed=1)
    out = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for m in (kd, dd):
            es = m.TwoWayFixedEffects().fit(d, outcome="outcome", treatment="treated",
                                            unit="unit", event_study=True, time="period",
                                            post_periods=[3, 4, 5])
            mp = m.MultiPeriodDiD().fit(d, outcome="outcome", treatment="treated", unit="unit",
                                        time="period", post_periods=[3, 4, 5])
            p = m.PreTrendsPower(alpha=0.05, power=0.8).fit(es)
            out[m.__name__] = (p.mdv, m.PreTrendsPower().power_curve(es).powers,
                               m.HonestDiD(method="relative_magnitude", M=1.0).fit(es),
                               m.HonestDiD(method="relative_magnitude", M=1.0).fit(mp))
    k, r = out["kestrel.did"], out["diff_diff"]
    assert k[0] == pytest.approx(r[0], rel=1e-10)
    np.testing.assert_allclose(k[1], r[1], rtol=1e-10)
    # HonestDiD reads the event study as it reads the MultiPeriodDiD fit (the same
    # coefficients; kestrel's default target is R's first post effect, diff-diff's the average)
    h_es, h_mp = k[2], k[3]
    assert h_es.pre_periods_used == h_mp.pre_periods_used == [0, 1]
    assert h_es.post_periods_used == [3, 4, 5]
    assert h_es.original_estimate == pytest.approx(h_mp.original_estimate, rel=1e-12)
    assert h_es.df_survey is None


def test_triple_difference_function_takes_diff_diffs_arguments():
    d = dd.generate_ddd_data(n_per_cell=25, seed=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        k = kd.triple_difference(d, "outcome", "group", "partition", "time", vcov_type="hc1",
                                 rank_deficient_action="warn", epv_threshold=10,
                                 pscore_fallback="error")
        k2 = kd.triple_difference(d, "outcome", "group", "partition", time="time")
        r = dd.triple_difference(d, "outcome", "group", "partition", "time")
    assert k.att == pytest.approx(r.att, rel=1e-10) and k2.att == k.att
    assert k.se == pytest.approx(r.se, rel=1e-10)
    with pytest.raises(ValueError, match="once"):
        kd.triple_difference(d, "outcome", "group", "partition", "time", time="time")


@pytest.mark.parametrize("threshold", [10, 40])
@pytest.mark.parametrize("method", ["dr", "ipw", "reg"])
def test_triple_difference_epv_summary_matches_diff_diff(method, threshold):
    """Each comparison's propensity logit's events per variable: diff-diff's epv_diagnostics
    and epv_summary (show_all both ways), none for regression adjustment."""
    d = dd.generate_ddd_data(n_per_cell=25, seed=1)
    x = np.random.default_rng(7).normal(size=(2, len(d)))
    d = d.assign(x1=x[0], x2=x[1])
    d = d.sample(n=170, random_state=3)  # unequal cells: the comparisons differ
    kw = dict(estimation_method=method, epv_threshold=threshold)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        k = kd.TripleDifference(**kw).fit(d, "outcome", "group", "partition", "time",
                                          covariates=["x1", "x2"])
        r = dd.TripleDifference(**kw).fit(d, "outcome", "group", "partition", "time",
                                          covariates=["x1", "x2"])
    # diff-diff's entries also carry its IRLS solver's irls_chol_fallback_iters (not EPV)
    epv = ("epv", "n_events", "k", "is_low")
    assert k.epv_diagnostics == (r.epv_diagnostics and {
        j: {key: e[key] for key in epv} for j, e in r.epv_diagnostics.items()})
    for show_all in (False, True):
        K, R = k.epv_summary(show_all=show_all), r.epv_summary(show_all=show_all)
        assert list(K.columns) == list(R.columns) and len(K) == len(R)
        assert K.astype(object).values.tolist() == R.astype(object).values.tolist()
    if method != "reg":
        assert len(k.epv_summary(show_all=True)) == 3
        assert len(k.epv_summary()) == (3 if threshold == 40 else 0)


@pytest.mark.parametrize("kw,agg", [({}, "event_study"), ({"pretrends": True}, "all"),
                                    ({}, None), ({"n_bootstrap": 49, "seed": 1}, "event_study")])
def test_two_stage_event_study_vcov_matches_diff_diff(stag, kw, agg):
    """Gardner's GMM covariance of the event-study horizons: diff-diff's event_study_vcov and
    its index (None without an event study or under the bootstrap), its diagonal the squared
    SEs; aggregate('event_study') carries it (also recomputed with balance_e)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        k = kd.TwoStageDiD(**kw).fit(stag, aggregate=agg, **ARGS)
        r = dd.TwoStageDiD(**kw).fit(stag, aggregate=agg, **ARGS)
    assert k.event_study_vcov_index == r.event_study_vcov_index
    if r.event_study_vcov is None:
        assert k.event_study_vcov is None
        return
    np.testing.assert_allclose(k.event_study_vcov, r.event_study_vcov, rtol=1e-8, atol=0)
    se = np.array([k.event_study_effects[h]["se"] for h in k.event_study_vcov_index])
    np.testing.assert_allclose(np.diag(k.event_study_vcov), se ** 2, rtol=1e-14, atol=0)
    a, b = k.aggregate("event_study"), r.aggregate("event_study")
    assert list(a.vcov_index) == list(b.vcov_index)
    np.testing.assert_allclose(a.vcov, b.vcov, rtol=1e-8, atol=0)
    if not kw:  # balance_e: with pretrends diff-diff also keeps the emptied leads (NaN rows)
        a, b = k.aggregate("event_study", balance_e=1), r.aggregate("event_study", balance_e=1)
        assert list(a.vcov_index) == list(b.vcov_index)
        np.testing.assert_allclose(a.vcov, b.vcov, rtol=1e-8, atol=0)
