#!/usr/bin/env bash
# Two kestrel builds on one command line, interleaved ABBA (on the shared VMs here the second of
# two back-to-back runs is faster, by up to 0.3 s): the median wall time and the mean user and
# sys time of each. OUT in the arguments is a fresh folder per run, for commands that write.
# Usage: bench/ab.sh BIN_A BIN_B PAIRS -- ARGS...
#   e.g. bench/ab.sh /tmp/base/build/kestrel build/kestrel 6 -- describe --data bench/out/x.csv
# (bench_gsem.py --no-r makes the genomic SEM inputs in bench/out/gsem: ldsc's traits are
#  bench/out/gsem/work/T1..T5.sumstats.gz, its LD scores bench/out/gsem/ld.)
set -euo pipefail
cd "$(dirname "$0")/.."
a=$1 b=$2 pairs=$3
shift 3
[ "${1:-}" = "--" ] && shift
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for i in $(seq "$pairs"); do
    if [ $((i % 2)) = 1 ]; then order="$a $b"; else order="$b $a"; fi
    for bin in $order; do
        run="$out/run"
        rm -rf "$run" && mkdir "$run"
        /usr/bin/time -f "$bin %e %U %S" "$bin" "${@//OUT/$run}" 2>&1 >/dev/null | tail -1
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
