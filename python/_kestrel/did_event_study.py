"""TwoWayFixedEffects.fit(event_study=True)'s result: diff-diff 3.13's EventStudyResults
(did_surface.py, the one class CallawaySantAnna's and SunAbraham's aggregations return too) made
from the regression's period effects, the reference period a row with effect 0."""
from __future__ import annotations

import numpy as np

from .did_surface import EventStudyResults


def from_period_effects(r, source, spec):
    """Every period of a MultiPeriodDiDResults-like fit in order, its reference as a row; vcov
    the estimated periods' covariance, labelled by their periods (vcov_index), as diff-diff's."""
    periods = sorted(list(r.period_effects) + [r.reference_period])
    est = [p for p in periods if p != r.reference_period]
    nan = float("nan")

    def col(f, ref=nan):
        return [ref if p == r.reference_period else f(r.period_effects[p]) for p in periods]

    idx = [r.interaction_indices[p] for p in est]
    return EventStudyResults(
        event_time=np.asarray(periods), att=col(lambda e: e.effect, 0.0),
        se=col(lambda e: e.se), t_stat=col(lambda e: e.t_stat),
        p_value=col(lambda e: e.p_value), conf_int_lower=col(lambda e: e.conf_int[0]),
        conf_int_upper=col(lambda e: e.conf_int[1]),
        is_reference=[p == r.reference_period for p in periods], n=[nan] * len(periods),
        df=[nan if p == r.reference_period else r.event_study_df[p] for p in periods],
        vcov=np.asarray(r.vcov)[np.ix_(idx, idx)], vcov_index=np.asarray(est),
        time_scale="calendar", alpha=r.alpha, source=source, estimation_spec=spec,
        post_periods=tuple(r.post_periods))
