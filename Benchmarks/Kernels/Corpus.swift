import CloudFrontLogs
import Foundation
import LakeCodecs
import LakeColumnar

/// The data every kernel runs on, built once per process outside the measurements: a log file
/// from the project's generator (seed 7, as `Benchmarks/run.sh` generates), in memory.
///
/// `LAKEHOUSE_BENCH_ROWS` sets the rows (default 1,000,000); `LAKEHOUSE_BENCH_ITERATIONS` caps
/// the iterations of every kernel (the test script's smoke run uses 1).
enum Corpus {
    /// `wanted` iterations, or fewer when `LAKEHOUSE_BENCH_ITERATIONS` says so.
    static func iterations(_ wanted: Int) -> Int {
        guard let text = ProcessInfo.processInfo.environment["LAKEHOUSE_BENCH_ITERATIONS"], let cap = Int(text), cap > 0 else { return wanted }
        return min(wanted, cap)
    }

    static let rows: Int = {
        guard let text = ProcessInfo.processInfo.environment["LAKEHOUSE_BENCH_ROWS"], let n = Int(text), n > 0 else { return 1_000_000 }
        return n
    }()

    /// The first hour of the generated log (2024-03-07 00:00 UTC).
    static let hour = Int64(CivilCalendar.days(year: 2024, month: 3, day: 7)) * 86_400_000_000

    /// The log as CloudFront writes it, before compression.
    static let plain: [UInt8] = {
        var generator = LogGenerator(seed: 7)
        return generator.logFile(rows: rows, hourStartMicros: hour)
    }()

    /// The log gzip'd at level 6, as CloudFront delivers it.
    static let gzip: [UInt8] = orDie { () throws(CodecError) in try Gzip.compress(plain, level: 6) }

    /// 32 MiB of log text for the codec kernels.
    static let sample: [UInt8] = Array(plain.prefix(32 << 20))

    /// The log parsed into batches of 65,536 rows: all parser columns.
    static let parsed: (schema: Schema, batches: [RecordBatch]) = orDie { () throws(CloudFrontParseError) in
        let reader = CloudFrontLogReader(bytes: plain, name: "bench.log")
        var batches: [RecordBatch] = []
        while let next = try reader.next() { batches.append(next.batch) }
        return (reader.schema.schema, batches)
    }

    /// The 33 standard columns only: the table the peers write from the same TSV.
    static let standard: (schema: Schema, batches: [RecordBatch]) = {
        let columns = Array(0..<CloudFrontField.standardCount)
        return (parsed.schema.projected(columns), parsed.batches.map { $0.projected(columns) })
    }()
}

/// The value of `body`, or the process stops naming the error: the benchmarks cannot run
/// without their input.
func orDie<T, E: Error>(_ body: () throws(E) -> T) -> T {
    do {
        return try body()
    } catch {
        fatalError("benchmark input: \(error)")
    }
}

/// A scratch directory under the system's temporary directory, removed by ``remove()``.
struct ScratchDirectory: Sendable {
    let path: String

    init(_ name: String) {
        path = NSTemporaryDirectory() + "lakehouse-bench-\(name)-\(UUID().uuidString)"
        orDie { () throws(any Error) in try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) }
    }

    func file(_ name: String) -> String { path + "/" + name }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}
