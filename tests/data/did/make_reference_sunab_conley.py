"""diff-diff 3.13's SunAbraham(vcov_type="conley") on a simulated staggered panel with unit
coordinates, for tests/python/test_did_sunab_conley.py. Writes the panel
(did/sunab_conley_panel.csv: 150 units at random US-like coordinates, even years 2000-2012,
cohorts 2006 / 2008 / 2010 and never treated, a spatially smooth error field, 4% of the rows
dropped so the panel is unbalanced) and diff-diff's event-study effects and standard errors,
overall ATT and SE and t-test df for several Conley settings. Run from the repository root with
diff-diff installed (3.13.0 made the committed files):
    python3 tests/data/did/make_reference_sunab_conley.py
"""
import json
import warnings

import diff_diff
import numpy as np
import pandas as pd

rng = np.random.default_rng(20261207)
N, years = 150, np.arange(2000, 2009)
lat, lon = rng.uniform(25, 50, N), rng.uniform(-125, -65, N)
g = rng.choice([0, 2003, 2005, 2006], N, p=[0.4, 0.2, 0.2, 0.2])
u = np.repeat(np.arange(N), years.size)
t = np.tile(years, N)
field = np.sin(lat[u] / 2) * np.cos(lon[u] / 3) * (1 + 0.1 * (t - 2000))
treated = (g[u] > 0) & (t >= g[u])
y = 0.05 * (t - 2000) + field + rng.normal(size=u.size) + np.where(
    treated, 0.5 + 0.05 * (t - g[u]), 0.0)
d = pd.DataFrame({"y": y, "unit": u, "year": t, "first_treat": g[u], "lat": lat[u],
                  "lon": lon[u], "region": u % 8, "x": rng.normal(size=u.size)})
d = d[rng.random(len(d)) > 0.04].reset_index(drop=True)
d.to_csv("tests/data/did/sunab_conley_panel.csv", index=False, float_format="%.17g")

base = {"vcov_type": "conley", "conley_coords": ("lat", "lon")}
cases = {
    "bartlett_lag1": ({"conley_cutoff_km": 800.0, "conley_lag_cutoff": 1}, {}),
    "uniform_lag0_cov": ({"conley_cutoff_km": 500.0, "conley_lag_cutoff": 0,
                          "conley_kernel": "uniform"}, {"covariates": ["x"]}),
    "cluster_lag2": ({"conley_cutoff_km": 1500.0, "conley_lag_cutoff": 2, "cluster": "region"},
                     {}),
    "euclidean_antic1": ({"conley_cutoff_km": 8.0, "conley_lag_cutoff": 1,
                          "conley_metric": "euclidean", "anticipation": 1}, {}),
}
warnings.simplefilter("ignore")
out = {"diff_diff": diff_diff.__version__}
for name, (init, fit) in cases.items():
    r = diff_diff.SunAbraham(**base, **init).fit(d, "y", "unit", "year", "first_treat", **fit)
    out[name] = {"init": init, "fit": fit, "overall_att": r.overall_att,
                 "overall_se": r.overall_se, "inference_df": r.inference_df,
                 "e": [int(e) for e in r.event_study_effects],
                 "effect": [v["effect"] for v in r.event_study_effects.values()],
                 "se": [v["se"] for v in r.event_study_effects.values()]}
with open("tests/data/did/reference_sunab_conley.json", "w") as f:
    json.dump(out, f, indent=1)
