"""Hostile input to kestrel.sem and `kestrel sem`: malformed models, matrices and data are each
an error of the right type naming what is wrong; nothing crashes, hangs or returns NaN silently."""
import subprocess

import numpy as np
import pandas as pd
import pytest

import kestrel
from kestrel import sem

pytestmark = pytest.mark.hostile

rng = np.random.default_rng(7)
Y = rng.normal(size=(200, 4)) + rng.normal(size=(200, 1))
DATA = {f"y{i + 1}": Y[:, i] for i in range(4)}
COV = np.cov(Y.T)
NAMES = ["y1", "y2", "y3", "y4"]
ONE = "f =~ y1 + y2 + y3 + y4"


def fit_cov(cov=COV, names=NAMES, nobs=200, model=ONE, **kw):
    return lambda: sem.cfa(model, sample_cov=cov, sample_cov_names=names, sample_nobs=nobs, **kw)


def fit_data(data=DATA, model=ONE, **kw):
    return lambda: sem.cfa(model, data=data, **kw)


def _set(a, i, j, v):
    a = a.copy()
    a[i, j] = v
    return a


CASES = [
    ("empty model", fit_data(model=""), kestrel.KestrelError, "no formula"),
    ("only a comment", fit_data(model="# nothing"), kestrel.KestrelError, "no formula"),
    ("binary bytes", fit_data(model="f =~ y1 + \x01\x02"), kestrel.KestrelError, "line 1"),
    ("unclosed paren", fit_data(model="f =~ start(1*y1 + y2"), kestrel.KestrelError, "line 1"),
    ("deep nesting", fit_data(model="f =~ y1 + y2 + y3\nd := " + "(" * 5000 + "1" + ")" * 5000),
     kestrel.KestrelError, "line 2"),
    ("undefined label", fit_data(model=ONE + "\nd := q*2"), kestrel.KestrelError, "q"),
    ("unknown function", fit_data(model="f =~ y1 + a*y2 + y3\nd := foo(a)"),
     kestrel.KestrelError, "foo"),
    ("intercepts", fit_data(model=ONE + "\ny1 ~ 1"), kestrel.KestrelError, "line 2"),
    ("groups", fit_data(model="group: 1\n" + ONE), kestrel.KestrelError, "not supported"),
    ("text column", fit_data(data={**DATA, "y2": np.array(["a"] * 200, dtype=object)}),
     kestrel.KestrelError, "y2"),
    ("inf in data", fit_data(data={**DATA, "y3": np.where(np.arange(200) == 9, np.inf, Y[:, 2])}),
     kestrel.KestrelError, "y3.*row 10"),
    ("one row", fit_data(data={k: v[:1] for k, v in DATA.items()}), kestrel.KestrelError, "1"),
    ("nan in cov", fit_cov(cov=_set(COV, 1, 2, np.nan)), kestrel.KestrelError, "finite"),
    ("not symmetric", fit_cov(cov=_set(COV, 1, 2, 5.0)), kestrel.KestrelError, "symmetric"),
    ("not square", fit_cov(cov=COV[:3]), ValueError, "4 x 4"),
    ("names short", fit_cov(names=NAMES[:3]), ValueError, "3 x 3"),
    ("duplicate names", fit_cov(names=["y1", "y1", "y3", "y4"]), kestrel.KestrelError, "twice"),
    ("empty name", fit_cov(names=["y1", "", "y3", "y4"]), kestrel.KestrelError, "name"),
    ("nobs 1", fit_cov(nobs=1), kestrel.KestrelError, "nobs"),
    ("nobs nan", fit_cov(nobs=float("nan")), kestrel.KestrelError, "nobs"),
    ("negative variance", fit_cov(cov=_set(_set(COV, 0, 0, -1.0), 0, 0, -1.0)),
     kestrel.KestrelError, "positive definite"),
    ("wls_v size", fit_cov(estimator="DWLS", WLS_V=np.ones(3)), kestrel.KestrelError, "wls_v"),
    ("wls_v negative", fit_cov(estimator="DWLS", WLS_V=-np.ones(10)), kestrel.KestrelError,
     "weight|negative|W"),
    ("sandwich without gamma", fit_cov(se="sandwich"), kestrel.KestrelError, "gamma"),
    ("level", fit_cov(level=1.5), kestrel.KestrelError, "level"),
    ("unknown se", fit_cov(se="bootstrap"), kestrel.KestrelError, "se"),
    ("model not str", lambda: sem.sem(42, data=DATA), TypeError, "model"),
    ("neither data nor cov", lambda: sem.sem(ONE), ValueError, "data"),
    ("both", lambda: sem.sem(ONE, data=DATA, sample_cov=COV, sample_nobs=2), ValueError, "either"),
    ("cov without nobs", lambda: sem.sem(ONE, sample_cov=pd.DataFrame(COV, NAMES, NAMES)),
     ValueError, "sample_nobs"),
    ("unidentified", fit_data(model="f =~ y1 + y2\ng =~ y3 + y4\nf ~~ g\ny1 ~~ y3\ny2 ~~ y4\n"
                                    "y1 ~~ y4\ny2 ~~ y3"), kestrel.KestrelError, "identified"),
]


@pytest.mark.parametrize("what,call,exc,match", CASES, ids=[c[0] for c in CASES])
def test_bad_input_is_refused(what, call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_many_variables_do_not_hang():
    """A 60-indicator factor: fitted in well under a second (the normal-theory information in
    O(p^3) per parameter, not O(pstar^2)), no crash."""
    y = rng.normal(size=(500, 60)) + rng.normal(size=(500, 1))
    data = {f"v{i}": y[:, i] for i in range(60)}
    fit = sem.cfa("f =~ " + " + ".join(data), data=data)
    assert fit.converged
    assert np.isfinite(fit.parameter_estimates().se.to_numpy()[1:]).all()


def test_cli_refuses_bad_input(kestrel_bin, tmp_path):
    csv = tmp_path / "d.csv"
    pd.DataFrame(DATA).to_csv(csv, index=False)
    for args, code in [(["--model", ONE], 2), (["--model", ONE, "--data", str(tmp_path / "no")], 1),
                       (["--model", str(tmp_path), "--data", str(csv)], 1),
                       (["--model", "f =~ y1 + y9", "--data", str(csv)], 1),
                       (["--model", ONE, "--data", str(csv), "--call", "nope"], 2)]:
        r = subprocess.run([kestrel_bin, "sem", *args], capture_output=True, text=True)
        assert r.returncode == code, (args, r.stderr)
        assert r.stderr.startswith("kestrel sem:"), r.stderr
