"""A fitted EventStudyResults (TwoWayFixedEffects(event_study=True), results.aggregate(
'event_study')) seen as a MultiPeriodDiDResults: the period-effect shape HonestDiD and
PreTrendsPower read, as diff-diff's documentation feeds them a TWFE event study."""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np


def as_period_results(es):
    """``period_effects`` {t: (effect, se)}, ``pre_periods`` / ``post_periods`` (the fit's
    post_periods when it names them, else event times from -anticipation on), ``vcov`` with
    ``interaction_indices`` {t: row of vcov}, ``reference_period``; es itself when it is not an
    EventStudyResults with a covariance."""
    if type(es).__name__ != "EventStudyResults" or getattr(es, "vcov", None) is None:
        return es
    times = [t.item() if hasattr(t, "item") else t for t in es.event_time]
    ref = {t for t, r in zip(times, es.is_reference) if r}
    if es.post_periods is not None:
        post = [t for t in times if t in set(es.post_periods) and t not in ref]
    else:
        start = -int(es.anticipation or 0)
        post = [t for t in times if t >= start and t not in ref]
    pre = [t for t in times if t not in post and t not in ref]
    index = [t.item() if hasattr(t, "item") else t for t in es.vcov_index]
    return SimpleNamespace(
        period_effects={t: SimpleNamespace(effect=float(a), se=float(s))
                        for t, a, s in zip(times, es.att, es.se)},
        pre_periods=pre, post_periods=post, vcov=np.asarray(es.vcov),
        interaction_indices={t: i for i, t in enumerate(index)},
        reference_period=es.reference_period, alpha=es.alpha, coefficients=None)
