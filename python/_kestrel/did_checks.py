"""Argument checks and warnings shared by the kestrel.did estimators: the invalid arguments
diff-diff rejects are rejected here with a ValueError naming the argument, and the warnings the
C core logs (its KS_LOG_WARN notes: rows dropped, rank deficiency, limited overlap, an undefined
variance) reach Python as ``warnings.warn`` (notes.py) so that they are never silent."""
from __future__ import annotations

import numpy as np

from . import _core, validate
from . import notes as _notes
from .notes import warn  # noqa: F401  (the estimators' own warnings, pointed at the caller)

_RANK_ACTIONS = ("warn", "error", "silent")


def warn_notes(notes):
    """Each warning-level note of a C call, as a UserWarning, but for collinear columns
    (rank_deficient's)."""
    _notes.warn_notes(notes, skip=lambda msg: "because of collinearity" in msg)


def check_alpha(alpha):
    validate.real("alpha", alpha, "a number in (0, 1)", lambda v: 0 < v < 1)


def check_count(name, value, minimum=0):
    """An integer >= minimum (numpy integers too; not bool, float or None)."""
    validate.integer(name, value, minimum=minimum)


def check_choice(name, value, allowed):
    validate.choice(name, value, allowed)


def enum_value(name, value, enum):
    """The value of the word `value` given as argument `name` in the library's enumeration
    `enum` (its names and aliases, _core.enum_value); a ValueError naming the argument else."""
    if not isinstance(value, str):
        raise ValueError(f"{name}={value!r}: expected a string")
    try:
        return _core.enum_value(enum, value)
    except _core.KestrelError as e:
        raise ValueError(f"{name}={value!r}: {e}") from None


def check_rank_action(value):
    check_choice("rank_deficient_action", value, _RANK_ACTIONS)


def rank_deficient(action, dropped, what="design"):
    """diff-diff's rank_deficient_action on the columns a fit dropped as collinear."""
    if not dropped or action == "silent":
        return
    msg = (f"rank-deficient {what}: {len(dropped)} collinear column(s) dropped "
           f"({', '.join(map(repr, dropped))}); their coefficients are NaN")
    if action == "error":
        raise ValueError(msg)
    warn(msg)


def staggered_timing(cols, treatment, time, unit):
    """diff-diff's warning for a two-way fixed effects fit whose treated units start at
    different times (the first `time` with treatment == 1 differs across units): TWFE then
    mixes forbidden comparisons."""
    if any(c not in cols for c in (treatment, time, unit)):
        return  # the fit names the missing column
    d = np.asarray(cols[treatment])
    on = d == 1
    if not on.any():
        return
    u, t = np.asarray(cols[unit])[on], np.asarray(cols[time])[on]
    order = np.lexsort((t, u))
    u, t = u[order], t[order]
    first = t[np.r_[True, u[1:] != u[:-1]]]  # each unit's earliest treated period
    n = len(np.unique(first))
    if n > 1:
        warn(f"staggered treatment timing: the treated units start in {n} different periods of "
             f"'{time}'; two-way fixed effects then compares later- with earlier-treated units "
             "and is biased when effects vary over time. Consider CallawaySantAnna, or "
             "decompose() / BaconDecomposition to see the comparisons' weights")


def few_bootstrap_draws(n_bootstrap):
    """diff-diff's warning for a multiplier bootstrap with fewer than 50 draws."""
    if 0 < n_bootstrap < 50:
        warn(f"n_bootstrap={n_bootstrap} is low: bootstrap standard errors, intervals and "
             "p-values are unreliable with so few draws (199 or more is usual)")


def binary(values):
    """Is every non-missing value of a column 0 or 1 (False for text)?"""
    v = np.asarray(values)
    if v.dtype.kind not in "fiub":
        return False
    v = v[~np.isnan(v)] if v.dtype.kind == "f" else v
    return bool(np.isin(v, (0, 1)).all())


def epv_entry(events, k, threshold):
    """One propensity logit's events per variable (diff-diff's Peduzzi et al. 1996 check):
    events = min(cases, non-cases), k covariates (the intercept not counted)."""
    events = int(events)
    return {"epv": events / k, "n_events": events, "k": k, "is_low": events / k < threshold}


def epv_table(diagnostics, key_columns, show_all):
    """diff-diff's epv_summary frame: the key columns (a tuple key spread over them), epv,
    n_events, n_params, is_low; only the low entries unless show_all."""
    import pandas as pd

    cols = [*key_columns, "epv", "n_events", "n_params", "is_low"]
    rows = [[*(key if isinstance(key, tuple) else (key,)), d["epv"], d["n_events"], d["k"],
             d["is_low"]]
            for key, d in sorted((diagnostics or {}).items()) if show_all or d["is_low"]]
    return pd.DataFrame(rows, columns=cols)
