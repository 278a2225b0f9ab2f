#!/usr/bin/env bash
# Iceberg on a local S3 server, lakehouse side by side with pyiceberg (see Benchmarks/s3.py):
#
#   Benchmarks/s3.sh [COMMITS]      append+commit latency (COMMITS appends of 1,000 rows, default 20),
#                                   the peak RSS of a 1 M-row append, and the scan of those rows
#   SERVER=moto Benchmarks/s3.sh    on moto instead of SeaweedFS (the default, the faster server)
#
# Starts the emulators with Scripts/services.sh (stopped at exit by PID), a fresh bucket each run.
# The corpus is the one Benchmarks/run.sh generates (.build-bench/corpus-1000000, made if missing).
set -euo pipefail
cd "$(dirname "$0")/.."
commits=${1:-20}
Scripts/bootstrap.sh --system
python_line=$(Scripts/bootstrap.sh --venv | tail -n 1)
python=${python_line#LAKEHOUSE_PYTHON=}
if ! build_log=$(swift build -c release --product lakehouse -j 2 2>&1); then
    echo "$build_log" >&2
    exit 1
fi
bin=.build/release/lakehouse
. Benchmarks/corpus.sh
corpus=$(ensure_corpus "$bin" 1000000)
work=$(mktemp -d /tmp/lakehouse-s3-bench.XXXXXX)
env_file="$work/services.env"
trap 'Scripts/services.sh stop "$env_file" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
Scripts/services.sh start "$env_file" >/dev/null
. "$env_file"
small="$work/small.log"
"$bin" cloudfront generate --rows 1000 --files 1 --seed 11 --plain --out "$work/g" >/dev/null
mv "$work"/g/*.2024-* "$small"
case "${SERVER:-seaweed}" in
    moto) endpoint=$LAKEHOUSE_MOTO_ENDPOINT; export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing ;;
    *) endpoint=$LAKEHOUSE_SEAWEED_ENDPOINT; export AWS_ACCESS_KEY_ID=$LAKEHOUSE_SEAWEED_KEY AWS_SECRET_ACCESS_KEY=$LAKEHOUSE_SEAWEED_SECRET ;;
esac
export AWS_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true
bucket=bench-$RANDOM$RANDOM
"$python" -c "import boto3, sys; boto3.client('s3', endpoint_url=sys.argv[1], region_name='us-east-1').create_bucket(Bucket=sys.argv[2])" "$endpoint" "$bucket"
echo "machine: $(nproc) CPU(s), $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "server: ${SERVER:-seaweed} at $endpoint; pyiceberg $("$python" -c 'import pyiceberg; print(pyiceberg.__version__)')"
"$python" Benchmarks/s3.py --lakehouse "$bin" --endpoint "$endpoint" --bucket "$bucket" --work "$work" \
    --small-log "$small" --big-log "$corpus/log.gz" --commits "$commits" --repeat "${REPEAT:-3}"
