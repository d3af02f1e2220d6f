"""Power of DiD designs and of their pre-trends tests, with diff-diff's names: PreTrendsPower
(Roth 2022), PowerAnalysis (Bloom 1995; Burlig, Preonas & Woerman 2020), simulate_power, and
the simulated designs generate_did_data / generate_staggered_data.

Box probabilities, roots, closed forms, the simulated panels and the simulation replications
(for DifferenceInDifferences, TwoWayFixedEffects and CallawaySantAnna) are computed in C
(did_power.h); this module shapes arguments and results.
"""
from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

import numpy as np

from _kestrel import _core
from _kestrel import validate
from _kestrel.did_event_study_view import as_period_results
from _kestrel.results import Results
from _kestrel.summary import Summary

MAX_SAMPLE_SIZE = 2**31 - 1
_VIOLATIONS = ("linear", "constant", "last_period", "custom")


# =============================================================================
# Pre-trends power
# =============================================================================

def _floats(x):
    return [float(v) for v in np.ravel(np.asarray(x, dtype=float))]


def _one_row(d):
    import pandas as pd

    return pd.DataFrame([d])


def _pretrends(vcov, w, M_grid, target=float("nan"), form="nis", alpha=0.05, abseps=None):
    return _core.did_pretrends(np.asarray(vcov, dtype=float), np.asarray(w, dtype=float),
                               np.atleast_1d(np.asarray(M_grid, dtype=float)), target=target,
                               form=form, alpha=alpha, abseps=abseps or 0.0)


@dataclass
class PreTrendsPowerResults(Results):
    """Power of the pre-trends test against ``M * violation_weights`` and the minimal
    detectable violation (MDV), fields as diff-diff's: ``power``, ``mdv``,
    ``violation_magnitude`` (M), ``violation_type``, ``alpha``, ``target_power``,
    ``n_pre_periods``, ``test_statistic`` / ``noncentrality`` (Wald only), ``critical_value``
    (z for 'nis', the chi-squared quantile for 'wald'), ``pre_period_effects``,
    ``pre_period_ses``, ``vcov``, ``pretest_form``, ``nis_box_probability`` (the acceptance
    probability, 'nis' only), ``violation_weights``, ``covariance_source``
    ('full_pre_period_vcov' or 'diag_fallback')."""

    power: float
    mdv: float
    violation_magnitude: float
    violation_type: str
    alpha: float
    target_power: float
    n_pre_periods: int
    test_statistic: float
    critical_value: float
    noncentrality: float
    pre_period_effects: np.ndarray = field(repr=False)
    pre_period_ses: np.ndarray = field(repr=False)
    vcov: np.ndarray = field(repr=False)
    original_results: Optional[Any] = field(default=None, repr=False)
    pretest_form: str = "wald"
    nis_box_probability: float = float("nan")
    violation_weights: Optional[np.ndarray] = field(default=None, repr=False)
    covariance_source: str = "unknown"
    abseps: Optional[float] = field(default=None, repr=False)

    def __repr__(self):
        return (f"PreTrendsPowerResults(power={self.power:.3f}, mdv={self.mdv:.4f}, "
                f"M={self.violation_magnitude:.4f})")

    @property
    def max_abs_pre_violation(self) -> float:
        """The largest pre-period deviation at the MDV, ``mdv * max|w|`` (level scale)."""
        w = self.violation_weights
        if w is None or len(w) == 0 or not np.isfinite(self.mdv):
            return float(self.mdv)
        return float(self.mdv * np.max(np.abs(w)))

    @property
    def is_informative(self) -> bool:
        """The MDV's largest pre-period deviation is under two of the largest standard errors."""
        max_se = np.max(self.pre_period_ses) if len(self.pre_period_ses) else 1.0
        return bool(self.max_abs_pre_violation < 2 * max_se)

    @property
    def power_adequate(self) -> bool:
        return bool(self.power >= self.target_power)

    def power_at(self, M: float) -> float:
        """Power at another magnitude M, with the fitted weights and pretest form."""
        r = _pretrends(self.vcov, self.violation_weights, [M], form=self.pretest_form,
                       alpha=self.alpha, abseps=self.abseps)
        return float(r["power"][0])

    def summary(self) -> Summary:
        """Returns the formatted report (a Summary: a str shown as the table)."""
        rule = "=" * 70
        lines = [rule, "Pre-Trends Power Analysis Results".center(70), "(Roth 2022)".center(70),
                 rule, "",
                 f"{'Number of pre-periods:':<35} {self.n_pre_periods}",
                 f"{'Significance level (alpha):':<35} {self.alpha:.3f}",
                 f"{'Target power:':<35} {self.target_power:.1%}",
                 f"{'Violation type:':<35} {self.violation_type}",
                 f"{'Pretest form:':<35} {self.pretest_form}", "", "-" * 70,
                 "Power Analysis".center(70), "-" * 70,
                 f"{'Violation magnitude (M):':<35} {self.violation_magnitude:.4f}",
                 f"{'Power to detect this violation:':<35} {self.power:.1%}",
                 f"{'Minimum detectable violation:':<35} {self.mdv:.4f}", "",
                 f"{'Critical value:':<35} {self.critical_value:.4f}"]
        if self.pretest_form == "nis":
            lines.append(f"{'NIS box probability (accept):':<35} {self.nis_box_probability:.4f}")
        else:
            lines.append(f"{'Test statistic (expected):':<35} {self.test_statistic:.4f}")
            lines.append(f"{'Non-centrality parameter:':<35} {self.noncentrality:.4f}")
        lines += ["", f"Minimum detectable violation (MDV): {self.mdv:.4f}",
                  "  -> Passing the pre-trends test does NOT rule out violations up to this size.",
                  "", rule]
        return Summary("\n".join(lines))

    def to_dict(self) -> Dict[str, Any]:
        w = self.violation_weights
        return {"power": self.power, "mdv": self.mdv,
                "violation_magnitude": self.violation_magnitude,
                "violation_type": self.violation_type, "alpha": self.alpha,
                "target_power": self.target_power, "n_pre_periods": self.n_pre_periods,
                "test_statistic": self.test_statistic, "critical_value": self.critical_value,
                "noncentrality": self.noncentrality, "pretest_form": self.pretest_form,
                "nis_box_probability": self.nis_box_probability,
                "violation_weights": None if w is None else _floats(w),
                "covariance_source": self.covariance_source,
                "is_informative": self.is_informative, "power_adequate": self.power_adequate}

    def to_dataframe(self):
        """Returns to_dict() as a one-row pandas DataFrame."""
        return _one_row(self.to_dict())


@dataclass
class PreTrendsPowerCurve(Results):
    """Power over a grid of violation magnitudes: ``M_values``, ``powers``, ``mdv``, ``alpha``,
    ``target_power``, ``violation_type``, ``pretest_form``; ``plot()``."""

    M_values: np.ndarray
    powers: np.ndarray
    mdv: float
    alpha: float
    target_power: float
    violation_type: str
    pretest_form: str = "wald"

    def __repr__(self):
        return f"PreTrendsPowerCurve(n_points={len(self.M_values)}, mdv={self.mdv:.4f})"

    def summary(self) -> Summary:
        """Returns the curve as a formatted table (a Summary: a str shown as the table)."""
        lines = ["Pre-Trends Power Curve", "=" * 60,
                 f"{'Grid points:':<28} {len(self.M_values)}",
                 f"{'Violation type:':<28} {self.violation_type}",
                 f"{'Pretest form:':<28} {self.pretest_form}",
                 f"{'Significance level (alpha):':<28} {self.alpha}",
                 f"{'Target power:':<28} {self.target_power}",
                 f"{'Minimum detectable violation:':<28} {self.mdv:.4f}", "-" * 60,
                 f"{'M':>12} {'Power':>10}"]
        lines += [f"{m:>12.4f} {p:>10.4f}" for m, p in zip(self.M_values, self.powers)]
        return Summary("\n".join(lines + ["=" * 60]))

    def to_dict(self) -> Dict[str, Any]:
        return {"M_values": _floats(self.M_values), "powers": _floats(self.powers),
                "mdv": self.mdv, "alpha": self.alpha, "target_power": self.target_power,
                "violation_type": self.violation_type, "pretest_form": self.pretest_form}

    def to_dataframe(self):
        """Returns a pandas DataFrame with columns M, power, pretest_form."""
        import pandas as pd

        return pd.DataFrame({"M": self.M_values, "power": self.powers,
                             "pretest_form": self.pretest_form})

    def plot(self, ax=None, show_mdv=True, show_target=True, color="#2563eb",
             mdv_color="#dc2626", target_color="#22c55e", **kwargs):
        return plot_pretrends_power(self, ax=ax, show_mdv_line=show_mdv,
                                    show_target_line=show_target, color=color,
                                    mdv_color=mdv_color, target_color=target_color, show=False,
                                    **kwargs)


def _relative_times(periods, ref):
    try:
        return np.asarray([float(p) - float(ref) for p in periods])
    except (TypeError, ValueError):
        warnings.warn(f"PreTrendsPower: reference_period {ref!r} is not numeric, so relative "
                      "times cannot be derived; the linear violation uses the count-based "
                      "direction [n-1, ..., 0] / norm (the MDV is not in Roth's slope units)",
                      UserWarning, stacklevel=4)
        return None


def _extract(results, pre_periods):
    """(effects, ses, vcov, relative_times, covariance_source) of the pre-period coefficients."""
    results = as_period_results(results)
    if hasattr(results, "period_effects") and hasattr(results, "pre_periods"):
        pre = list(pre_periods) if pre_periods is not None else list(results.pre_periods)
        if not pre:
            raise ValueError("No pre-treatment periods found in results. Pre-trends power "
                             "analysis needs pre-period coefficients (pass pre_periods= if the "
                             "event study was estimated with all periods as post_periods).")
        est = [p for p in pre if p in results.period_effects
               and results.period_effects[p].se > 0]
        if not est:
            raise ValueError("No estimated pre-period coefficients found (the reference period "
                             "has none).")
        eff = np.array([results.period_effects[p].effect for p in est])
        ses = np.array([results.period_effects[p].se for p in est])
        V, src = None, "diag_fallback"
        idx = getattr(results, "interaction_indices", None)
        names = list(getattr(results, "coefficients", {}) or {})
        if results.vcov is not None and idx is not None:
            ii = [idx[p] for p in est]
        elif results.vcov is not None and names:
            ii = []
            for p in est:
                hit = [j for j, n in enumerate(names)
                       if n.startswith("_ks_") and n.endswith(f"_{p}")]
                ii.append(hit[0] if len(hit) == 1 else None)
            ii = None if None in ii else ii
        else:
            ii = None
        if ii is not None:
            V = np.asarray(results.vcov)[np.ix_(ii, ii)]
            src = "full_pre_period_vcov"
        else:
            V = np.diag(ses**2)
        ref = getattr(results, "reference_period", None)
        rel = _relative_times(est, ref) if ref is not None else None
        return eff, ses, V, rel, src
    es = getattr(results, "event_study_effects", None)
    if es is None:
        if hasattr(results, "event_study_effects"):
            raise ValueError(f"{type(results).__name__} has no event_study_effects: fit with "
                             "aggregate='event_study' (or call aggregate('event_study')) first")
        raise TypeError(f"Unsupported results type: {type(results)}. Expected "
                        "MultiPeriodDiDResults, CallawaySantAnnaResults or SunAbrahamResults.")
    ant = int(getattr(results, "anticipation", 0) or 0)
    elig = {t: d for t, d in es.items()
            if t < -ant and d.get("n_groups", 1) > 0 and np.isfinite(d.get("se", np.nan))
            and float(d.get("se", 0.0)) > 0}
    if not elig:
        raise ValueError("No pre-treatment periods found in event study.")
    if pre_periods is not None:
        missing = [t for t in sorted(pre_periods) if t not in elig]
        if missing:
            raise ValueError(f"Requested pre_periods {missing} are not eligible pre-treatment "
                             f"periods in this event study (eligible: {sorted(elig)}).")
        elig = {t: elig[t] for t in sorted(pre_periods)}
    pre = sorted(elig)
    eff = np.array([elig[t]["effect"] for t in pre])
    ses = np.array([elig[t]["se"] for t in pre])
    V_es, V_ix = getattr(results, "event_study_vcov", None), getattr(
        results, "event_study_vcov_index", None)
    if V_es is not None and V_ix is not None:
        ix = list(V_ix)
        try:
            ii = [ix.index(t) for t in pre]
        except ValueError as e:
            raise ValueError(f"event_study_vcov_index lacks one of the pre-periods {pre}: "
                             f"{ix}") from e
        V, src = np.asarray(V_es)[np.ix_(ii, ii)], "full_pre_period_vcov"
    else:
        V, src = np.diag(ses**2), "diag_fallback"
    if type(results).__name__ == "SunAbrahamResults":
        ref = getattr(results, "reference_period", None)
        ref = -1 - ant if ref is None else ref
        rel = np.asarray([float(t) - float(ref) for t in pre])
    else:
        if getattr(results, "base_period", None) != "universal":
            warnings.warn("PreTrendsPower on CallawaySantAnna results with base_period="
                          "'varying': pre-treatment coefficients are consecutive-period "
                          "comparisons, but the 'linear' violation assumes levels against one "
                          "reference period; use base_period='universal' for Roth's linear "
                          "benchmark", UserWarning, stacklevel=4)
            rel = np.asarray(pre, dtype=float)
        else:  # Roth's delta vanishes at the omitted period: one common reference
            refs = getattr(results, "reference_event_times", None)
            if refs is not None and len(set(refs)) > 1:
                raise ValueError("PreTrendsPower needs pre-period coefficients normalised "
                                 "against one common reference period; this fit used "
                                 f"cohort-specific bases at event times {sorted(set(refs))}")
            anchor = float(next(iter(set(refs)))) if refs else -1.0 - ant
            rel = np.asarray([float(t) - anchor for t in pre])
    return eff, ses, V, rel, src


class PreTrendsPower:
    """Power of the pre-trends test (Roth 2022, "Pretest with Caution").

    Parameters as diff-diff's: ``alpha`` (the pretest's level), ``power`` (the target for the
    MDV), ``violation_type`` ('linear': delta_t = M |t| in relative time t, so the MDV is Roth's
    slope; 'constant': delta_t = M; 'last_period': only the last pre-period; 'custom':
    ``violation_weights`` scaled to unit norm), ``pretest_form`` ('nis': no pre-period
    coefficient individually significant at z_{1-alpha/2}, Roth's and R pretrends'; 'wald': the
    joint chi-squared test). kestrel's ``abseps`` (default 1e-5, scipy's, diff-diff's): the
    absolute error target of the 'nis' box probabilities with 4 or more pre-periods (R
    pretrends' pmvnorm: 1e-3); with up to 3 they are deterministic quadratures to ~1e-14.
    """

    _params = ("alpha", "power", "violation_type", "violation_weights", "pretest_form",
               "abseps")

    def __init__(self, alpha=0.05, power=0.80, violation_type="linear", violation_weights=None,
                 pretest_form="nis", abseps=None):
        if not 0 < alpha < 1:
            raise ValueError(f"alpha must be between 0 and 1, got {alpha}")
        if not 0 < power < 1:
            raise ValueError(f"power must be between 0 and 1, got {power}")
        if violation_type not in _VIOLATIONS:
            raise ValueError("violation_type must be 'linear', 'constant', 'last_period', or "
                             f"'custom', got '{violation_type}'")
        if violation_type == "custom" and violation_weights is None:
            raise ValueError("violation_weights must be provided when violation_type='custom'")
        if pretest_form not in ("nis", "wald"):
            raise ValueError(f"pretest_form must be 'nis' or 'wald', got '{pretest_form}'")
        self.alpha = alpha
        self.target_power = power
        self.violation_type = violation_type
        self.violation_weights = (None if violation_weights is None
                                  else np.asarray(violation_weights, dtype=float))
        self.pretest_form = pretest_form
        if abseps is not None and not abseps > 0:
            raise ValueError(f"abseps must be positive, got {abseps}")
        self.abseps = abseps

    def get_params(self, deep=True):
        return {"alpha": self.alpha, "power": self.target_power,
                "violation_type": self.violation_type,
                "violation_weights": self.violation_weights, "pretest_form": self.pretest_form,
                "abseps": self.abseps}

    def set_params(self, **params):
        for k, v in params.items():
            if k not in self._params:
                raise ValueError(f"unknown parameter {k!r}")
            setattr(self, "target_power" if k == "power" else k, v)
        return self

    def _get_violation_weights(self, n_pre, relative_times=None):
        vt = self.violation_type
        if vt == "custom":
            w = np.asarray(self.violation_weights, dtype=float).copy()
            if len(w) != n_pre:
                raise ValueError(f"violation_weights has length {len(w)}, but there are "
                                 f"{n_pre} pre-periods")
        elif vt == "linear":
            if relative_times is not None:
                if len(relative_times) != n_pre:
                    raise ValueError(f"relative_times has length {len(relative_times)}, but "
                                     f"there are {n_pre} pre-periods")
                return np.abs(np.asarray(relative_times, dtype=float))
            w = np.arange(n_pre - 1, -1, -1, dtype=float)
        elif vt == "constant":
            return np.ones(n_pre)
        elif vt == "last_period":
            w = np.zeros(n_pre)
            w[-1] = 1.0
            return w
        else:
            raise ValueError(f"Unknown violation_type: {vt}")
        norm = np.linalg.norm(w)
        return w / norm if norm > 0 else w

    def _setup(self, results, pre_periods):
        eff, ses, V, rel, src = _extract(results, pre_periods)
        w = self._get_violation_weights(len(eff), relative_times=rel)
        return eff, ses, V, w, src

    def fit(self, results, M=None, pre_periods=None) -> PreTrendsPowerResults:
        """Power at M (default: the MDV) and the MDV of the event study in ``results``
        (MultiPeriodDiD, CallawaySantAnna with an event study, or SunAbraham results);
        ``pre_periods``: the pre-period labels to use (default: every estimated pre-period).
        Returns PreTrendsPowerResults."""
        eff, ses, V, w, src = self._setup(results, pre_periods)
        mdv = float(_pretrends(V, w, [], target=self.target_power, form=self.pretest_form,
                               alpha=self.alpha, abseps=self.abseps)["mdv"])
        if M is None:
            M = mdv if np.isfinite(mdv) else float(np.max(ses))
        r = _pretrends(V, w, [M], form=self.pretest_form, alpha=self.alpha, abseps=self.abseps)
        nis = self.pretest_form == "nis"
        return PreTrendsPowerResults(
            power=float(r["power"][0]), mdv=mdv, violation_magnitude=float(M),
            violation_type=self.violation_type, alpha=self.alpha,
            target_power=self.target_power, n_pre_periods=len(eff),
            test_statistic=float("nan") if nis else r["test_statistic"],
            critical_value=r["critical_value"],
            noncentrality=float("nan") if nis else r["noncentrality"],
            pre_period_effects=eff, pre_period_ses=ses, vcov=V, original_results=results,
            pretest_form=self.pretest_form,
            nis_box_probability=r["accept"] if nis else float("nan"), violation_weights=w,
            covariance_source=src, abseps=self.abseps)

    def power_at(self, results, M, pre_periods=None) -> float:
        return self.fit(results, M=M, pre_periods=pre_periods).power

    def power_curve(self, results, M_grid=None, n_points=50,
                    pre_periods=None) -> PreTrendsPowerCurve:
        """Power over ``M_grid`` (default: n_points from 0 to 2.5 MDV, at most 100)."""
        _, ses, V, w, _ = self._setup(results, pre_periods)
        mdv = float(_pretrends(V, w, [], target=self.target_power, form=self.pretest_form,
                               alpha=self.alpha, abseps=self.abseps)["mdv"])
        if M_grid is None:
            top = min(2.5 * mdv if np.isfinite(mdv) else 10 * float(np.max(ses)), 100)
            M_grid = np.linspace(0, top, n_points)
        M_grid = np.asarray(M_grid, dtype=float)
        powers = _pretrends(V, w, M_grid, form=self.pretest_form, alpha=self.alpha,
                            abseps=self.abseps)["power"]
        return PreTrendsPowerCurve(M_values=M_grid, powers=np.asarray(powers), mdv=mdv,
                                   alpha=self.alpha, target_power=self.target_power,
                                   violation_type=self.violation_type,
                                   pretest_form=self.pretest_form)

    def sensitivity_to_honest_did(self, results, pre_periods=None) -> Dict[str, Any]:
        """The MDV next to the pre-period standard errors: how large a violation (in standard
        errors) a passed pretest leaves possible, for HonestDiD's relative-magnitudes M."""
        r = self.fit(results, pre_periods=pre_periods)
        lvl, max_se = r.max_abs_pre_violation, float(np.max(r.pre_period_ses))
        ratio = lvl / max_se if max_se > 0 and np.isfinite(lvl) else float("inf")
        lines = [f"Minimum Detectable Violation (MDV): {r.mdv:.4f}",
                 f"Max pre-period level deviation at MDV: {lvl:.4f}",
                 f"Max pre-period SE: {max_se:.4f}"]
        if np.isfinite(lvl):
            lines.append(f"Max level deviation / max(SE): {ratio:.2f}")
            lines.append("-> Pre-trends test is fairly sensitive to violations." if ratio < 1
                         else "-> Pre-trends test has moderate sensitivity." if ratio < 2
                         else "-> Pre-trends test has low power to detect violations.\n"
                              "  Consider using HonestDiD with larger M values for robustness.")
        else:
            lines += ["-> Pre-trends test cannot achieve target power for any violation size.",
                      "  Use HonestDiD sensitivity analysis for inference."]
        return {"mdv": r.mdv, "max_abs_pre_violation": float(lvl), "max_pre_se": max_se,
                "mdv_in_ses": ratio, "interpretation": "\n".join(lines)}


def compute_pretrends_power(results, M=None, alpha=0.05, target_power=0.80,
                            violation_type="linear", pre_periods=None, violation_weights=None,
                            pretest_form="nis") -> PreTrendsPowerResults:
    """PreTrendsPower(alpha, power=target_power, violation_type, violation_weights,
    pretest_form).fit(results, M, pre_periods): the pre-trends test's power at violation magnitude
    ``M`` (default: the MDV) for the event study in ``results``, at level ``alpha``, with the MDV at
    ``target_power``; ``violation_type`` linear / constant / last_period / custom (with
    ``violation_weights``), ``pretest_form`` nis / wald, ``pre_periods`` the pre-periods to use.
    Returns PreTrendsPowerResults."""
    return PreTrendsPower(alpha=alpha, power=target_power, violation_type=violation_type,
                          violation_weights=violation_weights,
                          pretest_form=pretest_form).fit(results, M=M, pre_periods=pre_periods)


def compute_mdv(results, alpha=0.05, target_power=0.80, violation_type="linear",
                pre_periods=None, violation_weights=None, pretest_form="nis") -> float:
    """The minimal detectable violation: the magnitude at which the pre-trends test
    of the event study in ``results`` (level ``alpha``, form ``pretest_form``) rejects with
    probability ``target_power`` against a ``violation_type`` violation (``violation_weights`` for
    custom), over ``pre_periods`` (default: all). Returns a float (inf: not reachable)."""
    return compute_pretrends_power(results, None, alpha, target_power, violation_type,
                                   pre_periods, violation_weights, pretest_form).mdv


# =============================================================================
# Analytical power
# =============================================================================

@dataclass
class PowerResults(Results):
    """Analytical power: ``power``, ``mde``, ``required_n``, ``effect_size``, ``alpha``,
    ``alternative``, ``n_treated``, ``n_control``, ``n_pre``, ``n_post``, ``sigma``, ``rho``,
    ``deff``, ``design`` ('basic_did' or 'panel')."""

    power: float
    mde: float
    required_n: int
    effect_size: float
    alpha: float
    alternative: str
    n_treated: int
    n_control: int
    n_pre: int
    n_post: int
    sigma: float
    rho: float = 0.0
    deff: float = 1.0
    design: str = "basic_did"

    def __repr__(self):
        return (f"PowerResults(power={self.power:.3f}, mde={self.mde:.4f}, "
                f"required_n={self.required_n})")

    def summary(self) -> Summary:
        """Returns the formatted report (a Summary: a str shown as the table)."""
        r = "=" * 60
        lines = [r, "Power Analysis for Difference-in-Differences".center(60), r, "",
                 f"{'Design:':<30} {self.design}",
                 f"{'Significance level (alpha):':<30} {self.alpha:.3f}",
                 f"{'Alternative hypothesis:':<30} {self.alternative}", "",
                 f"{'Treated units:':<30} {self.n_treated:>10}",
                 f"{'Control units:':<30} {self.n_control:>10}",
                 f"{'Total units:':<30} {self.n_treated + self.n_control:>10}",
                 f"{'Pre-treatment periods:':<30} {self.n_pre:>10}",
                 f"{'Post-treatment periods:':<30} {self.n_post:>10}",
                 f"{'Residual SD (sigma):':<30} {self.sigma:>10.4f}",
                 f"{'Within-unit equicorrelation:':<30} {self.rho:>10.4f}"]
        if self.deff != 1.0:
            lines.append(f"{'Design effect (DEFF):':<30} {self.deff:>10.4f}")
        lines += ["", f"{'Effect size:':<30} {self.effect_size:>10.4f}",
                  f"{'Power:':<30} {self.power:>10.1%}",
                  f"{'Minimum detectable effect:':<30} {self.mde:>10.4f}",
                  f"{'Required sample size:':<30} {self.required_n:>10}", r]
        return Summary("\n".join(lines))

    def to_dict(self) -> Dict[str, Any]:
        return {k: getattr(self, k) for k in (
            "power", "mde", "required_n", "effect_size", "alpha", "alternative", "n_treated",
            "n_control", "n_pre", "n_post", "sigma", "rho", "deff", "design")}

    def to_dataframe(self):
        """Returns to_dict() as a one-row pandas DataFrame."""
        return _one_row(self.to_dict())


class PowerAnalysis:
    """Analytical power of a DiD design (Bloom 1995's normal multiplier; the variance of
    Burlig, Preonas & Woerman 2020, eq. 2, with within-unit equicorrelation ``rho``):
    ``mde``, ``power``, ``sample_size``, ``power_curve``, ``sample_size_curve``, at test level
    ``alpha``, target ``power``, and ``alternative`` 'two-sided', 'greater' or 'less'."""

    def __init__(self, alpha=0.05, power=0.80, alternative="two-sided"):
        if not 0 < alpha < 1:
            raise ValueError("alpha must be between 0 and 1")
        if not 0 < power < 1:
            raise ValueError("power must be between 0 and 1")
        if alternative not in ("two-sided", "greater", "less"):
            raise ValueError("alternative must be 'two-sided', 'greater', or 'less'")
        self.alpha = alpha
        self.target_power = power
        self.alternative = alternative

    @staticmethod
    def _check_deff(deff):
        if not np.isfinite(deff) or deff <= 0:
            raise ValueError(f"deff must be finite and > 0, got {deff}")
        if deff < 1.0:
            warnings.warn(f"deff={deff:.4f} < 1.0 implies net variance reduction (e.g., from "
                          "stratification). This is valid but unusual.", stacklevel=3)

    def _c(self, n_treated, n_control, n_pre, n_post, sigma, rho, deff, effects=(),
           treat_frac=0.0):
        self._check_deff(deff)
        return _core.did_power(float(self.alpha), float(self.target_power), self.alternative,
                               float(n_treated), float(n_control), int(n_pre), int(n_post),
                               float(sigma), float(rho), float(deff),
                               np.asarray(effects, dtype=float), float(treat_frac))

    @staticmethod
    def _design(n_pre, n_post):
        return "panel" if n_pre + n_post > 2 else "basic_did"

    def _result(self, power, mde, required_n, effect, nt, nc, n_pre, n_post, sigma, rho, deff):
        return PowerResults(power=float(power), mde=float(mde), required_n=int(required_n),
                            effect_size=float(effect), alpha=self.alpha,
                            alternative=self.alternative, n_treated=nt, n_control=nc,
                            n_pre=n_pre, n_post=n_post, sigma=sigma, rho=rho, deff=deff,
                            design=self._design(n_pre, n_post))

    def mde(self, n_treated, n_control, sigma, n_pre=1, n_post=1, rho=0.0,
            deff=1.0) -> PowerResults:
        r = self._c(n_treated, n_control, n_pre, n_post, sigma, rho, deff)
        return self._result(self.target_power, r["mde"], n_treated + n_control, r["mde"],
                            n_treated, n_control, n_pre, n_post, sigma, rho, deff)

    def power(self, effect_size, n_treated, n_control, sigma, n_pre=1, n_post=1, rho=0.0,
              deff=1.0) -> PowerResults:
        r = self._c(n_treated, n_control, n_pre, n_post, sigma, rho, deff, [effect_size],
                    n_treated / (n_treated + n_control))
        return self._result(r["power"][0], r["mde"], r["n_total"], effect_size, n_treated,
                            n_control, n_pre, n_post, sigma, rho, deff)

    def sample_size(self, effect_size, sigma, n_pre=1, n_post=1, rho=0.0, treat_frac=0.5,
                    deff=1.0) -> PowerResults:
        r = self._c(0, 0, n_pre, n_post, sigma, rho, deff, [effect_size], treat_frac)
        nt, nc = int(r["n_treated"]), int(r["n_control"])
        v = self._c(nt, nc, n_pre, n_post, sigma, rho, 1.0 if deff >= 1 else deff)
        mde = v["mde"] * (math.sqrt(deff) if deff >= 1 else 1.0)
        return self._result(self.target_power, mde, nt + nc, effect_size, nt, nc, n_pre, n_post,
                            sigma, rho, deff)

    def power_curve(self, n_treated, n_control, sigma, effect_sizes=None, n_pre=1, n_post=1,
                    rho=0.0, deff=1.0):
        import pandas as pd

        if effect_sizes is None:
            m = self.mde(n_treated, n_control, sigma, n_pre, n_post, rho, deff).mde
            effect_sizes = np.linspace(0, 2.5 * m, 50).tolist()
        r = self._c(n_treated, n_control, n_pre, n_post, sigma, rho, deff, effect_sizes)
        return pd.DataFrame({"effect_size": list(effect_sizes), "power": list(r["power"])})

    def sample_size_curve(self, effect_size, sigma, sample_sizes=None, n_pre=1, n_post=1,
                          rho=0.0, treat_frac=0.5, deff=1.0):
        import pandas as pd

        if sample_sizes is None:
            req = self.sample_size(effect_size, sigma, n_pre, n_post, rho, treat_frac,
                                   deff).required_n
            lo, hi = max(10, req // 4), req * 2
            sample_sizes = list(range(lo, hi + 1, max(1, (hi - lo) // 50)))
        powers = []
        for n in sample_sizes:
            nt = max(2, int(n * treat_frac))
            nc = max(2, n - nt)
            powers.append(float(self._c(nt, nc, n_pre, n_post, sigma, rho, deff,
                                        [effect_size])["power"][0]))
        return pd.DataFrame({"sample_size": list(sample_sizes), "power": powers})


def compute_mde(n_treated, n_control, sigma, power=0.80, alpha=0.05, n_pre=1, n_post=1,
                rho=0.0, deff=1.0) -> float:
    """The minimum detectable effect (z_{1-alpha/2} + z_power) se at target ``power`` and
    two-sided level ``alpha``, for the design with ``n_treated`` and ``n_control`` units,
    residual SD ``sigma``, ``n_pre`` / ``n_post`` periods, within-unit correlation ``rho`` and
    design effect ``deff``. Returns a float."""
    return PowerAnalysis(alpha=alpha, power=power).mde(n_treated, n_control, sigma, n_pre,
                                                       n_post, rho, deff).mde


def compute_power(effect_size, n_treated, n_control, sigma, alpha=0.05, n_pre=1, n_post=1,
                  rho=0.0, deff=1.0) -> float:
    """The two-sided power against ``effect_size`` at level ``alpha`` of the design
    with ``n_treated`` / ``n_control`` units, residual SD ``sigma``, ``n_pre`` / ``n_post``
    periods, within-unit correlation ``rho`` and design effect ``deff``. Returns a float."""
    return PowerAnalysis(alpha=alpha).power(effect_size, n_treated, n_control, sigma, n_pre,
                                            n_post, rho, deff).power


def compute_sample_size(effect_size, sigma, power=0.80, alpha=0.05, n_pre=1, n_post=1,
                        rho=0.0, treat_frac=0.5, deff=1.0) -> int:
    """The units needed to detect ``effect_size`` with ``power`` at two-sided level
    ``alpha``: residual SD ``sigma``, ``n_pre`` / ``n_post`` periods, within-unit correlation
    ``rho``, treated share ``treat_frac``, design effect ``deff``. Returns an int."""
    return PowerAnalysis(alpha=alpha, power=power).sample_size(
        effect_size, sigma, n_pre, n_post, rho, treat_frac, deff).required_n


# =============================================================================
# Simulated designs and simulation power
# =============================================================================

def _seed(seed):
    return validate.seed(seed)


def generate_did_data(n_units=100, n_periods=4, treatment_effect=5.0, treatment_fraction=0.5,
                      treatment_period=2, unit_fe_sd=2.0, time_trend=0.5, noise_sd=1.0,
                      seed=None):
    """diff-diff's basic panel of ``n_units`` units over ``n_periods`` periods:
    outcome = 10 + unit effect (SD ``unit_fe_sd``) + ``time_trend`` * period +
    ``treatment_effect`` (treated units from ``treatment_period`` on) + noise (SD ``noise_sd``), the
    first floor(n_units * treatment_fraction) units treated. Drawn in C from kestrel's
    counter-based streams keyed by ``seed`` (None: a fresh one): the same seed gives the same data
    everywhere (not NumPy's numbers). Returns a pandas DataFrame with columns unit, period,
    treated, post, outcome, true_effect."""
    import pandas as pd

    return pd.DataFrame(_core.did_generate("basic", _basic_design(
        n_units, n_periods, treatment_effect, treatment_fraction, treatment_period, unit_fe_sd,
        time_trend, noise_sd, _seed(seed))))


def _basic_design(n_units, n_periods, treatment_effect, treatment_fraction, treatment_period,
                  unit_fe_sd, time_trend, noise_sd, seed):
    return dict(n_units=int(n_units), n_periods=int(n_periods),
                treatment_effect=float(treatment_effect),
                treatment_fraction=float(treatment_fraction),
                treatment_period=int(treatment_period), unit_fe_sd=float(unit_fe_sd),
                time_trend=float(time_trend), noise_sd=float(noise_sd), seed=seed)


def _staggered_design(n_units, n_periods, cohort_periods, never_treated_frac, treatment_effect,
                      dynamic_effects, effect_growth, unit_fe_sd, time_trend, noise_sd, seed):
    if cohort_periods is None:
        cohort_periods = ([3, 5, 7] if n_periods >= 8
                          else [n_periods // 3, 2 * n_periods // 3])
    return dict(n_units=int(n_units), n_periods=int(n_periods),
                cohort_periods=[int(c) for c in cohort_periods],
                never_treated_frac=float(never_treated_frac),
                treatment_effect=float(treatment_effect), dynamic_effects=bool(dynamic_effects),
                effect_growth=float(effect_growth), unit_fe_sd=float(unit_fe_sd),
                time_trend=float(time_trend), noise_sd=float(noise_sd), seed=seed)


def generate_staggered_data(n_units=100, n_periods=10, cohort_periods=None,
                            never_treated_frac=0.3, treatment_effect=2.0, dynamic_effects=True,
                            effect_growth=0.1, unit_fe_sd=2.0, time_trend=0.1, noise_sd=0.5,
                            seed=None, panel=True):
    """diff-diff's staggered panel of ``n_units`` units over ``n_periods`` periods:
    the first floor(n_units * never_treated_frac) units never treated (first_treat 0), each other
    unit's cohort drawn uniformly from ``cohort_periods`` (default [3, 5, 7], or thirds of a
    shorter panel); outcome = 10 + unit effect (SD ``unit_fe_sd``) + ``time_trend`` * period + the
    effect + noise (SD ``noise_sd``), the effect ``treatment_effect`` growing by ``effect_growth``
    per period since treatment when ``dynamic_effects``; ``seed`` keys kestrel's streams (None: a
    fresh one). ``panel=False``: repeated cross-sections, as diff-diff's: every period draws
    ``n_units`` new observations the same way (cohort, unit effect and noise all fresh), rows
    ordered by period; the unit ids are integers period * n_units + i, unique over the table
    (diff-diff's are the strings "u{period}_{i}"). Returns a pandas DataFrame with columns
    unit, period, outcome, first_treat, treated, treat, true_effect."""
    import pandas as pd

    design = _staggered_design(n_units, n_periods, cohort_periods, never_treated_frac,
                               treatment_effect, dynamic_effects, effect_growth, unit_fe_sd,
                               time_trend, noise_sd, _seed(seed))
    design["cross_sections"] = not panel
    return pd.DataFrame(_core.did_generate("staggered", design))


@dataclass
class SimulationPowerResults(Results):
    """Simulation power, fields as diff-diff's: ``power`` (the rejection rate at the primary
    effect), ``power_se``, ``power_ci``, ``rejection_rate``, ``mean_estimate``,
    ``std_estimate``, ``mean_se``, ``coverage``, ``n_simulations`` (successful),
    ``effect_sizes``, ``powers``, ``true_effect``, ``alpha``, ``estimator_name``, ``bias``,
    ``rmse``, ``simulation_results`` (per replication: estimate, se, p_value, ci),
    ``n_simulation_failures``."""

    power: float
    power_se: float
    power_ci: Tuple[float, float]
    rejection_rate: float
    mean_estimate: float
    std_estimate: float
    mean_se: float
    coverage: float
    n_simulations: int
    effect_sizes: List[float]
    powers: List[float]
    true_effect: float
    alpha: float
    estimator_name: str
    bias: float = field(init=False)
    rmse: float = field(init=False)
    simulation_results: Optional[List[Dict[str, Any]]] = field(default=None, repr=False)
    effective_n_units: Optional[int] = None
    survey_config: Optional[Any] = field(default=None, repr=False)
    mean_deff: Optional[float] = None
    mean_icc_realized: Optional[float] = None
    n_simulation_failures: int = 0

    def __post_init__(self):
        self.bias = self.mean_estimate - self.true_effect
        self.rmse = float(np.sqrt(self.bias**2 + self.std_estimate**2))

    def __repr__(self):
        return (f"SimulationPowerResults(power={self.power:.3f} [{self.power_ci[0]:.3f}, "
                f"{self.power_ci[1]:.3f}], n_simulations={self.n_simulations})")

    def summary(self) -> Summary:
        """Returns the formatted report (a Summary: a str shown as the table)."""
        r = "=" * 65
        return Summary("\n".join([
            r, "Simulation-Based Power Analysis Results".center(65), r, "",
            f"{'Estimator:':<35} {self.estimator_name}",
            f"{'Number of simulations:':<35} {self.n_simulations}",
            f"{'Simulation failures:':<35} {self.n_simulation_failures}",
            f"{'True treatment effect:':<35} {self.true_effect:.4f}",
            f"{'Significance level (alpha):':<35} {self.alpha:.3f}", "",
            f"{'Power (rejection rate):':<35} {self.power:.1%}",
            f"{'Standard error:':<35} {self.power_se:.4f}",
            f"{'95% CI:':<35} [{self.power_ci[0]:.3f}, {self.power_ci[1]:.3f}]", "",
            f"{'Mean estimate:':<35} {self.mean_estimate:.4f}",
            f"{'Bias:':<35} {self.bias:.4f}",
            f"{'Std. deviation of estimates:':<35} {self.std_estimate:.4f}",
            f"{'RMSE:':<35} {self.rmse:.4f}",
            f"{'Mean standard error:':<35} {self.mean_se:.4f}",
            f"{'Coverage (CI contains true):':<35} {self.coverage:.1%}", r]))

    def to_dict(self) -> Dict[str, Any]:
        return {"power": self.power, "power_se": self.power_se,
                "power_ci_lower": self.power_ci[0], "power_ci_upper": self.power_ci[1],
                "rejection_rate": self.rejection_rate, "mean_estimate": self.mean_estimate,
                "std_estimate": self.std_estimate, "bias": self.bias, "rmse": self.rmse,
                "mean_se": self.mean_se, "coverage": self.coverage,
                "n_simulations": self.n_simulations,
                "n_simulation_failures": self.n_simulation_failures,
                "true_effect": self.true_effect, "alpha": self.alpha,
                "estimator_name": self.estimator_name,
                "effective_n_units": self.effective_n_units, "mean_deff": self.mean_deff,
                "mean_icc_realized": self.mean_icc_realized}

    def to_dataframe(self):
        """Returns to_dict() as a one-row pandas DataFrame."""
        return _one_row(self.to_dict())

    def power_curve_df(self):
        import pandas as pd

        return pd.DataFrame({"effect_size": self.effect_sizes, "power": self.powers})


_CS_METHODS = {"dr": 0, "ipw": 1, "reg": 2}


def _c_path(estimator, est_kwargs, data_generator, data_gen_kwargs):
    """The C estimator code for `estimator` when the whole simulation can run in C, else
    None."""
    name = type(estimator).__name__
    if data_generator is not None or est_kwargs:
        return None
    mod = type(estimator).__module__ or ""
    if not mod.startswith("_kestrel") and not mod.startswith("kestrel"):
        return None
    if name == "DifferenceInDifferences":
        ok = (getattr(estimator, "cluster", None) is None
              and getattr(estimator, "inference", "analytical") == "analytical")
        return 0 if ok else None
    if name == "TwoWayFixedEffects":
        ok = (getattr(estimator, "cluster", None) in (None, "unit")
              and getattr(estimator, "inference", "analytical") == "analytical")
        return 1 if ok else None
    if name == "CallawaySantAnna":
        ok = (getattr(estimator, "control_group", "never_treated") == "never_treated"
              and getattr(estimator, "n_bootstrap", 0) in (0, None)
              and getattr(estimator, "anticipation", 0) == 0
              and getattr(estimator, "base_period", "varying") == "varying"
              and getattr(estimator, "estimation_method", "dr") in _CS_METHODS)
        return 2 if ok else None
    return None


_FIT_KWARGS = {
    "DifferenceInDifferences": lambda tp, T: dict(outcome="outcome", treatment="treated",
                                                  post="post"),
    "TwoWayFixedEffects": lambda tp, T: dict(outcome="outcome", treatment="treated",
                                             post="post", unit="unit"),
    "MultiPeriodDiD": lambda tp, T: dict(outcome="outcome", treatment="treated", time="period",
                                         post_periods=list(range(tp, T))),
    "CallawaySantAnna": lambda tp, T: dict(outcome="outcome", unit="unit", time="period",
                                           first_treat="first_treat"),
    "SunAbraham": lambda tp, T: dict(outcome="outcome", unit="unit", time="period",
                                     first_treat="first_treat"),
}
_STAGGERED = ("CallawaySantAnna", "SunAbraham")


def _post_alias(estimator, kw):
    """diff-diff 3.x names the period dummy ``post=``; an estimator whose fit has no such
    argument (kestrel's before 3.x names) gets it as ``time=``."""
    import inspect

    if "post" not in kw:
        return kw
    try:
        names = inspect.signature(estimator.fit).parameters
    except (TypeError, ValueError):
        return kw
    if "post" in names or "time" not in names or any(
            p.kind == p.VAR_KEYWORD for p in names.values()):
        return kw
    kw = dict(kw)
    kw["time"] = kw.pop("post")
    return kw


def _extract_result(result):
    for a, s, p, c in (("att", "se", "p_value", "conf_int"),
                       ("avg_att", "avg_se", "avg_p_value", "avg_conf_int"),
                       ("overall_att", "overall_se", "overall_p_value", "overall_conf_int")):
        if getattr(result, a, None) is not None:
            return (float(getattr(result, a)), float(getattr(result, s)),
                    float(getattr(result, p)), tuple(getattr(result, c)))
    raise ValueError(f"cannot read the estimate of {type(result).__name__}: pass "
                     "result_extractor=")


def simulate_power(estimator, n_units=100, n_periods=4, treatment_effect=5.0,
                   treatment_fraction=0.5, treatment_period=2, sigma=1.0, n_simulations=500,
                   alpha=0.05, effect_sizes=None, seed=None, data_generator=None,
                   data_generator_kwargs=None, estimator_kwargs=None, result_extractor=None,
                   progress=True, survey_config=None, threads=None) -> SimulationPowerResults:
    """Power by simulation, diff-diff's arguments: ``n_simulations`` panels of the
    design (``n_units`` units, ``n_periods`` periods, ``treatment_fraction`` treated from
    ``treatment_period``, noise SD ``sigma``; ``data_generator_kwargs`` override the design's
    unit_fe_sd, time_trend, noise_sd, cohort_periods, never_treated_frac, dynamic_effects,
    effect_growth) at ``treatment_effect`` (or at each of ``effect_sizes``), each fitted by
    ``estimator``; power is the share of p-values below ``alpha``. For kestrel's
    DifferenceInDifferences, TwoWayFixedEffects and CallawaySantAnna (never-treated controls,
    analytical SEs) on the built-in designs, data generation and fits run in C, in parallel
    (``threads``); replication r of effect e is seeded by (``seed``, e, r), so the result does not
    depend on the thread count. Any other estimator, a ``data_generator`` (called with n_units,
    n_periods, treatment_effect, treatment_fraction, treatment_period, noise_sd, seed) or
    ``estimator_kwargs`` (fit's arguments) runs the fits from Python; ``result_extractor(result)``
    -> (att, se, p_value, conf_int) reads an unfamiliar result; ``progress`` prints every 100
    replications there. ``survey_config`` is not supported (NotImplementedError).
    Returns SimulationPowerResults."""
    if survey_config is not None:
        raise NotImplementedError("simulate_power(survey_config=...): survey designs are not "
                                  "supported by kestrel")
    name = type(estimator).__name__
    if n_simulations < 1:
        raise ValueError(f"n_simulations must be >= 1, got {n_simulations}")
    if name not in _FIT_KWARGS and data_generator is None:
        raise ValueError(f"Estimator '{name}' not in registry. Provide a custom "
                         "data_generator and estimator_kwargs (the full dict of keyword "
                         "arguments for estimator.fit()).")
    effects = [treatment_effect] if effect_sizes is None else list(effect_sizes)
    primary = 0
    if len(effects) > 1:
        hits = [i for i, e in enumerate(effects) if np.isclose(e, treatment_effect)]
        primary = hits[0] if hits else len(effects) - 1
    seed = _seed(seed)
    dgk = dict(data_generator_kwargs or {})
    dgk.pop("seed", None)
    stag = name in _STAGGERED
    if stag:
        design = _staggered_design(
            n_units, n_periods, dgk.pop("cohort_periods", [treatment_period]),
            dgk.pop("never_treated_frac", 1 - treatment_fraction), treatment_effect,
            dgk.pop("dynamic_effects", False), dgk.pop("effect_growth", 0.1),
            dgk.pop("unit_fe_sd", 2.0), dgk.pop("time_trend", 0.1), dgk.pop("noise_sd", sigma),
            seed)
    else:
        design = _basic_design(n_units, n_periods, treatment_effect, treatment_fraction,
                               treatment_period, dgk.pop("unit_fe_sd", 2.0),
                               dgk.pop("time_trend", 0.5), dgk.pop("noise_sd", sigma), seed)
    if dgk and data_generator is None:
        raise ValueError(f"data_generator_kwargs: unknown keys {sorted(dgk)} for the built-in "
                         "design")
    code = _c_path(estimator, estimator_kwargs, data_generator, dgk)
    ne = len(effects)
    if code is not None:
        method = _CS_METHODS.get(getattr(estimator, "estimation_method", "dr"), 0)
        r = _core.did_simulate_power(
            code, design, np.asarray(effects, dtype=float), int(n_simulations), seed=seed,
            alpha=float(alpha), robust=bool(getattr(estimator, "robust", True)), method=method,
            threads=validate.threads(threads))
        est, se, pv = r["estimate"], r["se"], r["p_value"]
        lo, hi = r["ci_lower"], r["ci_upper"]
        fails = [int(x) for x in r["n_failures"]]
    else:
        est, se, pv, lo, hi = (np.full((ne, n_simulations), np.nan) for _ in range(5))
        fails = [0] * ne
        user = dict(estimator_kwargs or {})
        base = {} if data_generator is not None else _FIT_KWARGS[name](treatment_period,
                                                                        n_periods)
        if name in ("DifferenceInDifferences", "TwoWayFixedEffects"):
            # post= and time= are one argument there: the user's name replaces the default's
            for mine, other in (("time", "post"), ("post", "time")):
                if mine in user:
                    base.pop(other, None)
        fit_kw = {**base, **user}
        for e, eff in enumerate(effects):
            for s in range(n_simulations):
                if progress and s % 100 == 0 and s > 0:
                    done = (s + e * n_simulations) / (ne * n_simulations)
                    print(f"  Simulation progress: {done:.0%}")
                rs = int(_core.did_power_seed(seed, e, s))
                if data_generator is not None:
                    data = data_generator(n_units=n_units, n_periods=n_periods,
                                          treatment_effect=eff,
                                          treatment_fraction=treatment_fraction,
                                          treatment_period=treatment_period, noise_sd=sigma,
                                          seed=rs, **dgk)
                else:
                    import pandas as pd

                    d = dict(design, treatment_effect=float(eff), seed=rs)
                    data = pd.DataFrame(_core.did_generate("staggered" if stag else "basic", d))
                try:
                    res = estimator.fit(data, **_post_alias(estimator, fit_kw))
                    a, b, p, ci = (result_extractor(res) if result_extractor is not None
                                   else _extract_result(res))
                except (ValueError, np.linalg.LinAlgError, KeyError, RuntimeError,
                        ZeroDivisionError) as err:
                    fails[e] += 1
                    if progress:
                        print(f"  Warning: Simulation {s} failed: {err}")
                    continue
                est[e, s], se[e, s], pv[e, s], lo[e, s], hi[e, s] = a, b, p, ci[0], ci[1]
    powers = []
    for e in range(ne):
        ok = ~np.isnan(est[e])
        if fails[e] / n_simulations > 0.1:
            warnings.warn(f"{fails[e]}/{n_simulations} simulations "
                          f"({fails[e] / n_simulations:.1%}) failed for "
                          f"effect_size={effects[e]}. Check estimator and data generator.",
                          UserWarning, stacklevel=2)
        if not ok.any():
            raise RuntimeError("All simulations failed. Check estimator and data generator.")
        powers.append(float(np.mean(np.where(np.isnan(pv[e][ok]), False, pv[e][ok] < alpha))))
    ok = ~np.isnan(est[primary])
    n_valid = int(ok.sum())
    pw = powers[primary]
    pse = math.sqrt(pw * (1 - pw) / n_valid)
    zq = 1.959963984540054
    eff0 = effects[primary]
    cover = (lo[primary][ok] <= eff0) & (eff0 <= hi[primary][ok])
    sims = [{"estimate": float(est[primary, s]), "se": float(se[primary, s]),
             "p_value": float(pv[primary, s]),
             "conf_int": (float(lo[primary, s]), float(hi[primary, s]))}
            for s in range(n_simulations) if ok[s]]
    return SimulationPowerResults(
        power=pw, power_se=pse, power_ci=(max(0.0, pw - zq * pse), min(1.0, pw + zq * pse)),
        rejection_rate=pw, mean_estimate=float(np.mean(est[primary][ok])),
        std_estimate=float(np.std(est[primary][ok], ddof=1)) if n_valid > 1 else float("nan"),
        mean_se=float(np.mean(se[primary][ok])), coverage=float(np.mean(cover)),
        n_simulations=n_valid, effect_sizes=[float(x) for x in effects], powers=powers,
        true_effect=float(eff0), alpha=alpha, estimator_name=name, simulation_results=sims,
        n_simulation_failures=fails[primary])


@dataclass
class SimulationMDEResults(Results):
    """The smallest effect whose simulated power reaches the target: ``mde``, ``power_at_mde``,
    ``target_power``, ``alpha``, ``n_units``, ``n_simulations_per_step``, ``n_steps``,
    ``search_path`` [{effect_size, power}], ``estimator_name``."""

    mde: float
    power_at_mde: float
    target_power: float
    alpha: float
    n_units: int
    n_simulations_per_step: int
    n_steps: int
    search_path: List[Dict[str, float]]
    estimator_name: str
    effective_n_units: Optional[int] = None
    survey_config: Optional[Any] = field(default=None, repr=False)

    def __repr__(self):
        return (f"SimulationMDEResults(mde={self.mde:.4f}, power_at_mde={self.power_at_mde:.3f},"
                f" n_steps={self.n_steps})")

    def summary(self) -> Summary:
        """Returns the formatted report (a Summary: a str shown as the table)."""
        return Summary("\n".join([
            "Simulation-Based MDE Search", "=" * 50,
            f"{'Estimator:':<30} {self.estimator_name}",
            f"{'Minimum detectable effect:':<30} {self.mde:.4f}",
            f"{'Power at MDE:':<30} {self.power_at_mde:.3f}",
            f"{'Target power:':<30} {self.target_power:.3f}",
            f"{'Units:':<30} {self.n_units}",
            f"{'Simulations per step:':<30} {self.n_simulations_per_step}",
            f"{'Steps:':<30} {self.n_steps}", "=" * 50]))

    def to_dict(self) -> Dict[str, Any]:
        return {k: getattr(self, k) for k in (
            "mde", "power_at_mde", "target_power", "alpha", "n_units", "n_simulations_per_step",
            "n_steps", "estimator_name", "effective_n_units")}

    def to_dataframe(self):
        """Returns to_dict() as a one-row pandas DataFrame."""
        return _one_row(self.to_dict())


@dataclass
class SimulationSampleSizeResults(Results):
    """The smallest number of units whose simulated power reaches the target: ``required_n``,
    ``power_at_n``, ``target_power``, ``alpha``, ``effect_size``, ``n_simulations_per_step``,
    ``n_steps``, ``search_path`` [{n_units, power}], ``estimator_name``."""

    required_n: int
    power_at_n: float
    target_power: float
    alpha: float
    effect_size: float
    n_simulations_per_step: int
    n_steps: int
    search_path: List[Dict[str, float]]
    estimator_name: str
    effective_n_units: Optional[int] = None
    survey_config: Optional[Any] = field(default=None, repr=False)

    def __repr__(self):
        return (f"SimulationSampleSizeResults(required_n={self.required_n}, "
                f"power_at_n={self.power_at_n:.3f}, n_steps={self.n_steps})")

    def summary(self) -> Summary:
        """Returns the formatted report (a Summary: a str shown as the table)."""
        return Summary("\n".join([
            "Simulation-Based Sample Size Search", "=" * 50,
            f"{'Estimator:':<30} {self.estimator_name}",
            f"{'Required units:':<30} {self.required_n}",
            f"{'Power at N:':<30} {self.power_at_n:.3f}",
            f"{'Target power:':<30} {self.target_power:.3f}",
            f"{'Effect size:':<30} {self.effect_size:.4f}",
            f"{'Simulations per step:':<30} {self.n_simulations_per_step}",
            f"{'Steps:':<30} {self.n_steps}", "=" * 50]))

    def to_dict(self) -> Dict[str, Any]:
        return {k: getattr(self, k) for k in (
            "required_n", "power_at_n", "target_power", "alpha", "effect_size",
            "n_simulations_per_step", "n_steps", "estimator_name", "effective_n_units")}

    def to_dataframe(self):
        """Returns to_dict() as a one-row pandas DataFrame."""
        return _one_row(self.to_dict())


def simulate_mde(estimator, n_units=100, n_periods=4, treatment_fraction=0.5,
                 treatment_period=2, sigma=1.0, n_simulations=200, power=0.80, alpha=0.05,
                 effect_range=None, tol=0.02, max_steps=15, seed=None, data_generator=None,
                 data_generator_kwargs=None, estimator_kwargs=None, result_extractor=None,
                 progress=True, survey_config=None, threads=None) -> SimulationMDEResults:
    """The minimum detectable effect by bisection over simulate_power (diff-diff's
    arguments and stopping rule): ``estimator`` on the design (``n_units``, ``n_periods``,
    ``treatment_fraction``, ``treatment_period``, noise ``sigma``, ``data_generator`` /
    ``data_generator_kwargs``, ``estimator_kwargs``, ``result_extractor`` as simulate_power's),
    ``n_simulations`` per step, target ``power`` at level ``alpha``, searched within
    ``effect_range`` (default: from 0, doubling from ``sigma``) until the bracket is narrower than
    ``tol`` relative (or the power within ``tol`` of the target), at most ``max_steps`` steps.
    Every step uses the same ``seed`` (common random numbers), so the simulated power rises
    smoothly with the effect along the search; ``threads`` as simulate_power's, ``progress``
    prints each step, ``survey_config`` is not supported. Returns SimulationMDEResults."""
    seed = _seed(seed)
    path: List[Dict[str, float]] = []
    name = type(estimator).__name__

    def at(effect):
        r = simulate_power(estimator, n_units=n_units, n_periods=n_periods,
                           treatment_effect=effect, treatment_fraction=treatment_fraction,
                           treatment_period=treatment_period, sigma=sigma,
                           n_simulations=n_simulations, alpha=alpha, seed=seed,
                           data_generator=data_generator,
                           data_generator_kwargs=data_generator_kwargs,
                           estimator_kwargs=estimator_kwargs, result_extractor=result_extractor,
                           progress=False, survey_config=survey_config, threads=threads)
        path.append({"effect_size": float(effect), "power": float(r.power)})
        if progress:
            print(f"  MDE search: effect={effect:.4f}, power={r.power:.3f}")
        return r.power

    def done(mde, pw):
        return SimulationMDEResults(mde=float(mde), power_at_mde=float(pw), target_power=power,
                                    alpha=alpha, n_units=n_units,
                                    n_simulations_per_step=n_simulations, n_steps=len(path),
                                    search_path=path, estimator_name=name)

    if effect_range is not None:
        lo, hi = map(float, effect_range)
        plo = at(lo)
        if plo >= power:
            warnings.warn(f"Power at effect={lo} is {plo:.2f} >= target {power}. Lower bound "
                          "already exceeds target power. Returning lo as MDE.", UserWarning,
                          stacklevel=2)
            return done(lo, plo)
        if at(hi) < power:
            warnings.warn(f"Target power {power} not bracketed: power at effect={hi} is "
                          f"{path[-1]['power']:.2f}. Upper bound may be too low.", UserWarning,
                          stacklevel=2)
    else:
        lo = 0.0
        p0 = at(0.0)
        if p0 >= power:
            warnings.warn(f"Power at effect=0 is {p0:.2f} >= target {power}. This suggests "
                          "inflated Type I error. Returning MDE=0.", UserWarning, stacklevel=2)
            return done(0.0, p0)
        hi = float(sigma)
        for _ in range(10):
            if at(hi) >= power:
                break
            hi *= 2
        else:
            warnings.warn(f"Could not bracket MDE (power at effect={hi} still below {power}). "
                          "Returning best upper bound.", UserWarning, stacklevel=2)
    best, best_p = hi, path[-1]["power"]
    for _ in range(max_steps):
        mid = 0.5 * (lo + hi)
        pw = at(mid)
        if pw >= power:
            hi, best, best_p = mid, mid, pw
        else:
            lo = mid
        if hi - lo < max(tol * hi, 1e-6) or abs(pw - power) < tol:
            break
    return done(best, best_p)


def simulate_sample_size(estimator, treatment_effect=5.0, n_periods=4, treatment_fraction=0.5,
                         treatment_period=2, sigma=1.0, n_simulations=200, power=0.80,
                         alpha=0.05, n_range=None, max_steps=15, seed=None, data_generator=None,
                         data_generator_kwargs=None, estimator_kwargs=None,
                         result_extractor=None, progress=True, survey_config=None,
                         threads=None) -> SimulationSampleSizeResults:
    """The smallest number of units whose simulated power (``estimator`` on the
    design: ``n_periods``, ``treatment_fraction``, ``treatment_period``, noise ``sigma``,
    ``data_generator`` / ``data_generator_kwargs``, ``estimator_kwargs``, ``result_extractor`` as
    simulate_power's) against ``treatment_effect`` reaches ``power`` at level ``alpha``, by
    bisection over integers within ``n_range`` (default: from 20 units, doubling), at most
    ``max_steps`` steps of ``n_simulations`` replications, each with the same ``seed``;
    ``threads`` as simulate_power's, ``progress`` prints each step, ``survey_config`` is not
    supported. Returns SimulationSampleSizeResults."""
    seed = _seed(seed)
    path: List[Dict[str, float]] = []
    name = type(estimator).__name__
    floor = 4

    def at(n):
        r = simulate_power(estimator, n_units=int(n), n_periods=n_periods,
                           treatment_effect=treatment_effect,
                           treatment_fraction=treatment_fraction,
                           treatment_period=treatment_period, sigma=sigma,
                           n_simulations=n_simulations, alpha=alpha, seed=seed,
                           data_generator=data_generator,
                           data_generator_kwargs=data_generator_kwargs,
                           estimator_kwargs=estimator_kwargs, result_extractor=result_extractor,
                           progress=False, survey_config=survey_config, threads=threads)
        path.append({"n_units": float(n), "power": float(r.power)})
        if progress:
            print(f"  Sample size search: n={n}, power={r.power:.3f}")
        return r.power

    def done(n, pw):
        return SimulationSampleSizeResults(
            required_n=int(n), power_at_n=float(pw), target_power=power, alpha=alpha,
            effect_size=float(treatment_effect), n_simulations_per_step=n_simulations,
            n_steps=len(path), search_path=path, estimator_name=name)

    if n_range is not None:
        lo, hi = max(floor, int(n_range[0])), max(floor, int(n_range[1]))
        lo = min(lo, hi)
        plo = at(lo)
        if plo >= power:
            warnings.warn(f"Power at n={lo} is {plo:.2f} >= target {power}. Lower bound "
                          "already achieves target power. Returning lo.", UserWarning,
                          stacklevel=2)
            return done(lo, plo)
        phi = at(hi)
        if phi < power:
            warnings.warn(f"Target power {power} not bracketed: power at n={hi} is "
                          f"{phi:.2f}. Upper bound may be too low.", UserWarning, stacklevel=2)
            return done(hi, phi)
    else:
        lo = 20
        plo = at(lo)
        if plo >= power:
            warnings.warn(f"Power at n={lo} is {plo:.2f} >= target {power}; pass n_range=(lo, "
                          "hi) to search below it.", UserWarning, stacklevel=2)
            return done(lo, plo)
        hi = lo
        for _ in range(20):
            hi *= 2
            phi = at(hi)
            if phi >= power:
                break
            lo = hi
        else:
            warnings.warn(f"Could not bracket the sample size (power at n={hi} is "
                          f"{phi:.2f}).", UserWarning, stacklevel=2)
            return done(hi, phi)
    best, best_p = hi, phi
    for _ in range(max_steps):
        if hi - lo <= 1:
            break
        mid = (lo + hi) // 2
        pw = at(mid)
        if pw >= power:
            hi, best, best_p = mid, mid, pw
        else:
            lo = mid
    return done(best, best_p)


# =============================================================================
# Plots
# =============================================================================

def plot_power_curve(results=None, *, effect_sizes=None, powers=None, mde=None,
                     target_power=0.80, plot_type="effect", figsize=(10, 6), title=None,
                     xlabel=None, ylabel="Power", color="#2563eb", mde_color="#dc2626",
                     target_color="#22c55e", linewidth=2.0, show_mde_line=True,
                     show_target_line=True, show_grid=True, ax=None, show=True,
                     backend="matplotlib"):
    """Power against effect size (or sample size: ``plot_type='sample_size'``),
    from ``results`` (a PowerAnalysis curve DataFrame, SimulationPowerResults or PowerResults) or
    explicit ``effect_sizes`` and ``powers``; ``mde`` and ``target_power`` draw reference lines
    (``show_mde_line``, ``show_target_line``, colours ``mde_color``, ``target_color``); ``color``,
    ``linewidth``, ``figsize``, ``title``, ``xlabel``, ``ylabel``, ``show_grid`` style it; ``ax``
    draws into existing axes; ``show`` calls plt.show(); ``backend`` 'matplotlib' only.
    Returns the matplotlib Axes."""
    import matplotlib.pyplot as plt
    import pandas as pd

    if backend != "matplotlib":
        raise ValueError("backend: only 'matplotlib' is supported")
    x, y = effect_sizes, powers
    if isinstance(results, pd.DataFrame):
        xcol = "sample_size" if "sample_size" in results else "effect_size"
        plot_type = "sample_size" if xcol == "sample_size" else plot_type
        x, y = results[xcol].to_numpy(), results["power"].to_numpy()
    elif isinstance(results, SimulationPowerResults):
        x, y = results.effect_sizes, results.powers
    elif isinstance(results, PowerResults):
        mde = results.mde if mde is None else mde
        target_power = results.power
        if x is None:
            x = np.linspace(0, 2.5 * results.mde, 50)
            pa = PowerAnalysis(alpha=results.alpha, power=results.power,
                               alternative=results.alternative)
            y = pa.power_curve(results.n_treated, results.n_control, results.sigma, list(x),
                               results.n_pre, results.n_post, results.rho,
                               results.deff)["power"].to_numpy()
    if x is None or y is None:
        raise ValueError("plot_power_curve: pass results, or effect_sizes and powers")
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    ax.plot(x, y, color=color, linewidth=linewidth, label="Power")
    if show_target_line:
        ax.axhline(target_power, color=target_color, linestyle="--", alpha=0.7,
                   label=f"Target power ({target_power:.0%})")
    if show_mde_line and mde is not None and np.isfinite(mde) and plot_type == "effect":
        ax.axvline(mde, color=mde_color, linestyle=":", alpha=0.7, label=f"MDE = {mde:.3f}")
    ax.set_xlabel(xlabel or ("Sample size" if plot_type == "sample_size" else "Effect size"))
    ax.set_ylabel(ylabel)
    ax.set_title(title or "Power curve")
    ax.set_ylim(0, 1.05)
    ax.grid(show_grid, alpha=0.3)
    ax.legend(loc="lower right")
    if show:
        plt.show()
    return ax


def plot_pretrends_power(results=None, *, M_values=None, powers=None, mdv=None,
                         target_power=0.80, figsize=(10, 6), title="Pre-Trends Test Power Curve",
                         xlabel="Violation Magnitude (M)", ylabel="Power", color="#2563eb",
                         mdv_color="#dc2626", target_color="#22c55e", linewidth=2.0,
                         show_mdv_line=True, show_target_line=True, show_grid=True, ax=None,
                         show=True, backend="matplotlib", **kwargs):
    """The pre-trends test's power against the violation magnitude, from
    ``results`` (PreTrendsPowerCurve, PreTrendsPowerResults, or a DataFrame with columns M and
    power) or explicit ``M_values`` and ``powers``; ``mdv`` and ``target_power`` draw reference
    lines (``show_mdv_line``, ``show_target_line``, colours ``mdv_color``, ``target_color``);
    ``color``, ``linewidth``, ``figsize``, ``title``, ``xlabel``, ``ylabel``, ``show_grid`` style
    it; ``ax`` draws into existing axes; ``show`` calls plt.show(); ``backend`` 'matplotlib' only;
    other keywords go to plot(). Returns the matplotlib Axes."""
    import matplotlib.pyplot as plt
    import pandas as pd

    if backend != "matplotlib":
        raise ValueError("backend: only 'matplotlib' is supported")
    x, y = M_values, powers
    if isinstance(results, PreTrendsPowerCurve):
        x, y = results.M_values, results.powers
        mdv = results.mdv if mdv is None else mdv
        target_power = results.target_power
    elif isinstance(results, PreTrendsPowerResults):
        mdv = results.mdv if mdv is None else mdv
        target_power = results.target_power
        top = 2.5 * results.mdv if np.isfinite(results.mdv) else 10 * np.max(
            results.pre_period_ses)
        x = np.linspace(0, top, 50)
        y = _pretrends(results.vcov, results.violation_weights, x, form=results.pretest_form,
                       alpha=results.alpha)["power"]
    elif isinstance(results, pd.DataFrame):
        x, y = results["M"].to_numpy(), results["power"].to_numpy()
    if x is None or y is None:
        raise ValueError("plot_pretrends_power: pass results, or M_values and powers")
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    ax.plot(x, y, color=color, linewidth=linewidth, label="Power", **kwargs)
    if show_target_line:
        ax.axhline(target_power, color=target_color, linestyle="--", alpha=0.7,
                   label=f"Target power ({target_power:.0%})")
    if show_mdv_line and mdv is not None and np.isfinite(mdv):
        ax.axvline(mdv, color=mdv_color, linestyle=":", alpha=0.7, label=f"MDV = {mdv:.3f}")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.set_ylim(0, 1.05)
    ax.grid(show_grid, alpha=0.3)
    ax.legend(loc="lower right")
    if show:
        plt.show()
    return ax
