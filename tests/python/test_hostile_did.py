"""Hostile input to the difference-in-differences estimators (Python and `kestrel did` / `kestrel
feols`): degenerate fits give NaN inference with a warning, never an exception from kestrel's own
arithmetic; invalid arguments raise a ValueError naming the argument, as diff-diff raises; what
diff-diff warns about (rank deficiency, few clusters or bootstrap draws, limited overlap) warns;
no row or cohort is dropped or recoded without a word."""
import json
import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest

import kestrel
import kestrel.did as kd

from conftest import DATA, ROOT, SAMPLE

sys.path.insert(0, str(ROOT / "bench"))
from did_data import make_sdid, make_staggered  # noqa: E402

pytestmark = pytest.mark.hostile

MP_ARGS = ("lemp", "countyreal", "year", "first.treat")
STAG_ARGS = ("outcome", "unit", "time", "first_treat")


@pytest.fixture(scope="module")
def basic():
    return pd.read_csv(SAMPLE / "basic_small.csv")


@pytest.fixture(scope="module")
def mpdta():
    return pd.read_csv(SAMPLE / "mpdta.csv")


@pytest.fixture(scope="module")
def stag():
    return pd.read_csv(DATA / "did" / "staggered_small.csv")


@pytest.fixture(scope="module")
def sdid():
    return pd.read_csv(DATA / "did" / "sdid_small.csv")


@pytest.fixture(scope="module")
def exact():
    """A 2x2 panel with y exactly 1 + 2 d + p + 2 d p: zero residuals."""
    d = pd.DataFrame({"d": [0, 0, 0, 0, 1, 1, 1, 1], "p": [0, 1, 0, 1, 0, 1, 0, 1],
                      "u": [1, 1, 2, 2, 3, 3, 4, 4]})
    return d.assign(y=1.0 + 2 * d.d + d.p + 2 * d.d * d.p)


def _warned(w, text):
    return [x for x in w if text in str(x.message)]


def _cli(kestrel_bin, *args):
    return subprocess.run([kestrel_bin, *args], capture_output=True, text=True)


# ---- degenerate fits: NaN inference with a warning, never an exception --------------------------

def test_exact_2x2_fit_gives_nan_inference(exact):
    for kw in ({}, {"robust": False}, {"cluster": "u"}):
        with pytest.warns(RuntimeWarning, match="standard error of the treatment effect is 0"):
            r = kd.DifferenceInDifferences(**kw).fit(exact, outcome="y", treatment="d",
                                                      time="p")
        assert r.att == 2.0 and r.se == 0.0
        assert np.isnan(r.t_stat) and np.isnan(r.p_value) and np.isnan(r.conf_int).all()


def test_exact_event_study_fit_gives_nan_inference(exact):
    r = kd.MultiPeriodDiD().fit(exact, outcome="y", treatment="d", time="p", post_periods=[1])
    e = r.period_effects[1]
    assert e.effect == pytest.approx(2.0, abs=1e-12)
    assert np.isnan(e.t_stat) and np.isnan(e.p_value) and np.isnan(e.conf_int).all()


def test_cli_exact_2x2_fit_prints_nan(kestrel_bin, exact, tmp_path):
    path = tmp_path / "exact.csv"
    exact.to_csv(path, index=False)
    r = _cli(kestrel_bin, "did", "basic", "--data", str(path), "--outcome", "y", "--treatment",
             "d", "--time", "p")
    assert r.returncode == 0
    att = next(line.split() for line in r.stdout.splitlines() if line.startswith("ATT"))
    assert att[1:] == ["2.000000", "0.000000", "nan", "nan", "nan", "nan"]
    assert "standard error of ATT is 0" in r.stderr


def _one_pre(sdid):
    post = sorted(sdid.time[sdid.post == 1].unique())
    return sdid[sdid.time >= post[0] - 1], post


def test_sdid_one_pre_period_estimates(sdid):
    d, post = _one_pre(sdid)
    with pytest.warns(UserWarning, match="1 pre-treatment period .* noise level"):
        r = kd.SyntheticDiD(seed=1).fit(d, "outcome", "treated", "unit", "time",
                                        post_periods=post)
    # lambda is 1 on the one pre period and the unit weights stay uniform (with an intercept a
    # single period fits every weighting exactly): the estimate is the DiD of the cell means
    m = d.assign(tr=d.treated == 1, po=d.time.isin(post)).groupby(["tr", "po"]).outcome.mean()
    did = (m[True, True] - m[True, False]) - (m[False, True] - m[False, False])
    assert r.att == pytest.approx(did, abs=1e-12)
    assert r.att == pytest.approx(r.did_estimate, abs=1e-12)
    assert list(r.time_weights.values()) == [1.0]
    w = np.array(list(r.unit_weights.values()))
    assert np.allclose(w, 1 / len(w), rtol=0, atol=1e-15)
    assert r.noise_level == 0.0 and np.isfinite(r.se) and r.se > 0


def test_cli_sdid_one_pre_period(kestrel_bin, sdid, tmp_path):
    d, post = _one_pre(sdid)
    path = tmp_path / "onepre.csv"
    d.assign(D=d.treated * d.post).to_csv(path, index=False)
    r = _cli(kestrel_bin, "did", "sdid", "--data", str(path), "--outcome", "outcome", "--unit",
             "unit", "--time", "time", "--treatment", "D", "--variance", "none", "--json")
    assert r.returncode == 0, r.stderr
    assert r.stderr.count("1 pre-treatment period") == 1
    py = kd.SyntheticDiD(variance_method="none").fit(d, "outcome", "treated", "unit", "time",
                                                     post_periods=post)
    assert json.loads(r.stdout)["att"] == pytest.approx(py.att, abs=1e-12)


def test_event_study_collinear_covariate_is_dropped(basic):
    x = basic.assign(x=2.0 * basic.treated)
    with pytest.warns(UserWarning, match=r"rank-deficient design: 1 collinear column.*'x'"):
        r = kd.MultiPeriodDiD().fit(x, "outcome", "treated", "time", post_periods=[3, 4],
                                    covariates=["x"])
    ref = kd.MultiPeriodDiD().fit(basic, "outcome", "treated", "time", post_periods=[3, 4])
    assert r.avg_att == pytest.approx(ref.avg_att, abs=1e-12)
    assert r.avg_se == pytest.approx(ref.avg_se, rel=1e-10)
    assert np.isfinite(r.avg_p_value)
    with pytest.raises(ValueError, match="rank-deficient design"):
        kd.MultiPeriodDiD(rank_deficient_action="error").fit(
            x, "outcome", "treated", "time", post_periods=[3, 4], covariates=["x"])


def test_event_study_unidentified_post_period_warns(basic):
    d = basic.copy()
    d.loc[d.time == 4, "treated"] = 0  # no treated row in period 4
    with pytest.warns(UserWarning, match=r"post-period effects \[4\] are not identified"):
        r = kd.MultiPeriodDiD().fit(d, "outcome", "treated", "time", post_periods=[3, 4])
    assert np.isnan(r.period_effects[4].effect) and np.isfinite(r.period_effects[3].effect)
    assert np.isnan(r.avg_att) and np.isnan(r.avg_se)


def test_cs_collinear_covariates_are_dropped(mpdta):
    d = mpdta.assign(lpop2=2 * mpdta.lpop)
    with pytest.warns(UserWarning, match="covariate 'lpop2' is collinear"):
        r = kd.CallawaySantAnna().fit(d, *MP_ARGS, covariates=["lpop", "lpop2"])
    ref = kd.CallawaySantAnna().fit(mpdta, *MP_ARGS, covariates=["lpop"])
    assert r.overall_att == ref.overall_att and r.overall_se == ref.overall_se
    with pytest.raises(ValueError, match="lpop2"):
        kd.CallawaySantAnna(rank_deficient_action="error").fit(d, *MP_ARGS,
                                                               covariates=["lpop", "lpop2"])


def test_cli_cs_collinear_covariates(kestrel_bin, mpdta, tmp_path):
    path = tmp_path / "col.csv"
    mpdta.assign(lpop2=2 * mpdta.lpop).to_csv(path, index=False)
    r = _cli(kestrel_bin, "did", "cs", "--data", str(path), "--outcome", "lemp", "--unit",
             "countyreal", "--time", "year", "--first-treat", "first.treat", "--covariates",
             "lpop,lpop2", "--json")
    assert r.returncode == 0, r.stderr
    assert "covariate 'lpop2' is collinear" in r.stderr


# ---- one cluster: an error in the DiD estimators (diff-diff), NaN with a warning in feols ------

def test_one_cluster_is_an_error_in_did_estimators(basic, stag):
    b, s = basic.assign(one=1), stag.assign(one=1)
    kw = dict(outcome="outcome", treatment="treated", time="post")
    for fit in (lambda: kd.DifferenceInDifferences(cluster="one").fit(b, **kw),
                lambda: kd.DifferenceInDifferences(cluster="one").fit(b, covariates=["time"],
                                                                      **kw),
                lambda: kd.TwoWayFixedEffects(cluster="one").fit(b, unit="unit", **kw),
                lambda: kd.MultiPeriodDiD(cluster="one").fit(b, "outcome", "treated", "time"),
                lambda: kd.SunAbraham(cluster="one").fit(s, *STAG_ARGS)):
        with pytest.raises(ValueError, match="'one'.*need at least 2 clusters"):
            fit()


def test_one_cluster_in_cs_is_nan_with_warning(stag):
    with pytest.warns(UserWarning, match="'one' has 1 cluster"):
        r = kd.CallawaySantAnna(cluster="one").fit(stag.assign(one=1), *STAG_ARGS)
    assert np.isfinite(r.overall_att) and np.isnan(r.overall_se)


def test_feols_one_cluster_is_nan_with_warning(basic):
    with pytest.warns(RuntimeWarning, match="cluster 'one' has 1 cluster"):
        f = kestrel.feols("outcome ~ treated*post", basic.assign(one=1), vcov={"CRV1": "one"})
    assert np.isnan(f.se()).all() and np.isfinite(f.coef()).all()


@pytest.mark.parametrize("cmd", [["did", "basic"], ["did", "basic", "--covariates", "time"],
                                 ["did", "twfe", "--unit", "unit"]])
def test_cli_did_one_cluster_fails(kestrel_bin, basic, tmp_path, cmd):
    path = tmp_path / "one.csv"
    basic.assign(one=1).to_csv(path, index=False)
    r = _cli(kestrel_bin, *cmd, "--data", str(path), "--outcome", "outcome", "--treatment",
             "treated", "--time", "post", "--cluster", "one")
    assert r.returncode == 1 and r.stdout == ""
    assert "cluster: 'one' has 1 level" in r.stderr


def test_cli_sunab_one_cluster_fails(kestrel_bin, stag, tmp_path):
    path = tmp_path / "one.csv"
    stag.assign(one=1).to_csv(path, index=False)
    r = _cli(kestrel_bin, "did", "sunab", "--data", str(path), "--outcome", "outcome", "--unit",
             "unit", "--time", "time", "--first-treat", "first_treat", "--cluster", "one")
    assert r.returncode == 1 and "cluster: 'one' has 1 level" in r.stderr


def test_cli_feols_one_cluster(kestrel_bin, basic, tmp_path):
    path = tmp_path / "one.csv"
    basic.assign(one=1).to_csv(path, index=False)
    r = _cli(kestrel_bin, "feols", "--data", str(path), "--formula", "outcome ~ treated*post",
             "--vcov", "CRV1:one", "--json")
    assert r.returncode == 0, r.stderr
    assert "warning: CRV1: cluster 'one' has 1 cluster" in r.stderr
    coefs = json.loads(r.stdout)["coefficients"]
    assert [c["std_error"] for c in coefs] == [None] * 4  # NaN is written as null
    assert all(c["estimate"] is not None for c in coefs)


# ---- invalid arguments: a ValueError naming the argument (diff-diff's cases) -------------------

@pytest.mark.parametrize("make", [
    lambda a: kd.DifferenceInDifferences(alpha=a),
    lambda a: kd.TwoWayFixedEffects(alpha=a),
    lambda a: kd.MultiPeriodDiD(alpha=a),
    lambda a: kd.CallawaySantAnna(alpha=a),
    lambda a: kd.SunAbraham(alpha=a),
    lambda a: kd.SyntheticDiD(alpha=a)])
@pytest.mark.parametrize("alpha", [0, 1, 1.5, -0.1, "0.05"])
def test_alpha_outside_0_1(make, alpha, basic, stag, sdid):
    """A number outside (0, 1) is a ValueError, a value of the wrong type a TypeError (the
    package's one convention, kestrel/_kestrel/validate.py)."""
    est = make(alpha)
    with pytest.raises(TypeError if isinstance(alpha, str) else ValueError, match="alpha"):
        if isinstance(est, kd.SyntheticDiD):
            est.fit(sdid, "outcome", "treated", "unit", "time", post_periods=[16, 17, 18, 19, 20])
        elif isinstance(est, (kd.CallawaySantAnna, kd.SunAbraham)):
            est.fit(stag, *STAG_ARGS)
        elif isinstance(est, kd.MultiPeriodDiD):
            est.fit(basic, "outcome", "treated", "time")
        elif isinstance(est, kd.TwoWayFixedEffects):
            est.fit(basic, "outcome", "treated", "post", "unit")
        else:
            est.fit(basic, outcome="outcome", treatment="treated", time="post")


@pytest.mark.parametrize("n", [-5, 2.5, True, None])
def test_n_bootstrap_not_a_count(n, basic, stag, sdid):
    err = ValueError if n == -5 else TypeError  # out of range, or not an integer at all
    with pytest.raises(err, match="n_bootstrap"):
        kd.DifferenceInDifferences(n_bootstrap=n).fit(basic, outcome="outcome",
                                                      treatment="treated", time="post")
    with pytest.raises(err, match="n_bootstrap"):
        kd.CallawaySantAnna(n_bootstrap=n).fit(stag, *STAG_ARGS)
    with pytest.raises(err, match="n_bootstrap"):
        kd.SunAbraham(n_bootstrap=n).fit(stag, *STAG_ARGS)
    with pytest.raises(err, match="n_bootstrap"):
        kd.SyntheticDiD(n_bootstrap=n).fit(sdid, "outcome", "treated", "unit", "time",
                                           post_periods=[16, 17, 18, 19, 20])


def test_unknown_rank_deficient_action(basic, stag):
    with pytest.raises(ValueError, match="rank_deficient_action='drop'"):
        kd.DifferenceInDifferences(rank_deficient_action="drop").fit(
            basic, outcome="outcome", treatment="treated", time="post")
    with pytest.raises(ValueError, match="rank_deficient_action='drop'"):
        kd.CallawaySantAnna(rank_deficient_action="drop").fit(stag, *STAG_ARGS)
    with pytest.raises(ValueError, match="rank_deficient_action='drop'"):
        kd.SunAbraham(rank_deficient_action="drop").fit(stag, *STAG_ARGS)


def test_negative_seed_and_anticipation(basic, stag, sdid):
    with pytest.raises(ValueError, match="seed=-1"):
        kd.SyntheticDiD(seed=-1).fit(sdid, "outcome", "treated", "unit", "time",
                                     post_periods=[16, 17, 18, 19, 20])
    with pytest.raises(ValueError, match="seed=-1"):
        kd.DifferenceInDifferences(seed=-1).fit(basic, outcome="outcome", treatment="treated",
                                                time="post")
    with pytest.raises(ValueError, match="anticipation=-1"):
        kd.SunAbraham(anticipation=-1).fit(stag, *STAG_ARGS)


@pytest.mark.parametrize("name", ["zeta_omega", "zeta_lambda"])
def test_negative_sdid_regularisation(sdid, name):
    with pytest.raises(ValueError, match=f"{name}=-1.0"):
        kd.SyntheticDiD(**{name: -1.0}).fit(sdid, "outcome", "treated", "unit", "time",
                                            post_periods=[16, 17, 18, 19, 20])


def test_event_study_treatment_not_binary(basic):
    with pytest.raises(ValueError, match="treatment: column 'treated' must be the 0/1"):
        kd.MultiPeriodDiD().fit(basic.assign(treated=2 * basic.treated), "outcome", "treated",
                                "time")


def test_2x2_indicator_not_binary_warns(basic):
    with pytest.warns(UserWarning, match="treatment: column 'treated' is not a 0/1 indicator"):
        kd.DifferenceInDifferences().fit(basic.assign(treated=2 * basic.treated),
                                         outcome="outcome", treatment="treated", time="post")


def test_placebo_alpha(basic):
    with pytest.raises(ValueError, match="alpha=0"):
        kd.permutation_test(basic, "outcome", "treated", post="post", unit="unit", alpha=0)
    with pytest.raises(ValueError, match="alpha=2"):
        kd.placebo_timing_test(basic, "outcome", "treated", "time", 2, post_periods=[3, 4],
                               alpha=2)


# ---- run_all_placebo_tests runs every test or raises ---------------------------------------------

def test_run_all_placebo_tests_as_the_readme_shows(basic):
    out = kd.run_all_placebo_tests(basic, "outcome", "treated", "time", "unit",
                                   pre_periods=[1, 2], post_periods=[3, 4], n_permutations=50,
                                   seed=1)
    assert set(out) == {"fake_timing_2", "permutation", "leave_one_out"}
    assert all(isinstance(r, kd.PlaceboTestResults) for r in out.values())
    assert out["permutation"].n_permutations == 50
    assert len(out["leave_one_out"].leave_one_out_effects) == 50


def test_run_all_placebo_tests_raises_instead_of_error_dicts(basic):
    with pytest.raises(ValueError, match=r"pre_periods=\[1, 2\]: \[2\] are not periods of "
                                         "column 'post'"):
        kd.run_all_placebo_tests(basic, "outcome", "treated", "post", "unit",
                                 pre_periods=[1, 2], post_periods=[3, 4])


# ---- warnings diff-diff gives --------------------------------------------------------------------

def test_wild_bootstrap_few_clusters_warns(basic):
    with pytest.warns(UserWarning, match="only 3 clusters: wild bootstrap"):
        kd.DifferenceInDifferences(inference="wild_bootstrap", cluster="g", seed=1).fit(
            basic.assign(g=basic.unit % 3), outcome="outcome", treatment="treated", time="post")


def test_cs_few_bootstrap_draws_warns(stag):
    with pytest.warns(UserWarning, match="n_bootstrap=10 is low"):
        kd.CallawaySantAnna(n_bootstrap=10, seed=1).fit(stag, *STAG_ARGS)


def test_cs_propensity_scores_near_one_warn():
    d = pd.DataFrame(make_staggered(300, 6, 2, seed=3))
    rng = np.random.default_rng(5)
    ever = (d.groupby("unit").first_treat.first() > 0).to_numpy()
    # separated enough for scores >= 0.99, not so much that one reaches R did's 0.999 (its
    # overlap guard then refuses the cell)
    x = np.where(ever, rng.normal(1.0, 1, ever.size), rng.normal(-1.0, 1, ever.size))
    x[np.flatnonzero(~ever)[:4]] = 6.0  # four controls deep among the treated
    d["x"] = x[d.unit.to_numpy()]
    with pytest.warns(UserWarning, match=r"propensity scores near 1 \(limited overlap\): 40 "
                                         "control units in 10 of 10 cells"):
        r = kd.CallawaySantAnna().fit(d, *STAG_ARGS, covariates=["x"])
    assert np.isfinite(r.overall_att)


def test_cs_nan_weight_drop_is_reported(mpdta):
    d = mpdta.assign(w=1.0)
    d.loc[0, "w"] = np.nan
    with pytest.warns(UserWarning) as w:
        r = kd.CallawaySantAnna().fit(d, *MP_ARGS, weights="w")
    assert _warned(w, "dropped 1 rows with missing or non-finite data")
    assert _warned(w, "1 units are missing in some periods")
    assert r.n_units == 499


def test_first_treat_after_last_period_warns(stag):
    d = stag.copy()
    d.loc[d.first_treat == 5, "first_treat"] = 99
    n = d[d.first_treat == 99].unit.nunique()
    with pytest.warns(UserWarning, match=f"{n} units first treated after the last period "
                                         r"\(8\) count as never treated"):
        kd.CallawaySantAnna().fit(d, *STAG_ARGS)
    with pytest.warns(UserWarning, match=f"{n} units first treated after the last period "
                                         r"\(8\): never observed treated"):
        kd.SunAbraham().fit(d, *STAG_ARGS)
    with pytest.warns(UserWarning, match=f"{n} units first treated after the last period "
                                         r"\(8\) count as never treated"):
        kd.BaconDecomposition().fit(d, *STAG_ARGS)


def test_cli_first_treat_after_last_period_warns(kestrel_bin, stag, tmp_path):
    d = stag.copy()
    d.loc[d.first_treat == 5, "first_treat"] = 99
    path = tmp_path / "late.csv"
    d.to_csv(path, index=False)
    n = d[d.first_treat == 99].unit.nunique()
    for cmd in ("cs", "bacon"):
        r = _cli(kestrel_bin, "did", cmd, "--data", str(path), "--outcome", "outcome", "--unit",
                 "unit", "--time", "time", "--first-treat", "first_treat", "--json")
        assert r.returncode == 0, r.stderr
        assert f"warning: {n} units first treated after the last period (8)" in r.stderr


def test_cli_cs_one_cluster_warns(kestrel_bin, stag, tmp_path):
    path = tmp_path / "one.csv"
    stag.assign(one=1).to_csv(path, index=False)
    r = _cli(kestrel_bin, "did", "cs", "--data", str(path), "--outcome", "outcome", "--unit",
             "unit", "--time", "time", "--first-treat", "first_treat", "--cluster", "one")
    assert r.returncode == 0 and "warning: cluster: 'one' has 1 cluster" in r.stderr


def test_event_study_one_pre_period_warns(basic):
    with pytest.warns(UserWarning, match="only one pre-treatment period"):
        kd.MultiPeriodDiD().fit(basic, "outcome", "treated", "time", post_periods=[2, 3, 4])


def test_event_study_time_varying_treatment_warns(basic):
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        kd.MultiPeriodDiD().fit(basic.assign(tp=basic.treated * basic.post), "outcome", "tp",
                                "time", unit="unit", post_periods=[3, 4])
    assert _warned(w, "column 'tp' varies within units")


@pytest.mark.parametrize("threads,err", [(None, None), (0, None), (2, None), ("2", TypeError),
                                         (-1, ValueError), (1.5, TypeError)])
def test_threads_argument(threads, err, basic, stag, sdid):
    """threads: None or 0 is the default, as for feols and Earth; anything but a count >= 0 is an
    error naming it (CallawaySantAnna(threads=None) raised a TypeError from int(None))."""
    fits = [
        lambda: kd.CallawaySantAnna(threads=threads).fit(stag, *STAG_ARGS),
        lambda: kd.SyntheticDiD(threads=threads, variance_method="none").fit(
            sdid, "outcome", "treated", "unit", "time", post_periods=[16, 17, 18, 19, 20]),
        lambda: kd.DifferenceInDifferences(threads=threads).fit(
            basic, outcome="outcome", treatment="treated", time="post"),
        lambda: kd.permutation_test(basic, "outcome", "treated", post="post", unit="unit",
                                    n_permutations=20, seed=1, threads=threads)]
    for fit in fits:
        if err is None:
            fit()
        else:
            with pytest.raises(err, match="threads"):
                fit()
