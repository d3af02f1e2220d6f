#!/usr/bin/env python3
"""simulate_power: kestrel.did vs diff-diff on the same design, each tool in its own process.

Design: DifferenceInDifferences() (HC1) on the basic panel (generate_did_data's design) at
--units units x 4 periods, treatment from period 2, effect 0.25, sigma 1, --sims replications,
seed 42. diff-diff draws each panel with NumPy in Python and fits it in Python; kestrel draws and
fits every replication in C, in parallel. The two tools' random numbers differ, so their powers
agree within Monte-Carlo error (reported), not exactly. Time: the median of --reps runs after
one warm-up.
Usage: bench_did_power.py [--units 2000] [--sims 200] [--reps 3] [--threads 0]
"""
import argparse
import json
import subprocess
import sys
import time

CODE = r"""
import json, sys, time, warnings
warnings.simplefilter("ignore")
tool, units, sims, reps, threads = sys.argv[1], *map(int, sys.argv[2:6])
if tool == "kestrel":
    from kestrel.did import DifferenceInDifferences, simulate_power
    kw = dict(threads=threads)
else:
    from diff_diff import DifferenceInDifferences, simulate_power
    kw = {}
def run():
    return simulate_power(DifferenceInDifferences(), n_units=units, n_periods=4,
                          treatment_effect=0.25, sigma=1.0, n_simulations=sims, seed=42,
                          progress=False, **kw)
r = run()
ts = []
for _ in range(reps):
    t0 = time.perf_counter(); r = run(); ts.append(time.perf_counter() - t0)
ts.sort()
print(json.dumps({"time": ts[len(ts) // 2], "power": r.power, "mean": r.mean_estimate,
                  "mean_se": r.mean_se, "n": r.n_simulations}))
"""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--units", type=int, default=2000)
    ap.add_argument("--sims", type=int, default=200)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--threads", type=int, default=0)
    a = ap.parse_args()
    out = {}
    for tool in ("kestrel", "diff_diff"):
        reps = a.reps if tool == "kestrel" else 1
        p = subprocess.run([sys.executable, "-c", CODE, tool, str(a.units), str(a.sims),
                            str(reps), str(a.threads)], capture_output=True, text=True,
                           check=True)
        out[tool] = json.loads(p.stdout.strip().splitlines()[-1])
    k, d = out["kestrel"], out["diff_diff"]
    se = (k["power"] * (1 - k["power"]) / k["n"] + d["power"] * (1 - d["power"]) / d["n"]) ** 0.5
    print(f"simulate_power, DifferenceInDifferences, {a.units} units x 4 periods, "
          f"{a.sims} simulations")
    for tool, r in out.items():
        print(f"  {tool:<10} {r['time']:8.3f} s   power {r['power']:.3f}   mean estimate "
              f"{r['mean']:.4f}   mean se {r['mean_se']:.4f}")
    print(f"  speed-up {d['time'] / k['time']:.1f}x; power difference "
          f"{k['power'] - d['power']:+.3f} (Monte-Carlo se {se:.3f})")


if __name__ == "__main__":
    main()
