"""Sun & Abraham (2021) interaction-weighted event study (diff-diff's ``SunAbraham``). The work is
in C (src/did/sunab.c: the saturated cohort x relative-period regression with unit and time
fixed effects, and the interaction-weighted aggregation); this module shapes arguments and
results."""
from __future__ import annotations

import numpy as np

from . import _core
from . import did_checks as checks
from . import did_conley
from . import validate
from .did_base import Estimator, Results
from .did_surface import SABootstrapResults
from .regress import _columns
from .summary import Summary



def _num(x):
    x = float(x)
    return int(x) if x.is_integer() else x


class SunAbrahamResults(Results):
    """``event_study_effects`` {e: {effect, se, t_stat, p_value, conf_int, n_groups}},
    ``overall_att`` / ``overall_se`` / ``overall_t_stat`` / ``overall_p_value`` /
    ``overall_conf_int``, ``cohort_effects`` {(g, e): {effect, se, weight, n_obs}},
    ``cohort_weights`` {e: {g: weight}}, ``groups``, ``reference_period``, ``n_obs``,
    ``n_treated_units``, ``n_control_units``, ``n_clusters``, ``alpha``, ``control_group``.
    t tests use df_convention's degrees of freedom (default clusters - 1, as fixest; the
    residual df under vcov_type='conley', whose ``n_clusters`` is None without ``cluster``)."""

    def __init__(self, r, est):
        alpha = est.alpha
        self.alpha, self.control_group = alpha, est.control_group
        self.df = r["df_t"]
        self.anticipation = int(est.anticipation)
        self.vcov_type = est.vcov_type
        self.cluster_name = est.cluster
        self.df_convention = est.df_convention
        self.inference_df = float(r["df_t"]) if r["df_t"] > 0 else None
        conley = est.vcov_type == "conley"
        self.conley_lag_cutoff = est.conley_lag_cutoff if conley else None
        self._se_label = (f"Conley spatial HAC SEs ({est.conley_kernel}, cutoff "
                          f"{est.conley_cutoff_km:g}, lag {est.conley_lag_cutoff}"
                          + (f", clusters {est.cluster}" if est.cluster else "") + ")"
                          if conley else f"SEs clustered ({r['nclusters']} clusters)")
        self.time_periods = [_num(t) for t in r["periods"]]
        self.reference_observed = bool(r["ref_observed"])

        def infer(sfx, i=None):  # the library's t(df) test and interval of one estimate
            v = [r[k + sfx] if i is None else float(r[k + sfx][i])
                 for k in ("t_stat", "p_value", "ci_lower", "ci_upper")]
            return {"t_stat": v[0], "p_value": v[1], "conf_int": (v[2], v[3])}
        self.event_study_effects = {}
        for i, (e, a, s, g) in enumerate(zip(r["e"], r["att_e"], r["se_e"], r["ncohorts_e"])):
            d = {"effect": float(a), "se": float(s), **infer("_e", i)}
            d["n_groups"] = int(g)
            self.event_study_effects[_num(e)] = d
        self.cohort_effects, self.cohort_weights = {}, {}
        for g, e, d_, s, w, n in zip(r["cohort"], r["rel"], r["effect"], r["se"], r["weight"],
                                     r["nobs_cell"]):
            g, e = _num(g), _num(e)
            self.cohort_effects[(g, e)] = {"effect": float(d_), "se": float(s),
                                           "weight": float(w), "n_obs": int(n)}
            self.cohort_weights.setdefault(e, {})[g] = float(w)
        o = infer("")
        self.overall_att, self.overall_se = r["att"], r["att_se"]
        self.overall_t_stat, self.overall_p_value = o["t_stat"], o["p_value"]
        self.overall_conf_int = o["conf_int"]
        self.groups = sorted({g for g, _ in self.cohort_effects})
        self.reference_period = _num(r["ref"])
        self.n_obs, self.n_clusters = r["nobs"], r["nclusters"] or None
        self.n_treated_units, self.n_control_units = r["n_treated_units"], r["n_control_units"]
        ok = np.isfinite(r["se_e"])
        self.event_study_vcov = r["vcov_e"][np.ix_(ok, ok)]
        self.event_study_vcov_index = [_num(e) for e in r["e"][ok]]
        self.event_study_df = {_num(e): self.inference_df or float("nan") for e in r["e"][ok]}
        self.bootstrap_results = None
        if "boot_e" in r:  # diff-diff: the bootstrap's se, interval and p-value replace the
            self.bootstrap_results = b = _bootstrap(r, self, est)  # analytical ones
            for e, d in self.event_study_effects.items():
                d.update(se=b.event_study_ses[e], conf_int=b.event_study_cis[e],
                         p_value=b.event_study_p_values[e], t_stat=_ratio(d["effect"], b.event_study_ses[e]))
            self.overall_se, self.overall_conf_int = b.overall_att_se, b.overall_att_ci
            self.overall_p_value = b.overall_att_p_value
            self.overall_t_stat = _ratio(self.overall_att, self.overall_se)
            self.event_study_vcov = self.event_study_vcov_index = self.event_study_df = None
            self.inference_df = None

    att = property(lambda self: self.overall_att)
    se = property(lambda self: self.overall_se)
    t_stat = property(lambda self: self.overall_t_stat)
    p_value = property(lambda self: self.overall_p_value)
    conf_int = property(lambda self: self.overall_conf_int)

    def to_dataframe(self, level="event_study"):
        """One row per relative period (level 'event_study') or per cohort and relative period
        ('cohort')."""
        import pandas as pd
        if level == "event_study":
            return pd.DataFrame([{"relative_period": e, **{k: v for k, v in d.items()
                                                           if k != "conf_int"},
                                  "conf_int_lower": d["conf_int"][0],
                                  "conf_int_upper": d["conf_int"][1]}
                                 for e, d in self.event_study_effects.items()])
        if level == "cohort":
            return pd.DataFrame([{"cohort": g, "relative_period": e, **d}
                                 for (g, e), d in self.cohort_effects.items()])
        raise ValueError(f"level={level!r}: expected 'event_study' or 'cohort'")

    def to_dict(self):
        return {"overall_att": self.overall_att, "overall_se": self.overall_se,
                "overall_p_value": self.overall_p_value,
                "overall_conf_int": list(self.overall_conf_int),
                "event_study_effects": {str(e): d for e, d in self.event_study_effects.items()},
                "reference_period": self.reference_period, "n_obs": self.n_obs,
                "n_treated_units": self.n_treated_units,
                "n_control_units": self.n_control_units}

    def summary(self, alpha=None):
        """The overall effect and the event study. Returned; ``print_summary()`` prints it.
        ``alpha`` (diff-diff's) must be the fit's: the intervals are stored, not recomputed."""
        if alpha is not None and alpha != self.alpha:
            raise ValueError(f"these results store intervals at alpha={self.alpha}; fit with "
                             f"alpha={alpha} for others (summary() does not recompute them)")
        lo, hi = self.overall_conf_int
        lines = ["Sun & Abraham (2021) interaction-weighted event study",
                 f"  {self.n_treated_units} treated units in {len(self.groups)} cohorts, "
                 f"{self.n_control_units} never treated; {self.n_obs} observations; "
                 f"{self._se_label}; reference period {self.reference_period}",
                 f"  overall ATT {self.overall_att:.6f}  se {self.overall_se:.6f}  p "
                 f"{self.overall_p_value:.4g}  [{lo:.6f}, {hi:.6f}]", "",
                 f"  {'e':>6}{'effect':>12}{'std.err':>12}{'p':>10}{'cohorts':>9}"]
        for e, d in self.event_study_effects.items():
            lines.append(f"  {e!s:>6}{d['effect']:12.6f}{d['se']:12.6f}{d['p_value']:10.4g}"
                         f"{d['n_groups']:9d}")
        return Summary("\n".join(lines))

    def plot(self, **kw):
        from .did_plot import plot_event_study
        return plot_event_study(self, **kw)

    def __repr__(self):
        return f"SunAbrahamResults(overall_att={self.overall_att:.6g}, se={self.overall_se:.6g})"


class SunAbraham(Estimator):
    """diff-diff's ``SunAbraham``: ``control_group`` (the never treated are the controls either
    way: the saturated regression has every treated cohort's relative periods), ``anticipation``,
    ``alpha``, ``cluster`` (default: the unit), ``n_bootstrap`` (> 0: diff-diff's pairs
    bootstrap, units resampled with replacement, computed in C; ``seed``), ``vcov_type`` ('hc1':
    the cluster-robust CR1 of fixest), ``df_convention`` ('cluster': t(clusters - 1), fixest's
    and kestrel's default; 'residual': t(the regression's residual df), diff-diff 3.13's
    default; 'normal': normal tests), the Conley settings ``conley_coords``,
    ``conley_cutoff_km``, ``conley_metric``, ``conley_kernel``, ``conley_lag_cutoff`` (with
    ``vcov_type='conley'``: diff-diff's Conley spatial-HAC sandwich of the within-transformed
    saturated regression, the units not clustered, ``cluster`` the product kernel's clusters,
    t tests at the residual df; no bootstrap), ``rank_deficient_action``,
    ``threads``. ``fit(data, outcome, unit, time, first_treat, covariates=None)``; first_treat
    0 or Inf marks the never treated."""

    _params = ("control_group", "anticipation", "alpha", "cluster", "n_bootstrap", "seed",
               "rank_deficient_action", "vcov_type", "conley_coords", "conley_cutoff_km",
               "conley_metric", "conley_kernel", "conley_lag_cutoff", "df_convention",
               "threads")

    def __init__(self, control_group="never_treated", anticipation=0, alpha=0.05, cluster=None,
                 n_bootstrap=0, seed=None, rank_deficient_action="warn", vcov_type="hc1",
                 conley_coords=None, conley_cutoff_km=None, conley_metric="haversine",
                 conley_kernel="bartlett", conley_lag_cutoff=None, df_convention="cluster",
                 threads=0):
        self.control_group, self.anticipation, self.alpha = control_group, anticipation, alpha
        self.cluster, self.n_bootstrap, self.seed = cluster, n_bootstrap, seed
        self.rank_deficient_action = rank_deficient_action
        self.vcov_type, self.df_convention = vcov_type, df_convention
        self.conley_coords, self.conley_cutoff_km = conley_coords, conley_cutoff_km
        self.conley_metric, self.conley_kernel = conley_metric, conley_kernel
        self.conley_lag_cutoff = conley_lag_cutoff
        self.threads = threads
        _check_options(self)
        checks.enum_value("control_group", self.control_group, "did_control")
        checks.check_rank_action(self.rank_deficient_action)

    def fit(self, data, outcome, unit, time, first_treat, covariates=None):
        """Estimate the event study. data: a DataFrame (or dict of arrays); outcome, unit, time,
        first_treat (the first treated period; 0 or Inf: never treated): column names;
        covariates: a column or list of columns added to the regression. Returns a
        SunAbrahamResults."""
        _check_options(self)
        checks.enum_value("control_group", self.control_group, "did_control")
        checks.check_alpha(self.alpha)
        checks.check_count("n_bootstrap", self.n_bootstrap)
        checks.check_count("anticipation", self.anticipation)
        checks.check_rank_action(self.rank_deficient_action)
        seed = validate.seed(self.seed)
        if 0 < self.n_bootstrap < 50:
            import warnings

            warnings.warn(f"n_bootstrap={self.n_bootstrap} is low. Consider n_bootstrap >= 199 "
                          "for reliable inference.", UserWarning, stacklevel=2)
        covs = [covariates] if isinstance(covariates, str) else covariates
        cz = did_conley.check(self, "SunAbraham")
        if cz is not None and self.n_bootstrap > 0:
            raise ValueError("SunAbraham(vcov_type='conley') is incompatible with n_bootstrap > "
                             "0: the pairs bootstrap would replace the Conley sandwich; use "
                             "n_bootstrap=0, or vcov_type='hc1' with the bootstrap")
        conley = {} if cz is None else dict(
            conley_lat=cz["lat"], conley_lon=cz["lon"], conley_cutoff=cz["cutoff"],
            conley_metric=cz["metric"], conley_kernel=cz["kernel"], conley_lag=cz["lag_cutoff"])
        used = (outcome, unit, time, first_treat, self.cluster, covs,
                cz and (cz["lat"], cz["lon"]))
        r = _core.sunab(_columns(data, used), outcome, unit, time, first_treat, cluster=self.cluster,
                        anticipation=int(self.anticipation), covariates=covs,
                        alpha=float(self.alpha), n_bootstrap=int(self.n_bootstrap), seed=seed,
                        threads=validate.threads(self.threads),
                        df_convention=_DF_CONVENTIONS[self.df_convention], **conley)
        checks.rank_deficient(self.rank_deficient_action, _collinear(r))
        checks.warn_notes(r["notes"])
        est = _Fit(self.get_params(), unit)
        return SunAbrahamResults(r, est)


class _Fit:
    """The estimator's settings at fit time, and the unit column."""

    def __init__(self, params, unit):
        self.__dict__.update(params)
        self._unit = unit


_DF_CONVENTIONS = {"cluster": 0, "residual": 1, "normal": 2}


def _check_options(est):
    """diff-diff's vcov_type, df_convention and conley_* arguments, with what kestrel computes."""
    if est.vcov_type not in ("hc1", "conley"):
        if est.vcov_type in ("classical", "hc2", "hc2_bm"):
            raise NotImplementedError(f"SunAbraham: vcov_type={est.vcov_type!r} is not "
                                      "implemented; 'hc1' (cluster-robust CR1) is")
        raise ValueError(f"vcov_type must be one of 'classical', 'hc1', 'hc2', 'hc2_bm', "
                         f"'conley'; got {est.vcov_type!r}")
    if est.df_convention not in _DF_CONVENTIONS:
        raise ValueError(f"df_convention must be 'residual', 'cluster' or 'normal'; got "
                         f"{est.df_convention!r}")


def _bootstrap(r, res, est):
    """diff-diff's SABootstrapResults from the C pairs bootstrap's draws (the C core's summary:
    standard deviation, percentile interval, percentile p-value)."""
    keys = [_num(e) for e in r["e"]]
    draws = np.column_stack([r["boot_e"], r["boot_att"]])
    est_v = np.append(r["att_e"], r["att"])
    st = _core.did_boot_summary(draws, est_v, False, 1.0, est.alpha)
    return SABootstrapResults(
        n_bootstrap=int(est.n_bootstrap), weight_type="pairs", alpha=est.alpha,
        overall_att_se=float(st["se"][-1]),
        overall_att_ci=(float(st["ci_lower"][-1]), float(st["ci_upper"][-1])),
        overall_att_p_value=float(st["p_value"][-1]),
        event_study_ses=dict(zip(keys, map(float, st["se"][:-1]))),
        event_study_cis={k: (float(lo), float(hi))
                         for k, lo, hi in zip(keys, st["ci_lower"][:-1], st["ci_upper"][:-1])},
        event_study_p_values=dict(zip(keys, map(float, st["p_value"][:-1]))),
        bootstrap_distribution=r["boot_att"])


def _ratio(a, b):
    return a / b if np.isfinite(b) and b > 0 else float("nan")


def _collinear(r):
    """The cohort x period cells and covariates the regression dropped as collinear."""
    cells = [f"cohort {_num(g)}, e = {_num(e)}" for g, e, d in zip(r["cohort"], r["rel"],
                                                                   r["effect"]) if np.isnan(d)]
    return cells + [m.split("'")[1] for lv, m in r["notes"]
                    if "because of collinearity" in m and not m.startswith("'sa_d")]
