"""SyntheticDiD against R synthdid 0.0.9 on Prop 99 (estimates, weights, zeta to 1e-8; the placebo
SE in distribution over seeds) and on bench_small/sdid_small.csv; the variance methods; thread
independence; bad input."""
import json

import numpy as np
import pandas as pd
import pytest

from kestrel.did import SyntheticDiD

from conftest import DATA, SAMPLE

PROP99 = SAMPLE / "california_prop99.csv"
REF = json.load(open(DATA / "did" / "reference_r_synthdid.json"))


@pytest.fixture(scope="module")
def prop99():
    return pd.read_csv(PROP99)


def test_prop99_matches_r(prop99):
    r = SyntheticDiD(variance_method="none").fit(prop99, "PacksPerCapita", "treated", "State",
                                                 "Year")
    assert abs(r.att - REF["synthdid"]) <= 1e-8
    assert abs(r.sc_estimate - REF["sc"]) <= 1e-8
    assert abs(r.did_estimate - REF["did"]) <= 1e-8
    assert r.zeta_omega == pytest.approx(REF["zeta_omega"], rel=1e-10)
    for state, w in REF["omega"].items():
        assert abs(r.unit_weights[state] - w) <= 1e-8, state
    for year, w in REF["lambda"].items():
        assert abs(r.time_weights[int(year)] - w) <= 1e-8, year
    # R synthdid 0.0.9 with R 4.2.2 (tests/data/PROVENANCE.md)
    assert abs(r.att - (-15.6038278727)) <= 1e-8
    assert abs(r.sc_estimate - (-19.6196634709)) <= 1e-8
    assert abs(r.did_estimate - (-27.3491110836)) <= 1e-8


def test_prop99_placebo_se_matches_r_in_distribution(prop99):
    """R's placebo SE depends on R's RNG: compare the mean over 20 seeds with R's over 20 seeds
    (a difference beyond 3 standard errors of the two means fails)."""
    ours = np.array([SyntheticDiD(seed=s).fit(prop99, "PacksPerCapita", "treated", "State",
                                              "Year", other_estimators=False).se
                     for s in range(20)])
    r = np.array(REF["placebo_se_seeds_1_20"])
    tol = 3 * np.sqrt(ours.var(ddof=1) / 20 + r.var(ddof=1) / 20)
    assert abs(ours.mean() - r.mean()) <= tol, (ours.mean(), r.mean(), tol)
    assert 7.0 < ours.mean() < 11.0


def test_sdid_small_and_variance_methods():
    d = pd.read_csv(DATA / "did" / "sdid_small.csv")
    d["D"] = d["treated"] * d["post"]
    r = SyntheticDiD(seed=3).fit(d, "outcome", "D", "unit", "time")
    assert r.att == pytest.approx(3.8404040, abs=5e-8)  # R synthdid (tests/data/PROVENANCE.md)
    same = SyntheticDiD(seed=3).fit(d, "outcome", "treated", "unit", "time",
                                    post_periods=[16, 17, 18, 19, 20])
    assert same.att == r.att and same.se == r.se
    ses = [SyntheticDiD(seed=s).fit(d, "outcome", "D", "unit", "time",
                                    other_estimators=False).se for s in range(10)]
    assert 0.08 < np.mean(ses) < 0.14  # R: about 0.10-0.12 by seed
    for method in ("bootstrap", "jackknife"):
        s = SyntheticDiD(seed=3, variance_method=method).fit(d, "outcome", "D", "unit", "time",
                                                             other_estimators=False).se
        assert 0.05 < s < 0.25, method


def test_threads_do_not_change_results(prop99, all_threads):
    a = SyntheticDiD(seed=9, threads=1).fit(prop99, "PacksPerCapita", "treated", "State", "Year")
    b = SyntheticDiD(seed=9, threads=2).fit(prop99, "PacksPerCapita", "treated", "State", "Year")
    assert a.se == b.se and np.array_equal(a.placebo_effects, b.placebo_effects)


def test_bad_input(prop99):
    bad = prop99.copy()
    bad.loc[(bad.State == "Nevada") & (bad.Year == 1995), "treated"] = 1
    with pytest.raises(Exception, match="not simultaneous"):
        SyntheticDiD().fit(bad, "PacksPerCapita", "treated", "State", "Year")
    with pytest.raises(Exception, match="balanced"):
        SyntheticDiD().fit(prop99.iloc[1:], "PacksPerCapita", "treated", "State", "Year")
    with pytest.raises(ValueError, match="variance_method"):
        SyntheticDiD(variance_method="magic").fit(prop99, "PacksPerCapita", "treated", "State",
                                                  "Year")


def test_cli_matches_python(kestrel_bin, prop99):
    import subprocess
    r = subprocess.run([kestrel_bin, "did", "sdid", "--data", str(PROP99), "--outcome",
                        "PacksPerCapita", "--unit", "State", "--time", "Year", "--treatment",
                        "treated", "--seed", "4", "--replications", "50", "--json"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    j = json.loads(r.stdout)
    py = SyntheticDiD(seed=4, n_bootstrap=50).fit(prop99, "PacksPerCapita", "treated", "State",
                                                  "Year")
    assert j["att"] == py.att and j["se"] == py.se
    assert j["sc_estimate"] == py.sc_estimate and j["did_estimate"] == py.did_estimate
    assert j["unit_weights"]["Nevada"] == py.unit_weights["Nevada"]
    text = subprocess.run([kestrel_bin, "did", "sdid", "--data", str(PROP99), "--outcome",
                           "PacksPerCapita", "--unit", "State", "--time", "Year", "--treatment",
                           "treated", "--variance", "none"], capture_output=True, text=True)
    assert text.returncode == 0 and "Nevada                   0.124489" in text.stdout
    bad = subprocess.run([kestrel_bin, "did", "sdid", "--data", str(PROP99), "--outcome",
                          "PacksPerCapita", "--unit", "State", "--time", "Year", "--treatment",
                          "treated", "--variance", "magic"], capture_output=True, text=True)
    assert bad.returncode == 2 and "--variance 'magic'" in bad.stderr
