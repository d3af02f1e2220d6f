"""HonestDiD on CallawaySantAnna / SunAbraham event studies fitted with anticipation > 0: the
event times e in [-anticipation, -1] carry anticipated treatment effects, so they are not
pre-periods. The pre-periods are the event times before the reference period (-1 -
anticipation, R did's universal base and SunAbraham's omitted period), the post-periods start
right after it, and the default target is the on-impact effect e = 0 (R's honest_did e = 0).
Checked against diff-diff 3.13's split on the same data (its rule: pre before the reference
marker; with CS's varying base, pre e < -anticipation), and against HonestDiD on betahat and
the covariance block taken by hand."""
import warnings

import numpy as np
import pandas as pd
import pytest

from kestrel.did import CallawaySantAnna, HonestDiD, SunAbraham


def staggered(seed=5, n=300, T=9):
    """cohorts 5 and 7 (and never-treated); the effect starts one period early"""
    rng = np.random.default_rng(seed)
    unit = np.repeat(np.arange(n), T)
    time = np.tile(np.arange(1, T + 1), n)
    g = np.array([5, 7, 0])[np.arange(n) % 3][unit]
    on = (g > 0) & (time >= g - 1)
    y = rng.normal(size=n)[unit] + 0.2 * time + 1.5 * on + rng.normal(size=n * T)
    return pd.DataFrame({"y": y, "unit": unit, "time": time, "first_treat": g})


def by_hand(res, pre, post):
    idx = [list(res.event_study_vcov_index).index(e) for e in pre + post]
    return {"betahat": [res.event_study_effects[e]["effect"] for e in pre + post],
            "sigma": np.asarray(res.event_study_vcov)[np.ix_(idx, idx)],
            "num_pre_periods": len(pre)}


@pytest.mark.parametrize("base", ["universal", "varying"])
def test_cs_anticipation_split_as_diff_diff(base):
    df = staggered()
    kw = dict(outcome="y", unit="unit", time="time", first_treat="first_treat",
              aggregate="event_study")
    res = CallawaySantAnna(anticipation=1, base_period=base).fit(df, **kw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # both warn about the varying base
        r = HonestDiD("relative_magnitude").fit(res)
        import diff_diff
        dd = diff_diff.CallawaySantAnna(anticipation=1, base_period=base).fit(df, **kw)
        r_dd = diff_diff.HonestDiD("relative_magnitude").fit(dd)
    assert r.pre_periods_used == [e for e in r_dd.pre_periods_used]
    assert r.post_periods_used == [e for e in r_dd.post_periods_used]
    assert r.post_periods_used[0] == -1 and -1 not in r.pre_periods_used
    assert max(r.pre_periods_used) == (-3 if base == "universal" else -2)
    # the default target is e = 0, not the anticipated e = -1
    assert r.original_estimate == res.event_study_effects[0]["effect"]
    l = np.eye(len(r.post_periods_used))[r.post_periods_used.index(0)]
    r2 = HonestDiD("relative_magnitude", l_vec=l).fit(
        by_hand(res, r.pre_periods_used, r.post_periods_used))
    assert (r.ci_lb, r.ci_ub, r.lb, r.ub) == (r2.ci_lb, r2.ci_ub, r2.lb, r2.ub)


def test_cs_varying_base_warns():
    res = CallawaySantAnna(anticipation=1).fit(
        staggered(), outcome="y", unit="unit", time="time", first_treat="first_treat",
        aggregate="event_study")
    with pytest.warns(UserWarning, match="universal"):
        HonestDiD("smoothness").fit(res)


def test_sunab_anticipation_reference():
    df = staggered()
    res = SunAbraham(anticipation=1).fit(df, outcome="y", unit="unit", time="time",
                                         first_treat="first_treat")
    assert res.reference_period == -2
    r = HonestDiD("smoothness", M=0.1).fit(res)
    assert max(r.pre_periods_used) == -3 and r.post_periods_used[0] == -1
    assert r.original_estimate == res.event_study_effects[0]["effect"]
    l = np.eye(len(r.post_periods_used))[1]
    r2 = HonestDiD("smoothness", M=0.1, l_vec=l).fit(
        by_hand(res, r.pre_periods_used, r.post_periods_used))
    assert (r.ci_lb, r.ci_ub) == (r2.ci_lb, r2.ci_ub)
