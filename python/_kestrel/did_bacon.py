"""The Goodman-Bacon (2021) decomposition of the two-way fixed-effects DiD estimate (diff-diff's
``BaconDecomposition``): every 2x2 comparison of timing groups with its estimate and weight.
The work is in C (src/did/bacon.c); this module shapes arguments and results."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, List, Tuple

import numpy as np

from . import _core
from . import did_checks as checks
from .did_base import Estimator, Results
from .summary import Summary
from .regress import _columns

_TYPES = tuple(_core.enum_name("did_bacon_type", v) for v in range(3))  # in value order


@dataclass
class Comparison2x2:
    """One 2x2 comparison: ``treated_group`` and ``control_group`` (first treated periods;
    ``"never_treated"`` for the untreated, never plus always treated), ``comparison_type``,
    ``estimate``, ``weight``, ``n_treated`` / ``n_control`` (observations in the window) and
    ``time_window`` (first, last period compared)."""
    treated_group: Any
    control_group: Any
    comparison_type: str
    estimate: float
    weight: float
    n_treated: int
    n_control: int
    time_window: Tuple[float, float]


class BaconDecompositionResults(Results):
    """``twfe_estimate``, ``comparisons`` (a list of :class:`Comparison2x2`), the total weight
    and weighted average estimate of each comparison type, ``timing_groups``,
    ``n_timing_groups``, ``n_never_treated``, ``n_always_treated_remapped``, ``n_obs``,
    ``decomposition_error`` (TWFE minus the weighted sum of the estimates)."""

    def __init__(self, r):
        def group(g):  # periods as integers where they are
            return "never_treated" if np.isinf(g) else (int(g) if float(g).is_integer()
                                                         else float(g))
        self.comparisons: List[Comparison2x2] = [
            Comparison2x2(group(r["treated"][c]), group(r["control"][c]),
                          _TYPES[int(r["type"][c])], float(r["estimate"][c]),
                          float(r["weight"][c]), int(r["n_treated"][c]), int(r["n_control"][c]),
                          (float(r["window_start"][c]), float(r["window_end"][c])))
            for c in range(len(r["estimate"]))]
        self.twfe_estimate = r["twfe"]
        self.decomposition_error = r["decomposition_error"]
        self.n_timing_groups = r["n_groups"]
        self.n_never_treated = r["n_never"]
        self.n_always_treated_remapped = r["n_always"]
        self.n_obs = r["nobs"]
        self.timing_groups = sorted({c.treated_group for c in self.comparisons})
        for t in _TYPES:
            w = sum(c.weight for c in self.comparisons if c.comparison_type == t)
            s = sum(c.weight * c.estimate for c in self.comparisons if c.comparison_type == t)
            setattr(self, f"total_weight_{t}", w)
            setattr(self, f"weighted_avg_{t}", s / w if w > 0 else None)

    def weight_by_type(self):
        """{comparison type: its total weight} (diff-diff's)."""
        return {t: float(getattr(self, f"total_weight_{t}")) for t in _TYPES}

    def effect_by_type(self):
        """{comparison type: its weighted average estimate, None without comparisons}."""
        return {t: getattr(self, f"weighted_avg_{t}") for t in _TYPES}

    def to_dataframe(self):
        """One row per 2x2 comparison."""
        import pandas as pd
        return pd.DataFrame([{"treated_group": c.treated_group, "control_group": c.control_group,
                              "comparison_type": c.comparison_type, "estimate": c.estimate,
                              "weight": c.weight, "n_treated": c.n_treated,
                              "n_control": c.n_control, "time_start": c.time_window[0],
                              "time_end": c.time_window[1]} for c in self.comparisons])

    def to_dict(self):
        d = {k: getattr(self, k) for k in (
            "twfe_estimate", "decomposition_error", "n_timing_groups", "n_never_treated",
            "n_always_treated_remapped", "n_obs")}
        for t in _TYPES:
            d[f"total_weight_{t}"] = getattr(self, f"total_weight_{t}")
            d[f"weighted_avg_{t}"] = getattr(self, f"weighted_avg_{t}")
        d["comparisons"] = [vars(c).copy() for c in self.comparisons]
        return d

    def summary(self):
        """The TWFE estimate, the weight and average of each comparison type and every
        comparison. Returned; ``print_summary()`` prints it."""
        lines = ["Goodman-Bacon decomposition of two-way fixed effects",
                 f"  TWFE estimate {self.twfe_estimate:.6f}  ({self.n_timing_groups} timing "
                 f"groups, {self.n_never_treated} never treated, "
                 f"{self.n_always_treated_remapped} always treated; {self.n_obs} observations)",
                 "", f"  {'comparison type':<20}{'weight':>10}{'avg estimate':>14}"]
        for t in _TYPES:
            w, a = getattr(self, f"total_weight_{t}"), getattr(self, f"weighted_avg_{t}")
            lines.append(f"  {t:<20}{w:10.4f}" + (f"{a:14.6f}" if a is not None else f"{'-':>14}"))
        lines += ["", f"  {'treated':>10}{'control':>15}{'type':>20}{'estimate':>12}{'weight':>10}"]
        for c in self.comparisons:
            lines.append(f"  {c.treated_group!s:>10}{c.control_group!s:>15}"
                         f"{c.comparison_type:>20}{c.estimate:12.6f}{c.weight:10.4f}")
        lines.append(f"\n  decomposition error {self.decomposition_error:.3g}")
        return Summary("\n".join(lines))

    def plot(self, ax=None):
        """Estimate against weight, one colour per comparison type (matplotlib)."""
        import matplotlib.pyplot as plt
        if ax is None:
            _, ax = plt.subplots()
        for t, col in zip(_TYPES, ("#1f5fbf", "#d95f02", "#7570b3")):
            cs = [c for c in self.comparisons if c.comparison_type == t]
            if cs:
                ax.scatter([c.weight for c in cs], [c.estimate for c in cs], label=t, color=col)
        ax.axhline(self.twfe_estimate, color="black", linestyle="--", linewidth=1,
                   label="TWFE")
        ax.set_xlabel("weight")
        ax.set_ylabel("2x2 estimate")
        ax.legend()
        return ax

    def __repr__(self):
        return (f"BaconDecompositionResults(twfe_estimate={self.twfe_estimate:.6g}, "
                f"comparisons={len(self.comparisons)})")


class BaconDecomposition(Estimator):
    """diff-diff's ``BaconDecomposition``: ``fit(data, outcome, unit, time, first_treat)`` on a
    balanced panel (first_treat 0 or Inf: never treated). ``weights`` 'exact' or 'approximate'
    are accepted for diff-diff's API; on a balanced panel Goodman-Bacon's weights are exact, and
    both give them."""

    _params = ("weights",)

    def __init__(self, weights="exact"):
        self.weights = weights
        if weights not in ("exact", "approximate"):
            raise ValueError(f"weights={weights!r}: expected 'exact' or 'approximate'")

    def fit(self, data, outcome, unit, time, first_treat):
        """Decompose the TWFE estimate. data: a DataFrame (or dict of arrays) with a balanced
        panel; outcome, unit, time, first_treat (first treated period; 0 or Inf: never
        treated): column names. Returns a BaconDecompositionResults."""
        if self.weights not in ("exact", "approximate"):
            raise ValueError(f"weights={self.weights!r}: expected 'exact' or 'approximate'")
        r = _core.bacon(_columns(data, (outcome, unit, time, first_treat)), outcome, unit, time,
                        first_treat)
        checks.warn_notes(r["notes"])
        return BaconDecompositionResults(r)


def bacon_decompose(data, outcome, unit, time, first_treat, weights="exact"):
    """Functional form of :class:`BaconDecomposition`: BaconDecomposition(weights).fit(data,
    outcome, unit, time, first_treat). Returns a BaconDecompositionResults."""
    return BaconDecomposition(weights=weights).fit(data, outcome, unit, time, first_treat)
