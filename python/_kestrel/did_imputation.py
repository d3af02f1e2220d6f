"""The imputation family of staggered DiD estimators, with diff-diff's names: ``ImputationDiD``
(Borusyak, Jaravel & Spiess 2024; R didimputation's conservative variance) and ``TwoStageDiD``
(Gardner 2022; R did2s's GMM sandwich variance). The work is in C (src/did/imputation.c,
src/did/two_stage.c: the exact first stage, the imputed effects, their aggregation and variances,
the multiplier bootstrap); this module shapes arguments and results."""
from __future__ import annotations

import builtins

import numpy as np

from . import _core
from . import did_checks as checks
from . import did_post_aggregate as post
from . import validate
from .did_base import Estimator, Results
from .regress import _columns
from .summary import Summary

_AUX = ("cohort_horizon", "cohort", "horizon")
_AGGREGATES = (None, "simple", "event_study", "group", "all")
_DF_CONVENTIONS = ("residual", "cluster", "normal")
# vcov_type: the imputation family's variances are sums of influence functions over clusters,
# with no single design matrix for a hat-matrix (hc2) or homoskedastic family, as diff-diff says
_VCOV_WHY = {
    "classical": "the variance is a sum of influence functions over clusters (BJS Theorem 3; "
                 "Gardner's GMM sandwich), with no single design matrix for a homoskedastic "
                 "variance",
    "hc2": "the variance is a sum of influence functions over clusters, with no single hat "
           "matrix for leverage corrections",
    "hc2_bm": "the variance is a sum of influence functions over clusters, with no single hat "
              "matrix for Bell-McCaffrey degrees of freedom",
    "conley": "spatial HAC is not defined for these influence-function variances (diff-diff "
              "defers it too)",
}


def _check_vcov_type(owner, vcov_type):
    if vcov_type in _VCOV_WHY:
        raise ValueError(f"{owner}(vcov_type={vcov_type!r}) is not supported: "
                         f"{_VCOV_WHY[vcov_type]}. Use vcov_type='hc1' (the default) with "
                         "cluster=<column> for cluster-robust inference.")
    checks.check_choice("vcov_type", vcov_type, ("hc1",))


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


class _ImputationFamilyResults(Results):
    """What diff-diff's ``ImputationDiDResults`` and ``TwoStageDiDResults`` share: ``overall_att`` / ``overall_se`` /
    ``overall_t_stat`` / ``overall_p_value`` / ``overall_conf_int``; ``event_study_effects``
    {h: {effect, se, t_stat, p_value, conf_int, n_obs}} (with the reference period
    -1 - anticipation as effect 0, n_obs 0), ``group_effects`` {g: {...}} (when the fit's
    ``aggregate`` asked for them, else None); ``treatment_effects`` (a DataFrame: unit, time,
    tau_hat, rel_time, weight); ``groups``, ``time_periods``, ``n_obs``, ``n_treated_obs``,
    ``n_untreated_obs``, ``n_treated_units``, ``n_control_units``, ``n_clusters``, ``alpha``,
    ``anticipation``, ``bootstrap_results``, ``vcov_type``, ``cluster_name``,
    ``survey_metadata`` and ``event_study_df`` (None: no survey designs in kestrel). Inference
    is normal, as diff-diff's."""

    def __init__(self, r, est, data, unit, time, aggregate):
        self.alpha, self.anticipation = est.alpha, est.anticipation
        self.cluster_name = est.cluster
        self.overall_att, self.overall_se = r["att"], r["se"]
        self.overall_t_stat, self.overall_p_value = r["t_stat"], r["p_value"]
        self.overall_conf_int = (r["ci_lower"], r["ci_upper"])
        es, groups = _effects(r["event_study"]), _effects(r["groups"])
        self._es_all, self._groups_all = es, groups
        # the C core's covariance of the horizons (two-stage, analytical inference only)
        self._es_vcov_all = r["event_study_vcov"]
        self._fit_pretrends = r["n_leads"] > 0 or not est.pretrends
        self.event_study_effects = None
        if aggregate in ("event_study", "all"):
            ref = -1 - int(est.anticipation)
            self.event_study_effects = {ref: {"effect": 0.0, "se": 0.0, "t_stat": np.nan,
                                              "p_value": np.nan, "conf_int": (0.0, 0.0),
                                              "n_obs": 0}}
            self.event_study_effects.update(es)
            self.event_study_effects = dict(sorted(self.event_study_effects.items()))
        if est._two_stage:
            # diff-diff's: the estimated horizons (not the reference), None without an event
            # study or under the bootstrap
            has = self.event_study_effects is not None and self._es_vcov_all is not None
            self.event_study_vcov = self._es_vcov_all if has else None
            self.event_study_vcov_index = list(es) if has else None
        self.group_effects = groups if aggregate in ("group", "all") else None
        self.groups = sorted(groups)
        rows = r["row"]
        cols = _columns(data, (unit, time))
        self.time_periods = [_num(v) for v in np.unique(np.asarray(cols[time], dtype=float))]
        import pandas as pd
        self.treatment_effects = pd.DataFrame({
            unit: np.asarray(cols[unit])[rows], time: np.asarray(cols[time])[rows],
            "tau_hat": r["tau"], "rel_time": r["rel"], "weight": r["weight"]})
        self.n_obs, self.n_treated_obs = r["nobs"], r["n_treated_obs"]
        self.n_untreated_obs = r["n_untreated_obs"]
        self.n_treated_units, self.n_control_units = r["n_treated_units"], r["n_control_units"]
        self.n_clusters = r["nclusters"]
        self.n_bootstrap = est.n_bootstrap  # > 0: percentile intervals, not recomputable
        self.vcov_type = est.vcov_type
        self.cluster_name = est.cluster if est.cluster is not None else unit
        self.survey_metadata = None
        self.event_study_df = None  # diff-diff's survey df of the event study; no survey here
        self.bootstrap_results = None
        if est.n_bootstrap:
            leads = set(list(es)[:r["n_leads"]])  # BJS's leads keep analytical inference
            post = {h: d for h, d in es.items() if h not in leads}
            self.bootstrap_results = ImputationBootstrapResults(
                est.n_bootstrap, est.bootstrap_weights, est.alpha,
                {"se": self.overall_se, "conf_int": self.overall_conf_int,
                 "p_value": self.overall_p_value}, post if self.event_study_effects else None,
                self.group_effects, r["boot"])

    def aggregate(self, type, weights=None, *, balance_e=None):
        """diff-diff 3.9+'s post-fit aggregation, the same numbers as the fit-time
        ``aggregate=``. type: 'event_study' an EventStudyResults (the horizons, the reference
        -1 - anticipation as effect 0; with ``balance_e`` the C core recomputes it on the
        cohorts observed at every relative period in [-balance_e, max horizon]), 'group' /
        'simple' / 'total' (the overall ATT summed over the treated observations) an
        AggregationResult. ``weights``: diff-diff's selector, which these estimators do not
        offer (None only)."""
        name = builtins.type(self).__name__
        post.check_call(name, type, weights, balance_e,
                        ("simple", "event_study", "group", "total"), ("event_study",))
        estimator = name.replace("Results", "")
        if type == "simple":
            return post.table("simple", {"overall": post.overall(self, self.n_treated_obs)},
                              self.alpha, estimator, weight=[1.0])
        if type == "total":
            return post.table("total", {"total": post.overall(self, self.n_treated_obs,
                                                               self.n_treated_obs)},
                              self.alpha, estimator, weight=[1.0])
        if type == "group":
            return post.table("group", self._groups_all, self.alpha, estimator)
        es, vcov = self._es_all, self._es_vcov_all
        if balance_e is not None:
            checks.check_count("balance_e", balance_e)
        asked = dict(balance_e=self._call["balance_e"] if balance_e is None else int(balance_e))
        if asked["balance_e"] != self._call["balance_e"] or (self._call["pretrends"]
                                                            and not self._fit_pretrends):
            again = _core.did_imputation(**{**self._call, **asked})
            es, vcov = _effects(again["event_study"]), again["event_study_vcov"]
        ref = -1 - int(self.anticipation)
        rows = {ref: {"effect": 0.0, "se": np.nan, "t_stat": np.nan, "p_value": np.nan,
                      "conf_int": (np.nan, np.nan), "n_obs": 0}, **es}
        return post.event_study(rows, {ref}, name, self.alpha, int(self.anticipation),
                                vcov=vcov, vcov_index=None if vcov is None else list(es))

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
        """The overall ATT and its inference (kestrel's overall_* keys and diff-diff's att, se,
        t_stat, p_value, conf_int_lower / _upper), the counts and the variance's settings."""
        lo, hi = self.overall_conf_int
        out = {"overall_att": self.overall_att, "overall_se": self.overall_se,
               "overall_t_stat": self.overall_t_stat, "overall_p_value": self.overall_p_value,
               "overall_conf_int": [lo, hi], "att": self.overall_att, "se": self.overall_se,
               "t_stat": self.overall_t_stat, "p_value": self.overall_p_value,
               "conf_int_lower": lo, "conf_int_upper": hi, "n_obs": self.n_obs,
               "n_treated_obs": self.n_treated_obs, "n_untreated_obs": self.n_untreated_obs,
               "n_treated_units": self.n_treated_units,
               "n_control_units": self.n_control_units, "alpha": self.alpha,
               "anticipation": self.anticipation, "vcov_type": self.vcov_type,
               "cluster_name": self.cluster_name, "n_clusters": self.n_clusters,
               "inference_method": "bootstrap" if self.bootstrap_results else "cluster"}
        if self.bootstrap_results:
            out["n_bootstrap"] = self.n_bootstrap
        return out

    def _variance_note(self):
        return ""

    def summary(self):
        """The overall ATT and any event-study / group effects. Returned; ``print_summary()``
        prints it."""
        lo, hi = self.overall_conf_int
        lines = [self._name,
                 f"  {self.n_obs} observations: {self.n_treated_obs} treated, "
                 f"{self.n_untreated_obs} untreated; {self.n_treated_units} treated units, "
                 f"{self.n_control_units} units with untreated observations",
                 f"  {self._variance}{self._variance_note()}, {self.n_clusters} clusters",
                 f"  overall ATT {self.overall_att:.6f}  se {self.overall_se:.6f}  p "
                 f"{self.overall_p_value:.4g}  [{lo:.6f}, {hi:.6f}]"]
        for title, eff in (("horizon", self.event_study_effects), ("group", self.group_effects)):
            if not eff:
                continue
            lines += ["", f"  {title:>8}{'effect':>12}{'std.err':>12}{'p':>10}{'n_obs':>8}"]
            for k, d in eff.items():
                lines.append(f"  {k!s:>8}{d['effect']:12.6f}{d['se']:12.6f}"
                             f"{d['p_value']:10.4g}{d['n_obs']:8d}")
        pt = getattr(self, "pretrend_results", None)  # the imputation estimator's test
        if pt is not None:
            lines += ["", f"  pre-trend test (BJS eq. 9): F {pt['f_stat']:.4f} on {pt['df']} "
                      f"lead(s), p {pt['p_value']:.4g}"]
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


class ImputationDiDResults(_ImputationFamilyResults):
    """diff-diff's ``ImputationDiDResults`` (Borusyak, Jaravel & Spiess): the shared fields
    (see _ImputationFamilyResults), ``leave_one_out``, ``df_convention``, ``pretrend_results``
    (None until ``pretrend_test()``); with ``pretrends=True`` the event study also holds the
    leads' coefficients of BJS's lead regression (t inference by ``df_convention``)."""

    _name = "Imputation DiD (Borusyak, Jaravel & Spiess 2024)"
    _variance = "conservative clustered variance (BJS Theorem 3)"

    def __init__(self, r, est, data, unit, time, aggregate, pretrend_args):
        super().__init__(r, est, data, unit, time, aggregate)
        self.leave_one_out, self.df_convention = est.leave_one_out, est.df_convention
        self.pretrend_results = None
        self._pretrend_args = pretrend_args

    def to_dict(self):
        out = super().to_dict()
        out.update(leave_one_out=self.leave_one_out, df_convention=self.df_convention)
        return out

    def _variance_note(self):
        return ", leave-one-out (BJS Supp. App. A.9)" if self.leave_one_out else ""

    def pretrend_test(self, n_leads=None):
        """BJS's pre-trend test (Test 1, eq. 9; R didimputation's pretrends): the first stage on
        the untreated observations with lead indicators for the pre-treatment relative periods
        h < -anticipation other than the reference -1 - anticipation (the n_leads nearest the
        treatment; None: all), tested jointly by the Wald F with fixest's cluster-robust CR1
        variance against F(n_leads, clusters - 1). Stores and returns diff-diff's dict:
        ``f_stat``, ``p_value``, ``df`` (= ``n_leads``), ``n_leads``, ``lead_coefficients``
        {h: coefficient}; kestrel adds ``lead_se``, ``vcov`` (leads x leads) and
        ``df_denom``."""
        if n_leads is not None:
            checks.check_count("n_leads", n_leads)
        data, outcome, unit, time, first_treat, covs, fit = self._pretrend_args
        t = _core.did_imputation_pretrend_test(
            _columns(data, (outcome, unit, time, first_treat, covs, fit["cluster"])), outcome,
            unit, time, first_treat, n_leads=-1 if n_leads is None else int(n_leads),
            anticipation=int(fit["anticipation"]), covariates=covs, cluster=fit["cluster"],
            alpha=float(fit["alpha"]), df_convention=_DF_CONVENTIONS.index(fit["df_convention"]),
            strict=fit["rank_deficient_action"] == "error", threads=int(fit["threads"]))
        notes = t["notes"]
        if fit["rank_deficient_action"] == "silent":
            notes = [(lv, m) for lv, m in notes if "collinear" not in m]
        checks.warn_notes(notes)
        keys = [_num(h) for h in t["key"]]
        q = len(keys)
        self.pretrend_results = {
            "f_stat": t["f_stat"] if q else np.nan, "p_value": t["f_pvalue"] if q else np.nan,
            "df": q, "n_leads": q,
            "lead_coefficients": {h: float(c) for h, c in zip(keys, t["coef"])},
            "lead_se": {h: float(c) for h, c in zip(keys, t["se"])},
            "vcov": np.asarray(t["vcov"]).reshape(q, q), "df_denom": t["f_df2"]}
        return self.pretrend_results


class TwoStageDiDResults(_ImputationFamilyResults):
    """diff-diff's ``TwoStageDiDResults``: the shared fields (see _ImputationFamilyResults);
    standard errors from Gardner's GMM sandwich (R did2s); with ``pretrends=True`` the event
    study holds the leads, each the mean residualized outcome of its cell (did2s's pre-period
    coefficients)."""

    _name = "Two-stage DiD (Gardner 2022)"
    _variance = "GMM sandwich variance (did2s)"


class ImputationDiD(Estimator):
    """diff-diff's ``ImputationDiD``: ``anticipation``, ``alpha``, ``cluster`` (default: the
    unit), ``vcov_type`` ('hc1' only, as diff-diff: the variance sums influence functions over
    clusters), ``n_bootstrap`` (multiplier bootstrap over clusters; 0: the analytical
    conservative variance), ``bootstrap_weights`` ('rademacher', 'mammen', 'webb'), ``seed``,
    ``rank_deficient_action`` ('warn', 'error', 'silent': treated observations whose unit or
    period has no untreated observation, leads collinear with the fixed effects),
    ``horizon_max``, ``aux_partition`` ('cohort_horizon', 'cohort', 'horizon'), ``pretrends``
    (the event study adds BJS's lead coefficients: the first stage on the untreated
    observations with lead indicators, cluster-robust CR1 standard errors; the overall and
    cohort effects are unchanged), ``leave_one_out`` (BJS's leave-out conservative variance,
    Supplementary Appendix A.9, Stata did_imputation's ``leaveout``: each unit's auxiliary
    effect leaves the unit out), ``df_convention`` ('residual', 'cluster' or 'normal': the t
    degrees of freedom of the leads' tests, and only those); kestrel's ``threads`` (0: all
    cores). ``fit(data, outcome, unit, time, first_treat, covariates=None, aggregate=None,
    balance_e=None)``; first_treat 0 or Inf marks the never treated. The results'
    ``pretrend_test(n_leads)`` is BJS's joint test of the leads."""

    _params = ("anticipation", "alpha", "cluster", "vcov_type", "n_bootstrap",
               "bootstrap_weights", "seed", "rank_deficient_action", "horizon_max",
               "aux_partition", "pretrends", "leave_one_out", "df_convention", "threads")
    _two_stage = False

    def __init__(self, anticipation=0, alpha=0.05, cluster=None, vcov_type="hc1", n_bootstrap=0,
                 bootstrap_weights="rademacher", seed=None, rank_deficient_action="warn",
                 horizon_max=None, aux_partition="cohort_horizon", pretrends=False,
                 leave_one_out=False, df_convention="residual", threads=0):
        self._init_common(anticipation, alpha, cluster, vcov_type, n_bootstrap,
                          bootstrap_weights, seed, rank_deficient_action, horizon_max, pretrends,
                          threads)
        checks.check_choice("aux_partition", aux_partition, _AUX)  # at construction, as diff-diff
        self.aux_partition = aux_partition
        self.leave_one_out, self.df_convention = leave_one_out, df_convention

    def _init_common(self, anticipation, alpha, cluster, vcov_type, n_bootstrap,
                     bootstrap_weights, seed, rank_deficient_action, horizon_max, pretrends,
                     threads):
        self.anticipation, self.alpha, self.cluster = anticipation, alpha, cluster
        self.vcov_type, self.n_bootstrap = vcov_type, n_bootstrap
        self.bootstrap_weights, self.seed = bootstrap_weights, seed
        self.rank_deficient_action, self.horizon_max = rank_deficient_action, horizon_max
        self.pretrends, self.threads = pretrends, threads
        self.is_fitted_ = False
        self.results_ = None
        # diff-diff's constructor checks (the rest at fit)
        checks.check_rank_action(rank_deficient_action)
        checks.enum_value("bootstrap_weights", bootstrap_weights, "did_boot_weights")

    def _own_options(self, aggregate):
        """The arguments only the imputation estimator has, checked, for the C call."""
        checks.check_choice("aux_partition", self.aux_partition, _AUX)
        if not isinstance(self.leave_one_out, (bool, np.bool_)):
            raise TypeError(f"leave_one_out must be a bool, got "
                            f"{type(self.leave_one_out).__name__}")
        checks.check_choice("df_convention", self.df_convention, _DF_CONVENTIONS)
        if self.df_convention != "residual" and not (self.pretrends and
                                                     aggregate in ("event_study", "all")):
            import warnings
            warnings.warn(f"df_convention={self.df_convention!r} sets the degrees of freedom of "
                          "the leads' tests in the event study of pretrends=True only; here it "
                          "changes nothing (pretrend_test()'s F test uses clusters - 1 either "
                          "way)", UserWarning, stacklevel=3)
        return {"aux": _AUX.index(self.aux_partition),
                "leave_one_out": bool(self.leave_one_out),
                "df_convention": _DF_CONVENTIONS.index(self.df_convention)}

    def _check(self):
        checks.check_alpha(self.alpha)
        checks.check_count("anticipation", self.anticipation)
        checks.check_count("n_bootstrap", self.n_bootstrap)
        checks.check_rank_action(self.rank_deficient_action)
        _check_vcov_type(type(self).__name__, self.vcov_type)
        if self.horizon_max is not None:
            checks.check_count("horizon_max", self.horizon_max)
        validate.seed(self.seed)
        checks.few_bootstrap_draws(self.n_bootstrap)
        return checks.enum_value("bootstrap_weights", self.bootstrap_weights, "did_boot_weights")

    def fit(self, data, outcome, unit, time, first_treat, covariates=None, aggregate=None,
            balance_e=None):
        """Estimate. data: a DataFrame (or dict of arrays); outcome, unit, time, first_treat
        (first treated period; 0 or Inf: never treated): column names; covariates: time-varying
        columns of the first stage; aggregate: None / 'simple' (overall only), 'event_study',
        'group' or 'all'; balance_e: the event study keeps cohorts observed at every relative
        period in [-balance_e, max horizon] (with pretrends, their leads only)."""
        kind = self._check()
        checks.check_choice("aggregate", aggregate, _AGGREGATES)
        own = self._own_options(aggregate)
        if balance_e is not None:
            checks.check_count("balance_e", balance_e)
        covs = [covariates] if isinstance(covariates, str) else covariates
        call = dict(
            columns=_columns(data, (outcome, unit, time, first_treat, covs, self.cluster)),
            outcome=outcome, unit=unit, time=time, first_treat=first_treat,
            two_stage=self._two_stage,
            anticipation=int(self.anticipation), covariates=covs, cluster=self.cluster,
            alpha=float(self.alpha),
            horizon_max=-1 if self.horizon_max is None else int(self.horizon_max),
            balance_e=-1 if balance_e is None else int(balance_e),
            pretrends=bool(self.pretrends) and aggregate in ("event_study", "all"),
            strict=self.rank_deficient_action == "error", n_bootstrap=int(self.n_bootstrap),
            boot_kind=kind, seed=0 if self.seed is None else int(self.seed),
            threads=int(self.threads), **own)
        r = _core.did_imputation(**call)
        notes = r["notes"]
        if self.rank_deficient_action == "silent":
            notes = [(lv, m) for lv, m in notes
                     if "cannot be imputed" not in m and "collinear" not in m]
        checks.warn_notes(notes)
        self.results_ = self._make_results(r, data, outcome, unit, time, first_treat, covs,
                                           aggregate)
        self.results_._call = {**call, "pretrends": bool(self.pretrends)}
        self._fit_args = (data, outcome, unit, time, first_treat, covs)
        self.is_fitted_ = True
        return self.results_

    def _make_results(self, r, data, outcome, unit, time, first_treat, covs, aggregate):
        # pretrend_test() refits on the data and settings of this fit, not the estimator's
        # later ones
        settings = {k: getattr(self, k) for k in ("anticipation", "cluster", "alpha",
                                                  "df_convention", "rank_deficient_action",
                                                  "threads")}
        return ImputationDiDResults(r, self, data, unit, time, aggregate,
                                    (data, outcome, unit, time, first_treat, covs, settings))


class TwoStageDiD(ImputationDiD):
    """diff-diff's ``TwoStageDiD`` (Gardner 2022): the arguments of ImputationDiD without
    ``aux_partition``, ``leave_one_out`` and ``df_convention``; standard errors from the
    two-stage GMM sandwich (R did2s's analytical standard errors). With ``pretrends=True`` the
    event study adds the leads (every pre-treatment relative period of the treated units but
    the reference -1 - anticipation), each the mean first-stage residual of its cell with the
    same sandwich: did2s's pre-period coefficients (second stage ``~ 0 + i(rel_year, ref =
    c(-1, Inf))``).

    ``anticipation`` (periods before first_treat already treated), ``alpha``, ``cluster``
    (default: the unit), ``n_bootstrap`` (multiplier bootstrap over clusters; 0: the
    sandwich), ``bootstrap_weights`` ('rademacher', 'mammen', 'webb'), ``seed``,
    ``rank_deficient_action`` ('warn', 'error', 'silent': treated observations whose unit or
    period has no untreated observation), ``horizon_max`` (the largest relative period
    estimated), ``vcov_type`` ('hc1' only, as diff-diff), kestrel's ``threads`` (0: all
    cores)."""

    _params = tuple(p for p in ImputationDiD._params
                    if p not in ("aux_partition", "leave_one_out", "df_convention"))
    _two_stage = True

    def __init__(self, anticipation=0, alpha=0.05, cluster=None, n_bootstrap=0,
                 bootstrap_weights="rademacher", seed=None, rank_deficient_action="warn",
                 horizon_max=None, pretrends=False, vcov_type="hc1", threads=0):
        self._init_common(anticipation, alpha, cluster, vcov_type, n_bootstrap,
                          bootstrap_weights, seed, rank_deficient_action, horizon_max, pretrends,
                          threads)

    def _own_options(self, aggregate):
        return {}

    def _make_results(self, r, data, outcome, unit, time, first_treat, covs, aggregate):
        return TwoStageDiDResults(r, self, data, unit, time, aggregate)


def imputation_did(data, outcome, unit, time, first_treat, covariates=None, aggregate=None,
                   balance_e=None, vcov_type="hc1", **kwargs):
    """diff-diff's ``imputation_did`` convenience function: ImputationDiD(**kwargs).fit(...).

    data, outcome, unit, time, first_treat, covariates, aggregate, balance_e: as
    ImputationDiD.fit; vcov_type: as ImputationDiD's; kwargs: ImputationDiD's arguments.
    Returns an ImputationDiDResults."""
    return ImputationDiD(vcov_type=vcov_type, **kwargs).fit(data, outcome, unit, time, first_treat,
                                       covariates=covariates, aggregate=aggregate,
                                       balance_e=balance_e)


def two_stage_did(data, outcome, unit, time, first_treat, covariates=None, aggregate=None,
                  balance_e=None, vcov_type="hc1", **kwargs):
    """diff-diff's ``two_stage_did`` convenience function: TwoStageDiD(**kwargs).fit(...).

    data, outcome, unit, time, first_treat, covariates, aggregate, balance_e: as
    TwoStageDiD.fit (ImputationDiD.fit's arguments); vcov_type: as TwoStageDiD's; kwargs:
    TwoStageDiD's arguments. Returns a TwoStageDiDResults."""
    return TwoStageDiD(vcov_type=vcov_type, **kwargs).fit(data, outcome, unit, time, first_treat,
                                     covariates=covariates, aggregate=aggregate,
                                     balance_e=balance_e)
