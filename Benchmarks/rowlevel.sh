#!/usr/bin/env bash
# Row-level writes side by side with pyiceberg, on one core (taskset -c 0 when it exists):
#   (a) copy-on-write delete of the rows `sc_status >= 400` (~12 %, in every data file),
#   (b) upsert of UPSERT_ROWS rows by x_edge_request_id: half existing keys with a changed
#       sc_bytes, half new keys.
# One SQLite catalog holds two tables built the same way by our CLI from the same generated logs
# (ROWS rows, 100 hourly files over five days, day-partitioned CloudFront silver,
# write.delete.mode=copy-on-write, zstd at level ZSTD_LEVEL on both sides — default 1, pyarrow's and
# so pyiceberg's default; ours is 3 unless the table says otherwise): silver.ours is written by `lakehouse iceberg delete/upsert`,
# silver.theirs by pyiceberg (`Benchmarks/rowlevel.py`, SqlCatalog on the same catalog file).
# After every step both tables are read by pyiceberg + DuckDB (row count, distinct keys,
# sum of row hashes) and must agree, or the run fails: a wrong result invalidates the timing.
# Each measurement is a whole process (wall seconds and peak RSS from /usr/bin/time); pyiceberg's
# in-process time of the operation alone (no interpreter start-up, no imports) is shown too.
# Every repeat starts from freshly built tables.
#
#   Benchmarks/rowlevel.sh [ROWS] [UPSERT_ROWS]      default 1,000,000 and 100,000; REPEAT=3
#   LAKEHOUSE=.build/debug/lakehouse Benchmarks/rowlevel.sh 20000 2000    another binary, unbuilt
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-1000000}
upsert_rows=${2:-100000}
repeat=${REPEAT:-3}
level=${ZSTD_LEVEL:-1}
here=$(pwd)
bin=${LAKEHOUSE:-.build/release/lakehouse}
if [ -z "${LAKEHOUSE:-}" ]; then
    if ! log=$(flock /tmp/lakehouse-build.lock swift build -c release --product lakehouse -j 2 2>&1); then echo "$log" >&2; exit 1; fi
fi
bin=$(realpath "$bin")
python=${LAKEHOUSE_PYTHON:-$(ls -td ~/.cache/lakehouse/venv-*/ 2>/dev/null | head -1)bin/python}
helper="$here/Benchmarks/rowlevel.py"
pin=""
command -v taskset >/dev/null && pin="taskset -c 0"
work=$(mktemp -d /tmp/lakehouse-rowlevel-XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work"
catalog="$work/warehouse/catalog.db"
warehouse="$work/warehouse"
files=100
where="sc_status >= 400"

measure() { # label, command...: prints "label: S s, peak RSS M MB" and appends "label S M" to results.txt
    local label=$1; shift
    /usr/bin/time -f "%e %M" -o time.txt $pin "$@" > out.txt 2> err.txt || { cat out.txt err.txt >&2; exit 1; }
    read -r secs kb < time.txt
    local inproc
    inproc=$(sed -n 's/^pyiceberg-op-seconds //p' err.txt)
    echo "  $label: ${secs} s, peak RSS $((kb / 1024)) MB${inproc:+ (operation alone ${inproc} s)} — $(tail -n 1 out.txt)"
    echo "$label $secs $((kb / 1024)) ${inproc:--}" >> "$work/results.txt"
}
checksum() { "$python" "$helper" checksum "$catalog" "$warehouse" "$1"; }
same() { # step: both tables must read the same
    local ours theirs
    ours=$(checksum silver.ours); theirs=$(checksum silver.theirs)
    if [ "$ours" != "$theirs" ]; then echo "after $1: ours $ours, pyiceberg $theirs — results differ" >&2; exit 1; fi
    echo "  after $1 both read $ours"
}

"$bin" cloudfront generate --rows $((rows / files)) --files $files --out logs --seed 7 > /dev/null
"$bin" cloudfront generate --rows $((upsert_rows / 2 / 5 + 1)) --files 5 --out newlogs --seed 8 --start 2024-03-08-00 > /dev/null
echo "machine: $(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1); pinned: ${pin:-no}"
echo "table: $rows rows ($files hourly logs, day partitions, zstd level $level); delete where $where; upsert $upsert_rows rows"
for i in $(seq 1 "$repeat"); do
    echo "repeat $i"
    rm -rf warehouse
    for t in silver.ours silver.theirs; do
        "$bin" iceberg create "$t" --property write.delete.mode=copy-on-write \
            --property write.parquet.compression-codec=zstd --property write.parquet.compression-level="$level" > /dev/null
        "$bin" iceberg append "$t" logs/* > /dev/null
    done
    "$bin" iceberg create scratch.new > /dev/null
    "$bin" iceberg append scratch.new newlogs/* > /dev/null
    echo "  $(find warehouse/silver.db/ours/data -name '*.parquet' | wc -l) data files per table"
    same "create + append"
    measure "delete lakehouse" "$bin" iceberg delete silver.ours --where "$where"
    measure "delete pyiceberg" "$python" "$helper" delete "$catalog" "$warehouse" silver.theirs "$where"
    same "delete"
    "$python" "$helper" prepare "$catalog" "$warehouse" silver.ours scratch.new upsert.parquet "$upsert_rows"
    measure "upsert lakehouse" "$bin" iceberg upsert silver.ours upsert.parquet --key x_edge_request_id
    measure "upsert pyiceberg" "$python" "$helper" upsert "$catalog" "$warehouse" silver.theirs upsert.parquet x_edge_request_id
    same "upsert"
done
echo "medians of $repeat:"
for op in delete upsert; do
    ours=$(awk -v l="$op" '$1 == l && $2 == "lakehouse" {print $3}' results.txt | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
    theirs=$(awk -v l="$op" '$1 == l && $2 == "pyiceberg" {print $3}' results.txt | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
    inproc=$(awk -v l="$op" '$1 == l && $2 == "pyiceberg" {print $5}' results.txt | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
    ours_rss=$(awk -v l="$op" '$1 == l && $2 == "lakehouse" {print $4}' results.txt | sort -n | tail -1)
    theirs_rss=$(awk -v l="$op" '$1 == l && $2 == "pyiceberg" {print $4}' results.txt | sort -n | tail -1)
    printf '  %s: lakehouse %s s (peak RSS %s MB), pyiceberg %s s (operation alone %s s, peak RSS %s MB); speedup %.1fx (%.1fx against the operation alone)\n' \
        "$op" "$ours" "$ours_rss" "$theirs" "$inproc" "$theirs_rss" \
        "$(echo "$theirs / $ours" | bc -l)" "$(echo "$inproc / $ours" | bc -l)"
done
