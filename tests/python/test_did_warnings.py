"""diff-diff's warnings and argument errors, scenario by scenario, on both packages: the
exception type (kestrel.KestrelError subclasses ValueError, so it counts as one) or the warning
categories whose message matches the scenario's pattern. Each row states both packages'
behaviour; where they differ the row says why kestrel deliberately does (diff-diff is wrong, or
kestrel follows R). The scenarios cover diff-diff 3.13's invalid-parameter ValueErrors of the
eleven estimators' constructors and fits, missing columns, rank deficiency, few bootstrap
draws, few clusters, staggered timing in TWFE, unbalanced panels and missing comparison groups.
Before this table's fixes kestrel matched 42 of the 59; now 54 (5 deliberate differences)."""
import re
import warnings

import numpy as np
import pandas as pd
import pytest

from kestrel import did as kd

dd = pytest.importorskip("diff_diff")


def _panel():
    rng = np.random.default_rng(0)
    n, T = 60, 6
    u = np.repeat(np.arange(n), T)
    t = np.tile(np.arange(1, T + 1), n)
    g = np.repeat(np.where(np.arange(n) < 20, 0, np.where(np.arange(n) < 40, 3, 5)), T)
    x = np.repeat(rng.normal(size=n), T)
    y = 1 + 0.5 * x + 0.1 * t + np.where((g > 0) & (t >= g), 2.0, 0) + rng.normal(size=n * T)
    return pd.DataFrame({"unit": u, "time": t, "y": y, "g": g, "x": x, "x2": 2 * x,
                         "cl": u % 4, "D": ((g > 0) & (t >= g)).astype(int),
                         "ever": (g > 0).astype(int), "post": (t >= 3).astype(int)})


P = _panel()
D2 = P[P.g != 5].copy()  # one adoption date: cohort 3 against the never treated
D2["treated"] = (D2.g == 3).astype(int)
ST = ("y", "unit", "time", "g")  # outcome, unit, time, first_treat


def did(M, **k):
    return M.DifferenceInDifferences(**k)


def outcome(fn, M, pattern):
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        try:
            fn(M)
        except Exception as e:  # noqa: BLE001 - the type is the outcome
            return "ValueError" if isinstance(e, ValueError) else type(e).__name__
    cats = sorted({c.category.__name__ for c in w if re.search(pattern, str(c.message), re.I)})
    return "+".join(cats) if cats else "ok"


# (scenario, call on a module, message pattern, diff-diff's outcome, kestrel's[, why they differ])
SCENARIOS = [
    ("did_alpha",
     lambda M: did(M, alpha=1.5).fit(D2, "y", "treated", "post"),
     "alpha", "ok", "ValueError",
     'diff-diff accepts alpha=1.5 (a meaningless interval); kestrel refuses it'),
    ("did_inference",
     lambda M: did(M, inference="bogus").fit(D2, "y", "treated", "post"),
     "inference", "ValueError", "ValueError"),
    ("did_boot_weights",
     lambda M: did(M, inference="wild_bootstrap", bootstrap_weights="bogus", cluster="cl").fit(D2, "y", "treated", "post"),
     "weight", "ValueError", "ValueError"),
    ("did_rank_action",
     lambda M: did(M, rank_deficient_action="bogus").fit(D2, "y", "treated", "post"),
     "rank", "ValueError", "ValueError"),
    ("did_wild_nboot1",
     lambda M: did(M, inference="wild_bootstrap", n_bootstrap=1, cluster="cl").fit(D2, "y", "treated", "post"),
     "bootstrap|replic", "ValueError", "ValueError"),
    ("did_missing_col",
     lambda M: did(M).fit(D2, "nope", "treated", "post"),
     "nope|missing|not found", "ValueError", "ValueError"),
    ("did_nonbinary_treat",
     lambda M: did(M).fit(D2.assign(treated=D2.treated * 2), "y", "treated", "post"),
     "treat|binary|0 and 1", "ValueError", "UserWarning",
     'kestrel fits the numeric treatment interaction (a well-defined regression) and warns that it is not a 2x2 effect'),
    ("did_collinear_cov",
     lambda M: did(M).fit(D2, "y", "treated", "post", covariates=["x", "x2"]),
     "collinear|rank", "UserWarning", "UserWarning"),
    ("did_few_clusters",
     lambda M: did(M, cluster="cl").fit(D2, "y", "treated", "post"),
     "cluster", "ok", "ok"),
    ("did_formula_no_interaction",
     lambda M: did(M).fit(D2, formula="y ~ treated + post"),
     "interaction|formula", "ValueError", "ValueError"),
    ("did_rank_error",
     lambda M: did(M, rank_deficient_action="error").fit(D2, "y", "treated", "post", covariates=["x", "x2"]),
     "collinear|rank", "ValueError", "ValueError"),
    ("twfe_staggered",
     lambda M: M.TwoWayFixedEffects().fit(P, "y", "D", "time", "unit"),
     "stagger|timing|cohort", "UserWarning", "UserWarning"),
    ("twfe_missing_unit",
     lambda M: M.TwoWayFixedEffects().fit(P, "y", "D", "time", "nope"),
     "nope|not found|missing", "ValueError", "ValueError"),
    ("twfe_collinear_cov",
     lambda M: M.TwoWayFixedEffects().fit(D2, "y", "treated", "post", "unit", covariates=["x", "x2"]),
     "collinear|rank|dropped", "UserWarning", "UserWarning"),
    ("mp_ref_missing",
     lambda M: M.MultiPeriodDiD().fit(D2, "y", "treated", "time", post_periods=[3, 4, 5, 6], reference_period=99),
     "reference", "ValueError", "ValueError"),
    ("mp_post_missing",
     lambda M: M.MultiPeriodDiD().fit(D2, "y", "treated", "time", post_periods=[99]),
     "post", "ValueError", "ValueError"),
    ("mp_wild",
     lambda M: M.MultiPeriodDiD(inference="wild_bootstrap").fit(D2, "y", "treated", "time", post_periods=[3, 4, 5, 6]),
     "wild|bootstrap", "UserWarning", "UserWarning"),
    ("cs_control_group",
     lambda M: M.CallawaySantAnna(control_group="bogus"),
     "control_group", "ValueError", "ValueError"),
    ("cs_method",
     lambda M: M.CallawaySantAnna(estimation_method="bogus").fit(P, *ST),
     "estimation_method|method", "ValueError", "ValueError"),
    ("cs_base_period",
     lambda M: M.CallawaySantAnna(base_period="bogus"),
     "base_period", "ValueError", "ValueError"),
    ("cs_boot_weights",
     lambda M: M.CallawaySantAnna(bootstrap_weights="bogus"),
     "bootstrap_weights", "ValueError", "ValueError"),
    ("cs_low_bootstrap",
     lambda M: M.CallawaySantAnna(n_bootstrap=50, seed=1).fit(P, *ST),
     "bootstrap", "ok", "ok"),
    ("cs_few_bootstrap",
     lambda M: M.CallawaySantAnna(n_bootstrap=20, seed=1).fit(P, *ST),
     "bootstrap", "UserWarning", "UserWarning"),
    ("sa_few_bootstrap",
     lambda M: M.SunAbraham(n_bootstrap=20, seed=1).fit(P, *ST),
     "bootstrap", "UserWarning", "UserWarning"),
    ("imp_few_bootstrap",
     lambda M: M.ImputationDiD(n_bootstrap=20, seed=1).fit(P, *ST),
     "bootstrap", "UserWarning", "UserWarning"),
    ("did_wild_few",
     lambda M: did(M, inference="wild_bootstrap", n_bootstrap=20, cluster="cl", seed=1).fit(D2, "y", "treated", "post"),
     "bootstrap|draws", "UserWarning", "UserWarning"),
    ("cs_no_never_treated",
     lambda M: M.CallawaySantAnna().fit(P[P.g > 0], *ST),
     "never", "ValueError", "UserWarning",
     "R did (kestrel's reference) takes the last-treated cohort as the never-treated comparison, with a warning"),
    ("cs_collinear_cov",
     lambda M: M.CallawaySantAnna(estimation_method="reg").fit(P, *ST, covariates=["x", "x2"]),
     "collinear|rank", "UserWarning", "UserWarning"),
    ("cs_missing_col",
     lambda M: M.CallawaySantAnna().fit(P, "nope", "unit", "time", "g"),
     "nope|missing", "ValueError", "ValueError"),
    ("cs_unbalanced",
     lambda M: M.CallawaySantAnna().fit(P.iloc[1:], *ST),
     "unbalanced|missing in some|balanced", "UserWarning", "UserWarning"),
    ("cs_pscore_fallback",
     lambda M: M.CallawaySantAnna(pscore_fallback="bogus"),
     "pscore_fallback", "ValueError", "ValueError"),
    ("cs_epv",
     lambda M: M.CallawaySantAnna(epv_threshold=0),
     "epv", "ValueError", "ValueError"),
    ("cs_anticipation",
     lambda M: M.CallawaySantAnna(anticipation=-1).fit(P, *ST),
     "anticipation", "ValueError", "ValueError"),
    ("sa_control_group",
     lambda M: M.SunAbraham(control_group="bogus"),
     "control_group", "ValueError", "ValueError"),
    ("sa_low_bootstrap",
     lambda M: M.SunAbraham(n_bootstrap=50, seed=1).fit(P, *ST),
     "n_bootstrap|bootstrap", "ok", "ok"),
    ("sa_rank_action",
     lambda M: M.SunAbraham(rank_deficient_action="bogus"),
     "rank", "ValueError", "ValueError"),
    ("sa_no_treated",
     lambda M: M.SunAbraham().fit(P[P.g == 0], *ST),
     "treated", "ValueError", "ValueError"),
    ("sa_no_never",
     lambda M: M.SunAbraham().fit(P[P.g > 0], *ST),
     "never", "ValueError", "ValueError"),
    ("sdid_variance",
     lambda M: M.SyntheticDiD(variance_method="bogus").fit(D2, "y", "ever", "unit", "time", post_periods=[3, 4, 5, 6]),
     "variance", "ValueError", "ValueError"),
    ("sdid_nboot1",
     lambda M: M.SyntheticDiD(n_bootstrap=1).fit(D2, "y", "ever", "unit", "time", post_periods=[3, 4, 5, 6]),
     "bootstrap|replic", "ValueError", "ValueError"),
    ("sdid_unbalanced",
     lambda M: M.SyntheticDiD().fit(D2.iloc[1:], "y", "ever", "unit", "time", post_periods=[3, 4, 5, 6]),
     "balanced", "ValueError", "ValueError"),
    ("sdid_no_treated",
     lambda M: M.SyntheticDiD().fit(D2.assign(ever=0), "y", "ever", "unit", "time", post_periods=[3, 4, 5, 6]),
     "treated", "ValueError", "ValueError"),
    ("sdid_post_missing",
     lambda M: M.SyntheticDiD().fit(D2, "y", "ever", "unit", "time", post_periods=[99]),
     "post", "ValueError", "ValueError"),
    ("bacon_weights",
     lambda M: M.BaconDecomposition(weights="bogus"),
     "weights", "ValueError", "ValueError"),
    ("bacon_unbalanced",
     lambda M: M.BaconDecomposition().fit(P.iloc[1:], "y", "unit", "time", "g"),
     "balanced", "UserWarning", "ValueError",
     "Goodman-Bacon's decomposition (R bacondecomp) needs a balanced panel; diff-diff warns and decomposes anyway"),
    ("bacon_missing",
     lambda M: M.BaconDecomposition().fit(P, "nope", "unit", "time", "g"),
     "nope|missing", "ValueError", "ValueError"),
    ("imp_boot_weights",
     lambda M: M.ImputationDiD(bootstrap_weights="bogus"),
     "bootstrap_weights", "ValueError", "ValueError"),
    ("imp_aux_partition",
     lambda M: M.ImputationDiD(aux_partition="bogus"),
     "aux_partition", "ValueError", "ValueError"),
    ("imp_no_treated",
     lambda M: M.ImputationDiD().fit(P[P.g == 0], *ST),
     "treated", "ValueError", "ValueError"),
    ("imp_rank_action",
     lambda M: M.ImputationDiD(rank_deficient_action="bogus"),
     "rank", "ValueError", "ValueError"),
    ("ts_rank_action",
     lambda M: M.TwoStageDiD(rank_deficient_action="bogus"),
     "rank", "ValueError", "ValueError"),
    ("ts_missing_cluster",
     lambda M: M.TwoStageDiD(cluster="nope").fit(P, *ST),
     "nope|cluster", "ValueError", "ValueError"),
    ("ts_no_treated",
     lambda M: M.TwoStageDiD().fit(P[P.g == 0], *ST),
     "treated", "ValueError", "ValueError"),
    ("stk_weighting",
     lambda M: M.StackedDiD(weighting="bogus"),
     "weighting", "ValueError", "ValueError"),
    ("stk_clean_control",
     lambda M: M.StackedDiD(clean_control="bogus"),
     "clean_control", "ValueError", "ValueError"),
    ("stk_kappa",
     lambda M: M.StackedDiD(kappa_pre=-1),
     "kappa", "ok", "ValueError",
     'diff-diff accepts kappa_pre=-1 (a negative event window); kestrel refuses it'),
    ("ddd_method",
     lambda M: M.TripleDifference(estimation_method="bogus"),
     "estimation_method", "ValueError", "ValueError"),
    ("ddd_nonbinary",
     lambda M: M.TripleDifference().fit(P.assign(grp=P.g), "y", "grp", "ever", "post"),
     "0 and 1|binary|grp", "ValueError", "ValueError"),
    ("ddd_missing",
     lambda M: M.TripleDifference().fit(P, "nope", "ever", "ever", "post"),
     "nope|missing|not found", "ValueError", "ValueError"),
]


@pytest.mark.parametrize("row", SCENARIOS, ids=[r[0] for r in SCENARIOS])
def test_scenario(row):
    sid, fn, pattern, want_dd, want_kd = row[:5]
    assert outcome(fn, dd, pattern) == want_dd, "diff-diff's behaviour changed"
    assert outcome(fn, kd, pattern) == want_kd
    assert (want_dd == want_kd) == (len(row) == 5), "a difference must say why"


def test_counts():
    same = sum(r[3] == r[4] for r in SCENARIOS)
    assert (len(SCENARIOS), same) == (59, 54)
