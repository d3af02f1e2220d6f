"""Placebo diagnostics against diff-diff 3.13 (numbers in tests/data/did/
reference_placebo_diff_diff.json, see PROVENANCE.md): fake timing, fake group and leave-one-out
are deterministic and agree to 1e-10; the permutation p-value in distribution; thread identity
of the permutations; bad input."""
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import kestrel.did as kd

from conftest import SAMPLE

HERE = Path(__file__).resolve().parents[1] / "data" / "did"
REF = json.loads((HERE / "reference_placebo_diff_diff.json").read_text())
FIELDS = ("placebo_effect", "se", "t_stat", "p_value", "conf_int_lower", "conf_int_upper")


@pytest.fixture(scope="module")
def basic():
    return pd.read_csv(SAMPLE / "basic_small.csv")


def _same(r, ref):
    d = r.to_dict()
    for k in FIELDS + ("original_effect", "original_se"):
        if k in ref:
            assert d[k] == pytest.approx(ref[k], rel=1e-10, abs=1e-10), k
    assert d["n_obs"] == ref["n_obs"] and d["is_significant"] == ref["is_significant"]


def test_fake_timing(basic):
    r = kd.placebo_timing_test(basic, "outcome", "treated", "time", 2, post_periods=[3, 4])
    _same(r, REF["timing"])
    assert r.fake_period == 2
    # default post periods (the later half) and the dispatcher give the same test
    r2 = kd.run_placebo_test(basic, "outcome", "treated", "time", test_type="fake_timing",
                             fake_treatment_period=2)
    assert r2.to_dict() == r.to_dict()


def test_fake_group(basic):
    with pytest.warns(UserWarning, match="ever treated"):
        r = kd.run_placebo_test(basic, "outcome", "treated", "time", unit="unit",
                                test_type="fake_group", fake_treatment_group=[60, 61, 62, 70, 80, 3])
    _same(r, REF["group"])
    assert r.fake_group == [60, 61, 62, 70, 80]


def test_leave_one_out(basic):
    r = kd.leave_one_out_test(basic, "outcome", "treated", post="post", unit="unit")
    _same(r, REF["loo"])
    ref = {int(k): v for k, v in REF["loo_effects"].items()}
    assert list(r.leave_one_out_effects) == list(ref)
    assert np.allclose(list(r.leave_one_out_effects.values()), list(ref.values()), rtol=0,
                       atol=1e-10)


def test_leave_one_out_skips_last_treated_unit():
    d = pd.DataFrame({"u": [1, 1, 2, 2, 3, 3], "d": [1, 1, 0, 0, 0, 0], "p": [0, 1] * 3,
                      "y": [1.0, 3.0, 0.5, 1.0, 0.0, 0.7]})
    with pytest.raises(RuntimeError, match="every leave-one-out"):
        kd.leave_one_out_test(d, "y", "d", post="p", unit="u")


def test_permutation_in_distribution():
    w = pd.read_csv(HERE / "wild_small.csv")
    # diff-diff's p over 5 seeds: mean 0.158, sd 0.010 (1000 permutations each)
    ref = np.mean(REF["perm_p_wild_small"])
    ps = [kd.permutation_test(w, "y", "treated", post="post", unit="unit", n_permutations=1000,
                              seed=s).p_value for s in range(5)]
    assert np.mean(ps) == pytest.approx(ref, abs=0.03)
    assert len(set(ps)) > 1
    r = kd.permutation_test(w, "y", "treated", post="post", unit="unit", n_permutations=200,
                            seed=3)
    dist = r.permutation_distribution
    assert r.n_permutations == 200 and dist.shape == (200,)
    assert r.p_value == (1 + np.sum(np.abs(dist) >= abs(r.original_effect))) / 201
    assert r.se == pytest.approx(np.std(dist, ddof=1)) and abs(r.placebo_effect) < 3 * r.se


def test_permutation_threads_and_seed(basic, all_threads):
    def run(threads, seed=7):
        return kd.permutation_test(basic, "outcome", "treated", post="post", unit="unit",
                                   n_permutations=300, seed=seed, threads=threads)
    a, b = run(1), run(2)
    assert np.array_equal(a.permutation_distribution, b.permutation_distribution)
    assert not np.array_equal(a.permutation_distribution, run(1, seed=8).permutation_distribution)
    # each draw gives 50 of the 100 units the treatment: the mean ATT of the draws is near 0
    assert abs(a.placebo_effect) < 0.2


def test_run_all(basic):
    out = kd.run_all_placebo_tests(basic, "outcome", "treated", "post", "unit", pre_periods=[0],
                                   post_periods=[1], n_permutations=50, seed=1)
    assert set(out) == {"permutation", "leave_one_out"}
    assert isinstance(out["permutation"], kd.PlaceboTestResults)
    out = kd.run_all_placebo_tests(basic, "outcome", "treated", "time", "unit",
                                   pre_periods=[1, 2], post_periods=[3, 4], n_permutations=50,
                                   seed=1)
    _same(out["fake_timing_2"], REF["timing"])
    # every test runs (none is an error dictionary): post = time in post_periods, the post column
    perm = kd.permutation_test(basic, "outcome", "treated", post="post", unit="unit",
                               n_permutations=50, seed=1)
    assert np.array_equal(out["permutation"].permutation_distribution,
                          perm.permutation_distribution)
    loo = kd.leave_one_out_test(basic, "outcome", "treated", post="post", unit="unit")
    assert out["leave_one_out"].leave_one_out_effects == loo.leave_one_out_effects


def test_bad_input(basic):
    with pytest.raises(ValueError, match="test_type='fake'"):
        kd.run_placebo_test(basic, "outcome", "treated", "time", test_type="fake")
    with pytest.raises(ValueError, match="unit is required"):
        kd.run_placebo_test(basic, "outcome", "treated", "post", test_type="permutation")
    with pytest.raises(ValueError, match="must be a pre-treatment period"):
        kd.placebo_timing_test(basic, "outcome", "treated", "time", 3, post_periods=[3, 4])
    with pytest.raises(ValueError, match="fake_treatment_group is required"):
        kd.run_placebo_test(basic, "outcome", "treated", "time", unit="unit",
                            test_type="fake_group")
    with pytest.raises(ValueError, match="column 'nope' not found"):
        kd.permutation_test(basic, "outcome", "treated", post="post", unit="nope")
    with pytest.raises(ValueError, match="n_permutations=0"):
        kd.permutation_test(basic, "outcome", "treated", post="post", unit="unit",
                            n_permutations=0)
    with pytest.raises(Exception, match="post 'time' must be 0 or 1"):
        kd.leave_one_out_test(basic, "outcome", "treated", post="time", unit="unit")
