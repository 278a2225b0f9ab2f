public import LakeColumnar
import Foundation
import ParquetWriter

/// A file a dataset was read from, for the `File*` rules.
public struct DQFile: Sendable, Hashable {
    public var path: String
    public var size: Int64
    /// Last modification, microseconds since the Unix epoch.
    public var modifiedMicroseconds: Int64

    public init(path: String, size: Int64, modifiedMicroseconds: Int64) {
        self.path = path
        self.size = size
        self.modifiedMicroseconds = modifiedMicroseconds
    }

    /// The size and modification time of the local file at `path`.
    public static func local(_ path: String) throws(DQDataError) -> DQFile {
        do {
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            let size = (attributes[.size] as? NSNumber)?.int64Value ?? 0
            let modified = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
            return DQFile(path: path, size: size, modifiedMicroseconds: Int64(modified * 1_000_000))
        } catch {
            throw DQDataError(path: path, reason: "cannot read file attributes: \(error)")
        }
    }
}

/// Data that could not be loaded for a check.
public struct DQDataError: Error, Sendable, Hashable, CustomStringConvertible {
    public var path: String
    public var reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String { "\(path): \(reason)" }
}

/// A dataset to check: a schema, its rows as record batches, and the files it came from.
///
/// Rules read the batches column by column; each column a ruleset uses is prepared once and
/// shared by every rule that reads it.
public struct DQDataset: Sendable {
    public var name: String
    public var schema: Schema
    public var batches: [RecordBatch]
    public var files: [DQFile]

    public init(name: String = "primary", schema: Schema, batches: [RecordBatch], files: [DQFile] = []) {
        self.name = name
        self.schema = schema
        self.batches = batches
        self.files = files
    }

    /// The number of rows.
    public var rowCount: Int { batches.reduce(0) { $0 + $1.rowCount } }

    /// Reads Parquet files (all with the first file's schema).
    public static func parquet(paths: [String], name: String = "primary") throws(DQDataError) -> DQDataset {
        guard let first = paths.first else { throw DQDataError(path: "", reason: "no files given") }
        var schema: Schema?
        var batches: [RecordBatch] = []
        var files: [DQFile] = []
        for path in paths {
            do {
                let reader = try ParquetReader(path: path)
                if let schema, schema.fields.map(\.name) != reader.schema.fields.map(\.name) {
                    throw DQDataError(path: path, reason: "schema differs from \(first)")
                }
                schema = schema ?? reader.schema
                var iterator = try reader.batches()
                while let batch = try iterator.next() { batches.append(batch) }
            } catch let error as DQDataError {
                throw error
            } catch {
                throw DQDataError(path: path, reason: "\(error)")
            }
            files.append(try DQFile.local(path))
        }
        guard let schema else { throw DQDataError(path: first, reason: "no schema read") }
        return DQDataset(name: name, schema: schema, batches: batches, files: files)
    }
}

extension DQEvaluator {
    /// Evaluates `ruleset` on Parquet files read a row group at a time (see
    /// ``DQStreamingEvaluation``): memory stays at one row group plus the rules' state, however
    /// large the files. Every file must have the first file's column names.
    ///
    /// - Throws: ``DQDataError`` naming the file that cannot be read or does not match.
    public func evaluate(_ ruleset: DQDLRuleset, parquet paths: [String], name: String = "primary",
                         references: [String: DQDataset] = [:]) throws(DQDataError) -> DQReport {
        guard let first = paths.first else { throw DQDataError(path: "", reason: "no files given") }
        var files: [DQFile] = []
        for path in paths { files.append(try DQFile.local(path)) }
        let schema: Schema
        do {
            schema = try ParquetReader(path: first).schema
        } catch {
            throw DQDataError(path: first, reason: "\(error)")
        }
        let evaluation = try DQStreamingEvaluation(ruleset, schema: schema, name: name, files: files, references: references,
                                                   options: options)
        // Decode only the columns the rules read (at least one, for the row count).
        let selection: ColumnSelection = evaluation.columnsRead.map { .names($0.isEmpty ? Array(schema.fields.prefix(1).map(\.name)) : $0) } ?? .all
        for path in paths {
            do {
                let reader = try ParquetReader(path: path)
                guard reader.schema.fields.map(\.name) == schema.fields.map(\.name) else {
                    throw DQDataError(path: path, reason: "schema differs from \(first)")
                }
                // A row group decoded a slice at a time: memory holds its compressed chunks and
                // one slice of values.
                for group in reader.metadata.rowGroups.indices {
                    var slices = try reader.rowGroupSlices(group, columns: selection, rowsPerSlice: 8_192)
                    while let batch = try slices.next() { try evaluation.add(batch) }
                }
            } catch let error as DQDataError {
                throw error
            } catch {
                throw DQDataError(path: path, reason: "\(error)")
            }
        }
        return try evaluation.finish()
    }
}
