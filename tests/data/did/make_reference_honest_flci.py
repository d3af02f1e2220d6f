"""An independent computation of R HonestDiD's smoothness FLCI (findOptimalFLCI) on BCdata, for
kestrel's tests: R's algorithm step for step (h between the least-variance and the least-bias
estimators, R's bisection on the central-difference derivative of the half-length with R's step
and iteration limits, R's grid fallback), with the inner problem -- least worst-case bias with
sd <= h, R's CVXR program over (U, w) -- solved by scipy's SLSQP (tolerance 1e-15) instead of
CVXR/ECOS, and the exact folded-normal quantile (scipy's brentq on Phi(mu - x) + Phi(-mu - x))
where R simulates it from 10^6 draws. Run by hand, never by the tests:

    python3 tests/data/did/make_reference_honest_flci.py tests/data/did/honest_reference.json

adds "flci_scipy_first" / "flci_scipy_avg" (lb for each M of "Mvec", then ub) to that file, and
"lw_flci_scipy_first" (LWdata, over "lw_Mvec") when its LWdata keys are there.
"""
import json
import sys

import numpy as np
from scipy.optimize import brentq, minimize
from scipy.stats import norm


def qfold(p, mu):
    mu = abs(mu)
    return brentq(lambda x: norm.cdf(mu - x) + norm.cdf(-mu - x) - (1 - p), 0,
                  mu + norm.ppf(1 - (1 - p) / 2) + 1, xtol=1e-15, rtol=4 * np.finfo(float).eps)


class FLCI:
    def __init__(self, sigma, K, l):
        P = len(l)
        D = np.eye(K) - np.eye(K, k=-1)  # R's WtoLPreMat: l_pre = D w
        self.Q = D.T @ sigma[:K, :K] @ D
        self.a = 2 * D.T @ sigma[:K, K:] @ l
        self.c0 = l @ sigma[K:, K:] @ l
        self.s = np.arange(1, P + 1) @ l
        self.k0 = sum(abs(np.arange(1, s + 1) @ l[P - s:]) for s in range(1, P + 1)) - self.s
        self.K, self.D, self.l = K, D, l
        w0 = np.zeros(K)
        w0[-1] = self.s
        self.h0 = np.sqrt(self.var(w0))
        # least variance subject to sum(w) = s: the KKT system
        kkt = np.block([[2 * self.Q, np.ones((K, 1))], [np.ones((1, K)), np.zeros((1, 1))]])
        self.wmin = np.linalg.solve(kkt, np.r_[-self.a, self.s])[:K]
        self.hmin = np.sqrt(self.var(self.wmin))
        self.w0 = w0

    def var(self, w):
        return w @ self.Q @ w + self.a @ w + self.c0

    def bias(self, h):
        """R's .findWorstCaseBiasGivenH (M = 1): min k0 + sum U, |L w| <= U, sum w = s,
        var(w) <= h^2; the value and w."""
        K, L = self.K, np.tril(np.ones((self.K, self.K)))
        t = 0.5 if self.h0 <= self.hmin else min(0.5, (h * h - self.hmin ** 2) /
                                                 (self.h0 ** 2 - self.hmin ** 2) / 2)
        w = self.wmin + t * (self.w0 - self.wmin)
        z0 = np.r_[np.abs(L @ w) + 1e-3, w]
        cons = [{"type": "ineq", "fun": lambda z: z[:K] - L @ z[K:],
                 "jac": lambda z: np.c_[np.eye(K), -L]},
                {"type": "ineq", "fun": lambda z: z[:K] + L @ z[K:],
                 "jac": lambda z: np.c_[np.eye(K), L]},
                {"type": "eq", "fun": lambda z: np.sum(z[K:]) - self.s,
                 "jac": lambda z: np.r_[np.zeros(K), np.ones(K)][None, :]},
                {"type": "ineq", "fun": lambda z: h * h - self.var(z[K:]),
                 "jac": lambda z: np.r_[np.zeros(K), -(2 * self.Q @ z[K:] + self.a)][None, :]}]
        r = minimize(lambda z: self.k0 + np.sum(z[:K]), z0, jac=lambda z: np.r_[np.ones(K),
                     np.zeros(K)], constraints=cons, method="SLSQP",
                     options={"ftol": 1e-15, "maxiter": 2000})
        return self.k0 + np.sum(r.x[:K]), r.x[K:]

    def half(self, h, M, alpha):
        b, _ = self.bias(h)
        return qfold(1 - alpha, M * b / h) * h

    def solve(self, M, alpha=0.05, npts=100):
        """R's .findOptimalCIDerivativeBisection, then the interval's weights."""
        a, b = self.hmin, self.h0
        f = lambda h: self.half(h, M, alpha)  # noqa: E731
        eps = np.finfo(float).eps
        failtol, failed, hstar = eps ** 0.5, False, np.nan
        dif = min((b - a) / npts, abs(b) * eps ** (1 / 3))
        fa, fb = f(a), f(b)
        fpa, fpb = (f(a + dif) - fa) / dif, (f(b - dif) - fb) / -dif
        it, maxiter = 1, 10 * int(np.ceil(np.log(abs(b - a) / dif) / np.log(2)))
        if fpa > fpb:
            failed = True
        elif fpb < 0:
            hstar = b
        elif fpa > 0:
            hstar = a
        else:
            while not failed and abs(b - a) > dif:
                it += 1
                x = (a + b) / 2
                fpx = (f(x + dif) - f(x - dif)) / (2 * dif)
                failed = fpx > fpb + failtol or fpx + failtol < fpa or it > maxiter
                if fpx > 0:
                    b = x
                else:
                    a = x
            hstar = (a + b) / 2
        if failed:
            hs = np.linspace(self.hmin, self.h0, npts)
            hstar = hs[int(np.argmin([f(h) for h in hs]))]
        _, w = self.bias(hstar)
        return np.r_[self.D @ w, self.l], f(hstar)


def main(path):
    ref = json.load(open(path))
    b = np.array(ref["betahat"])
    S = np.array(ref["sigma"]).reshape(len(b), len(b), order="F")
    K = ref["num_pre"]
    for name, l in (("first", np.eye(4)[0]), ("avg", np.full(4, 0.25))):
        F = FLCI(S, K, l)
        lo, hi = [], []
        for M in ref["Mvec"]:
            v, half = F.solve(M)
            lo.append(v @ b - half)
            hi.append(v @ b + half)
        ref[f"flci_scipy_{name}"] = lo + hi
    if "lw_betahat" in ref:  # LWdata, the first post period
        b = np.array(ref["lw_betahat"])
        S = np.array(ref["lw_sigma"]).reshape(len(b), len(b), order="F")
        K = ref["lw_num_pre"]
        F = FLCI(S, K, np.eye(len(b) - K)[0])
        out = [F.solve(M) for M in ref["lw_Mvec"]]
        ref["lw_flci_scipy_first"] = ([v @ b - h for v, h in out] + [v @ b + h for v, h in out])
    with open(path, "w") as f:
        json.dump(ref, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main(sys.argv[1])
