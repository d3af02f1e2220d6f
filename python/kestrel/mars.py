"""kestrel.mars — multivariate adaptive regression splines (Friedman 1991) that build R earth's
models, as scikit-learn estimators with pymars's parameter names.

    >>> from kestrel.mars import Earth
    >>> m = Earth(max_degree=2).fit(X, y)
    >>> m.predict(X_new); m.summary(); m.feature_importances_

The forward pass, pruning, GLM and prediction run in C (kestrel._core); this module shapes
arguments and results.
"""
import json
import math

import numpy as np

from _kestrel import _core, validate
from _kestrel.notes import warn_notes
from _kestrel.results import Results
from _kestrel.summary import Summary

try:  # scikit-learn is optional: without it the estimators still fit and predict
    from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, TransformerMixin
except ImportError:  # pragma: no cover
    class BaseEstimator:  # minimal get_params / set_params
        def get_params(self, deep=True):
            return {k: getattr(self, k) for k in self._param_names()}

        def set_params(self, **params):
            for k, v in params.items():
                setattr(self, k, v)
            return self

        @classmethod
        def _param_names(cls):
            import inspect
            sig = inspect.signature(cls.__init__)
            return [p for p in sig.parameters if p != "self"]

    class RegressorMixin:
        def score(self, X, y, sample_weight=None):
            y = np.asarray(y, dtype=float)
            pred = self.predict(X)
            w = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, float)
            res = ((y - pred) ** 2 * (w if y.ndim == 1 else w[:, None])).sum(axis=0)
            ybar = np.average(y, axis=0, weights=w)
            tot = ((y - ybar) ** 2 * (w if y.ndim == 1 else w[:, None])).sum(axis=0)
            return float(np.mean(1 - res / tot))

    class ClassifierMixin:
        def score(self, X, y, sample_weight=None):
            return float(np.average(self.predict(X) == np.asarray(y), weights=sample_weight))

    class TransformerMixin:
        pass

__all__ = ["Earth", "EarthRegressor", "EarthClassifier", "plot_terms"]


def _names(enum):
    """The library's names of a mars enumeration whose values run from 0, in value order."""
    names = []
    while (name := _core.enum_name(enum, len(names))) is not None:
        names.append(name)
    return tuple(names)


def _validate(est, X, y=None, reset=True, allow_nan=False, multi_output=True):
    """scikit-learn's input validation when scikit-learn is there (n_features_in_, feature
    names, messages), else NumPy conversion."""
    finite = "allow-nan" if allow_nan else True
    try:
        from sklearn.utils.validation import validate_data
    except ImportError:
        validate_data = None
    if validate_data is not None:
        if y is None:
            return validate_data(est, X, reset=reset, ensure_all_finite=finite, dtype=np.float64)
        return validate_data(est, X, y, reset=reset, ensure_all_finite=finite, dtype=np.float64,
                             multi_output=multi_output, y_numeric=True)
    if hasattr(est, "_validate_data"):  # scikit-learn < 1.6
        kw = {"force_all_finite": finite, "dtype": np.float64}
        if y is None:
            return est._validate_data(X, reset=reset, **kw)
        return est._validate_data(X, y, reset=reset, multi_output=multi_output, y_numeric=True,
                                  **kw)
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2:
        raise ValueError("Expected 2D array, got %dD array instead" % X.ndim)
    if reset:
        est.n_features_in_ = X.shape[1]
    elif X.shape[1] != est.n_features_in_:
        raise ValueError(f"X has {X.shape[1]} features, but the model is expecting "
                         f"{est.n_features_in_} features as input")
    if y is None:
        return X
    return X, np.asarray(y, dtype=np.float64)


def _items(kinds):
    try:
        return list(kinds)
    except TypeError:
        raise TypeError(f"feature_importance_type={kinds!r}: expected None, 'nb_subsets', "
                        "'gcv', 'rss' or a list of them") from None


def _sample_weight(sample_weight, n):
    """Case weights as float64 (None: none): n finite values >= 0, not all 0."""
    if sample_weight is None:
        return None
    w = np.asarray(sample_weight, dtype=np.float64)
    if w.ndim == 0:
        w = np.full(n, float(w))
    if w.shape != (n,):
        raise ValueError(f"sample_weight has shape {w.shape}; expected ({n},)")
    if not np.all(np.isfinite(w)) or np.any(w < 0):
        raise ValueError("sample_weight must be finite and >= 0")
    if not np.any(w > 0):
        raise ValueError("sample_weight: every weight is zero (nothing to fit)")
    return w


def _spans_from_alpha(alpha_min, alpha_end, p, n):
    """py-earth / pymars: minspan and endspan from their alpha parameters (Friedman 1991,
    eqs. 43 and 45)."""
    minspan = endspan = 0
    if alpha_min and alpha_min > 0:
        minspan = int(round(-math.log2(-(1.0 / (p * n)) * math.log(1.0 - alpha_min)) / 2.5))
        minspan = max(minspan, 1)
    if alpha_end and alpha_end > 0:
        endspan = max(int(round(3 - math.log2(alpha_end / p))), 1)
    return minspan, endspan


class Earth(Results, RegressorMixin, TransformerMixin, BaseEstimator):
    """MARS regression with R earth's algorithm and defaults.

    Parameters (pymars's names; earth's in parentheses):
      max_terms (nk): forward-pass terms including the intercept; None: earth's
          min(200, max(20, 2 p)) + 1.
      max_degree (degree): highest interaction degree, default 1.
      penalty: GCV cost per knot; None: 2 for degree 1, else 3 (earth); -1: no penalty.
      minspan, endspan: cases between knots / at each end; 0 (default): Friedman's automatic
          rules as earth applies them; minspan < 0: about -minspan evenly spaced knots.
      minspan_alpha, endspan_alpha: pymars / py-earth's alternative (used when > 0).
      thresh: the forward pass stops when RSq gains less (0.001).
      allow_linear (Auto.linpreds): a best knot at a predictor's minimum gives a linear term.
      linpreds: columns (indices, names or a boolean mask) that enter only linearly.
      fast_k, fast_beta (fast.k, fast.beta): Fast MARS (Friedman 1993); fast_k 0: all parents.
      newvar_penalty (newvar.penalty): Friedman's gamma against new predictors.
      adjust_endspan (Adjust.endspan): endspan x (1 + this) for interaction terms.
      pmethod: 'backward' (default), 'none', 'exhaustive' (few terms), 'cv' (nfold folds).
      nprune: at most this many terms after pruning.
      nfold, random_state: folds and their seed for pmethod='cv'; random_state has
          scikit-learn's meaning (None: NumPy's global random state; an int as given; a
          numpy.random.RandomState), and the seed used is recorded as seed_.
      glm: None, 'binomial' or 'poisson': a GLM on the selected basis (earth's glm=).
      allow_missing: NaN in X is allowed; each predictor with missing values gets a
          missingness factor (Friedman 1991, sec. 3.11), and prediction accepts NaN.
      feature_importance_type: 'nb_subsets', 'gcv' or 'rss' (or a list) -> feature_importances_.
      threads: C threads; None or 0 (default): every core, fewer when the data is small (the
          model is the same for any number).

    Parameters are checked when fit is called (scikit-learn's convention); a bad one raises
    TypeError or ValueError naming it and what it accepts.

    Attributes after fit: basis_ (term descriptions), coef_ (per selected term; one column per
    response), intercept_ (the first coefficient), rss_, mse_, rsq_, grsq_, gcv_, termcond_,
    forward_pass_record_, pruning_pass_record_, feature_importances_, evimp_, n_features_in_,
    seed_ (the folds' seed). As every kestrel result: summary(), print_summary(), to_dict(),
    to_dataframe() (one row per selected term), plot(X).
    """

    def __init__(self, max_terms=None, max_degree=1, penalty=None, minspan=0, endspan=0,
                 minspan_alpha=0.0, endspan_alpha=0.0, thresh=0.001, allow_linear=True,
                 linpreds=None, fast_k=20, fast_beta=1.0, newvar_penalty=0.0,
                 adjust_endspan=2.0, pmethod="backward", nprune=None, nfold=5,
                 random_state=None, glm=None, allow_missing=False,
                 feature_importance_type=None, threads=None):
        self.max_terms = max_terms
        self.max_degree = max_degree
        self.penalty = penalty
        self.minspan = minspan
        self.endspan = endspan
        self.minspan_alpha = minspan_alpha
        self.endspan_alpha = endspan_alpha
        self.thresh = thresh
        self.allow_linear = allow_linear
        self.linpreds = linpreds
        self.fast_k = fast_k
        self.fast_beta = fast_beta
        self.newvar_penalty = newvar_penalty
        self.adjust_endspan = adjust_endspan
        self.pmethod = pmethod
        self.nprune = nprune
        self.nfold = nfold
        self.random_state = random_state
        self.glm = glm
        self.allow_missing = allow_missing
        self.feature_importance_type = feature_importance_type
        self.threads = threads

    # -- fitting -----------------------------------------------------------------------------
    def _options(self, X):
        """The parameters checked (at fit, scikit-learn's convention: each error names the
        parameter and what it accepts) and shaped for C."""
        n, p = X.shape
        pmethod = validate.choice("pmethod", self.pmethod, _names("mars_pmethod"))
        glm = validate.choice("glm", self.glm, (None,) + _names("mars_family"))
        kinds = self.feature_importance_type
        if kinds is not None:
            for kind in [kinds] if isinstance(kinds, str) else _items(kinds):
                validate.choice("feature_importance_type", kind, ("nb_subsets", "gcv", "rss"))
        unit = "a number in [0, 1)"
        amin = validate.real("minspan_alpha", self.minspan_alpha, unit, lambda a: 0 <= a < 1)
        aend = validate.real("endspan_alpha", self.endspan_alpha, unit, lambda a: 0 <= a < 1)
        minspan = validate.integer("minspan", self.minspan)
        endspan = validate.integer("endspan", self.endspan, minimum=0)
        amin, aend = _spans_from_alpha(amin, aend, p, n)
        minspan = amin or minspan
        endspan = aend or endspan
        lin = None
        if self.linpreds is not None:
            lin = np.zeros(p, dtype=np.uint8)
            names = list(getattr(self, "feature_names_in_", []))
            spec = np.asarray(self.linpreds)
            if spec.dtype == bool:
                if spec.shape != (p,):
                    raise ValueError(f"linpreds: a boolean mask needs {p} entries")
                lin[spec] = 1
            else:
                for item in np.atleast_1d(spec):
                    if isinstance(item, str):
                        if item not in names:
                            raise ValueError(f"linpreds: no column named {item!r}")
                        lin[names.index(item)] = 1
                    else:
                        j = validate.integer("linpreds", item)
                        if not 0 <= j < p:
                            raise ValueError(f"linpreds: column {j} is out of range")
                        lin[j] = 1
        penalty = validate.real("penalty", self.penalty, "None, a number >= 0 or -1 (no "
                                "penalty)", lambda v: v >= 0 or v == -1, none=True)
        return dict(
            max_terms=validate.integer("max_terms", self.max_terms, minimum=1,
                                       none=True) or 0,
            max_degree=validate.integer("max_degree", self.max_degree, minimum=1),
            penalty=float("nan") if penalty is None else penalty,
            thresh=validate.real("thresh", self.thresh, unit, lambda v: 0 <= v < 1),
            minspan=minspan, endspan=endspan,
            adjust_endspan=validate.real("adjust_endspan", self.adjust_endspan,
                                         "a number in [0, 10]", lambda v: 0 <= v <= 10),
            fast_k=validate.integer("fast_k", self.fast_k, minimum=0),
            fast_beta=validate.real("fast_beta", self.fast_beta, "a number >= 0",
                                    lambda v: v >= 0),
            newvar_penalty=validate.real("newvar_penalty", self.newvar_penalty, "a number >= 0",
                                         lambda v: v >= 0),
            linpreds=lin, auto_linpreds=int(validate.flag("allow_linear", self.allow_linear)),
            pmethod=_core.enum_value("mars_pmethod", pmethod),
            nprune=validate.integer("nprune", self.nprune, minimum=1,
                                    none=True) or 0,
            nfold=validate.integer("nfold", self.nfold, minimum=2),
            seed=validate.random_state(self.random_state),
            family=_core.enum_value("mars_family", "gaussian" if glm is None else glm),
            allow_missing=int(validate.flag("allow_missing", self.allow_missing)),
            threads=validate.threads(self.threads))

    def fit(self, X, y, sample_weight=None):
        """Build the model: the forward pass, pruning and (with glm) the GLM.

        X: n x p numbers (a DataFrame's column names become feature_names_in_; NaN only with
        allow_missing). y: n numbers, or n x responses (one basis for all). sample_weight:
        None, or n case weights, finite and >= 0 (earth's weights; cases with weight 0 are left
        out). Returns self, fitted."""
        if y is None:
            raise ValueError(f"{type(self).__name__} requires y to be passed, but the target y "
                             "is None")
        X, y = _validate(self, X, y, allow_nan=validate.flag("allow_missing", self.allow_missing))
        self._y_1d = y.ndim == 1
        Y = y.reshape(len(y), -1)
        w = _sample_weight(sample_weight, X.shape[0])
        opts = self._options(X)
        if w is not None and not np.all(w > 0):
            keep = w > 0
            X, Y, w = X[keep], Y[keep], w[keep]
        self._model, res = _core.mars_fit(X, Y, w, **opts)
        warn_notes(res["notes"])  # IRLS short of convergence, exhaustive pruning replaced
        self.seed_ = opts["seed"]
        self._set_results(res)
        return self

    def _set_results(self, res):
        self._res = res
        self.n_features_in_ = res["p"]
        coef = res["glm_coef"] if res["family"] else res["coef"]
        self.coef_ = coef[:, 0] if self._y_1d else coef
        self.intercept_ = self.coef_[0]
        self.rss_ = res["rss"]
        self.mse_ = res["rss"] / res["n"] if res["n"] else float("nan")
        self.rsq_ = res["rsq"]
        self.grsq_ = res["grsq"]
        self.gcv_ = res["gcv"]
        self.termcond_ = int(res["termcond"])
        self.basis_ = [self._term_name(j) for j in range(len(res["terms"]))]
        sel = res["selected"]
        self.selected_ = np.asarray(sel)
        self.forward_pass_record_ = [
            {"term": self.basis_[j], "parent": res["parents"][j],
             "rsq": float(res["forward_rsq"][j]) if res["forward_rsq"] is not None else None}
            for j in range(len(res["terms"]))]
        M = len(res["terms"])
        pt = res["prune_terms"]
        self.pruning_pass_record_ = [
            {"size": k, "terms": [self.basis_[t] for t in pt[k - 1, :k]],
             "rss": float(res["rss_per_subset"][k - 1]), "gcv": float(res["gcv_per_subset"][k - 1])}
            for k in range(1, M + 1)] if res["rss_per_subset"] is not None else []
        if res.get("cv_rsq") is not None:
            self.cv_rsq_ = res["cv_rsq"]  # mean out-of-fold RSq per subset size (pmethod cv)
        self.evimp_ = {"nsubsets": res["evimp_nsubsets"], "gcv": res["evimp_gcv"],
                       "rss": res["evimp_rss"]}
        fit_type = self.feature_importance_type
        if fit_type is not None:
            kinds = [fit_type] if isinstance(fit_type, str) else list(fit_type)
            out = {}
            for kind in kinds:
                key = {"nb_subsets": "nsubsets", "gcv": "gcv", "rss": "rss"}.get(kind)
                if key is None:
                    raise ValueError("feature_importance_type must be 'nb_subsets', 'gcv' or "
                                     f"'rss', got {kind!r}")
                v = np.asarray(self.evimp_[key], dtype=float).clip(min=0)
                out[kind] = v / v.sum() if v.sum() > 0 else v
            self.feature_importances_ = out[kinds[0]] if len(kinds) == 1 else out

    def _names(self):
        names = getattr(self, "feature_names_in_", None)
        if names is None:
            return [f"x{j}" for j in range(self._res["p"])]
        return [str(s) for s in names]

    def _term_name(self, j):
        """earth's term names: factors in predictor order, cuts printed with %g."""
        fac = sorted(self._res["terms"][j], key=lambda f: (f[0], -abs(f[1])))
        if not fac:
            return "(Intercept)"
        names = self._names()
        parts = []
        for pred, d, cut in fac:
            nm = names[pred]
            if d == 1:
                parts.append(f"h({nm}-{cut:g})")
            elif d == -1:
                parts.append(f"h({cut:g}-{nm})")
            elif d == 2:
                parts.append(nm)
            elif d == 3:
                parts.append(f"present({nm})")
            else:
                parts.append(f"missing({nm})")
        return "*".join(parts)

    # -- using the model ---------------------------------------------------------------------
    def _check_fitted(self):
        if not hasattr(self, "_model"):
            try:
                from sklearn.exceptions import NotFittedError
            except ImportError:  # pragma: no cover
                NotFittedError = AttributeError
            raise NotFittedError(f"This {type(self).__name__} instance is not fitted yet. Call "
                                 "'fit' with appropriate arguments before using this estimator.")

    def predict(self, X):
        """Predictions for X (n x p, the features fit saw): n values (n x responses for a 2-D
        y); with glm, probabilities (binomial) or means (poisson)."""
        self._check_fitted()
        X = _validate(self, X, reset=False, allow_nan=self.allow_missing)
        out = _core.mars_predict(self._model, X)
        return out[:, 0] if self._y_1d else out

    def transform(self, X):
        """The selected terms evaluated on X (n x p): returns n x terms (column 0 the
        intercept)."""
        self._check_fitted()
        X = _validate(self, X, reset=False, allow_nan=self.allow_missing)
        return _core.mars_basis(self._model, X)

    def summary(self):
        """The model as earth prints it: the selected terms with their coefficients, then the
        selection and the fit statistics. Returned (a str that a REPL or notebook shows as the
        table); ``print_summary()`` prints it."""
        self._check_fitted()
        r = self._res
        sel = list(r["selected"])
        coef = r["glm_coef"] if r["family"] else r["coef"]
        width = max(len(self.basis_[j]) for j in sel) + 2
        lines = [" " * width + "  ".join(f"{'coef' if coef.shape[1] == 1 else f'y{k}':>14}"
                                         for k in range(coef.shape[1]))]
        for a, j in enumerate(sel):
            lines.append(f"{self.basis_[j]:<{width}}" +
                         "  ".join(f"{coef[a, k]:14.7g}" for k in range(coef.shape[1])))
        M = len(r["terms"])
        used = sorted({f[0] for j in sel for f in r["terms"][j]})
        names = self._names()
        lines.append("")
        lines.append(f"Selected {len(sel)} of {M} terms, and {len(used)} of {r['p']} predictors"
                     + (f" ({', '.join(names[u] for u in used)})" if used else ""))
        stop = _core.enum_name("mars_stop", self.termcond_)
        lines.append(f"Termination condition: {self.termcond_ if stop is None else stop}")
        degs = [len(r["terms"][j]) for j in sel]
        lines.append("Number of terms at each degree of interaction: " +
                     " ".join(str(degs.count(d)) for d in range(max(degs) + 1)))
        lines.append(f"GCV {r['gcv']:.7g}    RSS {r['rss']:.7g}    GRSq {r['grsq']:.7g}    "
                     f"RSq {r['rsq']:.7g}")
        return Summary("\n".join(lines))

    def _coef_columns(self):
        """The selected terms' coefficients and the columns' names (as summary() heads them)."""
        r = self._res
        coef = r["glm_coef"] if r["family"] else r["coef"]
        return coef, ["coef"] if coef.shape[1] == 1 else [f"y{k}" for k in range(coef.shape[1])]

    def to_dict(self):
        """The model as a dict: ``terms`` (the selected terms' names), ``coef`` (per term; a
        list per response), ``rss``, ``rsq``, ``gcv``, ``grsq``, ``termcond`` and ``seed``."""
        self._check_fitted()
        coef, _ = self._coef_columns()
        return {"terms": [self.basis_[j] for j in self._res["selected"]], "coef": coef.tolist(),
                "rss": self.rss_, "rsq": self.rsq_, "gcv": self.gcv_, "grsq": self.grsq_,
                "termcond": self.termcond_, "seed": self.seed_}

    def to_dataframe(self):
        """The selected terms and their coefficients: a pandas DataFrame indexed by term, one
        column per response."""
        import pandas as pd

        self._check_fitted()
        coef, cols = self._coef_columns()
        index = pd.Index([self.basis_[j] for j in self._res["selected"]], name="term")
        return pd.DataFrame(coef, index=index, columns=cols)

    # -- persistence ------------------------------------------------------------------------
    def to_json(self):
        """The fitted model and the estimator's parameters as a JSON string."""
        self._check_fitted()
        model = json.loads(_core.mars_to_json(self._model))
        params = {k: (v.tolist() if isinstance(v, np.ndarray) else v)
                  for k, v in self.get_params().items()}
        extra = {"y_1d": bool(self._y_1d), "seed": self.seed_}
        if hasattr(self, "feature_names_in_"):
            extra["feature_names_in"] = [str(s) for s in self.feature_names_in_]
        return json.dumps({"estimator": type(self).__name__, "params": params, "model": model,
                           "extra": extra})

    @classmethod
    def from_json(cls, text):
        """The estimator to_json wrote (text: its JSON string), fitted as it was."""
        d = json.loads(text)
        est = cls(**d["params"])
        est._restore(d)
        return est

    def _restore(self, d):
        self._model, res = _core.mars_from_json(json.dumps(d["model"]))
        self._y_1d = d["extra"]["y_1d"]
        self.seed_ = d["extra"].get("seed")
        if "feature_names_in" in d["extra"]:
            self.feature_names_in_ = np.asarray(d["extra"]["feature_names_in"], dtype=object)
        self._set_results(res)

    def __getstate__(self):
        state = self.__dict__.copy()
        if "_model" in state:
            state["_model_json"] = _core.mars_to_json(state.pop("_model"))
            state.pop("_res", None)
        return state

    def __setstate__(self, state):
        text = state.pop("_model_json", None)
        self.__dict__.update(state)
        if text is not None:
            self._model, res = _core.mars_from_json(text)
            self._set_results(res)

    def plot(self, X, ax=None, terms=None):
        """Each selected term's contribution (coefficient x term) against its first predictor
        (matplotlib, optional): plot_terms(self, X, ax, terms). Returns the figure."""
        return plot_terms(self, X, ax=ax, terms=terms)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = bool(self.allow_missing)
        tags.target_tags.multi_output = True
        return tags


class EarthRegressor(Earth):
    __doc__ = ("Earth under the name pymars uses for its scikit-learn regressor; the same "
               "parameters and attributes:\n\n    " + Earth.__doc__)


class EarthClassifier(Results, ClassifierMixin, BaseEstimator):
    """MARS classification as earth's glm=binomial: the basis is chosen by least squares on the
    class indicators (one response per class beyond two; shared basis), then a logistic
    regression per class is fitted on the selected terms. predict_proba normalises the
    one-vs-rest probabilities.

    Parameters, as Earth's: max_terms, max_degree, penalty, minspan, endspan, thresh,
    allow_linear, fast_k, fast_beta, newvar_penalty, pmethod, nprune, allow_missing, threads.
    Checked when fit is called.

    Attributes after fit: classes_ (the labels, sorted), earth_ (the fitted Earth with one
    binomial response per class, or one for two classes), n_features_in_.
    """

    def __init__(self, max_terms=None, max_degree=1, penalty=None, minspan=0, endspan=0,
                 thresh=0.001, allow_linear=True, fast_k=20, fast_beta=1.0,
                 newvar_penalty=0.0, pmethod="backward", nprune=None, allow_missing=False,
                 threads=None):
        self.max_terms = max_terms
        self.max_degree = max_degree
        self.penalty = penalty
        self.minspan = minspan
        self.endspan = endspan
        self.thresh = thresh
        self.allow_linear = allow_linear
        self.fast_k = fast_k
        self.fast_beta = fast_beta
        self.newvar_penalty = newvar_penalty
        self.pmethod = pmethod
        self.nprune = nprune
        self.allow_missing = allow_missing
        self.threads = threads

    def fit(self, X, y, sample_weight=None):
        """Fit on X (n x p numbers) and y (n class labels, at least two classes);
        sample_weight: None or n case weights >= 0. Returns self, fitted."""
        try:
            from sklearn.utils.multiclass import check_classification_targets
        except ImportError:  # pragma: no cover
            check_classification_targets = None
        if y is None:
            raise ValueError(f"{type(self).__name__} requires y to be passed, but the target y "
                             "is None")
        X = _validate(self, X, allow_nan=self.allow_missing)
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] == 1:
            import warnings
            try:
                from sklearn.exceptions import DataConversionWarning
            except ImportError:  # pragma: no cover
                DataConversionWarning = UserWarning
            warnings.warn("A column-vector y was passed when a 1d array was expected. Please "
                          "change the shape of y to (n_samples,), for example using ravel().",
                          DataConversionWarning, stacklevel=2)
            y = np.ravel(y)
        if y.ndim != 1:
            raise ValueError("y must be one-dimensional (class labels)")
        if len(y) != X.shape[0]:
            raise ValueError(f"y has {len(y)} rows but X has {X.shape[0]}")
        if check_classification_targets is not None:
            check_classification_targets(y)
        self.classes_, codes = np.unique(y, return_inverse=True)
        if len(self.classes_) < 2:
            raise ValueError("EarthClassifier needs at least two classes; got 1 class")
        K = len(self.classes_)
        Y = (codes == 1).astype(float)[:, None] if K == 2 else np.eye(K)[codes]
        self.earth_ = Earth(max_terms=self.max_terms, max_degree=self.max_degree,
                            penalty=self.penalty, minspan=self.minspan, endspan=self.endspan,
                            thresh=self.thresh, allow_linear=self.allow_linear,
                            fast_k=self.fast_k, fast_beta=self.fast_beta,
                            newvar_penalty=self.newvar_penalty, pmethod=self.pmethod,
                            nprune=self.nprune, glm="binomial",
                            allow_missing=self.allow_missing, threads=self.threads)
        self.earth_.fit(X, Y, sample_weight=sample_weight)
        return self

    def predict_proba(self, X):
        """Class probabilities for X (n x p): returns n x classes, rows summing to 1, columns
        in the order of classes_."""
        self._check_fitted()
        X = _validate(self, X, reset=False, allow_nan=self.allow_missing)
        P = np.asarray(self.earth_.predict(X))
        if len(self.classes_) == 2:
            p1 = P[:, 0]
            return np.column_stack([1.0 - p1, p1])
        s = P.sum(axis=1, keepdims=True)
        s[s == 0] = 1.0
        return P / s

    def predict(self, X):
        """The most probable class of each row of X (n x p): returns n labels."""
        self._check_fitted()
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]

    def decision_function(self, X):
        """Log-odds of predict_proba for X: n values for two classes, else n x classes."""
        P = np.clip(self.predict_proba(X), 1e-15, 1 - 1e-15)
        logit = np.log(P) - np.log1p(-P)
        return logit[:, 1] if len(self.classes_) == 2 else logit

    def _check_fitted(self):
        if not hasattr(self, "earth_") or not hasattr(self, "classes_"):
            try:
                from sklearn.exceptions import NotFittedError
            except ImportError:  # pragma: no cover
                NotFittedError = AttributeError
            raise NotFittedError(f"This {type(self).__name__} instance is not fitted yet. Call "
                                 "'fit' with appropriate arguments before using this estimator.")

    def summary(self):
        """The classes, then the model (terms, coefficients per class, fit statistics) as
        Earth.summary shows it. Returned; ``print_summary()`` prints it."""
        self._check_fitted()
        return Summary(f"Classes: {', '.join(map(str, self.classes_))}\n" +
                       self.earth_.summary())

    def to_dict(self):
        """``classes`` and the model's dict (Earth.to_dict)."""
        self._check_fitted()
        return {"classes": self.classes_.tolist(), **self.earth_.to_dict()}

    def to_dataframe(self):
        """The selected terms and their coefficients (one column per class model; Earth's)."""
        self._check_fitted()
        return self.earth_.to_dataframe()

    def plot(self, X, ax=None, terms=None):
        """Each selected term's contribution against its first predictor (Earth.plot)."""
        self._check_fitted()
        X = _validate(self, X, reset=False, allow_nan=self.allow_missing)
        return self.earth_.plot(X, ax=ax, terms=terms)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = bool(self.allow_missing)
        return tags


def plot_terms(model, X, ax=None, terms=None):
    """Plot each selected term's contribution coef x term(X) against the first predictor of the
    term, one panel per term (matplotlib). model: a fitted Earth; X: the data to evaluate the
    terms on (n x p); ax: None (a new figure) or matplotlib Axes to draw on; terms: None (every
    selected term) or the indices of the terms in basis_ to draw. Returns the figure."""
    import matplotlib.pyplot as plt

    model._check_fitted()
    B = model.transform(X)
    X = _validate(model, X, reset=False, allow_nan=model.allow_missing)
    r = model._res
    sel = list(r["selected"])
    coef = (r["glm_coef"] if r["family"] else r["coef"])[:, 0]
    which = [a for a in range(1, len(sel)) if terms is None or sel[a] in terms]
    if ax is None:
        ncol = min(4, max(1, len(which)))
        nrow = max(1, math.ceil(len(which) / ncol))
        fig, axes = plt.subplots(nrow, ncol, figsize=(3.2 * ncol, 2.6 * nrow), squeeze=False)
        axes = axes.ravel()
    else:
        fig, axes = ax.figure, np.atleast_1d(ax)
    for k, a in enumerate(which):
        axk = axes[k % len(axes)]
        j = sel[a]
        pred = sorted(r["terms"][j])[0][0]
        order = np.argsort(X[:, pred])
        axk.plot(X[order, pred], coef[a] * B[order, a], lw=1.5)
        axk.set_title(model.basis_[j], fontsize=8)
        axk.set_xlabel(model._names()[pred], fontsize=8)
    for k in range(len(which), len(axes)):
        axes[k].set_visible(False)
    fig.tight_layout()
    return fig
