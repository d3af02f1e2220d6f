"""DifferenceInDifferences, TwoWayFixedEffects and MultiPeriodDiD: R fixest's numbers on
data/basic_small.csv (tests/data/PROVENANCE.md), statsmodels' OLS with explicit dummies
for the HC1 event study and its average, and bad input."""
import numpy as np
import pandas as pd
import pytest

from kestrel.did import DifferenceInDifferences, MultiPeriodDiD, TwoWayFixedEffects

from conftest import SAMPLE

BASIC = SAMPLE / "basic_small.csv"


@pytest.fixture(scope="module")
def basic():
    return pd.read_csv(BASIC)


def test_2x2_clustered_matches_fixest(basic):
    r = DifferenceInDifferences(robust=True, cluster="unit").fit(
        basic, formula="outcome ~ treated * post")
    assert abs(r.att - 5.11212123983854) <= 1e-10
    assert r.se == pytest.approx(0.183204909663298, rel=1e-8)
    assert r.n_obs == 400 and r.n_treated == 200 and r.n_clusters == 100
    assert r.conf_int[0] < r.att < r.conf_int[1] and r.is_significant
    same = DifferenceInDifferences(cluster="unit").fit(
        basic, outcome="outcome", treatment="treated", time="post")
    assert same.att == r.att and same.se == r.se


def test_twfe_matches_fixest(basic):
    r = TwoWayFixedEffects(robust=True).fit(basic, outcome="outcome", treatment="treated",
                                            time="post", unit="unit")
    assert abs(r.att - 5.11212123983855) <= 1e-10
    assert r.se == pytest.approx(0.182974027517802, rel=1e-8)


def test_hc1_and_covariates_match_statsmodels(basic):
    sm = pytest.importorskip("statsmodels.formula.api")
    df = basic.assign(x=np.sin(basic["unit"] * 1.3) + 0.1 * basic["time"])
    r = DifferenceInDifferences().fit(df, formula="outcome ~ treated * post + x")
    ref = sm.ols("outcome ~ treated * post + x", df).fit(cov_type="HC1")
    assert r.att == pytest.approx(ref.params["treated:post"], abs=1e-10)
    assert r.se == pytest.approx(ref.bse["treated:post"], rel=1e-8)
    fe = DifferenceInDifferences().fit(df, formula="outcome ~ treated * post",
                                       fixed_effects=["time"])
    ref = sm.ols("outcome ~ treated + treated:post + C(time)", df).fit(cov_type="HC1")
    assert fe.att == pytest.approx(ref.params["treated:post"], abs=1e-10)
    assert fe.se == pytest.approx(ref.bse["treated:post"], rel=1e-8)


def test_event_study_matches_statsmodels(basic):
    sm = pytest.importorskip("statsmodels.formula.api")
    r = MultiPeriodDiD().fit(basic, outcome="outcome", treatment="treated", time="time",
                             post_periods=[3, 4])
    assert r.reference_period == 2 and sorted(r.period_effects) == [1, 3, 4]
    df = basic.copy()
    for p in (1, 3, 4):
        df[f"d{p}"] = ((df["time"] == p) & (df["treated"] == 1)).astype(float)
    ref = sm.ols("outcome ~ treated + d1 + d3 + d4 + C(time)", df).fit(cov_type="HC1")
    for p in (1, 3, 4):
        e = r.period_effects[p]
        assert e.effect == pytest.approx(ref.params[f"d{p}"], abs=1e-10)
        assert e.se == pytest.approx(ref.bse[f"d{p}"], rel=1e-8)
    avg = ref.t_test("0.5 * d3 + 0.5 * d4 = 0")
    assert r.avg_att == pytest.approx(float(avg.effect[0]), abs=1e-10)
    assert r.avg_se == pytest.approx(float(avg.sd[0, 0]), rel=1e-8)
    assert set(r.to_dataframe()["period"]) == {1, 3, 4}
    assert "average post-period effect" in r.summary()


def test_event_study_average_is_numpy_lincom(basic):
    """The post-period average (ks_feols_lincom) against w'b, sqrt(w'Vw) and the t(df)
    test computed here, on the fit's own coefficients and vcov."""
    st = pytest.importorskip("scipy.stats")
    r = MultiPeriodDiD(alpha=0.1).fit(basic, outcome="outcome", treatment="treated",
                                      time="time", post_periods=[3, 4])
    b, V = r.fit.coef().to_numpy(), r.fit.vcov
    w = np.array([0.5 if n.endswith(("_3", "_4")) else 0.0 for n in r.fit.coef().index])
    assert np.count_nonzero(w) == 2
    att, se = w @ b, np.sqrt(w @ V @ w)
    assert r.avg_att == pytest.approx(att, rel=1e-14, abs=1e-14)
    assert r.avg_se == pytest.approx(se, rel=1e-13)
    df = r.fit.df_t
    assert r.avg_t_stat == pytest.approx(att / se, rel=1e-13)
    assert r.avg_p_value == pytest.approx(2 * st.t.sf(abs(att / se), df), rel=1e-10)
    q = st.t.ppf(0.95, df)
    assert r.avg_conf_int[0] == pytest.approx(att - q * se, rel=1e-12)
    assert r.avg_conf_int[1] == pytest.approx(att + q * se, rel=1e-12)


def test_bad_input(basic):
    with pytest.raises(ValueError, match="interaction"):
        DifferenceInDifferences().fit(basic, formula="outcome ~ treated + post")
    with pytest.raises(ValueError, match="wild_bootstrap' requires cluster"):
        DifferenceInDifferences(inference="wild_bootstrap").fit(
            basic, formula="outcome ~ treated * post")
    with pytest.raises(ValueError, match="post_periods"):
        MultiPeriodDiD().fit(basic, "outcome", "treated", "time", post_periods=[9])
    with pytest.raises(ValueError, match="reference_period"):
        MultiPeriodDiD().fit(basic, "outcome", "treated", "time", post_periods=[3, 4],
                             reference_period=3)
    with pytest.raises(ValueError, match="could not be estimated"):
        DifferenceInDifferences().fit(basic.assign(tp=basic.treated * basic.post),
                                      formula="outcome ~ treated * post", fixed_effects=["tp"])


@pytest.mark.parametrize("robust,cluster", [(False, None), (True, None), (True, "unit")])
def test_closed_form_2x2_equals_feols(basic, robust, cluster):
    import kestrel
    df = basic.copy()
    df.loc[5, "outcome"] = np.nan  # a missing row is left out by both
    r = DifferenceInDifferences(robust=robust, cluster=cluster).fit(
        df, formula="outcome ~ treated * post")
    assert r.fit is None  # the closed form ran
    vcov = {"CRV1": cluster} if cluster else ("HC1" if robust else "iid")
    f = kestrel.feols("outcome ~ treated + post + treated:post", df, vcov=vcov)
    assert r.att == pytest.approx(f.coef()["treated:post"], abs=1e-12)
    assert r.se == pytest.approx(f.se()["treated:post"], rel=1e-12)
    assert r.p_value == pytest.approx(f.pvalue()["treated:post"], rel=1e-9, abs=1e-300)
    assert r.n_obs == f.nobs == 399 and r.df == f.df_t
    assert r.coefficients["treated"] == pytest.approx(f.coef()["treated"], abs=1e-12)
    # a time column that is not 0/1 goes through the general regression
    g = DifferenceInDifferences(robust=robust, cluster=cluster).fit(
        df, outcome="outcome", treatment="treated", time="time")
    assert g.fit is not None


@pytest.mark.parametrize("time,cluster", [("post", None), ("time", None), ("time", "st"),
                                          ("time", "time")])
def test_closed_form_twfe_equals_feols(basic, time, cluster):
    import kestrel
    df = basic.assign(st=basic["unit"] // 10)
    r = TwoWayFixedEffects().fit(df, outcome="outcome", treatment="treated", time=time,
                                 unit="unit") if cluster is None else TwoWayFixedEffects(
        cluster=cluster).fit(df, outcome="outcome", treatment="treated", time=time, unit="unit")
    assert r.fit is None  # proportional (unit, period) counts: the closed form ran
    dropped = df.drop(index=[3])  # one row less: no longer proportional, so the general fit
    g = TwoWayFixedEffects().fit(dropped, outcome="outcome", treatment="treated", time=time,
                                 unit="unit")
    assert g.fit is not None
    f = kestrel.feols(f"outcome ~ treated:{time} | unit + {time}", df,
                      vcov={"CRV1": cluster or "unit"})
    assert r.att == pytest.approx(f.coef()[f"treated:{time}"], abs=1e-12)
    assert r.se == pytest.approx(f.se()[f"treated:{time}"], rel=1e-10)
    assert r.df == f.df_t
    assert r.p_value == pytest.approx(f.pvalue()[f"treated:{time}"], rel=1e-8, abs=1e-300)


def _cli(kestrel_bin, *a):
    import subprocess
    return subprocess.run([kestrel_bin, "did", *a], capture_output=True, text=True)


@pytest.mark.parametrize("extra", [[], ["--cluster", "unit"], ["--vcov", "iid"],
                                   ["--covariates", "time"]])
def test_cli_basic_matches_python(kestrel_bin, basic, extra):
    import json
    r = _cli(kestrel_bin, "basic", "--data", str(BASIC), "--outcome", "outcome", "--treatment",
             "treated", "--time", "post", "--json", *extra)
    assert r.returncode == 0, r.stderr
    j = json.loads(r.stdout)
    opts = dict(cluster="unit") if "--cluster" in extra else dict(robust="iid" not in extra)
    py = DifferenceInDifferences(**opts).fit(
        basic, outcome="outcome", treatment="treated", time="post",
        covariates=["time"] if "--covariates" in extra else None)
    assert j["att"] == pytest.approx(py.att, abs=1e-12)
    assert j["se"] == pytest.approx(py.se, rel=1e-12)
    assert j["nobs"] == py.n_obs


def test_cli_twfe_matches_python(kestrel_bin, basic, tmp_path):
    import json
    r = _cli(kestrel_bin, "twfe", "--data", str(BASIC), "--outcome", "outcome", "--treatment",
             "treated", "--time", "post", "--unit", "unit", "--json")
    assert r.returncode == 0, r.stderr
    j = json.loads(r.stdout)
    assert j["att"] == pytest.approx(5.11212123983854, abs=1e-10)  # R fixest (tests/data/PROVENANCE.md)
    assert j["se"] == pytest.approx(0.182974027517802, rel=1e-10)
    # unbalanced: through the general regression, same numbers as Python
    unbal = tmp_path / "u.csv"
    basic.drop(index=[3]).to_csv(unbal, index=False)
    r = _cli(kestrel_bin, "twfe", "--data", str(unbal), "--outcome", "outcome", "--treatment",
             "treated", "--time", "time", "--unit", "unit", "--json")
    assert r.returncode == 0, r.stderr
    py = TwoWayFixedEffects().fit(basic.drop(index=[3]), outcome="outcome", treatment="treated",
                                  time="time", unit="unit")
    j = json.loads(r.stdout)
    assert j["att"] == pytest.approx(py.att, abs=1e-12) and j["se"] == pytest.approx(py.se,
                                                                                     rel=1e-10)
    table = _cli(kestrel_bin, "twfe", "--data", str(BASIC), "--outcome", "outcome",
                 "--treatment", "treated", "--time", "post", "--unit", "unit")
    assert table.returncode == 0 and "CRV1: unit" in table.stdout and "ATT" in table.stdout


def test_cli_regression_errors(kestrel_bin):
    assert _cli(kestrel_bin, "basic", "--help").returncode == 0
    assert _cli(kestrel_bin, "twfe", "--data", str(BASIC), "--outcome", "outcome",
                "--treatment", "treated", "--time", "post").returncode == 2  # no --unit
    r = _cli(kestrel_bin, "basic", "--data", str(BASIC), "--outcome", "outcome", "--treatment",
             "treated", "--time", "post", "--vcov", "HC9")
    assert r.returncode == 2 and "--vcov 'HC9'" in r.stderr
    r = _cli(kestrel_bin, "basic", "--data", str(BASIC), "--outcome", "nope", "--treatment",
             "treated", "--time", "post")
    assert r.returncode == 1 and "'nope'" in r.stderr


def test_cli_wild_bootstrap_matches_r_enumeration(kestrel_bin):
    """--wild-bootstrap 1024 with 10 clusters enumerates all sign vectors: the p-value and the
    interval of the brute-force R reference (tests/data/did/reference_wild.json)."""
    import json
    from conftest import DATA
    ref = json.load(open(DATA / "did" / "reference_wild.json"))["cases"]
    data = str(DATA / "did" / "wild_small.csv")
    for cmd, extra, case in (("basic", [], "basic"),
                             ("twfe", ["--unit", "unit"], "twfe_within")):
        r = _cli(kestrel_bin, cmd, "--data", data, "--outcome", "y", "--treatment", "treated",
                 "--time", "post", "--cluster", "state", "--wild-bootstrap", "1024", "--json",
                 *extra)
        assert r.returncode == 0, r.stderr
        j = json.loads(r.stdout)
        assert j["enumerated"] and j["nclusters"] == 10
        assert j["p_value"] == ref[case]["p_value"]
        assert abs(j["ci_lower"] - ref[case]["ci_lower"]) <= 1e-9
        assert abs(j["ci_upper"] - ref[case]["ci_upper"]) <= 1e-9
    r = _cli(kestrel_bin, "basic", "--data", data, "--outcome", "y", "--treatment", "treated",
             "--time", "post", "--wild-bootstrap", "99")
    assert r.returncode == 2 and "needs --cluster" in r.stderr
