#!/usr/bin/env bash
# Runs the main job: the end-to-end lakehouse demo on generated CloudFront logs, in a local
# warehouse under ./demo-warehouse (not in git).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v swift >/dev/null 2>&1 || { echo "demo: swift is not on PATH (Swift 6.3 is required)" >&2; exit 1; }
Scripts/bootstrap.sh --system
swift build -c release --product lakehouse -j 2
exec .build/release/lakehouse demo --warehouse "${1:-demo-warehouse}"
