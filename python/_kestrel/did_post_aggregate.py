"""diff-diff 3.9+'s post-fit ``results.aggregate(type, weights=None, *, balance_e=None)`` for
the imputation family (ImputationDiD, TwoStageDiD) and StackedDiD: the numbers are the ones
the C core computed at fit (the same the fit-time ``aggregate=`` shows); this module only
reshapes them into an EventStudyResults ('event_study') or an AggregationResult (otherwise).
A ``balance_e`` asks the C core again, on the fit's data and settings."""
from __future__ import annotations

import numpy as np

from .did_surface import AggregationResult, EventStudyResults


def check_call(owner, type, weights, balance_e, supported, balance_types):
    """diff-diff's argument checks: the type among ``supported``, no weights selector,
    ``balance_e`` only with a type that uses it."""
    if type not in supported:
        raise ValueError(f"Unsupported aggregation type {type!r} for {owner}.aggregate(). "
                         f"Supported: {', '.join(repr(t) for t in supported)}.")
    if weights is not None:
        raise ValueError(f"{owner}.aggregate() does not accept a weights selector (got "
                         f"{weights!r}); its aggregation weights are determined by the "
                         "estimator")
    if balance_e is not None and type not in balance_types:
        applies = (f"it applies to {', '.join(repr(t) for t in balance_types)}"
                   if balance_types else "no aggregation type of this estimator uses it")
        raise ValueError(f"balance_e is not used by aggregate(type={type!r}): {applies}")


def event_study(effects, ref, source, alpha, anticipation, vcov=None, vcov_index=None,
                df=None, n_kind="obs", **extra):
    """An EventStudyResults from {h: {effect, se, t_stat, p_value, conf_int, n_obs}} with the
    reference rows ``ref`` (effect 0, inference NaN)."""
    keys = sorted(effects)
    rows = [effects[h] for h in keys]
    return EventStudyResults(
        event_time=np.array(keys), att=[d["effect"] for d in rows],
        se=[d["se"] for d in rows], t_stat=[d["t_stat"] for d in rows],
        p_value=[d["p_value"] for d in rows],
        conf_int_lower=[d["conf_int"][0] for d in rows],
        conf_int_upper=[d["conf_int"][1] for d in rows],
        is_reference=[h in ref for h in keys], n=[d["n_obs"] for d in rows], n_kind=n_kind,
        event_time_convention="e0_first_treated", vcov=vcov, vcov_index=vcov_index,
        alpha=alpha, source=source, df=df, anticipation=anticipation, **extra)


def table(level, effects, alpha, estimator, n_kind="obs", df=None, weight=None):
    """An AggregationResult with one row per key of {key: {effect, se, ..., n_obs}}."""
    keys = list(effects)
    rows = [effects[k] for k in keys]
    return AggregationResult(
        level, keys, ["total" if level == "total" else "att"] * len(keys),
        [d["effect"] for d in rows], [d["se"] for d in rows], [d["t_stat"] for d in rows],
        [d["p_value"] for d in rows], [d["conf_int"][0] for d in rows],
        [d["conf_int"][1] for d in rows], [d["n_obs"] for d in rows], df, alpha, n_kind,
        weight, estimator)


def overall(res, n, scale=1.0):
    """The overall ATT row (times ``scale`` for diff-diff's 'total': the effect summed over
    the ``n`` treated observations it averages; t and p unchanged)."""
    lo, hi = res.overall_conf_int
    return {"effect": scale * res.overall_att, "se": scale * res.overall_se,
            "t_stat": res.overall_t_stat, "p_value": res.overall_p_value,
            "conf_int": (scale * lo, scale * hi), "n_obs": n}
