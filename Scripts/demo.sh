#!/usr/bin/env bash
# Runs the main job: the medallion pipeline (Examples/: ingest → quality → gold → maintain →
# dashboard) on generated CloudFront logs, in a local warehouse under ./demo-warehouse (not in
# git). A second run finds nothing new and changes no table.
#
#   Scripts/demo.sh [WAREHOUSE] [OBJECTS] [LINES]     defaults: demo-warehouse 6 20000
set -euo pipefail
cd "$(dirname "$0")/.."
command -v swift >/dev/null 2>&1 || { echo "demo: swift is not on PATH (Swift 6.3 is required)" >&2; exit 1; }
Scripts/bootstrap.sh --system
warehouse=${1:-demo-warehouse}
objects=${2:-6}
lines=${3:-20000}
bronze="$warehouse/bronze"
swift build -c release --product lakehouse -j 2
swift build -c release --package-path Examples --product medallion -j 2
# Bronze: hourly gzip objects as CloudFront names them, from the seeded generator (the same seed
# names the same objects, so a rerun adds nothing).
if ! ls "$bronze"/*.gz >/dev/null 2>&1; then
    .build/release/lakehouse cloudfront generate --rows "$lines" --files "$objects" --out "$bronze" --seed 2024 --start 2024-03-07-20
fi
Examples/.build/release/medallion --warehouse "$warehouse" --bronze "$bronze"
echo "demo: open $warehouse/dashboard/index.html in a browser (gold tables in $warehouse/catalog.db: gold.daily, gold.daily_top)"
