import Benchmark

/// The kernels of the Lakehouse hot paths, each measured in process (wall clock, throughput,
/// peak resident memory, allocations) on the corpus of ``Corpus``.
///
/// Names carry the work per iteration: `rows/s = throughput × rows`.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .peakMemoryResident, .mallocCountTotal],
        timeUnits: .milliseconds, warmupIterations: 1, maxDuration: .seconds(6), maxIterations: Corpus.iterations(10))
    parseBenchmarks()
    encodeBenchmarks()
    endToEndBenchmarks()
    codecBenchmarks()
    icebergBenchmarks()
    dataQualityBenchmarks()
}

/// Registers a benchmark whose errors stop the process: package-benchmark reports an error
/// thrown by a benchmark or its setup but still exits with success, and a kernel that failed
/// must fail the run (the test script's smoke run relies on it).
/// A kernel whose body awaits (Iceberg: I/O and catalog calls are async).
func asyncKernel(_ name: String, configuration: Benchmark.Configuration = Benchmark.defaultConfiguration,
                 _ body: @escaping (Benchmark) async throws -> Void,
                 setup: @escaping () async throws -> Void = {}, teardown: @escaping () async throws -> Void = {}) {
    Benchmark(name, configuration: configuration, closure: { (benchmark: Benchmark) async -> Void in
        do { try await body(benchmark) } catch { fatalError("\(name): \(error)") }
    }, setup: {
        do { try await setup() } catch { fatalError("\(name), setup: \(error)") }
    }, teardown: {
        try await teardown()
    })
}

func kernel(_ name: String, configuration: Benchmark.Configuration = Benchmark.defaultConfiguration,
            _ body: @escaping (Benchmark) throws -> Void,
            setup: @escaping () throws -> Void = {}, teardown: @escaping () -> Void = {}) {
    Benchmark(name, configuration: configuration, closure: { (benchmark: Benchmark) -> Void in
        do { try body(benchmark) } catch { fatalError("\(name): \(error)") }
    }, setup: {
        do { try setup() } catch { fatalError("\(name), setup: \(error)") }
    }, teardown: teardown)
}
