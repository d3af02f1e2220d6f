"""diff-diff 3.13's result containers for aggregations and bootstraps: EventStudyResults (an event
study as arrays by event time), AggregationResult (one aggregation as a table), GroupTimeEffect,
CSBootstrapResults and SABootstrapResults. They hold numbers the C core computed; nothing here
recomputes inference."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

import numpy as np

from .did_base import _stars_of as _stars
from .results import Results
from .summary import Summary

N_KIND_VOCABULARY = ("groups", "switcher_cells", "cells", "units", "obs", "clusters")
EVENT_STUDY_SCHEMA = ("event_time", "att", "se", "t_stat", "p_value", "conf_int_lower",
                      "conf_int_upper", "cband_lower", "cband_upper", "n", "df", "is_reference",
                      "estimand")
AGGREGATION_SCHEMA = ("level", "label", "target", "att", "se", "t_stat", "p_value",
                      "conf_int_lower", "conf_int_upper", "n", "weight", "df")


def _label(v):
    """A JSON-safe scalar."""
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v


def _floats(x):
    return [float(v) for v in np.asarray(x, dtype=float)]


def _check_alpha(alpha, stored):
    if alpha is not None and alpha != stored:
        raise ValueError(f"these intervals were computed at alpha={stored}; aggregate or fit "
                         f"again for alpha={alpha} (summary() never recomputes inference)")


def _df_column(df, p_value):
    n = len(p_value)
    arr = np.full(n, np.nan) if df is None else (
        np.full(n, float(df)) if np.ndim(df) == 0 else np.array(df, dtype=float))
    arr[~np.isfinite(p_value)] = np.nan
    return arr


@dataclass
class EventStudyResults(Results):
    """An event study as arrays aligned on ``event_time`` (diff-diff's EventStudyResults).

    ``n`` counts what ``n_kind`` says (``groups``: cohorts averaged at that event time).
    ``is_reference`` marks normalisation rows (effect 0, inference NaN). ``vcov`` is the
    covariance of the rows named by ``vcov_index``; ``cband_lower`` / ``cband_upper`` the
    uniform band when the fit computed one; ``df`` the t degrees of freedom of each row (NaN:
    normal inference)."""

    event_time: np.ndarray
    att: np.ndarray
    se: np.ndarray
    t_stat: np.ndarray
    p_value: np.ndarray
    conf_int_lower: np.ndarray
    conf_int_upper: np.ndarray
    is_reference: np.ndarray
    n: np.ndarray
    n_kind: Optional[str] = None
    reference_period: Optional[Any] = None
    time_scale: str = "relative"
    event_time_convention: Optional[str] = None
    vcov: Optional[np.ndarray] = field(default=None, repr=False)
    vcov_index: Optional[np.ndarray] = field(default=None, repr=False)
    cband_lower: Optional[np.ndarray] = None
    cband_upper: Optional[np.ndarray] = None
    cband_crit_value: Optional[float] = None
    alpha: float = 0.05
    source: Optional[str] = None
    df: Optional[Any] = None
    base_period: Optional[str] = None
    anticipation: Optional[int] = None
    df_survey: Optional[float] = None
    reference_event_times: Optional[Tuple[Any, ...]] = None
    estimand: Optional[str] = None
    post_periods: Optional[Tuple[Any, ...]] = None
    estimation_spec: Optional[str] = None

    _ARRAYS = ("att", "se", "t_stat", "p_value", "conf_int_lower", "conf_int_upper", "n")

    def __post_init__(self):
        self.event_time = np.array(self.event_time)
        for name in self._ARRAYS:
            setattr(self, name, np.array(getattr(self, name), dtype=float))
        self.is_reference = np.array(self.is_reference, dtype=bool)
        ref = self.is_reference
        for name in ("se", "t_stat", "p_value", "conf_int_lower", "conf_int_upper", "n"):
            getattr(self, name)[ref] = np.nan
        self.att[ref] = 0.0
        for name in ("cband_lower", "cband_upper"):
            if getattr(self, name) is not None:
                arr = np.array(getattr(self, name), dtype=float)
                arr[ref] = np.nan
                setattr(self, name, arr)
        self.reference_period = _label(self.event_time[ref][0]) if ref.sum() == 1 else None
        self.df = _df_column(self.df, self.p_value)
        if self.n_kind is not None and self.n_kind not in N_KIND_VOCABULARY:
            raise ValueError(f"n_kind {self.n_kind!r} is not one of {N_KIND_VOCABULARY}")
        if (self.vcov is None) != (self.vcov_index is None):
            raise ValueError("vcov and vcov_index go together")
        if self.vcov is not None:
            self.vcov = np.array(self.vcov, dtype=float)
            self.vcov_index = np.array(self.vcov_index)
        if not 0.0 < self.alpha < 1.0:
            raise ValueError(f"alpha must be in (0, 1); got {self.alpha}")

    @property
    def reference_periods(self) -> List[Any]:
        """Every reference row's event time."""
        return [_label(v) for v in self.event_time[self.is_reference]]

    def to_dataframe(self):
        """One row per event time, diff-diff's EVENT_STUDY_SCHEMA columns."""
        import pandas as pd

        nan = np.full(len(self.event_time), np.nan)
        return pd.DataFrame({
            "event_time": self.event_time, "att": self.att, "se": self.se,
            "t_stat": self.t_stat, "p_value": self.p_value,
            "conf_int_lower": self.conf_int_lower, "conf_int_upper": self.conf_int_upper,
            "cband_lower": nan if self.cband_lower is None else self.cband_lower,
            "cband_upper": nan if self.cband_upper is None else self.cband_upper,
            "n": self.n, "df": self.df, "is_reference": self.is_reference,
            "estimand": np.full(len(self.event_time), self.estimand or "att", dtype=object)},
            columns=list(EVENT_STUDY_SCHEMA))

    def to_dict(self) -> Dict[str, Any]:
        """Columns as lists plus the metadata (JSON-serializable)."""
        def opt(a):
            return None if a is None else _floats(a)

        return {
            "event_time": [_label(v) for v in self.event_time],
            **{k: _floats(getattr(self, k)) for k in self._ARRAYS},
            "cband_lower": opt(self.cband_lower), "cband_upper": opt(self.cband_upper),
            "is_reference": [bool(v) for v in self.is_reference], "n_kind": self.n_kind,
            "reference_period": self.reference_period,
            "reference_periods": self.reference_periods, "time_scale": self.time_scale,
            "event_time_convention": self.event_time_convention,
            "vcov": None if self.vcov is None else self.vcov.tolist(),
            "vcov_index": None if self.vcov_index is None else [_label(v) for v in
                                                                 self.vcov_index],
            "cband_crit_value": self.cband_crit_value, "alpha": self.alpha,
            "source": self.source,
            "post_periods": None if self.post_periods is None else list(self.post_periods),
            "estimation_spec": self.estimation_spec, "df": _floats(self.df),
            "base_period": self.base_period, "anticipation": self.anticipation,
            "estimand": self.estimand, "df_survey": self.df_survey,
            "reference_event_times": None if self.reference_event_times is None else
            [_label(v) for v in self.reference_event_times]}

    def summary(self, alpha=None) -> Summary:
        """The table of effects by event time, returned as a Summary (``alpha`` must be the
        stored one: the intervals are never recomputed here)."""
        _check_alpha(alpha, self.alpha)
        pct = f"{100 * (1 - self.alpha):g}%"
        lines = ["Event-study effects", "=" * 78,
                 f"source: {self.source}  time scale: {self.time_scale}"
                 + (f"  n counts: {self.n_kind}" if self.n_kind else ""), "-" * 78,
                 f"{'Event time':>12} {'ATT':>10} {'SE':>10} {'t':>8} {'P>|t|':>8} "
                 f"{'[' + pct + ' CI]':>21}"]
        for i, e in enumerate(self.event_time):
            if self.is_reference[i]:
                lines.append(f"{str(_label(e)):>12} {0.0:>10.4f} {'(reference)':>50}")
                continue
            lines.append(f"{str(_label(e)):>12} {self.att[i]:>10.4f} {self.se[i]:>10.4f} "
                         f"{self.t_stat[i]:>8.3f} {self.p_value[i]:>8.3f} "
                         f"[{self.conf_int_lower[i]:>9.4f}, {self.conf_int_upper[i]:>9.4f}]")
        lines.append("=" * 78)
        return Summary("\n".join(lines))

    def print_summary(self, alpha=None):
        """Print summary(alpha)."""
        print(self.summary(alpha))

    def plot(self, **kw):
        """kestrel.did.plot_event_study(self, **kw)."""
        from .did_plot import plot_event_study
        return plot_event_study(self, **kw)


@dataclass
class AggregationResult(Results):
    """One aggregation as a table (diff-diff's AggregationResult): arrays aligned on ``label``
    (``overall`` for ``simple``, cohorts for ``group``, periods for ``calendar``, ``total`` for
    ``total``); ``n`` counts what ``n_kind`` says; ``weight`` the rows' aggregation weights
    where they exist."""

    level: str
    label: np.ndarray
    target: np.ndarray
    att: np.ndarray
    se: np.ndarray
    t_stat: np.ndarray
    p_value: np.ndarray
    conf_int_lower: np.ndarray
    conf_int_upper: np.ndarray
    n: np.ndarray
    df: Any
    alpha: float = 0.05
    n_kind: Optional[str] = None
    weight: Optional[np.ndarray] = None
    estimator: Optional[str] = None

    _ARRAYS = ("att", "se", "t_stat", "p_value", "conf_int_lower", "conf_int_upper", "n")

    def __post_init__(self):
        self.label = np.asarray(self.label, dtype=object)
        self.target = np.asarray(self.target, dtype=object)
        for name in self._ARRAYS:
            setattr(self, name, np.array(getattr(self, name), dtype=float))
        self.df = _df_column(self.df, self.p_value)
        if self.weight is not None:
            self.weight = np.array(self.weight, dtype=float)
        if self.n_kind is not None and self.n_kind not in N_KIND_VOCABULARY:
            raise ValueError(f"n_kind {self.n_kind!r} is not one of {N_KIND_VOCABULARY}")

    def to_dataframe(self):
        """diff-diff's AGGREGATION_SCHEMA columns, one row per label."""
        import pandas as pd

        return pd.DataFrame({
            "level": self.level, "label": self.label, "target": self.target, "att": self.att,
            "se": self.se, "t_stat": self.t_stat, "p_value": self.p_value,
            "conf_int_lower": self.conf_int_lower, "conf_int_upper": self.conf_int_upper,
            "n": self.n, "weight": np.nan if self.weight is None else self.weight,
            "df": self.df}, columns=list(AGGREGATION_SCHEMA))

    def to_dict(self) -> Dict[str, Any]:
        return {"level": self.level, "alpha": self.alpha, "n_kind": self.n_kind,
                "estimator": self.estimator, "label": [_label(v) for v in self.label],
                "target": [str(v) for v in self.target],
                **{k: _floats(getattr(self, k)) for k in self._ARRAYS}, "df": _floats(self.df),
                "weight": None if self.weight is None else _floats(self.weight)}

    def summary(self, alpha=None) -> Summary:
        """The table of effects by label, returned as a Summary (``alpha`` must be the stored one: the
        intervals are never recomputed here)."""
        _check_alpha(alpha, self.alpha)
        nlab = "n" if self.n_kind is None else f"n[{self.n_kind}]"
        lines = [f"{self.estimator or 'estimator'} - aggregate(type={self.level!r})", "=" * 64,
                 f"{'label':>14} {'ATT':>11} {'SE':>10} {'t':>8} {'p':>8} {nlab:>10}",
                 "-" * 64]
        for i, lab in enumerate(self.label):
            n = "" if not math.isfinite(self.n[i]) else f"{self.n[i]:.0f}"
            lines.append(f"{str(_label(lab)):>14} {self.att[i]:>11.4f} {self.se[i]:>10.4f} "
                         f"{self.t_stat[i]:>8.3f} {self.p_value[i]:>8.4f} {n:>10}")
        lines += ["-" * 64, f"Confidence intervals at alpha={self.alpha}."]
        return Summary("\n".join(lines))

    def print_summary(self, alpha=None):
        """Print summary(alpha)."""
        print(self.summary(alpha))


@dataclass
class GroupTimeEffect:
    """One ATT(g, t) (diff-diff's GroupTimeEffect): ``group`` (the cohort's first treated
    period), ``time`` (the period), ``effect``, ``se``, ``t_stat``, ``p_value``, ``conf_int``
    (lower, upper), ``n_treated`` / ``n_control`` (the cell's treated and control units);
    ``skip_reason`` None for an estimated cell."""

    group: Any
    time: Any
    effect: float
    se: float
    t_stat: float
    p_value: float
    conf_int: Tuple[float, float]
    n_treated: int
    n_control: int
    skip_reason: Optional[str] = None

    @property
    def is_significant(self) -> bool:
        return bool(self.p_value < 0.05)

    @property
    def significance_stars(self) -> str:
        return _stars(self.p_value)


@dataclass
class CSBootstrapResults:
    """diff-diff's CallawaySantAnna bootstrap summary, from kestrel's multiplier-bootstrap draws:
    ``*_se`` the draws' standard deviation, ``*_ci`` their percentile interval, ``*_p_value``
    the percentile p-value (diff-diff's definitions). The fit's own ``se`` / ``conf_int`` follow
    R did's mboot (interquartile-range standard errors); these fields are the alternative
    summaries of the same draws."""

    n_bootstrap: int
    weight_type: str
    alpha: float
    overall_att_se: float
    overall_att_ci: Tuple[float, float]
    overall_att_p_value: float
    group_time_ses: Dict[Tuple[Any, Any], float]
    group_time_cis: Dict[Tuple[Any, Any], Tuple[float, float]]
    group_time_p_values: Dict[Tuple[Any, Any], float]
    event_study_ses: Optional[Dict[Any, float]] = None
    event_study_cis: Optional[Dict[Any, Tuple[float, float]]] = None
    event_study_p_values: Optional[Dict[Any, float]] = None
    group_effect_ses: Optional[Dict[Any, float]] = None
    group_effect_cis: Optional[Dict[Any, Tuple[float, float]]] = None
    group_effect_p_values: Optional[Dict[Any, float]] = None
    bootstrap_distribution: Optional[np.ndarray] = field(default=None, repr=False)
    cband_crit_value: Optional[float] = None
    overall_att_es_se: Optional[float] = None
    overall_att_es_ci: Optional[Tuple[float, float]] = None
    overall_att_es_p_value: Optional[float] = None
    event_study_vcov: Optional[np.ndarray] = field(default=None, repr=False)
    event_study_vcov_index: Optional[List[Any]] = None


@dataclass
class SABootstrapResults:
    """diff-diff's SunAbraham bootstrap summary (pairs bootstrap: units resampled with
    replacement): standard deviations, percentile intervals and p-values of the draws."""

    n_bootstrap: int
    weight_type: str
    alpha: float
    overall_att_se: float
    overall_att_ci: Tuple[float, float]
    overall_att_p_value: float
    event_study_ses: Dict[Any, float]
    event_study_cis: Dict[Any, Tuple[float, float]]
    event_study_p_values: Dict[Any, float]
    bootstrap_distribution: Optional[np.ndarray] = field(default=None, repr=False)
