#!/usr/bin/env bash
# The reliability torture run (Documentation/Reliability.md): the crash-at-any-point sweep of
# append, copy-on-write and merge-on-read delete, upsert (both modes), compaction, manifest
# rewrite, overwrite(where:), dynamic partition overwrite and expiry three times over plus kills
# at random times; the same worker killed mid-commit on the catalog-less S3 path (SeaweedFS) and
# Glue (ministack); concurrent appenders (4 x 25, 8 x 25, 16 x 10 on SQLite; 4 x 5 and 8 x 25
# processes on S3 and Glue), two overwrites of one partition racing (SQLite, S3, Glue) and
# row-level writers across processes, maintenance under 4 appending processes, every bad-input
# case of the CLI, the corrupted-table cases and the resource faults (full disk, read-only
# warehouse, read-only catalog, unreachable AWS endpoint), at full size (LAKEHOUSE_TORTURE=1,
# LAKEHOUSE_FULL_CONCURRENCY=1). The test command runs the scaled-down versions of the same suites.
# The emulators (moto, SeaweedFS, ministack) are started here unless LAKEHOUSE_MOTO_ENDPOINT is set.
#
# It prints one table over every case: the suites that count rows print a `torture|` line per
# case (crash sweeps, concurrency); every other test is one case that passed or not.
#
#   Scripts/torture.sh            (builds the tests first; about 15 min on 2 cores)
set -euo pipefail
cd "$(dirname "$0")/.."
Scripts/bootstrap.sh --system
python_line=$(Scripts/bootstrap.sh --venv | tail -n 1)
export LAKEHOUSE_PYTHON=${python_line#LAKEHOUSE_PYTHON=}
export LAKEHOUSE_REQUIRE_INTEROP=1 LAKEHOUSE_TORTURE=1 LAKEHOUSE_FULL_CONCURRENCY=1
swift build --build-tests -j 2
if [ -z "${LAKEHOUSE_MOTO_ENDPOINT:-}" ]; then
    services_env=$(mktemp "${TMPDIR:-/tmp}/lakehouse-services-env.XXXXXX")
    trap 'Scripts/services.sh stop "$services_env"' EXIT
    Scripts/services.sh start "$services_env"
    . "$services_env"
fi
log=$(mktemp "${TMPDIR:-/tmp}/lakehouse-torture.XXXXXX")
status=0
swift test --skip-build \
    --filter 'CrashTortureTests|AWSCrashTortureTests|MaintenanceTortureTests|ProcessConcurrencyTests|RowLevelProcessConcurrencyTests|BadInputTests|CorruptTableTests|ResourceFaultTests' \
    > "$log" 2>&1 || status=$?
{
    echo "case|runs|passed|rows lost|rows doubled|hangs"
    grep -E '^torture\|' "$log" | cut -d'|' -f2- || true
    # Every other test: one case, passed or failed ("hangs" counts a time limit reached).
    grep -E '^(✔|✘) Test .* (passed|failed) after ' "$log" | grep -vE '^(✔|✘) Test run with|SIGKILL at every write point|SIGKILL at the write points|processes × M appends|N processes appending at once|two processes overwriting one partition' \
        | sed -E 's/ with [0-9]+ test cases?//' | while IFS= read -r line; do
            name=$(echo "$line" | sed -E 's/^(✔|✘) Test "?([^"]*)"?.*/\2/' | cut -c1-80)
            case "$line" in
                ✔*) echo "$name|1|1|-|-|0" ;;
                *) hang=0; echo "$line" | grep -q 'time limit' && hang=1; echo "$name|1|0|-|-|$hang" ;;
            esac
        done || true
} | column -t -s '|'
echo "log: $log"
exit $status
