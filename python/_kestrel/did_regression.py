"""Regression difference-in-differences with diff-diff's class names: the 2x2 design
(``DifferenceInDifferences``), two-way fixed effects (``TwoWayFixedEffects``) and the event study
on a common treatment date (``MultiPeriodDiD``). Each is one kestrel.feols fit (C: QR least
squares, absorbed fixed effects, HC1 / CRV1 with fixest's small-sample corrections); this module
builds the formula and shapes the results.

Inference follows R fixest: t tests with n - K degrees of freedom, or G - 1 when clustered
(diff-diff keeps n - K when clustered, so its p-values and intervals are slightly narrower).
"""
from __future__ import annotations

import math
import re

import numpy as np

from . import _core
from . import did_checks as checks
from . import validate
from .did_base import Estimator, Results
from .regress import _columns, _feols
from .summary import STARS_LEGEND, Summary
from .summary import stars as _stars

_NAME = r"[A-Za-z_.][A-Za-z0-9_.]*"


class DiDResults(Results):
    """The treatment effect of a regression DiD: ``att``, ``se``, ``t_stat``, ``p_value``,
    ``conf_int``, ``n_obs``, ``n_treated``, ``n_control``, ``n_clusters``, ``coefficients``,
    ``vcov``, ``r_squared``, ``inference_method``, ``seed`` (the wild bootstrap's: the one given
    or the one drawn; None without it); ``fit`` is the kestrel.Feols behind it (None
    for the closed-form 2x2)."""

    def __init__(self, *, att, se, df, t_stat, p_value, conf_int, coefficients, vcov, n_obs,
                 n_clusters, r2, vcov_type, alpha, n_treated, n_control, label, fit=None,
                 notes=()):
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
        self.n_bootstrap = 0
        self.seed = None  # the wild bootstrap's, when it ran
        self.notes = list(notes)

    @classmethod
    def from_feols(cls, fit, term, alpha, n_treated, n_control, label):
        coef, se = fit.coef(), fit.se()
        if term not in coef.index:
            raise ValueError(f"the treatment term {term!r} is not in the model")
        j = list(coef.index).index(term)
        r = fit._res  # inference at the fit's alpha (the estimator's)
        return cls(att=coef[term], se=se[term], df=fit.df_t, t_stat=r["tstat"][j],
                   p_value=r["pvalue"][j], conf_int=(r["ci_lower"][j], r["ci_upper"][j]),
                   coefficients={k: float(v) for k, v in coef.items()}, vcov=fit.vcov,
                   n_obs=fit.nobs, n_clusters=fit._res["nclusters"][0], r2=fit.r2,
                   vcov_type=fit.vcov_type, alpha=alpha, n_treated=n_treated,
                   n_control=n_control, label=label, fit=fit, notes=fit.notes)

    @property
    def residuals(self):
        return None if self.fit is None else self.fit.resid()

    @property
    def is_significant(self):
        return self.p_value < self.alpha

    @property
    def significance_stars(self):
        return _stars(self.p_value)

    def to_dict(self):
        return {"att": self.att, "se": self.se, "t_stat": self.t_stat, "p_value": self.p_value,
                "conf_int_lower": self.conf_int[0], "conf_int_upper": self.conf_int[1],
                "df": self.df, "n_obs": self.n_obs, "n_treated": self.n_treated,
                "n_control": self.n_control, "n_clusters": self.n_clusters,
                "r_squared": self.r_squared, "vcov_type": self.vcov_type,
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
        return Summary("\n".join([
            f"{self._label}",
            f"  observations {self.n_obs} (treated {self.n_treated}, control {self.n_control})"
            + (f", clusters {self.n_clusters}" if self.n_clusters else ""),
            f"  standard errors: {self.vcov_type}",
            f"  ATT {self.att:.6f}  se {self.se:.6f}  t {self.t_stat:.3f}  p {self.p_value:.4g} "
            f"{self.significance_stars}",
            f"  {100 * (1 - self.alpha):g}% interval [{lo:.6f}, {hi:.6f}]",
            "---", STARS_LEGEND,
        ]))

    def __repr__(self):
        return f"DiDResults(att={self.att:.6g}, se={self.se:.6g}, p={self.p_value:.3g})"


def _vcov_arg(robust, cluster):
    if cluster:
        return {"CRV1": cluster}
    return "HC1" if robust else "iid"


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
    robust : bool
        HC1 standard errors (default True); False: iid.
    cluster : str, optional
        A column to cluster on (CRV1; overrides ``robust``).
    alpha : float
        1 - the confidence level of the intervals (default 0.05).
    inference : {'analytical', 'wild_bootstrap'}
        'wild_bootstrap' (needs ``cluster``): the wild cluster restricted bootstrap's p-value
        and interval.
    n_bootstrap : int
        Bootstrap draws (default 999; all 2^G sign vectors when fewer suffice).
    bootstrap_weights : {'rademacher', 'webb', 'mammen'}
        The wild bootstrap's weights.
    seed : int, optional
        The bootstrap's seed (None: a fresh one each fit).
    rank_deficient_action : {'warn', 'error'}
        'error': raise when a regressor is dropped as collinear.
    threads : int
        C threads; 0 (default): every core, fewer when the data is small.
    """

    _params = (
        "robust", "cluster", "alpha", "inference", "n_bootstrap", "bootstrap_weights", "seed",
        "rank_deficient_action", "threads")

    _label = "Difference-in-differences (2x2)"

    def __init__(self, robust=True, cluster=None, alpha=0.05, inference="analytical",
                 n_bootstrap=999, bootstrap_weights="rademacher", seed=None,
                 rank_deficient_action="warn", threads=0):
        self.robust = robust
        self.cluster = cluster
        self.alpha = alpha
        self.inference = inference
        self.n_bootstrap = n_bootstrap
        self.bootstrap_weights = bootstrap_weights
        self.seed = seed
        self.rank_deficient_action = rank_deficient_action
        self.threads = threads

    def _check_inference(self, cluster=None):
        """The constructor's arguments, as diff-diff checks them (at fit time, so that
        set_params is checked too)."""
        checks.check_alpha(self.alpha)
        checks.check_rank_action(self.rank_deficient_action)
        checks.check_count("n_bootstrap", self.n_bootstrap)
        validate.seed(self.seed)  # checked here; drawn by _fit_wild
        validate.threads(self.threads)
        if self.inference not in ("analytical", "wild_bootstrap"):
            raise ValueError(f"inference={self.inference!r}: expected 'analytical' or "
                             "'wild_bootstrap'")
        if self.inference == "wild_bootstrap":
            if not cluster:
                raise ValueError("inference='wild_bootstrap' requires cluster= (the bootstrap "
                                 "draws one weight per cluster)")
            if self.n_bootstrap < 2:
                raise ValueError(f"n_bootstrap={self.n_bootstrap!r}: the wild bootstrap needs "
                                 "an integer >= 2")
            checks.enum_value("bootstrap_weights", self.bootstrap_weights, "did_boot_weights")

    def _feols(self, fml, cols, vcov, expected=()):
        """The regression, with diff-diff's rank_deficient_action on collinear columns (but
        those `expected` to go); a clustered variance needs two clusters (diff-diff raises, as
        here)."""
        res = _feols(fml, cols, vcov=vcov, threads=self.threads, alpha=self.alpha)
        checks.rank_deficient(self.rank_deficient_action,
                              [c for c in res.collinear if c not in expected])
        if isinstance(vcov, dict) and min(res._clusters()) < 2:
            raise ValueError(f"cluster={vcov['CRV1']!r}: {min(res._clusters())} cluster(s); "
                             "clustered standard errors need at least 2 clusters")
        return res

    def _fit_wild(self, data, fml, term, treat_col, cluster, expected=()):
        """The regression with the wild cluster restricted bootstrap (C: ks_did_wild_fit) of
        `term` in place of the analytical inference."""
        cols = _columns(data)
        seed = validate.seed(self.seed)
        w = _core.did_wild(fml, cols, term, cluster, int(self.n_bootstrap),
                           checks.enum_value("bootstrap_weights", self.bootstrap_weights,
                                             "did_boot_weights"),
                           seed, self.alpha,
                           threads=validate.threads(self.threads))
        res = self._fit(data, fml, term, treat_col, {"CRV1": cluster}, expected)
        res.se, res.t_stat, res.p_value = w["se"], w["t_stat"], w["p_value"]
        res.conf_int = (w["ci_lower"], w["ci_upper"])
        res.df = None
        res.inference_method = "wild_bootstrap"
        res.n_bootstrap = w["n_bootstrap"]
        res.n_clusters = w["n_clusters"]
        res.bootstrap_weights = self.bootstrap_weights
        res.seed = seed
        res.bootstrap_enumerated = w["enumerated"]
        res.vcov_type = f"wild cluster bootstrap ({self.bootstrap_weights}): {cluster}"
        res.notes = list(res.notes) + [m for _, m in w["notes"]]
        checks.warn_notes(w["notes"])
        return res

    def _fit(self, data, fml, term, treat_col, vcov, expected=()):
        cols = _columns(data)
        res = self._feols(fml, cols, vcov, expected)
        checks.warn_notes(res._res["notes"])
        treated = np.asarray(cols[treat_col], dtype=np.float64)
        n_tr = int(np.count_nonzero(treated == 1))
        return DiDResults.from_feols(res, term, self.alpha, n_tr, len(treated) - n_tr,
                                     self._label)

    def fit(self, data, outcome=None, treatment=None, time=None, formula=None, covariates=None,
            fixed_effects=None, absorb=None):
        """Estimate the effect of ``treatment`` x ``time``.

        data: a pandas DataFrame (or a dict of arrays); outcome, treatment (0/1), time (0/1
        post): column names, or formula ``'y ~ treated * post [+ covariates]'`` instead;
        covariates: columns added to the regression; fixed_effects, absorb: columns absorbed as
        fixed effects. Returns a DiDResults (``att``, ``se``, ``p_value``, ``conf_int``, ...).
        """
        self._check_inference(self.cluster)
        if formula is not None:
            outcome, treatment, time, fcovs = _parse_did_formula(formula)
            covariates = fcovs + _as_list(covariates)
        if not (outcome and treatment and time):
            raise ValueError("give outcome, treatment and time, or a formula")
        covs = _as_list(covariates)
        fe = _as_list(fixed_effects) + _as_list(absorb)
        wild = self.inference == "wild_bootstrap"
        _warn_not_binary(data, [("treatment", treatment), ("time", time)])
        if not covs and not fe and not wild:  # the saturated 2x2: closed form from cell means
            fast = self._fit_2x2(data, outcome, treatment, time)
            if fast is not None:
                return fast
        rhs = " + ".join([treatment, time, f"{treatment}:{time}"] + covs)
        fml = f"{outcome} ~ {rhs}" + (" | " + " + ".join(fe) if fe else "")
        term = f"{treatment}:{time}"
        absorbed = [treatment, time] if fe else []  # main effects the fixed effects may absorb
        if wild:
            return self._fit_wild(data, fml, term, treatment, self.cluster, absorbed)
        return self._fit(data, fml, term, treatment, _vcov_arg(self.robust, self.cluster),
                         absorbed)


    def _fit_2x2(self, data, outcome, treatment, time):
        """The closed form (C: ks_did_basic_fit); None when treatment or time is not 0/1."""
        kind = 4 if self.cluster else (1 if self.robust else 0)
        try:
            r = _core.did_basic(_columns(data), outcome, treatment, time, cluster=self.cluster,
                                vcov=kind, alpha=self.alpha)
        except _core.KestrelError as e:
            if "must be 0 or 1" in str(e):
                return None
            raise
        names = ["Intercept", treatment, time, f"{treatment}:{time}"]
        n = r["ncell"]
        label = {0: "iid", 1: "HC1", 4: f"CRV1: {self.cluster}"}[kind]
        notes = [f"{r['n_na']} rows with missing values removed"] if r["n_na"] else []
        return DiDResults(att=r["coef"][3], se=r["se"][3], df=r["df_t"], t_stat=r["t_stat"][3],
                          p_value=r["p_value"][3],
                          conf_int=(r["ci_lower"][3], r["ci_upper"][3]),
                          coefficients=dict(zip(names, map(float, r["coef"]))), vcov=r["vcov"],
                          n_obs=r["nobs"], n_clusters=r["nclusters"], r2=r["r2"],
                          vcov_type=label, alpha=self.alpha, n_treated=n[2] + n[3],
                          n_control=n[0] + n[1], label=self._label, notes=notes)


class TwoWayFixedEffects(DifferenceInDifferences):
    """``y ~ treatment x time | unit + time`` with standard errors clustered by unit (or by
    ``cluster``), diff-diff's ``TwoWayFixedEffects``: the regressor is the product of the
    treatment and time columns (treated x post in the 2x2 design).

    Parameters, as DifferenceInDifferences's: robust (unused: the errors are clustered),
    cluster (default: the unit), alpha, inference, n_bootstrap, bootstrap_weights, seed,
    rank_deficient_action, threads.
    """

    _label = "Two-way fixed effects DiD"

    def fit(self, data, outcome, treatment, time, unit, covariates=None):
        """Estimate the effect. data: a DataFrame (or dict of arrays); outcome, treatment,
        time, unit: column names (the regressor is treatment x time, with unit and time fixed
        effects); covariates: columns added. Returns a DiDResults."""
        cluster = self.cluster or unit  # TWFE clusters by unit unless told otherwise
        self._check_inference(cluster)
        _warn_not_binary(data, [("time", time)])
        covs = _as_list(covariates)
        if self.inference == "wild_bootstrap":
            fml = (f"{outcome} ~ " + " + ".join([f"{treatment}:{time}"] + covs) +
                   f" | {unit} + {time}")
            return self._fit_wild(data, fml, f"{treatment}:{time}", treatment, cluster)
        if not covs:  # a balanced panel: the within transformation in closed form
            cols = _columns(data)
            r = _core.did_twfe(cols, outcome, treatment, time, unit, cluster=self.cluster,
                               alpha=self.alpha)
            if r["balanced"]:
                d = np.asarray(cols[treatment], dtype=np.float64)
                n_tr = int(np.count_nonzero(d == 1))
                term = f"{treatment}:{time}"
                return DiDResults(att=r["att"], se=r["se"], df=r["df_t"], t_stat=r["t_stat"],
                                  p_value=r["p_value"],
                                  conf_int=(r["ci_lower"], r["ci_upper"]),
                                  coefficients={term: r["att"]},
                                  vcov=np.array([[r["se"] ** 2]]), n_obs=r["nobs"],
                                  n_clusters=r["nclusters"], r2=float("nan"),
                                  vcov_type=f"CRV1: {self.cluster or unit}", alpha=self.alpha,
                                  n_treated=n_tr, n_control=len(d) - n_tr, label=self._label)
        fml = (f"{outcome} ~ " + " + ".join([f"{treatment}:{time}"] + covs) +
               f" | {unit} + {time}")
        return self._fit(data, fml, f"{treatment}:{time}", treatment,
                         {"CRV1": self.cluster or unit})


class PeriodEffect:
    def __init__(self, period, effect, se, t_stat, p_value, conf_int):
        self.period, self.effect, self.se = period, effect, se
        self.t_stat, self.p_value, self.conf_int = t_stat, p_value, conf_int

    def __repr__(self):
        return (f"PeriodEffect(period={self.period!r}, effect={self.effect:.6g}, "
                f"se={self.se:.6g})")


class MultiPeriodDiDResults(Results):
    """Event study on a common treatment date: ``period_effects`` {period: PeriodEffect}
    (every period but the reference), ``avg_att`` over the post periods with ``avg_se``,
    ``avg_t_stat``, ``avg_p_value``, ``avg_conf_int``; ``pre_periods``, ``post_periods``,
    ``reference_period``, ``coefficients``, ``vcov``, ``fit``."""

    def __init__(self, fit, names, periods, pre, post, ref, alpha, n_tr, n_co):
        self.fit = fit
        self.alpha = alpha
        self.pre_periods, self.post_periods, self.reference_period = pre, post, ref
        self.n_obs, self.n_treated, self.n_control = fit.nobs, n_tr, n_co
        self.n_clusters = fit._res["nclusters"][0] or None
        self.vcov_type = fit.vcov_type
        self.coefficients = {k: float(v) for k, v in fit.coef().items()}
        self.vcov = fit.vcov
        self.r_squared = fit.r2
        coef, se = fit.coef(), fit.se()
        r, index = fit._res, list(coef.index)  # the library's tests and intervals at alpha
        nan = float("nan")
        self.period_effects = {}
        # diff-diff's: each period's row and column in vcov (HonestDiD reads its block)
        self.interaction_indices = {per: index.index(name) for name, per in zip(names, periods)}
        for name, per in zip(names, periods):
            b, s, j = float(coef[name]), float(se[name]), index.index(name)
            ok = s > 0  # NaN for a dropped (unidentified) period, 0 for an exact fit
            self.period_effects[per] = PeriodEffect(
                per, b, s, float(r["tstat"][j]) if ok else nan,
                float(r["pvalue"][j]) if ok else nan,
                (float(r["ci_lower"][j]), float(r["ci_upper"][j])) if ok else (nan, nan))
        # the average of the post-period effects, w'b and sqrt(w'Vw), with its test and interval
        # (ks_feols_lincom: a column dropped as collinear has no weight)
        idx = [index.index(n) for n, p in zip(names, periods) if p in post]
        w = np.zeros(len(coef))
        w[idx] = 1.0 / len(idx)
        unidentified = [p for n, p in zip(names, periods) if p in post and np.isnan(coef[n])]
        if unidentified:  # R's mean(c(..., NA)): the average is not defined (lincom: NaN)
            checks.warn(f"post-period effects {unidentified} are not identified (their columns "
                        "were dropped as collinear): the average effect is NaN")
        e = _core.feols_lincom(r["model"], w, alpha)
        self.avg_att, self.avg_se = e["estimate"], e["se"]
        self.avg_t_stat, self.avg_p_value = e["tstat"], e["pvalue"]
        self.avg_conf_int = (e["ci_lower"], e["ci_upper"])
        self.att, self.se, self.p_value = self.avg_att, self.avg_se, self.avg_p_value
        self.conf_int = self.avg_conf_int

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
        rows = [f"Event study (reference period {self.reference_period}; standard errors "
                f"{self.vcov_type})",
                f"{'period':>10}{'effect':>12}{'std.err':>12}{'p':>9}"]
        for p, e in self.period_effects.items():
            rows.append(f"{p!s:>10}{e.effect:12.6f}{e.se:12.6f}{e.p_value:9.4f}"
                        + ("  post" if p in self.post_periods else ""))
        rows.append(f"average post-period effect {self.avg_att:.6f} (se {self.avg_se:.6f}, "
                    f"p {self.avg_p_value:.4g})")
        return Summary("\n".join(rows))


def _py(x):
    return x.item() if hasattr(x, "item") else x


class MultiPeriodDiD(DifferenceInDifferences):
    """diff-diff's ``MultiPeriodDiD``: ``y ~ treated + sum_{p != ref} treated x 1(period = p)``
    with period fixed effects (+ covariates, + ``fixed_effects``/``absorb``; ``unit`` adds unit
    fixed effects); ``post_periods`` default the later half of the periods, ``reference_period``
    the last pre period.

    Parameters, as DifferenceInDifferences's: robust, cluster, alpha, threads,
    rank_deficient_action; inference must be 'analytical' (n_bootstrap, bootstrap_weights and
    seed are unused).
    """

    def fit(self, data, outcome, treatment, time, post_periods=None, covariates=None,
            fixed_effects=None, absorb=None, reference_period=None, unit=None):
        """Estimate each period's effect and their post-period average.

        data: a DataFrame (or dict of arrays); outcome, treatment (0/1 ever treated), time (the
        period): column names; post_periods: the treated periods (default the later half);
        covariates: columns added; fixed_effects, absorb: columns absorbed; reference_period:
        the omitted pre period (default the last); unit: a column for unit fixed effects.
        Returns a MultiPeriodDiDResults."""
        if self.inference == "wild_bootstrap":
            raise NotImplementedError("MultiPeriodDiD: inference='wild_bootstrap' is not "
                                      "implemented (the bootstrap covers one coefficient)")
        self._check_inference(self.cluster)
        cols = dict(_columns(data))
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
        if unit is not None and _varies_within(cols[unit], d):
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
        fml = (f"{outcome} ~ " + " + ".join([treatment] + names + _as_list(covariates)) +
               " | " + " + ".join(fe))
        absorbed = len(fe) > 1  # unit-level fixed effects absorb the treated main effect
        res = self._feols(fml, cols, _vcov_arg(self.robust, self.cluster),
                          expected=[treatment] if absorbed else [])
        checks.warn_notes(res._res["notes"])
        n_tr = int(np.count_nonzero(d == 1))
        return MultiPeriodDiDResults(res, names, pers, pre, post, ref, self.alpha, n_tr,
                                     len(d) - n_tr)

