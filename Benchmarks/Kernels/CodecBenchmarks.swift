import Benchmark
import LakeCodecs

/// Raw codec speed on 32 MiB of log text: our Snappy (Swift) and the zstd and zlib bindings.
func codecBenchmarks() {
    let codecs: [(String, ([UInt8]) throws -> [UInt8], ([UInt8]) throws -> [UInt8])] = [
        ("snappy", { Snappy.compress($0) }, { try Snappy.decompress($0) }),
        ("zstd-1", { try Zstd.compress($0, level: 1) }, { try Zstd.decompress($0) }),
        ("zstd-3", { try Zstd.compress($0, level: 3) }, { try Zstd.decompress($0) }),
        ("gzip-6", { try Gzip.compress($0, level: 6) }, { try Gzip.decompress($0) }),
    ]
    let configuration = Benchmark.Configuration(maxIterations: Corpus.iterations(20))
    for (name, compress, decompress) in codecs {
        kernel("Codec \(name) compress 32 MiB", configuration: configuration) { benchmark in
            let input = Corpus.sample
            for _ in benchmark.scaledIterations { blackHole(try compress(input).count) }
        } setup: {
            _ = Corpus.sample
        }
        nonisolated(unsafe) var packed: [UInt8] = []
        kernel("Codec \(name) decompress 32 MiB", configuration: configuration) { benchmark in
            for _ in benchmark.scaledIterations {
                let restored = try decompress(packed)
                guard restored.count == Corpus.sample.count else { fatalError("\(name) lost bytes") }
                blackHole(restored.count)
            }
        } setup: {
            packed = try compress(Corpus.sample)
        }
    }
}
