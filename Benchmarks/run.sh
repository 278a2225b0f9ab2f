#!/usr/bin/env bash
# Side-by-side benchmark: Lakehouse vs DuckDB, polars and pyarrow on one generated corpus.
#
#   Benchmarks/run.sh [ROWS] [THREADS]      defaults: 1000000 rows, 1 thread
#   SECTIONS=dq Benchmarks/run.sh           only some of parse,encode,dq
#
# Builds the release CLI, generates the corpus with the project's generator (seed 7) into
# .build-bench/ (not in git), and prints a markdown table for Documentation/Performance.md.
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-1000000}
threads=${2:-1}
Scripts/bootstrap.sh --system
python_line=$(Scripts/bootstrap.sh --venv | tail -n 1)
python=${python_line#LAKEHOUSE_PYTHON=}
swift build -c release --product lakehouse -j 2 >/dev/null
bin=.build/release/lakehouse
corpus=.build-bench/corpus-$rows
if [ ! -f "$corpus/plain.log" ]; then
    rm -rf "$corpus" && mkdir -p "$corpus"
    "$bin" cloudfront generate --rows "$rows" --files 1 --seed 7 --plain --out "$corpus/p" >/dev/null
    mv "$corpus"/p/*.2024-* "$corpus/plain.log"
    gzip -6 -c "$corpus/plain.log" > "$corpus/log.gz"
fi
"$python" Benchmarks/peers.py --lakehouse "$bin" --plain "$corpus/plain.log" --gzip "$corpus/log.gz" \
    --rows "$rows" --threads "$threads" --repeat "${REPEAT:-3}" --sections "${SECTIONS:-parse,encode,dq}"
