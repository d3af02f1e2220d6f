"""Bell-McCaffrey variances of the regression DiD estimators (vcov_type='hc2_bm': HC2 with
Satterthwaite degrees of freedom, CR2 when clustered; 'hc2' / 'hc3' on the full-dummy design)
against R clubSandwich / sandwich (tests/data/did/make_reference_cr2.R), diff-diff's rules for
one-way variances with a cluster, and the wild bootstrap's equal-tailed test."""
import json
import math
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import kestrel
import kestrel.did as kd

DATA = Path(__file__).resolve().parents[1] / "data" / "did"
REF = json.loads((DATA / "reference_cr2.json").read_text())
TOL = 1e-8


@pytest.fixture(scope="module")
def panel():
    return pd.read_csv(DATA / "cr2_panel.csv")


def _close(got, want):
    assert got == pytest.approx(want, rel=TOL, abs=1e-12)


def _check(r, key, df=True):
    ref = REF[key]
    _close(r.att, ref["coef"])
    _close(r.se, ref["se"])
    if df:
        _close(r.df, ref["df"])
        _close(r.inference_df, ref["df"])


@pytest.mark.parametrize("key,kw,fit", [
    ("did_hc2bm", {}, {}),
    ("did_cr2_state", {"cluster": "state"}, {}),
    ("did_absorb_unit_hc2bm", {}, {"absorb": ["unit"]}),
    ("did_absorb_unit_cr2_state", {"cluster": "state"}, {"absorb": ["unit"]}),
])
def test_did_hc2_bm_matches_clubsandwich(panel, key, kw, fit):
    r = kd.DifferenceInDifferences(vcov_type="hc2_bm", **kw).fit(
        panel, outcome="y", treatment="d", post="post", **fit)
    _check(r, key)
    assert r.vcov_type == "hc2_bm" and r.df_convention == "bell_mccaffrey"
    # the t test and interval at the Satterthwaite df
    q = r.conf_int[1] - r.att
    from scipy import stats
    _close(q, stats.t.ppf(0.975, REF[key]["df"]) * r.se)


def test_did_covariate_cr2(panel):
    r = kd.DifferenceInDifferences(vcov_type="hc2_bm", cluster="state").fit(
        panel, outcome="y", treatment="d", post="post", covariates=["x"])
    _check(r, "did_x_cr2_state")


@pytest.mark.parametrize("key,kw", [("twfe_cr2_unit", {}), ("twfe_cr2_state",
                                                            {"cluster": "state"})])
def test_twfe_hc2_bm_matches_clubsandwich(panel, key, kw):
    r = kd.TwoWayFixedEffects(vcov_type="hc2_bm", **kw).fit(
        panel, outcome="y", treatment="d", post="post", unit="unit")
    _check(r, key)
    assert r.n_clusters == panel[kw.get("cluster", "unit")].nunique()


def test_twfe_covariate_cr2(panel):
    r = kd.TwoWayFixedEffects(vcov_type="hc2_bm").fit(
        panel, outcome="y", treatment="d", post="post", unit="unit", covariates=["x"])
    ref = REF["twfe_x_cr2_unit"]
    _close(r.att, ref["coef"][0])
    _close(r.se, ref["se"][0])
    _close(r.df, ref["df"][0])


@pytest.mark.parametrize("vt", ["hc2", "hc3"])
def test_twfe_explicit_one_way_drops_the_unit_cluster(panel, vt):
    """diff-diff: an explicit one-way vcov_type drops TWFE's default unit cluster; HC2 / HC3
    are computed on the full-dummy design (sandwich::vcovHC on lm with the dummies)."""
    r = kd.TwoWayFixedEffects(vcov_type=vt).fit(
        panel, outcome="y", treatment="d", post="post", unit="unit")
    _check(r, f"twfe_{vt}", df=False)
    assert r.n_clusters is None and r.cluster_name is None


@pytest.mark.parametrize("key,kw,fit", [
    ("mp_cr2_unit", {"cluster": "unit"}, {}),
    ("mp_hc2bm", {}, {}),
    ("mp_unit_cr2_unit", {"cluster": "unit"}, {"absorb": ["unit"]}),
])
def test_multiperiod_hc2_bm_matches_clubsandwich(panel, key, kw, fit):
    r = kd.MultiPeriodDiD(vcov_type="hc2_bm", **kw).fit(
        panel, outcome="y", treatment="d", time="time", post_periods=[4, 5],
        reference_period=3, **fit)
    ref = REF[key]
    for i, t in enumerate([1, 2, 4, 5]):
        _close(r.period_effects[t].effect, ref["coef"][i])
        _close(r.period_effects[t].se, ref["se"][i])
        _close(r.event_study_df[t], ref["df"][i])
    # the post-period average: clubSandwich's linear_contrast Satterthwaite df
    _close(r.avg_att, ref["avg"]["est"])
    _close(r.avg_se, ref["avg"]["se"])
    _close(r.inference_df, ref["avg"]["df"])


def test_feols_hc2_bm_is_hc2_and_singleton_cr2(panel):
    """Invariants: HC2-BM's variance is HC2's; CR2 with every row its own cluster is HC2-BM."""
    p = panel.assign(row=np.arange(len(panel)))
    fml = "y ~ d + post + d:post + x"
    bm = kestrel.feols(fml, p, vcov="HC2-BM")
    np.testing.assert_allclose(bm.se(), kestrel.feols(fml, p, vcov="HC2").se(), rtol=1e-12)
    cr2 = kestrel.feols(fml, p, vcov={"CR2": "row"})
    np.testing.assert_allclose(cr2.se(), bm.se(), rtol=1e-12)
    np.testing.assert_allclose(cr2.df(), bm.df(), rtol=1e-10)
    assert bm.vcov_type == "HC2-BM" and cr2.vcov_type == "CR2: row"


def test_feols_cr2_refuses_what_it_cannot_compute(panel):
    with pytest.raises(kestrel.KestrelError, match="'time' is not nested"):
        kestrel.feols("y ~ d:post | unit + time", panel, vcov={"CR2": "unit"})
    with pytest.raises(kestrel.KestrelError, match="weights"):
        kestrel.feols("y ~ d:post", panel.assign(w=1.0), vcov="HC2-BM", weights="w")
    with pytest.raises(kestrel.KestrelError, match="at most one fixed effect"):
        kestrel.feols("y ~ d:post | unit + time", panel, vcov="HC2")


@pytest.mark.parametrize("est", [kd.DifferenceInDifferences, kd.MultiPeriodDiD])
@pytest.mark.parametrize("vt", ["classical", "hc2", "hc3"])
def test_one_way_with_cluster_raises_as_diff_diff(panel, est, vt):
    fit = ({"post": "post"} if est is kd.DifferenceInDifferences
           else {"time": "time", "post_periods": [4, 5]})
    with pytest.raises(ValueError, match="one-way only"):
        est(vcov_type=vt, cluster="state").fit(panel, outcome="y", treatment="d", **fit)


def test_robust_false_with_cluster_is_cr1_with_a_warning(panel):
    with pytest.warns(UserWarning, match="maps to vcov_type='hc1'"):
        r = kd.DifferenceInDifferences(robust=False, cluster="state").fit(
            panel, outcome="y", treatment="d", post="post")
    ref = kd.DifferenceInDifferences(cluster="state").fit(
        panel, outcome="y", treatment="d", post="post")
    assert r.se == ref.se and r.vcov_type == "hc1"


def test_multiperiod_wild_bootstrap_falls_back_to_analytical(panel):
    kw = dict(outcome="y", treatment="d", time="time", post_periods=[4, 5])
    with pytest.warns(UserWarning, match="Using analytical inference"):
        r = kd.MultiPeriodDiD(inference="wild_bootstrap", cluster="unit").fit(panel, **kw)
    a = kd.MultiPeriodDiD(cluster="unit").fit(panel, **kw)
    assert r.avg_se == a.avg_se and r.avg_p_value == a.avg_p_value


WILD = pd.read_csv(DATA / "wild_small.csv")


def _wild(p_val_type, data):
    return kd.DifferenceInDifferences(inference="wild_bootstrap", cluster="state",
                                      p_val_type=p_val_type, seed=3).fit(
        data, outcome="y", treatment="treated", post="post")


def test_equal_tailed_enumerated_rademacher():
    """All 2^8 sign vectors: the bootstrap distribution is symmetric, so the equal-tailed test
    is the two-tailed one; both are diff-diff 3.13's (deterministic) 0.640625 and interval."""
    small = WILD[WILD.state < 8]
    two, eq = _wild("two-tailed", small), _wild("equal-tailed", small)
    assert eq.bootstrap_enumerated and eq.n_bootstrap == 256
    assert eq.p_value == two.p_value == 0.640625
    assert eq.p_val_type == "equal-tailed"
    np.testing.assert_allclose(eq.conf_int, (-0.5047249946351644, 0.6258472761480642),
                               rtol=1e-9)


def test_equal_tailed_mammen_agrees_with_diff_diff_at_large_b():
    """Mammen weights (skewed): the equal-tailed p-value differs from the two-tailed one;
    with 19,999 draws each it agrees with diff-diff 3.13's (0.21081, its own RNG) within
    4 Monte Carlo standard deviations of the difference."""
    kw = dict(n_bootstrap=19999, bootstrap_weights="mammen")
    fit = {"covariates": ["x1"]}
    eq = kd.DifferenceInDifferences(inference="wild_bootstrap", cluster="state",
                                    p_val_type="equal-tailed", seed=3, **kw).fit(
        WILD, outcome="y", treatment="treated", post="post", **fit)
    two = kd.DifferenceInDifferences(inference="wild_bootstrap", cluster="state",
                                     p_val_type="two-tailed", seed=3, **kw).fit(
        WILD, outcome="y", treatment="treated", post="post", **fit)
    sd = math.sqrt(2 * 0.21081 * (1 - 0.21081) / 19999)
    assert abs(eq.p_value - 0.21081054052702636) < 4 * sd
    assert abs(two.p_value - 0.2271113555677784) < 4 * sd
    assert eq.p_value != two.p_value
    # the equal-tailed interval: each tail at alpha / 2, inside the test's acceptance region
    assert eq.conf_int[0] < eq.att < eq.conf_int[1]


def test_cli_basic_hc2_bm(kestrel_bin):
    def run(*a):
        r = subprocess.run([kestrel_bin, "did", "basic", "--data", str(DATA / "cr2_panel.csv"),
                            "--outcome", "y", "--treatment", "d", "--time", "post", *a],
                           capture_output=True, text=True)
        return r
    for key, extra in (("did_hc2bm", []), ("did_cr2_state", ["--cluster", "state"])):
        r = run("--vcov", "HC2-BM", "--json", *extra)
        assert r.returncode == 0, r.stderr
        out = json.loads(r.stdout)
        _close(out["se"], REF[key]["se"])
        _close(out["df"], REF[key]["df"])
    r = run("--vcov", "HC2", "--cluster", "state")
    assert r.returncode == 2 and "one-way only" in r.stderr
