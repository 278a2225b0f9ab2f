#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import CloudFrontLogs
import IcebergKit
import LakeCodecs
import LakeColumnar
import LakeDQ
import ParquetWriter

/// The end-to-end job on a local warehouse: generate bronze logs → stream-parse into typed
/// batches (rejects kept) → Iceberg silver table (Parquet zstd, field ids, statistics) → read
/// silver back with projection → daily aggregates as dashboard JSON → a DQDL ruleset over silver.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo", abstract: "Run the medallion demo on generated CloudFront logs in a local warehouse.")

    @Option(help: "Warehouse directory.") var warehouse: String = "demo-warehouse"
    @Option(help: "Hourly log files to generate.") var files: Int = 6
    @Option(help: "Requests per file.") var rows: Int = 20_000
    @Option(help: "Generator seed.") var seed: UInt64 = 2024

    func run() async throws {
        let bronze = warehouse + "/bronze/cloudfront"
        let gold = warehouse + "/gold"
        let silver = warehouse + "/silver/cloudfront"
        try makeDirectories(silver)
        try makeDirectories(bronze)
        try makeDirectories(gold)
        let rejectsDirectory = warehouse + "/rejects/cloudfront"
        try makeDirectories(rejectsDirectory)

        // Bronze: land gzip'd log files as CloudFront names them. One file gets two damaged lines
        // so the run shows the rejects path.
        var generator = LogGenerator(seed: seed)
        var paths: [String] = []
        let firstHour = Int64(CivilCalendar.days(year: 2024, month: 3, day: 7)) * 86_400_000_000 + 20 * 3_600_000_000
        for k in 0..<files {
            let hour = firstHour + Int64(k) * 3_600_000_000
            // Generated, compressed and written a piece at a time: a file of any size in bounded memory.
            let pending = bronze + "/.generating.gz"
            let file = try OutputFile(path: pending)
            let deflater = try Deflater(format: .gzip, level: 6)
            func compress(_ text: [UInt8]) throws {
                let compressed = try Self.deflate(text, with: deflater)
                try file.write(compressed)
            }
            try generator.logFile(rows: rows, hourStartMicros: hour) { piece in try compress(piece) }
            if k == 0 {
                try compress(Array("2024-03-07\t20:00:01\tFRA56-P1\tnot-a-number\t192.0.2.1\tGET\n".utf8))
                try compress(Array("2024-13-45\t25:00:00\tFRA56-P1\t100\t192.0.2.1\tGET\td.cloudfront.net\t/\t200\t-\t-\t-\n".utf8))
            }
            var tail: [UInt8] = []
            try deflater.finish { tail += $0 }
            try file.write(tail)
            try file.close()
            let path = bronze + "/" + generator.objectName(hourStartMicros: hour)
            guard rename(pending, path) == 0 else { throw CLIError("cannot rename \(pending) to \(path)") }
            paths.append(path)
        }
        print("bronze: \(files) log files in \(bronze)")

        // Silver: an Iceberg table (partitioned by day) in a SQLite catalog that pyiceberg can open;
        // one snapshot per bronze object, which records the object so that a rerun skips it
        // (exactly once: the check holds at commit time, see `AppendTransaction.recordSource`).
        var totals = ParseStatistics()
        let clock = ContinuousClock()
        let started = clock.now
        let absolute = warehouse.hasPrefix("/") ? warehouse : currentDirectory() + "/" + warehouse
        let catalog = try SQLiteCatalog(path: warehouse + "/catalog.db", warehouse: "file://" + absolute)
        let id = TableIdentifier(namespace: "silver", name: "cloudfront")
        if !(try await catalog.listNamespaces().contains("silver")) { try await catalog.createNamespace("silver") }
        if !(try await catalog.tableExists(id)) {
            let schema = IcebergSchema(columnar: CloudFrontParserOptions().schema.schema)
            _ = try await catalog.createTable(id, schema: schema,
                                              spec: PartitionSpec(fields: [PartitionField(sourceID: 1, fieldID: 1000, name: "date_day", transform: .day)]),
                                              sortOrder: .unsorted, properties: [:])
        }
        let alreadyIn = try await catalog.loadTable(id).metadata.committedSources()
        var skipped = 0
        for path in paths {
            let object = "bronze/cloudfront/" + (path.split(separator: "/").last.map(String.init) ?? path)
            if alreadyIn.contains(object) {
                skipped += 1
                continue
            }
            // Rejected lines of each object in a file of their own, kept with what that run committed.
            let rejectsPath = rejectsDirectory + "/" + (path.split(separator: "/").last.map(String.init) ?? "log") + ".rejects.jsonl"
            let rejects = try OutputFile(path: rejectsPath)
            // As an hourly ingestion job would commit: batches stream into the data files as they
            // are parsed, and become visible together.
            let reader = try CloudFrontLogReader(path: path, options: CloudFrontParserOptions(batchSize: 8_192))
            var properties = WriterProperties()
            properties.encodeLineNumbersAsDeltas()
            let append = try await catalog.loadTable(id).newAppend(properties: properties)
            append.recordSource(object)
            while let next = try reader.next() {
                for reject in next.rejects { try rejects.write(rejectJSON(reject)) }
                guard next.batch.rowCount > 0 else { continue }
                try await append.write(try next.batch.conformed(to: append.schema))
            }
            try rejects.close()
            try await append.commit()
            totals.add(reader.statistics)
        }
        let elapsed = clock.now - started
        let seconds = elapsed.seconds
        let table = try await catalog.loadTable(id)
        if totals.dataLines == 0 && skipped == paths.count {
            print("silver: nothing new: all \(skipped) log files are already in silver.cloudfront (\(table.metadata.snapshots.count) snapshots)")
        } else {
            print("silver: \(totals.acceptedRows) typed rows from \(totals.dataLines) data lines → Iceberg table silver.cloudfront "
                  + "(\(table.metadata.snapshots.count) snapshots), \(totals.rejectedLines) rejected → \(rejectsDirectory)/*.rejects.jsonl"
                  + (totals.dataLines > 0 ? " (\(Int(Double(totals.dataLines) / max(seconds, 1e-9))) lines/s)" : "")
                  + (skipped > 0 ? "; \(skipped) of \(paths.count) log files were already in silver" : ""))
        }
        guard totals.acceptedRows + totals.rejectedLines == totals.dataLines else {
            throw CLIError("accounting error: accepted + rejected != data lines")
        }

        // Gold: scan silver (only the columns the aggregates need) and aggregate per day.
        var aggregates = DailyAggregates()
        // Streamed: one row group of the six columns in memory at a time.
        let scan = table.scan(columns: ["date", "sc_bytes", "sc_status", "x_edge_result_type", "cs_uri_stem", "x_edge_location"])
        let files = try await scan.planFiles().count
        var silverRows = 0
        for try await batch in scan.batches() {
            aggregates.add(batch)
            silverRows += batch.rowCount
        }
        let totalRecords = Int(table.metadata.currentSnapshot?.summary["total-records"] ?? "0") ?? 0
        guard silverRows == totalRecords else { throw CLIError("silver scan read \(silverRows) rows, the table holds \(totalRecords)") }
        print("gold: scanned \(silverRows) rows from \(files) data files of silver.cloudfront")
        let json = aggregates.json()
        try writeFile(gold + "/daily.json", Array(json.utf8))
        print("gold: daily aggregates → \(gold)/daily.json")
        print(json)

        // Data quality: the silver ruleset, written next to its results as gold/silver.dqdl.
        let ruleset = try DQDLRuleset.parse(Self.silverRuleset)
        // Silver streams through the rules a scan batch at a time.
        let report = try await DQCommand.Run.evaluate(ruleset, table: table, name: "silver.cloudfront", evaluator: DQEvaluator())
        try writeFile(gold + "/silver.dqdl", Array(ruleset.description.utf8))
        try writeFile(gold + "/dq-silver.json", Array(try report.glueJSON().utf8))
        print("dq: \(report.results.count) rules over \(report.rowCount) silver rows — \(report.passedCount) passed, "
              + "\(report.failedCount) failed, \(report.errorCount) errors → \(gold)/dq-silver.json")
        for result in report.results where result.outcome != .passed {
            print("dq: [\(result.outcome.rawValue)] \(result.rule): \(result.failureReason ?? "")")
        }
    }
}

extension DemoCommand {
    /// What `deflater` emits for `text` so far.
    static func deflate(_ text: [UInt8], with deflater: Deflater) throws -> [UInt8] {
        var compressed: [UInt8] = []
        try text.withUnsafeBytes { raw in
            try deflater.encode(raw) { output in compressed.append(contentsOf: output) }
        }
        return compressed
    }

    /// The silver ruleset; the demo writes it to `gold/silver.dqdl` for `lakehouse dq run`.
    static let silverRuleset = String(decoding: PackageResources.silver_dqdl, as: UTF8.self)
}

/// Per-day traffic, status classes, cache hit ratio, top pages and countries-by-edge.
struct DailyAggregates {
    struct Day {
        var requests = 0
        var bytes: Int64 = 0
        var hits = 0
        var statusClasses: [String: Int] = [:]
        var pages: [String: Int] = [:]
        var edges: [String: Int] = [:]
    }
    var days: [Int32: Day] = [:]

    mutating func add(_ batch: RecordBatch) {
        guard case let .int32(date)? = batch.column(named: "date"),
              case let .int64(bytes)? = batch.column(named: "sc_bytes"),
              case let .int32(status)? = batch.column(named: "sc_status"),
              let result = batch.column(named: "x_edge_result_type").map(StringView.init),
              case let .binary(stem)? = batch.column(named: "cs_uri_stem"),
              let edge = batch.column(named: "x_edge_location").map(StringView.init) else { return }
        for row in 0..<batch.rowCount {
            guard let d = date[row] else { continue }
            var day = days[d] ?? Day()
            day.requests += 1
            day.bytes += bytes[row] ?? 0
            let r = result.string(at: row)
            if r == "Hit" || r == "RefreshHit" { day.hits += 1 }
            let cls = status[row].map { $0 == 0 ? "aborted" : "\($0 / 100)xx" } ?? "unknown"
            day.statusClasses[cls, default: 0] += 1
            day.pages[stem.string(at: row) ?? "-", default: 0] += 1
            let pop = String((edge.string(at: row) ?? "-").prefix(3))
            day.edges[pop, default: 0] += 1
            days[d] = day
        }
    }

    func json() -> String {
        func top(_ counts: [String: Int], _ n: Int) -> String {
            counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(n)
                .map { "{\"key\":\"\($0.key)\",\"requests\":\($0.value)}" }.joined(separator: ",")
        }
        let entries = days.keys.sorted().map { d -> String in
            let day = days[d]!
            let ratio = day.requests > 0 ? Double(day.hits) / Double(day.requests) : 0
            let classes = day.statusClasses.keys.sorted().map { "\"\($0)\":\(day.statusClasses[$0]!)" }.joined(separator: ",")
            return "  {\"date\":\"\(CivilCalendar.isoDate(days: Int(d)))\",\"requests\":\(day.requests),\"bytes\":\(day.bytes),"
                + "\"cache_hit_ratio\":\((ratio * 10_000).rounded() / 10_000),\"status\":{\(classes)},"
                + "\"top_pages\":[\(top(day.pages, 5))],\"top_edges\":[\(top(day.edges, 5))]}"
        }
        return "[\n" + entries.joined(separator: ",\n") + "\n]"
    }
}

/// Reads strings from either plain or dictionary storage (silver read back from Parquet is plain).
struct StringView {
    let column: Column
    init(_ column: Column) { self.column = column }

    func string(at row: Int) -> String? {
        switch column {
        case let .binary(c): return c.string(at: row)
        case let .dictionary(c): return c.string(at: row)
        default: return nil
        }
    }
}
