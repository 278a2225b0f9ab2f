#!/usr/bin/env bash
# Table maintenance benchmark: an hourly ingest of FILES small CloudFront logs (ROWS_PER_FILE rows
# each, one append per file, day-partitioned silver table on the SQLite catalog), then
#   - append + commit wall time (the CLI process included) at append 60 and at the last append,
#   - `iceberg scan --discard` wall time before and after rewrite-manifests (planning dominates
#     at small row counts),
#   - compaction of all the small files: wall time, rows/s, input MB/s, peak RSS (one core:
#     everything pinned with taskset when it exists),
#   - expire-snapshots (keep the last) and remove-orphans wall time,
#   - append + commit wall time after the maintenance.
#
#   Benchmarks/maintenance.sh [FILES] [ROWS_PER_FILE]      default 1000 files × 1000 rows (1 M rows)
#   LAKEHOUSE=.build/debug/lakehouse Benchmarks/maintenance.sh 50 1000    another binary (default: release, built)
set -euo pipefail
cd "$(dirname "$0")/.."
files=${1:-1000}
rows=${2:-1000}
bin=${LAKEHOUSE:-.build/release/lakehouse}
if [ -z "${LAKEHOUSE:-}" ]; then
    if ! log=$(swift build -c release --product lakehouse -j 2 2>&1); then echo "$log" >&2; exit 1; fi
fi
bin=$(realpath "$bin")
pin=""
command -v taskset >/dev/null && pin="taskset -c 0"
work=$(mktemp -d /tmp/lakehouse-maintenance-XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work"
now() { date +%s.%N; }
elapsed() { echo "$(now) - $1" | bc -l | xargs printf "%.3f"; }
measure() { # label, command...: prints "label: seconds s, peak RSS KB"
    local label=$1; shift
    /usr/bin/time -f "%e %M" -o time.txt $pin "$@" > out.txt 2> err.txt || { cat err.txt >&2; exit 1; }
    read -r secs kb < time.txt
    echo "$label: ${secs} s, peak RSS $((kb / 1024)) MB — $(tail -n 1 out.txt)"
}

"$bin" cloudfront generate --rows "$rows" --files "$files" --out logs --seed 7 > /dev/null
"$bin" iceberg create silver.cloudfront > /dev/null
i=0
for log in $(ls logs | sort); do
    i=$((i + 1))
    t=$(now)
    $pin "$bin" iceberg append silver.cloudfront "logs/$log" > /dev/null
    if [ "$i" -eq 60 ] || [ "$i" -eq "$files" ]; then echo "append+commit at append $i: $(elapsed "$t") s"; fi
done
bytes=$(find warehouse/silver.db/cloudfront/data -name '*.parquet' -printf '%s\n' | awk '{s += $1} END {print s}')
echo "data: $((files * rows)) rows in $(find warehouse/silver.db/cloudfront/data -name '*.parquet' | wc -l) files, $bytes bytes"
measure "scan --discard before rewrite-manifests" "$bin" iceberg scan silver.cloudfront --discard
measure "rewrite-manifests" "$bin" iceberg rewrite-manifests silver.cloudfront
measure "scan --discard after rewrite-manifests" "$bin" iceberg scan silver.cloudfront --discard
t=$(now)
measure "compact" "$bin" iceberg compact silver.cloudfront
secs=$(cut -d' ' -f1 time.txt)
echo "compaction throughput: $(echo "$files * $rows / $secs" | bc -l | xargs printf "%.0f") rows/s, $(echo "$bytes / 1048576 / $secs" | bc -l | xargs printf "%.1f") MB/s"
measure "expire-snapshots --older-than 0s --retain-last 1" "$bin" iceberg expire-snapshots silver.cloudfront --older-than 0s --retain-last 1
measure "remove-orphans --older-than 0s" "$bin" iceberg remove-orphans silver.cloudfront --older-than 0s
measure "scan --discard after maintenance" "$bin" iceberg scan silver.cloudfront --discard
"$bin" cloudfront generate --rows "$rows" --files 1 --out more --seed 8 > /dev/null
t=$(now)
$pin "$bin" iceberg append silver.cloudfront "more/$(ls more | head -1)" > /dev/null
echo "append+commit after maintenance: $(elapsed "$t") s"
