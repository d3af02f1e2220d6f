"""SyntheticDiDResults.pre_fit_placebo_rmse / pre_fit_placebo_pvalue: the in-space placebo
reference for the pre-treatment fit. Reference: diff-diff 3.13 on the same panel. Its draws
are random subsets of controls (NumPy's generator, kestrel's differ), so the draws are compared
as sets: with 5 controls and 1 treated unit there are 5 possible placebo fits, and 20 draws of
each program cover them; every value must be one of the other program's."""
import warnings

import numpy as np
import pandas as pd
import pytest

from kestrel import did as kd

dd = pytest.importorskip("diff_diff")


def _panel(wiggle=0.0):
    rng = np.random.default_rng(2)
    n0, t0, t1 = 5, 8, 3
    rows = []
    for i in range(n0 + 1):
        a, b = rng.normal(), 0.3 * rng.normal()
        for t in range(t0 + t1):
            y = a + b * t + 0.5 * rng.normal() + (2.0 if i == n0 and t >= t0 else 0.0)
            y += wiggle * (i == n0) * (-1) ** t  # a pre-trend no control reproduces
            rows.append((i, t, y, int(i == n0)))
    return pd.DataFrame(rows, columns=["u", "t", "y", "tr"]), list(range(t0, t0 + t1))


def _fit(mod, d, post, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return mod.SyntheticDiD(seed=1, **kw).fit(d, "y", "tr", "u", "t", post_periods=post)


@pytest.mark.parametrize("variance_method", ["placebo", "jackknife", "bootstrap"])
def test_placebo_draws_are_diff_diffs(variance_method):
    d, post = _panel()
    ref, got = (_fit(m, d, post, variance_method=variance_method) for m in (dd, kd))
    assert got.pre_treatment_fit == pytest.approx(ref.pre_treatment_fit, rel=1e-9)
    assert len(got.pre_fit_placebo_rmse) == len(ref.pre_fit_placebo_rmse) == 20
    # the same subset refitted from different warm starts agrees to Frank-Wolfe's tolerance
    # (min_decrease = 1e-5 noise), about 1e-9 here, within either program too
    a, b = (np.unique(np.round(r.pre_fit_placebo_rmse, 6)) for r in (ref, got))
    assert len(a) == len(b) == 5
    np.testing.assert_allclose(b, a, rtol=1e-6)
    assert not got.pre_fit_placebo_rmse.flags.writeable
    n_ge = np.sum(got.pre_fit_placebo_rmse >= got.pre_treatment_fit)
    assert got.pre_fit_placebo_pvalue == (1 + n_ge) / 21


def test_draws_capped_by_n_bootstrap_and_absent_without_pre_periods():
    d, post = _panel()
    got, ref = (_fit(m, d, post, n_bootstrap=7) for m in (kd, dd))
    assert len(got.pre_fit_placebo_rmse) == len(ref.pre_fit_placebo_rmse) == 7
    one_pre = d[d.t >= 7]
    got, ref = (_fit(m, one_pre, post, variance_method="jackknife") for m in (kd, dd))
    assert got.pre_fit_placebo_rmse is None and ref.pre_fit_placebo_rmse is None
    assert got.pre_fit_placebo_pvalue is None and ref.pre_fit_placebo_pvalue is None


def test_more_periods_than_units_is_memory_safe():
    """A panel with more periods than units (11 > 6 here) once overran the unit-order buffer
    with the periods' order; run under PYTHONMALLOC=debug or valgrind this failed."""
    d, post = _panel()
    r = _fit(kd, d, post, variance_method="bootstrap", threads=2)
    assert np.isfinite(r.att) and d.t.nunique() > d.u.nunique()


def test_poor_fit_warns_as_diff_diff():
    d, post = _panel(wiggle=3.0)
    for mod in (dd, kd):
        with pytest.warns(UserWarning, match="(?i)pre-treatment fit is poor"):
            r = mod.SyntheticDiD(seed=1).fit(d, "y", "tr", "u", "t", post_periods=post)
        assert r.pre_fit_placebo_pvalue == pytest.approx(1 / 21)
