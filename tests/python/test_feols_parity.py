"""Parity of kestrel.feols with statsmodels and pyfixest (reference values stored in
tests/data/regress_reference.json; PROVENANCE.md says how they were made) and with R fixest
(numbers in tests/data/PROVENANCE.md). Coefficients within 1e-10 relative, SEs within 1e-8."""
import json

import numpy as np
import pandas as pd
import pytest

import kestrel
from conftest import DATA

REF = json.loads((DATA / "regress_reference.json").read_text())
CASES = {c["id"]: c for c in REF["cases"]}


def _data(case):
    return pd.read_csv(DATA / case["data"])


def _fit(case, **kw):
    return kestrel.feols(case["formula"], _data(case), vcov=case["vcov"], weights=case["weights"], **kw)


def _rel(a, b):
    return np.abs(np.asarray(a) - np.asarray(b)) / np.maximum(np.abs(np.asarray(b)), 1e-300)


@pytest.mark.parametrize("cid", [c for c in CASES if not c.endswith(("HC2", "HC3")) or c.startswith("sm_")])
def test_coef_se(cid):
    case = CASES[cid]
    fit = _fit(case)
    names = case["coef_names"]
    coef, se = fit.coef(), fit.se()
    if case["tool"].startswith("R fixest"):  # the README quotes the ATT term only
        assert set(names) <= set(coef.index)
    else:
        assert list(coef.index) == names
    assert _rel(coef[names], [case["coef"][n] for n in names]).max() < 1e-10
    assert _rel(se[names], [case["se"][n] for n in names]).max() < 1e-8
    assert fit.nobs == case["nobs"]
    if case.get("n_singletons_dropped") is not None:
        assert fit.n_singletons == case["n_singletons_dropped"]
    if case.get("r2") is not None:
        assert abs(fit.r2 - case["r2"]) < 1e-10
    if case.get("r2_within") is not None:
        assert abs(fit.r2_within - case["r2_within"]) < 1e-10
    if case.get("vcov_matrix") is not None:
        V = np.asarray(case["vcov_matrix"])
        assert np.abs(fit.vcov - V).max() <= 1e-8 * np.abs(V).max()


@pytest.mark.parametrize("kind", ["HC2", "HC3"])
def test_pyfixest_hc23_scale(kind):
    """pyfixest multiplies HC2/HC3 by N/(N-K); kestrel follows statsmodels (no factor)."""
    case = CASES[f"pf_ols_{kind}"]
    fit = _fit(case)
    n, k = fit.nobs, fit.df_k
    names = case["coef_names"]
    assert _rel(fit.se()[names] * np.sqrt(n / (n - k)), [case["se"][x] for x in names]).max() < 1e-8


def test_ols_arrays_match_formula():
    df = pd.read_csv(DATA / "regress_ols.csv")
    X = df[["x1", "x2", "x3"]].to_numpy()
    case = CASES["sm_ols_HC3"]
    fit = kestrel.ols(X, df["y"].to_numpy(), vcov="HC3", intercept=True, names=["x1", "x2", "x3"])
    assert _rel(fit.coef().to_numpy(), [case["coef"][n] for n in case["coef_names"]]).max() < 1e-10
    assert _rel(fit.se().to_numpy(), [case["se"][n] for n in case["coef_names"]]).max() < 1e-8
    cl = kestrel.ols(X, df["y"].to_numpy(), vcov="CRV1", cluster=df["g"].to_numpy(), intercept=True,
                     names=["x1", "x2", "x3"])
    ref = CASES["sm_ols_cl_g"]
    assert _rel(cl.se().to_numpy(), [ref["se"][n] for n in ref["coef_names"]]).max() < 1e-8


def test_dict_of_arrays_equals_dataframe():
    df = pd.read_csv(DATA / "regress_fe.csv")
    a = kestrel.feols("y ~ x1 + x2 | unit + time", df, vcov={"CRV1": "unit"})
    b = kestrel.feols("y ~ x1 + x2 | unit + time", {c: df[c].to_numpy() for c in df.columns},
                      vcov={"CRV1": "unit"})
    assert (a.coef() == b.coef()).all() and (a.se() == b.se()).all()


def test_result_api():
    fit = _fit(CASES["pf_fe_unit_time_crv1_unit"])
    ci = fit.confint()
    assert list(ci.columns) == ["2.5%", "97.5%"]
    assert (ci.iloc[:, 0] < fit.coef()).all() and (fit.coef() < ci.iloc[:, 1]).all()
    tidy = fit.tidy()
    assert list(tidy.columns[:4]) == ["Estimate", "Std. Error", "t value", "Pr(>|t|)"]
    assert np.allclose(fit.tstat(), fit.coef() / fit.se())
    text = fit.summary()
    assert "x1" in text and "unit" in text
    assert fit.df_t == fit._res["nclusters"][0] - 1


def test_resid():
    case = CASES["pf_fe_unit_time_crv1_unit"]
    fit = _fit(case)
    r = fit.resid()
    assert len(r) == len(_data(case)) and np.isnan(r).sum() == case["n_singletons_dropped"]
    assert abs(np.nansum(r ** 2) - case["ssr"]) <= 1e-10 * case["ssr"]
