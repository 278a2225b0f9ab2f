#!/usr/bin/env bash
# Benchmarks of Lakehouse, in one of two harnesses:
#
#   Benchmarks/run.sh [ROWS]             side by side with DuckDB, polars, pyarrow, pyiceberg and
#                                        cramjam on one generated corpus (default 1,000,000 rows),
#                                        one thread (every tool pinned to one CPU) and two; prints
#                                        the markdown tables of Documentation/Performance.md
#   SECTIONS=parse,e2e THREADS=1 REPEAT=5 Benchmarks/run.sh    a subset: parse, encode, e2e,
#                                        codecs, iceberg, dq, rss, scan, decode
#   Benchmarks/run.sh --kernels [ROWS]   the in-process kernels with ordo-one package-benchmark
#                                        (the package in this directory): wall clock, throughput,
#                                        peak RSS and allocations per kernel, with percentiles
#
# The corpus comes from the project's generator (seed 7) into .build-bench/ (not in git), and so
# does the scan section's silver Iceberg table (the corpus's rows, appended by our CLI).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = "--kernels" ]; then
    rows=${2:-1000000}
    Scripts/bootstrap.sh --system
    cd Benchmarks
    exec env LAKEHOUSE_BENCH_ROWS="$rows" swift package --allow-writing-to-package-directory benchmark --format markdown
fi
rows=${1:-1000000}
Scripts/bootstrap.sh --system
python_line=$(Scripts/bootstrap.sh --venv | tail -n 1)
python=${python_line#LAKEHOUSE_PYTHON=}
# Quiet unless it fails (set -e alone would stop the script without saying why).
if ! build_log=$(swift build -c release --product lakehouse -j 2 2>&1); then
    echo "$build_log" >&2
    exit 1
fi
bin=.build/release/lakehouse
. Benchmarks/corpus.sh
corpus=$(ensure_corpus "$bin" "$rows")
sections=${SECTIONS:-parse,encode,e2e,codecs,iceberg,dq,rss,scan,decode}
# The scan section reads a silver table of the corpus's rows (day partitions, SQLite catalog) that our
# CLI writes once. Its metadata holds absolute paths, so it is built in place; .complete marks a table
# fully built (an interrupted build is started over).
scan=.build-bench/scan-$rows
if [[ ",$sections," == *,scan,* || ",$sections," == *,decode,* ]] && [ ! -f "$scan/.complete" ]; then
    rm -rf "$scan" && mkdir -p "$scan"
    where=(--catalog "$scan/catalog.db" --warehouse "$scan/warehouse")
    "$bin" iceberg create silver.cloudfront "${where[@]}" >/dev/null
    "$bin" iceberg append silver.cloudfront "$corpus/log.gz" "${where[@]}" --threads "$(nproc)" --rejects "$scan/rejects.jsonl" >/dev/null
    touch "$scan/.complete"
fi
echo "machine: $(nproc) CPU(s), $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "swift: $(swift --version 2>/dev/null | head -n 1)"
echo "peers: $("$python" -c 'import duckdb, polars, pyarrow, pyiceberg, cramjam; print(f"duckdb {duckdb.__version__}, polars {polars.__version__}, pyarrow {pyarrow.__version__}, pyiceberg {pyiceberg.__version__}, cramjam {cramjam.__version__}")')"
exec "$python" Benchmarks/peers.py --lakehouse "$bin" --plain "$corpus/plain.log" --gzip "$corpus/log.gz" \
    --rows "$rows" --threads "${THREADS:-1,2}" --repeat "${REPEAT:-3}" \
    --sections "$sections" --scan-catalog "$scan/catalog.db" --scan-warehouse "$scan/warehouse"
