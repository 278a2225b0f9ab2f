#!/usr/bin/env bash
# Inflate beyond zlib, measured side by side in one run (figures in Documentation/Performance.md,
# "Inflate: ISA-L, zlib, libdeflate"):
#
#   Benchmarks/inflate.sh [ROWS]     (default 1,000,000 rows; REPEAT=3)
#
# The inflate kernel alone (C: zlib, ISA-L, libdeflate; our Inflater on ISA-L and on zlib;
# Python's gzip), then gz -> typed batches and gz -> Parquet zstd-3 on one core for lakehouse on
# each backend (LAKEHOUSE_INFLATE=isal|zlib) against polars and pyarrow. Uses Benchmarks/run.sh's
# corpus (.build-bench/corpus-ROWS/log.gz, generated with seed 7 if missing). SKIP_BUILD=1 uses
# the release binary as it is.
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-1000000}
Scripts/bootstrap.sh --system
python_line=$(Scripts/bootstrap.sh --venv | tail -n 1)
python=${python_line#LAKEHOUSE_PYTHON=}
if [ "${SKIP_BUILD:-0}" != 1 ]; then
    if ! build_log=$(swift build -c release --product lakehouse -j 2 2>&1); then
        echo "$build_log" >&2
        exit 1
    fi
fi
bin=.build/release/lakehouse
. Benchmarks/corpus.sh
corpus=$(ensure_corpus "$bin" "$rows")
# `bench codec` compresses a plain file with zlib level 6 and then inflates it: the same bytes.
ln -sf plain.log "$corpus/log.gz.plain"
kernel=.build-bench/inflate_kernel
flags=()
[ -f /usr/include/isa-l/igzip_lib.h ] && flags+=(-DHAVE_ISAL -lisal)
[ -f /usr/include/libdeflate.h ] && flags+=(-DHAVE_LIBDEFLATE -ldeflate)
cc -O2 Benchmarks/Inflate/inflate_kernel.c -o "$kernel" -lz "${flags[@]}"
echo "machine: $(nproc) CPU(s), $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "libraries: zlib $(dpkg-query -W -f '${Version}' zlib1g 2>/dev/null || echo ?), isa-l $(dpkg-query -W -f '${Version}' libisal2 2>/dev/null || echo absent), libdeflate $(dpkg-query -W -f '${Version}' libdeflate0 2>/dev/null || echo absent)"
echo "peers: $("$python" -c 'import polars, pyarrow; print(f"polars {polars.__version__}, pyarrow {pyarrow.__version__}")')"
exec "$python" Benchmarks/inflate.py --lakehouse "$bin" --gzip "$corpus/log.gz" --rows "$rows" --kernel "$kernel" --repeat "${REPEAT:-3}"
