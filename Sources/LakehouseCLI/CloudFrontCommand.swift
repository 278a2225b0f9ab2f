import ArgumentParser
import Foundation
import CloudFrontLogs
import LakePipeline
import LakeCodecs
import LakeColumnar
import ParquetWriter

struct CloudFrontCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cloudfront",
        abstract: "Generate and parse CloudFront access logs.",
        subcommands: [Generate.self, Parse.self, Count.self, Convert.self]
    )

    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Write realistic, seeded gzip'd standard logs.")

        @Option(help: "Requests per file.") var rows: Int = 10_000
        @Option(help: "Number of files (one per hour, going forward).") var files: Int = 1
        @Option(help: "Output directory.") var out: String
        @Option(help: "Random seed; the same seed gives the same files.") var seed: UInt64 = 1
        @Option(help: "First hour, as YYYY-MM-DD-HH (UTC).") var start: String = "2024-03-07-00"
        @Flag(help: "Write plain text instead of gzip.") var plain = false

        func run() throws {
            guard let first = LogObjectKey("E.\(start).x") else { throw ValidationError("--start must be YYYY-MM-DD-HH") }
            try makeDirectories(out)
            var generator = LogGenerator(seed: seed)
            for k in 0..<files {
                let hour = first.hourMicroseconds + Int64(k) * 3_600_000_000
                var name = generator.objectName(hourStartMicros: hour)
                let text = generator.logFile(rows: rows, hourStartMicros: hour)
                let bytes: [UInt8]
                if plain {
                    name.removeLast(3)
                    bytes = text
                } else {
                    bytes = try Gzip.compress(text, level: 6)
                }
                try writeFile(out + "/" + name, bytes)
                print(out + "/" + name)
            }
        }
    }

    struct Parse: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Parse logs and print typed rows as JSON lines keyed by Athena column names.")

        @Argument(help: "Log files (plain or gzip).") var files: [String]
        @Option(help: "Write rejected lines as JSON lines to this file (default: standard error).") var rejects: String?
        @Option(help: "Malformed-line policy: reject, fail or null-fill.") var policy: String = "reject"
        @Option(help: "Format: standard, realtime, plain, json.") var format: String = "standard"
        @Option(help: "Field names for realtime/plain input, comma-separated (realtime default: all 43).")
        var fields: String?
        @Option(help: "Field delimiter for standard/plain input (default: tab).") var delimiter: String?
        @Option(help: "Add a decoded column: FIELD=1 or FIELD=2 (repeatable), e.g. cs-user-agent=2.")
        var decode: [String] = []

        func run() throws {
            guard let policy = MalformedLinePolicy(rawValue: policy) else { throw ValidationError("unknown policy \(policy)") }
            let options = try CloudFrontCommand.options(format: format, fields: fields, delimiter: delimiter,
                                                        decode: decode, policy: policy)
            let out = OutputFile()
            let rejectOut = try rejects.map { try OutputFile(path: $0) }
            var total = ParseStatistics()
            let encoder = JSONLinesEncoder()
            for file in files {
                let reader = try CloudFrontLogReader(path: file, options: options)
                while let next = try reader.next() {
                    var bytes: [UInt8] = []
                    encoder.encode(next.batch, into: &bytes)
                    try out.write(bytes)
                    for reject in next.rejects {
                        let line = rejectJSON(reject)
                        if let rejectOut { try rejectOut.write(line) } else { printError(String(decoding: line.dropLast(), as: UTF8.self)) }
                    }
                }
                total.add(reader.statistics)
            }
            try out.close()
            try rejectOut?.close()
            printError("parsed \(files.count) file(s): \(total.dataLines) data lines, \(total.acceptedRows) rows, "
                       + "\(total.rejectedLines) rejected, \(total.truncatedRows) truncated kept")
        }
    }

    static func options(format: String, fields: String?, delimiter: String?, decode: [String],
                        policy: MalformedLinePolicy) throws -> CloudFrontParserOptions {
        let delimiterByte: UInt8
        switch delimiter {
        case nil, "tab", "\\t": delimiterByte = 0x09
        case let d? where d.utf8.count == 1: delimiterByte = d.utf8.first!
        case let d?: throw ValidationError("delimiter must be one byte, got '\(d)'")
        }
        let names = fields.map { $0.split(separator: ",").map(String.init) }
        let logFormat: CloudFrontLogFormat
        switch format {
        case "standard", "w3c": logFormat = .standard(delimiter: delimiterByte)
        case "realtime": logFormat = .realtime(fields: names ?? RealtimeFieldNames.canonical)
        case "plain":
            guard let names else { throw ValidationError("--format plain needs --fields") }
            logFormat = .plain(fields: names, delimiter: delimiterByte)
        case "json": logFormat = .jsonLines
        default: throw ValidationError("unknown format \(format)")
        }
        var decoded: [(field: CloudFrontField, depth: PercentDecoding.Depth)] = []
        for spec in decode {
            let parts = spec.split(separator: "=")
            guard let name = parts.first, let field = CloudFrontField(name: String(name)) else {
                throw ValidationError("unknown field in --decode \(spec)")
            }
            let depth: PercentDecoding.Depth = parts.count > 1 && parts[1] == "2" ? .twice : .once
            decoded.append((field, depth))
        }
        return CloudFrontParserOptions(format: logFormat, policy: policy, decodedFields: decoded)
    }
}

/// A reject as one JSON line: source, line, reason and the raw line.
func rejectJSON(_ reject: RejectRecord) -> [UInt8] {
    let schema = try! Schema(fields: [
        Field(name: "source", id: 1, type: .string), Field(name: "line", id: 2, type: .int64),
        Field(name: "reason", id: 3, type: .string), Field(name: "raw", id: 4, type: .string),
    ])
    let batch = try! RecordBatch(schema: schema, columns: [
        .binary(BinaryColumn([reject.source])), .int64(PrimitiveColumn<Int64>(values: [Int64(reject.lineNumber)])),
        .binary(BinaryColumn([reject.reason.description])), .binary(BinaryColumn(bytes: [reject.rawLine])),
    ])
    var out: [UInt8] = []
    JSONLinesEncoder().encode(batch, into: &out)
    return out
}

extension CloudFrontCommand {
    /// Parses logs into typed batches and prints only the counts: a validation pass, and the
    /// command the benchmarks time.
    struct Count: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Parse logs into typed batches and print data-line, row and reject counts.")

        @Argument(help: "Log files (plain or gzip).") var files: [String]
        @Option(help: "Malformed-line policy: reject, fail or null-fill.") var policy: String = "reject"
        // Small batches stay in the caches and in the heap the allocator keeps: 8,192 rows
        // parsed 1 M plain rows in 0.42 s at 34 MB RSS, 65,536 rows in 0.73 s at 82 MB.
        @Option(help: "Rows per batch (memory in flight grows with it).") var batchRows: Int = 8192
        @Option(help: "Threads: 2 or more inflate gzip on a thread of its own (default: 1).") var threads: Int = 1

        func run() throws {
            guard let policy = MalformedLinePolicy(rawValue: policy) else { throw ValidationError("unknown policy \(policy)") }
            var total = ParseStatistics()
            for file in files {
                let reader = try CloudFrontLogReader(path: file, options: CloudFrontParserOptions(policy: policy, batchSize: batchRows),
                                                     inflateAhead: threads > 1)
                while try reader.next() != nil {}
                total.add(reader.statistics)
            }
            print("{\"data_lines\":\(total.dataLines),\"rows\":\(total.acceptedRows),\"rejected\":\(total.rejectedLines),"
                  + "\"truncated\":\(total.truncatedRows)}")
        }
    }
}

extension CloudFrontCommand {
    /// Converts logs to one Parquet file.
    struct Convert: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Convert logs to a Parquet file (rejects to a side file).")

        @Argument(help: "Log files (plain or gzip).") var files: [String]
        @Option(help: "Output Parquet file.") var out: String
        @Option(help: "Codec: zstd, snappy, gzip or none.") var codec: String = "zstd"
        @Option(help: "Zstd level.") var level: Int32 = 3
        @Option(help: "Write rejected lines as JSON lines to this file (default: standard error).") var rejects: String?
        @Option(help: "Malformed-line policy: reject, fail or null-fill.") var policy: String = "reject"
        @Option(help: "Threads: 1 parses and writes in turn; 2 or more parse on a thread of their own, ahead of the writer, and give the cores left to encoding (default: the cores available).")
        var threads: Int = availableCores()
        // Defaults keep peak RSS under 128 MB at any input size with one or two threads
        // (Documentation/Performance.md): a row group is buffered whole, compressed.
        @Option(help: "Rows per parsed batch (memory in flight grows with it).") var batchRows: Int = 8192
        @Option(help: "Row group size, as compressed megabytes buffered before a row group is written.")
        var rowGroupMegabytes: Int = 16
        @Option(help: "Threads encoding columns (default: what --threads leaves to the encoder: all of them for plain text; for gzip, one with 2 threads, the threads less two with more).")
        var encodingThreads: Int?

        func run() throws {
            guard let policy = MalformedLinePolicy(rawValue: policy) else { throw ValidationError("unknown policy \(policy)") }
            var properties = WriterProperties()
            switch codec {
            case "zstd": properties.codec = .zstd
            case "snappy": properties.codec = .snappy
            case "gzip": properties.codec = .gzip
            case "none", "uncompressed": properties.codec = .uncompressed
            default: throw ValidationError("unknown codec \(codec)")
            }
            properties.zstdLevel = level
            properties.encodeLineNumbersAsDeltas()
            let plan = ThreadPlan(threads: threads, logFiles: files)
            properties.encodingThreads = max(1, encodingThreads ?? plan.encodingThreads)
            properties.rowGroupBytes = rowGroupMegabytes << 20
            let options = CloudFrontParserOptions(policy: policy, batchSize: batchRows)
            // Rejected lines are never dropped: to --rejects, or to standard error. Both outputs
            // appear only when the whole conversion succeeded.
            let rejectOut = try rejects.map { try OutputFile(path: $0) } ?? OutputFile(standardError: ())
            let writer = try ParquetFileWriter(path: out, schema: options.schema.schema, properties: properties)
            var total = ParseStatistics()
            do {
                for file in files {
                    let batches = try LogBatches(path: file, options: options, prefetch: plan.parseAhead, inflateAhead: plan.inflateAhead)
                    while let next = try batches.next() {
                        if next.batch.rowCount > 0 { try writer.write(next.batch) }
                        for reject in next.rejects { try rejectOut.write(rejectJSON(reject)) }
                    }
                    total.add(batches.statistics)
                }
            } catch {
                writer.abort()
                throw error
            }
            let result = try writer.close()
            try rejectOut.close()
            printError("wrote \(result.rowCount) rows, \(result.metadata.rowGroups.count) row group(s), \(result.fileSize) bytes to \(out); "
                       + "\(total.rejectedLines) rejected")
        }
    }
}
