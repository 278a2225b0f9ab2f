# Sourced by the benchmark scripts: the shared CloudFront corpus.
#
#   ensure_corpus BINARY ROWS     makes .build-bench/corpus-ROWS/{plain.log,log.gz} if missing
#                                 (one file of ROWS generated lines, seed 7, gzip level 6) and
#                                 prints the directory
ensure_corpus() {
    local bin=$1 rows=$2
    local corpus=.build-bench/corpus-$rows
    if [ ! -f "$corpus/plain.log" ] || [ ! -f "$corpus/log.gz" ]; then
        rm -rf "$corpus" && mkdir -p "$corpus"
        "$bin" cloudfront generate --rows "$rows" --files 1 --seed 7 --plain --out "$corpus/p" >/dev/null
        mv "$corpus"/p/*.2024-* "$corpus/plain.log"
        gzip -6 -c "$corpus/plain.log" > "$corpus/log.gz"
    fi
    echo "$corpus"
}
