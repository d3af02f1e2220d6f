"""make_ddd_trim.py — tests/data/did/ddd_trim.csv: a two-period repeated cross-section where the
covariate x nearly separates the treated-eligible subgroup 4 at the top of its range, so that in
two of the three DDD comparisons one control row gets a propensity score in [0.995, 0.999): R
triplediff gives it no weight (controls >= 0.995 trimmed). Run by hand from the repo root:
python3 tests/data/did/make_ddd_trim.py (prints each comparison's largest scores from a plain
numpy logit); R's numbers: tests/data/did/make_reference_triplediff_trim.R."""
import numpy as np, pandas as pd
def logit(X, d):
    b = np.zeros(X.shape[1])
    for _ in range(50):
        p = 1/(1+np.exp(-X@b)); H = X.T@(X*(p*(1-p))[:,None]); b += np.linalg.solve(H, X.T@(d-p))
    return 1/(1+np.exp(-X@b))
rng = np.random.default_rng(20261207)
n = 1200
x = rng.uniform(-2, 2, n)
# subgroup 4 more likely at high x; a few controls placed at the top
sub = np.where(rng.random(n) < 1/(1+np.exp(-(0.3 + 2.2*x))), 4, rng.integers(1, 4, n))
top = np.argsort(x)[-40:]
sub[top] = 4
for j, r in zip((1, 2, 3), top[-12:-9]):
    sub[r] = j
g = (sub >= 3).astype(int); part = np.isin(sub, (2, 4)).astype(int)
post = rng.integers(0, 2, n)
y = 1 + x + 0.5*g + 0.5*part + post*(0.5 + 0.3*x) + 2.0*(sub == 4)*post + rng.standard_normal(n)
df = pd.DataFrame({"y": y, "group": g, "partition": part, "post": post, "x": x})
for j in (1, 2, 3):
    m = np.isin(sub, (j, 4)); X = np.c_[np.ones(m.sum()), x[m]]; ps = logit(X, (sub[m] == 4).astype(float))
    c = sub[m] != 4
    print(j, "max ps %.5f" % ps.max(), "controls >= .995:", (ps[c] >= 0.995).sum(), "max control %.5f" % ps[c].max())
df.to_csv("tests/data/did/ddd_trim.csv", index=False)
