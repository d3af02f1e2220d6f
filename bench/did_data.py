"""diff-diff's benchmark data generators (tests/data/PROVENANCE.md, "DiD benchmark panels"), shared by bench/ and
the tests."""
import numpy as np


def make_staggered(n_units, n_periods, n_cohorts, effect=2.0, never_frac=0.3, seed=42):
    """diff-diff's generate_staggered_data: for each unit one N(0, 2) unit effect, then one
    N(0, 0.5) noise per period (one standard-normal stream in that order)."""
    rng = np.random.default_rng(seed)
    z = rng.standard_normal(n_units * (n_periods + 1)).reshape(n_units, n_periods + 1)
    n_never = int(never_frac * n_units)
    per = (n_units - n_never) // n_cohorts
    first = np.zeros(n_units, dtype=np.int64)
    for k in range(n_cohorts):
        lo = n_never + k * per
        first[lo:n_units if k == n_cohorts - 1 else lo + per] = 3 + k
    t = np.arange(1, n_periods + 1)
    on = (first[:, None] > 0) & (t[None, :] >= first[:, None])
    eff = np.where(on, effect * (1 + 0.1 * (t[None, :] - first[:, None])), 0.0)
    y = 2 * z[:, :1] + 0.5 * t[None, :] + eff + 0.5 * z[:, 1:]
    return {"unit": np.repeat(np.arange(n_units), n_periods), "time": np.tile(t, n_units),
            "outcome": y.ravel(), "first_treat": np.repeat(first, n_periods)}


def make_basic(n_units=20000, n_periods=12, seed=42):
    """diff-diff's basic 2x2 generator: first n_units//2 treated, post = t >= 3, effect 5."""
    rng = np.random.default_rng(seed)
    unit_fe = rng.normal(0, 2, n_units)
    unit = np.repeat(np.arange(n_units), n_periods)
    t = np.tile(np.arange(1, n_periods + 1), n_units)
    treated = (unit < n_units // 2).astype(np.int64)
    post = (t >= 3).astype(np.int64)
    y = unit_fe[unit] + 0.5 * t + 5.0 * treated * post + rng.normal(0, 1, unit.size)
    return {"unit": unit.astype(np.int64), "time": t.astype(np.int64), "outcome": y,
            "treated": treated, "post": post}


def make_sdid(n_control=800, n_treated=200, n_pre=20, n_post=10, effect=4.0, seed=42):
    """diff-diff's SDID generator: y = unit_fe (N(0, 2)) + sin(0.3 t) + 0.1 t + 4 treated post
    + N(0, 0.5); units 0..n_control-1 are controls, post = t > n_pre."""
    rng = np.random.default_rng(seed)
    n, T = n_control + n_treated, n_pre + n_post
    z = rng.standard_normal(n * (T + 1)).reshape(n, T + 1)
    t = np.arange(1, T + 1)
    treated = (np.arange(n) >= n_control).astype(np.int64)
    post = (t > n_pre).astype(np.int64)
    y = 2 * z[:, :1] + np.sin(0.3 * t)[None, :] + 0.1 * t[None, :] + \
        effect * treated[:, None] * post[None, :] + 0.5 * z[:, 1:]
    return {"unit": np.repeat(np.arange(n), T), "time": np.tile(t, n), "outcome": y.ravel(),
            "treated": np.repeat(treated, T), "post": np.tile(post, n)}
