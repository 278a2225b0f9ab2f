#!/usr/bin/env bash
# Runs every test: unit, property, interop (pyarrow, polars, DuckDB, pyiceberg, fastavro,
# cramjam, botocore from a cached venv), LakeAWS against local emulators (moto, SeaweedFS,
# ministack on 127.0.0.1, stopped by PID on exit), one run of every benchmark kernel on a small
# corpus and a short smoke run of every fuzz target.
#
#   Scripts/test.sh                 everything
#   LAKEHOUSE_FUZZ_SECONDS=0 ...    skip the fuzz smoke runs
#   LAKEHOUSE_BENCH_SMOKE=0 ...     skip the benchmark kernels' smoke run
set -euo pipefail
cd "$(dirname "$0")/.."

command -v swift >/dev/null 2>&1 || { echo "test: swift is not on PATH (Swift 6.3 is required)" >&2; exit 1; }
Scripts/bootstrap.sh --system
python_line=$(Scripts/bootstrap.sh --venv | tail -n 1)
export LAKEHOUSE_PYTHON=${python_line#LAKEHOUSE_PYTHON=}
export LAKEHOUSE_REQUIRE_INTEROP=1

# The AWS emulators, started before the build so they are up by the time the tests run.
services_env=$(mktemp "${TMPDIR:-/tmp}/lakehouse-services-env.XXXXXX")
trap 'Scripts/services.sh stop "$services_env"' EXIT
Scripts/services.sh start "$services_env"
# shellcheck disable=SC1090
. "$services_env"

# Two cores: build once, then run the suites in one process (Swift Testing parallelises inside it).
swift build --build-tests -j 2
swift test --skip-build

# The Examples package (its own .build under Examples/): built, and one medallion run on a small
# generated bronze (2 objects × 2,000 lines across midnight) that must write the dashboard.
swift build --package-path Examples -j 2
examples_tmp=$(mktemp -d "${TMPDIR:-/tmp}/lakehouse-examples.XXXXXX")
.build/debug/lakehouse cloudfront generate --rows 2000 --files 2 --out "$examples_tmp/bronze" --seed 7 --start 2024-03-07-23 > /dev/null
if ! Examples/.build/debug/medallion --warehouse "$examples_tmp/wh" --bronze "$examples_tmp/bronze" > "$examples_tmp/medallion.log" 2>&1 \
        || [ ! -s "$examples_tmp/wh/dashboard/daily.json" ] || [ ! -s "$examples_tmp/wh/dashboard/index.html" ]; then
    cat "$examples_tmp/medallion.log"
    echo "examples: the medallion run failed or wrote no dashboard" >&2
    exit 1
fi
rm -rf "$examples_tmp"
echo "examples: built; medallion ran on 2 x 2,000 generated lines and wrote the dashboard"

# The benchmark kernels (a package of their own, Benchmarks/Package.swift) build and run once on
# a small corpus, so the harness cannot rot; a kernel that fails stops with an error.
if [ "${LAKEHOUSE_BENCH_SMOKE:-1}" != 0 ]; then
    if ! (cd Benchmarks && LAKEHOUSE_BENCH_ROWS=20000 LAKEHOUSE_BENCH_ITERATIONS=1 \
            swift package --allow-writing-to-package-directory benchmark --quiet --no-progress) > .build/bench-smoke.log 2>&1; then
        tail -n 40 .build/bench-smoke.log
        echo "benchmark smoke run failed (log: .build/bench-smoke.log)" >&2
        exit 1
    fi
    echo "benchmarks: every kernel ran once on 20,000 rows"
fi

fuzz_seconds=${LAKEHOUSE_FUZZ_SECONDS:-15}
if [ "$fuzz_seconds" != 0 ]; then
    mkdir -p .build-fuzz
    if ! Scripts/fuzz.sh all "$fuzz_seconds" > .build-fuzz/smoke.log 2>&1; then
        tail -n 60 .build-fuzz/smoke.log
        echo "fuzz smoke run failed (log: .build-fuzz/smoke.log)" >&2
        exit 1
    fi
    grep -E '^== running|^Done [0-9]+ runs' .build-fuzz/smoke.log | sed 's/^/fuzz: /'
fi
