"""Bad input through the Python front end: each gets a clear error or documented handling."""
import numpy as np
import pandas as pd
import pytest

import kestrel


def test_missing_column():
    df = pd.DataFrame({"y": [1.0, 2, 3], "x": [1.0, 0, 2]})
    with pytest.raises(kestrel.KestrelError, match="'z' not found"):
        kestrel.feols("y ~ x + z", df)


def test_bad_vcov_argument():
    df = pd.DataFrame({"y": [1.0, 2, 3], "x": [1.0, 0, 2]})
    with pytest.raises(ValueError, match="vcov"):
        kestrel.feols("y ~ x", df, vcov="robust-ish")


def test_nan_rows_removed_and_noted():
    df = pd.DataFrame({"y": [1.0, 2, 3, 4, 5], "x": [1.0, np.nan, 2, 5, 3]})
    fit = kestrel.feols("y ~ x", df)
    assert fit.nobs == 4 and fit.n_na == 1
    assert any("NA" in n for n in fit.notes)


def test_inf_is_an_error():
    df = pd.DataFrame({"y": [1.0, 2, 3, 4], "x": [1.0, np.inf, 2, 4]})
    with pytest.raises(kestrel.KestrelError, match="Inf at row 2"):
        kestrel.feols("y ~ x", df)


def test_collinear_dropped_with_note():
    rng = np.random.default_rng(0)
    x1, x2 = rng.normal(size=50), rng.normal(size=50)
    df = pd.DataFrame({"y": x1 + rng.normal(size=50), "x1": x1, "x2": x2, "x3": x1 - 2 * x2})
    fit = kestrel.feols("y ~ x1 + x2 + x3", df)
    assert fit.collinear == ["x3"] and np.isnan(fit.coef()["x3"])
    assert any("x3" in n and "collinear" in n for n in fit.notes)


def test_string_fixed_effect_and_combined():
    rng = np.random.default_rng(1)
    n = 400
    df = pd.DataFrame({"a": rng.choice(["p", "q", "r"], n), "b": rng.integers(0, 5, n),
                       "x": rng.normal(size=n)})
    df["y"] = df["x"] + rng.normal(size=n)
    fit = kestrel.feols("y ~ x | a^b", df)
    assert fit.fixef_levels == {"a^b": 15}


def test_too_few_observations():
    df = pd.DataFrame({"y": [1.0, 2], "x": [1.0, 3], "z": [2.0, 1]})
    with pytest.raises(kestrel.KestrelError, match="not enough observations"):
        kestrel.feols("y ~ x + z", df)
