#!/usr/bin/env bash
# Medallion pipeline benchmark: the release `lakehouse demo` (LakePipeline.Medallion over generated
# bronze: ingest with de-duplication onto the audit branch, silver's ruleset and publish,
# incremental gold, gold's ruleset, dashboard) at FILES hourly objects × ROWS lines, in a fresh
# warehouse, run twice:
#   1. first run: generate bronze + the whole pipeline,
#   2. second run: generate the same bronze again + a pipeline with nothing new (no table changes),
# each with its wall time and peak RSS (/usr/bin/time), the ingest rate the demo reports, and
# the pipeline's own time, run 1 minus run 2 (both generate the same bronze).
# With SAMPLE=1 the first run's RSS is also sampled every 0.2 s and the peak per stage printed
# (stages from the pipeline's log lines: generation, each object's ingest, audit + gold, the rest).
#
#   Benchmarks/medallion.sh [FILES] [ROWS]          default 6 × 1,000,000 lines
#   LAKEHOUSE=.build/debug/lakehouse Benchmarks/medallion.sh 6 20000    another binary (default: release, built)
#
# CPU-bound: run it alone. On the shared machine, under the build lock with a binary built first:
#   flock /tmp/lakehouse-build.lock swift build -c release -j 2 --product lakehouse
#   LAKEHOUSE=.build/release/lakehouse SAMPLE=1 flock /tmp/lakehouse-build.lock Benchmarks/medallion.sh 6 1000000
set -euo pipefail
cd "$(dirname "$0")/.."
files=${1:-6}
rows=${2:-1000000}
bin=${LAKEHOUSE:-.build/release/lakehouse}
if [ -z "${LAKEHOUSE:-}" ]; then
    if ! log=$(flock /tmp/lakehouse-build.lock swift build -c release --product lakehouse -j 2 2>&1); then echo "$log" >&2; exit 1; fi
fi
bin=$(realpath "$bin")
work=$(mktemp -d /tmp/lakehouse-medallion-XXXXXX)
trap 'rm -rf "$work"' EXIT
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(date -u +%Y-%m-%dT%H:%MZ)"
echo "command: $bin demo --warehouse WAREHOUSE --files $files --rows $rows"

run() { # label → prints wall s, peak KB; leaves the demo's output in $work/$label.out
    local label=$1
    /usr/bin/time -f "%e %M" -o "$work/$label.time" "$bin" demo --warehouse "$work/wh" --files "$files" --rows "$rows" \
        > "$work/$label.out" 2>&1 &
    local pid=$!
    if [ "${SAMPLE:-0}" = 1 ] && [ "$label" = first ]; then
        : > "$work/rss"
        while kill -0 $pid 2>/dev/null; do
            local child; child=$(pgrep -P $pid | head -1 || true)
            [ -n "$child" ] && awk -v t="$(date +%s.%N)" '/VmRSS/{print t, $2}' "/proc/$child/status" 2>/dev/null >> "$work/rss" || true
            sleep 0.2
        done
    fi
    wait $pid
    read -r wall kb < "$work/$label.time"
    printf "%-32s wall %7.1f s   peak RSS %6.1f MiB\n" "$label run" "$wall" "$(echo "$kb / 1024" | bc -l)"
}
run first
grep -E "^silver:|^gold:|^dq:" "$work/first.out" | sed 's/^/    /'
first_wall=$(cut -d' ' -f1 "$work/first.time")
run second
grep -E "^silver:" "$work/second.out" | sed 's/^/    /'
second_wall=$(cut -d' ' -f1 "$work/second.time")
printf "pipeline (first − second run)     %7.1f s for %d lines (%.0f lines/s)\n" "$(echo "$first_wall - $second_wall" | bc -l)" \
    "$((files * rows))" "$(echo "$files * $rows / ($first_wall - $second_wall)" | bc -l)"
if [ "${SAMPLE:-0}" = 1 ]; then
    echo "first run, peak RSS per stage (a stage ends at the pipeline's log line that names it):"
    grep -E "ingested|gold updated" "$work/first.out" | while read -r stamp rest; do
        echo "$(date -d "$stamp" +%s) $(sed -E 's/.*(object=[^ ]+).*/ingest \1/; s/.*gold updated.*/audit + gold/' <<< "$rest")"
    done > "$work/stages"
    echo "9999999999 gold quality + dashboard + exit" >> "$work/stages"
    awk 'NR == FNR { end[++n] = $1; $1 = ""; name[n] = substr($0, 2); next }
         { for (i = 1; i < n && $1 > end[i] + 1; i++); if ($2 > peak[i]) peak[i] = $2 }
         END { for (i = 1; i <= n; i++) printf "    %-72s %7.1f MiB\n", (i == 1 ? "generation + " : "") name[i], peak[i] / 1024 }' \
        "$work/stages" "$work/rss"
fi
