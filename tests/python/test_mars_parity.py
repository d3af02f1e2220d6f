"""MARS against R earth 5.3.2 (tests/data/mars/reference_earth.json, made by
make_reference_earth.R): for 23 models — Friedman #1 at degree 1, 2, 3, trees and ozone1 with
ties and integer-valued predictors, fast_k 0 and 5, pmethod none and exhaustive, case weights,
minspan/endspan, newvar_penalty, linpreds, allow_linear off, nprune, a larger nk with its own
thresh and penalty, two responses, and binomial and Poisson GLMs on the selected basis — the same forward-pass terms in the same order with the
same knots, the same selected subset and pruning path, and coefficients, RSS, RSq, GCV, GRSq and
evimp within 1e-9 relative."""
import json

import numpy as np
import pandas as pd
import pytest

from kestrel.mars import Earth

from conftest import DATA

REF = json.load(open(DATA / "mars" / "reference_earth.json"))
FILES = {"friedman1": "friedman1_n1000.csv", "trees": "trees.csv", "ozone1": "ozone1.csv"}
ARGS = {"degree": "max_degree", "nk": "max_terms", "fast.k": "fast_k", "fast.beta": "fast_beta",
        "minspan": "minspan", "endspan": "endspan", "newvar.penalty": "newvar_penalty",
        "pmethod": "pmethod", "nprune": "nprune", "thresh": "thresh", "penalty": "penalty",
        "Auto.linpreds": "allow_linear", "linpreds": "linpreds"}
TOL = 1e-9


def close(a, b, tol=TOL):
    a, b = np.asarray(a, float), np.asarray(b, float)
    return a.shape == b.shape and bool(np.all(np.abs(a - b) <= tol * np.maximum(np.abs(b), 1e-12)))


def fit(ref):
    data = pd.read_csv(DATA / "mars" / FILES[ref["label"].split()[0]])
    data["high"] = (data["O3"] >= 15).astype(float) if "O3" in data else 0.0
    y = data[ref["y"]] if len(ref["y"]) > 1 else data[ref["y"][0]]
    w = None if ref["weights"] is None else np.asarray(ref["weights"])
    kw = {ARGS[k]: v for k, v in (ref["args"] or {}).items()}
    if ref.get("glm"):
        kw["glm"] = ref["glm"]["family"]
    return Earth(**kw).fit(data[ref["x"]], y, sample_weight=w)


@pytest.mark.parametrize("ref", REF["models"], ids=[m["label"] for m in REF["models"]])
def test_matches_earth(ref):
    m = fit(ref)
    res = m._res
    p = len(ref["x"])
    # the forward pass: every term's factors (dirs) and knots (cuts), in order
    dirs = np.zeros((len(res["terms"]), p))
    cuts = np.zeros_like(dirs)
    for j, term in enumerate(res["terms"]):
        for pred, d, cut in term:
            dirs[j, pred], cuts[j, pred] = d, cut
    assert np.array_equal(dirs, np.asarray(ref["dirs"], float))
    assert np.array_equal(cuts, np.asarray(ref["cuts"], float))
    assert m.basis_ == ref["term_names"]
    assert res["termcond"] == ref["termcond"]
    # the backward pass: the path, the chosen subset (earth lists exhaustive's in leaps's
    # order; ours is increasing), its coefficients
    assert close(res["rss_per_subset"], ref["rss_per_subset"])
    assert close(res["gcv_per_subset"], ref["gcv_per_subset"])
    sel = np.atleast_1d(ref["selected"]) - 1
    assert list(res["selected"]) == sorted(sel)
    coef = np.asarray(ref["coefficients"], float).reshape(len(sel), -1)[np.argsort(sel)]
    if not ref.get("glm"):  # (with glm=, earth's coefficients are the GLM's)
        assert close(res["coef"], coef, 1e-9)
    pt = np.asarray(ref["prune_terms"]).reshape(len(res["terms"]), -1)
    if ref["pmethod"] != "exhaustive":
        assert np.array_equal(res["prune_terms"][:, :pt.shape[1]], np.where(pt > 0, pt - 1, 0)
                              * (pt > 0))
    for k in ("rss", "rsq", "gcv", "grsq"):
        assert close(res[k], ref[k]), k
    for k in ("rss_per_response", "rsq_per_response", "gcv_per_response", "grsq_per_response"):
        assert close(res[k], np.atleast_1d(ref[k])), k
    if ref.get("glm"):  # R's glm() on the selected basis
        g = ref["glm"]
        assert close(res["glm_coef"][:, 0], np.asarray(g["coefficients"], float).ravel(), 1e-8)
        assert close(res["glm_deviance"], [g["deviance"]], 1e-10)
    # evimp, by predictor
    ev = ref["evimp"]
    col = np.atleast_1d(ev["col"]) - 1
    assert np.array_equal(res["evimp_nsubsets"][col], np.atleast_1d(ev["nsubsets"]))
    assert close(res["evimp_gcv"][col], np.atleast_1d(ev["gcv"]))
    assert close(res["evimp_rss"][col], np.atleast_1d(ev["rss"]))


def test_prediction_is_the_fitted_values():
    ref = REF["models"][1]
    data = pd.read_csv(DATA / "mars" / FILES["friedman1"])
    m = fit(ref)
    B = m.transform(data[ref["x"]])
    assert np.allclose(B @ m.coef_, m.predict(data[ref["x"]]), rtol=0, atol=1e-12)
    resid = data["y"] - m.predict(data[ref["x"]])
    assert float(resid @ resid) == pytest.approx(ref["rss"], rel=1e-9)
