"""generate_staggered_data(panel=False): diff-diff's repeated cross-sections (every period draws
n_units fresh observations: cohort, unit effect and noise). Kestrel's streams are not NumPy's,
so the check is distributional, against the design's truth (simulation) and against diff-diff's
generator's output (two-sample tests at large n)."""
import numpy as np
import pytest
from scipy import stats

from kestrel import did as kd

dd = pytest.importorskip("diff_diff")

N, T = 4000, 8


@pytest.fixture(scope="module")
def rcs():
    return kd.generate_staggered_data(n_units=N, n_periods=T, seed=11, panel=False)


def test_layout(rcs):
    assert list(rcs.columns) == ["unit", "period", "outcome", "first_treat", "treated", "treat",
                                 "true_effect"]
    assert len(rcs) == N * T and rcs.unit.is_unique
    assert (rcs.period.to_numpy() == np.repeat(np.arange(T), N)).all()  # diff-diff's order
    never = rcs.groupby("period").first_treat.apply(lambda g: int((g == 0).sum()))
    assert (never == int(N * 0.3)).all()  # the first floor(n * frac) of every period


def test_truth(rcs):
    g, t = rcs.first_treat.to_numpy(), rcs.period.to_numpy()
    on = (g > 0) & (t >= g)
    assert (rcs.treated.to_numpy() == on).all() and (rcs.treat.to_numpy() == (g > 0)).all()
    np.testing.assert_allclose(rcs.true_effect, np.where(on, 2.0 * (1 + 0.1 * (t - g)), 0.0))
    # cohorts uniform over [3, 5, 7] among the treated
    counts = np.array([(g == c).sum() for c in (3, 5, 7)])
    assert stats.chisquare(counts).pvalue > 1e-3
    # untreated outcome: 10 + 0.1 t + N(0, 2^2 + 0.5^2), independent across rows
    r = (rcs.outcome - 10 - 0.1 * t - rcs.true_effect).to_numpy()
    assert abs(r.mean()) < 4 * np.sqrt(4.25 / r.size)
    assert r.var() == pytest.approx(4.25, rel=0.03)
    a, b = r[:N], r[N:2 * N]  # row i of periods 0 and 1: different draws (no unit effect kept)
    assert abs(np.corrcoef(a, b)[0, 1]) < 4 / np.sqrt(N)


def test_same_distribution_as_diff_diffs():
    ours = kd.generate_staggered_data(n_units=2000, n_periods=6, seed=5, panel=False)
    theirs = dd.generate_staggered_data(n_units=2000, n_periods=6, seed=5, panel=False)
    for p in range(6):
        for treat in (0, 1):
            x = ours[(ours.period == p) & (ours.treat == treat)].outcome
            y = theirs[(theirs.period == p) & (theirs.treat == treat)].outcome
            assert stats.ks_2samp(x, y).pvalue > 1e-4


def test_callaway_santanna_recovers_the_effect():
    d = kd.generate_staggered_data(n_units=3000, n_periods=8, seed=2, panel=False,
                                   dynamic_effects=False)
    r = kd.CallawaySantAnna(panel=False).fit(d, "outcome", "unit", "period", "first_treat")
    assert abs(r.overall_att - 2.0) < 4 * r.overall_se
