import Benchmark
import CloudFrontLogs

/// Log text to typed batches (65,536 rows each), from memory: the parser without file I/O.
func parseBenchmarks() {
    for (label, input) in [("plain TSV", { Corpus.plain }), ("gzip", { Corpus.gzip })] {
        for inflateAhead in label == "gzip" ? [false, true] : [false] {
            let threads = inflateAhead ? " (inflating on a second thread)" : ""
            kernel("Parse \(label), \(Corpus.rows) rows\(threads)") { benchmark in
                let bytes = input()
                for _ in benchmark.scaledIterations {
                    let reader = CloudFrontLogReader(bytes: bytes, name: "bench.log", inflateAhead: inflateAhead)
                    var rows = 0
                    while let next = try reader.next() { rows += next.batch.rowCount }
                    guard rows == Corpus.rows else { fatalError("parsed \(rows) of \(Corpus.rows) rows") }
                    blackHole(rows)
                }
            } setup: {
                _ = input()
            }
        }
    }
}
