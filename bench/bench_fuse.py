"""Fused expressions: NumPy, numexpr, kestrel.nd one operation at a time, and kestrel.nd.fuse, on
the same 1M-element (or 1000x1000) inputs in one process; 1 thread and the default threads.

    python3 bench/bench_fuse.py [--reps 7] [--only REGEX] [--markdown FILE]

Each callable gets 2 warm-up calls, then `reps` rounds in which every implementation runs once
(interleaved, so that load on this shared machine hits them alike); the table gives the median
and the minimum per call, and the speedups min-over-min against NumPy. Each result is checked:
the fused result equals kestrel's unfused one bit for bit, and NumPy's to 1e-10 relative.
numexpr runs where it can evaluate the expression (a string); its threads follow the setting.
"""
import argparse
import math
import os
import re
import statistics
import sys
import time

import numpy as np

try:
    import numexpr as ne
except ImportError:  # the table then says so
    ne = None

from kestrel import nd

N = 1_000_000
C = math.sqrt(2.0 / math.pi)

# name: (f(xp, x, y), the same for numexpr or None)
CASES = {
    "sigmoid": (lambda xp, x, y: 1.0 / (1.0 + xp.exp(-x)), "1.0 / (1.0 + exp(-x))"),
    "swish": (lambda xp, x, y: x * (1.0 / (1.0 + xp.exp(-x))), "x * (1.0 / (1.0 + exp(-x)))"),
    "relu_scale_bias": (lambda xp, x, y: xp.maximum(x, 0.0) * 2.0 + 1.0,
                        "where(x > 0.0, x, 0.0) * 2.0 + 1.0"),
    "gelu": (lambda xp, x, y: 0.5 * x * (1.0 + xp.tanh(C * (x + 0.044715 * x**3))),
             f"0.5 * x * (1.0 + tanh({C!r} * (x + 0.044715 * x**3)))"),
    "compare_chain": (lambda xp, x, y: (x * x - 4.1 * x) > 2.5 * x, "(x * x - 4.1 * x) > 2.5 * x"),
    "magnitude3": (lambda xp, x, y: xp.sqrt(x * x + y * y + (x - y) * (x - y)),
                   "sqrt(x * x + y * y + (x - y) * (x - y))"),
    "normalize": (lambda xp, x, y: (x - x.mean()) / x.std(), None),
    "weighted_mean": (lambda xp, x, y: (x * y).sum() / y.sum(), None),
    "sum_sq": (lambda xp, x, y: (x * x).sum(), "sum(x * x)"),
    "softmax": (lambda xp, x, y: xp.exp(x - x.max()) / xp.exp(x - x.max()).sum(), None),
    "var_chain": (lambda xp, x, y: (x * y + 1.0).var(), None),
}
CASES_2D = {
    "zscore_axis1": (lambda xp, x, y: (x - x.mean(axis=1, keepdims=True))
                     / x.std(axis=1, keepdims=True), None),
    "layer_norm": (lambda xp, x, y: (x - x.mean(axis=-1, keepdims=True))
                   / xp.sqrt(x.var(axis=-1, keepdims=True) + 1e-5) * 1.5 + 0.25, None),
    "col_sum_exp": (lambda xp, x, y: xp.exp(-x * x).sum(axis=0), None),
}


def timed(fns, reps):
    for f in fns:
        f(), f()
    samples = [[] for _ in fns]
    for _ in range(reps):
        for k, f in enumerate(fns):
            loops, t = 0, 0.0
            while t < 0.01 or loops < 1:  # a sample lasts >= 10 ms
                t0 = time.perf_counter()
                f()
                t += time.perf_counter() - t0
                loops += 1
            samples[k].append(t / loops)
    return [(min(s), statistics.median(s)) for s in samples]


def check(fused, plain, ref):
    fs, ps, rs = (r if isinstance(r, tuple) else (r,) for r in (fused, plain, ref))
    for f, p, r in zip(fs, ps, rs):
        f, p = np.asarray(f), np.asarray(p)
        if f.dtype != p.dtype or f.shape != p.shape or f.tobytes() != p.tobytes():
            return "fused != unfused"
        if not np.allclose(f, r, rtol=1e-10, atol=1e-12):
            return "!= NumPy"
    return "ok"


def run(threads, reps, only):
    rows = []
    rng = np.random.default_rng(42)
    x1, y1 = rng.standard_normal(N), rng.standard_normal(N)
    x2, y2 = x1.reshape(1000, 1000), y1.reshape(1000, 1000)
    if ne is not None:
        ne.set_num_threads(1 if threads == 1 else os.cpu_count())
    for cases, xn, yn in ((CASES, x1, y1), (CASES_2D, x2, y2)):
        x, y = nd.asarray(xn), nd.asarray(yn)
        for name, (f, expr) in cases.items():
            if only and not re.search(only, name):
                continue
            fused = nd.fuse(lambda x, y, f=f: f(nd, x, y))
            fns = [lambda: f(np, xn, yn), lambda: f(nd, x, y), lambda: fused(x, y)]
            if expr and ne is not None:
                fns.append(lambda: ne.evaluate(expr, local_dict={"x": xn, "y": yn}))
            ok = check(fused(x, y), f(nd, x, y), f(np, xn, yn))
            if expr and ne is not None and not np.allclose(fns[3](), f(np, xn, yn), rtol=1e-10):
                ok += ", numexpr differs"
            if threads == 1:
                with nd.threads(1):
                    t = timed(fns, reps)
            else:
                t = timed(fns, reps)
            rows.append((name, t, ok))
    return rows


def scaling(reps, only):
    """Per case, the fused call's 1-thread min over its default-threads min, timed with nothing
    else between the samples."""
    rng = np.random.default_rng(42)
    x1, y1 = rng.standard_normal(N), rng.standard_normal(N)
    out = []
    for cases, xn, yn in ((CASES, x1, y1), (CASES_2D, x1.reshape(1000, 1000),
                                            y1.reshape(1000, 1000))):
        x, y = nd.asarray(xn), nd.asarray(yn)
        for name, (f, _) in cases.items():
            if only and not re.search(only, name):
                continue
            fused = nd.fuse(lambda x, y, f=f: f(nd, x, y))
            one, dflt = [], []
            for _ in range(reps):
                with nd.threads(1):
                    one.append(timed([lambda: fused(x, y)], 1)[0][0])
                dflt.append(timed([lambda: fused(x, y)], 1)[0][0])
            out.append((name, min(one) / min(dflt)))
    return out


def fmt(s):
    return f"{s * 1e3:.3f} ms"


def table(threads, rows):
    out = [f"#### {threads} thread{'s' if threads != 1 else ''}", "",
           "| case | NumPy min / median | kestrel unfused | kestrel fused | numexpr | fused vs NumPy"
           " | fused vs unfused | fused vs numexpr | check |", "|---|---|---|---|---|---|---|---|---|"]
    for name, t, ok in rows:
        ne_col = f"{fmt(t[3][0])} / {fmt(t[3][1])}" if len(t) > 3 else "—"
        vs_ne = f"{t[3][0] / t[2][0]:.2f}x" if len(t) > 3 else "—"
        out.append(f"| {name} | {fmt(t[0][0])} / {fmt(t[0][1])} | {fmt(t[1][0])} / {fmt(t[1][1])}"
                   f" | {fmt(t[2][0])} / {fmt(t[2][1])} | {ne_col} | {t[0][0] / t[2][0]:.2f}x"
                   f" | {t[1][0] / t[2][0]:.2f}x | {vs_ne} | {ok} |")
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=7)
    ap.add_argument("--only", default="")
    ap.add_argument("--markdown", default="")
    a = ap.parse_args()
    load = os.getloadavg()[0]
    head = (f"NumPy {np.__version__}, numexpr {ne.__version__ if ne else 'not installed'}, "
            f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load {load:.2f}; "
            f"{time.strftime('%Y-%m-%d %H:%M')}")
    parts = [head, ""]
    per = {}
    for threads in (1, "default"):
        per[threads] = run(threads, a.reps, a.only)
        parts += [table(threads, per[threads]), ""]
    parts.append("#### default threads over 1 thread (fused, min over min)\n")
    parts.append("In the tables above (each sample follows NumPy's and numexpr's own calls, whose "
                 "threads may still hold a core): " +
                 ", ".join(f"{n} {t1[2][0] / td[2][0]:.2f}x"
                           for (n, t1, _), (_, td, _) in zip(per[1], per["default"])))
    parts.append("")
    parts.append("Alone (the fused call only, 1-thread and default samples alternating): " +
                 ", ".join(f"{n} {r:.2f}x" for n, r in scaling(a.reps, a.only)))
    text = "\n".join(parts)
    print(text)
    if a.markdown:
        with open(a.markdown, "w") as fh:
            fh.write(text + "\n")


if __name__ == "__main__":
    main()
