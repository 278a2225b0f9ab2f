import Benchmark
import CloudFrontLogs
import LakeColumnar
import ParquetWriter

/// A gzip'd log in memory to a Parquet file (zstd-3), with the CLI's `convert` settings and,
/// at two threads, its thread plan: inflate and parse on one thread, encode on the other.
func endToEndBenchmarks() {
    for threads in [1, 2] {
        let scratch = ScratchDirectory("e2e")
        kernel("End to end gzip log to Parquet zstd-3, \(Corpus.rows) rows, \(threads) thread(s)") { benchmark in
            var properties = WriterProperties()
            properties.codec = .zstd
            properties.zstdLevel = 3
            properties.rowGroupBytes = 16 << 20
            properties.encodingThreads = 1
            let options = CloudFrontParserOptions(batchSize: 8192)
            for _ in benchmark.scaledIterations {
                let writer = try ParquetFileWriter(path: scratch.file("out.parquet"), schema: options.schema.schema, properties: properties)
                let reader = CloudFrontLogReader(bytes: Corpus.gzip, name: "bench.log.gz", options: options)
                if threads == 1 {
                    while let next = try reader.next() { if next.batch.rowCount > 0 { try writer.write(next.batch) } }
                } else {
                    let batches = Prefetcher(depth: 2) { try reader.next()?.batch }
                    while let batch = try batches.next() { if batch.rowCount > 0 { try writer.write(batch) } }
                }
                blackHole(try writer.close().rowCount)
            }
        } setup: {
            _ = Corpus.gzip
        } teardown: {
            scratch.remove()
        }
    }
}
