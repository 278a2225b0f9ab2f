import Benchmark
import LakeColumnar
import ParquetWriter

/// Batches in memory (the 33 standard columns) to a Parquet file, per codec.
func encodeBenchmarks() {
    let cases: [(String, ParquetCodec, Int32, Int)] = [
        ("none", .uncompressed, 0, 1), ("snappy", .snappy, 0, 1), ("zstd-1", .zstd, 1, 1), ("zstd-3", .zstd, 3, 1),
        ("zstd-1", .zstd, 1, 2),
    ]
    for (name, codec, level, threads) in cases {
        let scratch = ScratchDirectory("encode")
        kernel("Encode Parquet \(name), \(Corpus.rows) rows, \(threads) thread(s)") { benchmark in
            var properties = WriterProperties()
            properties.codec = codec
            properties.zstdLevel = max(level, 1)
            properties.encodingThreads = threads
            let (schema, batches) = Corpus.standard
            for _ in benchmark.scaledIterations {
                let writer = try ParquetFileWriter(path: scratch.file("out.parquet"), schema: schema, properties: properties)
                for batch in batches { try writer.write(batch) }
                blackHole(try writer.close().fileSize)
            }
        } setup: {
            _ = Corpus.standard
        } teardown: {
            scratch.remove()
        }
    }
}
