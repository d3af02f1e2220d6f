#!/usr/bin/env bash
# Two kestrel builds on bench_gsem.py's ldsc inputs, interleaved ABBA (on the shared VMs here
# the second of two back-to-back runs is faster, by up to 0.3 s): the median wall time and mean
# user and sys time of each. Usage: bench/ab_ldsc.sh BIN_A BIN_B [PAIRS=6]
# (bench/out/gsem must hold the munged traits: run `python3 bench/bench_gsem.py --no-r` first.)
set -euo pipefail
cd "$(dirname "$0")/.."
W=bench/out/gsem/work
T=$W/T1.sumstats.gz,$W/T2.sumstats.gz,$W/T3.sumstats.gz,$W/T4.sumstats.gz,$W/T5.sumstats.gz
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for i in $(seq "${3:-6}"); do
    if [ $((i % 2)) = 1 ]; then order="$1 $2"; else order="$2 $1"; fi
    for b in $order; do
        /usr/bin/time -f "$b %e %U %S" "$b" ldsc --traits "$T" --ld bench/out/gsem/ld \
            --out "$out/ab" 2>&1 >/dev/null | tail -1
    done
done > "$out/times"
python3 - "$out/times" <<'PY'
import collections, statistics, sys
d = collections.defaultdict(list)
for line in open(sys.argv[1]):
    b, e, u, s = line.split()
    d[b].append((float(e), float(u), float(s)))
for b, v in d.items():
    print(f"{b}: median {statistics.median(x[0] for x in v):.2f} s, user "
          f"{statistics.mean(x[1] for x in v):.2f} s, sys {statistics.mean(x[2] for x in v):.2f} s"
          f"  {sorted(x[0] for x in v)}")
PY
