"""make_ddd_overlap.py — tests/data/did/ddd_overlap.csv: a two-period repeated cross-section of
1,600 rows where the covariate x separates the treated-eligible subgroup 4 from the
treated-ineligible subgroup 3 well but not perfectly (x ~ N(1, 0.6) against N(-1, 0.6)), so that
in that comparison some propensity scores are >= 0.999 (R did's guard would stop), a few controls
have scores >= 0.995 (R triplediff gives them no weight) and more than 5% of the rows have a
score < 0.001 (R triplediff's poor-overlap warning); subgroups 1 and 2 overlap subgroup 4.
Run by hand from the repo root: python3 tests/data/did/make_ddd_overlap.py (prints each
comparison's score summary from a plain numpy logit); R's numbers:
tests/data/did/make_reference_triplediff_overlap.R."""
import numpy as np, pandas as pd
def logit(X, d):
    b = np.zeros(X.shape[1])
    for _ in range(60):
        p = 1/(1+np.exp(-X@b)); H = X.T@(X*(p*(1-p))[:,None]); b += np.linalg.solve(H, X.T@(d-p))
    return 1/(1+np.exp(-X@b))
rng = np.random.default_rng(20261208)
n = 400  # rows per subgroup
sub = np.repeat([1, 2, 3, 4], n)
mu = {1: 0.5, 2: 0.5, 3: -1.0, 4: 1.0}
sd = {1: 1.0, 2: 1.0, 3: 0.6, 4: 0.6}
x = np.array([rng.normal(mu[s], sd[s]) for s in sub])
g = (sub >= 3).astype(int); part = np.isin(sub, (2, 4)).astype(int)
post = rng.integers(0, 2, 4*n)
y = 1 + x + 0.5*g + 0.5*part + post*(0.5 + 0.3*x) + 2.0*(sub == 4)*post + rng.standard_normal(4*n)
df = pd.DataFrame({"y": y, "group": g, "partition": part, "post": post, "x": x})
for j in (1, 2, 3):
    m = np.isin(sub, (j, 4)); X = np.c_[np.ones(m.sum()), x[m]]; ps = logit(X, (sub[m] == 4).astype(float))
    c = sub[m] != 4
    print(j, "max ps %.6f" % ps.max(), ">= .999: %d" % (ps >= 0.999).sum(),
          "controls >= .995: %d" % (ps[c] >= 0.995).sum(), "share < 1e-3: %.3f" % (ps < 1e-3).mean())
df.to_csv("tests/data/did/ddd_overlap.csv", index=False)
