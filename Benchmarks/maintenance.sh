#!/usr/bin/env bash
# Table maintenance benchmark: an hourly ingest of FILES small CloudFront logs (ROWS_PER_FILE rows
# each, one append per file, day-partitioned silver table on the SQLite catalog), then
#   - append + commit wall time (the CLI process included): the median of the ten appends
#     around append 60, around append 500 (when FILES ≥ 505) and of the last ten,
#   - planning: `iceberg scan --plan-only` (the table load and the planning of the current
#     snapshot, timed inside the process), median of 5, after the first append (1 manifest,
#     1 file) and after the last, before and after rewrite-manifests, and of a second table holding
#     the same files from one add-files commit (1 manifest); each as a scan plans (no column
#     metrics decoded) and with every column's metrics (--include-column-stats); `iceberg scan --discard`
#     (every row, whole process) before and after as well,
#   - compaction of all the small files: wall time, rows/s, input MB/s, peak RSS (one core:
#     everything pinned with taskset when it exists),
#   - expire-snapshots (keep the last) and remove-orphans wall time,
#   - the median of ten appends + commits after the maintenance.
#
#   Benchmarks/maintenance.sh [FILES] [ROWS_PER_FILE]      default 1000 files × 1000 rows (1 M rows)
#   LAKEHOUSE=.build/debug/lakehouse Benchmarks/maintenance.sh 50 1000    another binary (default: release, built)
#   MANIFEST_MERGE=false Benchmarks/maintenance.sh 500 2000    the table's commit.manifest-merge.enabled (default: unset, true)
#
# CPU-bound: run it alone. On the shared machine, under the build lock with a binary built first:
#   flock /tmp/lakehouse-build.lock swift build -c release -j 2 --product lakehouse
#   LAKEHOUSE=.build/release/lakehouse flock /tmp/lakehouse-build.lock Benchmarks/maintenance.sh
set -euo pipefail
cd "$(dirname "$0")/.."
files=${1:-1000}
rows=${2:-1000}
bin=${LAKEHOUSE:-.build/release/lakehouse}
if [ -z "${LAKEHOUSE:-}" ]; then
    if ! log=$(flock /tmp/lakehouse-build.lock swift build -c release --product lakehouse -j 2 2>&1); then echo "$log" >&2; exit 1; fi
fi
bin=$(realpath "$bin")
pin=""
command -v taskset >/dev/null && pin="taskset -c 0"
work=$(mktemp -d /tmp/lakehouse-maintenance-XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work"
now() { date +%s.%N; }
elapsed() { echo "$(now) - $1" | bc -l | xargs printf "%.4f"; }
median() { sort -n | awk '{a[NR] = $1} END {printf "%.4f", (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
measure() { # label, command...: prints "label: seconds s, peak RSS MB — last line of output"
    local label=$1; shift
    /usr/bin/time -f "%e %M" -o time.txt $pin "$@" > out.txt 2> err.txt || { cat err.txt >&2; exit 1; }
    read -r secs kb < time.txt
    echo "$label: ${secs} s, peak RSS $((kb / 1024)) MB — $(tail -n 1 out.txt)"
}
plan() { # label [table]: `scan --plan-only` (table load and planning timed in the process), median of 5,
          # as a scan plans (no column metrics decoded) and with every column's metrics decoded
    local label=$1 table=${2:-silver.cloudfront} load planning full
    for _ in 1 2 3 4 5; do $pin "$bin" iceberg scan "$table" --plan-only | grep 'files planned'; done > plan.txt
    for _ in 1 2 3 4 5; do $pin "$bin" iceberg scan "$table" --plan-only --include-column-stats | grep 'files planned'; done > plan-full.txt
    load=$(sed -E 's/.*load ([0-9.]+) ms.*/\1/' plan.txt | median)
    planning=$(sed -E 's/.*planning ([0-9.]+) ms.*/\1/' plan.txt | median)
    full=$(sed -E 's/.*planning ([0-9.]+) ms.*/\1/' plan-full.txt | median)
    echo "$label: $(head -n 1 plan.txt | cut -d';' -f1), median of 5: load $load ms, planning $planning ms ($full ms with every column's stats)"
}

"$bin" cloudfront generate --rows "$rows" --files "$files" --out logs --seed 7 > /dev/null
"$bin" iceberg create silver.cloudfront > /dev/null
if [ -n "${MANIFEST_MERGE:-}" ]; then "$bin" iceberg properties silver.cloudfront set "commit.manifest-merge.enabled=$MANIFEST_MERGE" > /dev/null; fi
: > appends.txt
i=0
for log in $(ls logs | sort); do
    i=$((i + 1))
    t=$(now)
    $pin "$bin" iceberg append silver.cloudfront "logs/$log" > /dev/null
    echo "$i $(elapsed "$t")" >> appends.txt
    if [ "$i" -eq 1 ]; then plan "after append 1 (1 manifest, 1 file)"; fi
done
window() { awk -v lo="$1" -v hi="$2" '$1 >= lo && $1 <= hi {print $2}' appends.txt | median; }
echo "append+commit, median of appends 56-65: $(window 56 65) s"
if [ "$files" -ge 505 ]; then echo "append+commit, median of appends 496-505: $(window 496 505) s"; fi
echo "append+commit, median of appends $((files - 9))-$files: $(window $((files - 9)) "$files") s"
bytes=$(find warehouse/silver.db/cloudfront/data -name '*.parquet' -printf '%s\n' | awk '{s += $1} END {print s}')
echo "data: $((files * rows)) rows in $(find warehouse/silver.db/cloudfront/data -name '*.parquet' | wc -l) files, $bytes bytes"
plan "after append $files, before rewrite-manifests"
# The same data files committed at once (add-files, one commit): one manifest of $files ADDED entries.
"$bin" iceberg create silver.oneshot > /dev/null
"$bin" iceberg add-files silver.oneshot $(find warehouse/silver.db/cloudfront/data -name '*.parquet' | sort) > /dev/null
plan "one commit of the same $files files (1 manifest)" silver.oneshot
measure "scan --discard before rewrite-manifests" "$bin" iceberg scan silver.cloudfront --discard
measure "rewrite-manifests" "$bin" iceberg rewrite-manifests silver.cloudfront
plan "after rewrite-manifests"
measure "scan --discard after rewrite-manifests" "$bin" iceberg scan silver.cloudfront --discard
measure "compact" "$bin" iceberg compact silver.cloudfront
secs=$(cut -d' ' -f1 time.txt)
echo "compaction throughput: $(echo "$files * $rows / $secs" | bc -l | xargs printf "%.0f") rows/s, $(echo "$bytes / 1048576 / $secs" | bc -l | xargs printf "%.1f") MB/s"
echo "after compaction: $(find warehouse/silver.db/cloudfront/data -name '*.parquet' -newer appends.txt | wc -l) new data files, sizes (MB): $(find warehouse/silver.db/cloudfront/data -name '*.parquet' -newer appends.txt -printf '%s\n' | awk '{printf "%.1f ", $1 / 1048576}')"
measure "expire-snapshots --older-than 0s --retain-last 1" "$bin" iceberg expire-snapshots silver.cloudfront --older-than 0s --retain-last 1
measure "remove-orphans --older-than 0s" "$bin" iceberg remove-orphans silver.cloudfront --older-than 0s
plan "after maintenance"
measure "scan --discard after maintenance" "$bin" iceberg scan silver.cloudfront --discard
"$bin" cloudfront generate --rows "$rows" --files 10 --out more --seed 8 > /dev/null
: > after.txt
for log in $(ls more | sort); do
    t=$(now)
    $pin "$bin" iceberg append silver.cloudfront "more/$log" > /dev/null
    elapsed "$t" >> after.txt; echo >> after.txt
done
echo "append+commit after maintenance, median of 10: $(grep . after.txt | median) s"
