"""BaconDecomposition against R bacondecomp (every comparison's estimate and weight on castle,
mpdta and staggered_small), the decomposition theorem (weights sum to 1, the weighted sum is the
TWFE estimate) with always-treated units too, the CLI, and bad input."""
import json
import subprocess

import numpy as np
import pandas as pd
import pytest

import kestrel
from kestrel.did import BaconDecomposition, bacon_decompose

from conftest import DATA

REF = json.load(open(DATA / "did" / "reference_r_bacon.json"))
CASES = {
    "castle": (DATA / "did" / "castle.csv", ("l_homicide", "state", "year", "first_treat")),
    "mpdta": (DATA / "did" / "mpdta.csv", ("lemp", "countyreal", "year", "first.treat")),
    "staggered_small": (DATA / "did" / "staggered_small.csv",
                        ("outcome", "unit", "time", "first_treat")),
}
TYPES = {"Treated vs Untreated": "treated_vs_never",
         "Earlier vs Later Treated": "earlier_vs_later",
         "Later vs Earlier Treated": "later_vs_earlier"}


def load(name):
    path, args = CASES[name]
    return pd.read_csv(path), args


def twfe(df, y, unit, time, g):
    """The TWFE coefficient by kestrel's fixed-effects regression on D = 1(t >= g)."""
    gg = df[g].replace(0, np.inf).fillna(np.inf)
    d = df.assign(D_=(df[time] >= gg).astype(float))
    return kestrel.feols(f"{y} ~ D_ | {unit} + {time}", d).coef()["D_"]


@pytest.mark.parametrize("name", list(CASES))
def test_matches_r_bacondecomp(name):
    df, args = load(name)
    r = BaconDecomposition().fit(df, *args)
    got = {(c.treated_group, c.control_group): c for c in r.comparisons}
    assert len(got) == len(REF[name])
    for ref in REF[name]:
        control = "never_treated" if ref["untreated"] is None else int(ref["untreated"])
        c = got[(int(ref["treated"]), control)]
        assert c.comparison_type == TYPES[ref["type"]]
        assert abs(c.estimate - ref["estimate"]) <= 1e-12, (c, ref)
        assert abs(c.weight - ref["weight"]) <= 1e-12, (c, ref)
    assert sum(c.weight for c in r.comparisons) == pytest.approx(1.0, abs=1e-14)
    assert r.twfe_estimate == pytest.approx(twfe(df, *args), abs=1e-12)
    assert abs(r.decomposition_error) < 1e-12
    total = sum(getattr(r, f"total_weight_{t}") for t in TYPES.values())
    assert total == pytest.approx(1.0, abs=1e-14)


def test_always_treated_join_the_untreated():
    """Units treated from the first period have no variation in D: they join the never treated
    (Goodman-Bacon's footnote 11, as diff-diff); the theorem still holds exactly."""
    df, args = load("staggered_small")
    y, unit, time, g = args
    df = df.copy()
    first = df[time].min()
    df.loc[df[unit] % 7 == 3, g] = first  # some units always treated
    r = bacon_decompose(df, *args)
    assert r.n_always_treated_remapped == df.loc[df[unit] % 7 == 3, unit].nunique()
    assert first not in r.timing_groups
    assert sum(c.weight * c.estimate for c in r.comparisons) == pytest.approx(
        twfe(df, *args), abs=1e-12)
    assert "Goodman-Bacon" in r.summary() and len(r.to_dataframe()) == len(r.comparisons)


def test_cli_matches_python(kestrel_bin):
    df, args = load("mpdta")
    out = subprocess.run([kestrel_bin, "did", "bacon", "--data", str(CASES["mpdta"][0]),
                          "--outcome", "lemp", "--unit", "countyreal", "--time", "year",
                          "--first-treat", "first.treat", "--json"], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    j = json.loads(out.stdout)
    r = BaconDecomposition().fit(df, *args)
    assert j["twfe"] == r.twfe_estimate
    assert j["estimate"] == [c.estimate for c in r.comparisons]
    assert j["weight"] == [c.weight for c in r.comparisons]
    table = subprocess.run([kestrel_bin, "did", "bacon", "--data", str(CASES["mpdta"][0]),
                            "--outcome", "lemp", "--unit", "countyreal", "--time", "year",
                            "--first-treat", "first.treat"], capture_output=True, text=True)
    assert table.returncode == 0 and "later_vs_earlier" in table.stdout


def test_bad_input():
    df, args = load("mpdta")
    with pytest.raises(kestrel.KestrelError, match="balanced panel"):
        BaconDecomposition().fit(df.iloc[1:], *args)
    bad = df.copy()
    bad.loc[bad.index[1], "first.treat"] = 2006 if bad["first.treat"].iloc[1] != 2006 else 2007
    with pytest.raises(kestrel.KestrelError, match="changes within a unit"):
        BaconDecomposition().fit(bad, *args)
    with pytest.raises(kestrel.KestrelError, match="'nope'"):
        BaconDecomposition().fit(df, "nope", *args[1:])
    with pytest.raises(kestrel.KestrelError, match="no treatment variation"):
        BaconDecomposition().fit(df.assign(**{"first.treat": 0}), *args)
    with pytest.raises(ValueError, match="weights"):
        BaconDecomposition(weights="magic").fit(df, *args)
