#!/usr/bin/env bash
# Installs what building and testing Lakehouse needs, once; later runs are no-ops.
#
#   Scripts/bootstrap.sh [--system] [--venv]     (no flag: both)
#
# --system  Debian packages: libzstd-dev, zlib1g-dev, libsqlite3-dev, pkg-config (apt-get, as root or via sudo),
#           and libisal-dev (ISA-L's igzip: faster gzip inflate; optional, the build falls back to zlib).
# --venv    The Python venv of independent readers used by the interop tests, cached under
#           ${LAKEHOUSE_CACHE:-~/.cache/lakehouse}/venv-<hash of Tests/Interop/requirements.txt>.
#           Prints `LAKEHOUSE_PYTHON=<path>` as its last line.
set -euo pipefail
cd "$(dirname "$0")/.."

want_system=0 want_venv=0
[ $# -eq 0 ] && { want_system=1; want_venv=1; }
for arg in "$@"; do
    case "$arg" in
        --system) want_system=1 ;;
        --venv) want_venv=1 ;;
        *) echo "bootstrap: unknown option $arg" >&2; exit 2 ;;
    esac
done

die() { echo "bootstrap: $*" >&2; exit 1; }

apt_install() {
    local runner=()
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null 2>&1 || die "need root or sudo to install: $* (install them and re-run)"
        runner=(sudo)
    fi
    command -v apt-get >/dev/null 2>&1 || die "apt-get not found; install these packages by hand: $*"
    echo "bootstrap: installing $* with apt-get" >&2
    "${runner[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 || die "apt-get update failed"
    "${runner[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >&2 || die "apt-get install $* failed"
}

if [ $want_system = 1 ]; then
    missing=()
    [ -f /usr/include/zstd.h ] || missing+=(libzstd-dev)
    [ -f /usr/include/zlib.h ] || missing+=(zlib1g-dev)
    [ -f /usr/include/sqlite3.h ] || missing+=(libsqlite3-dev)
    command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
    [ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"
    # ISA-L only speeds up inflate: a machine that cannot install it builds and runs on zlib.
    if [ ! -f /usr/include/isa-l/igzip_lib.h ]; then
        ( apt_install libisal-dev ) \
            || echo "bootstrap: libisal-dev could not be installed; gzip inflates with zlib (slower, same results)" >&2
    fi
fi

if [ $want_venv = 1 ]; then
    requirements=Tests/Interop/requirements.txt
    cache=${LAKEHOUSE_CACHE:-$HOME/.cache/lakehouse}
    key=$(sha256sum "$requirements" | cut -c1-16)
    venv="$cache/venv-$key"
    if [ ! -f "$venv/.complete" ]; then
        command -v python3 >/dev/null 2>&1 || apt_install python3 python3-venv
        if ! python3 -m venv --help >/dev/null 2>&1 || ! python3 -c 'import ensurepip' >/dev/null 2>&1; then
            apt_install python3-venv
        fi
        echo "bootstrap: creating interop venv at $venv (about 1 GB, first run only)" >&2
        rm -rf "$venv"
        mkdir -p "$cache"
        python3 -m venv "$venv" >&2 || die "python3 -m venv failed"
        "$venv/bin/pip" install -q --disable-pip-version-check -r "$requirements" >&2 \
            || die "pip install -r $requirements failed (is PyPI reachable?)"
        touch "$venv/.complete"
    fi
    echo "LAKEHOUSE_PYTHON=$venv/bin/python"
fi
