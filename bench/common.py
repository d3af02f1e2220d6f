"""What the worker-per-tool bench scripts (bench_did.py, bench_feols.py) share: their arguments,
timing warm fits inside a worker, and running a worker in its own process (so peak memory is its
own)."""
import argparse
import json
import resource
import statistics
import subprocess
import sys
import time


def args_or_worker(worker, reps, cases):
    """The parsed arguments (--reps, --cases); or, in a worker process (--worker tool case
    threads reps), None after running worker(tool, case, threads, reps)."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=reps)
    ap.add_argument("--cases", default=cases)
    ap.add_argument("--worker", nargs=4)
    a = ap.parse_args()
    if not a.worker:
        return a
    tool, case, threads, reps = a.worker
    worker(tool, case, int(threads), int(reps))
    return None


def time_fits(fit, reps):
    """One warm-up fit (imports, caches, JIT), then `reps` timed ones; returns the warm-up's
    result and the timing dict a worker prints (median, every time, peak RSS, and the median
    process CPU time: on a loaded machine wall times mostly measure waiting for a core)."""
    first = fit()
    times, cpu = [], []
    for _ in range(reps):
        t0, c0 = time.perf_counter(), time.process_time()
        fit()
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    return first, {"median_s": statistics.median(times), "times": times, "peak_rss_mb": rss,
                   "cpu_median_s": statistics.median(cpu)}


def run_worker(script, tool, case, threads, reps):
    """`script --worker tool case threads reps` in a fresh Python; its last line of output as a
    dict, or {"error": its last line of stderr}."""
    r = subprocess.run([sys.executable, script, "--worker", tool, case, str(threads), str(reps)],
                       capture_output=True, text=True)
    if r.returncode != 0:
        return {"error": r.stderr.strip().splitlines()[-1] if r.stderr else "failed"}
    return json.loads(r.stdout.strip().splitlines()[-1])


def ratio_table(script, cases, reps):
    """kestrel and diff-diff on each case, each in its own 1-thread worker: one markdown row per
    case (wall and process-CPU medians, their ratios, both tools' numbers side by side)."""
    print("| case | kestrel s | diff-diff s | ratio | kestrel CPU s | diff-diff CPU s | CPU ratio | "
          "kestrel numbers | diff-diff numbers |")
    print("|---|---|---|---|---|---|---|---|---|")
    nan = float("nan")
    for case in cases:
        k = run_worker(script, "kestrel", case, 1, reps)
        d = run_worker(script, "diff-diff", case, 1, reps)
        ks, ds = k.get("median_s", nan), d.get("median_s", nan)
        kc, dc = k.get("cpu_median_s", nan), d.get("cpu_median_s", nan)
        print(f"| {case} | {ks:.5f} | {ds:.5f} | {ds / ks:.1f}x | {kc:.5f} | {dc:.5f} | "
              f"{dc / kc:.1f}x | {k.get('estimates', k.get('error'))} | "
              f"{d.get('estimates', d.get('error'))} |", flush=True)
