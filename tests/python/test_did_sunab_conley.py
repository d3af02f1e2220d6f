"""SunAbraham(vcov_type='conley'): the Conley spatial-HAC sandwich of the within-transformed
saturated cohort x relative-period regression (C: sunab.c through ks_did_conley_fit), its
cells' variance carried to the event-study and overall effects by w'Vw. Against (a) diff-diff
3.13's numbers on a simulated unbalanced panel (committed fixture, did/make_reference_sunab_
conley.py), (b) a brute-force all-pairs NumPy sandwich on the partialled design written here,
(c) an invariant (no two rows within the cutoff and no lags: HC0, kestrel's HC1 of the same
regression times (n - K) / n), (d) thread counts, the CLI, and diff-diff's argument checks."""
import json
import subprocess

import numpy as np
import pandas as pd
import pytest

import kestrel
from kestrel.did import SunAbraham

from conftest import DATA
from test_did_conley import _brute

PANEL = DATA / "did" / "sunab_conley_panel.csv"
REF = json.load(open(DATA / "did" / "reference_sunab_conley.json"))
ARGS = ("y", "unit", "year", "first_treat")
KW = dict(vcov_type="conley", conley_coords=("lat", "lon"))


def panel():
    return pd.read_csv(PANEL)


@pytest.mark.parametrize("case", sorted(k for k in REF if k != "diff_diff"))
def test_matches_diff_diff(case):
    ref = REF[case]
    r = SunAbraham(**KW, **ref["init"]).fit(panel(), *ARGS, **ref["fit"])
    assert list(r.event_study_effects) == ref["e"]
    for e, eff, se in zip(ref["e"], ref["effect"], ref["se"]):
        assert abs(r.event_study_effects[e]["effect"] - eff) <= 1e-10, e
        assert r.event_study_effects[e]["se"] == pytest.approx(se, rel=1e-9), e
    assert abs(r.overall_att - ref["overall_att"]) <= 1e-10
    assert r.overall_se == pytest.approx(ref["overall_se"], rel=1e-9)
    assert r.inference_df == ref["inference_df"]
    assert r.vcov_type == "conley"
    assert r.conley_lag_cutoff == ref["init"]["conley_lag_cutoff"]
    assert r.n_clusters == (8 if "cluster" in ref["init"] else None)


def _partialled(d, r, covs=()):
    """The saturated design with unit and time effects partialled out (least squares on the
    dummies), its residuals, and the cells in the results' order."""
    cells = list(r.cohort_effects)
    D = np.column_stack([((d["first_treat"] == g) & (d["year"] - g == e)).to_numpy(float)
                         for g, e in cells] + [d[c].to_numpy(float) for c in covs])
    F = np.column_stack([pd.get_dummies(d["unit"]).to_numpy(float),
                         pd.get_dummies(d["year"], drop_first=True).to_numpy(float)])

    def resid(Z):
        return Z - F @ np.linalg.lstsq(F, Z, rcond=None)[0]
    X, yt = resid(D), resid(d["y"].to_numpy(float))
    b = np.linalg.lstsq(X, yt, rcond=None)[0]
    return X, yt - X @ b, b, cells


@pytest.mark.parametrize("init,covs", [
    (dict(conley_cutoff_km=700.0, conley_lag_cutoff=2), ()),
    (dict(conley_cutoff_km=400.0, conley_lag_cutoff=0, conley_kernel="uniform",
          cluster="region"), ("x",)),
    (dict(conley_cutoff_km=6.0, conley_lag_cutoff=1, conley_metric="euclidean"), ()),
])
def test_brute_force_sandwich(init, covs):
    d = panel()
    r = SunAbraham(**KW, **init).fit(d, *ARGS, covariates=list(covs) or None)
    X, e, b, cells = _partialled(d, r, covs)
    period = d["year"].rank(method="dense").to_numpy().astype(int)
    V = _brute(X, e, d["lat"].to_numpy(), d["lon"].to_numpy(), init["conley_cutoff_km"],
               init.get("conley_metric", "haversine"), init.get("conley_kernel", "bartlett"),
               period, d["unit"].to_numpy(), init["conley_lag_cutoff"],
               d["region"].to_numpy() if "cluster" in init else None)
    nc = len(cells)
    for j, k in enumerate(cells):
        assert r.cohort_effects[k]["effect"] == pytest.approx(b[j], abs=1e-10)
        assert r.cohort_effects[k]["se"] == pytest.approx(np.sqrt(V[j, j]), rel=1e-9)
    # the aggregates: each period's cohort-share weights, the overall ATT's post-period weights
    W = np.zeros((len(r.event_study_effects), nc))
    for i, ev in enumerate(r.event_study_effects):
        for g, w in r.cohort_weights[ev].items():
            W[i, cells.index((g, ev))] = w
    Ve = W @ V[:nc, :nc] @ W.T
    np.testing.assert_allclose([v["se"] for v in r.event_study_effects.values()],
                               np.sqrt(np.diag(Ve)), rtol=1e-9)
    np.testing.assert_allclose(r.event_study_vcov, Ve, rtol=1e-9, atol=1e-15)
    post = [i for i, ev in enumerate(r.event_study_effects) if ev >= 0]
    n_e = np.array([sum(r.cohort_effects[(g, ev)]["n_obs"] for g in r.cohort_weights[ev])
                    for ev in r.event_study_effects], dtype=float)
    wo = np.zeros(len(n_e))
    wo[post] = n_e[post] / n_e[post].sum()
    assert r.overall_se == pytest.approx(np.sqrt(wo @ Ve @ wo), rel=1e-9)


def test_no_neighbours_no_lags_is_hc0():
    """Every unit farther than the cutoff from all others, lag 0: the meat is sum_i s_i s_i',
    HC0 of the within regression = kestrel's HC1 of the same regression with the fixed effects
    times (n - K) / n (K: coefficients and fixed-effect levels; n - K the t tests' df)."""
    d = panel()
    r = SunAbraham(**KW, conley_cutoff_km=1e-3, conley_lag_cutoff=0).fit(d, *ARGS)
    cells = list(r.cohort_effects)
    for j, (g, e) in enumerate(cells):
        d[f"c{j}"] = ((d["first_treat"] == g) & (d["year"] - g == e)).astype(float)
    f = kestrel.feols("y ~ " + " + ".join(f"c{j}" for j in range(len(cells))) + " | unit + year",
                      d, vcov="HC1")
    n = len(d)
    assert f.df_t == r.inference_df
    np.testing.assert_allclose([r.cohort_effects[k]["se"] for k in cells],
                               np.asarray(f.se()) * np.sqrt(r.inference_df / n), rtol=1e-10)


def test_threads_and_row_order(all_threads):
    d = panel()
    kw = dict(**KW, conley_cutoff_km=900.0, conley_lag_cutoff=1)
    a = SunAbraham(**kw, threads=1).fit(d, *ARGS, covariates=["x"])
    b = SunAbraham(**kw, threads=2).fit(d, *ARGS, covariates=["x"])
    c = SunAbraham(**kw).fit(d.sample(frac=1, random_state=3), *ARGS, covariates=["x"])
    assert np.array_equal(a.event_study_vcov, b.event_study_vcov)
    assert a.overall_se == b.overall_se
    np.testing.assert_allclose(c.event_study_vcov, a.event_study_vcov, rtol=1e-10)


def test_arguments_checked_as_diff_diff():
    d = panel()
    with pytest.raises(ValueError, match="conley_coords"):
        SunAbraham(vcov_type="conley", conley_lag_cutoff=1).fit(d, *ARGS)
    with pytest.raises(ValueError, match="conley_lag_cutoff"):
        SunAbraham(**KW, conley_cutoff_km=500.0).fit(d, *ARGS)
    with pytest.raises(ValueError, match="n_bootstrap"):
        SunAbraham(**KW, conley_cutoff_km=500.0, conley_lag_cutoff=0,
                   n_bootstrap=99).fit(d, *ARGS)
    with pytest.raises(kestrel.KestrelError, match="'nope'"):
        SunAbraham(**{**KW, "conley_coords": ("lat", "nope")}, conley_cutoff_km=500.0,
                   conley_lag_cutoff=0).fit(d, *ARGS)
    with pytest.raises(kestrel.KestrelError, match="constant within units"):
        SunAbraham(**KW, conley_cutoff_km=500.0, conley_lag_cutoff=0,
                   cluster="x").fit(d, *ARGS)
    bad = d.assign(lat=d["lat"] + 60)
    with pytest.raises(kestrel.KestrelError, match="latitude"):
        SunAbraham(**KW, conley_cutoff_km=500.0, conley_lag_cutoff=0).fit(bad, *ARGS)
    # without vcov_type='conley' the conley_* settings are unused, as in diff-diff
    a = SunAbraham(conley_cutoff_km=5.0, conley_coords=("lat", "lon")).fit(d, *ARGS)
    assert a.overall_se == SunAbraham().fit(d, *ARGS).overall_se
    assert "Conley" in SunAbraham(**KW, conley_cutoff_km=500.0, conley_lag_cutoff=0).fit(
        d, *ARGS).summary()


def test_cli_matches_python(kestrel_bin):
    args = [kestrel_bin, "did", "sunab", "--data", str(PANEL), "--outcome", "y", "--unit",
            "unit", "--time", "year", "--first-treat", "first_treat", "--conley-coords",
            "lat,lon", "--conley-cutoff", "800", "--conley-lag", "1", "--cluster", "region"]
    out = subprocess.run(args + ["--json"], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    j = json.loads(out.stdout)
    r = SunAbraham(**KW, conley_cutoff_km=800.0, conley_lag_cutoff=1,
                   cluster="region").fit(panel(), *ARGS)
    assert j["att"] == r.overall_att and j["se"] == r.overall_se and j["df"] == r.inference_df
    assert j["se_e"] == [v["se"] for v in r.event_study_effects.values()]
    table = subprocess.run(args, capture_output=True, text=True)
    assert table.returncode == 0 and "Conley" in table.stdout
    bad = subprocess.run(args[:13] + ["--conley-lag", "1"], capture_output=True, text=True)
    assert bad.returncode == 2 and "--conley-coords" in bad.stderr
