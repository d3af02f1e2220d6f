"""pscore_fallback='unconditional' (CallawaySantAnna, TripleDifference): a cell whose propensity
logit cannot be estimated uses the share treated as its score.

References: diff-diff 3.13's own fallback path, reached by making its logit fail (its
solve_logit raises only on inputs kestrel refuses earlier, so the failure is forced there), on
data whose logit kestrel cannot estimate (a covariate that separates treated from controls:
Newton's Hessian is singular); and the invariant that ipw with the unconditional score is the
fit without covariates."""
import warnings

import numpy as np
import pytest

from kestrel import did as kd

dd = pytest.importorskip("diff_diff")


def _separated(panel=True):
    """A staggered panel (or cross-sections) with s nearly the ever-treated indicator: Newton's
    logit breaks down (singular Hessian) in every cell of the panel, in 7 of the 8 of the
    cross-sections (the 8th stops at scores of 1, which R's overlap guard makes NaN)."""
    d = kd.generate_staggered_data(n_units=200, n_periods=5, seed=3, panel=panel)
    x = np.random.default_rng(1).normal(size=int(d.unit.max()) + 1)
    d["s"] = (d.first_treat > 0).astype(float) + (0.01 if panel else 0.1) * x[d.unit.to_numpy()]
    return d


def _quiet(fn):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn()


def _dd_forced(monkeypatch, module, fn):
    """diff-diff's result with its propensity logit failing."""
    def fail(*a, **k):
        raise np.linalg.LinAlgError("logit forced to fail")
    with monkeypatch.context() as m:
        m.setattr(module, "solve_logit", fail)
        return _quiet(fn)


def test_error_leaves_cells_nan_with_a_warning():
    d = _separated()
    cs = kd.CallawaySantAnna(estimation_method="ipw")
    with pytest.warns(UserWarning, match="propensity-score Hessian is singular"):
        with pytest.raises(Exception, match="every group-time effect is NaN"):
            cs.fit(d, "outcome", "unit", "period", "first_treat", covariates=["s"])


def test_unconditional_ipw_is_the_fit_without_covariates():
    d = _separated()
    cs = kd.CallawaySantAnna(estimation_method="ipw", pscore_fallback="unconditional")
    with pytest.warns(UserWarning, match="pscore_fallback: the propensity score could not"):
        r = cs.fit(d, "outcome", "unit", "period", "first_treat", covariates=["s"])
    r0 = kd.CallawaySantAnna(estimation_method="ipw").fit(d, "outcome", "unit", "period",
                                                          "first_treat")
    assert r.overall_att == pytest.approx(r0.overall_att, rel=1e-12)
    assert r.overall_se == pytest.approx(r0.overall_se, rel=1e-12)


@pytest.mark.parametrize("panel", [True, False])
@pytest.mark.parametrize("method", ["ipw", "dr"])
def test_cs_matches_diff_diff_fallback(monkeypatch, method, panel):
    import diff_diff.staggered as st
    d = _separated(panel)
    kw = dict(estimation_method=method, pscore_fallback="unconditional", panel=panel)
    args = (d, "outcome", "unit", "period", "first_treat")
    ref = _dd_forced(monkeypatch, st, lambda: dd.CallawaySantAnna(**kw).fit(
        *args, covariates=["s"]))
    got = _quiet(lambda: kd.CallawaySantAnna(**kw).fit(*args, covariates=["s"]))
    if panel:
        assert got.overall_att == pytest.approx(ref.overall_att, rel=1e-9)
        assert got.overall_se == pytest.approx(ref.overall_se, rel=1e-9)
    cells = {c: e for c, e in got.group_time_effects.items() if np.isfinite(e["effect"])}
    assert len(cells) == (8 if panel else 7)
    for cell, e in cells.items():
        assert e["effect"] == pytest.approx(ref.group_time_effects[cell]["effect"], rel=1e-9,
                                            abs=1e-12)
        if panel or method == "ipw":  # diff-diff's repeated-cross-section dr standard errors
            # differ from R DRDID's drdid_rc (kestrel's) with or without the fallback
            assert e["se"] == pytest.approx(ref.group_time_effects[cell]["se"], rel=1e-9)


def test_rank_deficient_error_disables_the_fallback():
    """diff-diff re-raises under rank_deficient_action='error'; kestrel keeps R's NaN cells."""
    d = _separated()
    cs = kd.CallawaySantAnna(estimation_method="ipw", pscore_fallback="unconditional",
                             rank_deficient_action="error")
    with pytest.raises(Exception, match="every group-time effect is NaN"):
        _quiet(lambda: cs.fit(d, "outcome", "unit", "period", "first_treat",
                              covariates=["s"]))


def _ddd_data():
    rng = np.random.default_rng(7)
    n = 1600
    g, p, t = (rng.integers(0, 2, n) for _ in range(3))
    y = 1 + g + p + t + 2.0 * g * p * t + rng.normal(size=n)
    s = g * p + 0.01 * rng.normal(size=n)  # separates subgroup 4 in every comparison
    import pandas as pd
    return pd.DataFrame({"y": y, "g": g, "p": p, "t": t, "s": s})


@pytest.mark.parametrize("method", ["ipw", "dr"])
def test_triple_difference_matches_diff_diff_fallback(monkeypatch, method):
    import diff_diff.triple_diff as td
    d = _ddd_data()
    kw = dict(estimation_method=method, pscore_fallback="unconditional")
    ref = _dd_forced(monkeypatch, td, lambda: dd.TripleDifference(**kw).fit(
        d, "y", "g", "p", "t", covariates=["s"]))
    with pytest.warns(UserWarning, match="pscore_fallback"):
        got = kd.TripleDifference(**kw).fit(d, "y", "g", "p", "t", covariates=["s"])
    assert got.att == pytest.approx(ref.att, rel=1e-9)
    assert got.se == pytest.approx(ref.se, rel=1e-9)
