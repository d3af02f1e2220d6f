"""Synthetic difference-in-differences (diff-diff's ``SyntheticDiD``) computed as R synthdid
0.0.9: Frank-Wolfe unit and time weights with synthdid's automatic regularisation, placebo /
bootstrap / jackknife standard errors, and the SC and DiD estimates of the same panel. The work
is in C (src/did/sdid.c); this module shapes arguments and results."""
from __future__ import annotations

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
    replications': the one given or the one drawn); and the synthetic
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


class SyntheticDiD(Estimator):
    """diff-diff's ``SyntheticDiD`` computed as R synthdid: ``zeta_omega`` / ``zeta_lambda``
    (None: synthdid's automatic regularisation), ``variance_method`` 'placebo' (default) /
    'bootstrap' / 'jackknife' / 'none', ``n_bootstrap`` replications (default 200), ``seed``
    (None: a fresh one, recorded on the result as ``seed``), ``alpha`` (1 - the level of the
    normal interval, 0.05), ``threads`` (C threads
    for the replications; None or 0: every core, fewer for small work; the numbers are the same for any count)."""

    _params = ("zeta_omega", "zeta_lambda", "alpha", "variance_method", "n_bootstrap",
               "seed", "threads")

    def __init__(self, zeta_omega=None, zeta_lambda=None, alpha=0.05, variance_method="placebo",
                 n_bootstrap=200, seed=None, threads=0):
        self.zeta_omega, self.zeta_lambda = zeta_omega, zeta_lambda
        self.alpha = alpha
        self.variance_method = variance_method
        self.n_bootstrap = n_bootstrap
        self.seed = seed
        self.threads = threads

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
            other_estimators=True):
        """Estimate the effect on a balanced panel with one adoption time.

        data: a DataFrame (or dict of arrays); outcome, unit, time: column names;
        ``treatment``: the ever-treated indicator with ``post_periods`` (the treated periods),
        or (without them) the treated-and-post indicator D_it as in R's panel.matrices;
        covariates: not supported yet (must be None). With ``other_estimators`` the synthetic
        control and DiD estimates of the same panel are computed too (``sc_estimate``,
        ``did_estimate``). Returns a SyntheticDiDResults."""
        if covariates:
            raise NotImplementedError("covariates are not supported yet by SyntheticDiD")
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
        cols = _columns(data)
        r = self._run(cols, outcome, unit, time, treatment, post_periods,
                      _core.enum_value("did_sdid_estimator", "synthdid"), variance, seed)
        checks.warn_notes(r["notes"])
        labels = np.asarray(cols[unit])[r["unit_row"]]
        tcol = np.asarray(cols[time])
        if np.issubdtype(tcol.dtype, np.integer):  # periods keep the data's type
            r["times"] = np.asarray(r["times"]).astype(tcol.dtype)
        res = SyntheticDiDResults(r, labels, self.alpha, self.variance_method)
        res.seed = seed
        if other_estimators:
            none = _core.enum_value("did_sdid_variance", "none")
            for attr, name in (("sc_estimate", "sc"), ("did_estimate", "did")):
                est = _core.enum_value("did_sdid_estimator", name)
                setattr(res, attr, self._run(cols, outcome, unit, time, treatment, post_periods,
                                             est, none, seed)["att"])
        return res
