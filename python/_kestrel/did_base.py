"""What every kestrel.did estimator and result shares, with diff-diff 3.13's names.

Estimator: scikit-learn style parameters (``get_params`` / ``set_params`` over the constructor
arguments named in ``_params``), ``is_fitted_`` / ``results_`` (set by every ``fit``; a subclass's
``fit`` is wrapped here, so none has to remember), ``summary()`` / ``print_summary()`` of the last
fit.

Results: the base of every kestrel.did result (on results.Results): ``is_significant``,
``significance_stars`` and ``coef_var`` of the headline estimate (the overall / average / only
effect, as diff-diff picks it per class), and ``summary(alpha=None)`` / ``print_summary(alpha)``
for every subclass's ``summary``.

``summary(alpha)`` at an alpha other than the fit's: diff-diff 3.13 raises ValueError there.
kestrel prints the table with the analytical tests and intervals recomputed at that alpha (same
estimates and standard errors; t(df) or normal as the fit used), and raises as diff-diff does
where the fit's intervals are not analytical (bootstrap percentiles, uniform bands).
"""
from __future__ import annotations

import copy
import functools
import inspect
import math

import numpy as np

from . import _core
from .results import Results as _Results
from .summary import stars as _stars

# The headline estimate of a result: diff-diff's is_significant / coef_var read overall_* on the
# staggered results, avg_* on MultiPeriodDiD and the bare names elsewhere.
_PREFIXES = ("overall_", "avg_", "")

# dicts of per-cell effects ({key: {effect, se, t_stat, p_value, conf_int}}) a summary may print
_EFFECT_DICTS = ("period_effects", "group_time_effects", "event_study_effects", "group_effects",
                 "calendar_effects")


def _stars_of(p):
    """diff-diff's stars: '' for a missing p-value, else R's codes (0.001, 0.01, 0.05, 0.1)."""
    if p is None or not math.isfinite(p):
        return ""
    return _stars(p)


class Results(_Results):
    """Base of kestrel.did's results: the headline test and diff-diff's summary(alpha)."""

    def _headline(self):
        for pre in _PREFIXES:
            p = getattr(self, pre + "p_value", None)
            if p is not None and getattr(self, pre + "se", None) is not None:
                att = getattr(self, pre + "att", None)
                return att, getattr(self, pre + "se"), p
        raise AttributeError(f"{type(self).__name__} has no headline estimate with a p-value")

    @property
    def is_significant(self):
        """p-value of the headline effect < alpha (False when it is NaN), as diff-diff."""
        _, _, p = self._headline()
        return bool(p is not None and p < self.alpha)

    @property
    def significance_stars(self):
        """'***' p < 0.001, '**' < 0.01, '*' < 0.05, '.' < 0.1, else '' (and for NaN)."""
        return _stars_of(self._headline()[2])

    @property
    def coef_var(self):
        """se / |att| of the headline effect; NaN when att is 0 or either is not finite."""
        att, se, _ = self._headline()
        if att is None or se is None or not (math.isfinite(se) and se >= 0):
            return float("nan")
        if not math.isfinite(att) or att == 0:
            return float("nan")
        return se / abs(att)

    def __init_subclass__(cls, **kw):
        super().__init_subclass__(**kw)
        own = cls.__dict__.get("summary")
        if own is not None and "alpha" not in inspect.signature(own).parameters:
            cls.summary = _with_alpha(own)

    def summary(self, alpha=None):
        raise NotImplementedError(f"{type(self).__name__} does not define summary()")

    def print_summary(self, alpha=None):
        """Print ``summary(alpha)``."""
        print(self.summary(alpha))

    # -- the same result at another alpha (for the printout) --
    def _analytical(self):
        """Are the stored intervals est -+ q se (and so recomputable at another alpha)?"""
        method = str(getattr(self, "inference_method", "analytical") or "analytical")
        if method != "analytical":
            return False
        if getattr(self, "cband", False) or getattr(getattr(self, "_est", None), "cband", False):
            return False
        return int(getattr(self, "n_bootstrap", 0) or 0) == 0 or \
            getattr(self, "variance_method", None) is not None

    def _df(self):
        """The t distribution's degrees of freedom of the stored tests (0: normal)."""
        df = getattr(self, "inference_df", None)
        if df is None:
            df = getattr(self, "df", None)
        try:
            df = float(df)
        except (TypeError, ValueError):
            return 0.0
        return df if math.isfinite(df) and df > 0 else 0.0

    def _at_alpha(self, alpha):
        """A copy whose tests and intervals are recomputed at alpha (C: did_infer)."""
        if not self._analytical():
            raise ValueError(
                f"This result stores intervals computed at alpha={self.alpha} from its "
                f"{getattr(self, 'inference_method', 'bootstrap')} inference; they cannot be "
                f"recomputed at alpha={alpha}: re-fit with the desired alpha")
        df = self._df()
        r = copy.copy(self)
        r.alpha = alpha
        for pre in _PREFIXES:
            att, se = getattr(self, pre + "att", None), getattr(self, pre + "se", None)
            if isinstance(att, (int, float, np.floating)) and isinstance(
                    se, (int, float, np.floating)) and hasattr(self, pre + "conf_int"):
                t, p, lo, hi = _core.did_infer([att], [se], df, alpha)
                _set(r, pre + "t_stat", float(t[0]))
                _set(r, pre + "p_value", float(p[0]))
                _set(r, pre + "conf_int", (float(lo[0]), float(hi[0])))
        for name in _EFFECT_DICTS:
            d = getattr(self, name, None)
            if isinstance(d, dict) and d:
                setattr(r, name, _effects_at(d, df, alpha))
        return r


def _set(obj, name, value):
    """Set a field unless it is a read-only property (derived from another field)."""
    prop = getattr(type(obj), name, None)
    if isinstance(prop, property) and prop.fset is None:
        return
    setattr(obj, name, value)


def _effects_at(d, df, alpha):
    """{key: effect} with t, p and interval at alpha; effects are dicts or objects."""
    keys = list(d)
    vals = [d[k] for k in keys]
    get = (lambda v, f: v.get(f)) if isinstance(vals[0], dict) else getattr
    est = np.array([get(v, "effect") for v in vals], dtype=float)
    se = np.array([get(v, "se") for v in vals], dtype=float)
    t, p, lo, hi = _core.did_infer(est, se, df, alpha)
    out = {}
    for i, (k, v) in enumerate(zip(keys, vals)):
        v = dict(v) if isinstance(v, dict) else copy.copy(v)
        for f, x in (("t_stat", float(t[i])), ("p_value", float(p[i])),
                     ("conf_int", (float(lo[i]), float(hi[i])))):
            if isinstance(v, dict):
                v[f] = x
            else:
                setattr(v, f, x)
        out[k] = v
    return out


def _with_alpha(summary):
    """A subclass's summary(self) as summary(self, alpha=None)."""
    @functools.wraps(summary)
    def wrapped(self, alpha=None):
        if alpha is None or alpha == self.alpha:
            return summary(self)
        return summary(self._at_alpha(float(alpha)))
    del wrapped.__wrapped__  # inspect.signature shows alpha, not the wrapped signature
    wrapped.__doc__ = (inspect.cleandoc(summary.__doc__ or "The result as a table.") +
                       "\n\nalpha: None (the fit's) or another level: the same estimates and "
                       "standard\nerrors with the analytical tests and intervals recomputed at "
                       "it (ValueError\nwhere the fit's intervals come from a bootstrap or a "
                       "uniform band).")
    return wrapped


class Estimator:
    """get_params / set_params, is_fitted_ / results_, summary / print_summary."""

    _params: tuple = ()
    is_fitted_ = False
    results_ = None

    def __init_subclass__(cls, **kw):
        super().__init_subclass__(**kw)
        fit = cls.__dict__.get("fit")
        if fit is not None and not getattr(fit, "_ks_records", False):
            cls.fit = _recording(fit)

    def get_params(self, deep=True):
        return {k: getattr(self, k) for k in self._params}

    def set_params(self, **params):
        for k, v in params.items():
            if k not in self._params:
                raise ValueError(f"unknown parameter {k!r}")
            setattr(self, k, v)
        return self

    def summary(self):
        """The last fit's summary (RuntimeError before fit, as diff-diff)."""
        if not self.is_fitted_:
            raise RuntimeError("Model must be fitted before calling summary()")
        return self.results_.summary()

    def print_summary(self):
        """Print the last fit's summary."""
        print(self.summary())


def _recording(fit):
    """fit, then is_fitted_ = True and results_ = its result (diff-diff's fitted state)."""
    @functools.wraps(fit)
    def wrapped(self, *args, **kwargs):
        res = fit(self, *args, **kwargs)
        self.results_ = res
        self.is_fitted_ = True
        return res
    wrapped._ks_records = True
    return wrapped
