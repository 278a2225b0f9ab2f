#!/usr/bin/env bash
# Append+commit and planning of several `lakehouse` release binaries, alternating round by round
# on the same input and pinned to one CPU, so that the machine's drift through a run hits every
# binary alike (Documentation/Performance.md compares builds only this way).
#
#   Benchmarks/compare-builds.sh LOG.gz NAME=BINARY [NAME=BINARY ...]
#   ROUNDS=10 REPEATS=7 CPU=1 Benchmarks/compare-builds.sh corpus/log.gz before=/tmp/old/lakehouse new=.build/release/lakehouse
#
# Each round runs `lakehouse bench iceberg LOG --warehouse W --repeats REPEATS` once per binary
# (a fresh table each time) and prints one line per binary: name, append+commit median ms,
# planning at 60 manifests ms. At the end: the median of each binary's per-round figures and in
# how many rounds each was faster than the first binary named.
set -euo pipefail
log=${1:?usage: Benchmarks/compare-builds.sh LOG.gz NAME=BINARY [NAME=BINARY ...]}
shift
[ $# -ge 1 ] || { echo "name at least one NAME=BINARY" >&2; exit 2; }
rounds=${ROUNDS:-10} repeats=${REPEATS:-7} cpu=${CPU:-1}
work=$(mktemp -d /tmp/lakehouse-compare-XXXXXX)
trap 'rm -rf "$work"' EXIT
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(date -u +%Y-%m-%dT%H:%MZ), load $(cut -d' ' -f1 /proc/loadavg)"
echo "round name append_ms plan60_ms"
for round in $(seq 1 "$rounds"); do
    for pair in "$@"; do
        name=${pair%%=*} binary=${pair#*=}
        rm -rf "$work/warehouse"
        json=$(taskset -c "$cpu" "$binary" bench iceberg "$log" --warehouse "$work/warehouse" --repeats "$repeats" 2>/dev/null | tail -n 1)
        python3 -c 'import json, sys
d = json.loads(sys.argv[1])
print(sys.argv[2], sys.argv[3], round(d["append_median_seconds"] * 1000, 3), round(d["plan_seconds"]["60"] * 1000, 3))' \
            "$json" "$round" "$name" | tee -a "$work/rounds"
    done
done
python3 - "$work/rounds" "${1%%=*}" <<'PY'
import statistics, sys
rows = [line.split() for line in open(sys.argv[1])]
first = sys.argv[2]
by = {}
for rnd, name, append, plan in rows:
    by.setdefault(name, {})[rnd] = (float(append), float(plan))
print("name median_append_ms median_plan60_ms rounds_faster_than_" + first + "(append,plan)")
for name, runs in by.items():
    appends = [a for a, _ in runs.values()]
    plans = [p for _, p in runs.values()]
    faster = ("-", "-")
    if name != first:
        base = by[first]
        faster = (sum(runs[r][0] < base[r][0] for r in runs if r in base),
                  sum(runs[r][1] < base[r][1] for r in runs if r in base))
    print(name, round(statistics.median(appends), 3), round(statistics.median(plans), 3), f"{faster[0]},{faster[1]} of {len(runs)}")
PY
