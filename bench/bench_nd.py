"""kestrel.nd against NumPy, same process, same inputs (issue #19's speed protocol).

Every case is a factory `f(xp, size)` that builds its inputs with NumPy (seeded), converts them
with `xp.asarray` outside the timed region, and returns the callable to time; the identical code
runs with xp = numpy and xp = kestrel.nd. The cases: rumpy's five core modules (ufunc,
statistics, signal, linalg, simulation: 40 cases, 1-D at `--size`, 2-D at sqrt(size) squared),
rumpy's bench_micro cases named in the issue, and numpy-rust's creation / math / statistics list:
the "core" suite, the default. `--suite micro|ml|timeseries|all` runs rumpy's bench_micro (25
distinct cases), bench_ml (12) and bench_timeseries (11) suites instead, at rumpy's sizes;
`--suite random` the Generator's part-3 distributions at --size draws.

Timing: 2 warm-up calls; calls shorter than 10 ms are looped so that one sample lasts >= 10 ms;
at least 7 samples (more while under --budget seconds); min and median per call; GC off while
timing; minor page faults per call from getrusage. NumPy's and ours samples alternate, and every
case runs in a fresh process, so both see the same allocator history and machine load. Speedup =
NumPy time / ours (> 1: ours is faster). `--clock cpu` times the calling thread's CPU time
instead of the wall clock (with --threads 1: the waits for a core on a shared machine drop out).
Each thread setting has its own processes: "1" sets
OMP_NUM_THREADS=1 and OPENBLAS_NUM_THREADS=1 (which also caps kestrel's ctx, whose default is
OpenMP's) and calls the module's set_num_threads / set_threads when it has one (0 = default).
Each case's result is checked against NumPy's (exact for integers and booleans, allclose for
floats), and ours must be the same bytes under every thread setting; a mismatch is printed
loudly and makes the exit status 1.

  python bench/bench_nd.py                        # kestrel.nd vs numpy, 1 and default threads
  python bench/bench_nd.py --impl numpy           # the harness against itself (speedups ~1)
  python bench/bench_nd.py --only 'sigmoid|sum' --threads 1 --markdown out.md
  python bench/bench_nd.py --suite ml --threads 1

Cases that need what part 2 of the work adds (fft, linalg beyond @, random, convolve) are
reported as "n/a (part 2)" for kestrel.nd when it lacks them. Without kestrel.nd the script says
so and exits 0 (make bench runs it unconditionally)."""
import argparse
import gc
import hashlib
import importlib
import json
import math
import os
import platform
import re
import resource
import statistics
import subprocess
import sys
import time
import warnings

import numpy as np

PART2 = "n/a (part 2)"


# ---- the cases ---------------------------------------------------------------------------------
# Each entry: (group, name, factory, options). Options: "later" marks a case needing part 2's
# functions; "random" a case whose values depend on the implementation's generator (only the
# shape and dtype are compared); "rtol" a looser tolerance where the summation order may differ.

CASES = []


def case(group, name=None, **opts):
    def add(f):
        CASES.append((group, name or f.__name__, f, opts))
        return f
    return add


def _rng():
    return np.random.default_rng(19)


def _vec(xp, size):
    return xp.asarray(_rng().standard_normal(size))


def _side(size):
    return max(int(math.isqrt(size)), 4)


def _mat(xp, size):
    n = _side(size)
    return xp.asarray(_rng().standard_normal((n, n)))


# ufunc (rumpy bench_ufuncs)

@case("ufunc")
def softmax(xp, size):
    x = _vec(xp, size)

    def run():
        e = xp.exp(x - x.max())
        return e / e.sum()
    return run


@case("ufunc")
def sigmoid(xp, size):
    x = _vec(xp, size)
    return lambda: 1.0 / (1.0 + xp.exp(-x))


@case("ufunc")
def normalize(xp, size):
    x = _vec(xp, size)
    return lambda: (x - x.mean()) / x.std()


@case("ufunc")
def relu_scale_bias(xp, size):
    x = _vec(xp, size)
    zero = xp.zeros(1)
    return lambda: xp.maximum(x, zero) * 0.1 + 0.5


@case("ufunc")
def log_softmax(xp, size):
    x = _vec(xp, size)

    def run():
        s = x - x.max()
        return s - xp.log(xp.exp(s).sum())
    return run


@case("ufunc")
def gelu(xp, size):
    x = _vec(xp, size)
    c = math.sqrt(2.0 / math.pi)
    return lambda: 0.5 * x * (1.0 + xp.tanh(c * (x + 0.044715 * x**3)))


@case("ufunc")
def swish(xp, size):
    x = _vec(xp, size)
    return lambda: x * (1.0 / (1.0 + xp.exp(-x)))


@case("ufunc")
def layer_norm(xp, size):
    x = _vec(xp, size)
    gamma, beta = xp.ones(size), xp.zeros(size)
    return lambda: (x - x.mean()) / xp.sqrt(x.var() + 1e-5) * gamma + beta


# statistics (rumpy bench_statistics)

@case("stats")
def zscore_2d_axis1(xp, size):
    x = _mat(xp, size)
    return lambda: (x - x.mean(axis=1, keepdims=True)) / x.std(axis=1, keepdims=True)


@case("stats")
def weighted_mean(xp, size):
    r = _rng()
    x, w = xp.asarray(r.standard_normal(size)), xp.asarray(r.random(size))
    return lambda: (x * w).sum() / w.sum()


@case("stats")
def covariance(xp, size):
    r = _rng()
    x, y = xp.asarray(r.standard_normal(size)), xp.asarray(r.standard_normal(size))
    return lambda: ((x - x.mean()) * (y - y.mean())).mean()


@case("stats")
def var_axis0(xp, size):
    x = _mat(xp, size)
    return lambda: x.var(axis=0)


@case("stats", rtol=1e-9)
def cumsum(xp, size):
    x = _vec(xp, size)
    return lambda: xp.cumsum(x)


@case("stats", rtol=1e-9)
def diff_cumsum_walk(xp, size):
    x = xp.asarray(np.cumsum(_rng().standard_normal(size)))
    return lambda: xp.cumsum(xp.diff(x))


@case("stats")
def bincount100(xp, size):
    x = xp.asarray(_rng().integers(0, 100, size))
    return lambda: xp.bincount(x)


@case("stats")
def percentile3(xp, size):
    x = _vec(xp, size)
    q = xp.asarray(np.array([25.0, 50.0, 75.0]))
    return lambda: xp.percentile(x, q)


@case("stats")
def median(xp, size):
    x = _vec(xp, size)
    return lambda: xp.median(x)


# signal (rumpy bench_signal)

@case("signal", rtol=1e-9)
def fft_roundtrip(xp, size):
    x = _vec(xp, size)
    return lambda: xp.fft.ifft(xp.fft.fft(x))


@case("signal", rtol=1e-9)
def fft2_roundtrip(xp, size):
    x = _mat(xp, size)
    return lambda: xp.fft.ifft2(xp.fft.fft2(x))


@case("signal", rtol=1e-9)
def power_spectrum(xp, size):
    x = _vec(xp, size)

    def run():
        f = xp.fft.fft(x)
        return xp.real(f * xp.conj(f))
    return run


@case("signal", rtol=1e-9)
def fft_lowpass(xp, size):
    x = _vec(xp, size)
    cut = size // 4

    def run():
        f = xp.fft.fft(x)
        f[cut:-cut] = 0
        return xp.fft.ifft(f)
    return run


@case("signal")
def diff(xp, size):
    x = xp.asarray(np.cumsum(_rng().standard_normal(size)))
    return lambda: xp.diff(x)


@case("signal")
def diff_diff(xp, size):
    x = xp.asarray(np.cumsum(np.cumsum(_rng().standard_normal(size))))
    return lambda: xp.diff(xp.diff(x))


@case("signal")
def convolve3_same(xp, size):
    x = _vec(xp, size)
    k = xp.asarray(np.array([0.25, 0.5, 0.25]))
    return lambda: xp.convolve(x, k, mode="same")


# linalg (rumpy bench_linalg; n = sqrt(size))

@case("linalg", rtol=1e-9)
def kalman_Fx_FPFt_Q(xp, size):
    n, r = _side(size), _rng()
    F = xp.asarray(np.eye(n) + 0.1 * r.standard_normal((n, n)))
    Q, P = xp.asarray(np.eye(n) * 0.01), xp.asarray(np.eye(n))
    x = xp.asarray(r.standard_normal((n, 1)))
    return lambda: (F @ x, F @ P @ F.T + Q)


@case("linalg", rtol=1e-7)
def kalman_update(xp, size):
    n, r = _side(size), _rng()
    m = n // 2
    H, R = xp.asarray(r.standard_normal((m, n))), xp.asarray(np.eye(m) * 0.1)
    x, z = xp.asarray(r.standard_normal((n, 1))), xp.asarray(r.standard_normal((m, 1)))
    P, eye = xp.asarray(np.eye(n)), xp.asarray(np.eye(n))

    def run():
        S = H @ P @ H.T + R
        K = xp.linalg.solve(S.T, (P @ H.T).T).T
        return x + K @ (z - H @ x), (eye - K @ H) @ P
    return run


@case("linalg", rtol=1e-7)
def solve500(xp, size):
    n, r = _side(size) // 2, _rng()
    A, b = xp.asarray(r.standard_normal((n, n))), xp.asarray(r.standard_normal(n))
    return lambda: xp.linalg.solve(A, b)


@case("linalg", rtol=1e-7)
def lstsq_svd_1000x500(xp, size):
    m, r = _side(size), _rng()
    A, b = xp.asarray(r.standard_normal((m, m // 2))), xp.asarray(r.standard_normal(m))

    def run():
        U, s, Vt = xp.linalg.svd(A, full_matrices=False)
        return Vt.T @ (xp.diag(1.0 / s) @ (U.T @ b))
    return run


@case("linalg", rtol=1e-7)
def qr_solve(xp, size):
    n, r = _side(size), _rng()
    A, b = xp.asarray(r.standard_normal((n, n))), xp.asarray(r.standard_normal(n))

    def run():
        Q, R = xp.linalg.qr(A)
        return xp.linalg.solve(R, Q.T @ b)
    return run


@case("linalg", rtol=1e-9)
def matrix_power4(xp, size):
    n = _side(size)
    A = xp.asarray(_rng().standard_normal((n, n)) / n)

    def run():
        A2 = A @ A
        return A2 @ A2
    return run


@case("linalg", rtol=1e-7)
def qr_Q(xp, size):
    A = _mat(xp, size)
    return lambda: xp.linalg.qr(A)[0]


@case("linalg", random=True)  # eigenvectors' signs are the LAPACK build's choice
def eigh(xp, size):
    a = _rng().standard_normal((_side(size),) * 2)
    A = xp.asarray((a + a.T) / 2)
    return lambda: xp.linalg.eigh(A)


@case("linalg", rtol=1e-7)
def cholesky_2solves(xp, size):
    n, r = _side(size), _rng()
    a = r.standard_normal((n, n))
    A, b = xp.asarray(a @ a.T + np.eye(n)), xp.asarray(r.standard_normal(n))

    def run():
        L = xp.linalg.cholesky(A)
        return xp.linalg.solve(L.T, xp.linalg.solve(L, b))
    return run


@case("linalg")
def norm_fro(xp, size):
    A = _mat(xp, size)
    return lambda: xp.linalg.norm(A, "fro")


# products (issue #20's array products: einsum's common subscripts, dot / inner / outer / kron)

@case("products", rtol=1e-9)
def einsum_ij_jk(xp, size):
    n, r = _side(size) // 2, _rng()
    a, b = xp.asarray(r.standard_normal((n, n))), xp.asarray(r.standard_normal((n, n)))
    return lambda: xp.einsum("ij,jk->ik", a, b)


@case("products", rtol=1e-9)
def einsum_bij_bjk(xp, size):
    n, r = _side(size) // 16, _rng()
    a = xp.asarray(r.standard_normal((256, n, n)))
    b = xp.asarray(r.standard_normal((256, n, n)))
    return lambda: xp.einsum("bij,bjk->bik", a, b)


@case("products", rtol=1e-9)
def einsum_i_i(xp, size):
    x, y = _vec(xp, size), xp.asarray(_rng().standard_normal(size) + 1)
    return lambda: xp.einsum("i,i->", x, y)


@case("products", rtol=1e-9)
def einsum_ij_i(xp, size):
    a = _mat(xp, size)
    return lambda: xp.einsum("ij->i", a)


@case("products", rtol=1e-9)
def dot_1d(xp, size):
    x, y = _vec(xp, size), xp.asarray(_rng().standard_normal(size) + 1)
    return lambda: xp.dot(x, y)


@case("products", rtol=1e-9)
def vdot_1d_complex(xp, size):
    r = _rng()
    x = xp.asarray(r.standard_normal(size // 2) + 1j * r.standard_normal(size // 2))
    return lambda: xp.vdot(x, x)


@case("products", rtol=1e-9)
def dot_matvec(xp, size):
    a = _mat(xp, size)
    v = xp.asarray(_rng().standard_normal(_side(size)))
    return lambda: xp.dot(a, v)


@case("products", rtol=1e-9)
def dot_2d(xp, size):
    a = _mat(xp, size)
    return lambda: xp.dot(a, a.T)


@case("products", rtol=1e-9)
def inner_2d(xp, size):
    n, r = _side(size) // 2, _rng()
    a, b = xp.asarray(r.standard_normal((n, n))), xp.asarray(r.standard_normal((n, n)))
    return lambda: xp.inner(a, b)


@case("products", rtol=1e-9)
def tensordot_3d(xp, size):
    n, r = _side(size) // 10, _rng()
    a = xp.asarray(r.standard_normal((n, n, n)))
    return lambda: xp.tensordot(a, a, axes=([1, 2], [1, 2]))


@case("products")
def outer_1000(xp, size):
    x = xp.asarray(_rng().standard_normal(_side(size)))
    return lambda: xp.outer(x, x)


@case("products")
def kron_100_10(xp, size):
    n, r = _side(size) // 10, _rng()
    a, b = xp.asarray(r.standard_normal((n, n))), xp.asarray(r.standard_normal((10, 10)))
    return lambda: xp.kron(a, b)


@case("products", rtol=1e-9)
def einsum_chain_optimize(xp, size):
    n, r = _side(size) // 4, _rng()
    a, b, c = (xp.asarray(r.standard_normal(s)) for s in ((n, 8), (8, n), (n, n)))
    return lambda: xp.einsum("ij,jk,kl->il", a, b, c, optimize=True)


# simulation (rumpy bench_simulation)

@case("sim", random=True)
def mc_pi(xp, size):
    rng = xp.random.default_rng(42)

    def run():
        x, y = rng.uniform(-1, 1, size), rng.uniform(-1, 1, size)
        return 4.0 * ((x * x + y * y) < 1.0).sum() / size
    return run


@case("sim")
def pairwise_dist(xp, size):
    p = xp.asarray(_rng().standard_normal((_side(size), 2)))

    def run():
        d = p[:, None, :] - p[None, :, :]
        return (d**2).sum(axis=2)
    return run


@case("sim")
def heat_step(xp, size):
    u = xp.asarray(np.sin(np.linspace(0, 2 * np.pi, size)))
    dt, dx2 = 1e-4, (2 * np.pi / size) ** 2

    def run():
        inner = u[1:-1] + dt * xp.diff(u, n=2) / dx2
        return xp.concatenate([u[:1], inner, u[-1:]])
    return run


@case("sim", random=True)
def random_walk_choice(xp, size):
    rng = xp.random.default_rng(42)
    return lambda: xp.cumsum(rng.choice(xp.asarray(np.array([-1, 1])), size=size))


@case("sim", random=True)
def black_scholes_1000x1000(xp, size):
    rng = xp.random.default_rng(42)
    dt = 1.0 / 252
    drift, vol = (0.05 - 0.5 * 0.2**2) * dt, 0.2 * math.sqrt(dt)
    return lambda: 100.0 * xp.cumprod(xp.exp(drift + vol * rng.standard_normal(size)))



# kestrel.nd.random part 3: 1M draws of the rest of NumPy's Generator (the same numbers as NumPy's
# for the same seed, so the first call's values are compared)

def _draws(name, *args):
    def factory(xp, size):
        rng = xp.random.default_rng(42)
        return lambda: getattr(rng, name)(*args, size=size)
    return factory


for _name, _args in [("negative_binomial", (5, 0.3)), ("hypergeometric", (100, 200, 50)),
                     ("hypergeometric", (10, 5, 3)), ("triangular", (-1.0, 0.5, 2.0)),
                     ("zipf", (1.7,)), ("logseries", (0.9,)), ("noncentral_chisquare", (3.0, 2.0)),
                     ("noncentral_f", (3.0, 20.0, 3.0))]:
    CASES.append(("rng", f"{_name}{'_small' if _args == (10, 5, 3) else ''}",
                  _draws(_name, *_args), {}))


@case("rng")
def dirichlet_3(xp, size):
    rng = xp.random.default_rng(42)
    return lambda: rng.dirichlet([1.0, 2.0, 3.0], size // 3)


@case("rng")
def permuted_rows(xp, size):
    x, rng = _mat(xp, size), xp.random.default_rng(42)
    return lambda: rng.permuted(x, axis=1)

@case("sim")
def magnitude_2d(xp, size):
    vx, vy = _mat(xp, size), _mat(xp, size + 1)
    return lambda: xp.sqrt(vx**2 + vy**2)


@case("sim", rtol=1e-9)
def nbody_accel(xp, size):
    r = _rng()
    n = _side(size)
    pos, mass = xp.asarray(r.standard_normal((n, 3))), xp.asarray(r.random(n) + 0.1)

    def run():
        d = pos[None, :, :] - pos[:, None, :]
        d2 = xp.maximum((d**2).sum(axis=2), 1e-10)
        inv3 = 1.0 / (d2 * xp.sqrt(d2))
        return (mass[None, :, None] * d * inv3[:, :, None]).sum(axis=1)
    return run


@case("sim")
def laplacian5(xp, size):
    u = _mat(xp, size)
    return lambda: u[2:, 1:-1] + u[:-2, 1:-1] + u[1:-1, 2:] + u[1:-1, :-2] - 4 * u[1:-1, 1:-1]


# micro (rumpy bench_micro, the per-call overhead cases named in the issue; fixed sizes)

CASES.append(("micro", "zeros100", lambda xp, s: lambda: xp.zeros(100), {}))
CASES.append(("micro", "ones100", lambda xp, s: lambda: xp.ones(100), {}))
CASES.append(("micro", "linspace100", lambda xp, s: lambda: xp.linspace(0.0, 1.0, 100), {}))


@case("micro")
def add100(xp, size):
    r = _rng()
    a, b = xp.asarray(r.standard_normal(100)), xp.asarray(r.standard_normal(100))
    return lambda: a + b


@case("micro")
def sum100(xp, size):
    a = _vec(xp, 100)
    return lambda: a.sum()


@case("micro")
def sin10k(xp, size):
    a = _vec(xp, 10_000)
    return lambda: xp.sin(a)


@case("micro")
def sum10k(xp, size):
    a = _vec(xp, 10_000)
    return lambda: a.sum()


@case("micro")
def median10k(xp, size):
    a = _vec(xp, 10_000)
    return lambda: xp.median(a)


# delimited text: loadtxt of a 100k x 10 float file (written by numpy.savetxt) and savetxt of one

def _text_file():
    import tempfile
    path = os.path.join(tempfile.gettempdir(), f"kestrel_bench_{os.getpid()}.txt")
    if not os.path.exists(path):
        np.savetxt(path, _rng().standard_normal((100_000, 10)))
    return path


@case("io")
def loadtxt_100k_x_10(xp, size):
    path = _text_file()
    return lambda: xp.loadtxt(path)


@case("io")
def savetxt_100k_x_10(xp, size):
    import tempfile
    x = xp.asarray(_rng().standard_normal((100_000, 10)))
    out = os.path.join(tempfile.gettempdir(), f"kestrel_bench_out_{os.getpid()}.txt")

    def run():
        xp.savetxt(out, x)
        return np.frombuffer(hashlib.sha256(open(out, "rb").read()).digest(), np.uint8)
    return run


# numpy-rust's list: creation at 100 / 1000 / 10000; math and statistics on linspace(0, 100, 10000)
# (sorted input, as theirs; log(0) = -inf there).

def _numpy_rust_cases():
    for n in (100, 1000, 10_000):
        CASES.append(("nprust", f"zeros{n}", lambda xp, s, n=n: lambda: xp.zeros(n), {}))
        CASES.append(("nprust", f"ones{n}", lambda xp, s, n=n: lambda: xp.ones(n), {}))
        CASES.append(("nprust", f"linspace{n}",
                      lambda xp, s, n=n: lambda: xp.linspace(0.0, 100.0, n), {}))

    def on_linspace(call):
        def factory(xp, size):
            x = xp.asarray(np.linspace(0.0, 100.0, 10_000))
            return lambda: call(xp, x)
        return factory
    math_ops = {"sin": lambda xp, x: xp.sin(x), "cos": lambda xp, x: xp.cos(x),
                "exp": lambda xp, x: xp.exp(x), "log": lambda xp, x: xp.log(x),
                "sum": lambda xp, x: xp.sum(x), "cumsum": lambda xp, x: xp.cumsum(x),
                "mean": lambda xp, x: xp.mean(x), "median": lambda xp, x: xp.median(x),
                "var": lambda xp, x: xp.var(x, ddof=1), "std": lambda xp, x: xp.std(x, ddof=1),
                "percentile50": lambda xp, x: xp.percentile(x, 50.0)}
    for name, call in math_ops.items():
        CASES.append(("nprust", f"{name}10k", on_linspace(call), {}))


_numpy_rust_cases()


# Sorting and sets (issue #20): sort / argsort of each dtype at 1M, 10k and 100, both kinds, on
# random input and (1M float64 and int64) on sorted, reversed and few-distinct input; partition
# and argpartition at n / 2; searchsorted, isin and unique at 1M. NumPy's arrangement of a
# partition and its order of equal keys in an unstable argsort are unspecified, so those cases
# compare only shape and dtype (tests/python/test_nd_sort*.py check their contracts).

def _sort_input(dtype, n, pattern):
    rng = _rng()
    if pattern == "few":
        x = rng.integers(0, 10, n)
    elif np.dtype(dtype).kind == "f":
        x = rng.standard_normal(n)
    else:
        info = np.iinfo(dtype)
        x = rng.integers(info.min, info.max, n, dtype=dtype, endpoint=True)
    x = np.asarray(x).astype(dtype)
    if pattern in ("sorted", "reversed"):
        x = np.sort(x)
    return x[::-1].copy() if pattern == "reversed" else x


def _sort_cases():
    def one(fn, dtype, n, pattern, kind):
        def factory(xp, size):
            a = xp.asarray(_sort_input(dtype, n, pattern))
            return lambda: getattr(xp, fn)(a, kind=kind)
        return factory
    short = {1_000_000: "1M", 10_000: "10k", 100: "100"}
    for n in short:
        for dtype in ("float64", "float32", "int64", "int32", "int16", "uint8"):
            patterns = ["random"]
            if n == 1_000_000 and dtype in ("float64", "int64"):
                patterns += ["sorted", "reversed", "few"]
            for pattern in patterns:
                for fn in ("sort", "argsort"):
                    for kind in ("quicksort", "stable"):
                        # argsort's unstable order of ties (few distinct values, or random
                        # values of 4 bytes or fewer: 1M of them repeat some) is free
                        ties = fn == "argsort" and kind == "quicksort" and (
                            pattern == "few" or np.dtype(dtype).itemsize <= 4)
                        name = f"{fn}_{kind}_{dtype}_{pattern}{short[n]}"
                        CASES.append(("sort", name, one(fn, dtype, n, pattern, kind),
                                      {"random": True} if ties else {}))
    for dtype in ("float64", "int32"):
        for fn in ("partition", "argpartition"):
            def factory(xp, size, fn=fn, dtype=dtype):
                a = xp.asarray(_sort_input(dtype, 1_000_000, "random"))
                return lambda: getattr(xp, fn)(a, 500_000)
            CASES.append(("sort", f"{fn}_{dtype}1M", factory, {"random": True}))

    def searchsorted(xp, size):
        a = xp.asarray(np.sort(_rng().standard_normal(1_000_000)))
        v = xp.asarray(np.random.default_rng(1).standard_normal(1_000_000))
        return lambda: xp.searchsorted(a, v)

    def isin(xp, size):
        a = xp.asarray(_rng().integers(0, 2_000_000, 1_000_000))
        b = xp.asarray(np.random.default_rng(1).integers(0, 2_000_000, 1_000))
        return lambda: xp.isin(a, b)

    def isin_large(xp, size):
        a = xp.asarray(_rng().integers(0, 2_000_000, 1_000_000))
        b = xp.asarray(np.random.default_rng(1).integers(0, 2_000_000, 1_000_000))
        return lambda: xp.isin(a, b)

    def unique_few(xp, size):
        a = xp.asarray(_rng().integers(0, 1000, 1_000_000))
        return lambda: xp.unique(a)

    def unique_random(xp, size):
        a = xp.asarray(_rng().standard_normal(1_000_000))
        return lambda: xp.unique(a)

    def unique_all(xp, size):
        a = xp.asarray(_rng().integers(0, 1000, 1_000_000))
        return lambda: xp.unique(a, return_index=True, return_inverse=True, return_counts=True)
    for f in (searchsorted, isin, isin_large, unique_few, unique_random, unique_all):
        CASES.append(("sort", f"{f.__name__}1M", f, {}))


_sort_cases()


# ---- rumpy's micro, ML and time-series suites (--suite micro|ml|timeseries) --------------------
# Written from the suites' descriptions, at rumpy's sizes (n = --size; 2-D sides sqrt(n)). rumpy's
# micro suite repeats three cases under other names (contiguous read = 1 op = broadcast scalar =
# a + 1.0; f64 add = a + b): each is timed once here.

def _arange(xp, n, dtype="float64", start=0):
    return xp.asarray(np.arange(start, start + n, dtype=dtype))


def _micro(name, build, call):
    CASES.append(("rmicro", name, lambda xp, s: (lambda a: lambda: call(xp, a))(build(xp, s)), {}))


_micro("add", lambda xp, n: (_arange(xp, n), _arange(xp, n)), lambda xp, a: a[0] + a[1])
_micro("mul", lambda xp, n: (_arange(xp, n), _arange(xp, n)), lambda xp, a: a[0] * a[1])
_micro("compare", lambda xp, n: (_arange(xp, n), n / 2), lambda xp, a: a[0] > a[1])
_micro("scalar_mul", _arange, lambda xp, a: a * 2.5)
_micro("scalar_add", _arange, lambda xp, a: a + 2.5)
_micro("ops1", _arange, lambda xp, a: a + 1.0)
_micro("ops2", _arange, lambda xp, a: (a + 1.0) * 2.0)
_micro("ops3", _arange, lambda xp, a: ((a + 1.0) * 2.0) - 0.5)
_micro("ops4", _arange, lambda xp, a: (((a + 1.0) * 2.0) - 0.5) / 1.5)
_micro("ops6", _arange, lambda xp, a: ((((((a + 1.0) * 2.0) - 0.5) / 1.5) + 3.0) * 0.5))
_micro("sum", _arange, lambda xp, a: a.sum())
_micro("mean", _arange, lambda xp, a: a.mean())
_micro("max", _arange, lambda xp, a: a.max())
_micro("sqrt", lambda xp, n: _arange(xp, n, start=1), lambda xp, a: xp.sqrt(a))
_micro("exp", lambda xp, n: _arange(xp, n) / n, lambda xp, a: xp.exp(a))
_micro("log", lambda xp, n: _arange(xp, n, start=1), lambda xp, a: xp.log(a))
_micro("sin", lambda xp, n: _arange(xp, n) / n, lambda xp, a: xp.sin(a))
_micro("stride2", lambda xp, n: _arange(xp, 2 * n)[::2], lambda xp, a: a + 1.0)
_micro("reversed", lambda xp, n: _arange(xp, n)[::-1], lambda xp, a: a + 1.0)
for _dt in ("float32", "int64", "int32"):
    _micro(f"{_dt}_add", lambda xp, n, dt=_dt: (_arange(xp, n, dt), _arange(xp, n, dt)),
           lambda xp, a: a[0] + a[1])
_micro("no_broadcast", lambda xp, n: (_arange(xp, n).reshape(100, n // 100),) * 2,
       lambda xp, a: a[0] + a[1])
_micro("broadcast_row", lambda xp, n: (_arange(xp, _side(n) ** 2).reshape(_side(n), _side(n)),
                                       _arange(xp, _side(n)).reshape(1, _side(n))),
       lambda xp, a: a[0] + a[1])
_micro("broadcast_col", lambda xp, n: (_arange(xp, _side(n) ** 2).reshape(_side(n), _side(n)),
                                       _arange(xp, _side(n)).reshape(_side(n), 1)),
       lambda xp, a: a[0] + a[1])


# ml (rumpy bench_ml: batch sqrt(n) rows for the layers, n for the element-wise cases)

def _normal(xp, *shape):
    return xp.asarray(_rng().standard_normal(shape))


@case("ml", rtol=1e-9)
def linear_layer(xp, size):
    r = _rng()
    x, W = xp.asarray(r.standard_normal((_side(size), 64))), xp.asarray(r.standard_normal((64, 32)))
    b = xp.asarray(r.standard_normal(32))
    return lambda: x @ W + b


@case("ml")
def batch_norm_inference(xp, size):
    r = _rng()
    x = xp.asarray(r.standard_normal((_side(size), 64)))
    mean, var = xp.asarray(r.standard_normal(64)), xp.asarray(np.abs(r.standard_normal(64)) + 0.1)
    gamma, beta = xp.asarray(r.standard_normal(64)), xp.asarray(r.standard_normal(64))
    return lambda: (x - mean) / xp.sqrt(var + 1e-5) * gamma + beta


@case("ml", rtol=1e-9)
def attention_scores(xp, size):
    r = _rng()
    Q, K = (xp.asarray(r.standard_normal((_side(size), 64))) for _ in range(2))
    scale = math.sqrt(64)

    def run():
        s = Q @ K.T / scale
        e = xp.exp(s - s.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)
    return run


@case("ml")
def cross_entropy(xp, size):
    r = _rng()
    logits = xp.asarray(r.standard_normal((size, 10)))
    onehot = np.zeros((size, 10))
    onehot[np.arange(size), r.integers(0, 10, size)] = 1.0
    y = xp.asarray(onehot)

    def run():
        e = xp.exp(logits - logits.max(axis=1, keepdims=True))
        p = e / e.sum(axis=1, keepdims=True)
        return -(y * xp.log(p + 1e-10)).sum() / size
    return run


@case("ml")
def mse_loss(xp, size):
    r = _rng()
    pred, true = xp.asarray(r.standard_normal(size)), xp.asarray(r.standard_normal(size))

    def run():
        d = pred - true
        return (d * d).mean()
    return run


@case("ml")
def sgd_step(xp, size):
    r = _rng()
    w, g = xp.asarray(r.standard_normal(size)), xp.asarray(r.standard_normal(size))
    return lambda: w - 0.01 * g


@case("ml")
def adam_update(xp, size):
    r = _rng()
    w, g = xp.asarray(r.standard_normal(size)), xp.asarray(r.standard_normal(size))
    m = xp.asarray(0.1 * r.standard_normal(size))
    v = xp.asarray(0.01 * np.abs(r.standard_normal(size)))
    b1, b2, t = 0.9, 0.999, 100

    def run():
        m1 = b1 * m + (1 - b1) * g
        v1 = b2 * v + (1 - b2) * (g * g)
        return w - 0.001 * (m1 / (1 - b1**t)) / (xp.sqrt(v1 / (1 - b2**t)) + 1e-8)
    return run


@case("ml")  # kestrel's Generator.random is NumPy's stream bit for bit: the first draws compared
def dropout(xp, size):
    x, rng = _normal(xp, size), xp.random.default_rng(42)
    return lambda: x * (rng.random(size) > 0.5) / 0.5


@case("ml")
def embedding_lookup(xp, size):
    r = _rng()
    table = xp.asarray(r.standard_normal((10_000, 128)))
    idx = xp.asarray(r.integers(0, 10_000, size))
    return lambda: table[idx]


@case("ml")
def cosine_similarity(xp, size):
    r = _rng()
    a, b = xp.asarray(r.standard_normal(size)), xp.asarray(r.standard_normal(size))
    return lambda: (a * b).sum() / (xp.sqrt((a * a).sum()) * xp.sqrt((b * b).sum()))


@case("ml")
def l2_regularization(xp, size):
    w = _normal(xp, size)
    return lambda: 0.01 * (w * w).sum()


@case("ml", rtol=1e-9)
def mlp_2layer(xp, size):
    r = _rng()
    x = xp.asarray(r.standard_normal((_side(size), 64)))
    W1, b1 = xp.asarray(r.standard_normal((64, 32))), xp.asarray(r.standard_normal(32))
    W2, b2 = xp.asarray(r.standard_normal((32, 10))), xp.asarray(r.standard_normal(10))
    zero = xp.zeros(1)
    return lambda: xp.maximum(x @ W1 + b1, zero) @ W2 + b2


# timeseries (rumpy bench_timeseries, series of n)

def _walk(xp, size):
    return xp.asarray(np.cumsum(_rng().standard_normal(size)))


@case("ts", rtol=1e-9)
def moving_average(xp, size):
    x, w = _walk(xp, size), 10

    def run():
        c = xp.cumsum(x)
        return (c[w:] - c[:-w]) / w
    return run


@case("ts")
def exp_smoothing(xp, size):
    x, alpha = _normal(xp, size), 0.1
    return lambda: (x * (alpha * (1 - alpha) ** xp.arange(size))).sum()


@case("ts", rtol=1e-9)
def fft_autocorrelation(xp, size):
    x = _normal(xp, size)

    def run():
        f = xp.fft.fft(x)
        return xp.fft.ifft(xp.real(f * xp.conj(f)))
    return run


@case("ts")
def detrend_linear(xp, size):
    x = xp.asarray(np.linspace(0, 10, size) + _rng().standard_normal(size))
    t = xp.arange(size, dtype="float64")

    def run():
        st, sx, stt, stx = t.sum(), x.sum(), (t * t).sum(), (t * x).sum()
        a = (size * stx - st * sx) / (size * stt - st * st)
        return x - (a * t + (sx - a * st) / size)
    return run


@case("ts", rtol=1e-9)
def rolling_std(xp, size):
    x, w = _normal(xp, size), 20

    def run():
        c, c2 = xp.cumsum(x), xp.cumsum(x * x)
        mean, mean2 = (c[w:] - c[:-w]) / w, (c2[w:] - c2[:-w]) / w
        return xp.sqrt(xp.maximum(mean2 - mean * mean, 0))
    return run


@case("ts")
def log_returns(xp, size):
    x = xp.asarray(np.cumsum(np.abs(_rng().standard_normal(size))) + 100)
    return lambda: xp.log(x[1:] / x[:-1])


@case("ts", rtol=1e-9)
def rolling_zscore(xp, size):
    x, w = _normal(xp, size), 50

    def run():
        c, c2 = xp.cumsum(x), xp.cumsum(x * x)
        mean = (c[w:] - c[:-w]) / w
        var = (c2[w:] - c2[:-w]) / w - mean * mean
        return (x[w:] - mean) / xp.sqrt(xp.maximum(var, 1e-10))
    return run


@case("ts")
def lag_features(xp, size):
    x = _normal(xp, size)

    def run():
        base = x[10:]
        return (base - x[9:-1]) + (base - x[8:-2]) + (base - x[5:-5]) + (base - x[:-10])
    return run


@case("ts", rtol=1e-9)
def seasonal_decompose(xp, size):
    t = np.arange(size)
    x = xp.asarray(0.01 * t + np.sin(2 * np.pi * t / 12) + 0.1 * _rng().standard_normal(size))

    def run():
        c = xp.cumsum(x)
        return (c[12:] - c[:-12]) / 12
    return run


@case("ts", rtol=1e-9)
def fft_crosscorr(xp, size):
    r = _rng()
    a, b = xp.asarray(r.standard_normal(size)), xp.asarray(r.standard_normal(size))
    return lambda: xp.fft.ifft(xp.fft.fft(a) * xp.conj(xp.fft.fft(b)))


@case("ts")
def ewma_weights(xp, size):
    alpha = 2.0 / 11

    def run():
        w = (1 - alpha) ** xp.arange(size, dtype="float64")
        return w / w.sum()
    return run


SUITES = {"micro": ("rmicro",), "ml": ("ml",), "timeseries": ("ts",), "random": ("rng",)}
SUITES["core"] = tuple(sorted({g for g, _, _, _ in CASES}
                              - {g for s in SUITES.values() for g in s}))


# ---- timing ------------------------------------------------------------------------------------

# What a sample measures: wall-clock time, or with --clock cpu the calling thread's CPU time (which
# leaves out the waits for a core on a shared machine; meaningful with --threads 1 only).
CLOCK = [time.perf_counter]


class _Timer:
    """Samples of one callable: calls looped so that a sample lasts >= 10 ms."""

    def __init__(self, fn):
        self.fn, self.samples, self.faults, self.calls = fn, [], 0, 0
        fn()
        t0 = CLOCK[0]()
        fn()
        self.loops = max(1, int(math.ceil(0.010 / max(CLOCK[0]() - t0, 1e-9))))

    def sample(self):
        fn = self.fn
        f0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        t0 = CLOCK[0]()
        for _ in range(self.loops):
            fn()
        dt = CLOCK[0]() - t0
        self.faults += resource.getrusage(resource.RUSAGE_SELF).ru_minflt - f0
        self.calls += self.loops
        self.samples.append(dt / self.loops)

    def result(self):
        """(min s, median s, minor page faults per call, samples)."""
        s = self.samples
        return min(s), statistics.median(s), self.faults / self.calls, len(s)


def time_interleaved(fns, budget):
    """Each callable's (min, median, faults per call, samples): 2 warm-ups each, then samples
    taken in turn (so both see the same allocator and machine state), >= 7 each, more while
    under `budget` seconds."""
    timers = [_Timer(fn) for fn in fns]
    gc_was = gc.isenabled()
    gc.disable()
    try:
        start = time.perf_counter()
        while len(timers[0].samples) < 7 or (time.perf_counter() - start < budget
                                             and len(timers[0].samples) < 200):
            for t in timers:
                t.sample()
    finally:
        if gc_was:
            gc.enable()
    return [t.result() for t in timers]


def _as_numpy(result):
    if isinstance(result, tuple):
        return tuple(_as_numpy(r) for r in result)
    return np.asarray(result)


def _digest(result):
    """The result's bytes, hashed: equal digests across thread settings = identical results."""
    h = hashlib.sha1()
    for r in result if isinstance(result, tuple) else (result,):
        h.update(np.ascontiguousarray(r).tobytes())
    return h.hexdigest()


def compare(got, want, opts):
    """None when `got` matches NumPy's `want`, else what differs."""
    if isinstance(want, tuple):
        if not isinstance(got, tuple) or len(got) != len(want):
            return f"a tuple of {len(want)} expected"
        for g, w in zip(got, want):
            bad = compare(g, w, opts)
            if bad:
                return bad
        return None
    if got.shape != want.shape:
        return f"shape {got.shape}, numpy {want.shape}"
    if got.dtype != want.dtype:
        return f"dtype {got.dtype}, numpy {want.dtype}"
    if opts.get("random"):
        return None
    if want.dtype.kind in "biu":
        return None if np.array_equal(got, want) else "values differ (exact)"
    rtol = opts.get("rtol", 1e-12)
    finite = want[np.isfinite(want)]
    scale = float(np.max(np.abs(finite))) if finite.size else 1.0
    if np.allclose(got, want, rtol=rtol, atol=rtol * scale, equal_nan=True):
        return None
    err = np.max(np.abs(got - want) / (np.abs(want) + scale * rtol + 1e-300), initial=0.0)
    return f"values differ: max relative error {err:.3g} (rtol {rtol:g})"


def set_threads(xp, threads):
    """kestrel.nd's own thread knob, when it has one (OMP_NUM_THREADS, set by the parent, already
    caps the ctx's OpenMP default)."""
    for name in ("set_num_threads", "set_threads"):
        knob = getattr(xp, name, None)
        if callable(knob):
            knob(0 if threads == "default" else int(threads))
            return name
    return None


def worker(impl, threads, size, only, budget):
    """Time the selected cases with numpy and with `impl`; one JSON line per case."""
    xp = importlib.import_module(impl)
    knob = set_threads(xp, threads)
    print(json.dumps({"knob": knob}), flush=True)
    warnings.simplefilter("ignore", RuntimeWarning)
    for group, name, factory, opts in CASES:
        if only and not re.search(only, f"{group}.{name}"):
            continue
        row = {"group": group, "name": name}
        fn_np = factory(np, size)
        want = _as_numpy(fn_np())
        fn = None
        try:
            fn = factory(xp, size)
            got = _as_numpy(fn())
        except (AttributeError, NotImplementedError) as e:
            fn = None
            row["ours"] = PART2 if opts.get("later") else f"MISSING: {type(e).__name__}: {e}"
        except Exception as e:  # any other failure is a bug to report, not a crash of the run
            fn = None
            row["ours"] = f"ERROR: {type(e).__name__}: {e}"
        else:
            row["check"] = compare(got, want, opts)
            if not opts.get("random"):
                row["digest"] = _digest(got)
        times = time_interleaved([fn_np] + ([fn] if fn else []), budget)
        row["numpy"] = times[0]
        if fn:
            row["ours"] = times[1]
        print(json.dumps(row), flush=True)


def run_worker(impl, threads, size, only, budget, groups, clock):
    """Every selected case of `groups` in a fresh process of its own (NumPy's speed on large
    temporaries depends on glibc's malloc history, which earlier cases would otherwise set), with
    the thread variables for `threads`. Returns (kestrel's knob, one dict per case)."""
    env = dict(os.environ)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        if threads == "default":
            env.pop(var, None)
        else:
            env[var] = str(threads)
    knob, rows = None, []
    for group, name, _, _ in CASES:
        if group not in groups or (only and not re.search(only, f"{group}.{name}")):
            continue
        cmd = [sys.executable, os.path.abspath(__file__), "--worker", "--impl", impl, "--threads",
               str(threads), "--size", str(size), "--budget", str(budget), "--clock", clock,
               "--only", f"^{re.escape(group)}\\.{re.escape(name)}$"]
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
        lines = [json.loads(l) for l in proc.stdout.splitlines() if l.startswith("{")]
        if proc.returncode != 0 or len(lines) != 2:
            err = (proc.stderr.strip().splitlines() or ["no output"])[-1]
            rows.append({"group": group, "name": name, "numpy": None,
                         "ours": f"ERROR: the worker failed (exit {proc.returncode}): {err}"})
            continue
        knob = lines[0]["knob"]
        rows.append(lines[1])
    return knob, rows


# ---- the report --------------------------------------------------------------------------------

def stack_description():
    cfg = np.show_config(mode="dicts")
    blas = cfg.get("Build Dependencies", {}).get("blas", {})
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo")
                if l.startswith("model name")), platform.processor())
    simd = cfg.get("SIMD Extensions", {})
    flags = next((l.split(":", 1)[1].split() for l in open("/proc/cpuinfo")
                  if l.startswith("flags")), [])
    isa = "AVX-512" if "avx512f" in flags else "AVX2+FMA" if "avx2" in flags else "no AVX2"
    return (f"NumPy {np.__version__} (BLAS {blas.get('name', '?')} {blas.get('version', '?')}, "
            f"{blas.get('openblas configuration', '').strip()}); NumPy SIMD found "
            f"{','.join(simd.get('found', []))}; Python {platform.python_version()}; {cpu} "
            f"({isa}), {os.cpu_count()} CPUs")


def fmt_time(s):
    if s >= 1e-3:
        return f"{s * 1e3:.3f} ms"
    return f"{s * 1e6:.2f} us"


def table(impl, threads, knob, rows):
    head = (f"| group | case | numpy min | numpy median | {impl} min | {impl} median "
            f"| speedup (min) | speedup (median) | faults/call numpy | faults/call {impl} "
            "| check |")
    out = [f"### {threads} thread{'s' if threads != '1' else ''}"
           f"{f' (kestrel knob: {knob})' if knob else ''}", "", head,
           "|" + "---|" * (head.count("|") - 1)]
    bad = 0
    for r in rows:
        if r["numpy"] is None:
            bad += 1
            out.append(f"| {r['group']} | {r['name']} | | | **{r['ours']}** | | | | | | |")
            continue
        nmin, nmed, nflt, _ = r["numpy"]
        ours = r["ours"]
        if isinstance(ours, str):
            loud = not ours.startswith(PART2)
            bad += loud
            out.append(f"| {r['group']} | {r['name']} | {fmt_time(nmin)} | {fmt_time(nmed)} | "
                       f"{'**' + ours + '**' if loud else ours} | | | | {nflt:.0f} | | |")
            continue
        omin, omed, oflt, _ = ours
        check = r.get("check")
        bad += check is not None
        verdict = "ok" if check is None else f"**MISMATCH: {check}**"
        out.append(f"| {r['group']} | {r['name']} | {fmt_time(nmin)} | {fmt_time(nmed)} | "
                   f"{fmt_time(omin)} | {fmt_time(omed)} | {nmin / omin:.2f}x | {nmed / omed:.2f}x "
                   f"| {nflt:.0f} | {oflt:.0f} | {verdict} |")
    return out, bad


def summary(impl, runs):
    """One row per case: the min-time speedup under each thread setting, and whether `impl`'s
    result was the same bytes under all of them (the issue asks for results identical for any
    thread count; BLAS-backed linalg and products may legitimately differ, as NumPy's do: noted,
    not counted)."""
    settings = list(runs)
    head = ("| group | case | " + " | ".join(f"speedup {t} thr" for t in settings)
            + " | same result for every thread count |")
    out = ["### speedups (numpy min / ours min)", "", head, "|" + "---|" * (head.count("|") - 1)]
    bad = 0
    for i, r in enumerate(runs[settings[0]]):
        cells, digests = [], set()
        for t in settings:
            row = runs[t][i]
            ours = row["ours"]
            cells.append(ours if isinstance(ours, str) or row["numpy"] is None
                         else f"{row['numpy'][0] / ours[0]:.2f}x")
            if "digest" in row:
                digests.add(row["digest"])
        same = "" if not digests else "yes" if len(digests) == 1 else (
            "no (BLAS)" if r["group"] in ("linalg", "products") else "**NO**")
        bad += same == "**NO**"
        out.append(f"| {r['group']} | {r['name']} | " + " | ".join(cells) + f" | {same} |")
    return out, bad


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--impl", default="kestrel.nd", help="the module measured against numpy")
    ap.add_argument("--threads", default="1,default", help="comma-separated: 1, 2, ..., default")
    ap.add_argument("--size", type=int, default=1_000_000, help="rumpy cases' size (2-D: sqrt)")
    ap.add_argument("--only", help="regex on group.name")
    ap.add_argument("--suite", default="core", choices=sorted(SUITES) + ["all"],
                    help="core: rumpy's 40, the products, the overhead and numpy-rust cases; "
                    "micro / ml / timeseries: rumpy's bench_micro, bench_ml, bench_timeseries; "
                    "random: Generator distributions at 1M draws")
    ap.add_argument("--budget", type=float, default=0.5, help="seconds of samples per case")
    ap.add_argument("--markdown", help="also write the tables to this file")
    ap.add_argument("--clock", default="wall", choices=["wall", "cpu"],
                    help="cpu: the calling thread's CPU time per call (use with --threads 1)")
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.clock == "cpu":
        CLOCK[0] = time.thread_time
    if a.worker:
        worker(a.impl, a.threads, a.size, a.only, a.budget)
        return 0
    try:
        importlib.import_module(a.impl)
    except ImportError as e:
        print(f"bench_nd: {a.impl} is not importable ({e}); nothing to measure")
        return 0
    groups = {g for k, gs in SUITES.items() if a.suite in (k, "all") for g in gs}
    load0 = os.getloadavg()[0]
    lines = [f"{stack_description()}",
             f"{a.impl} against numpy, size {a.size:,} (2-D {_side(a.size)}x{_side(a.size)}); "
             f"{time.strftime('%Y-%m-%d %H:%M')}; load average at start {load0:.2f}"
             + ("; times are the calling thread's CPU time" if a.clock == "cpu" else ""), ""]
    bad, runs = 0, {}
    for threads in a.threads.split(","):
        knob, rows = run_worker(a.impl, threads, a.size, a.only, a.budget, groups, a.clock)
        out, b = table(a.impl, threads, knob, rows)
        lines += out + [""]
        bad += b
        runs[threads] = rows
    if len(runs) > 1:
        out, b = summary(a.impl, runs)
        lines += out + [""]
        bad += b
    lines.append(f"load average at end {os.getloadavg()[0]:.2f}"
                 + ("  (busy machine: medians are inflated; read the mins)"
                    if max(load0, os.getloadavg()[0]) > 1.0 else ""))
    text = "\n".join(lines)
    print(text)
    if a.markdown:
        with open(a.markdown, "w") as f:
            f.write(text + "\n")
    if bad:
        print(f"\nbench_nd: {bad} MISMATCH / MISSING / ERROR row(s) above", file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
