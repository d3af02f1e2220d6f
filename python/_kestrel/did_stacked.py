"""Stacked difference-in-differences (Wing, Freedman & Hollingsworth 2024; diff-diff's
``StackedDiD``) and the two-period triple difference (Ortiz-Villavicencio & Sant'Anna 2025;
diff-diff's ``TripleDifference``). The work is in C (src/did/stacked.c: the stack, the corrective
weights and the weighted event-study regression by kestrel's regression; src/did/triple_diff.c:
the three repeated-cross-section DRDID comparisons and their influence function); this module
shapes arguments and results."""
from __future__ import annotations

import numpy as np

from . import _core
from . import did_checks as checks
from . import did_post_aggregate as post
from .did_base import Estimator, Results
from .regress import _columns
from .summary import Summary

_ALPHA_STARS = ((0.001, "***"), (0.01, "**"), (0.05, "*"), (0.1, "."))


def _stars(p):
    if not np.isfinite(p):
        return ""
    return next((s for cut, s in _ALPHA_STARS if p < cut), "")


def _num(x):
    x = float(x)
    return int(x) if x.is_integer() else x


class StackedDiDResults(Results):
    """diff-diff's ``StackedDiDResults``: ``overall_att`` / ``overall_se`` / ``overall_t_stat``
    / ``overall_p_value`` / ``overall_conf_int`` (the mean of the post-period event-study
    coefficients), ``event_study_effects`` {h: {effect, se, t_stat, p_value, conf_int, n_obs}}
    (the reference period with effect 0), ``event_study_vcov`` / ``event_study_vcov_index``,
    ``stacked_data`` (the stack with _sub_exp, _event_time, _D_sa, _Q_weight), ``groups`` /
    ``trimmed_groups``, ``time_periods``, counts, and the configuration."""

    def __init__(self, r, est, data):
        self._r = r
        self.alpha, self.kappa_pre, self.kappa_post = est.alpha, est.kappa_pre, est.kappa_post
        self.weighting, self.control_group = est.weighting, est.control_group
        self.clean_control = est.control_group  # diff-diff's newer name of the same setting
        self.base_period = "universal"  # every horizon against the one reference period
        self.anticipation, self.vcov_type = est.anticipation, est.vcov_type
        self.cluster_name, self.balance, self.covariates = est.cluster, "none", None
        self.df_convention, self.survey_metadata, self.balance_diagnostics = \
            est.df_convention, None, None
        self.group_effects = None
        df = r["df"]
        self.inference_df = float(df) if df > 0 else None
        ref = _num(r["ref"])
        self.event_study_effects = {ref: {"effect": 0.0, "se": 0.0, "t_stat": np.nan,
                                          "p_value": np.nan, "conf_int": (np.nan, np.nan),
                                          "n_obs": 0}}
        for i, h in enumerate(r["event_time"]):
            self.event_study_effects[_num(h)] = {
                "effect": float(r["effect"][i]), "se": float(r["se"][i]),
                "t_stat": float(r["t_stat"][i]), "p_value": float(r["p_value"][i]),
                "conf_int": (float(r["ci_lower"][i]), float(r["ci_upper"][i])),
                "n_obs": int(r["n_obs_e"][i])}
        self.event_study_effects = dict(sorted(self.event_study_effects.items()))
        self.event_study_vcov = np.asarray(r["vcov"])
        self.event_study_vcov_index = [_num(h) for h in r["event_time"]]
        self.event_study_df = {_num(h): (float(df) if df > 0 else np.nan)
                               for h in r["event_time"]}
        self.overall_att, self.overall_se = r["att"], r["att_se"]
        self.overall_t_stat, self.overall_p_value = r["att_t"], r["att_p"]
        self.overall_conf_int = (r["att_lo"], r["att_hi"])
        self.groups = [_num(g) for g in r["groups"]]
        self.trimmed_groups = [_num(g) for g in r["trimmed"]]
        self.time_periods = [_num(t) for t in r["periods"]]
        self.n_obs, self.n_stacked_obs = r["nobs"], r["nstack"]
        self.n_sub_experiments = r["n_sub_experiments"]
        self.n_treated_units, self.n_control_units = r["n_treated_units"], r["n_control_units"]
        self.n_clusters = r["nclusters"]
        self._data = data

    def aggregate(self, type, weights=None, *, balance_e=None):
        """diff-diff 3.9+'s post-fit aggregation of the pooled stacked regression (no cohort
        effects). type: 'event_study' an EventStudyResults (the reference period -1 - anticipation,
        the coefficients' vcov), 'simple' an AggregationResult (the overall ATT); both with
        the fit's t degrees of freedom. ``weights`` / ``balance_e``: diff-diff's arguments,
        which the stacked estimator does not use (None only)."""
        post.check_call("StackedDiDResults", type, weights, balance_e,
                        ("simple", "event_study"), ())
        df = self.inference_df
        if type == "simple":
            return post.table("simple", {"overall": post.overall(self, self.n_treated_units)},
                              self.alpha, "StackedDiD", n_kind="units", weight=[1.0],
                              df=None if df is None else [df])
        ref = [h for h, d in self.event_study_effects.items() if d["n_obs"] == 0
               and h not in self.event_study_vcov_index]
        rows = {h: ({**d, "se": np.nan} if h in ref else d)
                for h, d in self.event_study_effects.items()}
        return post.event_study(
            rows, set(ref), "StackedDiDResults", self.alpha, int(self.anticipation),
            vcov=self.event_study_vcov, vcov_index=np.array(self.event_study_vcov_index),
            df=None if df is None else [np.nan if h in ref else df for h in sorted(rows)],
            base_period=self.base_period, reference_event_times=tuple(ref))

    @property
    def stacked_data(self):
        """The stacked dataset (built on first use): the data's rows of each sub-experiment with
        _sub_exp, _event_time, _D_sa and _Q_weight."""
        import pandas as pd
        r = self._r
        rows = r["stack_row"]
        if isinstance(self._data, pd.DataFrame):
            out = self._data.iloc[rows].reset_index(drop=True)
        else:
            out = pd.DataFrame({k: np.asarray(v)[rows] for k, v in self._data.items()})
        out["_sub_exp"] = r["stack_sub_exp"]
        out["_event_time"] = r["stack_event_time"].astype(np.int64)
        out["_D_sa"] = r["stack_treated"].astype(np.int64)
        out["_Q_weight"] = r["stack_weight"]
        return out

    att = property(lambda self: self.overall_att)
    se = property(lambda self: self.overall_se)
    t_stat = property(lambda self: self.overall_t_stat)
    p_value = property(lambda self: self.overall_p_value)
    conf_int = property(lambda self: self.overall_conf_int)
    reference_event_times = property(lambda self: (-1 - self.anticipation,))

    @property
    def coef_var(self):
        """overall_se / |overall_att| (NaN when the ATT is 0 or undefined)."""
        a = self.overall_att
        return self.overall_se / abs(a) if np.isfinite(a) and a != 0 else np.nan

    @property
    def is_significant(self):
        return bool(self.overall_p_value < self.alpha)

    @property
    def significance_stars(self):
        return _stars(self.overall_p_value)

    def to_dataframe(self, level="event_study"):
        """level 'event_study': one row per event time (the reference with effect 0); level
        'simple': the overall ATT."""
        import pandas as pd
        if level == "event_study":
            return pd.DataFrame([{"relative_period": h, "effect": d["effect"], "se": d["se"],
                                  "t_stat": d["t_stat"], "p_value": d["p_value"],
                                  "conf_int_lower": d["conf_int"][0],
                                  "conf_int_upper": d["conf_int"][1], "n_obs": d["n_obs"]}
                                 for h, d in self.event_study_effects.items()])
        if level == "simple":
            lo, hi = self.overall_conf_int
            return pd.DataFrame([{"effect": self.overall_att, "se": self.overall_se,
                                  "t_stat": self.overall_t_stat,
                                  "p_value": self.overall_p_value, "conf_int_lower": lo,
                                  "conf_int_upper": hi}])
        raise ValueError(f"level={level!r}: expected 'event_study' or 'simple'")

    def to_dict(self):
        return {"overall_att": self.overall_att, "overall_se": self.overall_se,
                "overall_t_stat": self.overall_t_stat, "overall_p_value": self.overall_p_value,
                "overall_conf_int": list(self.overall_conf_int),
                "event_study_effects": {str(h): d for h, d in self.event_study_effects.items()},
                "groups": self.groups, "trimmed_groups": self.trimmed_groups,
                "n_obs": self.n_obs, "n_stacked_obs": self.n_stacked_obs,
                "n_sub_experiments": self.n_sub_experiments,
                "n_treated_units": self.n_treated_units,
                "n_control_units": self.n_control_units, "n_clusters": self.n_clusters,
                "kappa_pre": self.kappa_pre, "kappa_post": self.kappa_post,
                "weighting": self.weighting, "control_group": self.control_group}

    def summary(self):
        """The overall ATT and the event study. Returned; ``print_summary()`` prints it."""
        lo, hi = self.overall_conf_int
        lines = ["Stacked difference-in-differences (Wing, Freedman & Hollingsworth 2024)",
                 f"  {self.n_sub_experiments} sub-experiments (cohorts {self.groups}"
                 + (f"; trimmed {self.trimmed_groups}" if self.trimmed_groups else "") + "), "
                 f"window [{-self.kappa_pre - self.anticipation}, {self.kappa_post}], "
                 f"weighting {self.weighting}, controls {self.control_group}",
                 f"  {self.n_stacked_obs} stacked rows from {self.n_obs}; "
                 f"{self.n_treated_units} treated and {self.n_control_units} control units; "
                 f"CR1 SEs clustered by {self.cluster_name} ({self.n_clusters} clusters)",
                 f"  overall ATT {self.overall_att:.6f}  se {self.overall_se:.6f}  p "
                 f"{self.overall_p_value:.4g}  [{lo:.6f}, {hi:.6f}] {self.significance_stars}",
                 "", f"  {'h':>6}{'effect':>12}{'std.err':>12}{'p':>10}{'n_obs':>8}"]
        for h, d in self.event_study_effects.items():
            lines.append(f"  {h!s:>6}{d['effect']:12.6f}{d['se']:12.6f}{d['p_value']:10.4g}"
                         f"{d['n_obs']:8d}")
        return Summary("\n".join(lines))

    def plot(self, **kw):
        from .did_plot import plot_event_study
        return plot_event_study(self, **kw)

    def __repr__(self):
        return (f"StackedDiDResults(overall_att={self.overall_att:.6g}, "
                f"se={self.overall_se:.6g}, n_sub_experiments={self.n_sub_experiments})")


class StackedDiD(Estimator):
    """diff-diff's ``StackedDiD``: ``kappa_pre``, ``kappa_post`` (the event window),
    ``weighting`` ('aggregate', 'population', 'sample_share'), ``control_group``
    ('not_yet_treated', 'strict', 'never_treated'), ``cluster`` ('unit', 'unit_subexp'),
    ``alpha``, ``anticipation``, ``rank_deficient_action``, ``vcov_type`` ('hc1': CR1, Stata's
    G/(G-1) (n-1)/(n-k)), ``balance`` ('none'), ``df_convention`` ('residual', 'cluster',
    'normal'); ``clean_control`` is diff-diff's deprecated name for ``control_group``.
    ``fit(data, outcome, unit, time, first_treat, population=None)``; first_treat 0 or Inf marks
    the never treated."""

    _params = ("kappa_pre", "kappa_post", "weighting", "control_group", "cluster", "alpha",
               "anticipation", "rank_deficient_action", "vcov_type", "balance", "df_convention")

    def __init__(self, kappa_pre=1, kappa_post=1, weighting="aggregate",
                 control_group="not_yet_treated", cluster="unit", alpha=0.05, anticipation=0,
                 rank_deficient_action="warn", vcov_type="hc1", balance="none",
                 df_convention="residual", clean_control=None):
        if clean_control is not None:  # diff-diff's deprecated name for control_group
            checks.warn("clean_control= is deprecated; use control_group=", FutureWarning)
            control_group = clean_control
        self.kappa_pre, self.kappa_post, self.weighting = kappa_pre, kappa_post, weighting
        self.control_group, self.cluster, self.alpha = control_group, cluster, alpha
        self.anticipation, self.rank_deficient_action = anticipation, rank_deficient_action
        self.vcov_type, self.balance, self.df_convention = vcov_type, balance, df_convention
        self._check()
        self.is_fitted_, self.results_ = False, None

    def _check(self):
        checks.check_choice("weighting", self.weighting,
                            ("aggregate", "population", "sample_share"))
        checks.check_choice("control_group", self.control_group,
                            ("not_yet_treated", "strict", "never_treated"))
        checks.check_choice("cluster", self.cluster, ("unit", "unit_subexp"))
        checks.check_choice("df_convention", self.df_convention,
                            ("residual", "cluster", "normal"))
        checks.check_rank_action(self.rank_deficient_action)
        checks.check_alpha(self.alpha)
        checks.check_count("kappa_pre", self.kappa_pre)
        checks.check_count("kappa_post", self.kappa_post)
        checks.check_count("anticipation", self.anticipation)
        if self.vcov_type != "hc1":
            raise ValueError(f"vcov_type={self.vcov_type!r}: kestrel's StackedDiD offers 'hc1' "
                             "(CR1 clustered by the `cluster` level); 'hc2_bm' is not implemented")
        if self.balance != "none":
            raise ValueError(f"balance={self.balance!r}: only 'none' is implemented")

    clean_control = property(lambda self: self.control_group)

    def fit(self, data, outcome, unit, time, first_treat, aggregate=None, population=None,
            covariates=None):
        """Estimate the stacked event study. data: a DataFrame (or dict of arrays); outcome,
        unit, time, first_treat: column names; population: the column of unit populations for
        weighting='population'; aggregate: diff-diff's deprecated argument (the event study is
        always computed); covariates: only with diff-diff's balance='entropy', which is not
        implemented (an error). Returns a StackedDiDResults (also in ``results_``)."""
        self._check()
        if aggregate is not None:
            if aggregate not in ("simple", "event_study"):
                raise ValueError(f"aggregate={aggregate!r}: the pooled stacked regression has "
                                 "no cohort effects; use None, 'simple' or 'event_study'")
            checks.warn("StackedDiD.fit(aggregate=) is deprecated: the event study is always "
                        "computed", FutureWarning)
        if covariates:
            raise ValueError("covariates= needs balance='entropy', which is not implemented")
        if self.weighting == "population" and population is None:
            raise ValueError("population column must be specified when weighting='population'")
        cols = _columns(data, (outcome, unit, time, first_treat, population))
        r = _core.did_stacked(cols, outcome, unit, time, first_treat,
                              kappa_pre=int(self.kappa_pre), kappa_post=int(self.kappa_post),
                              anticipation=int(self.anticipation), weighting=self.weighting,
                              control_group=self.control_group, cluster=self.cluster,
                              df_convention=self.df_convention, population=population,
                              alpha=float(self.alpha))
        checks.warn_notes(r["notes"])
        nan = [h for h, s in zip(r["event_time"], r["se"]) if not np.isfinite(s)]
        checks.rank_deficient(self.rank_deficient_action,
                              [f"D x 1(e={_num(h)})" for h in nan], "stacked design")
        self.results_ = StackedDiDResults(r, self, data)
        self.is_fitted_ = True
        return self.results_

    def summary(self):
        """The fitted results' summary (a RuntimeError before fit)."""
        if not self.is_fitted_:
            raise RuntimeError("Model must be fitted before calling summary()")
        return self.results_.summary()

    def print_summary(self):
        print(self.summary())


def stacked_did(data, outcome, unit, time, first_treat, kappa_pre=1, kappa_post=1,
                aggregate=None, population=None, covariates=None, **kwargs):
    """``StackedDiD(kappa_pre, kappa_post, **kwargs).fit(data, outcome, unit, time, first_treat,
    aggregate=aggregate, population=population, covariates=covariates)`` (diff-diff's
    function). Returns a StackedDiDResults."""
    return StackedDiD(kappa_pre=kappa_pre, kappa_post=kappa_post, **kwargs).fit(
        data, outcome, unit, time, first_treat, aggregate=aggregate, population=population,
        covariates=covariates)


_CELLS = [(g, p, t) for g in (1, 0) for p in (1, 0) for t in (0, 1)]
_NAMES = {1: "Treated", 0: "Control"}, {1: "Eligible", 0: "Ineligible"}, {0: "Pre", 1: "Post"}


class TripleDifferenceResults(Results):
    """diff-diff's ``TripleDifferenceResults``: ``att``, ``se``, ``t_stat``, ``p_value``,
    ``conf_int`` (normal-theory, as R triplediff), ``n_obs``, ``n_treated_eligible``,
    ``n_treated_ineligible``, ``n_control_eligible``, ``n_control_ineligible``,
    ``estimation_method``, ``group_means`` (the 8 cell means), ``did_components`` (the DiDs of
    the treated-eligible against the other three subgroups), ``influence_function``,
    ``cluster_name``, ``n_clusters``."""

    def __init__(self, r, est):
        self.att, self.se, self.t_stat, self.p_value = r["att"], r["se"], r["t_stat"], r["p_value"]
        self.conf_int = (r["ci_lower"], r["ci_upper"])
        self.n_obs = r["nobs"]
        self.n_treated_eligible, self.n_treated_ineligible = r["n_te"], r["n_ti"]
        self.n_control_eligible, self.n_control_ineligible = r["n_ce"], r["n_ci"]
        self.estimation_method, self.alpha = est.estimation_method, est.alpha
        m = r["means"]
        self.group_means = {f"{_NAMES[0][g]}, {_NAMES[1][p]}, {_NAMES[2][t]}":
                            float(m[4 * g + 2 * p + t]) for g, p, t in _CELLS}
        d = r["did"]
        self.did_components = {"treated_ineligible": float(d[0]),
                               "control_eligible": float(d[1]),
                               "control_ineligible": float(d[2])}
        self.influence_function = r["inf"]
        self.pscore_stats, self.r_squared, self.covariate_balance = None, None, None
        self.inference_method, self.vcov_type = "analytical", est.vcov_type
        self.cluster_name = est.cluster
        self.n_clusters = r["nclusters"] if est.cluster else None
        self.n_bootstrap, self.survey_metadata = None, None
        self.epv_threshold, self.pscore_fallback = est.epv_threshold, est.pscore_fallback
        # each comparison's logit (treated-eligible against subgroup j: 3 treated-ineligible,
        # 2 control-eligible, 1 control-ineligible, diff-diff's numbering) from the cell counts
        k = r["ncov"]  # the covariates left after R triplediff's collinearity checks
        self.epv_diagnostics = None if not k or est.estimation_method == "reg" else {
            j: checks.epv_entry(min(self.n_treated_eligible, n), k, est.epv_threshold)
            for j, n in ((3, self.n_treated_ineligible), (2, self.n_control_eligible),
                         (1, self.n_control_ineligible))}

    def epv_summary(self, show_all=False):
        """diff-diff's epv_summary: per comparison (subgroup j against the treated-eligible 4)
        subgroup, epv, n_events, n_params, is_low; only the low ones unless ``show_all``."""
        return checks.epv_table(self.epv_diagnostics, ("subgroup",), show_all)

    @property
    def is_significant(self):
        return bool(self.p_value < self.alpha)

    @property
    def significance_stars(self):
        return _stars(self.p_value)

    def to_dict(self):
        return {"att": self.att, "se": self.se, "t_stat": self.t_stat, "p_value": self.p_value,
                "conf_int_lower": self.conf_int[0], "conf_int_upper": self.conf_int[1],
                "n_obs": self.n_obs, "n_treated_eligible": self.n_treated_eligible,
                "n_treated_ineligible": self.n_treated_ineligible,
                "n_control_eligible": self.n_control_eligible,
                "n_control_ineligible": self.n_control_ineligible,
                "estimation_method": self.estimation_method}

    def to_dataframe(self):
        """One row: to_dict()'s numbers."""
        import pandas as pd
        return pd.DataFrame([self.to_dict()])

    def summary(self):
        """The ATT, its standard error, test and interval. Returned; ``print_summary()`` prints
        it."""
        lo, hi = self.conf_int
        se_kind = (f"clustered by {self.cluster_name} ({self.n_clusters} clusters)"
                   if self.cluster_name else "influence function")
        lines = ["Triple difference (Ortiz-Villavicencio & Sant'Anna 2025), "
                 f"method {self.estimation_method}",
                 f"  {self.n_obs} observations: treated-eligible {self.n_treated_eligible}, "
                 f"treated-ineligible {self.n_treated_ineligible}, control-eligible "
                 f"{self.n_control_eligible}, control-ineligible {self.n_control_ineligible}",
                 f"  ATT {self.att:.6f}  se {self.se:.6f} ({se_kind})  p {self.p_value:.4g}  "
                 f"[{lo:.6f}, {hi:.6f}] {self.significance_stars}"]
        return Summary("\n".join(lines))

    def __repr__(self):
        return f"TripleDifferenceResults(att={self.att:.6g}, se={self.se:.6g})"


class TripleDifference(Estimator):
    """diff-diff's ``TripleDifference`` (the 2x2x2 design): ``estimation_method`` ('dr', 'reg',
    'ipw'), ``cluster``, ``alpha``, ``vcov_type`` ('hc1'), ``rank_deficient_action``,
    ``epv_threshold``, ``pscore_fallback`` ('unconditional': a comparison whose propensity logit
    cannot be estimated uses the share treated, with a warning); the propensity scores follow R
    triplediff (capped at 1 - 1e-6, controls with a score >= 0.995 left out), so
    ``pscore_trim`` is accepted only at its default. ``robust`` is diff-diff's deprecated
    no-op. diff-diff's staggered-mode arguments (``control_group``, ``anticipation``,
    ``base_period``, ``n_bootstrap``, ``bootstrap_weights``, ``seed``, ``cband``) are accepted
    at their defaults only: the staggered DDD is not implemented. ``fit(data, outcome, group,
    partition, post, covariates=None)``."""

    _params = ("estimation_method", "cluster", "vcov_type", "alpha", "pscore_trim",
               "rank_deficient_action", "epv_threshold", "pscore_fallback", "control_group",
               "anticipation", "base_period", "n_bootstrap", "bootstrap_weights", "seed",
               "cband")

    _STAGGERED = {"control_group": "not_yet_treated", "anticipation": 0,
                  "base_period": "varying", "n_bootstrap": 0}

    def __init__(self, estimation_method="dr", robust=None, cluster=None, vcov_type="hc1",
                 alpha=0.05, pscore_trim=0.01, rank_deficient_action="warn", epv_threshold=10,
                 pscore_fallback="error", control_group="not_yet_treated", anticipation=0,
                 base_period="varying", n_bootstrap=0, bootstrap_weights="rademacher",
                 seed=None, cband=True):
        self.control_group, self.anticipation, self.base_period = (control_group, anticipation,
                                                                   base_period)
        self.n_bootstrap, self.bootstrap_weights = n_bootstrap, bootstrap_weights
        self.seed, self.cband = seed, cband
        self.estimation_method, self.robust, self.cluster = estimation_method, robust, cluster
        self.vcov_type, self.alpha, self.pscore_trim = vcov_type, alpha, pscore_trim
        self.rank_deficient_action, self.epv_threshold = rank_deficient_action, epv_threshold
        self.pscore_fallback = pscore_fallback
        self._check()
        self.is_fitted_, self.results_ = False, None

    def _check(self):
        checks.check_choice("estimation_method", self.estimation_method, ("dr", "reg", "ipw"))
        checks.check_choice("vcov_type", self.vcov_type, ("hc1",))
        checks.check_choice("pscore_fallback", self.pscore_fallback, ("error", "unconditional"))
        checks.check_rank_action(self.rank_deficient_action)
        checks.check_alpha(self.alpha)
        odd = [k for k, v in self._STAGGERED.items() if getattr(self, k) != v]
        if odd:
            raise NotImplementedError(f"TripleDifference({', '.join(odd)}=...): these belong to "
                                      "diff-diff's staggered DDD mode, which kestrel does not "
                                      "implement (the 2x2x2 design has none of them)")
        if self.pscore_trim != 0.01:
            raise ValueError(f"pscore_trim={self.pscore_trim!r}: kestrel trims propensity "
                             "scores as R triplediff does (controls with a score >= 0.995 left "
                             "out); only the default is accepted")

    def fit(self, data, outcome, group=None, partition=None, post=None, covariates=None,
            time=None, survey_design=None, *, unit=None, first_treat=None, aggregate=None,
            balance_e=None):
        """Estimate the ATT. data: a DataFrame (or dict of arrays); outcome, group (1: treated
        group), partition (1: eligible), post (1: after; ``time=`` is diff-diff's older name):
        column names; covariates: a list of columns. survey_design and the staggered mode's
        unit, first_treat, aggregate, balance_e: not implemented (an error when given). Returns
        a TripleDifferenceResults."""
        self._check()
        if first_treat is not None or unit is not None or aggregate is not None or \
                balance_e is not None:
            raise NotImplementedError("TripleDifference: the staggered mode (first_treat=, "
                                      "unit=, aggregate=, balance_e=) is not implemented")
        if survey_design is not None:
            raise NotImplementedError("TripleDifference: survey_design is not implemented")
        if group is None or partition is None:
            raise TypeError("TripleDifference.fit() needs group= and partition=")
        if post is None:
            post = time
        if post is None:
            raise TypeError("TripleDifference.fit() missing required argument: 'post'")
        if isinstance(covariates, str):
            covariates = [covariates]
        self._covariates = list(covariates or ())
        r = _core.did_ddd(_columns(data, (outcome, group, partition, post, covariates,
                                          self.cluster)), outcome, group, partition, post,
                          method=self.estimation_method, covariates=covariates or None,
                          cluster=self.cluster, alpha=float(self.alpha),
                          pscore_fallback=(self.pscore_fallback == "unconditional" and
                                           self.rank_deficient_action != "error"))
        notes = r["notes"]
        dropped = [m for _, m in notes if "dropped as collinear" in m]
        if dropped and self.rank_deficient_action == "error":
            raise ValueError("; ".join(dropped) + " (rank_deficient_action='error')")
        if self.rank_deficient_action == "silent":
            notes = [(lv, m) for lv, m in notes if "dropped as collinear" not in m]
        checks.warn_notes(notes)
        if r["n_near_one"]:
            checks.warn(f"{r['n_near_one']} control observation(s) have a propensity score of "
                        "0.99 or more (limited overlap); those at 0.995 or more get no weight")
        self.results_ = TripleDifferenceResults(r, self)
        self.is_fitted_ = True
        return self.results_

    def summary(self):
        """The fitted results' summary (a RuntimeError before fit)."""
        if not self.is_fitted_:
            raise RuntimeError("Model must be fitted before calling summary()")
        return self.results_.summary()

    def print_summary(self):
        print(self.summary())


def triple_difference(data, outcome, group, partition, post=None, covariates=None,
                      estimation_method="dr", robust=None, cluster=None, vcov_type="hc1",
                      alpha=0.05, rank_deficient_action="warn", epv_threshold=10,
                      pscore_fallback="error", time=None, **kwargs):
    """``TripleDifference(estimation_method, robust, cluster, vcov_type, alpha,
    rank_deficient_action, epv_threshold, pscore_fallback, **kwargs).fit(data, outcome, group,
    partition, post, covariates=covariates)`` (diff-diff's function; ``time`` is its name of
    the post column, as diff-diff's function calls it). Returns a TripleDifferenceResults."""
    if time is not None:
        if post is not None:
            raise ValueError("give the post-period column once: post= or time=, not both")
        post = time
    return TripleDifference(estimation_method=estimation_method, robust=robust, cluster=cluster,
                            vcov_type=vcov_type, alpha=alpha,
                            rank_deficient_action=rank_deficient_action,
                            epv_threshold=epv_threshold, pscore_fallback=pscore_fallback,
                            **kwargs).fit(data, outcome, group, partition, post,
                                          covariates=covariates)


Stacked = StackedDiD  # diff-diff's short names
DDD = TripleDifference
