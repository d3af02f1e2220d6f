"""Difference-in-differences with diff-diff's class names and arguments over kestrel's C core.

    >>> from kestrel.did import CallawaySantAnna
    >>> res = CallawaySantAnna(control_group="not_yet_treated").fit(
    ...     df, outcome="lemp", unit="countyreal", time="year", first_treat="first.treat",
    ...     aggregate="all")
    >>> res.print_summary()

Estimates, influence functions, standard errors, bootstrap draws and aggregations are computed in
C; this module shapes arguments and results.
"""
from __future__ import annotations

import math

import numpy as np

from _kestrel import _core
from _kestrel import did_checks as checks
from _kestrel import validate
from _kestrel.did_regression import (DiDResults, DifferenceInDifferences, MultiPeriodDiD,  # noqa: F401
                             MultiPeriodDiDResults, TwoWayFixedEffects)
from _kestrel.did_sdid import SyntheticDiD, SyntheticDiDResults  # noqa: F401
from _kestrel.did_sunab import SunAbraham, SunAbrahamResults  # noqa: F401
from _kestrel.did_bacon import (BaconDecomposition, BaconDecompositionResults,  # noqa: F401
                        Comparison2x2, bacon_decompose)
from _kestrel.did_diagnostics import (PlaceboTestResults, leave_one_out_test,  # noqa: F401
                              permutation_test, placebo_group_test, placebo_timing_test,
                              run_all_placebo_tests, run_placebo_test)
from _kestrel.did_honest import (DeltaRM, DeltaSD, HonestDiD, HonestDiDResults,  # noqa: F401
                                 SensitivityResults, compute_honest_did, sensitivity_plot)
from _kestrel.did_base import Estimator, Results
from _kestrel.regress import _columns
from _kestrel.summary import Summary

__all__ = [
    "CallawaySantAnna", "CallawaySantAnnaResults", "DifferenceInDifferences",
    "TwoWayFixedEffects", "MultiPeriodDiD", "DiDResults", "MultiPeriodDiDResults", "SyntheticDiD",
    "SyntheticDiDResults", "SunAbraham", "SunAbrahamResults", "BaconDecomposition",
    "BaconDecompositionResults", "Comparison2x2", "bacon_decompose", "PlaceboTestResults",
    "placebo_timing_test", "placebo_group_test", "permutation_test", "leave_one_out_test",
    "run_placebo_test", "run_all_placebo_tests", "plot_event_study"]
__all__ += ["HonestDiD", "HonestDiDResults", "SensitivityResults", "DeltaSD", "DeltaRM",
            "compute_honest_did", "sensitivity_plot"]

def _effect_dict(r, i, sfx="", **extra):
    """Estimate i of the arrays att<sfx> / se<sfx> in r with the library's normal test and
    interval (t_stat<sfx>, p_value<sfx>, ci_lower<sfx>, ci_upper<sfx>); i None: the scalars."""
    def get(k):
        return float(r[k + sfx] if i is None else r[k + sfx][i])
    att = "att" if i is None else "att" + sfx
    d = {"effect": float(r[att] if i is None else r[att][i]),
         "se": float(r["se"] if i is None else r["se" + sfx][i]),
         "t_stat": get("t_stat"), "p_value": get("p_value"),
         "conf_int": (get("ci_lower"), get("ci_upper"))}
    d.update(extra)
    return d


class CallawaySantAnnaResults(Results):
    """Group-time effects ATT(g,t), their aggregations, and inference.

    Fields follow diff-diff: ``group_time_effects`` {(g, t): {effect, se, t_stat, p_value,
    conf_int, n_treated, n_control}}, ``overall_att`` (the simple aggregation) with its se, t,
    p-value and interval, ``event_study_effects`` {e: {...}}, ``group_effects`` {g: {...}} and
    ``calendar_effects`` {t: {...}} when asked for, ``influence_functions`` (units x cells),
    ``cband_crit_value``, R did's Wald pre-test (``pretest_stat``, ``pretest_df``,
    ``pretest_pvalue``), and ``seed`` (the bootstrap's: the one given, or the one drawn).
    """

    def __init__(self, est, raw, aggregate, balance_e, min_e, max_e):
        self._est = est
        self._raw = raw
        self._fit = raw["fit"]
        self.alpha = est.alpha
        self.control_group = est.control_group
        self.base_period = est.base_period
        self.estimation_method = est.estimation_method
        self.anticipation = est.anticipation
        self.panel = bool(est.panel)
        self.seed = est.seed
        self.notes = [msg for _, msg in raw["notes"]]
        g, t = raw["group"], raw["time"]
        self.groups = [_num(x) for x in np.unique(g)]
        self.n_units = raw["nunits"]
        self.n_periods = raw["nperiods"]
        self.n_clusters = raw["nclusters"]
        self.cband_crit_value = raw["crit"] if est.cband else None
        self._cells = None
        self.time_periods = [_num(x) for x in np.unique(t)]
        self._pretest = None
        self.n_bootstrap = est.n_bootstrap
        self._window = dict(balance_e=balance_e, min_e=min_e, max_e=max_e)
        self.event_study_effects = None
        self.group_effects = None
        self.calendar_effects = None
        simple = self.aggregate("simple")
        self.overall_att = simple["att"]
        self.overall_se = simple["se"]
        self.overall_t_stat, self.overall_p_value = simple["t_stat"], simple["p_value"]
        self.overall_conf_int = (simple["ci_lower"], simple["ci_upper"])
        if aggregate is None or aggregate == "simple":
            kinds = []
        elif aggregate == "all":
            kinds = ["event_study", "group", "calendar"]
        elif isinstance(aggregate, str):
            kinds = [aggregate]
        else:
            kinds = list(aggregate)
        for kind in kinds:
            self.aggregate(kind, **self._window)

    @property
    def group_time_effects(self):
        """{(g, t): {effect, se, t_stat, p_value, conf_int, n_treated, n_control, post}}, built
        from the fit's arrays on first use."""
        if self._cells is None:
            raw = self._raw
            g, t = raw["group"], raw["time"]
            self._cells = {
                (_num(g[i]), _num(t[i])): _effect_dict(
                    raw, i, n_treated=int(raw["n_treated"][i]),
                    n_control=int(raw["n_control"][i]), post=bool(raw["post"][i]))
                for i in range(len(g))}
        return self._cells

    @property
    def influence_functions(self):
        """The cells' influence functions, units x cells (R's inffunc): row i is the unit whose
        first row in the data is ``unit_rows[i]``."""
        return _core.did_cs_inffunc(self._fit)

    def _wald(self):
        if self._pretest is None:
            self._pretest = _core.did_cs_pretest(self._fit)
            self.notes.extend(msg for _, msg in self._pretest["notes"])
        return self._pretest

    @property
    def pretest_stat(self):
        """R did's Wald pre-test of parallel trends over the pre-treatment cells: W."""
        return self._wald()["stat"]

    @property
    def pretest_df(self):
        return self._wald()["df"]

    @property
    def pretest_pvalue(self):
        """P(chi2_df > W), unrounded (R's att_gt rounds it to 5 digits)."""
        return self._wald()["pvalue"]

    @property
    def unit_rows(self):
        return self._raw["unit_row"]

    def aggregate(self, type="simple", balance_e=None, min_e=None, max_e=None):
        """Aggregate the cells as R did's aggte: ``type`` ``simple``, ``event_study``
        (``dynamic``), ``group`` or ``calendar``; for the event study ``balance_e`` (only
        cohorts observed e periods after treatment), ``min_e`` / ``max_e`` (the event times
        kept). Stores the elements in ``event_study_effects``, ``group_effects`` or
        ``calendar_effects`` and returns the raw aggregation (att, se, crit, e, att_e,
        se_e)."""
        kind = checks.enum_value("type", type, "did_agg_type")
        agg = _core.did_cs_aggregate(
            self._fit, kind,
            min_e=-math.inf if min_e is None else float(min_e),
            max_e=math.inf if max_e is None else float(max_e),
            balance_e=-1 if balance_e is None else int(balance_e),
            threads=validate.threads(self._est.threads))
        self.notes.extend(msg for _, msg in agg["notes"])
        checks.warn_notes(agg["notes"])
        elems = {_num(e): _effect_dict(agg, i, "_e") for i, e in enumerate(agg["e"])}
        overall = _effect_dict(agg, None)
        if kind == 1:
            self.event_study_effects = elems
            self.event_study_overall = overall
            self.event_study_crit_value = agg["crit"]
        elif kind == 2:
            self.group_effects = elems
            self.group_overall = overall
        elif kind == 3:
            self.calendar_effects = elems
            self.calendar_overall = overall
        return agg

    def to_dataframe(self, level="group_time"):
        """One row per cell (``level`` ``group_time``) or per element of an aggregation
        (``event_study``, ``group``, ``calendar``): a pandas DataFrame."""
        import pandas as pd

        if level == "group_time":
            rows = [{"group": g, "time": t, **_flat(d)}
                    for (g, t), d in self.group_time_effects.items()]
            return pd.DataFrame(rows)
        attr = {"event_study": ("event_study_effects", "relative_period"),
                "group": ("group_effects", "group"),
                "calendar": ("calendar_effects", "time")}
        if level not in attr:
            raise ValueError(f"level={level!r}: expected 'group_time', 'event_study', 'group' "
                             "or 'calendar'")
        name, key = attr[level]
        effects = getattr(self, name)
        if effects is None:
            effects = self.aggregate(level) and getattr(self, name)
        return pd.DataFrame([{key: k, **_flat(d)} for k, d in effects.items()])

    def to_dict(self):
        """The results as plain Python types (JSON-serializable)."""
        def conv(d):
            return None if d is None else {str(k): _jsonable(v) for k, v in d.items()}

        return {
            "overall_att": self.overall_att, "overall_se": self.overall_se,
            "overall_t_stat": self.overall_t_stat, "overall_p_value": self.overall_p_value,
            "overall_conf_int": list(self.overall_conf_int), "alpha": self.alpha,
            "control_group": self.control_group, "base_period": self.base_period,
            "estimation_method": self.estimation_method, "anticipation": self.anticipation,
            "n_units": self.n_units, "n_periods": self.n_periods,
            "group_time_effects": conv(self.group_time_effects),
            "event_study_effects": conv(self.event_study_effects),
            "group_effects": conv(self.group_effects),
            "calendar_effects": conv(self.calendar_effects),
            "pretest": {"stat": self.pretest_stat, "df": self.pretest_df,
                        "p_value": self.pretest_pvalue},
            "cband_crit_value": self.cband_crit_value, "seed": self.seed,
        }

    def summary(self):
        """The overall effect, the cells, the pre-test and the aggregations asked for.
        Returned (a str that a REPL or notebook shows as the tables); ``print_summary()``
        prints it."""
        a = self.alpha
        lines = [
            "Callaway & Sant'Anna (2021) group-time average treatment effects",
            f"  units {self.n_units}, periods {self.n_periods}, control group "
            f"{self.control_group}, method {self.estimation_method}, base period "
            f"{self.base_period}, anticipation {self.anticipation}",
            f"  inference: {'multiplier bootstrap, %d draws' % self.n_bootstrap if self.n_bootstrap else 'analytical (influence functions)'}",
            "",
            f"Overall ATT (simple): {self.overall_att:.6f}  se {self.overall_se:.6f}  "
            f"[{self.overall_conf_int[0]:.6f}, {self.overall_conf_int[1]:.6f}]  "
            f"p {self.overall_p_value:.4g}",
            "",
            _table(["group", "time"], [(g, t) for g, t in self.group_time_effects],
                   list(self.group_time_effects.values()), a),
        ]
        if np.isfinite(self.pretest_pvalue):
            lines.append(f"Wald pre-test of parallel trends: W = {self.pretest_stat:.4f}, "
                         f"df = {self.pretest_df}, p = {self.pretest_pvalue:.5f}")
        for title, eff, key in (("Event study", self.event_study_effects, "e"),
                                ("By cohort", self.group_effects, "group"),
                                ("By calendar period", self.calendar_effects, "time")):
            if eff:
                lines += ["", title, _table([key], [(k,) for k in eff], list(eff.values()), a)]
        return Summary("\n".join(lines))

    def plot(self, ax=None, **kw):
        """Event-study plot (matplotlib)."""
        from _kestrel.did_plot import plot_event_study

        return plot_event_study(self, ax=ax, **kw)

    def __repr__(self):
        return (f"CallawaySantAnnaResults(overall_att={self.overall_att:.6g}, "
                f"overall_se={self.overall_se:.6g}, cells={len(self.group_time_effects)})")


def _num(x):
    x = float(x)
    return int(x) if x.is_integer() else x


def _flat(d):
    out = {k: v for k, v in d.items() if k != "conf_int"}
    out["conf_int_lower"], out["conf_int_upper"] = d["conf_int"]
    return out


def _jsonable(v):
    if isinstance(v, dict):
        return {k: _jsonable(x) for k, x in v.items()}
    if isinstance(v, tuple):
        return [_jsonable(x) for x in v]
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


def _table(keys, index, effects, alpha):
    head = "".join(f"{k:>10}" for k in keys)
    pct = f"{100 * (1 - alpha):g}%"
    head += f"{'estimate':>12}{'std.err':>12}{'t':>9}{'p':>9}  {pct + ' interval':>25}"
    rows = [head]
    for ix, d in zip(index, effects):
        lo, hi = d["conf_int"]
        rows.append("".join(f"{x:>10g}" for x in ix) +
                    f"{d['effect']:12.6f}{d['se']:12.6f}{d['t_stat']:9.3f}{d['p_value']:9.4f}"
                    f"  [{lo:10.6f}, {hi:10.6f}]")
    return "\n".join(rows)


class CallawaySantAnna(Estimator):
    """Callaway & Sant'Anna (2021) staggered difference-in-differences, computed as R did's
    ``att_gt`` and ``aggte`` compute it (same cells, same estimates, same standard errors).

    Parameters follow diff-diff: ``control_group`` ('never_treated' | 'not_yet_treated'),
    ``anticipation``, ``estimation_method`` ('dr' | 'ipw' | 'reg'), ``alpha``, ``cluster`` (a
    column coarser than the unit), ``n_bootstrap`` (0: analytical SEs), ``bootstrap_weights``
    ('rademacher' | 'mammen' | 'webb'), ``seed``, ``base_period`` ('varying' | 'universal'),
    ``cband`` (uniform sup-t bands; with the bootstrap), ``panel`` (False: repeated
    cross-sections, every row its own observation), ``allow_unbalanced_panel`` (keep units
    missing some periods, R's unbalanced estimator), ``rank_deficient_action`` (accepted for
    diff-diff's signature), ``threads`` (None or 0: every core, fewer for small work).
    """

    _params = (
        "control_group", "anticipation", "estimation_method", "alpha", "cluster", "n_bootstrap",
        "bootstrap_weights", "seed", "rank_deficient_action", "base_period", "cband", "panel",
        "allow_unbalanced_panel", "threads")

    def __init__(self, control_group="never_treated", anticipation=0, estimation_method="dr",
                 alpha=0.05, cluster=None, n_bootstrap=0, bootstrap_weights="rademacher",
                 seed=None, rank_deficient_action="warn", base_period="varying", cband=True,
                 panel=True, allow_unbalanced_panel=False, threads=0):
        self.control_group = control_group
        self.anticipation = anticipation
        self.estimation_method = estimation_method
        self.alpha = alpha
        self.cluster = cluster
        self.n_bootstrap = n_bootstrap
        self.bootstrap_weights = bootstrap_weights
        self.seed = seed
        self.rank_deficient_action = rank_deficient_action
        self.base_period = base_period
        self.cband = cband
        self.panel = panel
        self.allow_unbalanced_panel = allow_unbalanced_panel
        self.threads = threads

    def fit(self, data, outcome, unit, time, first_treat, covariates=None, aggregate=None,
            balance_e=None, weights=None, min_e=None, max_e=None):
        """Estimate every ATT(g,t). ``data``: a DataFrame (or dict of arrays); ``outcome``,
        ``unit``, ``time``: column names; ``first_treat`` is 0 (or inf) for never-treated units;
        ``covariates`` enter the propensity score and outcome models (values of the base
        period); ``weights`` names a sampling-weight column; ``aggregate`` is None, 'simple',
        'event_study', 'group', 'calendar', 'all', or a list of them, with ``balance_e``,
        ``min_e``, ``max_e`` for the event study (see ``aggregate``). Returns a
        CallawaySantAnnaResults."""
        if isinstance(covariates, str):
            covariates = [covariates]
        checks.check_alpha(self.alpha)
        checks.check_count("n_bootstrap", self.n_bootstrap)
        checks.check_count("anticipation", self.anticipation)
        checks.check_rank_action(self.rank_deficient_action)
        seed = validate.seed(self.seed)
        n_boot = int(self.n_bootstrap)
        checks.few_bootstrap_draws(n_boot)
        cband = bool(self.cband) and n_boot > 0
        cols = _columns(data)
        raw = _core.did_cs(
            cols, outcome, time, unit, first_treat,
            control=checks.enum_value("control_group", self.control_group, "did_control"),
            method=checks.enum_value("estimation_method", self.estimation_method,
                                     "did_method"),
            base=checks.enum_value("base_period", self.base_period, "did_base"),
            anticipation=int(self.anticipation),
            covariates=None if covariates is None else tuple(covariates),
            weights=weights, cluster=self.cluster, alpha=float(self.alpha),
            n_bootstrap=n_boot,
            boot_kind=checks.enum_value("bootstrap_weights", self.bootstrap_weights,
                                       "did_boot_weights"),
            seed=seed, cband=cband, threads=validate.threads(self.threads), panel=bool(self.panel),
            allow_unbalanced=bool(self.allow_unbalanced_panel))
        _warn_fit_notes(raw["notes"], self.rank_deficient_action)
        est = _Frozen(self, cband, seed)
        return CallawaySantAnnaResults(est, raw, aggregate, balance_e, min_e, max_e)


def _warn_fit_notes(notes, rank_action):
    """The C fit's warnings as Python warnings; a covariate dropped as collinear follows
    rank_deficient_action (diff-diff's)."""
    dropped = [m for lv, m in notes if "(rank deficiency): dropped" in m]
    if dropped and rank_action == "error":
        raise ValueError("rank-deficient covariates: " + "; ".join(dropped))
    checks.warn_notes([(lv, m) for lv, m in notes
                       if rank_action != "silent" or m not in dropped])


def plot_event_study(results, **kw):
    """Event-study plot of ``results`` (a CallawaySantAnnaResults or SunAbrahamResults;
    matplotlib): estimates and intervals by event time. Keywords: ax, title, color,
    reference_line. Returns the matplotlib Axes."""
    from _kestrel.did_plot import plot_event_study as _plot

    return _plot(results, **kw)


class _Frozen:
    """The estimator's settings at fit time."""

    def __init__(self, est, cband, seed):
        self.__dict__.update(est.get_params())
        self.cband, self.seed = cband, seed


for _name in __all__:  # help() and reprs name them where users find them
    if getattr(globals()[_name], "__module__", "").startswith("_kestrel."):
        globals()[_name].__module__ = __name__
