"""Callaway & Sant'Anna beyond parity with R: the multiplier bootstrap (thread-independent, close
to the analytical SEs, memory), coverage of the true effect in simulations, the CLI, and bad
input."""
import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import scipy.stats

import kestrel
from kestrel.did import CallawaySantAnna

from conftest import DATA, ROOT

sys.path.insert(0, str(ROOT / "bench"))
from did_data import make_staggered  # noqa: E402  (diff-diff's generator)

MPDTA = DATA / "did" / "mpdta.csv"


def staggered(n_units, n_periods, n_cohorts, seed):
    return make_staggered(n_units, n_periods, n_cohorts, seed=seed)


def fit(data, **kw):
    agg = kw.pop("aggregate", "all")
    return CallawaySantAnna(**kw).fit(data, "outcome", "unit", "time", "first_treat",
                                      aggregate=agg)


def test_bootstrap_identical_for_any_thread_count(all_threads):
    data = staggered(400, 7, 3, seed=5)
    for kind in ("rademacher", "mammen", "webb"):
        runs = [fit(data, n_bootstrap=299, seed=11, bootstrap_weights=kind, threads=th)
                for th in (1, 2)]
        a, b = (r.to_dict() for r in runs)
        assert a == b, kind
    other = fit(data, n_bootstrap=299, seed=12)
    assert other.overall_se != runs[0].overall_se


def test_bootstrap_se_close_to_analytical_and_bands_wider():
    data = staggered(600, 7, 3, seed=8)
    an = fit(data)
    bs = fit(data, n_bootstrap=4999, seed=1, cband=True)
    for key, cell in an.group_time_effects.items():
        assert bs.group_time_effects[key]["se"] == pytest.approx(cell["se"], rel=0.12)
    assert bs.overall_se == pytest.approx(an.overall_se, rel=0.08)
    for e, d in an.event_study_effects.items():
        assert bs.event_study_effects[e]["se"] == pytest.approx(d["se"], rel=0.12)
    z = scipy.stats.norm.ppf(0.975)
    assert bs.cband_crit_value > z and bs.event_study_crit_value > z
    # the uniform band covers the pointwise interval
    for key, cell in bs.group_time_effects.items():
        lo, hi = cell["conf_int"]
        assert hi - lo >= 2 * z * cell["se"] - 1e-12


def test_bootstrap_memory_is_not_draws_times_units():
    """40,000 draws x 5,000 units would be 1.6 GB; the draws are never stored per unit."""
    code = (
        "import resource, sys; sys.path.insert(0, %r)\n"
        "from test_did_cs import staggered, fit\n"
        "d = staggered(5000, 8, 3, seed=2)\n"
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "r = fit(d, n_bootstrap=40000, seed=3, aggregate='event_study')\n"
        "after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "print((after - before) / 1024)\n" % str(DATA.parent / "python"))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert float(out.stdout.strip()) < 300  # MB above the data: O(draws x cells + units)


def test_coverage_of_the_true_effect():
    """On diff-diff's generator the effect at treatment onset is 2 for every cohort: the 95%
    interval of the event-study e = 0 effect must cover it at the nominal rate, and the
    analytical SE must match the spread of the estimates over seeds."""
    est, se, cover = [], [], 0
    nsim = 300
    for seed in range(nsim):
        r = fit(staggered(240, 6, 3, seed=1000 + seed), aggregate="event_study")
        d = r.event_study_effects[0]
        est.append(d["effect"])
        se.append(d["se"])
        lo, hi = d["conf_int"]
        cover += lo <= 2.0 <= hi
    rate = cover / nsim
    assert 0.91 <= rate <= 0.985, rate  # binomial sd 0.0126 around 0.95
    assert np.mean(est) == pytest.approx(2.0, abs=4 * np.std(est) / np.sqrt(nsim))
    assert np.mean(se) == pytest.approx(np.std(est), rel=0.12)


def test_influence_functions_give_the_standard_errors():
    df = pd.read_csv(MPDTA)
    r = CallawaySantAnna().fit(df, "lemp", "countyreal", "year", "first.treat")
    inf = r.influence_functions
    assert inf.shape == (500, len(r.group_time_effects))
    se = np.sqrt((inf ** 2).sum(axis=0)) / inf.shape[0]
    got = np.array([d["se"] for d in r.group_time_effects.values()])
    assert np.allclose(se, got, rtol=1e-12)
    rows = r.unit_rows
    assert len(set(df["countyreal"].to_numpy()[rows])) == 500


def test_results_interfaces():
    df = pd.read_csv(MPDTA)
    r = CallawaySantAnna(control_group="not_yet_treated").fit(
        df, "lemp", "countyreal", "year", "first.treat", aggregate="all")
    assert set(r.to_dataframe("group_time").columns) >= {"group", "time", "effect", "se"}
    assert len(r.to_dataframe("calendar")) == len(r.calendar_effects)
    json.dumps(r.to_dict())
    text = r.summary()
    assert "Event study" in text and "Wald pre-test" in text
    assert 0 < r.pretest_pvalue < 1 and r.pretest_df == 5


def test_cli_json_matches_python(kestrel_bin):
    out = subprocess.run(
        [kestrel_bin, "did", "cs", "--data", str(MPDTA), "--outcome", "lemp", "--unit",
         "countyreal", "--time", "year", "--first-treat", "first.treat", "--control",
         "not_yet_treated", "--covariates", "lpop", "--json"], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    j = json.loads(out.stdout)
    r = CallawaySantAnna(control_group="not_yet_treated").fit(
        pd.read_csv(MPDTA), "lemp", "countyreal", "year", "first.treat", covariates=["lpop"],
        aggregate="all")
    assert j["simple"]["att"] == pytest.approx(r.overall_att, abs=1e-15)
    assert j["event_study"]["se_e"] == pytest.approx(
        [d["se"] for d in r.event_study_effects.values()], rel=1e-14)
    assert j["wald"]["pvalue"] == pytest.approx(r.pretest_pvalue, rel=1e-12)
    table = subprocess.run([kestrel_bin, "did", "cs", "--data", str(MPDTA), "--outcome", "lemp",
                            "--unit", "countyreal", "--time", "year", "--first-treat",
                            "first.treat"], capture_output=True, text=True)
    assert table.returncode == 0 and "Aggregation: event_study" in table.stdout


def test_cli_usage_errors(kestrel_bin):
    def run(*a):
        return subprocess.run([kestrel_bin, "did", *a], capture_output=True, text=True)
    assert run("cs", "--help").returncode == 0
    assert run("nonsense").returncode == 2
    assert run("cs", "--data", str(MPDTA)).returncode == 2
    r = run("cs", "--data", str(MPDTA), "--outcome", "lemp", "--unit", "countyreal", "--time",
            "year", "--first-treat", "first.treat", "--method", "ols")
    assert r.returncode == 2 and "--method" in r.stderr
    r = run("cs", "--data", str(MPDTA), "--outcome", "nope", "--unit", "countyreal", "--time",
            "year", "--first-treat", "first.treat")
    assert r.returncode == 1 and "'nope'" in r.stderr


def test_bad_input_errors():
    base = pd.read_csv(MPDTA)
    cs = CallawaySantAnna()
    args = ("lemp", "countyreal", "year", "first.treat")
    df = base.copy()
    df.loc[3, "first.treat"] = 2004  # the unit's cohort changes over time
    with pytest.raises(kestrel.KestrelError, match="changes within a unit"):
        cs.fit(df, *args)
    df = pd.concat([base, base.iloc[[7]]])
    with pytest.raises(kestrel.KestrelError, match="same unit"):
        cs.fit(df, *args)
    df = base.assign(w=1.0)
    df.loc[10, "w"] = -1.0
    with pytest.raises(kestrel.KestrelError, match="row 11 is negative"):
        cs.fit(df, *args, weights="w")
    df = base.assign(lemp=base["lemp"].astype(str) + "x")
    with pytest.raises(kestrel.KestrelError, match="text"):
        cs.fit(df, *args)
    with pytest.raises(ValueError, match="estimation_method"):
        CallawaySantAnna(estimation_method="ols").fit(base, *args)


def test_missing_values_and_unbalanced_units_are_reported():
    df = pd.read_csv(MPDTA)
    df.loc[5, "lemp"] = np.nan
    r = CallawaySantAnna().fit(df, "lemp", "countyreal", "year", "first.treat")
    assert r.n_units == 499
    assert any("missing or non-finite" in n for n in r.notes)
    assert any("missing in some periods" in n for n in r.notes)


def test_event_study_plot():
    pytest.importorskip("matplotlib")
    import matplotlib
    matplotlib.use("Agg")
    from kestrel.did import plot_event_study
    r = CallawaySantAnna().fit(pd.read_csv(MPDTA), "lemp", "countyreal", "year", "first.treat")
    ax = r.plot()
    assert len(ax.lines) + len(ax.collections) > 0
    assert plot_event_study(r) is not None


def test_cli_plot(kestrel_bin, tmp_path):
    """--plot writes the event study: an SVG with a point per event time, or a PNG; a wrong
    extension is a usage error and leaves no file."""
    import xml.etree.ElementTree as ET
    args = [kestrel_bin, "did", "cs", "--data", str(MPDTA), "--outcome", "lemp", "--unit",
            "countyreal", "--time", "year", "--first-treat", "first.treat", "--aggregate", "simple"]
    svg = tmp_path / "es.svg"
    r = subprocess.run(args + ["--plot", str(svg)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    root = ET.parse(svg).getroot()
    circles = root.findall("{http://www.w3.org/2000/svg}circle")
    assert len(circles) == 7  # event times -3..3 on mpdta
    assert "Aggregation: event_study" not in r.stdout  # plotted, not printed
    png = tmp_path / "es.png"
    assert subprocess.run(args + ["--plot", str(png)], capture_output=True).returncode == 0
    head = png.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n" and head[12:16] == b"IHDR"
    assert int.from_bytes(head[16:20], "big") == 720
    bad = subprocess.run(args + ["--plot", str(tmp_path / "es.gif")], capture_output=True,
                         text=True)
    assert bad.returncode == 2 and ".svg or .png" in bad.stderr
    assert not list(tmp_path.glob("es.gif*"))


def test_row_order_does_not_matter():
    # sorted by unit and period, the panel is read by the fast path (row u T + s); shuffled,
    # by unit codes and a (unit, period) map: the same estimates and SEs
    data = pd.read_csv(MPDTA)
    data["w"] = 1.0 + (data["countyreal"] % 7) / 10.0

    def run(d):
        return CallawaySantAnna(control_group="not_yet_treated").fit(
            d, "lemp", "countyreal", "year", "first.treat", covariates=["lpop"], weights="w")

    ref = run(data)
    got = run(data.sample(frac=1.0, random_state=3).reset_index(drop=True))
    for key, cell in ref.group_time_effects.items():
        assert got.group_time_effects[key]["effect"] == pytest.approx(cell["effect"], abs=1e-12)
        assert got.group_time_effects[key]["se"] == pytest.approx(cell["se"], rel=1e-10)
    assert got.overall_att == pytest.approx(ref.overall_att, abs=1e-12)
