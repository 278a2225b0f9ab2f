#!/usr/bin/env bash
# Builds and runs a libFuzzer target.
#
#   Scripts/fuzz.sh TARGET [SECONDS]      TARGET: snappy | gzip | zstd | cloudfront | parquet | avro | dqdl | predicate | all
#
# Each target builds the module it fuzzes with SwiftPM (-sanitize=fuzzer,address) and links
# Fuzz/<Name>Fuzzer.swift against it; dqdl compiles the dependency-free DQDL and SQL parser
# sources together with its fuzzer file. Corpora live in .build-fuzz/corpus/<target> (not in git);
# crashes are written to .build-fuzz/crashes/. SECONDS defaults to 60 (0 = run until stopped).
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:?usage: Scripts/fuzz.sh snappy|gzip|zstd|cloudfront|parquet|avro|dqdl|predicate|all [SECONDS]}
seconds=${2:-60}
out=.build-fuzz
mkdir -p "$out/crashes"

module_for() {
    case "$1" in
        snappy|gzip|zstd) echo LakeCodecs ;;
        cloudfront) echo CloudFrontLogs ;;
        parquet) echo ParquetWriter ;;
        avro) echo IcebergKit ;;
        predicate) echo LakeColumnar ;;
    esac
}

# The modules whose objects a target links: the module under test and what it imports.
modules_linked() {
    case "$1" in
        snappy|gzip|zstd) echo LakeCodecs ;;
        cloudfront) echo LakeColumnar LakeCodecs CloudFrontLogs ;;
        parquet) echo LakeColumnar LakeCodecs ParquetWriter ;;
        avro) echo LakeColumnar LakeCodecs ParquetWriter IcebergKit ;;
        predicate) echo LakeColumnar ;;
    esac
}

fuzzer_file() {
    case "$1" in
        snappy) echo Fuzz/SnappyFuzzer.swift ;;
        gzip) echo Fuzz/GzipFuzzer.swift ;;
        zstd) echo Fuzz/ZstdFuzzer.swift ;;
        cloudfront) echo Fuzz/CloudFrontLineFuzzer.swift ;;
        parquet) echo Fuzz/ParquetFooterFuzzer.swift ;;
        avro) echo Fuzz/AvroFuzzer.swift ;;
        dqdl) echo Fuzz/DQDLFuzzer.swift ;;
        predicate) echo Fuzz/PredicateFuzzer.swift ;;
        *) echo "unknown fuzz target: $1" >&2; exit 2 ;;
    esac
}

run_one() {
    local name=$1 file binary
    file=$(fuzzer_file "$name")
    binary="$out/fuzz-$name"
    mkdir -p "$out/corpus/$name"
    if [ "$name" = parquet ] && [ -z "$(ls -A "$out/corpus/$name")" ]; then
        # Seed with the conformance files, prefixed by the whole-file mode byte.
        for f in Tests/Fixtures/parquet-testing/data/*.parquet; do
            { printf '\001'; cat "$f"; } > "$out/corpus/$name/$(basename "$f")"
        done
    fi
    if [ "$name" = predicate ] && [ -z "$(ls -A "$out/corpus/$name")" ]; then
        printf "sc_status >= 500 AND cs_method = 'GET' OR (cs_uri_stem LIKE '/img/%%' AND NOT date IS NULL)" \
            > "$out/corpus/$name/seed-where"
        printf "timestamp < TIMESTAMP '2026-01-02 03:04:05.5+01:00' and price in (1.5, -2) and cached = true" \
            > "$out/corpus/$name/seed-literals"
    fi
    echo "== building fuzz target $name"
    if [ "$name" = dqdl ]; then
        if [ -z "$(ls -A "$out/corpus/$name")" ]; then
            printf '\000Rules = [ RowCount > 0, (IsComplete "a") or (ColumnValues "m" in ["GET", NULL] with threshold > 0.9) ]' \
                > "$out/corpus/$name/seed-rules"
            printf '\001a > 1 and b like '"'"'x%%'"'"' or c in (1, 2) and not d is null' > "$out/corpus/$name/seed-sql"
        fi
        # The parsers need nothing but the standard library: compile their sources directly.
        swiftc -sanitize=fuzzer,address -parse-as-library -O -g -module-name LakeDQFuzz \
            Sources/LakeDQ/Syntax/*.swift Sources/LakeDQ/Model/*.swift \
            Sources/LakeDQ/SQL/SQLExpression.swift Sources/LakeDQ/SQL/SQLParser.swift "$file" -o "$binary"
    else
    # The modules under test are built by SwiftPM with coverage instrumentation; the target
    # file is then linked against their objects with libFuzzer and AddressSanitizer.
    local spm="$out/spm" module
    module=$(module_for "$name")
    swift build -c release --target "$module" --scratch-path "$spm" -j 2 \
        -Xswiftc -sanitize=fuzzer,address -Xswiftc -g >/dev/null
    local objects=() dependency source object
    for dependency in $(modules_linked "$name"); do
        # Only the objects of the current sources (a renamed file leaves a stale object behind).
        while IFS= read -r source; do
            object="$spm/release/$dependency.build/$(basename "$source").o"
            [ -f "$object" ] || { echo "fuzz: missing object $object" >&2; exit 1; }
            objects+=("$object")
        done < <(find "Sources/$dependency" -name '*.swift' | sort)
    done
    [ ${#objects[@]} -gt 0 ] || { echo "fuzz: no objects built for $module" >&2; exit 1; }
    local extra=()
    if [ "$name" = avro ]; then
        # IcebergKit brings GRDB (its SQLite catalog): link its objects and the system SQLite.
        objects+=("$spm"/release/GRDB.build/*.o)
        extra+=(-Xcc "-fmodule-map-file=$spm/checkouts/GRDB.swift/Sources/GRDBSQLite/module.modulemap" -lsqlite3)
    fi
    swiftc -sanitize=fuzzer,address -parse-as-library -O -g \
        -I "$spm/release/Modules" -I Sources/CZstd -I Sources/CZlib -I Sources/CLakeSIMD/include \
        "${extra[@]}" "$file" "${objects[@]}" -lzstd -lz -o "$binary"
    fi
    echo "== running fuzz target $name for ${seconds}s"
    local args=(-artifact_prefix="$out/crashes/$name-" -rss_limit_mb=2048 -max_len=262144 -timeout=10)
    [ "$seconds" != 0 ] && args+=(-max_total_time="$seconds")
    "$binary" "${args[@]}" "$out/corpus/$name"
}

if [ "$target" = all ]; then
    for t in snappy gzip zstd cloudfront parquet avro dqdl predicate; do
        [ -f "$(fuzzer_file $t)" ] && run_one "$t"
    done
else
    run_one "$target"
fi
