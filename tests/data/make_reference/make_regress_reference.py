#!/usr/bin/env python3
"""Generate kestrel's regression parity fixtures and their reference values.

Writes (relative to tests/data/):
  regress_ols.csv          n=600 cross-section, unbalanced clusters g (incl. one
                           singleton cluster) and a crossing cluster h
  regress_fe.csv           n=2000 unbalanced panel-like data with unit / time /
                           firm fixed effects (incl. singleton units)
  regress_reference.json   reference estimates from statsmodels and pyfixest,
                           plus cross-checks and the R fixest numbers for
                           shared/data/did/bench_small/basic_small.csv

Run:  python3 tests/data/make_reference/make_regress_reference.py
The data are fully determined by the seeds below (numpy default_rng / PCG64).
References are computed from the CSV files as re-read from disk (round-trip
float parsing), i.e. from exactly the numbers kestrel will read.
"""

from __future__ import annotations

import json
import os
import platform
import re
import sys
import warnings
from pathlib import Path

# pyfixest 0.60.0 builds its fixed-effect columns from a Python set of FE
# names, so their order (and thus the MAP projection order, i.e. the last
# bits of the results) depends on string hash randomisation.  Re-run under a
# fixed hash seed so the output is byte-reproducible (an explicitly set
# PYTHONHASHSEED is respected).  See also fix_pyfixest_nested_fe() below.
if "PYTHONHASHSEED" not in os.environ:
    os.environ["PYTHONHASHSEED"] = "0"
    os.execv(sys.executable, [sys.executable, *sys.argv])

import numpy as np
import pandas as pd
import pyfixest as pf
from pyfixest.estimation import detect_singletons
import statsmodels
import statsmodels.api as sm
import statsmodels.formula.api as smf

SEED_OLS = 20250101
SEED_FE = 20250102

HERE = Path(__file__).resolve().parent
DATA = HERE.parent  # tests/data
REPO = DATA.parent.parent
DID_CSV = REPO / "data" / "basic_small.csv"

# pyfixest demeaning: alternating projections (MAP, rust backend -- the
# default algorithm) with a much tighter tolerance than the 1e-6 default.
FIXEF_TOL = 1e-14
FIXEF_MAXITER = 1_000_000
DEMEANER = pf.MapDemeaner(fixef_tol=FIXEF_TOL, fixef_maxiter=FIXEF_MAXITER)

FLOAT_FMT = "%.17g"


# --------------------------------------------------------------------------
# data generation
# --------------------------------------------------------------------------
def _adjust_sizes(rng, sizes, target, lo, hi):
    """Randomly nudge sizes by +-1 (within [lo, hi]) until they sum to target."""
    sizes = np.array(sizes, dtype=np.int64)
    while sizes.sum() != target:
        i = rng.integers(0, sizes.size)
        step = 1 if sizes.sum() < target else -1
        if lo <= sizes[i] + step <= hi:
            sizes[i] += step
    return sizes


def make_ols_data() -> pd.DataFrame:
    rng = np.random.default_rng(SEED_OLS)
    n, n_groups = 600, 40
    # one singleton cluster, three 2-row clusters, three 40-row clusters,
    # the other 33 clusters between 3 and 39 rows
    fixed = np.array([1, 2, 2, 2, 40, 40, 40])
    rest = rng.integers(3, 40, size=n_groups - fixed.size)
    rest = _adjust_sizes(rng, rest, n - fixed.sum(), 3, 39)
    sizes = np.concatenate([fixed, rest])
    labels = rng.permutation(n_groups) + 1  # cluster ids 1..40, shuffled
    g = np.repeat(labels, sizes)
    perm = rng.permutation(n)
    g = g[perm]  # rows in random order (clusters not contiguous)

    u_g = rng.normal(0.0, 0.8, size=n_groups + 1)  # indexed by label
    x1 = rng.normal(size=n) + 0.5 * u_g[g]
    x2 = 0.4 * x1 + rng.normal(size=n)
    x3 = rng.gamma(2.0, 5.0, size=n)  # mean 10: different scale
    h = rng.integers(1, 16, size=n)  # 15 levels, crosses g
    eps = rng.normal(size=n) * (0.5 + 0.5 * np.abs(x1))  # heteroskedastic
    y = 1.0 + 0.5 * x1 - 0.3 * x2 + 0.1 * x3 + u_g[g] + eps
    w = rng.uniform(0.5, 2.0, size=n)

    df = pd.DataFrame({"y": y, "x1": x1, "x2": x2, "x3": x3, "w": w,
                       "g": g.astype(np.int64), "h": h.astype(np.int64)})
    cnt = df["g"].value_counts()
    assert df["g"].nunique() == 40 and df["h"].nunique() == 15
    assert (cnt == 1).sum() == 1 and (cnt == 2).sum() >= 1 and cnt.max() == 40
    return df


def make_fe_data() -> pd.DataFrame:
    rng = np.random.default_rng(SEED_FE)
    n, n_units, n_firms, n_times, n_single = 2000, 150, 30, 12, 4
    rest = rng.integers(2, 26, size=n_units - n_single)
    rest = _adjust_sizes(rng, rest, n - n_single, 2, 30)
    sizes = np.concatenate([np.ones(n_single, dtype=np.int64), rest])
    unit_labels = rng.permutation(n_units) + 1  # unit ids 1..150
    unit = np.repeat(unit_labels, sizes)

    home_firm = rng.integers(0, n_firms, size=n_units + 1)  # by unit label
    mover = rng.uniform(size=n) < 0.3
    firm_idx = np.where(mover, rng.integers(0, n_firms, size=n), home_firm[unit])
    time = rng.integers(1, n_times + 1, size=n)

    alpha = rng.normal(0.0, 1.0, size=n_units + 1)
    gamma = rng.normal(0.0, 0.5, size=n_times + 1)
    phi = rng.normal(0.0, 0.7, size=n_firms)
    x1 = 0.6 * alpha[unit] + 0.3 * gamma[time] + rng.normal(size=n)
    x2 = 0.4 * phi[firm_idx] + rng.normal(size=n)
    eps = rng.normal(size=n) * (0.7 + 0.3 * np.abs(x2))
    y = 0.7 * x1 - 0.2 * x2 + alpha[unit] + gamma[time] + phi[firm_idx] + eps
    w = rng.uniform(0.5, 2.0, size=n)

    df = pd.DataFrame({
        "y": y, "x1": x1, "x2": x2, "w": w,
        "unit": unit.astype(np.int64),
        "firm": np.array([f"f{i + 1:02d}" for i in firm_idx]),
        "time": time.astype(np.int64),
    })
    df = df.iloc[rng.permutation(n)].reset_index(drop=True)
    assert df["unit"].nunique() == n_units
    assert df["firm"].nunique() == n_firms and df["time"].nunique() == n_times
    assert (df["unit"].value_counts() == 1).sum() == n_single
    return df


def write_and_reread(df: pd.DataFrame, path: Path) -> pd.DataFrame:
    df.to_csv(path, index=False, float_format=FLOAT_FMT, lineterminator="\n")
    # pandas >= 3 parses floats round-trip exactly by default (float_precision
    # is deprecated); the assertion below verifies it.
    back = pd.read_csv(path, dtype={"firm": str} if "firm" in df else None)
    for c in df.columns:  # %.17g + exact parsing round-trips
        assert (back[c].to_numpy() == df[c].to_numpy()).all(), c
    return back


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------
def fl(x) -> float:
    return float(x)


def named(names, values) -> dict:
    return {str(k): fl(v) for k, v in zip(names, values)}


def max_rel(a, b) -> float:
    a, b = np.asarray(a, float), np.asarray(b, float)
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-300)))


def crv_meat(scores, cl):
    _, idx = np.unique(cl, return_inverse=True)
    S = np.zeros((idx.max() + 1, scores.shape[1]))
    np.add.at(S, idx, scores)
    return S.T @ S, idx.max() + 1


def sandwich_crv1(Xt, u, w, clusters, K):
    """fixest-style CRV1 on (demeaned) regressors Xt, residuals u, weights w.

    One-way or multiway (V = sum over non-empty subsets with alternating
    signs); every term scaled by (N-1)/(N-K) * Gmin/(Gmin-1) (pyfixest
    ssc G_df='min')."""
    N = Xt.shape[0]
    sw = np.ones(N) if w is None else w
    bread = np.linalg.inv(Xt.T @ (sw[:, None] * Xt))
    scores = Xt * (sw * u)[:, None]
    cols = [np.asarray(c) for c in clusters]
    Gs = [np.unique(c).size for c in cols]
    Gmin = min(Gs)
    adj = (N - 1) / (N - K) * Gmin / (Gmin - 1)
    if len(cols) == 1:
        terms = [(1, cols[0])]
    elif len(cols) == 2:
        inter = pd.factorize(pd.Series(list(zip(cols[0], cols[1]))))[0]
        terms = [(1, cols[0]), (1, cols[1]), (-1, inter)]
    else:
        raise NotImplementedError
    V = np.zeros((Xt.shape[1],) * 2)
    for sign, c in terms:
        meat, _ = crv_meat(scores, c)
        V += sign * adj * (bread @ meat @ bread)
    return V, Gs


# --------------------------------------------------------------------------
# statsmodels
# --------------------------------------------------------------------------
SM_CLUSTER_OPTS = {"use_correction": True, "df_correction": True}


def sm_case(df, data_name, formula, vcov, weights, case_id):
    model = (smf.wls(formula, data=df, weights=df[weights]) if weights
             else smf.ols(formula, data=df))
    if vcov == "iid":
        res = model.fit()
        vdesc = {"cov_type": "nonrobust"}
    elif vcov in ("HC0", "HC1", "HC2", "HC3"):
        res = model.fit(cov_type=vcov)
        vdesc = {"cov_type": vcov}
    elif vcov.startswith("cluster:"):
        cv = vcov.split(":", 1)[1]
        res = model.fit(cov_type="cluster",
                        cov_kwds={"groups": df[cv].to_numpy(), **SM_CLUSTER_OPTS})
        vdesc = {"cov_type": "cluster", "groups": cv, **SM_CLUSTER_OPTS,
                 "G": int(df[cv].nunique()),
                 "correction": "G/(G-1) * (N-1)/(N-K)"}
    else:
        raise ValueError(vcov)
    # cross-check the default pinv solve against a QR solve
    res_qr = model.fit(method="qr")
    names = list(res.params.index)
    case = {
        "id": case_id, "data": data_name, "formula": formula,
        "vcov": vcov if not vcov.startswith("cluster:") else {"CRV1": vcov.split(":")[1]},
        "weights": weights, "weights_type": "analytic (WLS, 1/variance)" if weights else None,
        "fixef": None,
        "tool": f"statsmodels {statsmodels.__version__}",
        "tool_options": {"fit_method": "pinv (default)", **vdesc},
        "nobs": int(res.nobs), "n_singletons_dropped": 0,
        "coef_names": names,
        "coef": named(names, res.params.to_numpy()),
        "se": named(names, res.bse.to_numpy()),
        "vcov_matrix": np.asarray(res.cov_params()).tolist(),
        "r2": fl(res.rsquared), "adj_r2": fl(res.rsquared_adj), "r2_within": None,
        "ssr": fl(res.ssr), "df_resid": fl(res.df_resid),
        "crosscheck_qr_vs_pinv_coef_max_rel_diff": max_rel(res_qr.params, res.params),
    }
    return case, res


# --------------------------------------------------------------------------
# pyfixest
# --------------------------------------------------------------------------
PF_SSC = pf.ssc()  # library defaults, recorded verbatim


def vcov_label(v):
    return v if isinstance(v, str) else dict(v)


def pf_fit(df, formula, vcov, weights=None):
    with warnings.catch_warnings(record=True) as wlist:
        warnings.simplefilter("always")
        fit = pf.feols(formula, data=df, vcov=vcov, weights=weights,
                       fixef_rm="singleton", demeaner=DEMEANER, ssc=pf.ssc())
    msgs = [str(w.message) for w in wlist]
    return fit, msgs


def count_singletons(df, fe_cols):
    if not fe_cols:
        return 0
    fe = np.column_stack([pd.factorize(df[c])[0] for c in fe_cols]).astype(np.uintp)
    return int(detect_singletons(fe).sum())


def fixest_K(d, n_slopes, fe_cols, cluster_cols):
    """K of fixest's (N-1)/(N-K) for CRV with ssc K.fixef='nonnested'
    (pyfixest k_fixef='nonnested'): slopes + FE dof (sum(levels) - (n_fe-1)),
    minus the levels of every FE nested in some cluster variable, plus one
    per such nested FE."""
    if not fe_cols:
        return n_slopes, []
    sizes = {c: d[c].nunique() for c in fe_cols}
    nested = [c for c in fe_cols
              if any(c == cv or (d.groupby(c)[cv].nunique() == 1).all()
                     for cv in cluster_cols)]
    K = (n_slopes + sum(sizes.values()) - (len(fe_cols) - 1)
         - sum(sizes[c] for c in nested) + len(nested))
    return K, nested


def fix_pyfixest_nested_fe(fit, fe_cols, vcov):
    """Guard against a pyfixest 0.60.0 bug in the nested-FE count.

    Feols.vcov() (CRV, ssc k_fixef='nonnested') flags nested FEs by pairing
    the FE names in formula order (fit._fixef.split('+')) with the columns of
    fit._fe / fit._k_fe, whose order comes from a Python set (hash
    dependent).  When a name matches a cluster variable exactly (formula
    written without spaces, e.g. '|unit+time'), the flag is set by position
    in the wrong order and df_k (hence (N-1)/(N-K)) can be wrong.  With
    spaces ('| unit + time') the names are ' time ' etc., never match, and
    nestedness is tested on the data column by column -- consistent and
    correct.  This guard puts fit._fe / fit._k_fe in formula order and
    recomputes the vcov, so the result is right either way; pf_case() then
    asserts df_k against an independent computation.  Returns a record."""
    actual = [re.fullmatch(r"__fixed_effect__\((.*)\)", c).group(1)
              for c in fit._fe.columns]
    rec = {"fe_column_order_in_pyfixest": actual, "applied": False}
    if actual != fe_cols and fit._is_clustered:
        rec.update(applied=True, df_k_before=int(fit._df_k),
                   se_before=named(fit._coefnames, fit._se))
        order = [f"__fixed_effect__({c})" for c in fe_cols]
        fit._fe = fit._fe[order]
        fit._k_fe = fit._k_fe[order]
        fit.vcov(vcov)
        rec["df_k_after"] = int(fit._df_k)
    return rec


def pf_case(df, data_name, formula, vcov, weights, case_id, notes=None):
    fit, msgs = pf_fit(df, formula, vcov, weights)
    fe_cols = [] if "|" not in formula else [s.strip() for s in formula.split("|")[1].split("+")]
    n_single = count_singletons(df, fe_cols)
    assert fit._N == len(df) - n_single
    fe_fix = fix_pyfixest_nested_fe(fit, fe_cols, vcov) if fe_cols else None
    if fit._is_clustered and fe_cols:
        d = df.loc[fit._data.index]
        K, _ = fixest_K(d, fit._k, fe_cols, list(vcov.values())[0].split("+"))
        assert int(fit._df_k) == K, (case_id, fit._df_k, K)
    names = list(fit._coefnames)
    r2w = getattr(fit, "_r2_within", None)
    case = {
        "id": case_id, "data": data_name, "formula": formula,
        "vcov": vcov_label(vcov), "weights": weights,
        "weights_type": "aweights" if weights else None,
        "fixef": fe_cols or None,
        "tool": f"pyfixest {pf.__version__}",
        "tool_options": {
            "fixef_rm": "singleton",
            "demeaner": {"type": "MapDemeaner", "backend": DEMEANER.backend,
                         "fixef_tol": FIXEF_TOL, "fixef_maxiter": FIXEF_MAXITER},
            "ssc": dict(PF_SSC),
            "ssc_factor": [fl(s) for s in np.ravel(fit._ssc)],
            "df_k": int(fit._df_k),
            "df_t": fl(fit._df_t),
            "G": [int(x) for x in np.ravel(fit._G)] if fit._is_clustered else None,
        },
        "nobs": int(fit._N), "n_singletons_dropped": n_single,
        "coef_names": names,
        "coef": named(names, fit._beta_hat),
        "se": named(names, fit._se),
        "vcov_matrix": np.asarray(fit._vcov).tolist(),
        "r2": fl(fit._r2), "adj_r2": fl(fit._adj_r2),
        "r2_within": None if (r2w is None or not fe_cols) else fl(r2w),
        "ssr": fl(np.sum(np.ravel(fit._u_hat) ** 2)),  # weighted (sqrt(w)-scaled residuals)
        "df_resid": fl(fit._N - fit._k - (0 if not fe_cols else
                        int(np.sum(fit._k_fe)) - (len(fe_cols) - 1))),
    }
    if fe_fix is not None:
        case["pyfixest_nested_fe_workaround"] = fe_fix
    if notes:
        case["notes"] = notes
    relevant = [m for m in msgs if "deprecat" not in m.lower()]
    if relevant:
        case["pyfixest_messages"] = relevant
    return case, fit


# --------------------------------------------------------------------------
# dummy-variable cross-check for FE models
# --------------------------------------------------------------------------
def dummy_crosscheck(df, fe_cols, weights, fit, vcov):
    """Refit with explicit dummies (statsmodels), compare coefficients and the
    SEs (iid / hetero from statsmodels directly; CRV1 computed with numpy
    using fixest's small-sample rules)."""
    # explicit sample: drop singletons exactly as pyfixest did
    fe = np.column_stack([pd.factorize(df[c])[0] for c in fe_cols]).astype(np.uintp)
    sing = detect_singletons(fe)
    d = df.loc[~sing].reset_index(drop=True)
    assert len(d) == fit._N

    rhs = " + ".join(["x1", "x2"] + [f"C({c})" for c in fe_cols])
    f = f"y ~ {rhs}"
    model = (smf.wls(f, data=d, weights=d[weights]) if weights else smf.ols(f, data=d))
    out = {"formula": f, "tool": f"statsmodels {statsmodels.__version__}", "nobs": len(d)}
    names = ["x1", "x2"]

    res = model.fit(method="qr")
    rank = int(np.linalg.matrix_rank(model.exog))
    out["dummy_rank"] = rank
    out["dummy_ncols"] = int(model.exog.shape[1])
    beta_pf = np.array([fit.coef()[n] for n in names])
    out["crosscheck_dummy_max_rel_diff"] = max_rel(beta_pf, res.params[names])

    # residualised regressors (exact projection, lstsq on the dummy block)
    X = model.exog
    xi = [list(model.exog_names).index(n) for n in names]
    D = np.delete(X, xi, axis=1)
    sw = np.ones(len(d)) if weights is None else d[weights].to_numpy()
    r = np.sqrt(sw)
    Xs = X[:, xi]
    coefD, *_ = np.linalg.lstsq(r[:, None] * D, r[:, None] * Xs, rcond=None)
    Xt = Xs - D @ coefD
    u = model.endog - X @ np.asarray(res.params)

    se_pf = np.array([fit.se()[n] for n in names])
    if vcov == "iid":
        se_ref = res.bse[names].to_numpy()
        out["se_source"] = "statsmodels nonrobust on dummy regression (sigma2 = SSR/(N-rank))"
    elif vcov == "hetero":
        se_ref = model.fit(method="qr", cov_type="HC1").bse[names].to_numpy()
        out["se_source"] = "statsmodels HC1 on dummy regression (N/(N-rank))"
    else:
        cl = list(vcov.values())[0].split("+")
        K, nested = fixest_K(d, 2, fe_cols, cl)
        V, Gs = sandwich_crv1(Xt, u, None if weights is None else sw,
                              [d[c].to_numpy() for c in cl], K)
        se_ref = np.sqrt(np.diag(V))
        out["se_source"] = ("numpy CRV1 on dummy-regression residuals: "
                            "(N-1)/(N-K) * Gmin/(Gmin-1), multiway V1+V2-V12")
        out["K_used"] = K
        out["nested_fe"] = nested
        out["G"] = Gs
    out["crosscheck_se_max_rel_diff"] = max_rel(se_pf, se_ref)
    out["se_recomputed"] = named(names, se_ref)
    return out


# --------------------------------------------------------------------------
def main():
    ols_df = write_and_reread(make_ols_data(), DATA / "regress_ols.csv")
    fe_df = write_and_reread(make_fe_data(), DATA / "regress_fe.csv")

    cases = []
    crosschecks = []

    # ---- statsmodels on regress_ols.csv ----------------------------------
    F = "y ~ x1 + x2 + x3"
    sm_res = {}
    for v in ["iid", "HC1", "HC2", "HC3", "cluster:g"]:
        cid = f"sm_ols_{v.replace('cluster:', 'cl_')}"
        c, r = sm_case(ols_df, "regress_ols.csv", F, v, None, cid)
        cases.append(c)
        sm_res[("ols", v)] = c
    for v in ["iid", "HC1", "cluster:g"]:
        cid = f"sm_wls_{v.replace('cluster:', 'cl_')}"
        c, r = sm_case(ols_df, "regress_ols.csv", F, v, "w", cid)
        cases.append(c)
        sm_res[("wls", v)] = c

    # ---- pyfixest on regress_ols.csv -------------------------------------
    pf_ols = {}
    for v, tag, note in [
        ("iid", "iid", None),
        ("hetero", "hetero", "pyfixest 'hetero' == HC1: N/(N-K) scaling"),
        ("HC2", "HC2", "pyfixest HC2 includes the extra factor N/(N-K) "
                       "(statsmodels HC2 does not)"),
        ("HC3", "HC3", "pyfixest HC3 includes the extra factor N/(N-K) "
                       "(statsmodels HC3 does not)"),
        ({"CRV1": "g"}, "crv1_g", None),
        ({"CRV1": "g+h"}, "crv1_g_h", "two-way: V_g + V_h - V_(g,h), every term "
                                      "scaled by Gmin/(Gmin-1)*(N-1)/(N-K), Gmin=min(G_g,G_h)"),
    ]:
        c, fit = pf_case(ols_df, "regress_ols.csv", F, v, None, f"pf_ols_{tag}", note)
        cases.append(c)
        pf_ols[tag] = (c, fit)

    # pyfixest vs statsmodels on the no-FE model
    def cmp(pfc, smc, label, factor=1.0):
        crosschecks.append({
            "what": label,
            "coef_max_rel_diff": max_rel(list(pfc["coef"].values()), list(smc["coef"].values())),
            "se_max_rel_diff": max_rel(np.array(list(pfc["se"].values())),
                                       np.sqrt(factor) * np.array(list(smc["se"].values()))),
        })
    n, k = len(ols_df), 4
    cmp(pf_ols["iid"][0], sm_res[("ols", "iid")], "pf_ols_iid vs sm_ols_iid")
    cmp(pf_ols["hetero"][0], sm_res[("ols", "HC1")], "pf_ols_hetero vs sm_ols_HC1")
    cmp(pf_ols["HC2"][0], sm_res[("ols", "HC2")],
        "pf_ols_HC2 vs sm_ols_HC2 * N/(N-K) (variance scale)", n / (n - k))
    cmp(pf_ols["HC3"][0], sm_res[("ols", "HC3")],
        "pf_ols_HC3 vs sm_ols_HC3 * N/(N-K) (variance scale)", n / (n - k))
    cmp(pf_ols["crv1_g"][0], sm_res[("ols", "cluster:g")], "pf_ols_crv1_g vs sm_ols_cl_g")
    # two-way: recompute with numpy
    fit = pf_ols["crv1_g_h"][1]
    Xo = np.column_stack([np.ones(n), ols_df[["x1", "x2", "x3"]].to_numpy()])
    uo = ols_df["y"].to_numpy() - Xo @ fit._beta_hat
    V2, _ = sandwich_crv1(Xo, uo, None, [ols_df["g"].to_numpy(), ols_df["h"].to_numpy()], k)
    crosschecks.append({"what": "pf_ols_crv1_g_h vs numpy two-way CRV1 (min-G)",
                        "se_max_rel_diff": max_rel(fit._se, np.sqrt(np.diag(V2)))})
    # pyfixest WLS vs statsmodels WLS
    for v, smv in [("iid", "iid"), ("hetero", "HC1"), ({"CRV1": "g"}, "cluster:g")]:
        fitw, _ = pf_fit(ols_df, F, v, "w")
        smc = sm_res[("wls", smv)]
        crosschecks.append({
            "what": f"pyfixest weights='w' vcov={vcov_label(v)} vs sm_wls_{smv.replace('cluster:', 'cl_')}",
            "coef_max_rel_diff": max_rel(fitw._beta_hat, list(smc["coef"].values())),
            "se_max_rel_diff": max_rel(fitw._se, list(smc["se"].values())),
        })

    # ---- pyfixest on regress_fe.csv ---------------------------------------
    fe_specs = [("unit", ["unit"]), ("unit_time", ["unit", "time"]),
                ("unit_time_firm", ["unit", "time", "firm"])]
    fe_vcovs = [("iid", "iid"), ("hetero", "hetero"),
                ({"CRV1": "unit"}, "crv1_unit"), ({"CRV1": "unit+time"}, "crv1_unit_time")]
    runs = [(tag, fes, v, vt, None) for tag, fes in fe_specs for v, vt in fe_vcovs]
    runs.append(("unit_time", ["unit", "time"], {"CRV1": "unit"}, "crv1_unit", "w"))
    for tag, fes, v, vt, wt in runs:
        fml = "y ~ x1 + x2 | " + " + ".join(fes)
        cid = f"pf_fe_{tag}_{vt}" + ("_w" if wt else "")
        c, fit = pf_case(fe_df, "regress_fe.csv", fml, v, wt, cid)
        xc = dummy_crosscheck(fe_df, fes, wt, fit, v)
        c["crosscheck_dummy_max_rel_diff"] = xc["crosscheck_dummy_max_rel_diff"]
        c["crosscheck_se_max_rel_diff"] = xc["crosscheck_se_max_rel_diff"]
        c["crosscheck"] = xc
        cases.append(c)

    # demonstrate the pyfixest nested-FE bug (space-free FE formula); under
    # PYTHONHASHSEED=0 pyfixest returns a wrong df_k here.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        bad = pf.feols("y~x1+x2|unit+time+firm", data=fe_df, vcov={"CRV1": "unit"},
                       demeaner=DEMEANER)
    good = next(c for c in cases if c["id"] == "pf_fe_unit_time_firm_crv1_unit")
    crosschecks.append({
        "what": "pyfixest bug demo: 'y~x1+x2|unit+time+firm' (no spaces), CRV1 unit, "
                "raw pyfixest output vs reference pf_fe_unit_time_firm_crv1_unit",
        "pythonhashseed": os.environ.get("PYTHONHASHSEED"),
        "pyfixest_fe_column_order": [re.fullmatch(r"__fixed_effect__\((.*)\)", c).group(1)
                                     for c in bad._fe.columns],
        "df_k_raw": int(bad._df_k), "df_k_reference": good["tool_options"]["df_k"],
        "se_max_rel_diff": max_rel(bad._se, list(good["se"].values())),
    })

    # ---- DID: basic_small.csv ---------------------------------------------
    did = pd.read_csv(DID_CSV)
    did_name = "../../data/basic_small.csv"  # relative to tests/data
    r_ref = {
        "did_2x2": ("outcome ~ treated*post", 5.11212123983854, 0.183204909663298,
                    "feols(outcome ~ treated*post, cluster = ~unit)"),
        "did_twfe": ("outcome ~ treated:post | unit + post", 5.11212123983855,
                     0.182974027517802,
                     "feols(outcome ~ treated:post | unit + post, cluster = ~unit)"),
    }
    for tag, (fml, att, se, rcall) in r_ref.items():
        c, fit = pf_case(did, did_name, fml, {"CRV1": "unit"}, None, f"pf_{tag}_crv1_unit")
        pf_att, pf_se = c["coef"]["treated:post"], c["se"]["treated:post"]
        c["vs_R_fixest"] = {
            "att_rel_diff": abs(pf_att - att) / abs(att),
            "se_rel_diff": abs(pf_se - se) / abs(se),
            "att_within_1e-10": abs(pf_att - att) / abs(att) <= 1e-10,
            "se_within_1e-8": abs(pf_se - se) / abs(se) <= 1e-8,
        }
        cases.append(c)
        cases.append({
            "id": f"r_{tag}_crv1_unit", "data": did_name,
            "formula": fml, "vcov": {"CRV1": "unit"}, "weights": None,
            "fixef": c["fixef"],
            "tool": "R fixest (from shared/data/did/README.md)",
            "tool_options": {"call": rcall, "ssc": "fixest defaults"},
            "nobs": int(len(did)),
            "coef_names": ["treated:post"],
            "coef": {"treated:post": att}, "se": {"treated:post": se},
            "precision_note": "15 significant digits as printed in the README",
        })

    versions = {
        "python": platform.python_version(), "numpy": np.__version__,
        "pandas": pd.__version__, "statsmodels": statsmodels.__version__,
        "pyfixest": pf.__version__,
    }
    out = {
        "description": "Reference values for kestrel regression parity tests. "
                       "Generated by tests/data/make_reference/make_regress_reference.py.",
        "generator": "tests/data/make_reference/make_regress_reference.py",
        "seeds": {"regress_ols.csv": SEED_OLS, "regress_fe.csv": SEED_FE},
        "versions": versions,
        "tolerances_intended": {"coef_rel": 1e-10, "se_rel": 1e-8},
        "conventions": {
            "coef_names": "Intercept, x1, ... (patsy/formulaic naming); "
                          "interaction 'treated:post'",
            "vcov_matrix": "row-major, ordered as coef_names",
            "r2": "centered R2 (weighted for WLS / aweights); pyfixest r2 with FE "
                  "is the overall R2 of the full model, r2_within the R2 of the "
                  "demeaned regression",
            "ssr": "sum of squared (sqrt(w)-weighted) residuals",
            "df_resid": "N - rank of full design (slopes + FE dummies counted "
                        "as sum(levels) - (n_fe - 1))",
            "statsmodels_cluster": "cov_type='cluster', use_correction=True, "
                                   "df_correction=True: V * G/(G-1) * (N-1)/(N-K)",
            "statsmodels_HC": "HC0: none; HC1: N/(N-K); HC2: 1/(1-h); HC3: 1/(1-h)^2",
            "pyfixest_ssc_defaults": {
                **dict(PF_SSC),
                "old_names": {"adj": "k_adj", "fixef_k": "k_fixef",
                              "cluster_adj": "G_adj", "cluster_df": "G_df"},
                "iid": "sigma2 = SSR/(N - df_k)",
                "hetero/HC1/HC2/HC3": "N/(N - df_k) times the raw sandwich",
                "CRV1": "(N-1)/(N - df_k) * G/(G-1); multiway: each of V1, V2, "
                        "-V12 scaled with G = min(G1, G2)",
                "df_k (k_fixef='nonnested')": "k + [sum(FE levels) - (n_fe-1)] "
                        "- sum(levels of FE nested in a cluster var) + "
                        "(number of nested FE); iid/hetero: no FE counted as nested",
            },
            "pyfixest_singletons": "fixef_rm='singleton' (also the default in this "
                                   "pyfixest version): observations that are "
                                   "singletons in any FE dimension are dropped "
                                   "(iteratively) before estimation",
        },
        "crosschecks_no_fe": crosschecks,
        "cases": cases,
    }
    with open(DATA / "regress_reference.json", "w") as fh:
        json.dump(out, fh, indent=1, allow_nan=False)
        fh.write("\n")

    # console summary
    print(json.dumps(versions))
    for c in crosschecks:
        print(c)
    for c in cases:
        extra = ""
        if "crosscheck" in c:
            extra = (f" dummy_coef={c['crosscheck_dummy_max_rel_diff']:.2e}"
                     f" se={c['crosscheck_se_max_rel_diff']:.2e}")
        if "vs_R_fixest" in c:
            extra = f" vsR={c['vs_R_fixest']}"
        print(f"{c['id']:32s} N={c['nobs']} sing={c.get('n_singletons_dropped')}"
              f" se={list(c['se'].values())[-1]!r}{extra}")


if __name__ == "__main__":
    main()
