"""Placebo diagnostics of the parallel-trends assumption with diff-diff's names and results:
``run_placebo_test``, ``placebo_timing_test`` (fake treatment date), ``placebo_group_test``
(fake treated units), ``permutation_test`` (treatment reassigned to random units) and
``leave_one_out_test`` (each treated unit dropped), ``run_all_placebo_tests``;
``PlaceboTestResults``.

The fake-timing and fake-group tests are one DifferenceInDifferences fit each. The permutation
and leave-one-out re-estimates run in C (ks_did_permutation, ks_did_leave_one_out: the 2x2 ATT
from per-unit cell sums, permutations in parallel from counter-based draws); this module only
shapes arguments and results.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

import numpy as np

from . import _core
from . import did_checks as checks
from . import validate
from .did_regression import DifferenceInDifferences, _stars
from .regress import _columns
from .results import Results
from .summary import STARS_LEGEND, Summary

_TEST_TYPES = ("fake_timing", "fake_group", "permutation", "leave_one_out")


@dataclass
class PlaceboTestResults(Results):
    """A placebo test: ``placebo_effect`` with ``se``, ``t_stat``, ``p_value``, ``conf_int``,
    ``n_obs``, ``is_significant``; ``original_effect`` / ``original_se`` (the real estimate);
    ``permutation_distribution`` and ``n_permutations`` (permutation test),
    ``leave_one_out_effects`` ({unit: ATT}), ``fake_period``, ``fake_group``, ``seed`` (the
    permutations': the one given or the one drawn)."""

    test_type: str
    placebo_effect: float
    se: float
    t_stat: float
    p_value: float
    conf_int: Tuple[float, float]
    n_obs: int
    is_significant: bool
    alpha: float = 0.05
    original_effect: Optional[float] = None
    original_se: Optional[float] = None
    permutation_distribution: Optional[np.ndarray] = field(default=None, repr=False)
    leave_one_out_effects: Optional[Dict[Any, float]] = None
    fake_period: Optional[Any] = None
    fake_group: Optional[List[Any]] = None
    n_permutations: Optional[int] = None
    seed: Optional[int] = None

    @property
    def significance_stars(self) -> str:
        return _stars(self.p_value)

    def summary(self) -> str:
        """The placebo estimate and its test. Returned; ``print_summary()`` prints it."""
        lo, hi = self.conf_int
        rows = [f"Placebo test: {self.test_type}",
                f"  placebo effect {self.placebo_effect:.6f}  se {self.se:.6f}  "
                f"t {self.t_stat:.3f}  p {self.p_value:.4g} {self.significance_stars}",
                f"  {100 * (1 - self.alpha):g}% interval [{lo:.6f}, {hi:.6f}]",
                f"  observations {self.n_obs}"]
        if self.original_effect is not None:
            rows.append(f"  original ATT {self.original_effect:.6f}"
                        + (f" (se {self.original_se:.6f})" if self.original_se is not None
                           else ""))
        if self.n_permutations is not None:
            rows.append(f"  permutations {self.n_permutations}")
        if self.fake_period is not None:
            rows.append(f"  fake treatment period {self.fake_period}")
        if self.leave_one_out_effects:
            e = np.array(list(self.leave_one_out_effects.values()), dtype=float)
            rows.append(f"  leave-one-out: {len(e)} units, effects {np.nanmin(e):.6f} .. "
                        f"{np.nanmax(e):.6f}")
        rows.append("  significant placebo effect: parallel trends in doubt" if
                    self.is_significant else "  no significant placebo effect")
        rows += ["---", STARS_LEGEND]
        return Summary("\n".join(rows))

    def to_dict(self) -> Dict[str, Any]:
        d = {"test_type": self.test_type, "placebo_effect": self.placebo_effect, "se": self.se,
             "t_stat": self.t_stat, "p_value": self.p_value, "conf_int_lower": self.conf_int[0],
             "conf_int_upper": self.conf_int[1], "n_obs": self.n_obs,
             "is_significant": self.is_significant}
        for k in ("original_effect", "original_se", "n_permutations", "seed"):
            if getattr(self, k) is not None:
                d[k] = getattr(self, k)
        return d

    def to_dataframe(self):
        """to_dict() as a one-row pandas DataFrame."""
        import pandas as pd
        return pd.DataFrame([self.to_dict()])


def _need(data, *cols):
    for c in cols:
        if c not in data.columns:
            raise ValueError(f"column {c!r} not found in data")


def _from_fit(test_type, r, alpha, **extra):
    return PlaceboTestResults(test_type=test_type, placebo_effect=r.att, se=r.se,
                              t_stat=r.t_stat, p_value=r.p_value, conf_int=tuple(r.conf_int),
                              n_obs=r.n_obs, is_significant=bool(r.p_value < alpha), alpha=alpha,
                              **extra)


def _default_post(periods, post_periods):
    return list(periods[len(periods) // 2:]) if post_periods is None else list(post_periods)


def placebo_timing_test(data, outcome, treatment, time, fake_treatment_period,
                        post_periods=None, alpha=0.05, **estimator_kwargs):
    """DiD on the pre-treatment periods only, with a fake treatment date: post = time >=
    fake_treatment_period. data: a DataFrame; outcome, treatment (0/1), time: column names;
    ``post_periods`` default the later half of the periods; the original estimate uses post =
    time in post_periods; alpha: the test's level; estimator_kwargs go to
    DifferenceInDifferences. Returns a PlaceboTestResults."""
    _need(data, outcome, treatment, time)
    checks.check_alpha(alpha)
    periods = sorted(data[time].unique())
    post = _default_post(periods, post_periods)
    if fake_treatment_period in post:
        raise ValueError(f"fake_treatment_period ({fake_treatment_period}) must be a "
                         f"pre-treatment period, not in post_periods ({post})")
    pre = data[~data[time].isin(post)]
    fake_post = (pre[time] >= fake_treatment_period).astype(int)
    r = DifferenceInDifferences(**estimator_kwargs).fit(
        pre.assign(_fake_post=fake_post), outcome=outcome, treatment=treatment, time="_fake_post")
    full = DifferenceInDifferences(**estimator_kwargs).fit(
        data.assign(_post=data[time].isin(post).astype(int)), outcome=outcome,
        treatment=treatment, time="_post")
    return _from_fit("fake_timing", r, alpha, original_effect=full.att, original_se=full.se,
                     fake_period=fake_treatment_period)


def placebo_group_test(data, outcome, time, unit, fake_treated_units, post_periods=None,
                       alpha=0.05, treatment=None, **estimator_kwargs):
    """DiD with ``fake_treated_units`` as the treated group among the never-treated units (units
    ever treated per ``treatment`` are dropped first). data: a DataFrame; outcome, time, unit:
    column names; post_periods: the post periods (default the later half); alpha: the test's
    level; estimator_kwargs go to DifferenceInDifferences. Returns a PlaceboTestResults."""
    if fake_treated_units is None or len(fake_treated_units) == 0:
        raise ValueError("fake_treated_units must be a non-empty list")
    _need(data, outcome, time, unit)
    checks.check_alpha(alpha)
    d = data
    if treatment is not None:
        _need(data, treatment)
        tr = data[treatment]
        if tr.isna().any():
            raise ValueError(f"treatment column {treatment!r} contains missing values")
        if not tr.isin([0, 1]).all():
            raise ValueError(f"treatment column {treatment!r} must be 0 or 1")
        ever = data.groupby(unit)[treatment].max()
        ever = set(ever[ever == 1].index)
        misused = [u for u in fake_treated_units if u in ever]
        if misused:
            import warnings
            warnings.warn(f"{len(misused)} of fake_treated_units are ever treated and are "
                          f"dropped with the other treated units: {misused}", UserWarning,
                          stacklevel=2)
        d = data[~data[unit].isin(ever)]
    periods = sorted(d[time].unique())
    post = _default_post(periods, post_periods)
    fake = d[unit].isin(fake_treated_units).astype(int)
    if fake.sum() == 0:
        raise ValueError("no fake-treated observations remain (fake_treated_units are all ever "
                         "treated or absent from the data)")
    if (fake == 0).sum() == 0:
        raise ValueError("no control (non-fake-treated) units remain")
    d = d.assign(_fake_treated=fake, _post=d[time].isin(post).astype(int))
    r = DifferenceInDifferences(**estimator_kwargs).fit(d, outcome=outcome,
                                                        treatment="_fake_treated", time="_post")
    kept = set(d.loc[fake == 1, unit].unique())
    return _from_fit("fake_group", r, alpha,
                     fake_group=[u for u in fake_treated_units if u in kept])


def _post_arg(name, post, time):
    if post is None:
        post = time
    elif time is not None and time != post:
        raise ValueError(f"{name}: give post (or its old name time), not both")
    if post is None:
        raise ValueError(f"{name}: post (the 0/1 post-treatment column) is required")
    return post


def permutation_test(data, outcome, treatment, post=None, unit=None, n_permutations=1000,
                     alpha=0.05, seed=None, time=None, threads=0, **estimator_kwargs):
    """Randomization inference: the ATT with treatment given to ``n_permutations`` random sets
    of as many units as are treated; p = (1 + #{|ATT_perm| >= |ATT|}) / (valid + 1), se the sd
    of the permuted ATTs, the interval their alpha/2 and 1 - alpha/2 percentiles.

    data: a DataFrame; outcome, treatment (0/1), post (the 0/1 post column; ``time`` is its old
    name), unit: column names; seed: the permutations' seed (None: a fresh one); threads: C
    threads (None or 0: every core, fewer for small work; the same draws for any count). Returns a PlaceboTestResults."""
    post = _post_arg("permutation_test", post, time)
    if unit is None:
        raise ValueError("permutation_test: unit is required")
    _need(data, outcome, treatment, post, unit)
    checks.check_alpha(alpha)
    if not isinstance(n_permutations, (int, np.integer)) or n_permutations < 1:
        raise ValueError(f"n_permutations={n_permutations!r}: expected an integer >= 1")
    seed = validate.seed(seed)
    orig = DifferenceInDifferences(**estimator_kwargs).fit(data, outcome=outcome,
                                                           treatment=treatment, time=post)
    r = _core.did_placebo(_columns(data[[outcome, treatment, post, unit]]), outcome, treatment,
                          post, unit, "permutation", int(n_permutations), seed,
                          observed=float(orig.att), threads=validate.threads(threads),
                          alpha=float(alpha))
    eff = r["effects"]
    valid = eff[~np.isnan(eff)]
    if valid.size == 0:
        raise RuntimeError(f"all {n_permutations} permutations left a 2x2 cell empty")
    if valid.size < eff.size and (eff.size - valid.size) / eff.size > 0.1:
        import warnings
        warnings.warn(f"{eff.size - valid.size}/{eff.size} permutations left a cell empty; "
                      f"results use the other {valid.size}", UserWarning, stacklevel=2)
    att = orig.att
    # the library's summary: p = (1 + #{|permuted| >= |att|}) / (valid + 1), se the sd of the
    # permuted ATTs, t = att / se, the interval their alpha / 2 and 1 - alpha / 2 percentiles
    p = r["p_value"]
    return PlaceboTestResults(
        test_type="permutation", placebo_effect=r["mean"], se=r["se"], t_stat=r["t_stat"],
        p_value=p, conf_int=(r["ci_lower"], r["ci_upper"]), n_obs=len(data),
        is_significant=bool(p < alpha),
        alpha=alpha, original_effect=att, original_se=orig.se, permutation_distribution=valid,
        n_permutations=int(valid.size), seed=seed)


def leave_one_out_test(data, outcome, treatment, post=None, unit=None, alpha=0.05, time=None,
                       **estimator_kwargs):
    """The ATT with each treated unit left out in turn: ``leave_one_out_effects`` {unit: ATT};
    placebo_effect their mean, se their sd, t / p / interval with len - 1 degrees of freedom.

    data: a DataFrame; outcome, treatment (0/1), post (the 0/1 post column; ``time`` is its old
    name), unit: column names; alpha: the interval's level. Returns a PlaceboTestResults."""
    post = _post_arg("leave_one_out_test", post, time)
    if unit is None:
        raise ValueError("leave_one_out_test: unit is required")
    _need(data, outcome, treatment, post, unit)
    checks.check_alpha(alpha)
    orig = DifferenceInDifferences(**estimator_kwargs).fit(data, outcome=outcome,
                                                           treatment=treatment, time=post)
    r = _core.did_placebo(_columns(data[[outcome, treatment, post, unit]]), outcome, treatment,
                          post, unit, "leave_one_out", alpha=float(alpha))
    units = data[unit].to_numpy()[r["unit_row"]]
    effects = {u.item() if hasattr(u, "item") else u: float(e)
               for u, e in zip(units, r["effects"])}
    valid = np.array([e for e in effects.values() if not np.isnan(e)])
    if valid.size == 0:
        raise RuntimeError("every leave-one-out estimate failed (fewer than 2 treated units, "
                           "or an empty 2x2 cell)")
    if valid.size < len(effects):
        import warnings
        bad = [u for u, e in effects.items() if np.isnan(e)]
        warnings.warn(f"{len(bad)}/{len(effects)} leave-one-out estimates left a cell empty: "
                      f"{bad}", UserWarning, stacklevel=2)
    # the library's summary: mean and sd of the estimates, the t(valid - 1) test and interval
    p = r["p_value"]
    return PlaceboTestResults(
        test_type="leave_one_out", placebo_effect=r["mean"], se=r["se"], t_stat=r["t_stat"],
        p_value=p, conf_int=(r["ci_lower"], r["ci_upper"]), n_obs=len(data),
        is_significant=bool(p < alpha), alpha=alpha,
        original_effect=orig.att, original_se=orig.se, leave_one_out_effects=effects)


def run_placebo_test(data, outcome, treatment, time, unit=None, test_type="fake_timing",
                     fake_treatment_period=None, fake_treatment_group=None, post_periods=None,
                     n_permutations=1000, alpha=0.05, seed=None, **estimator_kwargs):
    """One placebo test by name, ``test_type`` 'fake_timing', 'fake_group', 'permutation' or
    'leave_one_out' (the last two read ``time`` as the 0/1 post column, as diff-diff does).

    data, outcome, treatment, time, unit: as the tests take them; fake_treatment_period (for
    fake_timing), fake_treatment_group (the fake treated units, for fake_group), post_periods,
    n_permutations, alpha, seed: passed to the test. Returns a PlaceboTestResults."""
    test_type = str(test_type).lower()
    if test_type not in _TEST_TYPES:
        raise ValueError(f"test_type={test_type!r}: expected one of {list(_TEST_TYPES)}")
    if test_type == "fake_timing":
        if fake_treatment_period is None:
            raise ValueError("fake_treatment_period is required for the fake_timing test")
        return placebo_timing_test(data, outcome, treatment, time, fake_treatment_period,
                                   post_periods=post_periods, alpha=alpha, **estimator_kwargs)
    if unit is None:
        raise ValueError(f"unit is required for the {test_type} test")
    if test_type == "fake_group":
        if fake_treatment_group is None or len(fake_treatment_group) == 0:
            raise ValueError("fake_treatment_group is required for the fake_group test")
        return placebo_group_test(data, outcome, time, unit, fake_treatment_group,
                                  post_periods=post_periods, alpha=alpha, treatment=treatment,
                                  **estimator_kwargs)
    if test_type == "permutation":
        return permutation_test(data, outcome, treatment, post=time, unit=unit,
                                n_permutations=n_permutations, alpha=alpha, seed=seed,
                                **estimator_kwargs)
    return leave_one_out_test(data, outcome, treatment, post=time, unit=unit, alpha=alpha,
                              **estimator_kwargs)


def run_all_placebo_tests(data, outcome, treatment, time, unit, pre_periods, post_periods,
                          n_permutations=500, alpha=0.05, seed=None, **estimator_kwargs):
    """Fake timing at every pre period but the first, the permutation test and leave-one-out.
    Every test listed runs, or the call raises (diff-diff returns an error dictionary in place
    of a failed test instead).

    data: a DataFrame; outcome, treatment (0/1), time, unit: column names, ``time`` holding the
    periods; pre_periods, post_periods: the periods before and after treatment (values of
    ``time``; the permutation and leave-one-out tests use post = time in post_periods);
    n_permutations, alpha, seed and estimator_kwargs: passed to the tests.
    Returns {test name: PlaceboTestResults}."""
    _need(data, outcome, treatment, time, unit)
    checks.check_alpha(alpha)
    values = set(data[time].dropna().unique().tolist())
    for name, periods in (("pre_periods", pre_periods), ("post_periods", post_periods)):
        absent = [p for p in periods if p not in values]
        if not len(periods) or absent:
            raise ValueError(f"{name}={list(periods)!r}: "
                             + (f"{absent} are not periods of column {time!r}" if absent
                                else "empty"))
    post = data.assign(_ks_post=data[time].isin(post_periods).astype(int))
    out = {}
    for period in list(pre_periods)[1:]:
        out[f"fake_timing_{period}"] = placebo_timing_test(
            data, outcome, treatment, time, period, post_periods=post_periods, alpha=alpha,
            **estimator_kwargs)
    out["permutation"] = permutation_test(post, outcome, treatment, post="_ks_post", unit=unit,
                                          n_permutations=n_permutations, alpha=alpha,
                                          seed=seed, **estimator_kwargs)
    out["leave_one_out"] = leave_one_out_test(post, outcome, treatment, post="_ks_post",
                                              unit=unit, alpha=alpha, **estimator_kwargs)
    return out
