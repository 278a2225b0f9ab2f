#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import Foundation
import CloudFrontLogs
import LakePipeline
import IcebergKit
import LakeColumnar
import ParquetWriter

struct IcebergCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "iceberg", abstract: "Iceberg tables in a SQLite catalog (pyiceberg-compatible), the Glue Data Catalog, an Iceberg REST catalog, or catalog-less on S3.",
        subcommands: [Create.self, Append.self, Describe.self, Snapshots.self, Scan.self,
                      DeleteCommand.self, OverwriteCommand.self, UpsertCommand.self, AddFilesCommand.self,
                      ExpireSnapshotsCommand.self, RemoveOrphansCommand.self, RewriteManifestsCommand.self, CompactCommand.self,
                      BranchCommand.self, TagCommand.self, RefsCommand.self,
                      PropertiesCommand.self, SchemaCommand.self, PartitionCommand.self, SortCommand.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a table (CloudFront silver schema, partitioned by day, unless --schema-from says otherwise).")
        @OptionGroup var options: CatalogOptions
        @Argument(help: "namespace.table") var table: String
        @OptionGroup var definition: TableDefinitionOptions

        func run() async throws {
            let catalog = try options.open()
            let id = try TableIdentifier(parsing: table)
            if !(try await catalog.listNamespaces().contains(id.namespace)) { try await catalog.createNamespace(id.namespace) }
            let schema = IcebergSchema(columnar: CloudFrontParserOptions().schema.schema)
            let spec = PartitionSpec(fields: [PartitionField(sourceID: 1, fieldID: 1000, name: "date_day", transform: .day)])
            guard !definition.isEmpty else {
                let created = try await catalog.createTable(id, schema: schema, spec: spec, sortOrder: .unsorted, properties: ["write.format.default": "parquet"])
                print(created.metadataLocation)
                return
            }
            var described = try definition.definition(defaultSchema: schema, defaultSpec: spec)
            if described.properties["write.format.default"] == nil { described.properties["write.format.default"] = "parquet" }
            let created = try await catalog.createTable(id, described)
            print(created.metadataLocation)
            print(created.schema.outline)
            print(created.spec.outline(created.schema))
            print(created.sortOrder.outline(created.schema))
        }
    }

    struct Append: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Append CloudFront log files or Parquet files to a table.")
        @OptionGroup var options: CatalogOptions
        @Argument(help: "namespace.table") var table: String
        @Argument(help: "Log files (plain or gzip) or .parquet files.") var files: [String]

        @Option(help: "Data file target size in megabytes.") var targetFileMegabytes: Int64 = 128
        @Option(help: "Write rejected log lines as JSON lines to this file (default: standard error).") var rejects: String?
        @Option(help: "Row group size, as compressed megabytes buffered per open data file.") var rowGroupMegabytes: Int = 16
        @Option(help: "Threads: 2 or more parse on a thread of their own, ahead of the writer, and give the cores left to encoding.")
        var threads: Int = availableCores()
        @Option(help: "Commit to this branch (created at the current snapshot if new) instead of main.") var branch: String?

        func run() async throws {
            let catalog = try options.open()
            let id = try TableIdentifier(parsing: table)
            var properties = WriterProperties()
            properties.rowGroupBytes = rowGroupMegabytes << 20
            let plan = ThreadPlan(threads: threads, logFiles: files.filter { !$0.hasSuffix(".parquet") })
            properties.encodingThreads = plan.encodingThreads
            properties.encodeLineNumbersAsDeltas()
            // Streams: each batch goes to the data files as it is read, so memory does not grow with the input.
            let append = try await catalog.loadTable(id).newAppend(properties: properties, targetFileSize: targetFileMegabytes << 20)
            if let branch { append.toBranch(branch) }
            let schema = append.schema
            // Rejected lines are never dropped: to --rejects, or to standard error.
            let rejectOut = try rejects.map { try OutputFile(path: $0) } ?? OutputFile(standardError: ())
            var rejected = 0
            do {
                for file in files {
                    if file.hasSuffix(".parquet") {
                        for try await batch in ParquetFileBatches(paths: [file], schema: schema, fieldIDs: schema.fields.map(\.id)) {
                            try await append.write(batch)
                        }
                    } else {
                        let batches = try LogBatches(path: file, options: CloudFrontParserOptions(batchSize: 8192),
                                                     prefetch: plan.parseAhead, inflateAhead: plan.inflateAhead)
                        while let next = try batches.next() {
                            for reject in next.rejects {
                                rejected += 1
                                try rejectOut.write(rejectJSON(reject))
                            }
                            if next.batch.rowCount > 0 { try await append.write(try next.batch.conformed(to: schema)) }
                        }
                    }
                }
            } catch {
                await append.abort()
                throw error
            }
            try rejectOut.close()
            let result = try await append.commit()
            let head = result.snapshot(ref: branch ?? "main")
            print("snapshot \(head?.snapshotID ?? -1): \(head?.summary["added-records"] ?? "0") rows, "
                  + "\(head?.summary["added-data-files"] ?? "0") data file(s), \(rejected) rejected line(s)")
        }
    }

    struct Describe: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a table's metadata JSON.")
        @OptionGroup var options: CatalogOptions
        @Argument(help: "namespace.table") var table: String

        func run() async throws {
            let t = try await options.open().loadTable(try TableIdentifier(parsing: table))
            print(t.metadataLocation)
            print(t.metadata.jsonText)
        }
    }

    struct Snapshots: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List snapshots.")
        @OptionGroup var options: CatalogOptions
        @Argument(help: "namespace.table") var table: String

        func run() async throws {
            let t = try await options.open().loadTable(try TableIdentifier(parsing: table))
            for s in t.metadata.snapshots {
                print("\(s.snapshotID)\tseq=\(s.sequenceNumber)\t\(CivilCalendar.isoTimestamp(microseconds: s.timestampMs * 1000))\t"
                      + "\(s.operation ?? "?")\trecords=\(s.summary["total-records"] ?? "?")")
            }
        }
    }

    struct Scan: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print rows as JSON lines (optionally at a snapshot), streamed.")
        @OptionGroup var options: CatalogOptions
        @Argument(help: "namespace.table") var table: String
        @Option(help: "Snapshot id (time travel).") var snapshot: Int64?
        @Option(help: "Columns, comma-separated.") var columns: String?
        @Option(help: "Stop after this many rows (default: 20; every row with --discard).") var limit: Int?
        @Option(help: "Rows per batch: what memory holds of every projected column at once.") var batchRows: Int = 8_192
        @Option(help: "Threads decoding a row group's column chunks at once (default: the CPUs available; 1: the scanning thread alone).")
        var threads: Int?
        @Flag(help: "Read and decode every row but print only the row count (to standard error): a full scan's cost.")
        var discard = false
        @Option(help: "Read this branch's head (with the table's current schema).") var branch: String?
        @Option(help: "Read this tag's snapshot (with that snapshot's schema).") var tag: String?
        @Option(help: "Only the rows appended after this snapshot (append snapshots only), up to --to-snapshot or the current snapshot.")
        var fromSnapshot: Int64?
        @Option(help: "The last snapshot of the --from-snapshot or --changelog range.") var toSnapshot: Int64?
        @Flag(help: "The rows inserted and deleted in the range, with _change_type, _change_ordinal and _commit_snapshot_id.")
        var changelog = false
        @Flag(help: "Plan the current snapshot only: print the files planned and the time the table load and the planning took, read no row.")
        var planOnly = false
        @Option(name: .customLong("where"), help: "With --plan-only: plan only the files that may hold rows matching this SQL predicate.")
        var predicate: String?
        @Flag(help: "With --plan-only: decode every column's metrics of every file, as a caller that needs them plans (slower).")
        var includeColumnStats = false

        func validate() throws {
            try IcebergScanSource.validate(snapshot: snapshot, branch: branch, tag: tag, fromSnapshot: fromSnapshot, toSnapshot: toSnapshot,
                                           changelog: changelog)
            if predicate != nil || includeColumnStats, !planOnly { throw ValidationError("--where and --include-column-stats need --plan-only") }
            if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        }

        func run() async throws {
            let clock = ContinuousClock()
            let start = clock.now
            let t = try await options.open().loadTable(try TableIdentifier(parsing: table))
            if planOnly {
                let loaded = clock.now
                var scan = t.scan()
                if let predicate {
                    do { scan.filter = try ColumnPredicate.parse(predicate, schema: try t.schema.columnarSchema()) } catch {
                        throw ValidationError("--where: \(error)")
                    }
                }
                // Planning to read: no file's column metrics beyond the filter's (unless asked for).
                scan.includeColumnStats = includeColumnStats
                let tasks = try await scan.planFiles()
                let planned = clock.now
                print("\(tasks.count) files planned; load \(Self.milliseconds(loaded - start)) ms, planning \(Self.milliseconds(planned - loaded)) ms")
                // One line per file: its path, rows and the delete files applied to it.
                for task in tasks { print("\(task.file.filePath)\t\(task.file.recordCount) rows\t\(task.deletes.count) delete files") }
                return
            }
            var source = try IcebergScanSource(table: t, snapshot: snapshot, branch: branch, tag: tag, fromSnapshot: fromSnapshot,
                                               toSnapshot: toSnapshot, changelog: changelog,
                                               columns: columns.map { $0.split(separator: ",").map(String.init) }, batchRows: batchRows,
                                               decodeThreads: threads)
            let out = OutputFile()
            // Streams: one row group in memory at a time, whatever the table's size.
            var remaining = limit ?? (discard ? .max : 20)
            var rows = 0
            while let batch = try await source.next() {
                guard remaining > 0 else { break }
                let part = batch.rowCount > remaining ? batch.slice(0..<remaining) : batch
                remaining -= part.rowCount
                rows += part.rowCount
                if discard { continue }
                var bytes: [UInt8] = []
                JSONLinesEncoder().encode(part, into: &bytes)
                try out.write(bytes)
            }
            try out.close()
            if discard { FileHandle.standardError.write(Data("\(rows) rows\n".utf8)) }
        }

        static func milliseconds(_ d: Duration) -> String {
            String(format: "%.2f", Double(d.components.seconds) * 1e3 + Double(d.components.attoseconds) / 1e15)
        }
    }
}

func currentDirectory() -> String {
    var buffer = [CChar](repeating: 0, count: 4096)
    return getcwd(&buffer, buffer.count).map { String(cString: $0) } ?? "."
}
