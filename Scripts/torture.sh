#!/usr/bin/env bash
# The reliability torture run (Documentation/Reliability.md): the crash-at-any-point sweep of
# append, copy-on-write and merge-on-read delete, upsert (both modes), compaction, manifest
# rewrite and expiry three times over plus kills at random times, concurrent appenders (4 x 25,
# 8 x 25, 16 x 10) and row-level writers across processes, maintenance under 4 appending
# processes, every bad-input case of the CLI, the corrupted-table cases and the resource faults
# (full disk, read-only warehouse, unreachable AWS endpoint), at full size (LAKEHOUSE_TORTURE=1,
# LAKEHOUSE_FULL_CONCURRENCY=1). The test command runs the scaled-down versions of the same suites.
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
log=$(mktemp "${TMPDIR:-/tmp}/lakehouse-torture.XXXXXX")
status=0
swift test --skip-build \
    --filter 'CrashTortureTests|MaintenanceTortureTests|ProcessConcurrencyTests|RowLevelProcessConcurrencyTests|BadInputTests|CorruptTableTests|ResourceFaultTests' \
    > "$log" 2>&1 || status=$?
{
    echo "case|runs|passed|rows lost|rows doubled|hangs"
    grep -E '^torture\|' "$log" | cut -d'|' -f2- || true
    # Every other test: one case, passed or failed ("hangs" counts a time limit reached).
    grep -E '^(✔|✘) Test .* (passed|failed) after ' "$log" | grep -vE '^(✔|✘) Test run with|SIGKILL at every write point|processes × M appends' \
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
