"""kestrel.sem — structural equation models as R's lavaan (0.6-14) fits them, computed in C.

    >>> from kestrel import sem
    >>> fit = sem.cfa("visual =~ x1 + x2 + x3\\ntextual =~ x4 + x5 + x6", data=df)
    >>> fit.parameter_estimates()          # lavaan's parameterEstimates(fit)
    >>> fit.standardized_solution()        # standardizedSolution(fit)
    >>> fit.fit_measures()["cfi"]          # fitMeasures(fit)
    >>> print(fit.summary(fit_measures=True, standardized=True))

lavaan's model syntax (=~ ~ ~~ :=, modifiers NA* 1* label* start() lower() upper(), equality by
shared label, == < > constraints), its defaults for sem(), cfa() and lavaan(), its estimators
(ML, GLS, ULS; DWLS and WLS with a weight matrix), starting values, expected-information standard
errors, standardized solutions and fit measures. Single group, covariance structure only.
"""
from __future__ import annotations

import numpy as np

from _kestrel import _core
from _kestrel.notes import warn_notes
from _kestrel.results import Results
from _kestrel.summary import Summary

__all__ = ["sem", "cfa", "lavaan", "SemFit"]

_CALLS = {"sem": 0, "cfa": 1, "lavaan": 2}


def _columns(data):
    """A pandas DataFrame or a dict of arrays -> dict of 1-d arrays."""
    if isinstance(data, dict):
        return {str(k): np.asarray(v) for k, v in data.items()}
    if hasattr(data, "columns"):
        return {str(c): data[c].to_numpy() for c in data.columns}
    raise TypeError(f"data: expected a pandas DataFrame or a dict of columns, got "
                    f"{type(data).__name__}")


def _sample_cov(sample_cov, names):
    if hasattr(sample_cov, "columns"):
        cols = [str(c) for c in sample_cov.columns]
        if hasattr(sample_cov, "index") and list(map(str, sample_cov.index)) != cols:
            raise ValueError("sample_cov: its row names and column names differ")
        return np.asarray(sample_cov, dtype=float), cols
    m = np.asarray(sample_cov, dtype=float)
    if names is None:
        raise ValueError("sample_cov: give a DataFrame (names from its columns) or "
                         "sample_cov_names")
    return m, [str(n) for n in names]


def _fit(call, model, data, sample_cov, sample_nobs, sample_cov_names, estimator, std_lv, se,
         WLS_V, NACOV, level, sample_cov_rescale, tol, max_iter):
    if not isinstance(model, str):
        raise TypeError("model: expected lavaan model syntax as a str")
    est = _core.enum_value("sem_estimator", str(estimator).upper())
    se_kind = _core.enum_value("sem_se", {"robust.sem": "sandwich"}.get(se, se))
    kw = dict(estimator=est, call=_CALLS[call], std_lv=int(bool(std_lv)), se=se_kind,
              level=float(level), tol=float(tol), max_iter=int(max_iter))
    if WLS_V is not None:
        kw["wls_v"] = np.asarray(WLS_V, dtype=float)
    if NACOV is not None:
        kw["gamma"] = np.asarray(NACOV, dtype=float)
    if (data is None) == (sample_cov is None):
        raise ValueError("give either data or sample_cov (with sample_nobs)")
    if data is not None:
        cap, d = _core.sem_fit(model, data=_columns(data), **kw)
    else:
        if sample_nobs is None:
            raise ValueError("sample_cov needs sample_nobs, the number of observations")
        cov, names = _sample_cov(sample_cov, sample_cov_names)
        cap, d = _core.sem_fit(model, cov=cov, names=names, nobs=float(sample_nobs),
                               rescale=int(bool(sample_cov_rescale)), **kw)
    warn_notes(d["notes"])
    return SemFit(cap, d, call)


def sem(model, data=None, sample_cov=None, sample_nobs=None, estimator="ML", std_lv=False,
        se="standard", sample_cov_names=None, WLS_V=None, NACOV=None, level=0.95,
        sample_cov_rescale=True, tol=1e-10, max_iter=10000):
    """lavaan's sem(): fit `model` (lavaan syntax) to raw data or a sample covariance.

    data: a DataFrame (or dict of columns) whose columns are the observed variables; or
    sample_cov (a DataFrame, or a matrix with sample_cov_names) with sample_nobs. estimator:
    "ML" (default), "GLS", "ULS", "DWLS" or "WLS" (the last two need WLS_V, lavaan's weight
    matrix over vech of sample_cov, or for DWLS its diagonal). se: "standard" (lavaan's expected
    information), "sandwich" (with NACOV, the sampling covariance of vech(sample_cov):
    GenomicSEM's standard errors) or "none". std_lv: latent variances fixed to 1. As lavaan,
    ML on a sample covariance rescales it by (N - 1) / N unless sample_cov_rescale=False.
    """
    return _fit("sem", model, data, sample_cov, sample_nobs, sample_cov_names, estimator, std_lv,
                se, WLS_V, NACOV, level, sample_cov_rescale, tol, max_iter)


def cfa(model, data=None, sample_cov=None, sample_nobs=None, estimator="ML", std_lv=False,
        se="standard", sample_cov_names=None, WLS_V=None, NACOV=None, level=0.95,
        sample_cov_rescale=True, tol=1e-10, max_iter=10000):
    """lavaan's cfa(): sem() with the same defaults (lavaan's cfa and sem differ only for
    models lavaan treats alike here). Arguments as sem()."""
    return _fit("cfa", model, data, sample_cov, sample_nobs, sample_cov_names, estimator, std_lv,
                se, WLS_V, NACOV, level, sample_cov_rescale, tol, max_iter)


def lavaan(model, data=None, sample_cov=None, sample_nobs=None, estimator="ML", std_lv=False,
           se="standard", sample_cov_names=None, WLS_V=None, NACOV=None, level=0.95,
           sample_cov_rescale=True, tol=1e-10, max_iter=10000):
    """lavaan's lavaan(): no parameter is added to the model; every variance, covariance and
    the scale of each factor must be written. Arguments as sem()."""
    return _fit("lavaan", model, data, sample_cov, sample_nobs, sample_cov_names, estimator,
                std_lv, se, WLS_V, NACOV, level, sample_cov_rescale, tol, max_iter)


class SemFit(Results):
    """A fitted model: lavaan's parameterEstimates(), standardizedSolution(), fitMeasures(),
    summary(); the sample and model-implied covariance matrices."""

    __slots__ = ("_cap", "_d", "call")

    def __init__(self, cap, d, call):
        self._cap = cap
        self._d = d
        self.call = call

    @property
    def converged(self):
        return bool(self._d["converged"])

    @property
    def iterations(self):
        return int(self._d["iterations"])

    @property
    def nobs(self):
        return self._d["nobs"]

    @property
    def ov(self):
        """The observed variables in lavaan's order (lavNames(fit))."""
        return list(self._d["ov"])

    @property
    def lv(self):
        return list(self._d["lv"])

    def _matrix(self, key):
        import pandas as pd
        return pd.DataFrame(self._d[key], index=self.ov, columns=self.ov)

    @property
    def sample_cov(self):
        """The sample covariance as fitted (lavaan's sampstat: ML on raw data divides by N)."""
        return self._matrix("sample_cov")

    @property
    def implied_cov(self):
        """The model-implied covariance (lavaan's fitted(fit)$cov)."""
        return self._matrix("implied_cov")

    def parameter_estimates(self, standardized=False):
        """lavaan's parameterEstimates(): lhs op rhs label est se z pvalue ci_lower ci_upper
        (with standardized=True also std_lv and std_all)."""
        import pandas as pd
        d = self._d
        cols = {k: d[k] for k in ("lhs", "op", "rhs", "label", "est", "se", "z", "pvalue",
                                  "ci_lower", "ci_upper")}
        if standardized:
            cols["std_lv"] = d["std_lv"]
            cols["std_all"] = d["std_all"]
        return pd.DataFrame(cols)

    def standardized_solution(self, type="std.all"):
        """lavaan's standardizedSolution(type=...): lhs op rhs label est_std ("std.all" or
        "std.lv")."""
        import pandas as pd
        key = {"std.all": "std_all", "std.lv": "std_lv"}.get(type)
        if key is None:
            raise ValueError(f"type={type!r}: expected 'std.all' or 'std.lv'")
        d = self._d
        return pd.DataFrame({"lhs": d["lhs"], "op": d["op"], "rhs": d["rhs"],
                             "label": d["label"], "est_std": d[key]})

    def fit_measures(self, names=None):
        """lavaan's fitMeasures(): a Series named as lavaan names them (npar, chisq, df, pvalue,
        cfi, tli, rmsea, rmsea.ci.lower, srmr, aic, bic, ...); names: a subset."""
        import pandas as pd
        s = pd.Series(self._d["fit_value"], index=list(self._d["fit_name"]), dtype=float)
        if names is None:
            return s
        names = [names] if isinstance(names, str) else list(names)
        missing = [n for n in names if n not in s.index]
        if missing:
            raise KeyError(f"no fit measure {missing}; there are: {', '.join(s.index)}")
        return s[names]

    def summary(self, fit_measures=False, standardized=False):
        """lavaan's summary(fit, fit.measures=, standardized=) as text (a Summary)."""
        return Summary(_core.sem_summary(self._cap, bool(fit_measures), bool(standardized)))

    def to_dict(self):
        d = self._d
        return {"call": self.call, "estimator": d["estimator"], "nobs": d["nobs"],
                "converged": self.converged, "iterations": self.iterations,
                "parameters": self.parameter_estimates(standardized=True).to_dict("list"),
                "fit_measures": dict(zip(d["fit_name"], map(float, d["fit_value"])))}

    def to_dataframe(self):
        return self.parameter_estimates(standardized=True)

    def __repr__(self):
        return (f"<kestrel.sem.SemFit {self.call}(): {len(self._d['ov'])} observed, "
                f"{len(self._d['lv'])} latent, estimator {self._d['estimator']}, "
                f"{'converged' if self.converged else 'NOT converged'}>")
