"""HonestDiD's grid-inverted sets beyond relative magnitudes with 2+ post periods, against R
HonestDiD 0.2.8 on BCdata_EventStudy (tests/data/did/honest_reference.json, the issue-21 pieces
of make_reference_honest.R; see PROVENANCE.md): smoothness with the Conditional, C-LF and C-F
sets; one post period (R's no-nuisance tests) for relative magnitudes, Delta^SDRM and
smoothness; Delta^SDRM ("combined", R's bound = "deviation from linear trend") with four post
periods; relative magnitudes for an l_vec that is neither the first period nor the average.

The grid is R's (1000 points), so where the grid's ends are R's the accepted grid points are R's
and the sets equal R's exactly. C-F's grid ends are the FLCI at size alpha / 10, which kestrel
computes exactly and R by CVXR (off by ~1e-6, test_did_honest.py's FLCI tests): its sets are
compared to 1e-5, well under a grid step (and one end that falls on the grid's last point, which
both programs decide by rounding, is checked to be one step apart)."""
import json

import numpy as np
import pytest

from kestrel.did import HonestDiD

from conftest import DATA

REF = json.load(open(DATA / "did" / "honest_reference.json"))
BC = {"betahat": REF["betahat"], "sigma": np.array(REF["sigma"]).reshape(8, 8, order="F"),
      "num_pre_periods": REF["num_pre"]}
ONE = {"betahat": REF["betahat"][:5], "sigma": BC["sigma"][:5, :5], "num_pre_periods": 4}


def pairs(v):
    n = len(v) // 2
    return list(zip(v[:n], v[n:]))


def sets(data, method, ci, grid):
    return HonestDiD(method, ci_method=ci).sensitivity_analysis(data, M_grid=grid).robust_cis


@pytest.mark.parametrize("ci", ["Conditional", "C-LF"])
def test_smoothness_conditional_as_r(ci):
    want = pairs(REF["sd_cond_" + ci.replace("-", "")])
    assert sets(BC, "smoothness", ci, REF["Mvec_cond"]) == want


def test_smoothness_conditional_flci_as_r():
    np.testing.assert_allclose(sets(BC, "smoothness", "C-F", REF["Mvec_cond"]),
                               pairs(REF["sd_cond_CF"]), rtol=0, atol=1e-5)


@pytest.mark.parametrize("method,key", [("relative_magnitude", "rm"), ("combined", "sdrm")])
@pytest.mark.parametrize("ci", ["Conditional", "C-LF"])
def test_one_post_period_relative_as_r(method, key, ci):
    got = sets(ONE, method, ci, REF["Mbarvec"])
    assert got == pairs(REF[f"one_post_{key}_" + ci.replace("-", "")])
    ids = HonestDiD(method).sensitivity_analysis(ONE, M_grid=REF["Mbarvec"]).bounds
    np.testing.assert_allclose(ids, pairs(REF[f"one_post_idset_{key}"]), rtol=0, atol=1e-12)


@pytest.mark.parametrize("ci", ["Conditional", "C-LF"])
def test_one_post_period_smoothness_as_r(ci):
    want = pairs(REF["one_post_sd_" + ci.replace("-", "")])
    assert sets(ONE, "smoothness", ci, REF["Mvec_cond"]) == want


def test_one_post_period_smoothness_flci_hybrid_as_r():
    """As R to 1e-5 but for one end: at M = 0.02 R's upper end is its grid's last point, the
    FLCI's end, which kestrel's set stops one grid step short of. There |f'beta - theta| = h
    but for rounding and the second stage's truncation degenerates, so both programs decide the
    point by rounding (R's through CVXR's f and h); the other five ends, and all six with four
    post periods, fall the same way."""
    got, want = sets(ONE, "smoothness", "C-F", REF["Mvec_cond"]), pairs(REF["one_post_sd_CF"])
    got_ends, want_ends = np.ravel(got), np.ravel(want)
    np.testing.assert_allclose(np.delete(got_ends, 3), np.delete(want_ends, 3), rtol=0, atol=1e-5)
    h = HonestDiD("smoothness", M=0.02, alpha=0.005).fit(ONE)  # the C-F grid: this FLCI, 1000 points
    step = (h.ci_ub - h.ci_lb) / 999
    assert abs(want_ends[3] - h.ci_ub) < 1e-5 and abs(got_ends[3] - (h.ci_ub - step)) < 1e-5


@pytest.mark.parametrize("ci", ["Conditional", "C-LF"])
def test_combined_is_r_deviation_from_linear_trend(ci):
    assert sets(BC, "combined", ci, [0, 1]) == pairs(REF["sdrm_first_" + ci.replace("-", "")])
    ids = HonestDiD("combined").sensitivity_analysis(BC, M_grid=REF["Mbarvec"]).bounds
    np.testing.assert_allclose(ids, pairs(REF["sdrm_idset_first"]), rtol=0, atol=1e-12)


def test_relative_magnitudes_other_l_vec_as_r():
    h = HonestDiD("relative_magnitude", l_vec=[0, 0.5, 0.5, 0])
    assert h.sensitivity_analysis(BC, M_grid=[0, 1]).robust_cis == pairs(REF["lvec_mid_CLF"])


def test_threads_do_not_change_sets(all_threads):
    from _kestrel import _core
    b, S = np.array(BC["betahat"]), BC["sigma"]
    for delta, ci in (("SD", "C-F"), ("SD", "C-LF"), ("SDRM", "Conditional")):
        r1 = _core.did_honest(b, S, 4, delta, ci, np.array([0.0, 0.05]), threads=1)
        r2 = _core.did_honest(b, S, 4, delta, ci, np.array([0.0, 0.05]), threads=2)
        assert (list(r1["ci_lb"]), list(r1["ci_ub"])) == (list(r2["ci_lb"]), list(r2["ci_ub"]))


def test_refused():
    with pytest.raises(ValueError, match="2\\+ pre periods"):
        HonestDiD("combined").fit({"betahat": [0.1, 0.2, 0.3], "sigma": np.eye(3),
                                   "num_pre_periods": 1})
    with pytest.raises(ValueError, match="ci_method='C-F'"):
        HonestDiD("relative_magnitude", ci_method="C-F")
    with pytest.raises(ValueError, match="l_vec must be \\[1\\]"):
        HonestDiD("relative_magnitude", l_vec=[2.0]).fit(ONE)
