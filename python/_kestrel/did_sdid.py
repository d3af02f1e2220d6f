"""Synthetic difference-in-differences (diff-diff's ``SyntheticDiD``) computed as R synthdid
0.0.9: Frank-Wolfe unit and time weights with synthdid's automatic regularisation, placebo /
bootstrap / jackknife standard errors, and the SC and DiD estimates of the same panel. The work
is in C (src/did/sdid.c); this module shapes arguments and results."""
from __future__ import annotations

import math
import warnings

import numpy as np

from . import _core
from . import did_checks as checks
from . import validate
from .did_base import Estimator, Results
from .did_regression import _py
from .summary import Summary
from .regress import _columns


class SyntheticDiDResults(Results):
    """``att``, ``se``, ``t_stat``, ``p_value``, ``conf_int`` (normal), ``unit_weights``
    {control unit: omega}, ``time_weights`` {pre period: lambda}, ``pre_periods``,
    ``post_periods``, ``noise_level``, ``zeta_omega``, ``zeta_lambda``, ``placebo_effects`` (the
    replications' estimates), ``n_treated``, ``n_control``, ``variance_method``, ``seed`` (the
    replications': the one given or the one drawn), ``pre_treatment_fit`` with its placebo
    reference ``pre_fit_placebo_rmse`` (the same RMSE for min(n_bootstrap, 20) placebo fits of
    controls treated as if treated, their weights refitted) and ``pre_fit_placebo_pvalue``
    ((1 + #{placebo >= treated}) / (1 + draws)), as diff-diff's; and the synthetic
    control and DiD estimates of the same panel (``sc_estimate``, ``did_estimate``) when asked."""

    def __init__(self, r, labels, alpha, variance_method):
        self._r = r
        self.alpha = alpha
        self.att = r["att"]
        self.se = r["se"]
        self.variance_method = variance_method
        self.t_stat, self.p_value = r["t_stat"], r["p_value"]  # normal, from the library
        self.conf_int = (r["ci_lower"], r["ci_upper"])
        n0, t0 = r["N0"], r["T0"]
        times = [_py(x) for x in r["times"]]
        self.pre_periods, self.post_periods = times[:t0], times[t0:]
        self.unit_weights = dict(zip([_py(x) for x in labels[:n0]], map(float, r["omega"])))
        self.time_weights = dict(zip(self.pre_periods, map(float, r["lambda"])))
        self.n_control, self.n_treated = n0, r["N1"]
        self.n_obs = (r["N0"] + r["N1"]) * (r["T0"] + r["T1"])
        self.treated_units = [_py(x) for x in labels[n0:]]
        self.noise_level = r["noise_level"]
        self.zeta_omega, self.zeta_lambda = r["zeta_omega"], r["zeta_lambda"]
        self.placebo_effects = r["estimates"]
        self.n_bootstrap = len(r["estimates"])
        self.notes = [m for _, m in r["notes"]]
        self.sc_estimate = self.did_estimate = None
        self.seed = None
        # diff-diff's pre-treatment fit: treated mean vs the omega-weighted controls (C)
        tr, sy = np.asarray(r["treated_traj"]), np.asarray(r["synthetic_traj"])
        self.treated_pre_trajectory, self.treated_post_trajectory = tr[:t0], tr[t0:]
        self.synthetic_pre_trajectory, self.synthetic_post_trajectory = sy[:t0], sy[t0:]
        self.pre_treatment_level_gap, self.pre_treatment_fit = _pre_fit(tr[:t0], sy[:t0])
        # diff-diff's placebo reference for pre_treatment_fit (C); None without draws
        ref = np.asarray(r.get("pre_fit_placebo_rmse", ()), dtype=float)
        ref.flags.writeable = False
        self.pre_fit_placebo_rmse = ref if ref.size else None
        self.pre_fit_placebo_pvalue = (float(r["pre_fit_placebo_pvalue"]) if ref.size
                                       else None)
        self.time_weights_array = np.asarray(r["lambda"], dtype=float)
        self._refit = None  # (estimator, columns, outcome, unit, time): the diagnostics' refits

    @property
    def variance_effects(self):
        """The variance replications' estimates (diff-diff's name; ``placebo_effects``)."""
        return self.placebo_effects

    def get_weight_concentration(self, top_k=5):
        """diff-diff's concentration of the unit weights: effective_n 1 / sum w^2,
        herfindahl sum w^2, top_k_share (the top_k largest weights' sum), top_k."""
        if top_k < 0:
            raise ValueError(f"top_k={top_k}: expected an integer >= 0")
        w = np.asarray(list(self.unit_weights.values()), dtype=float)
        if w.size == 0:
            nan = float("nan")
            return {"effective_n": nan, "herfindahl": nan, "top_k_share": nan, "top_k": 0}
        k = min(int(top_k), w.size)
        h = float(np.sum(w * w))
        return {"effective_n": 1.0 / h if h > 0 else float("nan"), "herfindahl": h,
                "top_k_share": float(np.sort(w)[::-1][:k].sum()), "top_k": k}

    def get_loo_effects_df(self):
        """The jackknife's leave-one-unit-out estimates: unit, role ('control' / 'treated'),
        att_loo, delta_from_full (att_loo - att), largest |delta| first."""
        import pandas as pd
        if self.variance_method != "jackknife":
            raise ValueError("get_loo_effects_df() requires variance_method='jackknife'; this "
                             f"result used {self.variance_method!r}")
        if self.n_bootstrap == 0:
            raise ValueError("leave-one-out estimates are unavailable (the jackknife is not "
                             "defined for this panel; see fit's warnings)")
        units = list(self.unit_weights) + self.treated_units
        roles = ["control"] * self.n_control + ["treated"] * self.n_treated
        att = np.asarray(self.placebo_effects, dtype=float)
        df = pd.DataFrame({"unit": units, "role": roles, "att_loo": att,
                           "delta_from_full": att - self.att})
        order = np.argsort(-np.abs(df["delta_from_full"].to_numpy()), kind="stable")
        return df.iloc[order].reset_index(drop=True)

    def _refit_one(self, post_periods, keep_periods, zeta_omega, zeta_lambda):
        """The point estimate on the panel's periods `keep_periods` (C: ks_did_sdid_fit, no
        variance); returns the raw result."""
        est, cols, outcome, unit, time = self._refit
        tv = np.asarray(cols[time])
        keep = np.isin(tv, keep_periods)
        sub = {k: np.asarray(v)[keep] for k, v in cols.items()}
        sub["_ks_ever"] = np.isin(sub[unit], self.treated_units).astype(np.float64)
        e = SyntheticDiD(zeta_omega=zeta_omega, zeta_lambda=zeta_lambda, alpha=self.alpha,
                         variance_method="placebo", threads=est.threads)
        return e._run(sub, outcome, unit, time, "_ks_ever", post_periods,
                      _core.enum_value("did_sdid_estimator", "synthdid"),
                      _core.enum_value("did_sdid_variance", "none"), 0)

    def in_time_placebo(self, fake_treatment_periods=None, zeta_omega_override=None,
                        zeta_lambda_override=None):
        """diff-diff's in-time placebo: the pre periods alone, treated from each fake date on
        (default every pre period from the third), at the fit's regularisation. A DataFrame:
        fake_treatment_period, att, pre_fit_rmse, n_pre_fake, n_post_fake."""
        import pandas as pd
        self._need_refit()
        pre = list(self.pre_periods)
        if fake_treatment_periods is None:
            fakes = [(pre[i], i) for i in range(2, len(pre))]
        else:
            fakes = []
            for p in fake_treatment_periods:
                if p in self.post_periods:
                    raise ValueError(f"fake_treatment_period={p!r} is in post_periods; choose "
                                     "one of pre_periods")
                if p not in pre:
                    raise ValueError(f"fake_treatment_period={p!r} not found in pre_periods "
                                     f"({pre!r})")
                fakes.append((p, pre.index(p)))
        zo = self.zeta_omega if zeta_omega_override is None else zeta_omega_override
        zl = self.zeta_lambda if zeta_lambda_override is None else zeta_lambda_override
        rows = []
        for p, i in fakes:
            row = {"fake_treatment_period": p, "att": float("nan"),
                   "pre_fit_rmse": float("nan"), "n_pre_fake": i, "n_post_fake": len(pre) - i}
            if i >= 2 and len(pre) - i >= 1:
                r = self._refit_one(pre[i:], pre, zo, zl)
                row["att"] = r["att"]
                row["pre_fit_rmse"] = _pre_fit(r["treated_traj"][:i], r["synthetic_traj"][:i])[1]
            rows.append(row)
        return pd.DataFrame(rows, columns=["fake_treatment_period", "att", "pre_fit_rmse",
                                           "n_pre_fake", "n_post_fake"])

    def sensitivity_to_zeta_omega(self, zeta_grid=None, multipliers=(0.25, 0.5, 1.0, 2.0, 4.0)):
        """The estimate as the unit weights' regularisation varies (zeta_grid, or multiples of
        the fit's zeta_omega), time weights at the fit's zeta_lambda. A DataFrame:
        zeta_omega, att, pre_fit_rmse, max_unit_weight, effective_n."""
        import pandas as pd
        self._need_refit()
        zs = ([float(m * self.zeta_omega) for m in multipliers] if zeta_grid is None
              else [float(z) for z in zeta_grid])
        periods = list(self.pre_periods) + list(self.post_periods)
        rows = []
        for z in zs:
            r = self._refit_one(list(self.post_periods), periods, z, self.zeta_lambda)
            w = np.asarray(r["omega"])
            t0 = len(self.pre_periods)
            h = float(np.sum(w * w))
            rows.append({"zeta_omega": z, "att": r["att"],
                         "pre_fit_rmse": _pre_fit(r["treated_traj"][:t0],
                                                  r["synthetic_traj"][:t0])[1],
                         "max_unit_weight": float(w.max()) if w.size else float("nan"),
                         "effective_n": 1.0 / h if h > 0 else float("nan")})
        return pd.DataFrame(rows, columns=["zeta_omega", "att", "pre_fit_rmse",
                                           "max_unit_weight", "effective_n"])

    def _need_refit(self):
        if self._refit is None:
            raise ValueError("this result keeps no data to refit (it was not made by "
                             "SyntheticDiD.fit in this session); re-fit first")

    def get_unit_weights_df(self):
        import pandas as pd
        return pd.DataFrame({"unit": list(self.unit_weights), "weight": list(self.unit_weights.values())})

    def get_time_weights_df(self):
        import pandas as pd
        return pd.DataFrame({"period": list(self.time_weights),
                             "weight": list(self.time_weights.values())})

    def to_dict(self):
        return {"att": self.att, "se": self.se, "p_value": self.p_value,
                "conf_int": list(self.conf_int), "noise_level": self.noise_level,
                "zeta_omega": self.zeta_omega, "zeta_lambda": self.zeta_lambda,
                "unit_weights": {str(k): v for k, v in self.unit_weights.items()},
                "time_weights": {str(k): v for k, v in self.time_weights.items()},
                "sc_estimate": self.sc_estimate, "did_estimate": self.did_estimate,
                "seed": self.seed}

    def to_dataframe(self):
        """The scalar fields of to_dict() as a one-row pandas DataFrame."""
        import pandas as pd
        return pd.DataFrame([{k: v for k, v in self.to_dict().items()
                              if not isinstance(v, (dict, list))}])

    def summary(self):
        """The estimate, its standard error, the regularisation and the largest weights.
        Returned; ``print_summary()`` prints it."""
        top = sorted(self.unit_weights.items(), key=lambda kv: -kv[1])[:8]
        lines = [
            "Synthetic difference-in-differences (Arkhangelsky et al. 2021; R synthdid)",
            f"  treated {self.n_treated}, controls {self.n_control}, pre periods "
            f"{len(self.pre_periods)}, post periods {len(self.post_periods)}",
            f"  ATT {self.att:.6f}  se {self.se:.6f} ({self.variance_method}, "
            f"{self.n_bootstrap} replications)  p {self.p_value:.4g}",
            f"  zeta_omega {self.zeta_omega:.6g}, zeta_lambda {self.zeta_lambda:.3g}, noise "
            f"{self.noise_level:.6g}",
            "  largest unit weights: " + ", ".join(f"{k} {v:.4f}" for k, v in top if v > 0),
            "  time weights: " + ", ".join(f"{k} {v:.4f}" for k, v in self.time_weights.items()
                                           if v > 0),
        ]
        if self.sc_estimate is not None:
            lines.append(f"  same panel: synthetic control {self.sc_estimate:.6f}, DiD "
                         f"{self.did_estimate:.6f}")
        return Summary("\n".join(lines))

    def __repr__(self):
        return f"SyntheticDiDResults(att={self.att:.6g}, se={self.se:.6g})"


def _pre_fit(tr, sy):
    """diff-diff's pre-treatment fit of the synthetic control: (level gap, shape RMSE) of the
    pre-period residual treated - synthetic (the RMSE after removing its mean; NaN with one
    pre period)."""
    resid = np.asarray(tr, float) - np.asarray(sy, float)
    if resid.size == 0:
        return float("nan"), float("nan")
    gap = float(np.mean(resid))
    rmse = float(np.sqrt(np.mean((resid - gap) ** 2))) if resid.size >= 2 else float("nan")
    return gap, rmse


class SyntheticDiD(Estimator):
    """diff-diff's ``SyntheticDiD`` computed as R synthdid: ``zeta_omega`` / ``zeta_lambda``
    (None: synthdid's automatic regularisation), ``variance_method`` 'placebo' (default) /
    'bootstrap' / 'jackknife' / 'none', ``n_bootstrap`` replications (default 200), ``seed``
    (None: a fresh one, recorded on the result as ``seed``), ``alpha`` (1 - the level of the
    normal interval, 0.05), ``threads`` (C threads
    for the replications; None or 0: every core, fewer for small work; the numbers are the same
    for any count). diff-diff's deprecated ``lambda_reg`` and ``zeta`` are warned about
    (DeprecationWarning) and ignored, as there. ``vcov_type`` must stay None (the variance is
    ``variance_method``'s; 'conley' raises NotImplementedError, anything else TypeError), and
    the Conley settings ``conley_coords``, ``conley_cutoff_km``, ``conley_metric``,
    ``conley_kernel``, ``conley_lag_cutoff`` must stay None (any value raises
    NotImplementedError at fit)."""

    _params = ("zeta_omega", "zeta_lambda", "alpha", "variance_method", "n_bootstrap",
               "seed", "lambda_reg", "zeta", "vcov_type", "conley_coords", "conley_cutoff_km",
               "conley_metric", "conley_kernel", "conley_lag_cutoff", "threads")

    def __init__(self, zeta_omega=None, zeta_lambda=None, alpha=0.05, variance_method="placebo",
                 n_bootstrap=200, seed=None, lambda_reg=None, zeta=None, vcov_type=None,
                 conley_coords=None, conley_cutoff_km=None, conley_metric=None,
                 conley_kernel=None, conley_lag_cutoff=None, threads=0):
        # diff-diff's deprecated aliases: warned and ignored, as there
        if lambda_reg is not None:
            warnings.warn("lambda_reg is deprecated and ignored. Regularization is now "
                          "auto-computed from data. Use zeta_omega to override unit weight "
                          "regularization.", DeprecationWarning, stacklevel=2)
        if zeta is not None:
            warnings.warn("zeta is deprecated and ignored. Use zeta_lambda to override time "
                          "weight regularization.", DeprecationWarning, stacklevel=2)
        self.lambda_reg = self.zeta = None
        self.zeta_omega, self.zeta_lambda = zeta_omega, zeta_lambda
        self.alpha = alpha
        self.variance_method = variance_method
        self.n_bootstrap = n_bootstrap
        self.seed = seed
        self.vcov_type = vcov_type
        self.conley_coords, self.conley_cutoff_km = conley_coords, conley_cutoff_km
        self.conley_metric, self.conley_kernel = conley_metric, conley_kernel
        self.conley_lag_cutoff = conley_lag_cutoff
        self.threads = threads

    def predict(self, data):
        """As diff-diff 3.13's: RuntimeError before fit, then NotImplementedError for any
        ``data`` (no out-of-sample prediction)."""
        if not self.is_fitted_:
            raise RuntimeError("Model must be fitted before calling predict()")
        raise NotImplementedError("out-of-sample predict() is not supported (as in diff-diff "
                                  "3.13)")

    def _run(self, cols, outcome, unit, time, treatment, post_periods, estimator, variance,
             seed):
        nan = float("nan")
        return _core.sdid(
            cols, outcome, unit, time, treatment, estimator=estimator, variance=variance,
            replications=int(self.n_bootstrap), seed=seed,
            zeta_omega=nan if self.zeta_omega is None else float(self.zeta_omega),
            zeta_lambda=nan if self.zeta_lambda is None else float(self.zeta_lambda),
            post_periods=None if post_periods is None else np.asarray(post_periods, float),
            threads=validate.threads(self.threads), alpha=float(self.alpha))

    def fit(self, data, outcome, treatment, unit, time, post_periods=None, covariates=None,
            survey_design=None, other_estimators=True):
        """Estimate the effect on a balanced panel with one adoption time.

        data: a DataFrame (or dict of arrays); outcome, unit, time: column names;
        ``treatment``: the ever-treated indicator with ``post_periods`` (the treated periods),
        or (without them) the treated-and-post indicator D_it as in R's panel.matrices. An
        ever-treated indicator without post_periods takes diff-diff's default, the later half
        of the periods, with a warning. covariates: columns partialled out first, as
        diff-diff does (the outcome becomes the residual of y ~ covariates | unit + time plus
        the mean of y). With ``other_estimators`` the synthetic control and DiD estimates of
        the same panel are computed too (``sc_estimate``, ``did_estimate``). survey_design:
        not supported (anything but None raises NotImplementedError). Returns a
        SyntheticDiDResults."""
        if survey_design is not None:
            raise NotImplementedError("survey_design is not supported by kestrel")
        if self.vcov_type is not None:
            if self.vcov_type == "conley":
                raise NotImplementedError("vcov_type='conley': Conley spatial-HAC standard "
                                          "errors are not implemented in kestrel")
            raise TypeError(f"SyntheticDiD does not accept vcov_type={self.vcov_type!r}: its "
                            "variance is placebo / bootstrap / jackknife (variance_method=)")
        for k in ("conley_coords", "conley_cutoff_km", "conley_metric", "conley_kernel",
                  "conley_lag_cutoff"):
            if getattr(self, k) is not None:
                raise NotImplementedError(f"{k}={getattr(self, k)!r}: Conley spatial-HAC "
                                          "standard errors are not implemented in kestrel")
        cols = dict(_columns(data, (outcome, treatment, unit, time, covariates)))
        if covariates:
            cols[outcome] = _residualised(cols, outcome, unit, time, list(covariates))
        if post_periods is None:
            post_periods = _default_post(cols, treatment, unit, time)
        variance = checks.enum_value("variance_method", self.variance_method,
                                     "did_sdid_variance")
        checks.check_alpha(self.alpha)
        resampled = self.variance_method in ("placebo", "bootstrap")
        checks.check_count("n_bootstrap", self.n_bootstrap, 2 if resampled else 0)
        seed = validate.seed(self.seed)
        for name in ("zeta_omega", "zeta_lambda"):
            z = getattr(self, name)
            if z is not None and not (isinstance(z, (int, float, np.number)) and z >= 0):
                raise ValueError(f"{name}={z!r}: expected None (automatic) or a number >= 0")
        r = self._run(cols, outcome, unit, time, treatment, post_periods,
                      _core.enum_value("did_sdid_estimator", "synthdid"), variance, seed)
        checks.warn_notes(r["notes"])
        labels = np.asarray(cols[unit])[r["unit_row"]]
        tcol = np.asarray(cols[time])
        if np.issubdtype(tcol.dtype, np.integer):  # periods keep the data's type
            r["times"] = np.asarray(r["times"]).astype(tcol.dtype)
        res = SyntheticDiDResults(r, labels, self.alpha, self.variance_method)
        res.seed = seed
        res._refit = (self, cols, outcome, unit, time)
        if other_estimators:
            none = _core.enum_value("did_sdid_variance", "none")
            for attr, name in (("sc_estimate", "sc"), ("did_estimate", "did")):
                est = _core.enum_value("did_sdid_estimator", name)
                setattr(res, attr, self._run(cols, outcome, unit, time, treatment, post_periods,
                                             est, none, seed)["att"])
        return res


def _default_post(cols, treatment, unit, time):
    """post_periods when omitted: a treatment column that switches on within units is R's
    D_it and says itself when treatment starts (None: the library reads it); an ever-treated
    column does not, and diff-diff takes the later half of the periods: so here, warned."""
    from .did_regression import _varies_within
    d = np.asarray(cols[treatment], dtype=np.float64)
    if _varies_within(cols[unit], d):
        return None
    periods = np.unique(np.asarray(cols[time]))
    post = [_py(p) for p in periods[len(periods) // 2:]]
    warnings.warn(f"post_periods not given and treatment column {treatment!r} is constant "
                  f"within units: the later half of the periods, {post}, is taken as "
                  "post-treatment (diff-diff's default); pass post_periods= (or a treated-and-"
                  "post indicator as treatment) to say when treatment starts", UserWarning,
                  stacklevel=3)
    return post


def _residualised(cols, outcome, unit, time, covariates):
    """diff-diff's covariate adjustment: y - (covariates' two-way fixed-effects fit) + mean(y),
    the regression in C (kestrel.feols)."""
    from .regress import _feols
    fit = _feols(f"{outcome} ~ " + " + ".join(covariates) + f" | {unit} + {time}", cols)
    y = np.asarray(cols[outcome], dtype=np.float64)
    return fit.resid() + np.nanmean(y)
