"""StackedDiD and TripleDifference: the stacked event study against R (stats::lm with the
corrective weights + clubSandwich CR1S; diff-diff's golden fixture, tests/data/did/
reference_stacked_did_golden.json) with unit and unit x sub-experiment clusters, anticipation and
sample-share weights; the corrective weights R's regression used; the triple difference against
R triplediff 0.2.4's ddd(panel = FALSE) for dr / reg / ipw with and without covariates
(reference_r_triplediff.json); identical numbers for 1 and 4 threads; diff-diff's argument and
attribute names; errors naming the argument at fault."""
import inspect
import json

import numpy as np
import pandas as pd
import pytest

from _kestrel import _core
from kestrel.did import (CallawaySantAnna, StackedDiD, StackedDiDResults, TripleDifference,
                         TripleDifferenceResults, stacked_did, triple_difference)

from conftest import DATA

PANEL = DATA / "did" / "stacked_small.csv"
GOLD = json.load(open(DATA / "did" / "reference_stacked_did_golden.json"))
DDD = DATA / "did" / "ddd_rcs.csv"
RDDD = json.load(open(DATA / "did" / "reference_r_triplediff.json"))
ARGS = ("outcome", "unit", "period", "first_treat")
pytestmark = pytest.mark.filterwarnings("ignore:trimmed")  # cohort 7 has no full window
VARIANTS = {"default": {}, "anticipation1": {"anticipation": 1},
            "sample_share": {"weighting": "sample_share"}}


@pytest.mark.parametrize("cluster", ["unit", "unit_subexp"])
@pytest.mark.parametrize("variant", list(VARIANTS))
def test_stacked_equals_r(variant, cluster):
    r = StackedDiD(kappa_pre=2, kappa_post=2, cluster=cluster,
                   **VARIANTS[variant]).fit(pd.read_csv(PANEL), *ARGS)
    ref = GOLD[variant][cluster]
    for h, b, s in zip(GOLD[variant]["event_times"], ref["coef_es"], ref["se_cr1_es"]):
        assert abs(r.event_study_effects[h]["effect"] - b) <= 1e-10
        assert r.event_study_effects[h]["se"] == pytest.approx(s, rel=1e-8)
    assert r.overall_se == pytest.approx(ref["se_overall_cr1"], rel=1e-8)
    post = [h for h in GOLD[variant]["event_times"] if h >= -r.anticipation]
    assert r.overall_att == pytest.approx(
        np.mean([r.event_study_effects[h]["effect"] for h in post]), abs=1e-12)
    assert r.event_study_effects[-1 - r.anticipation]["effect"] == 0.0


def test_stacked_weights_and_stack():
    r = StackedDiD(kappa_pre=2, kappa_post=2).fit(pd.read_csv(PANEL), *ARGS)
    s = r.stacked_data
    assert len(s) == r.n_stacked_obs == 325  # the fixture's stacked CSV has 325 rows
    assert r.groups == [3, 5] and r.trimmed_groups == [7]
    q = s.groupby(["_sub_exp", "_D_sa"])["_Q_weight"].unique()
    # the fixture's _Q_weight column (the weights R's regression was given)
    assert q[(3.0, 0)] == pytest.approx([0.768], abs=1e-15)
    assert q[(5.0, 0)] == pytest.approx([1.3866666666666667], abs=1e-15)
    assert list(q[(3.0, 1)]) == [1.0]
    assert set(s["_event_time"]) == {-2, -1, 0, 1, 2}
    assert r.event_study_vcov.shape == (4, 4)
    assert np.sqrt(np.diag(r.event_study_vcov)) == pytest.approx(
        [r.event_study_effects[h]["se"] for h in r.event_study_vcov_index], rel=1e-14)
    df = r.to_dataframe()
    assert list(df["relative_period"]) == [-2, -1, 0, 1, 2]
    assert "overall ATT" in str(r.summary())


def test_stacked_threads_identical():
    cols = {k: v.to_numpy() for k, v in pd.read_csv(PANEL).items()}
    a = _core.did_stacked(cols, *ARGS, kappa_pre=2, kappa_post=2, threads=1)
    b = _core.did_stacked(cols, *ARGS, kappa_pre=2, kappa_post=2, threads=4)
    for k in ("effect", "se", "vcov"):
        assert np.array_equal(a[k], b[k])
    assert (a["att"], a["att_se"]) == (b["att"], b["att_se"])


def ddd_data():
    return pd.read_csv(DDD)


COVS = ["cov1", "cov2", "cov3", "cov4"]


@pytest.mark.parametrize("method", ["dr", "reg", "ipw"])
@pytest.mark.parametrize("cov", [True, False])
def test_ddd_equals_r(method, cov):
    ref = RDDD[f"{method}_{'cov' if cov else 'nocov'}"]
    r = TripleDifference(estimation_method=method).fit(
        ddd_data(), "y", "group", "partition", "post", covariates=COVS if cov else None)
    assert abs(r.att - ref["att"]) <= 1e-8
    assert r.se == pytest.approx(ref["se"], rel=1e-6)
    assert r.conf_int[0] == pytest.approx(ref["lci"], rel=1e-6, abs=1e-8)
    assert r.conf_int[1] == pytest.approx(ref["uci"], rel=1e-6, abs=1e-8)
    d = r.did_components
    assert r.att == pytest.approx(d["treated_ineligible"] + d["control_eligible"]
                                  - d["control_ineligible"], abs=1e-12)


@pytest.mark.parametrize("method", ["dr", "ipw"])
def test_ddd_trims_controls_as_r(method):
    """ddd_trim.csv: in two comparisons one control's propensity score is in [0.995, 0.999);
    R triplediff gives it no weight (kestrel once kept it: ATT off by 0.22 (dr) and 1.98 (ipw);
    diff-diff clips to [0.01, 0.99] instead and differs too)."""
    ref = json.load(open(DATA / "did" / "reference_r_triplediff_trim.json"))[method]
    df = pd.read_csv(DATA / "did" / "ddd_trim.csv")
    r = TripleDifference(estimation_method=method).fit(df, "y", "group", "partition", "post",
                                                       covariates=["x"])
    assert abs(r.att - ref["att"]) <= 1e-8
    assert r.se == pytest.approx(ref["se"], rel=1e-6)


def test_ddd_cluster_and_threads():
    d = ddd_data()
    r = TripleDifference(cluster="cluster").fit(d, "y", "group", "partition", "post",
                                                covariates=COVS)
    g = d.groupby("cluster").ngroups
    s = pd.Series(r.influence_function).groupby(d["cluster"]).sum()
    assert r.se == pytest.approx(np.sqrt(g / (g - 1) * (s ** 2).sum()) / len(d), rel=1e-14)
    assert r.n_clusters == g
    cols = {k: v.to_numpy() for k, v in d.items()}
    a = _core.did_ddd(cols, "y", "group", "partition", "post", covariates=COVS, threads=1)
    b = _core.did_ddd(cols, "y", "group", "partition", "post", covariates=COVS, threads=4)
    assert (a["att"], a["se"]) == (b["att"], b["se"])
    assert np.array_equal(a["inf"], b["inf"])
    f = triple_difference(d, "y", "group", "partition", "post", covariates=COVS)
    assert f.att == r.att and f.n_obs == len(d)
    assert f.n_treated_eligible == int(((d.group == 1) & (d.partition == 1)).sum())
    assert set(f.group_means) == {f"{g}, {p}, {t}" for g in ("Treated", "Control")
                                  for p in ("Eligible", "Ineligible") for t in ("Pre", "Post")}


RCOL = json.load(open(DATA / "did" / "reference_r_triplediff_collinear.json"))
EXTRA = {"global": "cov5", "partition": "cov6", "near_drop": "cov7a", "near_keep": "cov7b"}


def _collinear_data():
    """ddd_rcs.csv with make_reference_triplediff_collinear.R's extra covariates."""
    d = ddd_data()
    d["cov5"] = d.cov1 + d.cov2
    d["cov6"] = np.where(d.group == d.partition, d.cov1, d.cov3)
    d["cov7a"] = d.cov1 + 1.40e-6 * np.sin(d.id)
    d["cov7b"] = d.cov1 + 1.45e-6 * np.sin(d.id)
    return d


@pytest.mark.parametrize("case", sorted(k for k in RCOL if k != "meta"))
def test_ddd_collinear_covariates_as_r(case):
    """R triplediff 0.2.4 drops covariates collinear over all rows (qr of [1, X], tol 1e-6) or
    within a comparison (qr of X on its rows) with a warning, and fits the rest: so does
    kestrel, naming the same covariates and comparisons, with R's ATT and SE (those of cov1 ..
    cov4 alone). near_*: 2% either side of the tolerance, where kestrel's Gram screening hands
    the decision to the QR (R keeps cov7b globally and drops it within two comparisons)."""
    kind, method = case.rsplit("_", 1)
    ref, extra = RCOL[case], EXTRA[kind]
    with pytest.warns(UserWarning) as rec:
        r = TripleDifference(estimation_method=method).fit(
            _collinear_data(), "y", "group", "partition", "post", covariates=COVS + [extra])
    said = " ".join(str(w.message) for w in rec if "dropped as collinear" in str(w.message))
    (rw,) = ref["warnings"]
    if "global" in rw:
        assert "collinear with the others" in said and said.endswith(": " + extra)
    else:
        assert "within a comparison" in said
        assert said.endswith(rw.split("- ", 1)[1])  # "cov6 (collinear in: subgroup 4 vs 1)"
    assert abs(r.att - ref["att"]) <= 1e-9
    assert r.se == pytest.approx(ref["se"], rel=1e-9)
    if method != "reg":
        assert all(e["k"] == 4 for e in r.epv_diagnostics.values())


def test_ddd_near_collinear_logit_converges():
    """cov1 + f sin(id) next to cov1 spans the same columns for every f != 0, so the ATT cannot
    depend on f. At f = 2e-6 (kept by R's 1e-6 test) the logit's Hessian has cond ~1e12 and its
    Newton steps never pass the 1e-13 step test: the fit stops on a score at rounding level,
    without a "did not converge" warning, with the well-conditioned f = 1e-2 fit's ATT (diff-diff
    3.13 agrees to 2e-11; R triplediff's fastglm is 7e-6 off, PROVENANCE.md)."""
    import warnings
    d = ddd_data()
    fit = lambda f: TripleDifference().fit(d.assign(c7=d.cov1 + f * np.sin(d.id)), "y", "group",
                                           "partition", "post", covariates=COVS + ["c7"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        near = fit(2e-6)
    assert near.att == pytest.approx(fit(1e-2).att, rel=1e-9)


def test_ddd_collinear_rank_deficient_action():
    """diff-diff's rank_deficient_action: 'error' refuses the collinear covariate, 'silent'
    drops it without a word (the numbers as with 'warn')."""
    d, covs = _collinear_data(), COVS + ["cov5"]
    fit = lambda a: TripleDifference(rank_deficient_action=a).fit(d, "y", "group", "partition",
                                                                  "post", covariates=covs)
    with pytest.raises(ValueError, match="cov5 .*rank_deficient_action='error'"):
        fit("error")
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        quiet = fit("silent")
    assert abs(quiet.att - RCOL["global_dr"]["att"]) <= 1e-9


def _ddd_small(d):
    """ddd_rcs.csv cut down: (a) the treated-eligible subgroup keeps 2 rows before and 2 after;
    (b) each treated subgroup keeps 3 rows after and 2 before (the treated group: 10 rows)."""
    g1 = d[d.group == 1]
    a = pd.concat([g1[g1.partition == 1].groupby("post").head(2), g1[g1.partition == 0],
                   d[d.group == 0]])
    five = pd.concat([g1[(g1.partition == p) & (g1.post == q)].head(3 if q else 2)
                      for p in (0, 1) for q in (1, 0)])
    return a, pd.concat([five, d[d.group == 0]])


def test_ddd_small_groups_stop_as_r():
    """R triplediff 0.2.4 stops on both (its preprocessing; PROVENANCE.md): a subgroup under 5
    rows ("Not enough observations in each subgroup"), and a group under covariates + 5 rows
    ("Either treatment or the comparison group ... is very small")."""
    d = ddd_data().assign(cov5=lambda x: x.cov1 * x.cov2, cov6=lambda x: x.cov3 ** 2)
    a, b = _ddd_small(d)
    with pytest.raises(ValueError, match="treated-eligible subgroup .* has 4 rows"):
        TripleDifference().fit(a, "y", "group", "partition", "post", covariates=["cov1"])
    six = COVS + ["cov5", "cov6"]
    with pytest.raises(ValueError, match=r"treated group \(group 1\) has 10 rows.*\(11\)"):
        TripleDifference().fit(b, "y", "group", "partition", "post", covariates=six)
    # at 5 covariates the group is large enough (10 >= 10); the fit then fails on the design, as
    # R's does (its "design matrix for control pre-treatment is singular")
    with pytest.raises(ValueError, match="fewer treated units before than covariates"):
        TripleDifference().fit(b, "y", "group", "partition", "post", covariates=six[:5])


def test_diff_diff_names():
    """diff-diff 3.13's constructor arguments (but its deprecated clean_control alias) and
    results fields, and the fit arguments."""
    st = set(inspect.signature(StackedDiD).parameters)
    assert {"kappa_pre", "kappa_post", "weighting", "control_group", "cluster", "alpha",
            "anticipation", "rank_deficient_action", "vcov_type", "balance",
            "df_convention"} <= st
    assert {"data", "outcome", "unit", "time", "first_treat", "population"} <= set(
        inspect.signature(StackedDiD.fit).parameters)
    r = StackedDiD(kappa_pre=2, kappa_post=2).fit(pd.read_csv(PANEL), *ARGS)
    for a in ("overall_att", "overall_se", "overall_t_stat", "overall_p_value",
              "overall_conf_int", "event_study_effects", "group_effects", "stacked_data",
              "groups", "trimmed_groups", "time_periods", "n_obs", "n_stacked_obs",
              "n_sub_experiments", "n_treated_units", "n_control_units", "kappa_pre",
              "kappa_post", "weighting", "control_group", "alpha", "anticipation", "vcov_type",
              "cluster_name", "n_clusters", "event_study_vcov", "event_study_vcov_index",
              "event_study_df", "df_convention", "inference_df", "is_significant",
              "significance_stars", "coef_var"):
        assert hasattr(r, a), a
    assert isinstance(r, StackedDiDResults)
    assert {"estimation_method", "robust", "cluster", "vcov_type", "alpha", "pscore_trim",
            "rank_deficient_action", "epv_threshold", "pscore_fallback"} <= set(
        inspect.signature(TripleDifference).parameters)
    t = TripleDifference().fit(ddd_data(), "y", "group", "partition", "post")
    assert isinstance(t, TripleDifferenceResults)
    for a in ("att", "se", "t_stat", "p_value", "conf_int", "n_obs", "n_treated_eligible",
              "n_treated_ineligible", "n_control_eligible", "n_control_ineligible",
              "estimation_method", "alpha", "group_means", "pscore_stats", "r_squared",
              "inference_method", "vcov_type", "cluster_name", "n_clusters"):
        assert hasattr(t, a), a
    assert stacked_did(pd.read_csv(PANEL), *ARGS, kappa_pre=2, kappa_post=2).overall_att == \
        r.overall_att


def test_errors_name_the_argument():
    d = pd.read_csv(PANEL)
    with pytest.raises(ValueError, match="weighting"):
        StackedDiD(weighting="bogus")
    with pytest.raises(ValueError, match="control_group"):
        StackedDiD(control_group="bogus")
    with pytest.raises(Exception, match="outcome: no column 'nope'"):
        StackedDiD().fit(d, "nope", "unit", "period", "first_treat")
    with pytest.raises(Exception, match="trimmed"):
        StackedDiD(kappa_pre=6, kappa_post=6).fit(d, *ARGS)
    with pytest.raises(ValueError, match="population"):
        StackedDiD(weighting="population").fit(d, *ARGS)
    x = ddd_data()
    with pytest.raises(Exception, match="group: row"):
        TripleDifference().fit(x, "y", "time", "partition", "post")
    with pytest.raises(Exception, match="covariates: no column 'nope'"):
        TripleDifference().fit(x, "y", "group", "partition", "post", covariates=["nope"])
    with pytest.raises(ValueError, match="estimation_method"):
        TripleDifference(estimation_method="bogus")


@pytest.mark.parametrize("method", ["dr", "ipw"])
def test_ddd_no_overlap_guard_as_r(method):
    """ddd_overlap.csv: in the comparison with the treated-ineligible subgroup 144 propensity
    scores are >= 0.999 (R did's guard, which kestrel's TripleDifference once applied, would
    stop), one control's is >= 0.995 and 18% are < 0.001. R triplediff caps, trims and only
    warns that many scores are below 0.001; so does kestrel, with R's ATT and SE."""
    ref = json.load(open(DATA / "did" / "reference_r_triplediff_overlap.json"))[method]
    df = pd.read_csv(DATA / "did" / "ddd_overlap.csv")
    with pytest.warns(UserWarning, match="treated-ineligible .* poor propensity score overlap: "
                      r"18\.0% of its rows have a propensity score < 0\.001"):
        r = TripleDifference(estimation_method=method).fit(df, "y", "group", "partition", "post",
                                                           covariates=["x"])
    assert any("18% of units have propensity score < 0.001" in w for w in ref["warnings"])
    assert abs(r.att - ref["att"]) <= 1e-8
    assert r.se == pytest.approx(ref["se"], rel=1e-6)


def test_cs_keeps_r_did_overlap_guard():
    """ddd_overlap.csv's treated subgroups as a two-period panel through CallawaySantAnna (R did):
    the ddd's field that turns the 0.999 guard off is the triple difference's only, so the cell
    is still NaN with R did's "overlap condition violated" for ipw and dr."""
    df = pd.read_csv(DATA / "did" / "ddd_overlap.csv")
    d = df[df.group == 1].reset_index(drop=True)
    p = pd.concat([pd.DataFrame({"id": d.index, "t": t, "y": d.y + t * d.partition, "x": d.x,
                                 "ft": np.where(d.partition == 1, 2, 0)}) for t in (1, 2)])
    for method in ("dr", "ipw"):
        with pytest.warns(UserWarning, match=r"ATT\(g=2, t=2\) is NaN: overlap condition "
                                             "violated"), \
                pytest.raises(Exception, match="every group-time effect is NaN"):
            CallawaySantAnna(estimation_method=method).fit(p, outcome="y", time="t", unit="id",
                                                           first_treat="ft", covariates=["x"])


def test_ddd_no_covariates_overlap():
    """Without covariates a comparison's propensity score is subgroup 4's share of its rows, and
    ipw and dr give the cell means' DiD, as reg does. A share >= 0.995 leaves that comparison no
    control with weight (R triplediff 0.2.4: ATT NaN on data(5)): an error naming it, whether or
    not it reaches R did's 0.999 (with 2 rows R's subgroup-size stop comes first); a share of 0.99 or more warns and counts the controls; a share
    < 0.001 gives R triplediff's warning (R: "100% of units have propensity score < 0.001")."""
    def data(counts):  # rows of each subgroup (g, p) and period
        cells = [(g, p, t, counts.get((g, p), 1000))
                 for g, p in ((1, 1), (1, 0), (0, 1), (0, 0)) for t in (0, 1)]
        a = np.array([(g, p, t) for g, p, t, k in cells for _ in range(k)])
        y = np.random.default_rng(3).standard_normal(len(a))
        return pd.DataFrame({"group": a[:, 0], "partition": a[:, 1], "post": a[:, 2], "y": y})
    fit = lambda d, m: TripleDifference(estimation_method=m).fit(d, "y", "group", "partition",
                                                                 "post")
    d = data({(0, 0): 5})  # share 2000 / 2010 >= 0.995
    for method in ("ipw", "dr"):
        with pytest.raises(Exception, match="control-ineligible .* no control units with "
                                            "positive weight"):
            fit(d, method)
    assert np.isfinite(fit(d, "reg").att)
    for method in ("ipw", "dr", "reg"):  # 2 rows: R's preprocessing stops before any fit
        with pytest.raises(Exception, match="control-ineligible subgroup .* has 2 rows; R "
                                            "triplediff needs at least 5"):
            fit(data({(0, 0): 1}), method)
    d = data({(0, 0): 10})
    with pytest.warns(UserWarning, match="^20 control observation"):  # 2000 / 2020 >= 0.99
        r = fit(d, "ipw")
    assert r.att == pytest.approx(fit(d, "reg").att, abs=1e-12)
    d = data({(1, 1): 5, (1, 0): 6000, (0, 1): 6000, (0, 0): 6000})  # shares 10 / 12010
    with pytest.warns(UserWarning, match=r"control-ineligible .* 100\.0% of its rows have a "
                                         r"propensity score < 0\.001"):
        r = fit(d, "dr")
    assert r.att == pytest.approx(fit(d, "reg").att, abs=1e-12)


DD = json.load(open(DATA / "did" / "reference_stacked_diff_diff.json"))


@pytest.mark.parametrize("case", ["strict", "never_treated", "population", "unbalanced",
                                  "k1_3_subexp", "empty_cell"])
def test_stacked_equals_diff_diff(case):
    """Variants outside the R fixture against diff-diff 3.13 (which equals R on the fixture):
    strict / never-treated controls, population weights, an unbalanced panel, kappa 1/3."""
    d = pd.read_csv(PANEL)
    d["pop"] = 100 + 7 * (d["unit"] % 13)
    if case == "unbalanced":
        d = d[(d["unit"] * 7 + d["period"]) % 11 != 0].reset_index(drop=True)
    if case == "empty_cell":  # the regression's path: a collinear interaction is NaN
        d = d[~(d["first_treat"].isin([3, 5]) & (d["period"] - d["first_treat"] == 2))]
        d = d.reset_index(drop=True)
    ref = DD[case]
    r = StackedDiD(**ref["kwargs"]).fit(d, *ARGS, **ref["fit_kwargs"])
    assert r.n_stacked_obs == ref["n_stacked_obs"]
    assert r.groups == ref["groups"] and r.trimmed_groups == ref["trimmed_groups"]
    for h, (b, s, p) in ref["event_study"].items():
        e = r.event_study_effects[int(h)]
        if np.isnan(b):
            assert np.isnan(e["effect"]) and np.isnan(e["se"])
            continue
        assert abs(e["effect"] - b) <= 1e-10
        assert e["se"] == pytest.approx(s, rel=1e-8, abs=1e-15)
        if np.isfinite(p):
            assert e["p_value"] == pytest.approx(p, rel=1e-6, abs=1e-300)
    if np.isnan(ref["overall_att"]):
        assert np.isnan(r.overall_att) and np.isnan(r.overall_se)
        return
    assert abs(r.overall_att - ref["overall_att"]) <= 1e-10
    assert r.overall_se == pytest.approx(ref["overall_se"], rel=1e-8)


def test_diff_diff_aliases_and_staggered_rejection():
    d = pd.read_csv(PANEL)
    with pytest.warns(FutureWarning, match="clean_control"):
        est = StackedDiD(kappa_pre=2, kappa_post=2, clean_control="never_treated")
    assert est.control_group == "never_treated" == est.clean_control
    with pytest.warns(FutureWarning, match="aggregate"):
        r = StackedDiD(kappa_pre=2, kappa_post=2).fit(d, *ARGS, aggregate="event_study")
    assert r.overall_att == StackedDiD(kappa_pre=2, kappa_post=2).fit(d, *ARGS).overall_att
    with pytest.raises(ValueError, match="cohort"):
        StackedDiD().fit(d, *ARGS, aggregate="group")
    with pytest.raises(NotImplementedError, match="staggered"):
        TripleDifference(n_bootstrap=99).fit(ddd_data(), "y", "group", "partition", "post")
    with pytest.raises(NotImplementedError, match="staggered"):
        TripleDifference().fit(ddd_data(), "y", partition="partition", unit="id",
                               first_treat="state")
    from kestrel.did import DDD, Stacked
    assert DDD is TripleDifference and Stacked is StackedDiD


def test_summary_at_another_alpha():
    """summary(alpha) recomputes the intervals at that level (the did results' rule): the
    stacked fit's t intervals with its degrees of freedom, the DDD's normal ones."""
    from scipy import stats

    r = StackedDiD().fit(pd.read_csv(PANEL), *ARGS)
    assert r.summary(0.05) == r.summary()
    lo, hi = r._at_alpha(0.10).overall_conf_int
    q = stats.t.ppf(0.95, r.inference_df) if r.inference_df else stats.norm.ppf(0.95)
    assert lo == pytest.approx(r.overall_att - q * r.overall_se, rel=1e-12)
    assert hi == pytest.approx(r.overall_att + q * r.overall_se, rel=1e-12)
    assert f"{lo:.6f}" in r.summary(0.10) and f"{lo:.6f}" not in r.summary()
    d = TripleDifference().fit(ddd_data(), "y", "group", "partition", "post")
    lo, hi = d._at_alpha(0.10).conf_int
    assert lo == pytest.approx(d.att - stats.norm.ppf(0.95) * d.se, rel=1e-12)
    assert f"{lo:.6f}" in d.summary(0.10)
