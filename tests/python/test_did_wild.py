"""The wild cluster restricted bootstrap (DifferenceInDifferences / TwoWayFixedEffects with
inference="wild_bootstrap"): exact agreement with a brute-force base-R enumeration of all 2^10
Rademacher sign vectors (tests/data/did/make_reference_wild.R), diff-diff 3.13's sampled results
in distribution, thread identity and bad input."""
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kestrel.did import DifferenceInDifferences, MultiPeriodDiD, TwoWayFixedEffects

HERE = Path(__file__).resolve().parents[1] / "data" / "did"
REF = json.loads((HERE / "reference_wild.json").read_text())["cases"]


@pytest.fixture(scope="module")
def small():
    return pd.read_csv(HERE / "wild_small.csv")


def _did(**kw):
    return DifferenceInDifferences(inference="wild_bootstrap", n_bootstrap=1024, seed=0, **kw)


def _check(r, ref, se=True):
    assert r.inference_method == "wild_bootstrap"
    assert r.n_bootstrap == ref["n_bootstrap"] == 1024 and r.bootstrap_enumerated
    assert r.n_clusters == ref["n_clusters"]
    assert r.att == pytest.approx(ref["coef"], abs=1e-12)
    assert r.p_value == ref["p_value"]  # the same count out of 1024
    # both ends are bisections to 1e-10 of the same step of the rejection frequency
    assert r.conf_int[0] == pytest.approx(ref["ci_lower"], abs=1e-9)
    assert r.conf_int[1] == pytest.approx(ref["ci_upper"], abs=1e-9)
    if se:
        assert r.se == pytest.approx(ref["se"], rel=1e-12)


def test_enumeration_matches_r_basic(small):
    r = _did(cluster="state").fit(small, outcome="y", treatment="treated", time="post")
    _check(r, REF["basic"])
    assert r.t_stat == pytest.approx(REF["basic"]["coef"] / REF["basic"]["se"], rel=1e-12)


def test_enumeration_matches_r_covariate(small):
    r = _did(cluster="state").fit(small, formula="y ~ treated * post + x1")
    _check(r, REF["covariate"])


def test_absorbed_unit_equals_r_dummies(small):
    # R refits with 99 unit dummies; kestrel bootstraps the within design. Equal because the
    # units are nested in the clusters. (The SE differs: fixest's K leaves out nested effects.)
    r = _did(cluster="state").fit(small, outcome="y", treatment="treated", time="post",
                                  absorb=["unit"])
    _check(r, REF["unit_dummies"], se=False)


def test_twfe_matches_r_within(small):
    r = TwoWayFixedEffects(inference="wild_bootstrap", n_bootstrap=2000, cluster="state",
                           seed=0).fit(small, outcome="y", treatment="treated", time="post",
                                       unit="unit")
    _check(r, REF["twfe_within"], se=False)


def test_enumeration_threshold(small):
    kw = dict(outcome="y", treatment="treated", time="post")
    r = DifferenceInDifferences(inference="wild_bootstrap", cluster="state", n_bootstrap=1023,
                                seed=5).fit(small, **kw)
    assert r.n_bootstrap == 1023 and not r.bootstrap_enumerated
    assert abs(r.p_value - REF["basic"]["p_value"]) < 0.06
    r = DifferenceInDifferences(inference="wild_bootstrap", cluster="state",
                                bootstrap_weights="webb", n_bootstrap=5000, seed=5).fit(small, **kw)
    assert r.n_bootstrap == 5000 and not r.bootstrap_enumerated  # Webb is always sampled


# diff-diff 3.13, DifferenceInDifferences(inference="wild_bootstrap", cluster="unit",
# n_bootstrap=999, bootstrap_weights=w, seed=42) on wild_small.csv: (p, ci_lower, ci_upper).
DIFF_DIFF = {
    "rademacher": (0.16816816816816818, -0.10766150391638657, 0.6325439724830821),
    "webb": (0.17217217217217218, -0.10117773332077548, 0.6296553763793803),
    "mammen": (0.16616616616616617, -0.09020903834743699, 0.6127278781324683),
}


@pytest.mark.parametrize("weights", sorted(DIFF_DIFF))
def test_sampled_agrees_with_diff_diff_in_distribution(small, weights):
    # 100 clusters, 999 draws: the Monte Carlo sd of one p-value is about 0.012, of an interval
    # end about 0.01; the mean over 5 seeds is compared with diff-diff's single run.
    fits = [DifferenceInDifferences(inference="wild_bootstrap", cluster="unit", n_bootstrap=999,
                                    bootstrap_weights=weights, seed=s)
            .fit(small, outcome="y", treatment="treated", time="post") for s in range(1, 6)]
    p, lo, hi = DIFF_DIFF[weights]
    assert np.mean([f.p_value for f in fits]) == pytest.approx(p, abs=0.04)
    assert np.mean([f.conf_int[0] for f in fits]) == pytest.approx(lo, abs=0.04)
    assert np.mean([f.conf_int[1] for f in fits]) == pytest.approx(hi, abs=0.04)
    assert len({f.p_value for f in fits} | {f.conf_int for f in fits}) > 2  # seeds matter
    assert all(f.se == pytest.approx(0.18320490966329694, rel=1e-12) for f in fits)


@pytest.mark.parametrize("weights", ["rademacher", "webb", "mammen"])
def test_thread_count_does_not_change_results(small, weights, all_threads):
    def run(threads):
        return DifferenceInDifferences(inference="wild_bootstrap", cluster="unit",
                                       n_bootstrap=499, bootstrap_weights=weights, seed=11,
                                       threads=threads).fit(small, formula="y ~ treated*post + x1")
    a, b = run(1), run(2)
    assert (a.p_value, a.conf_int) == (b.p_value, b.conf_int)


def test_bad_input(small):
    kw = dict(outcome="y", treatment="treated", time="post")
    with pytest.raises(ValueError, match="requires cluster"):
        DifferenceInDifferences(inference="wild_bootstrap").fit(small, **kw)
    with pytest.raises(ValueError, match="bootstrap_weights='gauss'"):
        DifferenceInDifferences(inference="wild_bootstrap", cluster="state",
                                bootstrap_weights="gauss").fit(small, **kw)
    with pytest.raises(ValueError, match="n_bootstrap=1"):
        DifferenceInDifferences(inference="wild_bootstrap", cluster="state",
                                n_bootstrap=1).fit(small, **kw)
    with pytest.raises(ValueError, match="inference='jackknife'"):
        DifferenceInDifferences(inference="jackknife").fit(small, **kw)
    with pytest.raises(Exception, match="nope"):
        DifferenceInDifferences(inference="wild_bootstrap", cluster="nope").fit(small, **kw)
    with pytest.raises(Exception, match="1 level"):
        DifferenceInDifferences(inference="wild_bootstrap", cluster="one").fit(
            small.assign(one=1), **kw)
    with pytest.warns(UserWarning, match="not yet supported for MultiPeriodDiD"):
        MultiPeriodDiD(inference="wild_bootstrap", cluster="state").fit(
            small, outcome="y", treatment="treated", time="time")
