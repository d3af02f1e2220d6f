"""Bad arguments to the public Python API (kestrel.feols, kestrel.ols, kestrel.read_csv,
Feols.confint, kestrel.mars.Earth / EarthClassifier): each is an error of the right type whose
message names the argument, the value and what is accepted, raised before any work is done."""
import numpy as np
import pandas as pd
import pytest

import kestrel
from kestrel.mars import Earth, EarthClassifier

from conftest import SAMPLE

pytestmark = pytest.mark.hostile

PANEL = pd.read_csv(SAMPLE / "panel.csv")
FML = "log_wage ~ hours + union | worker + year"
_rng = np.random.default_rng(0)
X = _rng.normal(size=(40, 2))
Y = X @ [1.0, 2.0] + _rng.normal(size=40)


def _with(a, index, value):
    a = a.copy()
    a[index] = value
    return a


def feols(**kw):
    return lambda: kestrel.feols(kw.pop("fml", FML), kw.pop("data", PANEL), **kw)


def ols(x=X, y=Y, **kw):
    return lambda: kestrel.ols(x, y, **kw)


def earth(cls=Earth, **params):
    return lambda: cls(**params).fit(X, Y if cls is Earth else Y > 0)


VCOV_FORMS = (r"expected 'iid', 'hetero', 'HC1', 'HC2', 'HC3', 'HC2-BM', 'CRV1:col', "
              r"'CRV1:col1\+col2', 'CR2:col'")

# (case, call, exception, message): the message is matched from its start
CASES = [
    # kestrel.feols
    ("feols fml not a string", feols(fml=123), TypeError,
     r"fml=123: expected a formula string"),
    ("feols data a list", feols(data=[1, 2]), TypeError,
     r"data: expected a pandas DataFrame or a dict of NumPy arrays, not list"),
    ("feols vcov CRV1 without a column", feols(vcov="CRV1:"), ValueError,
     r"vcov='CRV1:': the cluster must be a column name .*" + VCOV_FORMS),
    ("feols vcov CRV1 with an empty second column", feols(vcov="CRV1:worker+"), ValueError,
     r"vcov='CRV1:worker\+': the cluster must be a column name"),
    ("feols vcov unknown string", feols(vcov="HC5"), ValueError, r"vcov='HC5': " + VCOV_FORMS),
    ("feols vcov CRV2", feols(vcov={"CRV2": "worker"}), ValueError,
     r"vcov=\{'CRV2': 'worker'\}: only CRV1 and CR2 clustering are supported; " + VCOV_FORMS),
    ("feols vcov a number", feols(vcov=5), ValueError, r"vcov=5: " + VCOV_FORMS),
    ("feols vcov cluster column missing", feols(vcov="CRV1:nope"), kestrel.KestrelError,
     r"cluster: column 'nope' not found in the data"),
    ("feols fixef_tol negative", feols(fixef_tol=-1), ValueError,
     r"fixef_tol=-1: expected a number > 0"),
    ("feols fixef_tol a string", feols(fixef_tol="a"), TypeError,
     r"fixef_tol='a': expected a number > 0"),
    ("feols fixef_tol NaN", feols(fixef_tol=float("nan")), ValueError,
     r"fixef_tol=nan: expected a number > 0"),
    ("feols fixef_maxiter 0", feols(fixef_maxiter=0), ValueError,
     r"fixef_maxiter=0: expected an integer >= 1"),
    ("feols fixef_maxiter a float", feols(fixef_maxiter=2.5), TypeError,
     r"fixef_maxiter=2.5: expected an integer >= 1"),
    ("feols fixef_maxiter beyond C's int", feols(fixef_maxiter=2**40), ValueError,
     r"fixef_maxiter=1099511627776: expected an integer >= 1 \(at most 2147483647\)"),
    ("feols collin_tol negative", feols(collin_tol=-1), ValueError,
     r"collin_tol=-1: expected a number in \(0, 1\)"),
    ("feols threads negative", feols(threads=-1), ValueError,
     r"threads=-1: expected None or an integer in \[0, 4096\]"),
    ("feols threads a string", feols(threads="2"), TypeError,
     r"threads='2': expected None or an integer in \[0, 4096\]"),
    ("feols threads a float", feols(threads=1.5), TypeError,
     r"threads=1.5: expected None or an integer"),
    ("feols drop_singletons a string", feols(drop_singletons="no"), TypeError,
     r"drop_singletons='no': expected True or False"),
    ("feols ssc a string", feols(ssc="adj"), TypeError,
     r"ssc='adj': expected a dict with any of 'adj', 'fixef_nested', 'cluster_adj', "
     r"'cluster_min'"),
    ("feols ssc value a string", feols(ssc={"adj": "no"}), TypeError,
     r"ssc\['adj'\]='no': expected True or False"),
    ("feols ssc unknown key", feols(ssc={"bogus": True}), ValueError,
     r"ssc: unknown keys \['bogus'\]"),
    ("feols weights a number", feols(weights=5), TypeError,
     r"weights=5: expected None or a column name"),
    # kestrel.ols
    ("ols y shorter than X", ols(y=Y[:-1]), ValueError,
     r"y has shape \(39,\); expected \(40,\), one entry per row of X"),
    ("ols NaN in X", ols(x=_with(X, (3, 1), np.nan)), ValueError,
     r"X\[3, 1\] is nan: ols needs finite values"),
    ("ols inf in X", ols(x=_with(X, (5, 0), np.inf)), ValueError,
     r"X\[5, 0\] is inf: ols needs finite values"),
    ("ols NaN in y", ols(y=_with(Y, 2, np.nan)), ValueError, r"y\[2\] is nan"),
    ("ols no rows", ols(x=np.empty((0, 2)), y=np.empty(0)), ValueError,
     r"X has shape \(0, 2\); expected at least one row and one column"),
    ("ols no columns", ols(x=np.empty((5, 0)), y=np.ones(5)), ValueError,
     r"X has shape \(5, 0\); expected at least one row and one column"),
    ("ols X 3-d", ols(x=np.ones((2, 2, 2)), y=np.ones(2)), ValueError,
     r"X has shape \(2, 2, 2\); expected n x k"),
    ("ols y 2-d", ols(y=np.ones((40, 2))), ValueError, r"y has shape \(40, 2\); expected \(40,\)"),
    ("ols X text", ols(x=[["a", "b"]] * 5, y=np.ones(5)), TypeError,
     r"X: expected a numeric array \(n x k\)"),
    ("ols weights wrong length", ols(weights=np.ones(3)), ValueError,
     r"weights has shape \(3,\); expected \(40,\)"),
    ("ols weights negative", ols(weights=-np.ones(40)), ValueError,
     r"weights\[0\] is -1.0: weights must be >= 0"),
    ("ols weights NaN", ols(weights=_with(np.ones(40), 0, np.nan)), ValueError,
     r"weights\[0\] is nan"),
    ("ols CRV1 without cluster", ols(vcov="CRV1"), ValueError,
     r"vcov='CRV1' needs cluster= \(an array of group labels, one per row\)"),
    ("ols cluster wrong length", ols(vcov="CRV1", cluster=np.arange(3)), ValueError,
     r"cluster has shape \(3,\); expected \(40,\)"),
    ("ols cluster NaN", ols(vcov="CRV1", cluster=_with(np.arange(40.0) % 4, 7, np.nan)),
     ValueError, r"cluster: a label is missing \(NaN or None\)"),
    ("ols cluster without CRV1", ols(cluster=np.arange(40) % 4), ValueError,
     r"cluster is given but vcov=None; pass vcov='CRV1'"),
    ("ols vcov CRV1 with a column", ols(vcov="CRV1:g"), ValueError,
     r"vcov='CRV1:g': with ols, pass vcov='CRV1' and the labels as cluster="),
    ("ols names too few", ols(names=["a"]), ValueError,
     r"names: expected 2 non-empty strings, one per column of X, got \['a'\]"),
    ("ols names repeated", ols(names=["a", "a"]), ValueError, r"names: \['a', 'a'\] repeats a name"),
    ("ols vcov unknown", ols(vcov="HC9"), ValueError, r"vcov='HC9': " + VCOV_FORMS),
    ("ols intercept a string", ols(intercept="yes"), TypeError,
     r"intercept='yes': expected True or False"),
    # kestrel.read_csv, Feols.confint
    ("read_csv path None", lambda: kestrel.read_csv(None), TypeError,
     r"path=None: expected a file name \(str or path-like\)"),
    ("confint alpha 2", lambda: kestrel.feols(FML, PANEL).confint(alpha=2), ValueError,
     r"alpha=2: expected a number in \(0, 1\)"),
    # Earth / EarthClassifier (checked at fit)
    ("Earth max_degree 'two'", earth(max_degree="two"), TypeError,
     r"max_degree='two': expected an integer >= 1"),
    ("Earth max_degree 0", earth(max_degree=0), ValueError, r"max_degree=0: expected an integer >= 1"),
    ("Earth max_degree 1.5", earth(max_degree=1.5), TypeError, r"max_degree=1.5: expected an integer"),
    ("Earth max_terms -1", earth(max_terms=-1), ValueError,
     r"max_terms=-1: expected None or an integer >= 1"),
    ("Earth max_terms 2.5", earth(max_terms=2.5), TypeError, r"max_terms=2.5: expected None or an"),
    ("Earth penalty a string", earth(penalty="x"), TypeError,
     r"penalty='x': expected None, a number >= 0 or -1 \(no penalty\)"),
    ("Earth penalty -5", earth(penalty=-5), ValueError, r"penalty=-5: expected None, a number"),
    ("Earth thresh -1", earth(thresh=-1), ValueError, r"thresh=-1: expected a number in \[0, 1\)"),
    ("Earth thresh NaN", earth(thresh=float("nan")), ValueError, r"thresh=nan: expected a number"),
    ("Earth pmethod unknown", earth(pmethod="forward"), ValueError,
     r"pmethod='forward': expected one of 'backward', 'none', 'exhaustive', 'cv'"),
    ("Earth glm unknown", earth(glm="gamma"), ValueError,
     r"glm='gamma': expected one of None, 'gaussian', 'binomial', 'poisson'"),
    ("Earth nprune -2", earth(nprune=-2), ValueError, r"nprune=-2: expected None or an integer >= 1"),
    ("Earth nfold 1", earth(pmethod="cv", nfold=1), ValueError, r"nfold=1: expected an integer >= 2"),
    ("Earth fast_k -1", earth(fast_k=-1), ValueError, r"fast_k=-1: expected an integer >= 0"),
    ("Earth fast_beta -1", earth(fast_beta=-1), ValueError, r"fast_beta=-1: expected a number >= 0"),
    ("Earth minspan a string", earth(minspan="a"), TypeError, r"minspan='a': expected an integer"),
    ("Earth endspan -3", earth(endspan=-3), ValueError, r"endspan=-3: expected an integer >= 0"),
    ("Earth minspan_alpha 2", earth(minspan_alpha=2), ValueError,
     r"minspan_alpha=2: expected a number in \[0, 1\)"),
    ("Earth endspan_alpha 2", earth(endspan_alpha=2), ValueError,
     r"endspan_alpha=2: expected a number in \[0, 1\)"),
    ("Earth newvar_penalty -1", earth(newvar_penalty=-1), ValueError,
     r"newvar_penalty=-1: expected a number >= 0"),
    ("Earth adjust_endspan -1", earth(adjust_endspan=-1), ValueError,
     r"adjust_endspan=-1: expected a number in \[0, 10\]"),
    ("Earth threads -1", earth(threads=-1), ValueError, r"threads=-1: expected None or an integer"),
    ("Earth threads a string", earth(threads="2"), TypeError, r"threads='2': expected None or an"),
    ("Earth allow_linear a string", earth(allow_linear="no"), TypeError,
     r"allow_linear='no': expected True or False"),
    ("Earth allow_missing a string", earth(allow_missing="no"), TypeError,
     r"allow_missing='no': expected True or False"),
    ("Earth feature_importance_type unknown", earth(feature_importance_type="foo"), ValueError,
     r"feature_importance_type='foo': expected one of 'nb_subsets', 'gcv', 'rss'"),
    ("Earth feature_importance_type a number", earth(feature_importance_type=5), TypeError,
     r"feature_importance_type=5: expected None, 'nb_subsets', 'gcv', 'rss' or a list"),
    ("Earth linpreds out of range", earth(linpreds=[99]), ValueError,
     r"linpreds: column 99 is out of range"),
    ("Earth random_state a string", earth(pmethod="cv", random_state="x"), TypeError,
     r"random_state='x': expected None, an integer in \[0, 2\*\*32 - 1\] or a "
     r"numpy.random.RandomState"),
    ("EarthClassifier max_degree 'two'", earth(EarthClassifier, max_degree="two"), TypeError,
     r"max_degree='two': expected an integer >= 1"),
    ("EarthClassifier pmethod unknown", earth(EarthClassifier, pmethod="bad"), ValueError,
     r"pmethod='bad': expected one of"),
    ("EarthClassifier thresh -1", earth(EarthClassifier, thresh=-1), ValueError,
     r"thresh=-1: expected a number in \[0, 1\)"),
]


@pytest.mark.parametrize("call, exc, message", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_argument_names_it(call, exc, message):
    with pytest.raises(exc, match=message):
        call()


def test_earth_checks_at_fit_not_at_construction():
    """scikit-learn's convention: a bad parameter is accepted by the constructor and set_params
    (clone and grid search copy them as given) and reported by fit."""
    est = Earth(max_degree="two").set_params(thresh=-1)
    assert est.get_params()["max_degree"] == "two"
    with pytest.raises(TypeError, match="max_degree='two'"):
        est.fit(X, Y)


def test_ols_names_may_be_any_text():
    """Names are labels, not formula terms: spaces, parentheses and operators are kept as given."""
    fit = kestrel.ols(X, Y, names=["a + b", "log(c)"])
    assert list(fit.coef().index) == ["a + b", "log(c)"]
    assert fit.formula == "y ~ a + b + log(c) - 1"
