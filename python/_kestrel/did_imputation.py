"""The imputation family of staggered DiD estimators, with diff-diff's names: ``ImputationDiD``
(Borusyak, Jaravel & Spiess 2024; R didimputation's conservative variance) and ``TwoStageDiD``
(Gardner 2022; R did2s's GMM sandwich variance). The work is in C (src/did/imputation.c,
src/did/two_stage.c: the exact first stage, the imputed effects, their aggregation and variances,
the multiplier bootstrap); this module shapes arguments and results."""
from __future__ import annotations

import numpy as np

from . import _core
from . import did_checks as checks
from . import validate
from .did_base import Estimator, Results
from .regress import _columns
from .summary import Summary

_AUX = ("cohort_horizon", "cohort", "horizon")
_AGGREGATES = (None, "simple", "event_study", "group", "all")


def _num(x):
    x = float(x)
    return int(x) if x.is_integer() else x


def _effects(block, key_name=None):
    """{key: {effect, se, t_stat, p_value, conf_int, n_obs}} from a C block."""
    out = {}
    for i, k in enumerate(block["key"]):
        out[_num(k)] = {"effect": float(block["att"][i]), "se": float(block["se"][i]),
                        "t_stat": float(block["t_stat"][i]),
                        "p_value": float(block["p_value"][i]),
                        "conf_int": (float(block["ci_lower"][i]), float(block["ci_upper"][i])),
                        "n_obs": int(block["n_obs"][i])}
    return out


class ImputationBootstrapResults:
    """diff-diff's bootstrap fields: ``n_bootstrap``, ``weight_type``, ``alpha``,
    ``overall_att_se`` / ``_ci`` / ``_p_value``, ``event_study_ses`` / ``_cis`` /
    ``_p_values``, ``group_ses`` / ``_cis`` / ``_p_values``, ``bootstrap_distribution`` (the
    overall ATT's draws)."""

    def __init__(self, n_bootstrap, weight_type, alpha, overall, es, groups, dist):
        self.n_bootstrap, self.weight_type, self.alpha = n_bootstrap, weight_type, alpha
        self.overall_att_se = overall["se"]
        self.overall_att_ci = overall["conf_int"]
        self.overall_att_p_value = overall["p_value"]
        self.event_study_ses = {h: d["se"] for h, d in es.items()} if es else None
        self.event_study_cis = {h: d["conf_int"] for h, d in es.items()} if es else None
        self.event_study_p_values = {h: d["p_value"] for h, d in es.items()} if es else None
        self.group_ses = {g: d["se"] for g, d in groups.items()} if groups else None
        self.group_cis = {g: d["conf_int"] for g, d in groups.items()} if groups else None
        self.group_p_values = {g: d["p_value"] for g, d in groups.items()} if groups else None
        self.bootstrap_distribution = dist


TwoStageBootstrapResults = ImputationBootstrapResults


class ImputationDiDResults(Results):
    """diff-diff's ``ImputationDiDResults``: ``overall_att`` / ``overall_se`` /
    ``overall_t_stat`` / ``overall_p_value`` / ``overall_conf_int``; ``event_study_effects``
    {h: {effect, se, t_stat, p_value, conf_int, n_obs}} (with the reference period
    -1 - anticipation as effect 0, n_obs 0), ``group_effects`` {g: {...}} (when the fit's
    ``aggregate`` asked for them, else None); ``treatment_effects`` (a DataFrame: unit, time,
    tau_hat, rel_time, weight); ``groups``, ``time_periods``, ``n_obs``, ``n_treated_obs``,
    ``n_untreated_obs``, ``n_treated_units``, ``n_control_units``, ``n_clusters``, ``alpha``,
    ``anticipation``, ``bootstrap_results``. Inference is normal, as diff-diff's."""

    _name = "Imputation DiD (Borusyak, Jaravel & Spiess 2024)"
    _variance = "conservative clustered variance (BJS Theorem 3)"

    def __init__(self, r, est, data, unit, time, aggregate):
        self.alpha, self.anticipation = est.alpha, est.anticipation
        self.cluster_name = est.cluster
        self.overall_att, self.overall_se = r["att"], r["se"]
        self.overall_t_stat, self.overall_p_value = r["t_stat"], r["p_value"]
        self.overall_conf_int = (r["ci_lower"], r["ci_upper"])
        es, groups = _effects(r["event_study"]), _effects(r["groups"])
        self._es_all, self._groups_all = es, groups
        self.event_study_effects = None
        if aggregate in ("event_study", "all"):
            ref = -1 - int(est.anticipation)
            self.event_study_effects = {ref: {"effect": 0.0, "se": 0.0, "t_stat": np.nan,
                                              "p_value": np.nan, "conf_int": (0.0, 0.0),
                                              "n_obs": 0}}
            self.event_study_effects.update(es)
            self.event_study_effects = dict(sorted(self.event_study_effects.items()))
        self.group_effects = groups if aggregate in ("group", "all") else None
        self.groups = sorted(groups)
        rows = r["row"]
        cols = _columns(data)
        self.time_periods = sorted({_num(v) for v in np.asarray(cols[time], dtype=float)})
        import pandas as pd
        self.treatment_effects = pd.DataFrame({
            unit: np.asarray(cols[unit])[rows], time: np.asarray(cols[time])[rows],
            "tau_hat": r["tau"], "rel_time": r["rel"], "weight": r["weight"]})
        self.n_obs, self.n_treated_obs = r["nobs"], r["n_treated_obs"]
        self.n_untreated_obs = r["n_untreated_obs"]
        self.n_treated_units, self.n_control_units = r["n_treated_units"], r["n_control_units"]
        self.n_clusters = r["nclusters"]
        self.n_bootstrap = est.n_bootstrap  # > 0: percentile intervals, not recomputable
        self.pretrend_results = None
        self.bootstrap_results = None
        if est.n_bootstrap:
            self.bootstrap_results = ImputationBootstrapResults(
                est.n_bootstrap, est.bootstrap_weights, est.alpha,
                {"se": self.overall_se, "conf_int": self.overall_conf_int,
                 "p_value": self.overall_p_value}, es if self.event_study_effects else None,
                self.group_effects, r["boot"])

    att = property(lambda self: self.overall_att)
    se = property(lambda self: self.overall_se)
    conf_int = property(lambda self: self.overall_conf_int)
    p_value = property(lambda self: self.overall_p_value)
    t_stat = property(lambda self: self.overall_t_stat)

    def to_dataframe(self, level="observation"):
        """One row per estimate at ``level``: 'observation' (the treated observations'
        effects, ``treatment_effects``), 'event_study' (relative_period, effect, se, t_stat,
        p_value, conf_int_lower, conf_int_upper, n_obs) or 'group' (the same by cohort);
        ValueError for an aggregation the fit did not ask for."""
        import pandas as pd
        if level == "observation":
            return self.treatment_effects.copy()
        table = {"event_study": (self.event_study_effects, "relative_period"),
                 "group": (self.group_effects, "group")}
        if level not in table:
            raise ValueError(f"level={level!r}: expected 'observation', 'event_study' or "
                             "'group'")
        effects, name = table[level]
        if effects is None:
            raise ValueError(f"no {level} effects: fit with aggregate={level!r} or 'all'")
        return pd.DataFrame([{name: k, "effect": d["effect"], "se": d["se"],
                              "t_stat": d["t_stat"], "p_value": d["p_value"],
                              "conf_int_lower": d["conf_int"][0],
                              "conf_int_upper": d["conf_int"][1], "n_obs": d["n_obs"]}
                             for k, d in effects.items()])

    def to_dict(self):
        return {"overall_att": self.overall_att, "overall_se": self.overall_se,
                "overall_t_stat": self.overall_t_stat, "overall_p_value": self.overall_p_value,
                "overall_conf_int": list(self.overall_conf_int), "n_obs": self.n_obs,
                "n_treated_obs": self.n_treated_obs, "n_untreated_obs": self.n_untreated_obs,
                "n_treated_units": self.n_treated_units,
                "n_control_units": self.n_control_units}

    def summary(self):
        """The overall ATT and any event-study / group effects. Returned; ``print_summary()``
        prints it."""
        lo, hi = self.overall_conf_int
        lines = [self._name,
                 f"  {self.n_obs} observations: {self.n_treated_obs} treated, "
                 f"{self.n_untreated_obs} untreated; {self.n_treated_units} treated units, "
                 f"{self.n_control_units} units with untreated observations",
                 f"  {self._variance}, {self.n_clusters} clusters",
                 f"  overall ATT {self.overall_att:.6f}  se {self.overall_se:.6f}  p "
                 f"{self.overall_p_value:.4g}  [{lo:.6f}, {hi:.6f}]"]
        for title, eff in (("horizon", self.event_study_effects), ("group", self.group_effects)):
            if not eff:
                continue
            lines += ["", f"  {title:>8}{'effect':>12}{'std.err':>12}{'p':>10}{'n_obs':>8}"]
            for k, d in eff.items():
                lines.append(f"  {k!s:>8}{d['effect']:12.6f}{d['se']:12.6f}"
                             f"{d['p_value']:10.4g}{d['n_obs']:8d}")
        return Summary("\n".join(lines))

    def plot(self, **kw):
        """The event study with its intervals: kestrel.did.plot_event_study(self, **kw), the
        reference period (effect 0 by construction) drawn hollow without an interval. Needs
        a fit with aggregate='event_study' or 'all'. Returns the matplotlib Axes."""
        from .did_plot import plot_event_study
        if not self.event_study_effects:
            raise ValueError(f"{type(self).__name__}.plot() draws the event study: fit with "
                             "aggregate='event_study' or 'all'")
        return plot_event_study(self, **kw)

    def __repr__(self):
        return (f"{type(self).__name__}(overall_att={self.overall_att:.6g}, "
                f"se={self.overall_se:.6g})")


class TwoStageDiDResults(ImputationDiDResults):
    """diff-diff's ``TwoStageDiDResults``: the fields of ImputationDiDResults (no
    ``pretrend_results``); standard errors from Gardner's GMM sandwich (R did2s)."""

    _name = "Two-stage DiD (Gardner 2022)"
    _variance = "GMM sandwich variance (did2s)"


class ImputationDiD(Estimator):
    """diff-diff's ``ImputationDiD``: ``anticipation``, ``alpha``, ``cluster`` (default: the
    unit), ``n_bootstrap`` (multiplier bootstrap over clusters; 0: the analytical conservative
    variance), ``bootstrap_weights`` ('rademacher', 'mammen', 'webb'), ``seed``,
    ``rank_deficient_action`` ('warn', 'error', 'silent': treated observations whose unit or
    period has no untreated observation), ``horizon_max``, ``aux_partition``
    ('cohort_horizon', 'cohort', 'horizon'), ``pretrends`` (not yet: BJS's lead regression and
    ``pretrend_test`` are missing, so True raises; TwoStageDiD has the leads),
    ``vcov_type`` ('hc1' only, as diff-diff); kestrel's ``threads`` (0: all cores). ``fit(data, outcome, unit, time, first_treat,
    covariates=None, aggregate=None, balance_e=None)``; first_treat 0 or Inf marks the never
    treated."""

    _params = ("anticipation", "alpha", "cluster", "vcov_type", "n_bootstrap",
               "bootstrap_weights", "seed", "rank_deficient_action", "horizon_max",
               "aux_partition", "pretrends", "threads")
    _two_stage = False
    _results = ImputationDiDResults

    def __init__(self, anticipation=0, alpha=0.05, cluster=None, vcov_type="hc1", n_bootstrap=0,
                 bootstrap_weights="rademacher", seed=None, rank_deficient_action="warn",
                 horizon_max=None, aux_partition="cohort_horizon", pretrends=False, threads=0):
        self.anticipation, self.alpha, self.cluster = anticipation, alpha, cluster
        self.vcov_type, self.n_bootstrap = vcov_type, n_bootstrap
        self.bootstrap_weights, self.seed = bootstrap_weights, seed
        self.rank_deficient_action, self.horizon_max = rank_deficient_action, horizon_max
        self.aux_partition, self.pretrends = aux_partition, pretrends
        self.threads = threads
        self.is_fitted_ = False
        self.results_ = None
        # diff-diff's constructor checks (the rest at fit)
        checks.check_rank_action(rank_deficient_action)
        checks.check_choice("aux_partition", aux_partition, _AUX)
        checks.enum_value("bootstrap_weights", bootstrap_weights, "did_boot_weights")

    def _check(self):
        checks.check_alpha(self.alpha)
        checks.check_count("anticipation", self.anticipation)
        checks.check_count("n_bootstrap", self.n_bootstrap)
        checks.check_rank_action(self.rank_deficient_action)
        checks.check_choice("vcov_type", self.vcov_type, ("hc1",))
        checks.check_choice("aux_partition", self.aux_partition, _AUX)
        if self.horizon_max is not None:
            checks.check_count("horizon_max", self.horizon_max)
        validate.seed(self.seed)
        checks.few_bootstrap_draws(self.n_bootstrap)
        if self.pretrends and not self._two_stage:
            raise NotImplementedError(
                "ImputationDiD(pretrends=True): the leads and pretrend_test() of Borusyak, "
                "Jaravel & Spiess are not in kestrel yet; TwoStageDiD(pretrends=True) estimates "
                "the leads")
        return checks.enum_value("bootstrap_weights", self.bootstrap_weights, "did_boot_weights")

    def fit(self, data, outcome, unit, time, first_treat, covariates=None, aggregate=None,
            balance_e=None):
        """Estimate. data: a DataFrame (or dict of arrays); outcome, unit, time, first_treat
        (first treated period; 0 or Inf: never treated): column names; covariates: time-varying
        columns of the first stage; aggregate: None / 'simple' (overall only), 'event_study',
        'group' or 'all'; balance_e: the event study keeps cohorts observed at every relative
        period in [-balance_e, max horizon]."""
        kind = self._check()
        checks.check_choice("aggregate", aggregate, _AGGREGATES)
        if balance_e is not None:
            checks.check_count("balance_e", balance_e)
        covs = [covariates] if isinstance(covariates, str) else covariates
        r = _core.did_imputation(
            _columns(data), outcome, unit, time, first_treat, two_stage=self._two_stage,
            anticipation=int(self.anticipation), covariates=covs, cluster=self.cluster,
            alpha=float(self.alpha),
            horizon_max=-1 if self.horizon_max is None else int(self.horizon_max),
            balance_e=-1 if balance_e is None else int(balance_e),
            aux=_AUX.index(self.aux_partition), pretrends=bool(self.pretrends),
            strict=self.rank_deficient_action == "error", n_bootstrap=int(self.n_bootstrap),
            boot_kind=kind, seed=0 if self.seed is None else int(self.seed),
            threads=int(self.threads))
        notes = r["notes"]
        if self.rank_deficient_action == "silent":
            notes = [(lv, m) for lv, m in notes if "cannot be imputed" not in m]
        checks.warn_notes(notes)
        self.results_ = self._results(r, self, data, unit, time, aggregate)
        self._fit_args = (data, outcome, unit, time, first_treat, covs)
        self.is_fitted_ = True
        return self.results_


class TwoStageDiD(ImputationDiD):
    """diff-diff's ``TwoStageDiD`` (Gardner 2022): the arguments of ImputationDiD without
    ``aux_partition``; standard errors from the two-stage GMM sandwich (R did2s's analytical
    standard errors). With ``pretrends=True`` the event study adds the leads, each the mean
    first-stage residual of its cell with the same sandwich.

    ``anticipation`` (periods before first_treat already treated), ``alpha``, ``cluster``
    (default: the unit), ``n_bootstrap`` (multiplier bootstrap over clusters; 0: the
    sandwich), ``bootstrap_weights`` ('rademacher', 'mammen', 'webb'), ``seed``,
    ``rank_deficient_action`` ('warn', 'error', 'silent': treated observations whose unit or
    period has no untreated observation), ``horizon_max`` (the largest relative period
    estimated), ``vcov_type`` ('hc1' only, as diff-diff), kestrel's ``threads`` (0: all
    cores)."""

    _params = tuple(p for p in ImputationDiD._params if p != "aux_partition")
    _two_stage = True
    _results = TwoStageDiDResults

    def __init__(self, anticipation=0, alpha=0.05, cluster=None, n_bootstrap=0,
                 bootstrap_weights="rademacher", seed=None, rank_deficient_action="warn",
                 horizon_max=None, pretrends=False, vcov_type="hc1", threads=0):
        super().__init__(threads=threads, anticipation=anticipation, alpha=alpha, cluster=cluster,
                         vcov_type=vcov_type, n_bootstrap=n_bootstrap,
                         bootstrap_weights=bootstrap_weights, seed=seed,
                         rank_deficient_action=rank_deficient_action, horizon_max=horizon_max,
                         pretrends=pretrends)


def imputation_did(data, outcome, unit, time, first_treat, covariates=None, aggregate=None,
                   balance_e=None, **kwargs):
    """diff-diff's ``imputation_did`` convenience function: ImputationDiD(**kwargs).fit(...).

    data, outcome, unit, time, first_treat, covariates, aggregate, balance_e: as
    ImputationDiD.fit; kwargs: ImputationDiD's arguments. Returns an ImputationDiDResults."""
    return ImputationDiD(**kwargs).fit(data, outcome, unit, time, first_treat,
                                       covariates=covariates, aggregate=aggregate,
                                       balance_e=balance_e)


def two_stage_did(data, outcome, unit, time, first_treat, covariates=None, aggregate=None,
                  balance_e=None, **kwargs):
    """diff-diff's ``two_stage_did`` convenience function: TwoStageDiD(**kwargs).fit(...).

    data, outcome, unit, time, first_treat, covariates, aggregate, balance_e: as
    TwoStageDiD.fit (ImputationDiD.fit's arguments); kwargs: TwoStageDiD's arguments. Returns
    a TwoStageDiDResults."""
    return TwoStageDiD(**kwargs).fit(data, outcome, unit, time, first_treat,
                                     covariates=covariates, aggregate=aggregate,
                                     balance_e=balance_e)
