#!/usr/bin/env bash
# Builds and runs a libFuzzer target.
#
#   Scripts/fuzz.sh TARGET [SECONDS]      TARGET: snappy | gzip | zstd | cloudfront | parquet | avro | metadata |
#                                         thrift | dqdl | predicate | all
#
# Each target builds the module it fuzzes with SwiftPM (-sanitize=fuzzer,address) and links
# Fuzz/<Name>Fuzzer.swift against it; dqdl and thrift compile the dependency-free parser
# sources (DQDL and SQL; the Thrift compact reader) together with their fuzzer file. Corpora live in .build-fuzz/corpus/<target> (not in git);
# crashes are written to .build-fuzz/crashes/. SECONDS defaults to 60 (0 = run until stopped).
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:?usage: Scripts/fuzz.sh snappy|gzip|zstd|cloudfront|parquet|avro|metadata|thrift|dqdl|predicate|all [SECONDS]}
seconds=${2:-60}
out=.build-fuzz
mkdir -p "$out/crashes"

module_for() {
    case "$1" in
        snappy|gzip|zstd) echo LakeCodecs ;;
        cloudfront) echo CloudFrontLogs ;;
        parquet) echo ParquetWriter ;;
        avro|metadata) echo IcebergKit ;;
        predicate) echo LakeColumnar ;;
    esac
}

# The modules whose objects a target links: the module under test and what it imports.
modules_linked() {
    case "$1" in
        snappy|gzip|zstd) echo LakeCodecs ;;
        cloudfront) echo LakeColumnar LakeCodecs CloudFrontLogs ;;
        parquet) echo LakeColumnar LakeCodecs ParquetWriter ;;
        avro|metadata) echo LakeColumnar LakeCodecs ParquetWriter IcebergKit ;;
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
        metadata) echo Fuzz/TableMetadataFuzzer.swift ;;
        thrift) echo Fuzz/ThriftCompactFuzzer.swift ;;
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
    if [ "$name" = metadata ] && [ -z "$(ls -A "$out/corpus/$name")" ]; then
        # Seed with a v2 table's metadata: nested types, a partition spec, a sort order, a
        # snapshot, a branch and a tag, the logs and properties.
        cat > "$out/corpus/$name/seed-v2.metadata.json" <<'JSON'
{"format-version":2,"table-uuid":"9c12d441-03fe-4693-9a96-a0705ddf69c1","location":"file:///w/t","last-sequence-number":2,
"last-updated-ms":1700000000000,"last-column-id":7,"current-schema-id":0,"schemas":[{"type":"struct","schema-id":0,
"identifier-field-ids":[1],"fields":[{"id":1,"name":"id","required":true,"type":"long"},{"id":2,"name":"ts","required":false,"type":"timestamptz"},
{"id":3,"name":"price","required":false,"type":"decimal(9, 2)"},{"id":4,"name":"tags","required":false,"type":{"type":"list","element-id":5,
"element":"string","element-required":false}},{"id":6,"name":"attrs","required":false,"type":{"type":"struct","fields":[{"id":7,"name":"u",
"required":false,"type":"uuid"}]}}]}],"default-spec-id":0,"partition-specs":[{"spec-id":0,"fields":[{"name":"ts_day","transform":"day",
"source-id":2,"field-id":1000},{"name":"id_bucket","transform":"bucket[16]","source-id":1,"field-id":1001}]}],"last-partition-id":1001,
"default-sort-order-id":1,"sort-orders":[{"order-id":0,"fields":[]},{"order-id":1,"fields":[{"transform":"identity","source-id":1,
"direction":"asc","null-order":"nulls-first"}]}],"properties":{"write.delete.mode":"merge-on-read"},"current-snapshot-id":3051729675574597004,
"refs":{"main":{"snapshot-id":3051729675574597004,"type":"branch"},"t1":{"snapshot-id":3051729675574597004,"type":"tag","max-ref-age-ms":1000}},
"snapshots":[{"snapshot-id":3051729675574597004,"sequence-number":2,"timestamp-ms":1700000000000,"summary":{"operation":"append",
"added-records":"10"},"manifest-list":"file:///w/t/metadata/snap-1.avro","schema-id":0}],"statistics":[],
"snapshot-log":[{"snapshot-id":3051729675574597004,"timestamp-ms":1700000000000}],"metadata-log":[{"metadata-file":"file:///w/t/metadata/00000.metadata.json","timestamp-ms":1699999999000}]}
JSON
    fi
    if [ "$name" = thrift ] && [ -z "$(ls -A "$out/corpus/$name")" ]; then
        # Seed with the footers of the conformance files: the bytes before the length and magic.
        for f in Tests/Fixtures/parquet-testing/data/*.parquet; do
            python3 - "$f" "$out/corpus/$name/$(basename "$f")" <<'PY' || true
import struct, sys
data = open(sys.argv[1], 'rb').read()
if len(data) >= 12 and data[-4:] == b'PAR1':
    n = struct.unpack('<I', data[-8:-4])[0]
    if n <= len(data) - 12:
        open(sys.argv[2], 'wb').write(data[-8 - n:-8])
PY
        done
    fi
    echo "== building fuzz target $name"
    if [ "$name" = thrift ]; then
        # The reader needs nothing but the standard library: compile it with the target.
        swiftc -sanitize=fuzzer,address -parse-as-library -O -g -module-name ThriftFuzz \
            Sources/ParquetWriter/Thrift/CompactReader.swift "$file" -o "$binary"
    elif [ "$name" = dqdl ]; then
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
    if [ "$name" = avro ] || [ "$name" = metadata ]; then
        # IcebergKit brings GRDB (its SQLite catalog): link its objects and the system SQLite.
        objects+=("$spm"/release/GRDB.build/*.o)
        extra+=(-Xcc "-fmodule-map-file=$spm/checkouts/GRDB.swift/Sources/GRDBSQLite/module.modulemap" -lsqlite3)
    fi
    swiftc -sanitize=fuzzer,address -parse-as-library -O -g \
        -I "$spm/release/Modules" -I Sources/CZstd -I Sources/CZlib -I Sources/CLakeInflate -I Sources/CLakeSIMD/include \
        "${extra[@]}" "$file" "${objects[@]}" -lzstd -lz -o "$binary"
    fi
    echo "== running fuzz target $name for ${seconds}s"
    local args=(-artifact_prefix="$out/crashes/$name-" -rss_limit_mb=2048 -max_len=262144 -timeout=10)
    [ "$seconds" != 0 ] && args+=(-max_total_time="$seconds")
    "$binary" "${args[@]}" "$out/corpus/$name"
}

if [ "$target" = all ]; then
    for t in snappy gzip zstd cloudfront parquet avro metadata thrift dqdl predicate; do
        [ -f "$(fuzzer_file $t)" ] && run_one "$t"
    done
else
    run_one "$target"
fi
