"""What the worker-per-tool bench scripts (bench_did.py, bench_feols.py) share: timing warm fits
inside a worker, and running a worker in its own process (so peak memory is its own)."""
import json
import resource
import statistics
import subprocess
import sys
import time


def time_fits(fit, reps):
    """One warm-up fit (imports, caches, JIT), then `reps` timed ones; returns the warm-up's
    result and the timing dict a worker prints (median, every time, peak RSS)."""
    first = fit()
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fit()
        times.append(time.perf_counter() - t0)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    return first, {"median_s": statistics.median(times), "times": times, "peak_rss_mb": rss}


def run_worker(script, tool, case, threads, reps):
    """`script --worker tool case threads reps` in a fresh Python; its last line of output as a
    dict, or {"error": its last line of stderr}."""
    r = subprocess.run([sys.executable, script, "--worker", tool, case, str(threads), str(reps)],
                       capture_output=True, text=True)
    if r.returncode != 0:
        return {"error": r.stderr.strip().splitlines()[-1] if r.stderr else "failed"}
    return json.loads(r.stdout.strip().splitlines()[-1])
