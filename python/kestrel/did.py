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
from _kestrel.did_regression import PeriodEffect  # noqa: F401
from _kestrel.did_plot import plot_event_study  # noqa: F401
from _kestrel.did_sdid import SyntheticDiD, SyntheticDiDResults  # noqa: F401
from _kestrel.did_sunab import SunAbraham, SunAbrahamResults  # noqa: F401
from _kestrel.did_imputation import (  # noqa: F401
    ImputationBootstrapResults, ImputationDiD, ImputationDiDResults, TwoStageBootstrapResults,
    TwoStageDiD, TwoStageDiDResults, imputation_did, two_stage_did)
from _kestrel.did_bacon import (BaconDecomposition, BaconDecompositionResults,  # noqa: F401
                        Comparison2x2, bacon_decompose)
from _kestrel.did_diagnostics import (PlaceboTestResults, leave_one_out_test,  # noqa: F401
                              permutation_test, placebo_group_test, placebo_timing_test,
                              run_all_placebo_tests, run_placebo_test)
from _kestrel.did_stacked import (StackedDiD, StackedDiDResults, TripleDifference,  # noqa: F401
                                  TripleDifferenceResults, stacked_did, triple_difference,
                                  Stacked, DDD)
from _kestrel.did_honest import (DeltaRM, DeltaSD, DeltaSDRM, HonestDiD, HonestDiDResults,  # noqa: F401
                                 SensitivityResults, compute_honest_did, sensitivity_plot)
from _kestrel.did_base import Estimator, Results
from _kestrel.did_power import (PowerAnalysis, PowerResults, PreTrendsPower,  # noqa: F401
                        PreTrendsPowerCurve, PreTrendsPowerResults, SimulationMDEResults,
                        SimulationPowerResults, SimulationSampleSizeResults, compute_mde,
                        compute_mdv, compute_power, compute_pretrends_power, compute_sample_size, generate_did_data, generate_staggered_data,
                        plot_power_curve, plot_pretrends_power, simulate_mde, simulate_power,
                        simulate_sample_size)
from _kestrel.did_surface import (AggregationResult, CSBootstrapResults,  # noqa: F401
                                  EventStudyResults, GroupTimeEffect, SABootstrapResults)
from _kestrel.regress import _columns
from _kestrel.summary import Summary

__all__ = [
    "CallawaySantAnna", "CallawaySantAnnaResults", "DifferenceInDifferences",
    "TwoWayFixedEffects", "MultiPeriodDiD", "DiDResults", "MultiPeriodDiDResults", "SyntheticDiD",
    "SyntheticDiDResults", "SunAbraham", "SunAbrahamResults", "BaconDecomposition",
    "BaconDecompositionResults", "Comparison2x2", "bacon_decompose", "PlaceboTestResults",
    "placebo_timing_test", "placebo_group_test", "permutation_test", "leave_one_out_test",
    "run_placebo_test", "run_all_placebo_tests", "plot_event_study"]
__all__ += ["PeriodEffect"]
__all__ += ["ImputationDiD", "ImputationDiDResults", "ImputationBootstrapResults", "TwoStageDiD",
            "TwoStageDiDResults", "TwoStageBootstrapResults", "imputation_did", "two_stage_did"]
__all__ += [
    "PreTrendsPower", "PreTrendsPowerResults", "PreTrendsPowerCurve", "compute_pretrends_power",
    "compute_mdv", "PowerAnalysis", "PowerResults", "SimulationPowerResults", "simulate_power",
    "compute_mde", "compute_power", "compute_sample_size", "generate_did_data",
    "generate_staggered_data", "plot_power_curve", "plot_pretrends_power", "simulate_mde",
    "simulate_sample_size", "SimulationMDEResults", "SimulationSampleSizeResults"]
__all__ += ["EventStudyResults", "AggregationResult", "CSBootstrapResults", "SABootstrapResults",
            "GroupTimeEffect"]
__all__ += ["StackedDiD", "StackedDiDResults", "stacked_did", "TripleDifference",
            "TripleDifferenceResults", "triple_difference", "Stacked", "DDD"]
__all__ += ["HonestDiD", "HonestDiDResults", "SensitivityResults", "DeltaSD", "DeltaRM",
            "DeltaSDRM", "compute_honest_did", "sensitivity_plot"]

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

    def __init__(self, est, raw, aggregate, balance_e, min_e, max_e, n_covariates=0):
        self._est = est
        self._n_covariates = n_covariates
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
        info = _core.did_cs_info(self._fit)
        self._info = info
        self.n_obs = info["nobs"]
        self.n_treated_units = info["n_treated_units"]
        self.n_control_units = info["n_control_units"]
        self.allow_unbalanced_panel = bool(est.allow_unbalanced_panel)
        self.used_rc_on_unbalanced_panel = info["used_rc"]
        self.vcov_type = "hc1"
        self.cluster_name = est.cluster
        self.df_inference = None  # normal inference throughout, as R did
        self.pscore_trim = est.pscore_trim
        self.pscore_fallback = est.pscore_fallback
        self.epv_threshold = est.epv_threshold
        self.epv_diagnostics = _epv(raw, est, self._n_covariates) if self._n_covariates else None
        self.event_study_vcov = None
        self.event_study_vcov_index = None
        self.event_study_df = None
        self.reference_event_times = None
        self.bootstrap_results = None
        self.cband_crit_value = raw["crit"] if est.cband else None
        self._cells = None
        self.time_periods = [_num(x) for x in np.unique(t)]
        self._pretest = None
        self.n_bootstrap = est.n_bootstrap
        self._window = dict(balance_e=balance_e, min_e=min_e, max_e=max_e)
        self.event_study_effects = None
        self.group_effects = None
        self.calendar_effects = None
        simple = self._aggregate_raw("simple")
        self.overall_att = simple["att"]
        self.overall_se = simple["se"]
        self.overall_t_stat, self.overall_p_value = simple["t_stat"], simple["p_value"]
        self.overall_conf_int = (simple["ci_lower"], simple["ci_upper"])
        if info["draws"] is not None:
            self.bootstrap_results = self._bootstrap_results(simple)
        if aggregate is None or aggregate == "simple":
            kinds = []
        elif aggregate == "all":
            kinds = ["event_study", "group", "calendar"]
        elif isinstance(aggregate, str):
            kinds = [aggregate]
        else:
            kinds = list(aggregate)
        for kind in kinds:
            self._aggregate_raw(kind, **self._window)

    # diff-diff's aliases of the overall (simple) effect
    att = property(lambda self: self.overall_att)
    se = property(lambda self: self.overall_se)
    t_stat = property(lambda self: self.overall_t_stat)
    p_value = property(lambda self: self.overall_p_value)
    conf_int = property(lambda self: self.overall_conf_int)

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
                    n_control=int(raw["n_control"][i]), post=bool(raw["post"][i]),
                    skip_reason=_skip_reason(raw, i))
                for i in range(len(g))}
        return self._cells

    def epv_summary(self, show_all=False):
        """The cells' events-per-variable check of the propensity-score logit (diff-diff's
        epv_summary): columns group, time, epv, n_events, n_params, is_low; only the low cells
        unless ``show_all``."""
        return checks.epv_table(self.epv_diagnostics, ("group", "time"), show_all)

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

    def _aggregate_raw(self, type="simple", balance_e=None, min_e=None, max_e=None):
        """Aggregate in C (R did's aggte); store the elements in ``event_study_effects``,
        ``group_effects`` or ``calendar_effects`` and return the C result's dict."""
        kind = checks.enum_value("type", type, "did_agg_type")
        agg = _core.did_cs_aggregate(
            self._fit, kind,
            min_e=-math.inf if min_e is None else float(min_e),
            max_e=math.inf if max_e is None else float(max_e),
            balance_e=-1 if balance_e is None else int(balance_e),
            threads=validate.threads(self._est.threads))
        self.notes.extend(msg for _, msg in agg["notes"])
        checks.warn_notes(agg["notes"])
        band = self._est.cband and kind == 1
        count = {1: "n_groups", 2: "n_periods", 3: "n_groups"}.get(kind)
        elems = {}
        for i, e in enumerate(agg["e"]):
            d = _effect_dict(agg, i, "_e", **{count: int(agg["ncell_e"][i])})
            if band:
                d["cband_conf_int"] = d["conf_int"]
            if kind == 2:
                d["df_used"] = None
            elems[_num(e)] = d
        overall = _effect_dict(agg, None)
        if kind == 1:
            self.event_study_effects = elems
            self.event_study_overall = overall
            self.event_study_crit_value = agg["crit"]
            ok = np.isfinite(agg["se_e"])
            self.event_study_vcov = agg["vcov"][np.ix_(ok, ok)]
            self.event_study_vcov_index = [_num(e) for e in agg["e"][ok]]
            if self.base_period == "universal":
                self.reference_event_times = tuple(
                    _num(e) for e in agg["e"][self._reference_rows(agg)])
        elif kind == 2:
            self.group_effects = elems
            self.group_overall = overall
        elif kind == 3:
            self.calendar_effects = elems
            self.calendar_overall = overall
        if self.bootstrap_results is not None and kind in (1, 2):
            self._bootstrap_aggregate(kind, agg)
        return agg

    def _reference_rows(self, agg):
        """Universal base period: the event times whose cells are all the base period itself
        (effect exactly 0 without a standard error)."""
        if self.base_period != "universal":
            return np.zeros(len(agg["e"]), dtype=bool)
        return (agg["att_e"] == 0.0) & ~np.isfinite(agg["se_e"])

    def aggregate(self, type="simple", weights=None, *, balance_e=None, min_e=None, max_e=None):
        """Aggregate the cells as R did's aggte; ``type`` names the aggregation. Returns
        diff-diff's objects: ``event_study``
        (alias ``dynamic``) an EventStudyResults; ``simple``, ``group``, ``calendar`` and
        ``total`` (``simple`` times the treated observations it averages: a total effect) an
        AggregationResult. ``balance_e`` (only cohorts observed e periods after treatment),
        ``min_e`` / ``max_e`` (event times kept) shape the event study; ``weights`` is
        diff-diff's selector, which CallawaySantAnna does not offer (None only). The elements
        are also kept in ``event_study_effects`` / ``group_effects`` / ``calendar_effects``
        (and R's overall summaries in ``event_study_overall`` / ``group_overall`` /
        ``calendar_overall``)."""
        if weights is not None:
            raise ValueError(f"CallawaySantAnnaResults.aggregate() does not accept a weights "
                             f"selector (got {weights!r}); its weights are the cohort shares")
        if balance_e is not None and type not in ("event_study", "dynamic"):
            raise ValueError(f"balance_e is used only by aggregate('event_study'), not "
                             f"aggregate({type!r})")
        if type == "total":
            return self._total()
        agg = self._aggregate_raw(type, balance_e, min_e, max_e)
        kind = checks.enum_value("type", type, "did_agg_type")
        if kind == 1:
            return self._event_study_surface(agg)
        n = len(agg["e"])
        if kind == 0:
            units = self.panel and not self.used_rc_on_unbalanced_panel
            return AggregationResult(
                "simple", ["overall"], ["att"], [agg["att"]], [agg["se"]], [agg["t_stat"]],
                [agg["p_value"]], [agg["ci_lower"]], [agg["ci_upper"]],
                [self.n_treated_units + self.n_control_units], None, self.alpha,
                "units" if units else "obs", [1.0], "CallawaySantAnna")
        return AggregationResult(
            "group" if kind == 2 else "calendar", [_num(e) for e in agg["e"]], ["att"] * n,
            agg["att_e"], agg["se_e"], agg["t_stat_e"], agg["p_value_e"], agg["ci_lower_e"],
            agg["ci_upper_e"], agg["ncell_e"], None, self.alpha, "cells", None,
            "CallawaySantAnna")

    def _event_study_surface(self, agg):
        ref = self._reference_rows(agg)
        band = self._est.cband
        ok = np.isfinite(agg["se_e"])
        return EventStudyResults(
            event_time=np.array([_num(e) for e in agg["e"]]), att=agg["att_e"],
            se=agg["se_e"], t_stat=agg["t_stat_e"], p_value=agg["p_value_e"],
            conf_int_lower=agg["ci_lower_e"], conf_int_upper=agg["ci_upper_e"],
            is_reference=ref, n=agg["ncell_e"], n_kind="groups",
            event_time_convention="e0_first_treated",
            vcov=agg["vcov"][np.ix_(ok, ok)],
            vcov_index=np.array([_num(e) for e in agg["e"][ok]]),
            cband_lower=agg["ci_lower_e"] if band else None,
            cband_upper=agg["ci_upper_e"] if band else None,
            cband_crit_value=agg["crit"] if band else None, alpha=self.alpha,
            source="CallawaySantAnnaResults", df=None, base_period=self.base_period,
            anticipation=self.anticipation,
            reference_event_times=self.reference_event_times)

    def _total(self):
        """diff-diff's aggregate('total'): the overall ATT times its treated observations
        (the post-treatment cells' treated units), with se and interval scaled alike."""
        if self._est.weights or not self.panel or self.used_rc_on_unbalanced_panel:
            raise NotImplementedError(
                "aggregate('total') needs a panel without sampling weights: the total counts "
                "treated observations, which weights and repeated cross-sections redefine")
        raw = self._raw
        post = raw["post"] & np.isfinite(raw["att"])
        mass = float(raw["n_treated"][post].sum())
        lo, hi = self.overall_conf_int
        return AggregationResult(
            "total", ["total"], ["total"], [mass * self.overall_att], [mass * self.overall_se],
            [self.overall_t_stat], [self.overall_p_value], [mass * lo], [mass * hi], [mass],
            None, self.alpha, "obs", [1.0], "CallawaySantAnna")

    def _bootstrap_results(self, simple):
        """diff-diff's CSBootstrapResults from the multiplier bootstrap's draws (the C core's
        summary of them: standard deviation, percentile interval, percentile p-value)."""
        raw, info, a = self._raw, self._info, self.alpha
        cells = _core.did_boot_summary(info["draws"], raw["att"], True, info["draw_scale"], a)
        keys = [(_num(g), _num(t)) for g, t in zip(raw["group"], raw["time"])]
        ov = _core.did_boot_summary(simple["draws"], [simple["att"]], True, 1.0, a)
        return CSBootstrapResults(
            n_bootstrap=self.n_bootstrap, weight_type=self._est.bootstrap_weights, alpha=a,
            overall_att_se=float(ov["se"][0]),
            overall_att_ci=(float(ov["ci_lower"][0]), float(ov["ci_upper"][0])),
            overall_att_p_value=float(ov["p_value"][0]),
            group_time_ses=dict(zip(keys, map(float, cells["se"]))),
            group_time_cis={k: (float(lo), float(hi))
                            for k, lo, hi in zip(keys, cells["ci_lower"], cells["ci_upper"])},
            group_time_p_values=dict(zip(keys, map(float, cells["p_value"]))),
            bootstrap_distribution=simple["att"] + simple["draws"][:, -1],
            cband_crit_value=None)

    def _bootstrap_aggregate(self, kind, agg):
        """The event-study or group fields of bootstrap_results from this aggregation's draws."""
        br, a = self.bootstrap_results, self.alpha
        est = np.append(agg["att_e"], agg["att"])
        st = _core.did_boot_summary(agg["draws"], est, True, 1.0, a)
        keys = [_num(e) for e in agg["e"]]
        ses = dict(zip(keys, map(float, st["se"][:-1])))
        cis = {k: (float(lo), float(hi))
               for k, lo, hi in zip(keys, st["ci_lower"][:-1], st["ci_upper"][:-1])}
        ps = dict(zip(keys, map(float, st["p_value"][:-1])))
        if kind == 2:
            br.group_effect_ses, br.group_effect_cis, br.group_effect_p_values = ses, cis, ps
            return
        br.event_study_ses, br.event_study_cis, br.event_study_p_values = ses, cis, ps
        br.overall_att_es_se = float(st["se"][-1])
        br.overall_att_es_ci = (float(st["ci_lower"][-1]), float(st["ci_upper"][-1]))
        br.overall_att_es_p_value = float(st["p_value"][-1])
        br.event_study_vcov = self.event_study_vcov
        br.event_study_vcov_index = self.event_study_vcov_index
        br.cband_crit_value = agg["crit"] if self._est.cband else None

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
            self._aggregate_raw(level)
            effects = getattr(self, name)
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

    def summary(self, alpha=None):
        """The overall effect, the cells, the pre-test and the aggregations asked for.
        Returned (a str that a REPL or notebook shows as the tables); ``print_summary()``
        prints it. ``alpha`` (diff-diff's) must be the fit's: the intervals are stored, not
        recomputed."""
        _fit_alpha(alpha, self.alpha)
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
    diff-diff 3.x's ``pscore_trim`` (None: R DRDID's rule; a number clips the propensity
    scores to [trim, 1 - trim] as diff-diff does), ``epv_threshold`` (events per covariate of
    the propensity logit below which a warning is given), ``pscore_fallback`` ('error': a cell
    whose propensity logit cannot be estimated, its Hessian singular from collinear covariates
    or separation, is NaN with a warning, as in R; 'unconditional': that cell uses the share
    treated as its propensity score, with a warning, the outcome regression of 'dr' keeping the
    covariates, as diff-diff's; with ``rank_deficient_action='error'`` there is no fallback) and
    ``vcov_type`` ('hc1' only).
    """

    _params = (
        "control_group", "anticipation", "estimation_method", "alpha", "cluster", "n_bootstrap",
        "bootstrap_weights", "seed", "rank_deficient_action", "base_period", "cband",
        "pscore_trim", "panel", "allow_unbalanced_panel", "epv_threshold", "pscore_fallback",
        "vcov_type", "threads")

    def __init__(self, control_group="never_treated", anticipation=0, estimation_method="dr",
                 alpha=0.05, cluster=None, n_bootstrap=0, bootstrap_weights="rademacher",
                 seed=None, rank_deficient_action="warn", base_period="varying", cband=True,
                 pscore_trim=None, panel=True, allow_unbalanced_panel=False, epv_threshold=10,
                 pscore_fallback="error", vcov_type="hc1", threads=0):
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
        self.pscore_trim = pscore_trim
        self.panel = panel
        self.allow_unbalanced_panel = allow_unbalanced_panel
        self.epv_threshold = epv_threshold
        self.pscore_fallback = pscore_fallback
        self.vcov_type = vcov_type
        self.threads = threads
        _check_cs_options(self)

    def diagnose_propensity(self, df, outcome, unit, time, first_treat, covariates=None):
        """diff-diff's pre-estimation events-per-variable check of the propensity-score logit:
        one row per cohort (group, n_treated, n_control, n_covariates, n_params, epv, status
        'ok' / 'low' / 'critical'), epv = min(cohort units, never-treated units) / covariates.
        Empty for ``estimation_method='reg'`` or without covariates; as diff-diff, only for
        panels with never-treated controls. The counts come from the fit's panel (R's
        preprocessing), so they are those the estimation uses."""
        import pandas as pd

        cols = ["group", "n_treated", "n_control", "n_covariates", "n_params", "epv", "status"]
        if not self.panel or self.control_group == "not_yet_treated":
            raise NotImplementedError(
                "diagnose_propensity() needs panel data with never-treated controls (as "
                "diff-diff's); fit and read results.epv_diagnostics instead")
        if isinstance(covariates, str):
            covariates = [covariates]
        if self.estimation_method == "reg" or not covariates:
            return pd.DataFrame(columns=cols)
        res = CallawaySantAnna(**{**self.get_params(), "n_bootstrap": 0, "cband": False}).fit(
            df, outcome, unit, time, first_treat, covariates=covariates)
        k = len(covariates)
        rows = []
        for g in res.groups:
            nt = max(d["n_treated"] for (gg, _), d in res.group_time_effects.items() if gg == g)
            nc = res.n_control_units
            epv = min(nt, nc) / k
            rows.append({"group": g, "n_treated": nt, "n_control": nc, "n_covariates": k,
                         "n_params": k, "epv": round(epv, 1),
                         "status": "ok" if epv >= self.epv_threshold else
                         "low" if epv >= 2 else "critical"})
        return pd.DataFrame(rows, columns=cols)

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
        _check_cs_options(self)
        checks.check_alpha(self.alpha)
        checks.check_count("n_bootstrap", self.n_bootstrap)
        checks.check_count("anticipation", self.anticipation)
        checks.check_rank_action(self.rank_deficient_action)
        seed = validate.seed(self.seed)
        n_boot = int(self.n_bootstrap)
        checks.few_bootstrap_draws(n_boot)
        cband = bool(self.cband) and n_boot > 0
        cols = _columns(data, (outcome, time, unit, first_treat, covariates, weights,
                               self.cluster))
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
            allow_unbalanced=bool(self.allow_unbalanced_panel),
            pscore_trim=math.nan if self.pscore_trim is None else float(self.pscore_trim),
            pscore_fallback=_falls_back(self))
        _warn_fit_notes(raw["notes"], self.rank_deficient_action)
        est = _Frozen(self, cband, seed, weights)
        k = len(covariates) if covariates and self.estimation_method != "reg" else 0
        res = CallawaySantAnnaResults(est, raw, aggregate, balance_e, min_e, max_e, k)
        _warn_epv(res, self.rank_deficient_action)
        return res


def _warn_fit_notes(notes, rank_action):
    """The C fit's warnings as Python warnings; a covariate dropped as collinear follows
    rank_deficient_action (diff-diff's)."""
    dropped = [m for lv, m in notes if "(rank deficiency): dropped" in m]
    if dropped and rank_action == "error":
        raise ValueError("rank-deficient covariates: " + "; ".join(dropped))
    checks.warn_notes([(lv, m) for lv, m in notes
                       if rank_action != "silent" or m not in dropped])


class _Frozen:
    """The estimator's settings at fit time."""

    def __init__(self, est, cband, seed, weights):
        self.__dict__.update(est.get_params())
        self.cband, self.seed, self.weights = cband, seed, weights


def _check_cs_options(est):
    """diff-diff's constructor checks: the choices, pscore_trim, epv_threshold,
    pscore_fallback and vcov_type."""
    checks.enum_value("control_group", est.control_group, "did_control")
    checks.enum_value("base_period", est.base_period, "did_base")
    checks.enum_value("bootstrap_weights", est.bootstrap_weights, "did_boot_weights")
    trim = est.pscore_trim
    if trim is not None and not (isinstance(trim, (int, float)) and 0 < trim < 0.5
                                 and 1.0 - trim < 1.0):
        raise ValueError(f"pscore_trim must be None (R DRDID's trimming) or in (0, 0.5); "
                         f"got {trim!r}")
    if not est.epv_threshold > 0:
        raise ValueError(f"epv_threshold must be > 0, got {est.epv_threshold}")
    if est.pscore_fallback not in ("error", "unconditional"):
        raise ValueError(f"pscore_fallback must be 'error' or 'unconditional', got "
                         f"{est.pscore_fallback!r}")
    if est.vcov_type == "conley":
        raise NotImplementedError("vcov_type='conley' is not implemented for CallawaySantAnna")
    if est.vcov_type != "hc1":
        raise ValueError(f"vcov_type={est.vcov_type!r}: CallawaySantAnna's standard errors come "
                         "from influence functions; only 'hc1' (the default) applies")


def _falls_back(est):
    """Whether a propensity logit that cannot be estimated gives way to the unconditional
    score: pscore_fallback='unconditional', unless rank_deficient_action='error' (diff-diff then
    re-raises)."""
    return est.pscore_fallback == "unconditional" and est.rank_deficient_action != "error"


def _epv(raw, est, k):
    """Events per variable of each cell's propensity-score logit: min(treated, controls) / k
    (diff-diff's Peduzzi et al. 1996 check)."""
    out = {}
    for g, t, nt, nc in zip(raw["group"], raw["time"], raw["n_treated"], raw["n_control"]):
        if nt == 0 and nc == 0:
            continue  # the universal base period: no logit
        out[(_num(g), _num(t))] = checks.epv_entry(min(nt, nc), k, est.epv_threshold)
    return out


def _warn_epv(res, rank_action):
    """diff-diff's one warning for cells whose logit has few events per covariate (an error
    with rank_deficient_action='error')."""
    low = {c: d for c, d in (res.epv_diagnostics or {}).items() if d["is_low"]}
    if not low:
        return
    cell = min(low, key=lambda c: low[c]["epv"])
    msg = (f"Low Events Per Variable (EPV) in the propensity score of {len(low)} of "
           f"{len(res.epv_diagnostics)} cell(s): minimum EPV {low[cell]['epv']:.1f} (cohort "
           f"g={cell[0]}); consider estimation_method='reg' or fewer covariates; see "
           f"results.epv_summary()")
    if rank_action == "error":
        raise ValueError(msg)
    if rank_action != "silent":
        import warnings

        warnings.warn(msg, UserWarning, stacklevel=3)


def _fit_alpha(alpha, fit_alpha):
    if alpha is not None and alpha != fit_alpha:
        raise ValueError(f"these results store intervals at alpha={fit_alpha}; fit with "
                         f"alpha={alpha} for others (summary() does not recompute them)")


def _skip_reason(raw, i):
    """diff-diff's reason for a cell without an estimate (None when it has one)."""
    if np.isfinite(raw["att"][i]):
        return None
    if raw["n_treated"][i] == 0 or raw["n_control"][i] == 0:
        return "zero_treated_control"
    return "non_finite_regression"


for _name in __all__:  # help() and reprs name them where users find them
    if getattr(globals()[_name], "__module__", "").startswith("_kestrel."):
        globals()[_name].__module__ = __name__
