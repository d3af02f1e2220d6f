"""Regression difference-in-differences with diff-diff's class names: the 2x2 design
(``DifferenceInDifferences``), two-way fixed effects (``TwoWayFixedEffects``) and the event study
on a common treatment date (``MultiPeriodDiD``). Each is one kestrel.feols fit (C: QR least
squares, absorbed fixed effects, HC1 / CRV1 with fixest's small-sample corrections, or HC2 /
HC3 / Bell-McCaffrey CR2 as R sandwich / clubSandwich); this module builds the formula and
shapes the results.

Inference follows R fixest: t tests with n - K degrees of freedom, or G - 1 when clustered
(diff-diff keeps n - K when clustered, so its p-values and intervals are slightly narrower).
"""
from __future__ import annotations

import math
import re

import numpy as np

from . import _core
from . import did_checks as checks
from . import did_conley
from . import validate
from .did_base import Estimator, Results, _stars_of
from .regress import _columns, _feols
from .summary import STARS_LEGEND, Summary
from .summary import stars as _stars  # noqa: F401  (did_diagnostics)

_NAME = r"[A-Za-z_.][A-Za-z0-9_.]*"


class DiDResults(Results):
    """The treatment effect of a regression DiD: ``att``, ``se``, ``t_stat``, ``p_value``,
    ``conf_int``, ``n_obs``, ``n_treated``, ``n_control``, ``n_clusters``, ``coefficients``
    (diff-diff's keys: 'const', the treatment and post columns, 'treated:post', covariates and
    the ``fixed_effects=`` dummies '<column>_<level>'; TwoWayFixedEffects: {'ATT': att}),
    ``vcov``, ``residuals`` / ``fitted_values`` (one per input row, NaN where a row was not
    used), ``r_squared``, ``inference_method``, ``vcov_type`` ('classical', 'hc1', 'hc2',
    'hc3', 'hc2_bm'; with ``cluster_name``: 'hc1' CR1, 'hc2_bm' CR2), ``cluster_name``,
    ``df_convention`` ('residual', 'cluster', or 'bell_mccaffrey' for 'hc2_bm') and
    ``inference_df`` (the t tests' degrees of
    freedom; None for the wild bootstrap), ``p_val_type``, ``bootstrap_distribution`` (None:
    kestrel's wild bootstrap does not keep its draws), ``conley_lag_cutoff`` (the Conley lag;
    None without Conley errors),
    ``seed`` (the wild bootstrap's: the one given or the one drawn; None without it); ``fit``
    is the kestrel.Feols behind it (None for the closed-form 2x2 and TWFE)."""

    def __init__(self, *, att, se, df, t_stat, p_value, conf_int, coefficients, vcov, n_obs,
                 n_clusters, r2, vcov_type, alpha, n_treated, n_control, label, fit=None,
                 notes=(), cluster_name=None, fitted=None):
        if not np.isfinite(att):
            raise ValueError("the treatment effect could not be estimated (collinear with the "
                             "fixed effects or covariates)")
        self.fit = fit
        self.alpha = alpha
        self._label = label
        self.att, self.se, self.df = float(att), float(se), df
        # the library's test and interval; none without a positive standard error
        ok = math.isfinite(self.se) and self.se > 0 and math.isfinite(self.att)
        nan = float("nan")
        self.t_stat = float(t_stat) if ok else nan
        self.p_value = float(p_value) if ok else nan
        self.conf_int = (float(conf_int[0]), float(conf_int[1])) if ok else (nan, nan)
        if not (self.se > 0):
            why = "the residuals are zero: an exact fit" if self.se == 0 else "not defined"
            checks.warn(f"the standard error of the treatment effect is {self.se:g} ({why}): "
                        "t, p-value and interval are NaN", RuntimeWarning)
        self.n_obs = n_obs
        self.n_treated = n_treated
        self.n_control = n_control
        self.n_clusters = n_clusters or None
        self.coefficients = coefficients
        self.vcov = vcov
        self.r_squared = r2
        self.inference_method = "analytical"
        self.vcov_type = vcov_type
        self.cluster_name = cluster_name
        self.n_bootstrap = 0
        self.seed = None  # the wild bootstrap's, when it ran
        self.p_val_type = None
        self.bootstrap_distribution = None
        self.conley_lag_cutoff = None
        self.df_convention = "cluster" if cluster_name else "residual"
        self.inference_df = float(df) if df else None
        self._fitted = fitted  # (y, yhat function) for the closed forms
        self.notes = list(notes)

    @classmethod
    def from_feols(cls, fit, term, alpha, n_treated, n_control, label, cluster_name=None,
                   vcov_type="hc1", rename=None, y=None):
        coef, se = fit.coef(), fit.se()
        if term not in coef.index:
            raise ValueError(f"the treatment term {term!r} is not in the model")
        j = list(coef.index).index(term)
        r = fit._res  # inference at the fit's alpha (the estimator's)
        names = [(rename or {}).get(k, k) for k in coef.index]
        return cls(att=coef[term], se=se[term], df=float(r["df"][j]), t_stat=r["tstat"][j],
                   p_value=r["pvalue"][j], conf_int=(r["ci_lower"][j], r["ci_upper"][j]),
                   coefficients={k: float(v) for k, v in zip(names, coef.values)},
                   vcov=fit.vcov, n_obs=fit.nobs, n_clusters=fit._res["nclusters"][0],
                   r2=fit.r2, vcov_type=vcov_type, alpha=alpha, n_treated=n_treated,
                   n_control=n_control, label=label, fit=fit, notes=fit.notes,
                   cluster_name=cluster_name, fitted=None if y is None else (y, None))

    @property
    def residuals(self):
        if self.fit is not None:
            return self.fit.resid()
        if self._fitted is None:
            return None
        y, _ = self._fitted
        return np.asarray(y, dtype=np.float64) - self.fitted_values

    @property
    def fitted_values(self):
        """y - residuals (the regression's fitted values, fixed effects included)."""
        if self._fitted is None:
            return None
        y, yhat = self._fitted
        if yhat is None:
            return np.asarray(y, dtype=np.float64) - self.fit.resid()
        return yhat()

    def _refer(self, df, convention):
        """The t tests and interval at `df` degrees of freedom (df_convention='residual' on a
        clustered fit: diff-diff's n - K in place of fixest's G - 1)."""
        t, p, lo, hi = _core.did_infer([self.att], [self.se], float(df), self.alpha)
        if math.isfinite(self.t_stat):
            self.t_stat, self.p_value = float(t[0]), float(p[0])
            self.conf_int = (float(lo[0]), float(hi[0]))
        self.df = self.inference_df = float(df)
        self.df_convention = convention

    def to_dict(self):
        return {"att": self.att, "se": self.se, "t_stat": self.t_stat, "p_value": self.p_value,
                "conf_int_lower": self.conf_int[0], "conf_int_upper": self.conf_int[1],
                "df": self.df, "n_obs": self.n_obs, "n_treated": self.n_treated,
                "n_control": self.n_control, "n_clusters": self.n_clusters,
                "r_squared": self.r_squared, "vcov_type": self.vcov_type,
                "cluster_name": self.cluster_name, "inference_df": self.inference_df,
                "df_convention": self.df_convention,
                "inference_method": self.inference_method, "n_bootstrap": self.n_bootstrap,
                "seed": self.seed}

    def to_dataframe(self):
        """to_dict() as a one-row pandas DataFrame."""
        import pandas as pd
        return pd.DataFrame([self.to_dict()])

    def summary(self):
        """The effect with its test and interval; stars and their legend as the kestrel
        command prints them. Returned; ``print_summary()`` prints it."""
        lo, hi = self.conf_int
        se_label = self.vcov_type + (f" clustered by {self.cluster_name}"
                                     if self.cluster_name else "")
        return Summary("\n".join([
            f"{self._label}",
            f"  observations {self.n_obs} (treated {self.n_treated}, control {self.n_control})"
            + (f", clusters {self.n_clusters}" if self.n_clusters else ""),
            f"  standard errors: {se_label}",
            f"  ATT {self.att:.6f}  se {self.se:.6f}  t {self.t_stat:.3f}  p {self.p_value:.4g} "
            f"{self.significance_stars}",
            f"  {100 * (1 - self.alpha):g}% interval [{lo:.6f}, {hi:.6f}]",
            f"  CV (se/|ATT|) {self.coef_var:.4f}",
            "---", STARS_LEGEND,
        ]))

    def __repr__(self):
        return f"DiDResults(att={self.att:.6g}, se={self.se:.6g}, p={self.p_value:.3g})"


_VCOV_TYPES = ("classical", "hc1", "hc2", "hc2_bm", "hc3", "conley")


def _resolve_vcov_type(robust, vcov_type):
    """diff-diff's vcov_type from the (robust, vcov_type) pair: robust None/True -> 'hc1',
    False -> 'classical'; robust=False with another vcov_type is contradictory."""
    if vcov_type is None:
        return "classical" if robust is False else "hc1"
    if vcov_type not in _VCOV_TYPES:
        raise ValueError(f"vcov_type={vcov_type!r}: expected one of {_VCOV_TYPES}")
    if robust is False and vcov_type != "classical":
        raise ValueError(f"robust=False with vcov_type={vcov_type!r}: robust=False means "
                         "vcov_type='classical'; give one of them")
    return vcov_type


_ONE_WAY = {
    "classical": "classical SEs are one-way only; pass vcov_type='hc1' or 'hc2_bm' for "
                 "cluster-robust.",
    "hc2": "hc2 is one-way only. Use vcov_type='hc2_bm' for cluster-robust Bell-McCaffrey.",
    "hc3": "hc3 is one-way only. Use vcov_type='hc1' (CR1) or 'hc2_bm' (CR2 Bell-McCaffrey) "
           "for cluster-robust.",
}


def _clustered_vcov_type(vcov_type, explicit, cluster):
    """diff-diff's rule for a one-way vcov_type with a cluster: the implicit 'classical' of
    robust=False becomes 'hc1' (CR1) with a warning; an explicit one raises."""
    if not cluster or vcov_type not in _ONE_WAY:
        return vcov_type
    if vcov_type == "classical" and not explicit:
        checks.warn("robust=False with cluster=... maps to vcov_type='hc1' (CR1 cluster-robust, "
                    "as diff-diff); pass vcov_type='classical' explicitly for non-robust "
                    "errors without cluster=, or vcov_type='hc1' to silence this warning",
                    UserWarning)
        return "hc1"
    raise ValueError(f"vcov_type={vcov_type!r} with cluster={cluster!r}: {_ONE_WAY[vcov_type]}")


def _vcov_arg(vcov_type, cluster):
    """The regression's vcov argument: HC1 / CR1, the one-way classical, HC2, HC3, and
    'hc2_bm' (HC2 with Bell-McCaffrey degrees of freedom, CR2 when clustered); conley fits
    with HC1 and did_conley.apply replaces the variance (with cluster=, the spatial kernel
    times the same-cluster indicator)."""
    if vcov_type == "conley":
        return "HC1"
    if cluster:
        if vcov_type in _ONE_WAY:  # _clustered_vcov_type has refused these
            raise ValueError(f"vcov_type={vcov_type!r} with cluster={cluster!r}: "
                             f"{_ONE_WAY[vcov_type]}")
        return {"CR2" if vcov_type == "hc2_bm" else "CRV1": cluster}
    return {"classical": "iid", "hc1": "HC1", "hc2": "HC2", "hc3": "HC3",
            "hc2_bm": "HC2-BM"}[vcov_type]


def _needs_full_hat(vcov):
    """HC2, HC3, HC2-BM and CR2 need the hat matrix of the design with the fixed effects as
    dummies (diff-diff builds them): the C core takes the fixed effects nested in the cluster
    (one fixed effect unclustered) absorbed, the others as dummy regressors."""
    kind = next(iter(vcov)) if isinstance(vcov, dict) else vcov
    return kind in ("HC2", "HC3", "HC2-BM", "CR2")


def _nested(a, b):
    """Is every level of column a inside one level of column b?"""
    _, ia = np.unique(np.asarray(a), return_inverse=True)
    _, ib = np.unique(np.asarray(b), return_inverse=True)
    pairs = np.unique(ia.astype(np.int64) * (ib.max() + 1) + ib)
    return len(pairs) == ia.max() + 1


def _split_fe(cols, fe, vcov):
    """(absorbed, dummy columns, their names) for `fe` under `vcov`: everything absorbed
    unless the variance needs the full hat matrix (_needs_full_hat); then clustered, the
    fixed effects nested in the cluster stay absorbed, unclustered the one with the most
    levels, and the others enter as '<column>_<level>' dummies."""
    if not fe or not _needs_full_hat(vcov):
        return list(fe), [], {}
    if isinstance(vcov, dict):
        cl = cols[next(iter(vcov.values()))]
        keep = [f for f in fe if _nested(cols[f], cl)]
    else:
        keep = [max(fe, key=lambda f: len(np.unique(np.asarray(cols[f]))))]
    names, rename = _fe_dummies(cols, [f for f in fe if f not in keep])
    return keep, names, rename


def _renamed(where, post, time):
    """diff-diff 3.x's post= with kestrel's (and diff-diff 2.x's) time= as its other name."""
    if post is not None and time is not None:
        raise TypeError(f"{where}: give post= or time= (the same argument), not both")
    return post if post is not None else time


def _fe_dummies(cols, fe):
    """diff-diff's fixed_effects=: one 0/1 column per level but the first, named
    '<column>_<level>' in the coefficients (internal names in the formula)."""
    names, rename = [], {}
    base = sum(k.startswith("_ks_fe") for k in cols)  # names unique across calls
    for col in fe:
        levels, inv = np.unique(np.asarray(cols[col]), return_inverse=True)
        for j in range(1, len(levels)):
            name = f"_ks_fe{base + len(names)}"
            cols[name] = (inv == j).astype(np.float64)
            names.append(name)
            rename[name] = f"{col}_{_py(levels[j])}"
    return names, rename


def _parse_did_formula(formula):
    """'y ~ d * t + x1 + x2' or 'y ~ d + t + d:t + x' -> (y, d, t, covariates)."""
    if "~" not in formula:
        raise ValueError(f"formula {formula!r}: expected 'y ~ treated * post [+ covariates]'")
    lhs, rhs = (s.strip() for s in formula.split("~", 1))
    terms = [t.strip() for t in rhs.split("+") if t.strip()]
    d = t = None
    rest = []
    for term in terms:
        m = re.fullmatch(rf"({_NAME})\s*[*:]\s*({_NAME})", term)
        if m and d is None:
            d, t = m.group(1), m.group(2)
        else:
            rest.append(term)
    if d is None:
        raise ValueError(f"formula {formula!r}: no interaction 'treated * post' or "
                         "'treated:post'")
    covs = [x for x in rest if x not in (d, t)]
    for x in covs:
        if not re.fullmatch(_NAME, x):
            raise ValueError(f"formula {formula!r}: term {x!r} is not a column name")
    return lhs, d, t, covs


def _warn_not_binary(data, cols):
    """diff-diff's estimators want 0/1 indicators; the regression takes any numbers, so other
    values are allowed here, with a warning that the interaction is then not a DiD effect."""
    c = _columns(data)
    for what, name in cols:
        if name in c and not checks.binary(c[name]):
            checks.warn(f"{what}: column {name!r} is not a 0/1 indicator; its values enter the "
                        "regression as numbers, and the interaction is not a 2x2 DiD effect")


def _varies_within(unit, d):
    """Does d take more than one value within some unit?"""
    _, u = np.unique(np.asarray(unit), return_inverse=True)
    lo = np.full(u.max() + 1, np.inf)
    hi = np.full(u.max() + 1, -np.inf)
    np.minimum.at(lo, u, d)
    np.maximum.at(hi, u, d)
    return bool((lo < hi).any())


def _as_list(x):
    if x is None:
        return []
    return [x] if isinstance(x, str) else list(x)


class DifferenceInDifferences(Estimator):
    """The 2x2 difference-in-differences regression ``y ~ treated + post + treated:post``
    (+ covariates, + fixed effects), diff-diff's ``DifferenceInDifferences``.

    Parameters
    ----------
    robust : bool, optional
        diff-diff's legacy switch: None or True HC1, False classical (iid) standard errors.
    cluster : str, optional
        A column to cluster on (CR1, fixest's CRV1; overrides ``robust``).
    vcov_type : {'classical', 'hc1', 'hc2', 'hc3', 'hc2_bm', 'conley'}, optional
        The variance (None: from ``robust``). 'hc2_bm': HC2 with Bell-McCaffrey degrees of
        freedom per coefficient, CR2 with ``cluster`` (R clubSandwich's numbers). With
        ``cluster``, 'classical', 'hc2' and 'hc3' raise ValueError (one-way only, as
        diff-diff). 'conley': Conley spatial-HAC errors (the ``conley_*`` settings,
        ``fit(unit=)``).
    alpha : float
        1 - the confidence level of the intervals (default 0.05).
    inference : {'analytical', 'wild_bootstrap'}
        'wild_bootstrap' (needs ``cluster``): the wild cluster restricted bootstrap's p-value
        and interval.
    n_bootstrap : int
        Bootstrap draws (default 999; all 2^G sign vectors when fewer suffice).
    bootstrap_weights : {'rademacher', 'webb', 'mammen'}
        The wild bootstrap's weights.
    p_val_type : {'two-tailed', 'equal-tailed'}
        The wild bootstrap's test: on |t|, or each tail at alpha / 2 (fwildclusterboot's).
    seed : int, optional
        The bootstrap's seed (None: a fresh one each fit).
    rank_deficient_action : {'warn', 'error', 'silent'}
        'error': raise when a regressor is dropped as collinear.
    conley_coords, conley_cutoff_km, conley_metric, conley_kernel, conley_lag_cutoff
        diff-diff's Conley spatial-HAC settings, used with vcov_type='conley': (lat, lon)
        columns, the cutoff (km for 'haversine'; coordinate units for 'euclidean'), the kernel
        ('bartlett' or 'uniform') and the within-unit Bartlett lags (0: none); computed in C
        (ks_did_conley_fit), t tests at n - K; ``cluster`` multiplies the kernel by the
        same-cluster indicator.
    df_convention : {None, 'cluster', 'residual'}
        Degrees of freedom of clustered t tests: None (default) or 'cluster' G - 1 as R
        fixest; 'residual' n - K as diff-diff's default.
    threads : int
        C threads; 0 (default): every core, fewer when the data is small.
    """

    _params = (
        "robust", "cluster", "vcov_type", "alpha", "inference", "n_bootstrap",
        "bootstrap_weights", "p_val_type", "seed", "rank_deficient_action", "conley_coords",
        "conley_cutoff_km", "conley_metric", "conley_kernel", "conley_lag_cutoff",
        "df_convention", "threads")

    _label = "Difference-in-differences (2x2)"

    def __init__(self, robust=None, cluster=None, vcov_type=None, alpha=0.05,
                 inference="analytical", n_bootstrap=999, bootstrap_weights="rademacher",
                 p_val_type="two-tailed", seed=None, rank_deficient_action="warn",
                 conley_coords=None, conley_cutoff_km=None, conley_metric="haversine",
                 conley_kernel="bartlett", conley_lag_cutoff=None, df_convention=None,
                 threads=0):
        self.robust = robust
        self.cluster = cluster
        self.vcov_type = vcov_type
        self.alpha = alpha
        self.inference = inference
        self.n_bootstrap = n_bootstrap
        self.bootstrap_weights = bootstrap_weights
        self.p_val_type = p_val_type
        self.seed = seed
        self.rank_deficient_action = rank_deficient_action
        self.conley_coords = conley_coords
        self.conley_cutoff_km = conley_cutoff_km
        self.conley_metric = conley_metric
        self.conley_kernel = conley_kernel
        self.conley_lag_cutoff = conley_lag_cutoff
        self.df_convention = df_convention
        self.threads = threads

    def _check_inference(self, cluster=None, inference=None):
        """The constructor's arguments, as diff-diff checks them (at fit time, so that
        set_params is checked too). Returns the resolved vcov_type (diff-diff's: the implicit
        'classical' of robust=False is 'hc1' with a cluster). `inference` overrides
        self.inference (MultiPeriodDiD's analytical fallback)."""
        inference = self.inference if inference is None else inference
        checks.check_alpha(self.alpha)
        checks.check_rank_action(self.rank_deficient_action)
        checks.check_count("n_bootstrap", self.n_bootstrap)
        validate.seed(self.seed)  # checked here; drawn by _fit_wild
        validate.threads(self.threads)
        did_conley.check(self, type(self).__name__)
        if self.df_convention not in (None, "cluster", "residual"):
            raise ValueError(f"df_convention={self.df_convention!r}: expected 'residual' or "
                             "'cluster'")
        if self.p_val_type not in ("two-tailed", "equal-tailed"):
            raise ValueError(f"p_val_type={self.p_val_type!r}: expected 'two-tailed' or "
                             "'equal-tailed'")
        if self.inference not in ("analytical", "wild_bootstrap"):
            raise ValueError(f"inference={self.inference!r}: expected 'analytical' or "
                             "'wild_bootstrap'")
        vt = _resolve_vcov_type(self.robust, self.vcov_type)
        if inference == "wild_bootstrap":
            if not cluster:
                raise ValueError("inference='wild_bootstrap' requires cluster= (the bootstrap "
                                 "draws one weight per cluster)")
            if self.n_bootstrap < 2:
                raise ValueError(f"n_bootstrap={self.n_bootstrap!r}: the wild bootstrap needs "
                                 "an integer >= 2")
            checks.enum_value("bootstrap_weights", self.bootstrap_weights, "did_boot_weights")
            return vt
        return _clustered_vcov_type(vt, self.vcov_type is not None, cluster)

    def _feols(self, fml, cols, vcov, expected=()):
        """The regression, with diff-diff's rank_deficient_action on collinear columns (but
        those `expected` to go); a clustered variance needs two clusters (diff-diff raises, as
        here)."""
        res = _feols(fml, cols, vcov=vcov, threads=self.threads, alpha=self.alpha)
        checks.rank_deficient(self.rank_deficient_action,
                              [c for c in res.collinear if c not in expected])
        if isinstance(vcov, dict) and min(res._clusters()) < 2:
            raise ValueError(f"cluster={next(iter(vcov.values()))!r}: "
                             f"{min(res._clusters())} cluster(s); "
                             "clustered standard errors need at least 2 clusters")
        return res

    def _fit_wild(self, data, fml, term, treat_col, cluster, expected=(), cols=None,
                  rename=None, outcome=None):
        """The regression with the wild cluster restricted bootstrap (C: ks_did_wild_fit) of
        `term` in place of the analytical inference."""
        cols = _columns(data) if cols is None else cols
        seed = validate.seed(self.seed)
        w = _core.did_wild(fml, cols, term, cluster, int(self.n_bootstrap),
                           checks.enum_value("bootstrap_weights", self.bootstrap_weights,
                                             "did_boot_weights"),
                           seed, self.alpha, equal_tailed=int(self.p_val_type == "equal-tailed"),
                           threads=validate.threads(self.threads))
        res = self._fit(cols, fml, term, treat_col, {"CRV1": cluster}, expected,
                        rename=rename, outcome=outcome, vcov_type="hc1", cluster=cluster)
        res.se, res.t_stat, res.p_value = w["se"], w["t_stat"], w["p_value"]
        res.conf_int = (w["ci_lower"], w["ci_upper"])
        res.df = res.inference_df = None
        res.inference_method = "wild_bootstrap"
        res.n_bootstrap = w["n_bootstrap"]
        res.n_clusters = w["n_clusters"]
        res.bootstrap_weights = self.bootstrap_weights
        res.p_val_type = self.p_val_type
        res.seed = seed
        res.bootstrap_enumerated = w["enumerated"]
        res.notes = list(res.notes) + [m for _, m in w["notes"]]
        checks.warn_notes(w["notes"])
        return res

    def _fit(self, cols, fml, term, treat_col, vcov, expected=(), rename=None, outcome=None,
             vcov_type="hc1", cluster=None, conley=None):
        """The regression and its DiDResults; conley: {'time', 'unit'} of the Conley variance
        (vcov_type 'conley'), which replaces the fit's."""
        cols = _columns(cols)
        res = self._feols(fml, cols, vcov, expected)
        checks.warn_notes(res._res["notes"])
        if conley is not None:
            did_conley.apply(res, cols, did_conley.check(self, type(self).__name__),
                             time=conley["time"], unit=conley["unit"], cluster=cluster,
                             alpha=self.alpha, threads=self.threads)
        treated = np.asarray(cols[treat_col], dtype=np.float64)
        n_tr = int(np.count_nonzero(treated == 1))
        out = DiDResults.from_feols(res, term, self.alpha, n_tr, len(treated) - n_tr,
                                    self._label, cluster_name=cluster, vcov_type=vcov_type,
                                    rename=rename,
                                    y=None if outcome is None else cols[outcome])
        if conley is not None:  # n - K t tests whatever the cluster (diff-diff)
            out.df_convention = "residual"
            out.conley_lag_cutoff = self.conley_lag_cutoff
            return out
        self._df_rule(out, _resid_df(res))
        return out

    def _df_rule(self, out, resid_df):
        """df_convention='residual' on a clustered fit: t tests at n - K (diff-diff); the
        Bell-McCaffrey degrees of freedom of 'hc2_bm' take precedence (as diff-diff's)."""
        if out.vcov_type == "hc2_bm":
            out.df_convention = "bell_mccaffrey"
            return
        if out.cluster_name and self.df_convention == "residual" and resid_df > 0:
            out._refer(resid_df, "residual")

    def fit(self, data, outcome=None, treatment=None, post=None, formula=None, covariates=None,
            fixed_effects=None, absorb=None, survey_design=None, unit=None, time=None):
        """Estimate the effect of ``treatment`` x ``post``.

        data: a pandas DataFrame (or a dict of arrays); outcome, treatment (0/1), post (0/1;
        ``time=`` is the same argument under its kestrel / diff-diff 2.x name): column names,
        or formula ``'y ~ treated * post [+ covariates]'`` instead; covariates: columns added
        to the regression; fixed_effects: columns entered as dummies (diff-diff's
        '<column>_<level>' coefficients; first level dropped); absorb: columns absorbed as
        fixed effects (within transformation); unit: the unit column of Conley errors
        (vcov_type='conley': required, the within-unit serial part; unused otherwise, as in
        diff-diff); survey_design: not supported (anything but None raises). Returns a
        DiDResults.
        """
        if survey_design is not None:
            raise NotImplementedError("survey_design is not supported by kestrel")
        time = _renamed("DifferenceInDifferences.fit", post, time)
        vt = self._check_inference(self.cluster)
        if formula is not None:
            outcome, treatment, time, fcovs = _parse_did_formula(formula)
            covariates = fcovs + _as_list(covariates)
        if not (outcome and treatment and time):
            raise ValueError("give outcome, treatment and post, or a formula")
        if vt == "conley":
            did_conley.need_unit(unit, "DifferenceInDifferences")
        covs = _as_list(covariates)
        dummies = _as_list(fixed_effects)
        fe = _as_list(absorb)
        wild = self.inference == "wild_bootstrap"
        cz = did_conley.check(self, "DifferenceInDifferences")
        data = _columns(data, (outcome, treatment, time, covs, dummies, fe, self.cluster, unit,
                               cz and (cz["lat"], cz["lon"])))  # once, the columns it reads
        _warn_not_binary(data, [("treatment", treatment), ("post", time)])
        if not covs and not fe and not dummies and not wild and vt in ("classical", "hc1"):
            fast = self._fit_2x2(data, outcome, treatment, time, vt)  # the saturated 2x2
            if fast is not None:
                return fast
        cols = dict(data)
        vcov = None if wild else _vcov_arg(vt, self.cluster)
        absorbed = [treatment, time] if (fe or dummies) else []
        dnames, rename = _fe_dummies(cols, dummies)
        fe, fnames, frename = _split_fe(cols, fe, vcov)  # diff-diff's absorb -> dummies
        dnames += fnames
        rename.update(frename)
        rename.update({"Intercept": "const"})
        # the dummies first: a dummy collinear with the design drops the main effects, which
        # diff-diff's fixed effects absorb, never the interaction
        rhs = " + ".join(dnames + [treatment, time, f"{treatment}:{time}"] + covs)
        fml = f"{outcome} ~ {rhs}" + (" | " + " + ".join(fe) if fe else "")
        term = f"{treatment}:{time}"
        if wild:
            res = self._fit_wild(cols, fml, term, treatment, self.cluster, absorbed, cols,
                                 rename, outcome)
        else:
            res = self._fit(cols, fml, term, treatment, vcov, absorbed, rename, outcome, vt,
                            self.cluster,
                            conley={"time": time, "unit": unit} if vt == "conley" else None)
        res.coefficients = _diffdiff_order(res.coefficients, [rename[d] for d in dnames])
        return res

    def predict(self, data):
        """diff-diff 3.13 has no out-of-sample prediction: RuntimeError before fit, then
        NotImplementedError for any ``data`` (accepted for diff-diff's signature;
        ``results_.fitted_values`` holds the fitted values)."""
        if not self.is_fitted_:
            raise RuntimeError("Model must be fitted before calling predict()")
        raise NotImplementedError("out-of-sample predict() is not supported (as in diff-diff "
                                  "3.13); results_.fitted_values holds the fitted values")

    def _fit_2x2(self, data, outcome, treatment, time, vt):
        """The closed form (C: ks_did_basic_fit); None when treatment or time is not 0/1."""
        kind = 4 if self.cluster else (1 if vt == "hc1" else 0)
        cols = _columns(data)
        try:
            r = _core.did_basic(cols, outcome, treatment, time, cluster=self.cluster,
                                vcov=kind, alpha=self.alpha)
        except _core.KestrelError as e:
            if "must be 0 or 1" in str(e):
                return None
            raise
        names = ["const", treatment, time, f"{treatment}:{time}"]
        n = r["ncell"]
        notes = [f"{r['n_na']} rows with missing values removed"] if r["n_na"] else []
        b = [float(x) for x in r["coef"]]
        d, t = cols[treatment], cols[time]

        def yhat():  # the saturated model's fitted values: the four cell means
            return b[0] + b[1] * np.asarray(d, float) + b[2] * np.asarray(t, float) + \
                b[3] * np.asarray(d, float) * np.asarray(t, float)
        out = DiDResults(att=r["coef"][3], se=r["se"][3], df=r["df_t"], t_stat=r["t_stat"][3],
                         p_value=r["p_value"][3],
                         conf_int=(r["ci_lower"][3], r["ci_upper"][3]),
                         coefficients=dict(zip(names, b)), vcov=r["vcov"],
                         n_obs=r["nobs"], n_clusters=r["nclusters"], r2=r["r2"],
                         vcov_type=vt, alpha=self.alpha, n_treated=n[2] + n[3],
                         n_control=n[0] + n[1], label=self._label, notes=notes,
                         cluster_name=self.cluster, fitted=(cols[outcome], yhat))
        self._df_rule(out, r["nobs"] - 4)
        return out


def _resid_df(res):
    """n - K with every fixed-effect level counted (a clustered fit's df_k leaves out the
    levels nested in the clusters, as fixest): diff-diff's residual degrees of freedom."""
    kept = int(np.count_nonzero(np.isfinite(res.coef().to_numpy())))
    lv = res.fixef_levels
    return res.nobs - kept - (sum(lv.values()) - (len(lv) - 1) if lv else 0)


def _diffdiff_order(coefs, dummies):
    """diff-diff's order of the coefficients: the dummies after the rest."""
    rest = {k: v for k, v in coefs.items() if k not in dummies}
    rest.update({k: coefs[k] for k in dummies if k in coefs})
    return rest


class TwoWayFixedEffects(DifferenceInDifferences):
    """``y ~ treatment x post | unit + time`` with standard errors clustered by unit (or by
    ``cluster``), diff-diff's ``TwoWayFixedEffects``: the regressor is the product of the
    treatment and post columns (treated x post in the 2x2 design). ``fit(event_study=True,
    time=, post_periods=)`` estimates the per-period event study instead (an
    EventStudyResults), and ``decompose()`` runs the Goodman-Bacon decomposition.

    Parameters, as DifferenceInDifferences's, where TWFE's standard errors are always
    clustered (on ``cluster``, default the unit):

    robust : bool, optional
        Unused (False asks for classical errors, which a clustered fit refuses).
    cluster : str, optional
        The cluster column (default the ``unit`` given to fit).
    vcov_type : {None, 'hc1', 'hc2_bm', 'classical', 'hc2', 'hc3', 'conley'}
        CR1, or 'hc2_bm' CR2 with Bell-McCaffrey degrees of freedom; the one-way 'classical',
        'hc2' and 'hc3' drop the default unit cluster (diff-diff; with an explicit
        ``cluster`` they raise ValueError); 'conley': Conley errors (no unit clustering then:
        ``cluster`` multiplies the spatial kernel).
    alpha : float
        1 - the confidence level of the intervals (default 0.05).
    inference : {'analytical', 'wild_bootstrap'}
        'wild_bootstrap': the wild cluster restricted bootstrap's p-value and interval of the
        static ATT (not with ``event_study=True``).
    n_bootstrap, bootstrap_weights, p_val_type, seed
        The wild bootstrap's draws, weights ('rademacher', 'webb', 'mammen'), test
        ('two-tailed' or 'equal-tailed') and seed (None: a
        fresh one, recorded on the result).
    rank_deficient_action : {'warn', 'error', 'silent'}
        'error': raise when a covariate is dropped as collinear.
    conley_coords, conley_cutoff_km, conley_metric, conley_kernel, conley_lag_cutoff
        The Conley settings of vcov_type='conley' (DifferenceInDifferences's).
    df_convention : {None, 'cluster', 'residual'}
        t tests at G - 1 (None, 'cluster') or at n - K with every fixed effect counted
        ('residual', diff-diff's default).
    threads : int
        C threads; 0 (default): every core, fewer when the data is small.
    """

    _label = "Two-way fixed effects DiD"

    def fit(self, data, outcome, treatment, post=None, unit=None, covariates=None,
            survey_design=None, event_study=False, spec="within", reference_period=None,
            post_periods=None, time=None):
        """Estimate the effect. data: a DataFrame (or dict of arrays); outcome, treatment,
        post (``time=`` in static mode is the same argument), unit: column names (the
        regressor is treatment x post, with unit and period fixed effects); covariates:
        columns added. Returns a DiDResults.

        event_study=True: ``time`` is the calendar period column, ``treatment`` the
        ever-treated indicator, ``post_periods`` (required) the treated periods and
        ``reference_period`` the omitted one (default the last pre period); spec 'within'
        (unit and period fixed effects) or 'pooled' (treated dummy and period fixed effects,
        MultiPeriodDiD's design). Returns an EventStudyResults.

        survey_design: not supported (anything but None raises NotImplementedError)."""
        if survey_design is not None:
            raise NotImplementedError("survey_design is not supported by kestrel")
        if spec not in ("within", "pooled"):
            raise ValueError(f"spec={spec!r}: expected 'within' or 'pooled'")
        cz = did_conley.check(self, "TwoWayFixedEffects")
        data = _columns(data, (outcome, treatment, post, time, unit, covariates, self.cluster,
                               cz and (cz["lat"], cz["lon"])))  # once, the columns it reads
        if event_study:
            return self._event_study(data, outcome, treatment, post, unit, covariates, spec,
                                     reference_period, post_periods, time)
        extra = [k for k, v in (("spec", spec != "within"),
                                ("reference_period", reference_period is not None),
                                ("post_periods", post_periods is not None)) if v]
        if extra:
            raise ValueError(f"{', '.join(extra)} require(s) event_study=True")
        time = _renamed("TwoWayFixedEffects.fit", post, time)
        if time is None or unit is None:
            raise TypeError("TwoWayFixedEffects.fit: post (or time) and unit are required")
        # TWFE clusters by unit unless told otherwise, but an explicit one-way vcov_type
        # ('classical', 'hc2', 'hc3') drops that default cluster (diff-diff)
        one_way = (self.vcov_type in _ONE_WAY and self.cluster is None
                   and self.inference == "analytical")
        cluster = None if one_way else (self.cluster or unit)
        vt = self._check_inference(cluster)
        vcov = _vcov_arg(vt, cluster)
        _warn_not_binary(data, [("post", time)])
        checks.staggered_timing(_columns(data), treatment, time, unit)
        covs = _as_list(covariates)
        fml = (f"{outcome} ~ " + " + ".join([f"{treatment}:{time}"] + covs) +
               f" | {unit} + {time}")
        term = f"{treatment}:{time}"
        if self.inference == "wild_bootstrap":
            res = self._fit_wild(data, fml, term, treatment, cluster, outcome=outcome)
            res.coefficients = {"ATT": res.att}
            return res
        if vt == "conley":  # diff-diff drops the unit clustering; an explicit cluster= stays
            res = self._fit(data, fml, term, treatment, "HC1", outcome=outcome,
                            vcov_type="conley", cluster=self.cluster,
                            conley={"time": time, "unit": unit})
            res.coefficients = {"ATT": res.att}
            return res
        if vt != "hc1":  # the full-dummy hat matrix where the variance needs it (_split_fe)
            cols = dict(_columns(data))
            fe, fnames, _ = _split_fe(cols, [unit, time], vcov)
            fml = (f"{outcome} ~ " + " + ".join([term] + covs + fnames) +
                   (" | " + " + ".join(fe) if fe else ""))
            res = self._fit(cols, fml, term, treatment, vcov, outcome=outcome, vcov_type=vt,
                            cluster=cluster)
            res.coefficients = {"ATT": res.att}
            return res
        if not covs:  # a balanced panel: the within transformation in closed form
            cols = _columns(data)
            r = _core.did_twfe(cols, outcome, treatment, time, unit, cluster=self.cluster,
                               alpha=self.alpha)
            if r["balanced"]:
                d = np.asarray(cols[treatment], dtype=np.float64)
                n_tr = int(np.count_nonzero(d == 1))
                out = DiDResults(att=r["att"], se=r["se"], df=r["df_t"], t_stat=r["t_stat"],
                                 p_value=r["p_value"],
                                 conf_int=(r["ci_lower"], r["ci_upper"]),
                                 coefficients={"ATT": r["att"]},
                                 vcov=np.array([[r["se"] ** 2]]), n_obs=r["nobs"],
                                 n_clusters=r["nclusters"], r2=float("nan"),
                                 vcov_type="hc1", alpha=self.alpha,
                                 n_treated=n_tr, n_control=len(d) - n_tr, label=self._label,
                                 cluster_name=cluster)
                n_units = len(np.unique(np.asarray(cols[unit])))
                n_times = len(np.unique(np.asarray(cols[time])))
                self._df_rule(out, r["nobs"] - n_units - n_times)
                return out
        res = self._fit(data, fml, term, treatment, {"CRV1": cluster}, outcome=outcome,
                        vcov_type="hc1", cluster=cluster)
        res.coefficients = {"ATT": res.att}
        return res

    def _event_study(self, data, outcome, treatment, post, unit, covariates, spec,
                     reference_period, post_periods, time):
        from .did_event_study import from_period_effects
        if post is not None:
            raise ValueError("event_study=True takes the calendar period column as time=, "
                             "not post=")
        if time is None:
            raise TypeError("event_study=True needs time= (the calendar period column)")
        if not post_periods:
            raise ValueError("event_study=True needs post_periods (the treated periods): the "
                             "treatment date cannot be read from an ever-treated indicator")
        if spec == "within" and unit is None:
            raise ValueError("spec='within' needs unit= (the unit fixed effects)")
        if self.inference == "wild_bootstrap":
            raise ValueError("inference='wild_bootstrap' covers the static ATT only, not "
                             "event_study=True")
        conley = self.vcov_type == "conley"
        cluster = self.cluster if conley else (self.cluster or unit)
        mp = MultiPeriodDiD(**{k: getattr(self, k) for k in DifferenceInDifferences._params})
        mp.cluster = cluster
        r = mp._event_study(data, outcome, treatment, time, post_periods, covariates, None,
                            None, reference_period, unit if spec == "within" else None,
                            serial_unit=unit)
        return from_period_effects(r, "TwoWayFixedEffects", spec)

    def decompose(self, data, outcome, unit, time, first_treat, weights="exact"):
        """The Goodman-Bacon decomposition of this TWFE estimate (C: ks_did_bacon): a
        BaconDecompositionResults, as kestrel.did.bacon_decompose."""
        from .did_bacon import BaconDecomposition
        return BaconDecomposition(weights=weights).fit(data, outcome, unit, time, first_treat)


class PeriodEffect:
    """One period's effect of an event study: ``period``, ``effect``, ``se``, ``t_stat``,
    ``p_value``, ``conf_int``; ``is_significant`` (p < 0.05, as diff-diff) and
    ``significance_stars``."""

    def __init__(self, period, effect, se, t_stat, p_value, conf_int):
        self.period, self.effect, self.se = period, effect, se
        self.t_stat, self.p_value, self.conf_int = t_stat, p_value, conf_int

    @property
    def is_significant(self):
        return bool(self.p_value < 0.05)

    @property
    def significance_stars(self):
        return _stars_of(self.p_value)

    def __repr__(self):
        return (f"PeriodEffect(period={self.period!r}, effect={self.effect:.6g}"
                f"{self.significance_stars}, se={self.se:.6g}, p={self.p_value:.4g})")


class MultiPeriodDiDResults(Results):
    """Event study on a common treatment date: ``period_effects`` {period: PeriodEffect}
    (every period but the reference), ``avg_att`` over the post periods with ``avg_se``,
    ``avg_t_stat``, ``avg_p_value``, ``avg_conf_int``; ``pre_periods``, ``post_periods``,
    ``reference_period``, ``coefficients``, ``vcov``, ``fit``."""

    def __init__(self, fit, names, periods, pre, post, ref, alpha, n_tr, n_co, *,
                 vcov_type="hc1", cluster_name=None, rename=None, y=None, resid_df=None):
        self.fit = fit
        self.alpha = alpha
        self.pre_periods, self.post_periods, self.reference_period = pre, post, ref
        self.n_obs, self.n_treated, self.n_control = fit.nobs, n_tr, n_co
        self.n_clusters = fit._res["nclusters"][0] or None
        self.vcov_type = vcov_type
        self.cluster_name = cluster_name
        self.inference_method = "analytical"
        self.n_bootstrap = None
        self.conley_lag_cutoff = None
        self._y = y
        rename = rename or {}
        self.coefficients = {rename.get(k, k): float(v) for k, v in fit.coef().items()}
        self.vcov = fit.vcov
        self.r_squared = fit.r2
        coef, se = fit.coef(), fit.se()
        r, index = fit._res, list(coef.index)  # the library's tests and intervals at alpha
        self.interaction_indices = {per: index.index(n) for n, per in zip(names, periods)}
        # degrees of freedom: fixest's (G - 1 clustered) or diff-diff's n - K ('residual')
        df = resid_df if resid_df is not None else fit.df_t
        self.df_convention = "cluster" if (cluster_name and resid_df is None) else "residual"
        self.inference_df = float(df) if df and df > 0 else None
        nan = float("nan")
        b = np.array([float(coef[n]) for n in names])
        s = np.array([float(se[n]) for n in names])
        if resid_df is None:
            j = [index.index(n) for n in names]
            t, p = r["tstat"][j], r["pvalue"][j]
            lo, hi = r["ci_lower"][j], r["ci_upper"][j]
            dfs = r["df"][j]  # df_t, or each period's Bell-McCaffrey df ('hc2_bm')
        else:
            t, p, lo, hi = _core.did_infer(b, s, float(df), alpha)
            dfs = np.full(len(names), float(df))
        self.period_effects = {}
        self.event_study_df = {}
        for i, per in enumerate(periods):
            ok = s[i] > 0  # NaN for a dropped (unidentified) period, 0 for an exact fit
            self.period_effects[per] = PeriodEffect(
                per, float(b[i]), float(s[i]), float(t[i]) if ok else nan,
                float(p[i]) if ok else nan,
                (float(lo[i]), float(hi[i])) if ok else (nan, nan))
            self.event_study_df[per] = float(dfs[i]) if ok else nan
        # the average of the post-period effects, w'b and sqrt(w'Vw), with its test and interval
        # (ks_feols_lincom: a column dropped as collinear has no weight)
        idx = [index.index(n) for n, p in zip(names, periods) if p in post]
        w = np.zeros(len(coef))
        w[idx] = 1.0 / len(idx)
        unidentified = [p for n, p in zip(names, periods) if p in post and np.isnan(coef[n])]
        if unidentified:  # R's mean(c(..., NA)): the average is not defined (lincom: NaN)
            checks.warn(f"post-period effects {unidentified} are not identified (their columns "
                        "were dropped as collinear): the average effect is NaN")
        e = (did_conley.lincom(fit, w, alpha) if r.get("conley")
             else _core.feols_lincom(r["model"], w, alpha))
        self.avg_att, self.avg_se = e["estimate"], e["se"]
        self.avg_t_stat, self.avg_p_value = e["tstat"], e["pvalue"]
        self.avg_conf_int = (e["ci_lower"], e["ci_upper"])
        if vcov_type == "hc2_bm":  # the average's own (contrast) Bell-McCaffrey df
            self.df_convention = "bell_mccaffrey"
            self.inference_df = e["df"]
        if resid_df is not None and math.isfinite(self.avg_t_stat):
            t, p, lo, hi = _core.did_infer([self.avg_att], [self.avg_se], float(df), alpha)
            self.avg_t_stat, self.avg_p_value = float(t[0]), float(p[0])
            self.avg_conf_int = (float(lo[0]), float(hi[0]))

    # diff-diff's names of the average effect
    att = property(lambda self: self.avg_att)
    se = property(lambda self: self.avg_se)
    t_stat = property(lambda self: self.avg_t_stat)
    p_value = property(lambda self: self.avg_p_value)
    conf_int = property(lambda self: self.avg_conf_int)

    @property
    def residuals(self):
        return self.fit.resid()

    @property
    def fitted_values(self):
        """y - residuals (NaN where a row was not used)."""
        return None if self._y is None else np.asarray(self._y, np.float64) - self.fit.resid()

    @property
    def pre_period_effects(self):
        return {p: e for p, e in self.period_effects.items() if p in self.pre_periods}

    @property
    def post_period_effects(self):
        return {p: e for p, e in self.period_effects.items() if p in self.post_periods}

    def get_effect(self, period):
        return self.period_effects[period]

    def to_dataframe(self):
        """One row per period: effect, se, t_stat, p_value, interval and whether it is post."""
        import pandas as pd
        return pd.DataFrame([{"period": p, "effect": e.effect, "se": e.se, "t_stat": e.t_stat,
                              "p_value": e.p_value, "conf_int_lower": e.conf_int[0],
                              "conf_int_upper": e.conf_int[1], "post": p in self.post_periods}
                             for p, e in self.period_effects.items()])

    def to_dict(self):
        return {"avg_att": self.avg_att, "avg_se": self.avg_se, "avg_p_value": self.avg_p_value,
                "avg_conf_int": list(self.avg_conf_int),
                "reference_period": _py(self.reference_period),
                "period_effects": {str(p): {"effect": e.effect, "se": e.se, "p_value": e.p_value}
                                   for p, e in self.period_effects.items()}}

    def summary(self):
        """The period effects and their post-period average. Returned; ``print_summary()``
        prints it."""
        se_label = self.vcov_type + (f" clustered by {self.cluster_name}"
                                     if self.cluster_name else "")
        rows = [f"Event study (reference period {self.reference_period}; standard errors "
                f"{se_label})",
                f"{'period':>10}{'effect':>12}{'std.err':>12}{'p':>9}"]
        for p, e in self.period_effects.items():
            rows.append(f"{p!s:>10}{e.effect:12.6f}{e.se:12.6f}{e.p_value:9.4f}"
                        + ("  post" if p in self.post_periods else ""))
        rows.append(f"average post-period effect {self.avg_att:.6f} (se {self.avg_se:.6f}, "
                    f"p {self.avg_p_value:.4g}) {self.significance_stars}")
        lo, hi = self.avg_conf_int
        rows.append(f"{100 * (1 - self.alpha):g}% interval [{lo:.6f}, {hi:.6f}]; CV (se/|ATT|) "
                    f"{self.coef_var:.4f}")
        return Summary("\n".join(rows))


def _py(x):
    return x.item() if hasattr(x, "item") else x


class MultiPeriodDiD(DifferenceInDifferences):
    """diff-diff's ``MultiPeriodDiD``: ``y ~ treated + sum_{p != ref} treated x 1(period = p)``
    with period fixed effects (+ covariates, + ``fixed_effects``/``absorb``; unit fixed effects
    are ``absorb=[unit]``, as in diff-diff); ``post_periods default the later half of the periods, ``reference_period``
    the last pre period.

    Parameters, as DifferenceInDifferences's: robust, cluster, alpha, threads,
    rank_deficient_action; ``vcov_type`` 'classical', 'hc1', 'hc2', 'hc3' or 'hc2_bm' (with
    ``cluster``: 'hc1' CR1, 'hc2_bm' CR2 with each period's and the average's Satterthwaite
    df; the others raise ValueError), or 'conley' with the Conley settings ``conley_coords``,
    ``conley_cutoff_km``, ``conley_metric``, ``conley_kernel``, ``conley_lag_cutoff`` and
    fit's ``unit`` (required); ``df_convention`` (clustered t tests at G - 1, or n - K with
    'residual'). inference='wild_bootstrap' warns and runs the analytical inference (as
    diff-diff 3.13), so n_bootstrap, bootstrap_weights, p_val_type and seed are unused.
    """

    def fit(self, data, outcome, treatment, time, post_periods=None, covariates=None,
            fixed_effects=None, absorb=None, reference_period=None, unit=None,
            survey_design=None):
        """Estimate each period's effect and their post-period average.

        data: a DataFrame (or dict of arrays); outcome, treatment (0/1 ever treated), time (the
        period): column names; post_periods: the treated periods (default the later half);
        covariates: columns added; fixed_effects, absorb: columns absorbed; reference_period:
        the omitted pre period (default the last); unit: the unit column (checked: the
        treatment must not vary within a unit; Conley's serial sums), not fixed effects (give
        absorb=[unit] for those, as in diff-diff);
        survey_design: not supported (anything but None raises NotImplementedError).
        Returns a MultiPeriodDiDResults."""
        if survey_design is not None:
            raise NotImplementedError("survey_design is not supported by kestrel")
        # unit= names the units (the within-unit treatment check, Conley's serial sums); unit
        # fixed effects are absorb=[unit], as in diff-diff
        return self._event_study(data, outcome, treatment, time, post_periods, covariates,
                                 fixed_effects, absorb, reference_period, None,
                                 serial_unit=unit)

    def _event_study(self, data, outcome, treatment, time, post_periods, covariates,
                     fixed_effects, absorb, reference_period, unit, serial_unit=None):
        """unit: a column of unit fixed effects (TWFE's within event study); serial_unit: the
        units named without fixed effects (MultiPeriodDiD's unit=, TWFE's pooled event study):
        the within-unit treatment check and Conley's serial sums."""
        if self.inference == "wild_bootstrap":  # diff-diff's fallback
            checks.warn("Wild bootstrap inference is not yet supported for MultiPeriodDiD. "
                        "Using analytical inference instead.", UserWarning)
        vt = self._check_inference(self.cluster, inference="analytical")
        vcov = _vcov_arg(vt, self.cluster)
        cz = did_conley.check(self, type(self).__name__)
        cols = dict(_columns(data, (outcome, treatment, time, covariates, fixed_effects, absorb,
                                    unit, serial_unit, self.cluster,
                                    cz and (cz["lat"], cz["lon"]))))
        tv = np.asarray(cols[time])
        periods = [_py(p) for p in np.unique(tv)]
        if post_periods is None:
            post = periods[len(periods) // 2:]
        else:
            post = [_py(p) for p in post_periods]
            missing = [p for p in post if p not in periods]
            if missing:
                raise ValueError(f"post_periods: {missing} not found in column {time!r}")
        pre = [p for p in periods if p not in post]
        if not post or not pre:
            raise ValueError("need at least one pre- and one post-treatment period")
        ref = pre[-1] if reference_period is None else _py(reference_period)
        if ref not in pre:
            raise ValueError(f"reference_period={ref!r} must be a pre-treatment period")
        if not checks.binary(cols[treatment]):
            raise ValueError(f"treatment: column {treatment!r} must be the 0/1 ever-treated "
                             "indicator")
        if len(pre) < 2:
            checks.warn("only one pre-treatment period: there is no pre-period effect to check "
                        "parallel trends with")
        d = np.asarray(cols[treatment], dtype=np.float64)
        named_unit = serial_unit or unit
        if named_unit is not None and _varies_within(cols[named_unit], d):
            checks.warn(f"treatment: column {treatment!r} varies within units; the event study "
                        "wants the ever-treated indicator (1 in every period of a treated "
                        "unit), else pre-period effects are not identified")
        names, pers = [], []
        for p in periods:
            if p == ref:
                continue
            name = f"_ks_{treatment}_x_{time}_{p}"
            cols[name] = d * (tv == p)  # the interaction column (no copy of the data)
            names.append(name)
            pers.append(p)
        fe = [time] + _as_list(fixed_effects) + _as_list(absorb) + _as_list(unit)
        absorbed = len(fe) > 1  # unit-level fixed effects absorb the treated main effect
        fe, fnames, _ = _split_fe(cols, fe, vcov)
        fml = (f"{outcome} ~ " + " + ".join([treatment] + names + _as_list(covariates) + fnames)
               + (" | " + " + ".join(fe) if fe else ""))
        res = self._feols(fml, cols, vcov, expected=[treatment] if absorbed else [])
        checks.warn_notes(res._res["notes"])
        if vt == "conley":
            conley_unit = serial_unit or unit
            did_conley.need_unit(conley_unit, "MultiPeriodDiD")
            did_conley.apply(res, cols, did_conley.check(self, "MultiPeriodDiD"), time=time,
                             unit=conley_unit, cluster=self.cluster, alpha=self.alpha,
                             threads=self.threads)
        n_tr = int(np.count_nonzero(d == 1))
        rename = {n: f"{treatment}:{time}_{p}" for n, p in zip(names, pers)}
        resid_df = (_resid_df(res) if self.cluster and self.df_convention == "residual"
                    and vt not in ("conley", "hc2_bm") else None)
        out = MultiPeriodDiDResults(res, names, pers, pre, post, ref, self.alpha, n_tr,
                                    len(d) - n_tr, vcov_type=vt, cluster_name=self.cluster,
                                    rename=rename, y=cols[outcome], resid_df=resid_df)
        if vt == "conley":  # n - K t tests whatever the cluster (diff-diff)
            out.df_convention = "residual"
            out.conley_lag_cutoff = self.conley_lag_cutoff
        return out

