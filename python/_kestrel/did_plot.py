"""Event-study plots (matplotlib, an optional dependency)."""
from __future__ import annotations


def plot_event_study(results, ax=None, title=None, color="C0", reference_line=True):
    """Plot event-study effects with their confidence intervals (uniform bands when the fit
    used ``cband``). ``results`` is a CallawaySantAnnaResults (its event study is computed if it
    was not asked for at fit time) or any object with ``event_study_effects``
    {e: {effect, conf_int}}. Returns the matplotlib Axes."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("plotting needs matplotlib: pip install matplotlib") from exc
    effects = getattr(results, "event_study_effects", None)
    if effects is None and hasattr(results, "aggregate"):
        results.aggregate("event_study")
        effects = results.event_study_effects
    if not effects:
        raise ValueError("these results have no event-study effects to plot")
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4))
    es = sorted(effects)
    est = [effects[e]["effect"] for e in es]
    lo = [effects[e]["conf_int"][0] for e in es]
    hi = [effects[e]["conf_int"][1] for e in es]
    pre = [e < 0 for e in es]
    for flag, mark in ((True, "o"), (False, "s")):
        xs = [e for e, p in zip(es, pre) if p == flag]
        if not xs:
            continue
        ys = [y for y, p in zip(est, pre) if p == flag]
        err = [[y - l for y, l, p in zip(est, lo, pre) if p == flag],
               [h - y for y, h, p in zip(est, hi, pre) if p == flag]]
        ax.errorbar(xs, ys, yerr=err, fmt=mark, color=color if not flag else "0.45",
                    capsize=3, label="pre-treatment" if flag else "post-treatment")
    if reference_line:
        ax.axhline(0.0, color="0.6", lw=0.8)
        ax.axvline(-0.5, color="0.6", lw=0.8, ls="--")
    ax.set_xlabel("periods since treatment")
    ax.set_ylabel("ATT")
    ax.set_title(title or "Event study")
    ax.legend(frameon=False)
    return ax
