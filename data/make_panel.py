#!/usr/bin/env python3
"""Make data/panel.csv, the demo panel: 300 workers x 2010-2019, a few years missing.

log_wage = worker effect + year effect + 0.005 hours + 0.12 union + 0.05 married + noise
(hours varies within worker, so it is not absorbed by the fixed effects). Run from the repository root; numpy default_rng(2026).
"""
import numpy as np

rng = np.random.default_rng(2026)
rows = []
for w in range(1, 301):
    alpha = rng.normal(2.5, 0.4)
    union_p = rng.uniform(0.05, 0.6)
    married = rng.uniform() < 0.4
    for t, year in enumerate(range(2010, 2020)):
        if rng.uniform() < 0.06:
            continue  # unbalanced: a missing year
        if not married and rng.uniform() < 0.05:
            married = True
        union = int(rng.uniform() < union_p)
        hours = rng.normal(40, 5)
        y = alpha + 0.015 * t + 0.005 * hours + 0.12 * union + 0.05 * married + rng.normal(0, 0.15)
        rows.append((w, year, hours, union, int(married), y))
with open("data/panel.csv", "w") as f:
    f.write("worker,year,hours,union,married,log_wage\n")
    for r in rows:
        f.write("%d,%d,%.1f,%d,%d,%.6f\n" % r)
