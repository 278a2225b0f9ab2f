#!/usr/bin/env bash
# The reliability torture run (Documentation/Reliability.md): the crash-at-any-point sweep of
# append, copy-on-write delete, compaction and expiry three times over plus kills at random times,
# concurrent appenders and row-level writers across processes, maintenance under 4 appending
# processes, every bad-input case of the CLI and the corrupted-table cases, at full size
# (LAKEHOUSE_TORTURE=1, LAKEHOUSE_FULL_CONCURRENCY=1). The test command runs the scaled-down
# versions of the same suites.
#
#   Scripts/torture.sh            (builds the tests first; about 10 min on 2 cores)
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
    --filter 'CrashTortureTests|MaintenanceTortureTests|ProcessConcurrencyTests|RowLevelProcessConcurrencyTests|BadInputTests|CorruptTableTests' \
    > "$log" 2>&1 || status=$?
echo "case                                 runs, passed, rows lost, rows doubled, hangs"
grep -E '^  (append|delete|compaction|expire)' "$log" || true
grep -E '^(✔|✘) (Test|Suite) ' "$log" | sed -E 's/ with [0-9]+ test cases?//' | cut -c1-200
echo "log: $log"
exit $status
