import ArgumentParser
import Foundation
import CloudFrontLogs
import LakeColumnar
import LakeDQ
import ParquetWriter

/// Commands the benchmark harness times (Benchmarks/run.sh): each loads its input untimed and
/// prints the timed part's seconds as JSON.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Timed kernels for Benchmarks/run.sh.", shouldDisplay: false, subcommands: [Parse.self, Encode.self, DataQuality.self])

    struct Parse: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Load a log file into memory, then time parsing it into batches (the fastest of several runs).")

        @Argument(help: "Log file (plain or gzip).") var file: String
        @Option(help: "Timed parses; the fastest is printed.") var repeats: Int = 5

        func run() throws {
            guard let data = FileManager.default.contents(atPath: file) else { throw CLIError("cannot read \(file)") }
            let bytes = [UInt8](data)
            let clock = ContinuousClock()
            var best = Double.infinity
            var rows = 0
            for _ in 0..<max(repeats, 1) {
                let start = clock.now
                let reader = CloudFrontLogReader(bytes: bytes, name: file)
                rows = 0
                while let next = try reader.next() { rows += next.batch.rowCount }
                let elapsed = clock.now - start
                best = min(best, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
            }
            print("{\"seconds\":\(best),\"rows\":\(rows),\"bytes\":\(bytes.count)}")
        }
    }

    struct Encode: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Parse logs into memory, then time writing them as Parquet.")

        @Argument(help: "Log file.") var file: String
        @Option(help: "Output Parquet file.") var out: String
        @Option(help: "Codec: zstd, snappy, gzip, none.") var codec: String = "zstd"
        @Option(help: "Zstd level.") var level: Int32 = 1
        @Option(help: "Rows per batch.") var batchRows: Int = 65_536
        @Option(help: "Encoding threads.") var threads: Int = 1
        @Option(help: "Write each batch in slices of this many rows (0: whole).") var sliceRows: Int = 0

        func run() throws {
            let reader = try CloudFrontLogReader(path: file, options: CloudFrontParserOptions(batchSize: batchRows))
            var batches: [RecordBatch] = []
            // The 33 standard columns only, so that the peers (which read the same TSV) write the same table.
            let standard = Array(0..<CloudFrontField.standardCount)
            while let next = try reader.next() { batches.append(next.batch.projected(standard)) }
            var properties = WriterProperties()
            properties.zstdLevel = level
            properties.encodingThreads = threads
            switch codec {
            case "zstd": properties.codec = .zstd
            case "snappy": properties.codec = .snappy
            case "gzip": properties.codec = .gzip
            default: properties.codec = .uncompressed
            }
            let clock = ContinuousClock()
            let start = clock.now
            let writer = try ParquetFileWriter(path: out, schema: reader.schema.schema.projected(standard), properties: properties)
            for batch in batches {
                if sliceRows > 0 {
                    var start = 0
                    while start < batch.rowCount {
                        let end = min(batch.rowCount, start + sliceRows)
                        try writer.write(batch.slice(start..<end))
                        start = end
                    }
                } else {
                    try writer.write(batch)
                }
            }
            let result = try writer.close()
            let elapsed = clock.now - start
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            print("{\"seconds\":\(seconds),\"bytes\":\(result.fileSize)}")
        }
    }

    struct DataQuality: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "dq", abstract: "Parse logs into memory, then time evaluating a DQDL ruleset (default: the demo's 20 silver rules).")

        @Argument(help: "Log file.") var file: String
        @Option(help: "DQDL ruleset file (default: the demo's silver ruleset).") var rules: String?
        @Option(help: "Timed evaluations; the fastest is printed.") var repeats: Int = 3

        func run() throws {
            let reader = try CloudFrontLogReader(path: file)
            var batches: [RecordBatch] = []
            while let next = try reader.next() { batches.append(next.batch) }
            let text = try rules.map { path -> String in
                guard let data = FileManager.default.contents(atPath: path) else { throw CLIError("cannot read \(path)") }
                return String(decoding: data, as: UTF8.self)
            } ?? DemoCommand.silverRuleset
            let ruleset = try DQDLRuleset.parse(text)
            let dataset = DQDataset(name: "bench", schema: reader.schema.schema, batches: batches)
            // Each run starts from a fresh context (no shared caches); the fastest is reported.
            let clock = ContinuousClock()
            var best = Double.infinity
            var report: DQReport?
            for _ in 0..<repeats {
                let start = clock.now
                report = try DQEvaluator().evaluate(ruleset, primary: dataset)
                let elapsed = clock.now - start
                best = min(best, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
            }
            guard let report else { throw CLIError("--repeats must be at least 1") }
            print("{\"seconds\":\(best),\"rules\":\(report.results.count),\"rows\":\(report.rowCount),\"passed\":\(report.passedCount)}")
        }
    }
}
