"""diff-diff 3.13's unified event-study result (``EventStudyResults``): one row per event time
(or calendar period) as arrays, the reference row included with effect 0 and NaN inference.
TwoWayFixedEffects.fit(event_study=True) returns it; the numbers come from the regression."""
from __future__ import annotations

import numpy as np

from .results import Results
from .summary import Summary


class EventStudyResults(Results):
    """``event_time``, ``att``, ``se``, ``t_stat``, ``p_value``, ``conf_int_lower`` /
    ``conf_int_upper``, ``df``, ``is_reference`` (arrays, one entry per period), ``n`` (NaN:
    not counted per period), ``vcov`` / ``vcov_index`` (the estimated rows' covariance and
    their positions), ``reference_period``, ``post_periods``, ``alpha``, ``source``,
    ``time_scale`` ('calendar'), ``estimation_spec``; the fields diff-diff leaves None for
    this source (``n_kind``, ``cband_*``, ``base_period``, ``anticipation``, ``df_survey``,
    ``reference_event_times``, ``estimand``, ``event_time_convention``) are None here too."""

    _FIELDS = ("event_time", "att", "se", "t_stat", "p_value", "conf_int_lower",
               "conf_int_upper", "df", "is_reference", "n")

    def __init__(self, **kw):
        for k in ("n_kind", "cband_lower", "cband_upper", "cband_crit_value", "base_period",
                  "anticipation", "df_survey", "reference_event_times", "estimand",
                  "event_time_convention", "vcov", "vcov_index"):
            setattr(self, k, None)
        self.time_scale = "calendar"
        self.__dict__.update(kw)

    @classmethod
    def from_period_effects(cls, r, source, spec):
        """From a MultiPeriodDiDResults: every period in order, the reference as a row."""
        periods = sorted(list(r.period_effects) + [r.reference_period])
        nan = float("nan")
        rows = []
        for p in periods:
            e = r.period_effects.get(p)
            if e is None:
                rows.append((p, 0.0, nan, nan, nan, nan, nan, nan, True))
            else:
                rows.append((p, e.effect, e.se, e.t_stat, e.p_value, e.conf_int[0],
                             e.conf_int[1], r.event_study_df[p], False))
        cols = list(zip(*rows))
        est = [p for p in periods if p != r.reference_period]
        idx = [r.interaction_indices[p] for p in est]
        return cls(event_time=np.asarray(cols[0]), att=np.asarray(cols[1], float),
                   se=np.asarray(cols[2], float), t_stat=np.asarray(cols[3], float),
                   p_value=np.asarray(cols[4], float),
                   conf_int_lower=np.asarray(cols[5], float),
                   conf_int_upper=np.asarray(cols[6], float), df=np.asarray(cols[7], float),
                   is_reference=np.asarray(cols[8], bool), n=np.full(len(periods), nan),
                   vcov=np.asarray(r.vcov)[np.ix_(idx, idx)],
                   vcov_index=np.array([periods.index(p) for p in est]),
                   reference_period=r.reference_period, post_periods=tuple(r.post_periods),
                   alpha=r.alpha, source=source, estimation_spec=spec, fit=r.fit,
                   period_results=r)

    @property
    def reference_periods(self):
        """The reference rows' periods (a list)."""
        return [p for p, ref in zip(self.event_time, self.is_reference) if ref]

    def to_dataframe(self):
        """One row per period."""
        import pandas as pd
        d = {k: getattr(self, k) for k in self._FIELDS}
        return pd.DataFrame(d)

    def to_dict(self):
        d = {k: np.asarray(getattr(self, k)).tolist() for k in self._FIELDS}
        d.update(reference_period=self.reference_period, post_periods=list(self.post_periods),
                 alpha=self.alpha, source=self.source, estimation_spec=self.estimation_spec)
        return d

    def summary(self, alpha=None):
        """One line per period (alpha: only the fit's; the result keeps no data to redo
        the intervals from). Returned; ``print_summary()`` prints it."""
        if alpha is not None and alpha != self.alpha:
            raise ValueError(f"this result stores intervals at alpha={self.alpha}; re-fit "
                             f"with alpha={alpha}")
        rows = [f"Event study ({self.source}, spec {self.estimation_spec}; reference period "
                f"{self.reference_period})",
                f"{'period':>10}{'effect':>12}{'std.err':>12}{'p':>9}"]
        for i, p in enumerate(self.event_time):
            tag = "  reference" if self.is_reference[i] else (
                "  post" if p in self.post_periods else "")
            rows.append(f"{p!s:>10}{self.att[i]:12.6f}{self.se[i]:12.6f}"
                        f"{self.p_value[i]:9.4f}{tag}")
        return Summary("\n".join(rows))

    def print_summary(self, alpha=None):
        print(self.summary(alpha))

    def plot(self, **kw):
        """kestrel.did.plot_event_study(self, **kw)."""
        from .did_plot import plot_event_study
        return plot_event_study(self, **kw)

    def __repr__(self):
        return (f"EventStudyResults(source={self.source!r}, periods={len(self.event_time)}, "
                f"reference_period={self.reference_period!r})")
