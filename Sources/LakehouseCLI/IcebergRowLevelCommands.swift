import ArgumentParser
import Foundation
import IcebergKit
import LakeColumnar
import ParquetWriter

/// `lakehouse iceberg delete|overwrite`: row-level writes through ``Table/delete(where:branch:attempts:)``,
/// ``Table/overwrite(_:where:branch:attempts:)`` and ``Table/dynamicPartitionOverwrite(_:branch:validateNoConflicts:attempts:)``.
extension IcebergCommand {
    /// Parses `--where` against the table's columns; a bad predicate names its position and token.
    static func predicate(_ text: String, for table: Table) throws -> ColumnPredicate {
        let schema = try table.schema.columnarSchema()
        do {
            return try ColumnPredicate.parse(text, schema: schema)
        } catch {
            throw RowLevelInputError(message: "--where: \(error)")
        }
    }

    /// Input a row-level command cannot use (reported without the usage text: the arguments parsed).
    struct RowLevelInputError: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }

    /// One line saying what a row-level write did.
    static func report(_ result: RowLevelWriteResult) -> String {
        guard let id = result.snapshotID else { return "no rows matched: nothing committed" }
        return "snapshot \(id): \(result.deletedRows) row(s) deleted, \(result.insertedRows) row(s) inserted; "
            + "\(result.removedDataFiles) data file(s) removed, \(result.addedDataFiles) written (\(result.rewrittenRows) row(s) carried over)"
    }

    struct DeleteCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "delete",
            abstract: "Delete the rows matching a SQL predicate (copy-on-write unless write.delete.mode says otherwise).",
            discussion: """
                lakehouse iceberg delete silver.cloudfront --where "sc_status >= 500 AND date = '2024-01-02'"
                Files all of whose rows match are dropped without being read; files with some matching rows are rewritten.
                """)
        @OptionGroup var options: CatalogOptions
        @Argument(help: "namespace.table") var table: String
        @Option(name: .customLong("where"), help: "The rows to delete, as a SQL predicate over the table's columns.") var predicate: String
        @Option(help: "Commit to this branch instead of main.") var branch: String = "main"

        func run() async throws {
            let catalog = try options.open()
            let loaded = try await catalog.loadTable(try TableIdentifier(parsing: table))
            let filter = try IcebergCommand.predicate(predicate, for: loaded)
            print(IcebergCommand.report(try await loaded.delete(where: filter, branch: branch)))
        }
    }

    struct OverwriteCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "overwrite",
            abstract: "Replace the rows matching a predicate (--where), or the partitions the new rows fall in (--dynamic), with the rows of Parquet files.",
            discussion: """
                lakehouse iceberg overwrite silver.cloudfront day2.parquet --where "date = '2024-01-02'"   (every new row must match)
                lakehouse iceberg overwrite silver.cloudfront fixed.parquet --dynamic                     (an unpartitioned table is replaced whole)
                """)
        @OptionGroup var options: CatalogOptions
        @Argument(help: "namespace.table") var table: String
        @Argument(help: "Parquet files holding the new rows (with the table's field ids, as iceberg append reads them).") var files: [String]
        @Option(name: .customLong("where"), help: "The rows to replace, as a SQL predicate over the table's columns.") var predicate: String?
        @Flag(help: "Replace the partitions the new rows fall in.") var dynamic = false
        @Option(help: "Commit to this branch instead of main.") var branch: String = "main"

        func validate() throws {
            guard (predicate == nil) != !dynamic else { throw ValidationError("give exactly one of --where EXPR and --dynamic") }
            guard !files.isEmpty else { throw ValidationError("give at least one Parquet file") }
            for f in files where !f.hasSuffix(".parquet") { throw ValidationError("\(f) is not a .parquet file") }
        }

        func run() async throws {
            let catalog = try options.open()
            let loaded = try await catalog.loadTable(try TableIdentifier(parsing: table))
            let batches = ParquetFileBatches(paths: files, schema: try loaded.schema.columnarSchema(), fieldIDs: loaded.schema.fields.map(\.id))
            let result: RowLevelWriteResult
            if let predicate {
                result = try await loaded.overwrite(batches, where: try IcebergCommand.predicate(predicate, for: loaded), branch: branch)
            } else {
                result = try await loaded.dynamicPartitionOverwrite(batches, branch: branch)
            }
            print(IcebergCommand.report(result))
        }
    }
}

/// The rows of Parquet files, a row group's batch at a time, with the table's columns (by field
/// id). A column the table gained after a file was written reads as nulls when it is optional;
/// a required one the file lacks is an error naming the file and the column.
struct ParquetFileBatches: AsyncSequence {
    typealias Element = RecordBatch
    let paths: [String]
    let schema: Schema
    let fieldIDs: [Int32]

    /// An error for a file that cannot fill a required column of the table.
    struct MissingColumn: Error, CustomStringConvertible {
        var path: String
        var column: String
        var description: String { "\(path): no column with the field id of required column '\(column)'" }
    }

    /// An error for a file whose columns carry no field ids.
    struct MissingFieldIDs: Error, CustomStringConvertible {
        var path: String
        var description: String { "\(path): the file's columns have no field ids (write it with Iceberg field ids, or register it with add-files on a table with a name mapping)" }
    }

    struct AsyncIterator: AsyncIteratorProtocol {
        let source: ParquetFileBatches
        var next = 0
        var current: ParquetBatchIterator?
        /// For each table column, its index among the columns read from the current file (nil: absent).
        var positions: [Int?] = []

        mutating func next() async throws -> RecordBatch? {
            while true {
                if var it = current {
                    let batch = try it.next()
                    current = it
                    if let batch {
                        var columns: [Column] = []
                        columns.reserveCapacity(positions.count)
                        for (i, position) in positions.enumerated() {
                            if let position {
                                columns.append(batch.columns[position])
                            } else {
                                let field = source.schema.fields[i]
                                columns.append(try Column(scalars: [Scalar?](repeating: nil, count: batch.rowCount), type: field.type))
                            }
                        }
                        return try RecordBatch(schema: source.schema, columns: columns)
                    }
                    current = nil
                }
                guard next < source.paths.count else { return nil }
                let path = source.paths[next]
                let reader = try ParquetReader(path: path)
                next += 1
                // Ids a reader assigns to a file written without them match table columns by accident.
                guard reader.metadata.topLevelFieldsHaveIDs else { throw MissingFieldIDs(path: path) }
                var present: [Int32] = []
                positions = []
                for (i, id) in source.fieldIDs.enumerated() {
                    if reader.schema.index(ofFieldID: id) != nil {
                        positions.append(present.count)
                        present.append(id)
                    } else {
                        let field = source.schema.fields[i]
                        guard field.isNullable else { throw MissingColumn(path: path, column: field.name) }
                        positions.append(nil)
                    }
                }
                current = try reader.batches(columns: .fieldIDs(present))
            }
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(source: self) }
}
