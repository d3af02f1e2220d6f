"""Linear regression with fixed effects (pyfixest's ``feols`` interface) over kestrel's C core.

Only argument shaping and result presentation live here; fitting, variances, p-values and
confidence-interval quantiles are computed in C.
"""
from __future__ import annotations

import numpy as np

from . import _core

_VCOV_KIND = {"iid": 0, "hetero": 1, "HC1": 1, "HC2": 2, "HC3": 3}


def _parse_vcov(vcov):
    """pyfixest's vcov argument -> (kind, cluster spec)."""
    if vcov is None:
        return 0, None
    if isinstance(vcov, str):
        if vcov in _VCOV_KIND:
            return _VCOV_KIND[vcov], None
        raise ValueError(
            f"vcov={vcov!r}: expected 'iid', 'hetero', 'HC1', 'HC2', 'HC3' or "
            "{'CRV1': 'cluster'}")
    if isinstance(vcov, dict) and len(vcov) == 1:
        (kind, cluster), = vcov.items()
        if kind != "CRV1":
            raise ValueError(f"vcov={vcov!r}: only CRV1 clustering is supported")
        if not isinstance(cluster, str) or not cluster.strip():
            raise ValueError(f"vcov={vcov!r}: the cluster must be a column name")
        return 4, cluster.replace(" ", "")
    raise ValueError(f"vcov={vcov!r}: expected a string or a one-entry dict like {{'CRV1': 'unit'}}")


def _columns(data):
    """A pandas DataFrame or a dict of arrays -> dict of 1-d arrays (no copy where possible)."""
    if isinstance(data, dict):
        return data
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover
        pd = None
    if pd is not None and isinstance(data, pd.DataFrame):
        out = {}
        for name in data.columns:
            s = data[name]
            if isinstance(s.dtype, pd.CategoricalDtype):
                out[str(name)] = s.astype(object).to_numpy()
            elif s.dtype.kind in "fiub":
                out[str(name)] = s.to_numpy()
            else:
                out[str(name)] = s.astype(object).where(s.notna(), None).to_numpy()
        return out
    raise TypeError("data must be a pandas DataFrame or a dict of NumPy arrays")


class Feols:
    """A fitted linear model. Coefficients are indexed by term, in formula order."""

    def __init__(self, formula, res):
        self.formula = formula
        self._res = res
        self._names = list(res["names"])
        self.nobs = res["nobs"]
        self.r2 = res["r2"]
        self.adj_r2 = res["adj_r2"]
        self.r2_within = res["r2_within"]
        self.rss = res["rss"]
        self.sigma = res["sigma"]
        self.df_k = res["df_k"]
        self.df_t = res["df_t"]
        self.fixef_levels = dict(res["fixef"])
        self.vcov_type = res["vcov_label"]
        self.n_singletons = res["n_singletons"]
        self.n_na = res["n_na"]
        self.notes = [msg for _, msg in res["notes"]]
        self.collinear = [n for n, c in zip(self._names, res["collinear"]) if c]
        self._vcov = res["vcov"]

    def _series(self, values, name):
        try:
            import pandas as pd
        except ImportError:  # pragma: no cover
            return dict(zip(self._names, values))
        return pd.Series(values, index=pd.Index(self._names, name="Coefficient"), name=name)

    def resid(self):
        """Residuals y - yhat in the rows of the input (NaN where a row was not used)."""
        return self._res["resid"]

    @property
    def vcov(self):
        """Variance matrix (NumPy array, terms in formula order; NaN for collinear terms)."""
        return self._vcov

    def coef(self):
        return self._series(self._res["coef"], "Estimate")

    def se(self):
        return self._series(self._res["se"], "Std. Error")

    def tstat(self):
        return self._series(self._res["coef"] / self._res["se"], "t value")

    def pvalue(self):
        return self._series(self._res["pvalue"], "Pr(>|t|)")

    def confint(self, alpha=0.05):
        import pandas as pd

        q = _core.t_quantile(1.0 - alpha / 2.0, self.df_t)
        b, s = self._res["coef"], self._res["se"]
        lo, hi = f"{100 * alpha / 2:g}%", f"{100 * (1 - alpha / 2):g}%"
        return pd.DataFrame({lo: b - q * s, hi: b + q * s},
                            index=pd.Index(self._names, name="Coefficient"))

    def tidy(self, alpha=0.05):
        import pandas as pd

        ci = self.confint(alpha)
        return pd.DataFrame({
            "Estimate": self._res["coef"], "Std. Error": self._res["se"],
            "t value": self._res["coef"] / self._res["se"], "Pr(>|t|)": self._res["pvalue"],
            ci.columns[0]: ci.iloc[:, 0].to_numpy(), ci.columns[1]: ci.iloc[:, 1].to_numpy(),
        }, index=pd.Index(self._names, name="Coefficient"))

    def summary(self):
        """Print (and return) a table like fixest's."""
        lines = [f"OLS estimation: {self.formula}",
                 f"Observations: {self.nobs}" + (
                     "   Fixed effects: " + ", ".join(f"{k} ({v})" for k, v in self.fixef_levels.items())
                     if self.fixef_levels else ""),
                 f"Standard errors: {self.vcov_type}",
                 f"{'':20s} {'Estimate':>14s} {'Std. Error':>14s} {'t value':>9s} {'Pr(>|t|)':>10s}"]
        b, s, p = self._res["coef"], self._res["se"], self._res["pvalue"]
        for j, name in enumerate(self._names):
            if self._res["collinear"][j]:
                lines.append(f"{name:20s} {'-':>14s}   (removed: collinear)")
            else:
                lines.append(f"{name:20s} {b[j]:14.6g} {s[j]:14.6g} {b[j] / s[j]:9.3f} {p[j]:10.3g}")
        tail = f"---\nRMSE: {np.sqrt(self.rss / self.nobs):.6g}   R2: {self.r2:.6g}"
        if self.fixef_levels:
            tail += f"   Within R2: {self.r2_within:.6g}"
        lines.append(tail)
        text = "\n".join(lines)
        print(text)
        return text

    def __repr__(self):
        return f"<kestrel.Feols {self.formula!r}: {self.nobs} obs, vcov {self.vcov_type}>"


def feols(fml, data, vcov=None, weights=None, *, fixef_tol=1e-13, fixef_maxiter=10000,
          drop_singletons=True, ssc=None, collin_tol=1e-10, threads=0):
    """Fit ``fml`` (pyfixest syntax: ``"y ~ x1 + x2 | fe1 + fe2"``) on a DataFrame or a dict of
    arrays.

    vcov: "iid" (default), "hetero"/"HC1", "HC2", "HC3", {"CRV1": "unit"} or
    {"CRV1": "unit+time"}. weights: name of a weights column. ssc: dict with any of
    ``adj``, ``fixef_nested``, ``cluster_adj``, ``cluster_min`` (booleans; fixest defaults).
    """
    kind, cluster = _parse_vcov(vcov)
    ssc = dict(ssc or {})
    unknown = set(ssc) - {"adj", "fixef_nested", "cluster_adj", "cluster_min"}
    if unknown:
        raise ValueError(f"ssc: unknown keys {sorted(unknown)}")
    res = _core.feols(
        fml, _columns(data), vcov=kind, cluster=cluster, weights=weights, fe_tol=fixef_tol,
        fe_maxiter=fixef_maxiter, drop_singletons=int(drop_singletons),
        ssc_adj=int(ssc.get("adj", True)), ssc_fixef_nested=int(ssc.get("fixef_nested", True)),
        ssc_cluster_adj=int(ssc.get("cluster_adj", True)),
        ssc_cluster_min=int(ssc.get("cluster_min", True)), collin_tol=collin_tol,
        threads=threads)
    return Feols(fml, res)


def ols(X, y, *, weights=None, vcov=None, cluster=None, intercept=False, names=None, **kw):
    """Least squares on arrays: X (n x k), y (n). ``cluster`` is an array of group labels for
    ``vcov="CRV1"``. Returns a Feols result whose terms are ``names`` (default x0, x1, ...)."""
    X = np.asarray(X, dtype=np.float64)
    if X.ndim == 1:
        X = X[:, None]
    if X.ndim != 2:
        raise ValueError("X must be 1- or 2-dimensional")
    names = list(names) if names is not None else [f"x{j}" for j in range(X.shape[1])]
    if len(names) != X.shape[1]:
        raise ValueError(f"names has {len(names)} entries for {X.shape[1]} columns")
    cols = {n: np.ascontiguousarray(X[:, j]) for j, n in enumerate(names)}
    cols["__y__"] = np.asarray(y, dtype=np.float64)
    if weights is not None:
        cols["__w__"] = np.asarray(weights, dtype=np.float64)
    if vcov == "CRV1" or isinstance(vcov, dict):
        if cluster is None:
            raise ValueError("vcov='CRV1' needs cluster= (an array of group labels)")
        cols["__cluster__"] = np.asarray(cluster)
        vcov = {"CRV1": "__cluster__"}
    fml = "__y__ ~ " + " + ".join(names) + ("" if intercept else " - 1")
    return feols(fml, cols, vcov=vcov, weights="__w__" if weights is not None else None, **kw)
