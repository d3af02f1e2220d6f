"""HonestDiD (Rambachan & Roth 2023): confidence intervals for an event study's post-period
effect that stay valid when parallel trends fails by a bounded amount, with diff-diff's names
(``HonestDiD``, ``DeltaSD``, ``DeltaRM``, ``DeltaSDRM``, ``HonestDiDResults``,
``SensitivityResults``, ``compute_honest_did``, ``sensitivity_plot``) and R HonestDiD's numbers:
for smoothness the FLCI (R's default) or the conditional, conditional-FLCI (``"C-F"``) and
conditional-least-favourable (``"C-LF"``) sets; for relative magnitudes and for the combined
restriction (R's Delta^SDRM, ``bound="deviation from linear trend"``) the C-LF (R's default) or
conditional set, on R's grid. The intervals are computed in C (src/did/honest*.c); this module
finds betahat and sigma in a fitted event study and shapes the results.

Where diff-diff differs from R, kestrel follows R: the target is the first post period (the
on-impact effect, e = 0, in an event study by event time) unless ``l_vec`` says otherwise
(diff-diff averages the post periods; ``l_vec="average"`` gives that target); the
relative-magnitudes interval is R's C-LF set (diff-diff widens the identified set by a normal
quantile instead); and ``method="combined"`` is R's Delta^SDRM(Mbar) (diff-diff intersects
Delta^SD(M) with Delta^RM(M) and widens that by a normal quantile)."""
from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

import numpy as np

from . import _core
from .did_base import Estimator, Results
from .did_event_study_view import as_period_results
from .summary import Summary

_METHODS = {"smoothness": "SD", "relative_magnitude": "RM", "combined": "SDRM"}
_CI_METHODS = {"smoothness": ("FLCI", "Conditional", "C-F", "C-LF"),
               "relative_magnitude": ("C-LF", "Conditional"), "combined": ("C-LF", "Conditional")}


@dataclass
class DeltaSD:
    """Smoothness, Delta^SD(M): the trend difference's second differences are at most M."""
    M: float = 0.0

    def __post_init__(self):
        if self.M < 0:
            raise ValueError(f"M must be non-negative, got M={self.M}")


@dataclass
class DeltaRM:
    """Relative magnitudes, Delta^RM(Mbar): each post-period first difference of the trend
    difference is at most Mbar times the largest pre-period one."""
    Mbar: float = 1.0

    def __post_init__(self):
        if self.Mbar < 0:
            raise ValueError(f"Mbar must be non-negative, got Mbar={self.Mbar}")


@dataclass
class DeltaSDRM:
    """The combined restriction, diff-diff's name: kestrel's ``method="combined"`` is R's
    Delta^SDRM(Mbar), each post-period second difference of the trend difference at most Mbar
    times the largest pre-period one (the relative magnitudes of the deviation from a linear
    trend). M is kept for diff-diff's signature; R's restriction has no separate M."""
    M: float = 0.0
    Mbar: float = 1.0

    def __post_init__(self):
        if self.M < 0:
            raise ValueError(f"M must be non-negative, got M={self.M}")
        if self.Mbar < 0:
            raise ValueError(f"Mbar must be non-negative, got Mbar={self.Mbar}")


@dataclass
class HonestDiDResults(Results):
    """One restriction size: the identified set [``lb``, ``ub``] (delta_pre pinned at the
    estimated pre-period effects; R's point l'beta_post where the pre-trend itself breaks the
    restriction), the robust interval [``ci_lb``, ``ci_ub``] (an empty grid-inverted set is
    (inf, -inf), as R's min/max of nothing), ``M``, ``method``, ``original_estimate`` and
    ``original_se`` (l'beta_post and its sd), ``alpha``, ``ci_method``, ``target_label``, the
    periods used and the fitted ``original_results``."""
    lb: float
    ub: float
    ci_lb: float
    ci_ub: float
    M: float
    method: str
    original_estimate: float
    original_se: float
    alpha: float = 0.05
    ci_method: str = "FLCI"
    target_label: str = "First post-treatment effect"
    pre_periods_used: Optional[List[Any]] = field(default=None, repr=False)
    post_periods_used: Optional[List[Any]] = field(default=None, repr=False)
    original_results: Optional[Any] = field(default=None, repr=False)
    df_survey: Optional[float] = None  # diff-diff's survey df; None: no survey designs here
    original_ci: Tuple[float, float] = field(default=(math.nan, math.nan), repr=False)
    _estimator: Optional[Any] = field(default=None, repr=False, compare=False)
    _es_bounds: Optional[Dict[Any, Dict[str, float]]] = field(default=None, repr=False,
                                                              compare=False)

    @property
    def event_study_bounds(self):
        """Per post period e: {"lb", "ub", "ci_lb", "ci_ub"}, the identified set and robust
        interval of that period's effect alone (l_vec the unit vector at e) under this fit's
        method, M, alpha and ci_method; computed on first access (one library call per post
        period) and kept. diff-diff 3.13 declares this field and leaves it None; None here too
        for a result not made by HonestDiD.fit()."""
        if self._es_bounds is None and self._estimator is not None:
            h, post = self._estimator, self.post_periods_used
            out = {}
            for k, e in enumerate(post):
                unit = HonestDiD(h.method, M=self.M, alpha=h.alpha, l_vec=np.eye(len(post))[k],
                                 ci_method=h.ci_method, grid_points=h.grid_points,
                                 grid_lb=h.grid_lb, grid_ub=h.grid_ub)
                r = unit._run(self.original_results, [self.M])[0]
                out[e] = {key: float(r[col][0]) for key, col in (
                    ("lb", "id_lb"), ("ub", "id_ub"), ("ci_lb", "ci_lb"), ("ci_ub", "ci_ub"))}
            self._es_bounds = out
        return self._es_bounds

    @property
    def is_significant(self):
        """Whether the robust interval excludes zero."""
        return bool(np.isfinite(self.ci_lb) and np.isfinite(self.ci_ub) and self.ci_lb <= self.ci_ub
                    and (self.ci_lb > 0 or self.ci_ub < 0))

    @property
    def significance_stars(self):
        return "*" if self.is_significant else ""

    @property
    def identified_set_width(self):
        return self.ub - self.lb

    @property
    def ci_width(self):
        return self.ci_ub - self.ci_lb

    def summary(self):
        """The target, the original and robust intervals and the identified set."""
        lines = [f"HonestDiD ({self.method}, {self.ci_method}), M = {self.M:g}",
                 f"  target: {self.target_label}",
                 f"  original estimate {self.original_estimate:.6f} (se {self.original_se:.6f}); "
                 f"{100 * (1 - self.alpha):g}% CI [{self.original_ci[0]:.6f}, "
                 f"{self.original_ci[1]:.6f}]",
                 f"  identified set    [{self.lb:.6f}, {self.ub:.6f}]",
                 f"  robust {100 * (1 - self.alpha):g}% CI    [{self.ci_lb:.6f}, {self.ci_ub:.6f}]"
                 f"{'  *' if self.is_significant else ''}"]
        return Summary("\n".join(lines))

    def to_dict(self):
        """The bounds, intervals and settings as a dict."""
        return {k: getattr(self, k) for k in (
            "lb", "ub", "ci_lb", "ci_ub", "M", "method", "original_estimate", "original_se",
            "alpha", "ci_method", "target_label", "is_significant")}

    def to_dataframe(self):
        """One row: to_dict()'s fields."""
        import pandas as pd
        return pd.DataFrame([self.to_dict()])


@dataclass
class SensitivityResults(Results):
    """Intervals over a grid of restriction sizes: ``M_values``, ``bounds`` (identified sets),
    ``robust_cis``, ``breakdown_M`` (the least M on the grid, refined by bisection, whose robust
    interval holds zero; None if none does), ``method``, ``original_estimate``, ``original_se``,
    ``alpha``."""
    M_values: np.ndarray
    bounds: List[Tuple[float, float]]
    robust_cis: List[Tuple[float, float]]
    breakdown_M: Optional[float]
    method: str
    original_estimate: float
    original_se: float
    alpha: float = 0.05

    @property
    def has_breakdown(self):
        return self.breakdown_M is not None

    def summary(self):
        """A table of the identified set and robust interval at each M, and the breakdown."""
        lines = [f"HonestDiD sensitivity ({self.method}); original estimate "
                 f"{self.original_estimate:.6f} (se {self.original_se:.6f})",
                 f"  {'M':>8}{'id lb':>12}{'id ub':>12}{'ci lb':>12}{'ci ub':>12}"]
        for m, (a, b), (c, d) in zip(self.M_values, self.bounds, self.robust_cis):
            lines.append(f"  {m:8.4g}{a:12.6f}{b:12.6f}{c:12.6f}{d:12.6f}")
        lines.append(f"  breakdown M: {'none' if self.breakdown_M is None else f'{self.breakdown_M:.4g}'}")
        return Summary("\n".join(lines))

    def to_dataframe(self):
        """One row per M: M, lb, ub (identified set), ci_lb, ci_ub (robust interval)."""
        import pandas as pd
        return pd.DataFrame({"M": self.M_values, "lb": [b[0] for b in self.bounds],
                             "ub": [b[1] for b in self.bounds],
                             "ci_lb": [c[0] for c in self.robust_cis],
                             "ci_ub": [c[1] for c in self.robust_cis]})

    def to_dict(self):
        """The grid, bounds, intervals, breakdown value and settings as a dict."""
        return {"M_values": list(map(float, self.M_values)), "bounds": self.bounds,
                "robust_cis": self.robust_cis, "breakdown_M": self.breakdown_M,
                "method": self.method, "original_estimate": self.original_estimate,
                "original_se": self.original_se, "alpha": self.alpha}

    def plot(self, ax=None, show_bounds=True, show_ci=True, breakdown_line=True, **kwargs):
        """Against M (matplotlib): the original estimate (solid) and zero (dashed) lines, the
        identified sets as a band (``show_bounds``), the robust interval ends as lines
        (``show_ci``) and a vertical line at ``breakdown_M`` (``breakdown_line``, when there is
        one). ``color`` colours the band and the interval lines. Returns the axes."""
        import matplotlib.pyplot as plt
        if ax is None:
            _, ax = plt.subplots(figsize=(10, 6))
        m = np.asarray(self.M_values, dtype=float)
        color = kwargs.get("color", "#1f5fbf")
        ax.axhline(self.original_estimate, color="black", linewidth=1.5, alpha=0.7,
                   label="Original estimate")
        ax.axhline(0, color="grey", linestyle="--", linewidth=1, alpha=0.5)
        if show_bounds:
            ax.fill_between(m, [b[0] for b in self.bounds], [b[1] for b in self.bounds],
                            alpha=0.3, color=color, label="Identified set")
        if show_ci:
            ax.plot(m, [c[0] for c in self.robust_cis], color=color, linewidth=1.5,
                    label="Robust CI")
            ax.plot(m, [c[1] for c in self.robust_cis], color=color, linewidth=1.5)
        if breakdown_line and self.breakdown_M is not None:
            ax.axvline(self.breakdown_M, color="red", linestyle=":", linewidth=2,
                       label=f"Breakdown (M={self.breakdown_M:.2f})")
        ax.set_xlabel("M" if self.method == "smoothness" else "Mbar")
        ax.set_ylabel("Treatment effect")
        ax.set_title("Sensitivity analysis: treatment effect bounds")
        ax.legend(loc="best")
        return ax


def _consecutive(periods, what):
    p = list(periods)
    if any(b - a != 1 for a, b in zip(p, p[1:])):
        raise ValueError(f"HonestDiD needs consecutive {what} periods (the restrictions are "
                         f"built by position); got {p}")


def _reference_event_time(results):
    """The event time every coefficient is measured against, where the fit has one: SunAbraham's
    reference period; CallawaySantAnna's with base_period='universal' (one common one, or an
    error); None for CallawaySantAnna's varying base."""
    if hasattr(results, "reference_period") and not hasattr(results, "base_period"):
        return results.reference_period
    if getattr(results, "base_period", None) == "universal":
        refs = set(getattr(results, "reference_event_times", None) or ())
        if len(refs) > 1:
            raise ValueError("HonestDiD needs coefficients measured against one common reference "
                             f"period; this fit's cohorts use event times {sorted(refs)} (a gapped "
                             "time grid): re-estimate on consecutive periods")
        return refs.pop() if refs else -1 - int(getattr(results, "anticipation", 0) or 0)
    return None


def _event_study(results):
    """betahat (pre then post), sigma, the pre and the post periods of a fitted event study, and
    the index in post of the default target (the first post period; e = 0 by event time)."""
    results = as_period_results(results)
    if isinstance(results, dict):  # R's inputs: betahat, sigma, num_pre_periods
        b = np.asarray(results["betahat"], dtype=float)
        k = int(results["num_pre_periods"])
        return b, np.asarray(results["sigma"], dtype=float), list(range(-k, 0)), \
            list(range(len(b) - k)), 0
    if hasattr(results, "period_effects") and hasattr(results, "interaction_indices"):
        pe, ii = results.period_effects, results.interaction_indices
        ok = {p for p, e in pe.items() if np.isfinite(e.effect) and np.isfinite(e.se) and e.se > 0}
        pre = [p for p in results.pre_periods if p in pe]
        post = [p for p in results.post_periods if p in pe]
        pre_ok, post_ok = [p for p in pre if p in ok], [p for p in post if p in ok]
        if pre_ok != pre[len(pre) - len(pre_ok):] or post_ok != post[:len(post_ok)]:
            raise ValueError("HonestDiD needs the estimated periods next to the reference "
                             "period: only leading pre-periods and trailing post-periods may be "
                             f"unidentified (pre {pre}, post {post}, identified {sorted(ok)})")
        use = pre_ok + post_ok
        idx = [ii[p] for p in use]
        V = np.asarray(results.vcov, dtype=float)[np.ix_(idx, idx)]
        return np.array([pe[p].effect for p in use]), V, pre_ok, post_ok, 0
    if getattr(results, "event_study_vcov", None) is not None:
        index = list(results.event_study_vcov_index)
        es = results.event_study_effects
        # The pre-periods are the event times before the reference period, which sits just
        # before the anticipation window: e in [-anticipation, -1] carries anticipated
        # treatment effects and belongs with the post-periods (Rambachan & Roth section 2;
        # diff-diff's rule). Without a reference row (CS's varying base) the window's start is
        # -anticipation.
        ref = _reference_event_time(results)
        if ref is None:
            if getattr(results, "base_period", None) == "varying":
                import warnings
                warnings.warn("HonestDiD on CallawaySantAnna results with base_period='varying': "
                              "the pre-period coefficients are consecutive comparisons, not "
                              "against a common reference period; R's honest_did requires "
                              "base_period='universal'", UserWarning, stacklevel=5)
            start = -int(getattr(results, "anticipation", 0) or 0)
            pre = [e for e in index if e < start]
            post = [e for e in index if e >= start]
        else:
            pre = [e for e in index if e < ref]
            post = [e for e in index if e > ref]
            if (pre and pre[-1] != ref - 1) or (post and post[0] != ref + 1):
                raise ValueError(f"HonestDiD needs the event times next to the reference period "
                                 f"{ref}: pre {pre}, post {post}")
        if not pre or not post:
            raise ValueError(f"HonestDiD needs a pre-period and a post-period event time; got "
                             f"pre {pre}, post {post}")
        _consecutive(pre, "pre")
        _consecutive(post, "post")
        use = pre + post
        idx = [index.index(e) for e in use]
        V = np.asarray(results.event_study_vcov, dtype=float)[np.ix_(idx, idx)]
        return (np.array([es[e]["effect"] for e in use]), V, pre, post,
                post.index(0) if 0 in post else 0)
    if hasattr(results, "event_study_effects"):
        raise ValueError(f"{type(results).__name__} has no event_study_vcov: HonestDiD needs the "
                         "event-study covariance (fit with the event-study aggregation)")
    raise TypeError("HonestDiD takes a MultiPeriodDiDResults, an EventStudyResults, an "
                    "event-study result with "
                    "event_study_vcov (CallawaySantAnna, SunAbraham) or a dict with betahat, "
                    f"sigma and num_pre_periods; got {type(results).__name__}")


class HonestDiD(Estimator):
    """diff-diff's ``HonestDiD(method, M, alpha, l_vec)`` with R HonestDiD's intervals.

    method: ``"smoothness"`` (Delta^SD(M)), ``"relative_magnitude"`` (Delta^RM(Mbar)) or
    ``"combined"`` (R's Delta^SDRM(Mbar): post second differences at most Mbar times the largest
    pre-period one; needs 2+ pre-periods). M: the restriction size (default 1 for relative
    magnitudes and combined, 0 for smoothness). l_vec: weights on the post periods defining
    theta = l'tau_post; None is R's default, the first post period (e = 0 in an event study by
    event time, where anticipated periods come first); ``"average"`` is diff-diff's default,
    their mean. ci_method (R's method): smoothness ``"FLCI"`` (default), ``"Conditional"``,
    ``"C-F"`` or ``"C-LF"``; relative magnitudes and combined ``"C-LF"`` (default) or
    ``"Conditional"``. grid_points: the test-inversion grid (R's 1000, on +-20 sd of
    l'betahat_post, around the identified set at beta = 0 for smoothness, or the FLCI at size
    alpha / 10 for C-F); grid_lb / grid_ub: its ends instead (R's grid.lb / grid.ub: R's
    relative-magnitudes grid is centred on 0, so an effect over 20 sd from 0 needs them, or its
    set comes out empty). With one post period the tests have no nuisance parameter (R's
    .APR_computeCI_NoNuis)."""

    _params = ("method", "M", "alpha", "l_vec", "ci_method", "grid_points", "grid_lb", "grid_ub")

    def __init__(self, method="relative_magnitude", M=None, alpha=0.05, l_vec=None,
                 ci_method=None, grid_points=1000, grid_lb=None, grid_ub=None):
        self.method, self.alpha, self.l_vec = method, alpha, l_vec
        self.M = (0.0 if method == "smoothness" else 1.0) if M is None else M
        self.ci_method, self.grid_points = ci_method, grid_points
        self.grid_lb, self.grid_ub = grid_lb, grid_ub
        self._check()

    def _check(self):
        if self.method not in _METHODS:
            raise ValueError(f"method must be 'smoothness', 'relative_magnitude' or 'combined', "
                             f"got {self.method!r}")
        if not self.M >= 0:
            raise ValueError(f"M must be non-negative, got M={self.M}")
        if not 0 < self.alpha < 1:
            raise ValueError(f"alpha must be between 0 and 1, got alpha={self.alpha}")
        ci = self._ci()
        if ci not in _CI_METHODS[self.method]:
            raise ValueError(f"ci_method={ci!r}: method {self.method!r} takes "
                             + " or ".join(repr(c) for c in _CI_METHODS[self.method]))

    def _ci(self):
        if self.ci_method is not None:
            return self.ci_method
        return "FLCI" if self.method == "smoothness" else "C-LF"

    def _run(self, results, Ms):
        self._check()
        b, V, pre, post, first = _event_study(results)
        npost = len(post)
        if self.l_vec is None:
            l, label = np.eye(npost)[first], "First post-treatment effect (on-impact)"
        elif isinstance(self.l_vec, str) and self.l_vec == "average":
            l, label = np.full(npost, 1.0 / npost), "Equal-weight avg over post horizons"
        else:
            l, label = np.asarray(self.l_vec, dtype=float), f"Custom l_vec ({list(self.l_vec)})"
            if l.shape != (npost,):
                raise ValueError(f"l_vec must have length {npost}, got {len(l)}")
        r = _core.did_honest(b, V, len(pre), _METHODS[self.method], self._ci(),
                             np.asarray(Ms, dtype=float), l_vec=l, alpha=self.alpha,
                             grid_points=int(self.grid_points),
                             grid_lb=math.nan if self.grid_lb is None else float(self.grid_lb),
                             grid_ub=math.nan if self.grid_ub is None else float(self.grid_ub))
        Vp = V[len(pre):, len(pre):]
        est, se = float(l @ b[len(pre):]), float(math.sqrt(l @ Vp @ l))
        return r, est, se, label, pre, post

    def fit(self, results, M=None):
        """The identified set and robust interval at M (default the constructor's) for
        results, a fitted event study: a MultiPeriodDiDResults, a result with ``event_study_vcov`` /
        ``event_study_vcov_index`` (CallawaySantAnna, SunAbraham), or a dict with ``betahat``
        (pre periods first, the reference left out), ``sigma`` and ``num_pre_periods``.
        Returns a HonestDiDResults."""
        M = self.M if M is None else M
        if not M >= 0:
            raise ValueError(f"M must be non-negative, got M={M}")
        r, est, se, label, pre, post = self._run(results, [M])
        return HonestDiDResults(
            lb=float(r["id_lb"][0]), ub=float(r["id_ub"][0]), ci_lb=float(r["ci_lb"][0]),
            ci_ub=float(r["ci_ub"][0]), M=M, method=self.method, original_estimate=est,
            original_se=se, alpha=self.alpha, ci_method=self._ci(), target_label=label,
            pre_periods_used=list(pre), post_periods_used=list(post), original_results=results,
            original_ci=(r["orig_lb"], r["orig_ub"]), _estimator=copy.copy(self))

    def sensitivity_analysis(self, results, M_grid=None):
        """The intervals over M_grid (diff-diff's default grids) in one call to the library,
        and the breakdown value. Returns a SensitivityResults."""
        if M_grid is None:
            M_grid = ([0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0]
                      if self.method != "smoothness" else [0, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0])
        Ms = np.asarray(M_grid, dtype=float)
        if np.any(~(Ms >= 0)):
            raise ValueError(f"M must be non-negative; M_grid has a negative value: {M_grid}")
        r, est, se, _, _, _ = self._run(results, Ms)
        cis = list(zip(map(float, r["ci_lb"]), map(float, r["ci_ub"])))
        covers = [_covers_zero(c) for c in cis]
        brk = None
        if any(covers):
            i = covers.index(True)
            if i == 0:
                brk = float(Ms[0])
            else:
                lo, hi = float(Ms[i - 1]), float(Ms[i])
                for _ in range(20):
                    mid = (lo + hi) / 2
                    if _covers_zero(self._ci_at(results, mid)):
                        hi = mid
                    else:
                        lo = mid
                brk = (lo + hi) / 2
        return SensitivityResults(M_values=Ms, bounds=list(zip(map(float, r["id_lb"]),
                                                               map(float, r["id_ub"]))),
                                  robust_cis=cis, breakdown_M=brk, method=self.method,
                                  original_estimate=est, original_se=se, alpha=self.alpha)

    def _ci_at(self, results, M):
        r = self._run(results, [M])[0]
        return float(r["ci_lb"][0]), float(r["ci_ub"][0])

    def breakdown_value(self, results, tol=0.01):
        """The least M (to tol, by bisection on [0, 10]) whose robust interval holds zero; 0.0
        if the interval at M = 0 does; None if the one at M = 10 does not."""
        if _covers_zero(self._ci_at(results, 0.0)):
            return 0.0
        if not _covers_zero(self._ci_at(results, 10.0)):
            return None
        lo, hi = 0.0, 10.0
        while hi - lo > tol:
            mid = (lo + hi) / 2
            if _covers_zero(self._ci_at(results, mid)):
                hi = mid
            else:
                lo = mid
        return (lo + hi) / 2


def _covers_zero(ci):
    lo, hi = ci
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return True  # an undefined (or empty) interval is not "significant", as diff-diff
    return lo <= 0 <= hi


def compute_honest_did(results, method="relative_magnitude", M=1.0, alpha=0.05, l_vec=None):
    """HonestDiD(method, M, alpha, l_vec).fit(results). Returns a HonestDiDResults."""
    return HonestDiD(method=method, M=M, alpha=alpha, l_vec=l_vec).fit(results)


def sensitivity_plot(results, method="relative_magnitude", M_grid=None, alpha=0.05, ax=None,
                     **kwargs):
    """HonestDiD(method, alpha=alpha).sensitivity_analysis(results, M_grid).plot(ax, **kwargs)
    (kwargs: color). Returns the matplotlib axes."""
    s = HonestDiD(method=method, alpha=alpha).sensitivity_analysis(results, M_grid=M_grid)
    return s.plot(ax=ax, **kwargs)
