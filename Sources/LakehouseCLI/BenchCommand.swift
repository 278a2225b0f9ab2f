import ArgumentParser
import Foundation
import CloudFrontLogs
import IcebergKit
import LakeCodecs
import LakeColumnar
import LakeDQ
import ParquetWriter

/// Commands the benchmark harness times (Benchmarks/run.sh): each loads its input untimed and
/// prints the timed part's seconds as JSON.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Timed kernels for Benchmarks/run.sh.", shouldDisplay: false, subcommands: [Parse.self, Encode.self, Codec.self, Iceberg.self, Appends.self, DataQuality.self])

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
                best = min(best, elapsed.seconds)
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
            let seconds = elapsed.seconds
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
                best = min(best, elapsed.seconds)
            }
            guard let report else { throw CLIError("--repeats must be at least 1") }
            print("{\"seconds\":\(best),\"rules\":\(report.results.count),\"rows\":\(report.rowCount),\"passed\":\(report.passedCount)}")
        }
    }

    struct Codec: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Time compressing and decompressing a file in memory (the fastest of several runs).")

        @Argument(help: "Input file.") var file: String
        @Option(help: "Codec: snappy, zstd-1, zstd-3, gzip-6.") var codec: String
        @Option(help: "Timed runs; the fastest is printed.") var repeats: Int = 5

        func run() throws {
            guard let data = FileManager.default.contents(atPath: file) else { throw CLIError("cannot read \(file)") }
            let input = [UInt8](data)
            let clock = ContinuousClock()
            var compressed: [UInt8] = []
            var bestCompress = Double.infinity, bestDecompress = Double.infinity
            for _ in 0..<max(repeats, 1) {
                var start = clock.now
                switch codec {
                case "snappy": compressed = Snappy.compress(input)
                case "zstd-1": compressed = try Zstd.compress(input, level: 1)
                case "zstd-3": compressed = try Zstd.compress(input, level: 3)
                case "gzip-6": compressed = try Gzip.compress(input, level: 6)
                default: throw ValidationError("unknown codec \(codec)")
                }
                bestCompress = min(bestCompress, (clock.now - start).seconds)
                start = clock.now
                let restored: [UInt8]
                switch codec {
                case "snappy": restored = try Snappy.decompress(compressed)
                case "gzip-6": restored = try Gzip.decompress(compressed)
                default: restored = try Zstd.decompress(compressed)
                }
                bestDecompress = min(bestDecompress, (clock.now - start).seconds)
                guard restored.count == input.count else { throw CLIError("round trip lost bytes") }
            }
            print("{\"compress_seconds\":\(bestCompress),\"decompress_seconds\":\(bestDecompress),\"bytes\":\(input.count),"
                  + "\"compressed\":\(compressed.count)}")
        }
    }

    struct Iceberg: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Time appends (write + commit) of small batches to a local table, and planning at 1, 10 and 60 manifests.")

        @Argument(help: "Log file the appended rows come from.") var file: String
        @Option(help: "Scratch directory for the warehouse (emptied first).") var warehouse: String
        @Option(help: "Appends (one manifest each).") var appends: Int = 60
        @Option(help: "Rows per append.") var rows: Int = 100
        @Option(help: "Timed planning runs per point; the median is printed.") var repeats: Int = 7

        func run() async throws {
            try? FileManager.default.removeItem(atPath: warehouse)
            try makeDirectories(warehouse)
            let absolute = warehouse.hasPrefix("/") ? warehouse : currentDirectory() + "/" + warehouse
            let catalog = try SQLiteCatalog(path: warehouse + "/catalog.db", warehouse: "file://" + absolute)
            try await catalog.createNamespace("bench")
            let id = TableIdentifier(namespace: "bench", name: "events")
            // The 33 standard fields, day-partitioned on date, as the peers' table.
            let schema = IcebergSchema(columnar: CloudFrontParserOptions().schema.schema.projected(Array(0..<CloudFrontField.standardCount)))
            _ = try await catalog.createTable(id, schema: schema,
                                        spec: PartitionSpec(fields: [PartitionField(sourceID: 1, fieldID: 1000, name: "date_day", transform: .day)]),
                                        sortOrder: .unsorted, properties: [:])
            let tableSchema = try schema.columnarSchema()
            let reader = try CloudFrontLogReader(path: file, options: CloudFrontParserOptions(batchSize: rows))
            guard let first = try reader.next() else { throw CLIError("no rows in \(file)") }
            let batch = try first.batch.conformed(to: tableSchema)

            let clock = ContinuousClock()
            func median(_ values: [Double]) -> Double { let s = values.sorted(); return s[s.count / 2] }
            var appendTimes: [Double] = []
            var planning: [String: Double] = [:]
            for k in 1...max(appends, 1) {
                let start = clock.now
                let append = try await catalog.loadTable(id).newAppend()
                try await append.write(batch)
                try await append.commit()
                appendTimes.append((clock.now - start).seconds)
                if [1, 10, 60].contains(k) {
                    var times: [Double] = []
                    var planned = 0
                    for _ in 0..<max(repeats, 1) {
                        // Cold: a new catalog object holds no parsed metadata.
                        let fresh = try SQLiteCatalog(path: warehouse + "/catalog.db", warehouse: "file://" + absolute)
                        let start = clock.now
                        let table = try await fresh.loadTable(id)
                        planned = try await table.scan().planFiles().count
                        times.append((clock.now - start).seconds)
                    }
                    guard planned == k else { throw CLIError("planned \(planned) files after \(k) appends") }
                    planning[String(k)] = median(times)
                }
            }
            let plans = planning.sorted { Int($0.key)! < Int($1.key)! }.map { "\"\($0.key)\":\($0.value)" }.joined(separator: ",")
            print("{\"append_median_seconds\":\(median(appendTimes)),\"append_p90_seconds\":\(appendTimes.sorted()[appendTimes.count * 9 / 10]),"
                  + "\"appends\":\(appendTimes.count),\"plan_seconds\":{\(plans)}}")
        }
    }
}

extension BenchCommand {
    /// Append + commit in one process against any catalog the CLI opens (a SQLite file with an
    /// `s3://` warehouse, Glue, REST, storage): the in-process figure `Benchmarks/s3.py` sets
    /// beside pyiceberg's warm `table.append`, without a process start per commit.
    struct Appends: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Parse a log file once, then time COMMITS appends of its rows (table load, write, commit) to an existing table.")

        @Argument(help: "Table (namespace.name); it must exist.") var table: String
        @Argument(help: "Log file whose rows every commit appends.") var file: String
        @Option(help: "Timed commits.") var commits: Int = 20
        @OptionGroup var options: CatalogOptions

        func run() async throws {
            let catalog = try options.open()
            let id = try TableIdentifier(parsing: table)
            let schema = try await catalog.loadTable(id).schema.columnarSchema()
            let reader = try CloudFrontLogReader(path: file, options: CloudFrontParserOptions(batchSize: 8192))
            var batches: [RecordBatch] = []
            while let next = try reader.next() {
                if next.batch.rowCount > 0 { batches.append(try next.batch.conformed(to: schema)) }
            }
            let clock = ContinuousClock()
            var times: [Double] = []
            for _ in 0..<max(commits, 1) {
                let start = clock.now
                let append = try await catalog.loadTable(id).newAppend()
                for batch in batches { try await append.write(batch) }
                try await append.commit()
                times.append((clock.now - start).seconds)
            }
            let rows = batches.reduce(0) { $0 + $1.rowCount }
            print("{\"rows\":\(rows),\"times\":[\(times.map { String($0) }.joined(separator: ","))]}")
        }
    }
}

extension Duration {
    /// The duration in seconds, as a floating-point number (for reports).
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
