#!/usr/bin/env python3
"""kestrel.nd's default threads against one thread on a busy machine: every core runs a spinning
process (a shared server's other users), and each case runs in a fresh process under each spin
count of --spins (GOMP_SPINCOUNT; 300000 is libgomp's own, what a process gets without `import
kestrel`'s default; "kestrel" leaves the variable unset, so that `import kestrel` sets its own).

Usage: bench_nd_busy.py [--reps N] [--quiet] [--spins 300000,kestrel,1000]   (--quiet: no
spinning processes: what a smaller spin count costs on an idle machine)
"""
import argparse
import multiprocessing
import os
import subprocess
import sys

CHILD = r"""
import sys, time
import numpy as np
from kestrel import nd
x = nd.asarray(np.random.default_rng(0).standard_normal(1_000_000))
cases = {
    "add_1M": lambda: x + 1.0,
    "sum_1M": lambda: x.sum(),
    "exp_1M": lambda: nd.exp(x),
    "fused_compare": nd.fuse(lambda x: (x * x - 4.1 * x) > 2.5 * x),
    "fused_sigmoid": nd.fuse(lambda x: 1.0 / (1.0 + nd.exp(-x))),
}
reps = int(sys.argv[1])
for name, f in cases.items():
    args = (x,) if name.startswith("fused") else ()
    out = []
    for th in (1, 0):
        with nd.threads(th):
            f(*args)
            t = []
            for _ in range(reps):
                t0 = time.perf_counter()
                f(*args)
                t.append(time.perf_counter() - t0)
        t.sort()
        out.append(t[len(t) // 2])
    print(f"{name} {out[0]*1e3:.3f} {out[1]*1e3:.3f}")
"""


def spin():
    while True:
        pass


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=200)
    ap.add_argument("--quiet", action="store_true")
    ap.add_argument("--spins", default="300000,kestrel,1000")
    a = ap.parse_args()
    hogs = [] if a.quiet else [multiprocessing.Process(target=spin, daemon=True)
                               for _ in range(os.cpu_count() or 1)]
    for h in hogs:
        h.start()
    try:
        rows = {}
        spins = a.spins.split(",")
        for spin_count in spins:
            label = spin_count
            env = dict(os.environ)
            env.pop("OMP_WAIT_POLICY", None)
            env.pop("GOMP_SPINCOUNT", None)
            if spin_count != "kestrel":
                env["GOMP_SPINCOUNT"] = spin_count
            r = subprocess.run([sys.executable, "-c", CHILD, str(a.reps)], env=env, check=True,
                               capture_output=True, text=True)
            for line in r.stdout.split("\n"):
                if line:
                    name, one, dflt = line.split()
                    rows.setdefault(name, {})[label] = (float(one), float(dflt))
    finally:
        for h in hogs:
            h.terminate()
    print(f"{'busy' if hogs else 'idle'} machine ({os.cpu_count()} CPUs"
          f"{', one spinning process per CPU' if hogs else ''}); median ms per call, 1 thread / "
          "default threads (ratio: 1-thread time over default time; >= 1 is not slower)")
    print("| case | " + " | ".join(f"GOMP_SPINCOUNT {k}" for k in spins) + " |")
    print("|---" * (len(spins) + 1) + "|")
    for name, r in rows.items():
        cells = [f"{o:.3f} / {d:.3f} ({o / d:.2f}x)" for o, d in r.values()]
        print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
