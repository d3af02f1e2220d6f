"""The placebo loops' summaries come from C (ks_did_placebo_view): the mean, sd, percentile
interval and permutation p-value equal NumPy's np.mean / np.std(ddof=1) / np.percentile and the
randomization p-value formula on the same effects bit for bit, and leave-one-out's t interval
equals the t(valid - 1) interval of that mean and sd."""
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from _kestrel import _core
from _kestrel.regress import _columns

from conftest import ROOT


@pytest.fixture(scope="module")
def data():
    return pd.read_csv(ROOT / "data" / "basic_small.csv")


@pytest.mark.parametrize("n, alpha", [(7, 0.05), (100, 0.1), (129, 0.05), (1000, 0.01)])
def test_permutation_summary_is_numpys(data, n, alpha):
    r = _core.did_placebo(_columns(data), "outcome", "treated", "post", "unit", "permutation",
                          n, 11, observed=0.3, alpha=alpha)
    e = r["effects"][~np.isnan(r["effects"])]
    assert r["n_valid"] == e.size
    assert r["mean"] == np.mean(e)
    assert r["se"] == np.std(e, ddof=1)
    lo, hi = np.percentile(e, [alpha / 2 * 100, (1 - alpha / 2) * 100])
    assert (r["ci_lower"], r["ci_upper"]) == (lo, hi)
    assert r["p_value"] == (1 + np.sum(np.abs(e) >= 0.3)) / (e.size + 1)
    assert r["t_stat"] == 0.3 / np.std(e, ddof=1)


def test_leave_one_out_summary(data):
    r = _core.did_placebo(_columns(data), "outcome", "treated", "post", "unit", "leave_one_out",
                          alpha=0.1)
    e = r["effects"][~np.isnan(r["effects"])]
    m, s = np.mean(e), np.std(e, ddof=1)
    assert (r["mean"], r["se"]) == (m, s)
    assert r["t_stat"] == m / s
    q = stats.t.ppf(0.95, e.size - 1)
    assert r["ci_lower"] == pytest.approx(m - q * s, rel=1e-12)
    assert r["p_value"] == pytest.approx(2 * stats.t.sf(abs(m / s), e.size - 1), rel=1e-10)
