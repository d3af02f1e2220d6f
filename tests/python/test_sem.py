"""kestrel.sem against lavaan 0.6-14 (tests/data/sem/api/, made by make_api_reference.R: a tightly
converged lavaan on the Holzinger-Swineford CFA, with std.lv, and lavaan's PoliticalDemocracy SEM
with labels, correlated residuals and := definitions): every parameter row's estimate, SE, z, p and
interval, the standardized solutions, every fit measure, and the printed summary's tables; the
sample-covariance route, the sandwich, a simulation, and bad input."""
import math
import pathlib

import numpy as np
import pandas as pd
import pytest

import kestrel
from kestrel import sem

DATA = pathlib.Path(__file__).resolve().parents[1] / "data" / "sem"
API = DATA / "api"
HS = pd.read_csv(DATA / "HolzingerSwineford1939.csv")
PD = pd.read_csv(DATA / "PoliticalDemocracy.csv")
CASES = {"hs": ("cfa", HS, False, "ML"), "hs_stdlv": ("cfa", HS, True, "ML"),
         "hs_gls": ("cfa", HS, False, "GLS"), "hs_uls": ("cfa", HS, False, "ULS"),
         "pd": ("sem", PD, False, "ML")}


def _ref(name):
    pe = pd.read_csv(API / f"{name}_pe.tsv", sep="\t", keep_default_na=False,
                     na_values=["NA"])
    fm = pd.read_csv(API / f"{name}_fm.tsv", sep="\t")
    return pe, dict(zip(fm["name"], fm["value"]))


def _fit(name):
    call, data, std_lv, estimator = CASES[name]
    model = (API / f"{name}.lav").read_text()
    return getattr(sem, call)(model, data=data, std_lv=std_lv, estimator=estimator)


def _close(got, want, rel, what):
    got, want = np.asarray(got, float), np.asarray(want, float)
    assert np.array_equal(np.isnan(got), np.isnan(want)), f"{what}: NA pattern differs"
    ok = ~np.isnan(want)
    err = np.abs(got[ok] - want[ok]) / np.maximum(np.abs(want[ok]), 1.0)
    assert err.max(initial=0) <= rel, f"{what}: relative difference {err.max():.3g}"


@pytest.mark.parametrize("name", list(CASES))
def test_parameter_estimates_match_lavaan(name):
    want, _ = _ref(name)
    fit = _fit(name)
    assert fit.converged
    got = fit.parameter_estimates(standardized=True)
    assert list(got.lhs) == list(want.lhs)
    assert list(got.op) == list(want.op)
    assert list(got.rhs) == list(want.rhs)
    assert list(got.label) == list(want.label)
    for col in ("est", "se", "z", "ci_lower", "ci_upper", "std_all", "std_lv"):
        _close(got[col], want[col], 1e-6, f"{name} {col}")
    # p-values: lavaan's 2 (1 - pnorm(|z|)) is 0 below 1e-16; ours is the tail itself
    np.testing.assert_allclose(got.pvalue, want.pvalue, rtol=1e-6, atol=1e-15)
    sol = fit.standardized_solution()
    _close(sol.est_std, want.std_all, 1e-6, f"{name} standardizedSolution")


@pytest.mark.parametrize("name", list(CASES))
def test_fit_measures_match_lavaan(name):
    _, want = _ref(name)
    got = _fit(name).fit_measures()
    assert list(got.index) == list(want), "lavaan's names in lavaan's order"
    for k, v in want.items():
        g = got[k]
        if math.isnan(v):
            assert math.isnan(g), k
        else:
            assert abs(g - v) <= 1e-6 * max(abs(v), 1.0), f"{k}: {g!r} lavaan {v!r}"


@pytest.mark.parametrize("name", list(CASES))
def test_summary_tables_as_lavaan_prints_them(name):
    want = (API / f"{name}_summary.txt").read_text().splitlines()
    got = str(_fit(name).summary(fit_measures=True, standardized=True)).splitlines()
    # from the model test on, every line as lavaan prints it (the first lines name the program,
    # its optimizer and iterations)
    start_w = want.index("Model Test User Model:")
    start_g = got.index("Model Test User Model:")
    assert [l.rstrip() for l in got[start_g:]] == [l.rstrip() for l in want[start_w:]]


def test_sample_covariance_route_equals_raw_data():
    model = (API / "hs.lav").read_text()
    raw = sem.cfa(model, data=HS)
    x = HS[[f"x{i}" for i in range(1, 10)]]
    cov = sem.cfa(model, sample_cov=x.cov(), sample_nobs=len(x))
    np.testing.assert_allclose(cov.parameter_estimates().est, raw.parameter_estimates().est,
                               rtol=1e-9)
    np.testing.assert_allclose(cov.fit_measures()["chisq"], raw.fit_measures()["chisq"],
                               rtol=1e-9)
    # a plain matrix with its names, the variables in another order: the same fit
    perm = list(reversed(x.columns))
    m = sem.cfa(model, sample_cov=x[perm].cov().to_numpy(), sample_cov_names=perm,
                sample_nobs=len(x))
    np.testing.assert_allclose(m.parameter_estimates().est, raw.parameter_estimates().est,
                               rtol=1e-9)


def test_simulation_recovers_the_truth():
    """Data drawn from a known two-factor model: every free estimate within 4 SEs of its truth."""
    rng = np.random.default_rng(20261206)
    n = 5000
    lam = np.array([[1.0, 0], [0.8, 0], [1.2, 0], [0, 1.0], [0, 0.7], [0, 1.1]])
    phi = np.array([[1.0, 0.4], [0.4, 0.6]])
    theta = np.array([0.5, 0.4, 0.6, 0.3, 0.5, 0.4])
    eta = rng.multivariate_normal([0, 0], phi, size=n)
    y = eta @ lam.T + rng.normal(size=(n, 6)) * np.sqrt(theta)
    data = {f"y{i + 1}": y[:, i] for i in range(6)}
    fit = sem.cfa("f1 =~ y1 + y2 + y3\nf2 =~ y4 + y5 + y6", data=data)
    pe = fit.parameter_estimates()
    truth = {("f1", "=~", "y2"): 0.8, ("f1", "=~", "y3"): 1.2, ("f2", "=~", "y5"): 0.7,
             ("f2", "=~", "y6"): 1.1, ("f1", "~~", "f1"): 1.0, ("f2", "~~", "f2"): 0.6,
             ("f1", "~~", "f2"): 0.4}
    truth.update({(f"y{i + 1}", "~~", f"y{i + 1}"): t for i, t in enumerate(theta)})
    for _, r in pe.iterrows():
        key = (r.lhs, r.op, r.rhs)
        if key in truth:
            assert abs(r.est - truth[key]) < 4 * r.se, (key, r.est, r.se)


def test_dwls_with_weights_and_sandwich():
    """GenomicSEM's use: DWLS with a given diagonal weight matrix, SEs from the sandwich with a
    full Gamma; the sandwich with Gamma = W^-1 equals the DWLS information's inverse."""
    x = HS[[f"x{i}" for i in range(1, 10)]]
    S = x.cov()
    pstar = 45
    w = np.linspace(50, 150, pstar)
    model = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
    fit = sem.cfa(model, sample_cov=S, sample_nobs=2, estimator="DWLS", WLS_V=w,
                  se="sandwich", NACOV=np.diag(1 / w))
    std = sem.cfa(model, sample_cov=S, sample_nobs=2, estimator="DWLS", WLS_V=w)
    np.testing.assert_allclose(fit.parameter_estimates().est, std.parameter_estimates().est)
    assert fit.converged


@pytest.mark.parametrize("kwargs, match", [
    (dict(model="f =~ x1 + x2 + nope"), "nope"),
    (dict(model="f =~ x1 + x2 +"), "line 1"),
    (dict(model="f =~ x1 + x2 + x3", estimator="XYZ"), "estimator"),
    (dict(model="f =~ x1 + x2 + x3", estimator="DWLS"), "wls_v"),
    (dict(model="f =~ x1 + x2 + x3\ng =~ x1 + x2 + x3\nf ~~ g\nx1 ~~ x2"), "identified"),
])
def test_bad_input_is_a_clear_error(kwargs, match):
    with pytest.raises(kestrel.KestrelError, match=match):
        sem.sem(data=HS, **kwargs)


def test_non_positive_definite_sample_covariance():
    S = np.array([[1.0, 0.9, 0.9], [0.9, 1.0, 0.9], [0.9, 0.9, 0.5]])
    with pytest.raises(kestrel.KestrelError, match="positive definite"):
        sem.cfa("f =~ a + b + c", sample_cov=S, sample_cov_names=["a", "b", "c"],
                sample_nobs=100)


def test_missing_value_named():
    data = HS.copy()
    data.loc[7, "x5"] = np.nan
    with pytest.raises(kestrel.KestrelError, match="x5.*row 8"):
        sem.cfa("f =~ x4 + x5 + x6", data=data)


def test_cli_prints_the_same_summary(kestrel_bin):
    import json
    import subprocess
    model = str(API / "pd.lav")
    data = str(DATA / "PoliticalDemocracy.csv")
    r = subprocess.run([kestrel_bin, "sem", "--model", model, "--data", data,
                        "--fit-measures", "--standardized"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert r.stdout == str(_fit("pd").summary(fit_measures=True, standardized=True))
    r = subprocess.run([kestrel_bin, "sem", "--model", model, "--data", data, "--json"],
                       capture_output=True, text=True)
    got = json.loads(r.stdout)
    want, fm = _ref("pd")
    np.testing.assert_allclose([p["est"] for p in got["parameters"]], want.est, rtol=1e-6)
    assert abs(got["fit_measures"]["cfi"] - fm["cfi"]) < 1e-6
    r = subprocess.run([kestrel_bin, "sem", "--model", "f =~ x1 + x2 + zz", "--data",
                        str(DATA / "HolzingerSwineford1939.csv")], capture_output=True, text=True)
    assert r.returncode == 1 and "unknown variable 'zz'" in r.stderr and "line 1" in r.stderr
    r = subprocess.run([kestrel_bin, "sem", "--model", model, "--data", data, "--estimator",
                        "NOPE"], capture_output=True, text=True)
    assert r.returncode == 2 and "estimator" in r.stderr
