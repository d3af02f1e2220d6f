"""Linear regression with fixed effects (pyfixest's ``feols`` interface) over kestrel's C core.

Only argument shaping and result presentation live here; fitting, variances, p-values and
confidence-interval quantiles are computed in C.
"""
from __future__ import annotations

import re

import numpy as np

from . import _core, validate
from .notes import messages, warn_notes
from .results import Results
from .summary import STARS_LEGEND, Summary, stars

_CRV1 = _core.enum_value("vcov_kind", "CRV1")
_CLUSTERED = {"CRV1": _CRV1, "CR2": _core.enum_value("vcov_kind", "CR2")}
_VCOV_FORMS = ("'iid', 'hetero', 'HC1', 'HC2', 'HC3', 'HC2-BM', 'CRV1:col', 'CRV1:col1+col2', "
               "'CR2:col' or {'CRV1': 'col'} / {'CR2': 'col'}")


def _parse_vcov(vcov):
    """pyfixest's vcov argument, or the kestrel command's spelling 'CRV1:col[+col2]' ->
    (kind, cluster spec)."""
    if vcov is None:
        return _core.enum_value("vcov_kind", "iid"), None
    spec = None
    if isinstance(vcov, str):
        if ":" not in vcov:  # a kind without columns: the library's names ("hetero" for HC1)
            try:
                kind = _core.enum_value("vcov_kind", vcov)
            except _core.KestrelError:
                kind = _CRV1
            if kind in _CLUSTERED.values():
                raise ValueError(f"vcov={vcov!r}: expected {_VCOV_FORMS}")
            return kind, None
        kind, colon, spec = vcov.partition(":")
        kind = kind.strip()
        if not colon or kind not in _CLUSTERED:
            raise ValueError(f"vcov={vcov!r}: expected {_VCOV_FORMS}")
    elif isinstance(vcov, dict) and len(vcov) == 1:
        (kind, spec), = vcov.items()
        if kind not in _CLUSTERED:
            raise ValueError(f"vcov={vcov!r}: only CRV1 and CR2 clustering are supported; "
                             f"expected {_VCOV_FORMS}")
    else:
        raise ValueError(f"vcov={vcov!r}: expected {_VCOV_FORMS}")
    if not isinstance(spec, str):
        raise ValueError(f"vcov={vcov!r}: the cluster must be a column name (or two joined by "
                         "'+')")
    cols = [c.strip() for c in spec.split("+")]
    if not all(cols):
        raise ValueError(f"vcov={vcov!r}: the cluster must be a column name (or two joined by "
                         "'+'); expected " + _VCOV_FORMS)
    return _CLUSTERED[kind], "+".join(cols)


def _names(only):
    """The strings in only, lists flattened, None left out."""
    for x in only:
        if isinstance(x, str):
            yield x
        elif x is not None and not isinstance(x, (int, float)):
            yield from _names(x)


def _columns(data, only=None):
    """A pandas DataFrame or a dict of arrays -> dict of 1-d arrays (no copy where possible).
    only: the column names the fit reads (strings, lists of them, None ignored): of a DataFrame
    only those are converted (a wide frame's other columns, text ones above all, cost more
    than the fit); None: every column."""
    if isinstance(data, dict):
        return data
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover
        pd = None
    if pd is not None and isinstance(data, pd.DataFrame):
        out = {}
        want = None if only is None else set(_names(only))
        for name in data.columns:
            if want is not None and str(name) not in want:
                continue
            s = data[name]
            if isinstance(s.dtype, pd.CategoricalDtype):
                out[str(name)] = s.astype(object).to_numpy()
            elif s.dtype.kind in "fiub":
                out[str(name)] = s.to_numpy()
            else:
                out[str(name)] = s.astype(object).where(s.notna(), None).to_numpy()
        return out
    raise TypeError(f"data: expected a pandas DataFrame or a dict of NumPy arrays, not "
                    f"{type(data).__name__}")


class Feols(Results):
    """A fitted linear model (what ``kestrel.feols`` and ``kestrel.ols`` return). Terms are in
    formula order; a term dropped as collinear keeps its place with NaN estimates.

    Attributes: ``formula``; ``nobs`` (rows used); ``r2``, ``adj_r2``, ``r2_within`` (within the
    fixed effects; NaN without them); ``rss``; ``sigma`` (residual standard error); ``df_k``
    (parameters counted, fixed-effect levels included) and ``df_t`` (degrees of freedom of the t
    tests: n - K, or min(G) - 1 when clustered); ``fixef_levels`` {fixed effect: levels};
    ``vcov_type`` (e.g. 'CRV1: worker'); ``vcov`` (property: the variance matrix);
    ``n_singletons`` (rows dropped as singletons); ``n_na`` (rows dropped for NA); ``notes``
    (what was dropped and why); ``collinear`` (terms dropped as collinear).

    Methods: ``coef()``, ``se()``, ``tstat()``, ``pvalue()``, ``df()`` (pandas Series by term),
    ``confint(alpha)``, ``tidy(alpha)`` (DataFrames), ``resid()``, ``summary()`` (the table as
    the kestrel command prints it, returned) and ``print_summary()`` (printed), ``to_dict()``,
    ``to_dataframe()`` (``tidy()``); as every kestrel result (``plot()`` has nothing to draw).
    """

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
        self.notes = messages(res["notes"])
        self.collinear = [n for n, c in zip(self._names, res["collinear"]) if c]
        self._vcov = res["vcov"]

    def _series(self, values, name):
        try:
            import pandas as pd
        except ImportError:  # pragma: no cover
            return dict(zip(self._names, values))
        return pd.Series(values, index=pd.Index(self._names, name="Coefficient"), name=name)

    def _clusters(self):
        """The number of clusters of each clustering dimension."""
        n = self._res["nclusters"]
        return [g for g in n[:2] if g] or [0]

    def resid(self):
        """Residuals y - yhat, one per input row (NaN where a row was not used)."""
        return self._res["resid"]

    @property
    def vcov(self):
        """Variance matrix (NumPy array, terms in formula order; NaN for collinear terms)."""
        return self._vcov

    def coef(self):
        """Estimates, a pandas Series indexed by term."""
        return self._series(self._res["coef"], "Estimate")

    def se(self):
        """Standard errors (of the fit's ``vcov_type``), a pandas Series indexed by term."""
        return self._series(self._res["se"], "Std. Error")

    def tstat(self):
        """t statistics, estimate / standard error."""
        return self._series(self._res["tstat"], "t value")

    def pvalue(self):
        """Two-sided p-values of the t tests (``df_t`` degrees of freedom)."""
        return self._series(self._res["pvalue"], "Pr(>|t|)")

    def df(self):
        """Each t test's degrees of freedom (``df_t``, or the coefficient's Satterthwaite
        degrees of freedom with vcov 'HC2-BM' / 'CR2'), a pandas Series by term."""
        return self._series(self._res["df"], "df")

    def confint(self, alpha=0.05):
        """Confidence intervals at level 1 - alpha (t quantiles, ``df_t`` degrees of freedom): a
        DataFrame with columns '2.5%' and '97.5%' (for alpha 0.05), one row per term."""
        import pandas as pd

        alpha = validate.real("alpha", alpha, "a number in (0, 1)", lambda a: 0 < a < 1)
        if alpha == self._res["alpha"]:  # the fit's intervals
            lower, upper = self._res["ci_lower"], self._res["ci_upper"]
        elif self._res.get("conley"):  # a variance replaced by did's Conley sandwich
            _, _, lower, upper = _core.did_infer(self._res["coef"], self._res["se"],
                                                 float(self.df_t), alpha)
        else:  # another level: the library computes them (ks_feols_confint)
            lower, upper = _core.feols_confint(self._res["model"], alpha)
        lo, hi = f"{100 * alpha / 2:g}%", f"{100 * (1 - alpha / 2):g}%"
        return pd.DataFrame({lo: lower, hi: upper},
                            index=pd.Index(self._names, name="Coefficient"))

    def tidy(self, alpha=0.05):
        """One row per term: Estimate, Std. Error, t value, Pr(>|t|) and the 1 - alpha
        interval (pyfixest's ``tidy``)."""
        import pandas as pd

        ci = self.confint(alpha)
        return pd.DataFrame({
            "Estimate": self._res["coef"], "Std. Error": self._res["se"],
            "t value": self._res["tstat"], "Pr(>|t|)": self._res["pvalue"],
            ci.columns[0]: ci.iloc[:, 0].to_numpy(), ci.columns[1]: ci.iloc[:, 1].to_numpy(),
        }, index=pd.Index(self._names, name="Coefficient"))

    def summary(self):
        """The coefficient table, with significance stars and their legend, as ``kestrel
        feols`` prints it (fixest's layout). Returned (a str that a REPL or notebook shows as
        the table); ``print_summary()`` prints it."""
        lines = [f"OLS estimation: {self.formula}",
                 f"Observations: {self.nobs}" + (
                     "   Fixed effects: " + ", ".join(f"{k} ({v})" for k, v in self.fixef_levels.items())
                     if self.fixef_levels else ""),
                 f"Standard errors: {self.vcov_type}",
                 f"{'':20s} {'Estimate':>14s} {'Std. Error':>14s} {'t value':>9s} {'Pr(>|t|)':>10s}"]
        b, s, t, p = (self._res[k] for k in ("coef", "se", "tstat", "pvalue"))
        for j, name in enumerate(self._names):
            if self._res["collinear"][j]:
                lines.append(f"{name:20s} {'-':>14s}   (removed: collinear)")
            else:
                lines.append(f"{name:20s} {b[j]:14.6g} {s[j]:14.6g} {t[j]:9.3f} "
                             f"{p[j]:10.3g} {stars(p[j])}")
        tail = f"RMSE: {np.sqrt(self.rss / self.nobs):.6g}   R2: {self.r2:.6g}"
        if self.fixef_levels:
            tail += f"   Within R2: {self.r2_within:.6g}"
        lines += ["---", STARS_LEGEND, tail]
        return Summary("\n".join(lines))

    def to_dict(self):
        """The fit as a dict: ``formula``, ``coef``, ``se``, ``pvalue`` ({term: value}), the fit
        statistics (``nobs``, ``r2``, ``adj_r2``, ``r2_within``, ``rss``, ``sigma``, ``df_k``,
        ``df_t``), ``vcov_type``, ``fixef_levels``, ``n_singletons``, ``n_na``, ``notes`` and
        ``collinear``."""
        def by_term(v):
            return {name: float(x) for name, x in zip(self._names, v)}

        return {"formula": self.formula, "coef": by_term(self._res["coef"]),
                "se": by_term(self._res["se"]), "pvalue": by_term(self._res["pvalue"]),
                "nobs": self.nobs, "r2": self.r2, "adj_r2": self.adj_r2,
                "r2_within": self.r2_within, "rss": self.rss, "sigma": self.sigma,
                "df_k": self.df_k, "df_t": self.df_t, "vcov_type": self.vcov_type,
                "fixef_levels": dict(self.fixef_levels), "n_singletons": self.n_singletons,
                "n_na": self.n_na, "notes": list(self.notes), "collinear": list(self.collinear)}

    def to_dataframe(self, alpha=0.05):
        """``tidy(alpha)``: one row per term (estimate, standard error, t, p, interval)."""
        return self.tidy(alpha)

    def __repr__(self):
        return f"<kestrel.Feols {self.formula!r}: {self.nobs} obs, vcov {self.vcov_type}>"


def feols(fml, data, vcov=None, weights=None, *, fixef_tol=1e-13, fixef_maxiter=10000,
          drop_singletons=True, ssc=None, collin_tol=1e-10, threads=None):
    """Linear regression with absorbed fixed effects, pyfixest's ``feols``.

    Parameters
    ----------
    fml : str
        ``"y ~ x1 + x2 | fe1 + fe2"``: the outcome, the regressors (an intercept is implied;
        ``- 1`` or ``0 +`` drops it; ``a:b`` a product, ``a*b`` = ``a + b + a:b``), then after
        ``|`` the fixed effects (``fe1^fe2`` their combination).
    data : pandas.DataFrame or dict of 1-d NumPy arrays
        The columns the formula names. Contiguous float64 / int64 columns are read without a
        copy; rows with NA in a used column are dropped (counted in ``notes``).
    vcov : str or dict, optional
        ``"iid"`` (default), ``"hetero"`` / ``"HC1"``, ``"HC2"``, ``"HC3"`` (not with fixed
        effects), or clustered ``{"CRV1": "col"}`` / ``"CRV1:col"`` (the kestrel command's
        spelling), two-way ``"CRV1:col1+col2"``.
    weights : str, optional
        Name of a column of analytic weights (>= 0; rows with weight 0 are dropped).
    fixef_tol : float
        Convergence tolerance of the fixed-effect projections (> 0; default 1e-13).
    fixef_maxiter : int
        Most projection iterations (>= 1; default 10000); reaching it leaves a note.
    drop_singletons : bool
        Drop rows alone in a fixed-effect level, iteratively (default True; counted in
        ``n_singletons``).
    ssc : dict, optional
        Small-sample corrections, fixest's defaults all True: ``adj`` ((n-1)/(n-K)),
        ``fixef_nested`` (leave fixed effects nested in a cluster out of K), ``cluster_adj``
        (G/(G-1)), ``cluster_min`` (two-way: one G, the smaller).
    collin_tol : float
        A regressor whose norm, relative to its norm before the others are projected out, is
        below this is dropped as collinear (in (0, 1); default 1e-10).
    threads : int, optional
        C threads; None or 0 (default): every core, fewer when the data is small.

    Returns
    -------
    Feols
        Coefficients, standard errors, tests, fit statistics and the summary table.
        Clustering on a single cluster gives NaN standard errors with a RuntimeWarning, as
        does stopping the fixed-effect projections at ``fixef_maxiter``.
    """
    fit = _feols(fml, data, vcov, weights, fixef_tol=fixef_tol, fixef_maxiter=fixef_maxiter,
                 drop_singletons=drop_singletons, ssc=ssc, collin_tol=collin_tol,
                 threads=threads)
    # a dropped collinear term is reported in .collinear, not warned (fixest's convention)
    warn_notes(fit._res["notes"], RuntimeWarning, skip=lambda m: "because of collinearity" in m)
    return fit


def _feols(fml, data, vcov=None, weights=None, *, fixef_tol=1e-13, fixef_maxiter=10000,
           drop_singletons=True, ssc=None, collin_tol=1e-10, threads=None, alpha=0.05):
    """feols without Python warnings (the callers in kestrel.did raise their own errors);
    alpha: the level of the fit's intervals (ci_lower, ci_upper)."""
    if not isinstance(fml, str):
        raise TypeError(f"fml={fml!r}: expected a formula string like 'y ~ x1 + x2 | fe1'")
    kind, cluster = _parse_vcov(vcov)
    if weights is not None and not isinstance(weights, str):
        raise TypeError(f"weights={weights!r}: expected None or a column name")
    fixef_tol = validate.real("fixef_tol", fixef_tol, "a number > 0", lambda v: v > 0)
    fixef_maxiter = validate.integer("fixef_maxiter", fixef_maxiter, minimum=1)
    drop_singletons = validate.flag("drop_singletons", drop_singletons)
    collin_tol = validate.real("collin_tol", collin_tol, "a number in (0, 1)",
                               lambda v: 0 < v < 1)
    threads = validate.threads(threads)
    if ssc is None:
        ssc = {}
    if not isinstance(ssc, dict):
        raise TypeError(f"ssc={ssc!r}: expected a dict with any of 'adj', 'fixef_nested', "
                        "'cluster_adj', 'cluster_min'")
    unknown = set(ssc) - {"adj", "fixef_nested", "cluster_adj", "cluster_min"}
    if unknown:
        raise ValueError(f"ssc: unknown keys {sorted(unknown)}; expected any of 'adj', "
                         "'fixef_nested', 'cluster_adj', 'cluster_min'")
    flags = {k: int(validate.flag(f"ssc['{k}']", ssc.get(k, True)))
             for k in ("adj", "fixef_nested", "cluster_adj", "cluster_min")}
    res = _core.feols(
        fml, _columns(data), vcov=kind, cluster=cluster, weights=weights, fe_tol=fixef_tol,
        fe_maxiter=fixef_maxiter, drop_singletons=int(drop_singletons),
        ssc_adj=flags["adj"], ssc_fixef_nested=flags["fixef_nested"],
        ssc_cluster_adj=flags["cluster_adj"], ssc_cluster_min=flags["cluster_min"],
        collin_tol=collin_tol, threads=threads, alpha=alpha)
    res["alpha"] = alpha
    return Feols(fml, res)


def _finite(name, a):
    """Raise naming the first non-finite entry of a (1-d or 2-d float array)."""
    bad = np.argwhere(~np.isfinite(a))
    if len(bad):
        at = ", ".join(str(i) for i in bad[0])
        raise ValueError(f"{name}[{at}] is {a[tuple(bad[0])]}: ols needs finite values (drop or "
                         "impute the rows first)")


def _vector(name, v, n, dtype=np.float64):
    """v as a 1-d array of n entries (an n x 1 column is accepted)."""
    try:
        a = np.asarray(v) if dtype is None else np.asarray(v, dtype=dtype)
    except (TypeError, ValueError):
        raise TypeError(f"{name}: expected {n} numbers") from None
    if a.ndim == 2 and a.shape[1] == 1:
        a = a[:, 0]
    if a.ndim != 1 or a.shape[0] != n:
        raise ValueError(f"{name} has shape {a.shape}; expected ({n},), one entry per row of X")
    return np.ascontiguousarray(a)


def ols(X, y, *, weights=None, vcov=None, cluster=None, intercept=False, names=None, ssc=None,
        collin_tol=1e-10, threads=None):
    """Least squares on arrays, with feols's estimator and variances.

    Parameters
    ----------
    X : array_like, n x k (or n)
        Regressors: finite numbers.
    y : array_like, n
        Outcome: finite numbers.
    weights : array_like, n, optional
        Analytic weights, finite and >= 0 (rows with weight 0 are dropped).
    vcov : str, optional
        ``"iid"`` (default), ``"hetero"`` / ``"HC1"``, ``"HC2"``, ``"HC3"``, or ``"CRV1"``
        (clustered by ``cluster``).
    cluster : array_like, n, optional
        Cluster labels (numbers or strings) for ``vcov="CRV1"``.
    intercept : bool
        Add an intercept (default False: X as given).
    names : list of str, optional
        The terms' names (default x0, x1, ...), in the columns' order.
    ssc, collin_tol, threads
        As in :func:`feols`.

    Returns
    -------
    Feols
        With terms ``names`` (``Intercept`` first with ``intercept=True``) and formula
        ``y ~ x0 + x1 [- 1]``.
    """
    try:
        X = np.asarray(X, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError("X: expected a numeric array (n x k)") from None
    if X.ndim == 1:
        X = X[:, None]
    if X.ndim != 2:
        raise ValueError(f"X has shape {X.shape}; expected n x k (2-dimensional) or n")
    n, k = X.shape
    if n == 0 or k == 0:
        raise ValueError(f"X has shape {X.shape}; expected at least one row and one column")
    _finite("X", X)
    y = _vector("y", y, n)
    _finite("y", y)
    names = [f"x{j}" for j in range(k)] if names is None else list(names)
    if len(names) != k or not all(isinstance(s, str) and s for s in names):
        raise ValueError(f"names: expected {k} non-empty strings, one per column of X, got "
                         f"{names!r}")
    if len(set(names)) != k:
        raise ValueError(f"names: {names!r} repeats a name")
    intercept = validate.flag("intercept", intercept)
    cols = {f"_ks_x{j}": np.ascontiguousarray(X[:, j]) for j in range(k)}
    cols["_ks_y"] = y
    if weights is not None:
        cols["_ks_w"] = _vector("weights", weights, n)
        _finite("weights", cols["_ks_w"])
        if (cols["_ks_w"] < 0).any():
            i = int(np.argmax(cols["_ks_w"] < 0))
            raise ValueError(f"weights[{i}] is {cols['_ks_w'][i]}: weights must be >= 0")
    if vcov == "CRV1" or isinstance(vcov, dict):
        if cluster is None:
            raise ValueError("vcov='CRV1' needs cluster= (an array of group labels, one per row)")
        cl = _vector("cluster", cluster, n, dtype=None)
        if ((cl.dtype.kind == "f" and not np.isfinite(cl).all()) or
                (cl.dtype.kind == "O" and any(c is None or c != c for c in cl))):
            raise ValueError("cluster: a label is missing (NaN or None); every row needs one")
        cols["_ks_cluster"] = cl
        vcov = {"CRV1": "_ks_cluster"}
    elif cluster is not None:
        raise ValueError(f"cluster is given but vcov={vcov!r}; pass vcov='CRV1' to cluster the "
                         "standard errors")
    elif isinstance(vcov, str) and vcov.startswith("CRV1"):
        raise ValueError(f"vcov={vcov!r}: with ols, pass vcov='CRV1' and the labels as cluster=")
    fml = "_ks_y ~ " + " + ".join(f"_ks_x{j}" for j in range(k)) + ("" if intercept else " - 1")
    fit = feols(fml, cols, vcov=vcov, weights="_ks_w" if weights is not None else None,
                ssc=ssc, collin_tol=collin_tol, threads=threads)
    # the terms, notes and variance label by the caller's names, not the internal columns'
    internal = {f"_ks_x{j}": s for j, s in enumerate(names)}
    internal.update(_ks_y="y", _ks_w="weights", _ks_cluster="cluster")

    def rename(text):
        return re.sub(r"_ks_(?:x\d+|y|w|cluster)\b", lambda m: internal[m.group(0)], text)

    fit._names = [internal.get(s, s) for s in fit._names]
    fit.collinear = [internal.get(s, s) for s in fit.collinear]
    fit.notes = [rename(s) for s in fit.notes]
    fit.vcov_type = rename(fit.vcov_type)
    fit.formula = "y ~ " + " + ".join(names) + ("" if intercept else " - 1")
    return fit
