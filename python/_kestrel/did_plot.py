"""Event-study plots (matplotlib, an optional dependency) with diff-diff 3.13's
``plot_event_study`` signature: a results object (MultiPeriodDiD, CallawaySantAnna, SunAbraham,
EventStudyResults), a DataFrame with columns period, effect, se (optionally conf_int_lower /
conf_int_upper), or ``effects`` / ``se`` dicts."""
from __future__ import annotations

import math
import warnings

import numpy as np

from . import _core


def _rows_from_results(results, use_cband):
    """[(period, effect, se, lo, hi)], reference period, pre, post of a results object."""
    if hasattr(results, "event_time") and hasattr(results, "is_reference"):  # EventStudyResults
        rows = [(p.item() if hasattr(p, "item") else p, float(a), float(s), float(lo), float(hi))
                for p, a, s, lo, hi in zip(results.event_time, results.att, results.se,
                                           results.conf_int_lower, results.conf_int_upper)]
        refs = results.reference_periods
        post = list(getattr(results, "post_periods", None) or [])
        pre = [r[0] for r in rows if post and r[0] not in post]
        return rows, (refs[0] if len(refs) == 1 else None), pre, post
    pe = getattr(results, "period_effects", None)
    if isinstance(pe, dict) and pe:  # MultiPeriodDiDResults
        rows = [(p, e.effect, e.se, e.conf_int[0], e.conf_int[1]) for p, e in pe.items()]
        ref = results.reference_period
        if ref is not None and ref not in pe:
            rows.append((ref, 0.0, float("nan"), float("nan"), float("nan")))
        rows.sort(key=lambda r: r[0])
        return rows, ref, list(results.pre_periods), list(results.post_periods)
    effects = getattr(results, "event_study_effects", None)
    if effects is None and hasattr(results, "aggregate"):  # CS without the event study
        results.aggregate("event_study")
        effects = results.event_study_effects
    if not effects:
        raise ValueError("these results have no event-study effects to plot")
    # diff-diff's marker of a normalisation row: nothing counted in it (n_obs or n_groups 0);
    # without one, the omitted e = -1 of a regression event study
    marked = [e for e, d in effects.items()
              if d.get("n_obs", d.get("n_groups")) == 0 and d["effect"] == 0]
    ref = marked[0] if len(marked) == 1 else (-1 if -1 not in effects else None)
    nan = float("nan")
    rows = []
    for e in sorted(effects):
        d = effects[e]
        ci = d.get("cband_conf_int") if use_cband else None
        lo, hi = ci if ci is not None else d["conf_int"]
        se = float(d.get("se", nan))
        rows.append((e, float(d["effect"]), se, lo, hi) if e != ref else (e, 0.0, nan, nan, nan))
    pre = [r[0] for r in rows if r[0] < 0]
    post = [r[0] for r in rows if r[0] >= 0]
    return rows, ref, pre, post


def _rows_from_frame(df, alpha):
    missing = {"period", "effect", "se"} - set(df.columns)
    if missing:
        raise ValueError(f"the DataFrame needs columns 'period', 'effect', 'se' (missing "
                         f"{sorted(missing)})")
    per = list(df["period"])
    eff = np.asarray(df["effect"], dtype=float)
    se = np.asarray(df["se"], dtype=float)
    if {"conf_int_lower", "conf_int_upper"} <= set(df.columns):
        lo = np.asarray(df["conf_int_lower"], float)
        hi = np.asarray(df["conf_int_upper"], float)
    else:
        _, _, lo, hi = _core.did_infer(eff, se, 0.0, alpha)
    return [(p, float(a), float(s), float(l), float(h))
            for p, a, s, l, h in zip(per, eff, se, lo, hi)]


def plot_event_study(results=None, *, effects=None, se=None, periods=None,
                     reference_period=None, pre_periods=None, post_periods=None, alpha=0.05,
                     figsize=(10, 6), title="Event Study",
                     xlabel="Period Relative to Treatment", ylabel="Treatment Effect",
                     color="#2563eb", marker="o", markersize=8, linewidth=1.5, capsize=4,
                     show_zero_line=True, show_reference_line=True, shade_pre=True,
                     shade_color="#f0f0f0", ax=None, show=True, use_cband=True,
                     backend="matplotlib"):
    """Plot event-study effects with their confidence intervals (diff-diff's signature).

    results: a MultiPeriodDiDResults, CallawaySantAnnaResults (its event study is computed if
    it was not asked for), SunAbrahamResults, EventStudyResults, or a DataFrame with columns
    period, effect, se [, conf_int_lower, conf_int_upper]; or None with ``effects`` and ``se``
    dicts {period: value}. Intervals from se alone are normal at ``alpha``; stored intervals
    are drawn as stored (uniform bands when ``use_cband`` and the fit has them).
    ``reference_period`` given: the effects are normalised to it (its effect subtracted, its
    interval dropped); inferred from the results: its marker is hollow. Returns the
    matplotlib Axes (``show``: plt.show() at the end). backend='plotly' is not supported.

    periods: the periods drawn (default all); pre_periods / post_periods: which are before /
    after treatment (default from the results; the pre periods are shaded when
    ``shade_pre``, in ``shade_color``); ax: the matplotlib Axes to draw on (default a new
    figure of ``figsize``); title, xlabel, ylabel: the labels; color, marker, markersize,
    linewidth, capsize: the points' and intervals' style; show_zero_line: a dashed line at
    0; show_reference_line: a dotted line at the reference period.
    """
    if backend != "matplotlib":
        if backend == "plotly":
            raise NotImplementedError("backend='plotly' is not supported by kestrel; use "
                                      "backend='matplotlib'")
        raise ValueError(f"backend={backend!r}: expected 'matplotlib' or 'plotly'")
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("plotting needs matplotlib: pip install matplotlib") from exc
    inferred_ref = None
    if results is None:
        if effects is None or se is None:
            raise ValueError("give results, or effects and se (dicts {period: value})")
        per = list(effects)
        eff = np.array([effects[p] for p in per], dtype=float)
        s = np.array([se.get(p, float("nan")) for p in per], dtype=float)
        _, _, lo, hi = _core.did_infer(eff, s, 0.0, alpha)
        rows = list(zip(per, eff, s, lo, hi))
    elif hasattr(results, "columns") and hasattr(results, "iloc"):  # a DataFrame
        rows = _rows_from_frame(results, alpha)
    else:
        rows, inferred_ref, pre0, post0 = _rows_from_results(results, use_cband)
        pre_periods = pre0 if pre_periods is None else pre_periods
        post_periods = post0 if post_periods is None else post_periods
        fit_alpha = getattr(results, "alpha", alpha)
        if fit_alpha != alpha:
            warnings.warn(f"alpha={alpha}: the results' stored intervals are drawn at the "
                          f"fit's alpha={fit_alpha}", UserWarning, stacklevel=2)
    if periods is not None:
        keep = set(periods)
        rows = [r for r in rows if r[0] in keep]
    if not rows:
        raise ValueError("no event-study effects to plot")
    ref = reference_period if reference_period is not None else inferred_ref
    if reference_period is not None:  # explicit: normalise to the reference period
        base = {r[0]: r[1] for r in rows}.get(reference_period)
        if base is None:
            rows.append((reference_period, 0.0, float("nan"), float("nan"), float("nan")))
            base = 0.0
        rows = [(p, a - base, (float("nan") if p == reference_period else s),
                 (float("nan") if p == reference_period else lo - base),
                 (float("nan") if p == reference_period else hi - base))
                for p, a, s, lo, hi in rows]
    try:
        rows.sort(key=lambda r: r[0])
    except TypeError:
        pass
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    xs = list(range(len(rows)))
    x_of = {r[0]: i for i, r in enumerate(rows)}
    if shade_pre and pre_periods:
        px = [x_of[p] for p in pre_periods if p in x_of]
        if px:
            ax.axvspan(min(px) - 0.5, max(px) + 0.5, color=shade_color, zorder=0)
    if show_zero_line:
        ax.axhline(0.0, color="gray", linestyle="--", linewidth=1, zorder=1)
    if show_reference_line and ref is not None and ref in x_of:
        ax.axvline(x_of[ref], color="gray", linestyle=":", linewidth=1, zorder=1)
    for x, (p, a, s, lo, hi) in zip(xs, rows):
        has_ci = math.isfinite(lo) and math.isfinite(hi)
        if has_ci:
            ax.errorbar(x, a, yerr=[[a - lo], [hi - a]], fmt="none", color=color,
                        linewidth=linewidth, capsize=capsize, zorder=2)
        hollow = p == ref
        ax.plot(x, a, marker=marker, markersize=markersize, color=color, zorder=3,
                markerfacecolor="white" if hollow else color)
    ax.set_xticks(xs)
    ax.set_xticklabels([str(r[0]) for r in rows])
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    if show:
        plt.show()
    return ax
