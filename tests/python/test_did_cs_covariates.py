"""Callaway & Sant'Anna with many covariates (there is no cap): one group-time cell with 20
covariates against an independent numpy implementation of Sant'Anna & Zhao's (2020) panel
estimators, the outcome regression and the doubly robust one (R DRDID's reg_did_panel and
drdid_panel, which R did's att_gt calls), their ATT and the standard error of their influence
function; and the CLI takes the 20 covariates too, with the same numbers."""
import json
import subprocess

import numpy as np
import pandas as pd
import pytest

from kestrel.did import CallawaySantAnna

K = 20


def two_period_panel(n=800, seed=3):
    """n units, periods 1 and 2, cohort 2 or never treated; treatment depends on a few of the
    covariates, the outcome change on all of them."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, K))
    score = 0.4 * X[:, 0] - 0.3 * X[:, 1] + 0.2 * X[:, 2]
    D = (rng.uniform(size=n) < 1 / (1 + np.exp(-score))).astype(float)
    beta = np.linspace(-1, 1, K)
    y0 = X @ beta + rng.normal(size=n)
    y1 = y0 + 0.5 + X @ (beta / 2) + 1.5 * D + rng.normal(size=n)
    rows = []
    for i in range(n):
        for t, y in ((1, y0[i]), (2, y1[i])):
            rows.append({"unit": i, "time": t, "first_treat": 2 if D[i] else 0, "y": y,
                         **{f"x{j}": X[i, j] for j in range(K)}})
    return pd.DataFrame(rows), X, D, y1 - y0


def logit(Z, D):
    """Maximum likelihood logit by Newton's method, fitted probabilities."""
    b = np.zeros(Z.shape[1])
    for _ in range(100):
        p = 1 / (1 + np.exp(-Z @ b))
        step = np.linalg.solve(Z.T @ (Z * (p * (1 - p))[:, None]), Z.T @ (D - p))
        b += step
        if np.max(np.abs(step)) < 1e-14 * max(1.0, np.max(np.abs(b))):
            break
    return 1 / (1 + np.exp(-Z @ b))


def reference(X, D, dy, method):
    """ATT and influence function of the 2x2 panel DiD, Sant'Anna & Zhao (2020), unit
    weights 1."""
    n = len(D)
    Z = np.column_stack([np.ones(n), X])
    c = D == 0
    coef = np.linalg.lstsq(Z[c], dy[c], rcond=None)[0]
    out = Z @ coef
    wols = 1.0 - D
    lin_ols = (wols * (dy - out))[:, None] * Z @ np.linalg.inv(Z.T @ (Z * wols[:, None]) / n)
    if method == "reg":
        w = D
        eta_t, eta_c = np.mean(w * dy) / np.mean(w), np.mean(w * out) / np.mean(w)
        inf_t = (w * dy - w * eta_t) / np.mean(w)
        inf_c = (w * out - w * eta_c + lin_ols @ np.mean(w[:, None] * Z, axis=0)) / np.mean(w)
        return eta_t - eta_c, inf_t - inf_c
    ps = np.minimum(logit(Z, D), 1 - 1e-6)
    trim = np.where(c, ps < 0.995, 1.0)
    wt, wc = trim * D, trim * ps * (1 - D) / (1 - ps)
    r = dy - out
    eta_t, eta_c = np.mean(wt * r) / np.mean(wt), np.mean(wc * r) / np.mean(wc)
    hess = np.linalg.inv(Z.T @ (Z * (ps * (1 - ps))[:, None])) * n
    lin_ps = ((D - ps)[:, None] * Z) @ hess
    inf_t = (wt * r - wt * eta_t - lin_ols @ np.mean(wt[:, None] * Z, axis=0)) / np.mean(wt)
    inf_c = (wc * r - wc * eta_c + lin_ps @ np.mean((wc * (r - eta_c))[:, None] * Z, axis=0)
             - lin_ols @ np.mean(wc[:, None] * Z, axis=0)) / np.mean(wc)
    return eta_t - eta_c, inf_t - inf_c


@pytest.fixture(scope="module")
def panel():
    return two_period_panel()


@pytest.mark.parametrize("method", ["reg", "dr"])
def test_twenty_covariates_against_reference(panel, method):
    df, X, D, dy = panel
    covs = [f"x{j}" for j in range(K)]
    r = CallawaySantAnna(estimation_method=method).fit(df, "y", "unit", "time", "first_treat",
                                                       covariates=covs)
    cell = r.group_time_effects[(2, 2)]
    att, inf = reference(X, D, dy, method)
    se = np.sqrt(np.sum(inf ** 2)) / len(D)
    assert abs(cell["effect"] - att) < 1e-10 * max(1.0, abs(att))
    assert abs(cell["se"] - se) < 1e-9 * se
    assert abs(att - 1.5) < 5 * se  # and the estimate is near the truth


def test_cli_takes_twenty_covariates(panel, tmp_path, kestrel_bin):
    df = panel[0]
    path = tmp_path / "panel.csv"
    df.to_csv(path, index=False)
    covs = [f"x{j}" for j in range(K)]
    run = subprocess.run([kestrel_bin, "did", "cs", "--data", str(path), "--outcome", "y",
                          "--unit", "unit", "--time", "time", "--first-treat", "first_treat",
                          "--covariates", ",".join(covs), "--json"],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    cells = json.loads(run.stdout)["cells"]
    py = CallawaySantAnna().fit(df, "y", "unit", "time", "first_treat", covariates=covs)
    assert cells["att"][0] == py.group_time_effects[(2, 2)]["effect"]
    assert cells["se"][0] == py.group_time_effects[(2, 2)]["se"]
