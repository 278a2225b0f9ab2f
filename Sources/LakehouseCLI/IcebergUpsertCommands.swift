import ArgumentParser
import Foundation
import IcebergKit
import LakeColumnar

/// `lakehouse iceberg upsert|add-files`: merge rows by key (``Table/upsert(_:keys:whenMatched:whenNotMatched:branch:)``)
/// and register existing Parquet files (``Table/addFiles(_:branch:)``).
extension IcebergCommand {
    struct UpsertCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "upsert",
            abstract: "Merge the rows of Parquet files into a table by key: rows with a known key update it, the others are inserted, in one snapshot.",
            discussion: """
                lakehouse iceberg upsert silver.cloudfront new.parquet --key x_edge_request_id --ignore-matched   (insert only new keys)
                Copy-on-write unless write.merge.mode (or write.update.mode) is merge-on-read.
                """)
        @OptionGroup var options: CatalogOptions
        @Argument(help: "namespace.table") var table: String
        @Argument(help: "Parquet files holding the rows (with the table's field ids, as iceberg append reads them).") var files: [String]
        @Option(help: "The key columns, comma-separated.") var key: String
        @Flag(name: .customLong("ignore-matched"), help: "Leave rows whose key is already in the table as they are (insert only new keys).")
        var ignoreMatched = false
        @Option(help: "Commit to this branch instead of main.") var branch: String = "main"

        var keys: [String] { key.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }

        func validate() throws {
            guard !files.isEmpty else { throw ValidationError("give at least one Parquet file") }
            for f in files where !f.hasSuffix(".parquet") { throw ValidationError("\(f) is not a .parquet file") }
            guard !keys.isEmpty, !keys.contains(where: \.isEmpty) else { throw ValidationError("--key names the key columns, e.g. --key a,b") }
        }

        func run() async throws {
            let catalog = try options.open()
            let loaded = try await catalog.loadTable(try TableIdentifier(parsing: table))
            // The input is held whole: it is the key set the table is merged with.
            var batches: [RecordBatch] = []
            for try await batch in ParquetFileBatches(paths: files, schema: try loaded.schema.columnarSchema(),
                                                      fieldIDs: loaded.schema.fields.map(\.id)) {
                batches.append(batch)
            }
            let result = try await loaded.upsert(batches, keys: keys, whenMatched: ignoreMatched ? .ignore : .update, branch: branch)
            guard let id = result.snapshotID else {
                print("no row changed: nothing committed")
                return
            }
            print("snapshot \(id): \(result.updatedRows) row(s) updated, \(result.insertedRows) row(s) inserted; "
                  + "\(result.rewrittenDataFiles) data file(s) rewritten")
        }
    }

    struct AddFilesCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add-files",
            abstract: "Register existing Parquet files as data files of a table (metrics and partition values from their footers).",
            discussion: """
                lakehouse iceberg add-files silver.cloudfront /data/imports/2024-01-02.parquet
                A file whose rows span partitions, one already in the table, or one without field ids (unless the table
                has schema.name-mapping.default) is refused and nothing is committed.
                """)
        @OptionGroup var options: CatalogOptions
        @Argument(help: "namespace.table") var table: String
        @Argument(help: "Parquet files: URLs the table's storage reads (s3://…, file://…) or local paths.") var files: [String]
        @Option(help: "Commit to this branch instead of main.") var branch: String = "main"

        func validate() throws {
            guard !files.isEmpty else { throw ValidationError("give at least one Parquet file") }
        }

        func run() async throws {
            let catalog = try options.open()
            let loaded = try await catalog.loadTable(try TableIdentifier(parsing: table))
            // A local path becomes the absolute file URL the table's file IO reads.
            let locations = files.map { f -> String in
                if f.contains("://") { return f }
                return URL(fileURLWithPath: f).standardizedFileURL.absoluteString
            }
            let committed = try await loaded.addFiles(locations, branch: branch)
            let id = committed.metadata.refs[branch]?.snapshotID ?? committed.metadata.currentSnapshotID ?? 0
            let rows = committed.metadata.snapshot(id: id)?.summary["added-records"] ?? "?"
            print("snapshot \(id): \(locations.count) file(s) added, \(rows) row(s)")
        }
    }
}
