#!/usr/bin/env bash
# Builds and runs a libFuzzer target.
#
#   Scripts/fuzz.sh TARGET [SECONDS]      TARGET: snappy | gzip | zstd | cloudfront | all
#
# Each target compiles the module it fuzzes from source together with Fuzz/<Name>Fuzzer.swift,
# with -sanitize=fuzzer,address. Corpora live in .build-fuzz/corpus/<target> (not in git);
# crashes are written to .build-fuzz/crashes/. SECONDS defaults to 60 (0 = run until stopped).
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:?usage: Scripts/fuzz.sh snappy|gzip|zstd|cloudfront|all [SECONDS]}
seconds=${2:-60}
out=.build-fuzz
mkdir -p "$out/crashes"

sources_for() {
    case "$1" in
        snappy|gzip|zstd) find Sources/LakeCodecs -name '*.swift' | sort ;;
        cloudfront) { find Sources/LakeColumnar Sources/LakeCodecs -name '*.swift'; find Sources/CloudFrontLogs -name '*.swift'; } | sort ;;
    esac
}

fuzzer_file() {
    case "$1" in
        snappy) echo Fuzz/SnappyFuzzer.swift ;;
        gzip) echo Fuzz/GzipFuzzer.swift ;;
        zstd) echo Fuzz/ZstdFuzzer.swift ;;
        cloudfront) echo Fuzz/CloudFrontLineFuzzer.swift ;;
        *) echo "unknown fuzz target: $1" >&2; exit 2 ;;
    esac
}

run_one() {
    local name=$1 file binary
    file=$(fuzzer_file "$name")
    binary="$out/fuzz-$name"
    mkdir -p "$out/corpus/$name"
    echo "== building fuzz target $name"
    # One module of everything: the fuzzer sees internal API and needs no package build.
    # shellcheck disable=SC2046
    swiftc -sanitize=fuzzer,address -parse-as-library -O -g -module-name "Fuzz_$name" \
        -I Sources/CZstd -I Sources/CZlib -lzstd -lz \
        $(sources_for "$name") "$file" -o "$binary"
    echo "== running fuzz target $name for ${seconds}s"
    local args=(-artifact_prefix="$out/crashes/$name-" -rss_limit_mb=2048 -max_len=65536)
    [ "$seconds" != 0 ] && args+=(-max_total_time="$seconds")
    "$binary" "${args[@]}" "$out/corpus/$name"
}

if [ "$target" = all ]; then
    for t in snappy gzip zstd cloudfront; do
        [ -f "$(fuzzer_file $t)" ] && run_one "$t"
    done
else
    run_one "$target"
fi
