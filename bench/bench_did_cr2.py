"""Bell-McCaffrey CR2 (vcov_type="hc2_bm") of TWFE (by unit) and MultiPeriodDiD (by state) on a
balanced panel of N units x 10 periods: python3 bench/bench_did_cr2.py {k|dd} N (kestrel or
diff-diff; run kestrel from its venv)."""
import sys, time, warnings, numpy as np, pandas as pd
warnings.simplefilter("ignore")
N, T = int(sys.argv[2]), 10
rng = np.random.default_rng(1)
u = np.repeat(np.arange(N), T); t = np.tile(np.arange(T), N)
d = (u % 3 == 0).astype(float); post = (t >= 6).astype(float)
y = d * post + rng.normal(size=N)[u] + rng.normal(size=N * T)
df = pd.DataFrame(dict(y=y, d=d, post=post, unit=u, time=t, state=u % 50))
if sys.argv[1] == "dd":
    from diff_diff import TwoWayFixedEffects as TWFE, MultiPeriodDiD as MP
else:
    from kestrel.did import TwoWayFixedEffects as TWFE, MultiPeriodDiD as MP
for name, f in (("twfe cr2 unit", lambda: TWFE(vcov_type="hc2_bm").fit(df, "y", "d", "post", unit="unit")),
                ("mp cr2 state", lambda: MP(vcov_type="hc2_bm", cluster="state").fit(df, "y", "d", "time", post_periods=list(range(6, 10))))):
    ts = []
    for _ in range(3):
        t0 = time.perf_counter(); r = f(); ts.append(time.perf_counter() - t0)
    print(f"{sys.argv[1]} N={N} {name}: {np.median(ts):.3f}s se={r.se:.6f}")
