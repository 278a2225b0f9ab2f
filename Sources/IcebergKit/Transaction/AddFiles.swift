import LakeColumnar

/// Registers Parquet files that already exist as data files of a table (as pyiceberg's
/// `add_files`), without rewriting them, in one `append` snapshot.
///
/// Each file's footer gives what the manifest records: the row count, per column (by field id)
/// the value and null counts and the lower and upper bounds over all row groups, and the
/// partition values, computed through the spec's transforms from the bounds of the source
/// columns. A file whose rows fall in more than one partition, or whose statistics cannot tell,
/// is refused, as is a file already in the table (or named twice), a file without field ids
/// when the table has no name mapping (`schema.name-mapping.default`), and a file missing a
/// required column. Nothing is committed then.
///
/// ```swift
/// let committed = try await table.addFiles(["s3://bucket/imports/part-0.parquet"])
/// ```
public struct AddFiles: Sendable {
    /// The table added to.
    public let table: Table
    /// The branch committed to.
    public var branch = "main"

    /// Adding files to `table` as loaded.
    public init(table: Table) {
        self.table = table
    }

    /// Registers the Parquet files at `paths` (locations the table's ``FileIO`` reads).
    ///
    /// - Throws: ``IcebergError/Kind/validationFailed(_:)`` for a file already in the table or
    ///   named twice, a file spanning partitions or a column whose values the table cannot
    ///   read; ``IcebergError/Kind/unsupported(_:)`` for a file without field ids and no name
    ///   mapping; I/O and format errors of the files themselves.
    public func commit(_ paths: [String], attempts: Int = 30) async throws(IcebergError) -> Table {
        guard !paths.isEmpty else { return table }
        if let twice = Dictionary(grouping: paths, by: { $0 }).first(where: { $0.value.count > 1 })?.key {
            throw IcebergError(.validationFailed("\(twice) is named more than once"), path: twice)
        }
        var scan = table.scan()
        if let ref = table.metadata.refs[branch] { scan.snapshotID = ref.snapshotID }
        let existing = Set(try await scan.planFiles().map(\.file.filePath))
        if let present = paths.first(where: { existing.contains($0) }) {
            throw IcebergError(.validationFailed("\(present) is already a data file of \(table.identifier)"), path: present)
        }
        var files: [DataFile] = []
        for path in paths { files.append(try await dataFile(path)) }
        let base = table.metadata.refs[branch]?.snapshotID ?? table.metadata.currentSnapshotID
        let delta = table.newRowDelta().toBranch(branch).validateFromSnapshot(base)
        for f in files { delta.addRows(f) }
        return try await delta.commit(attempts: attempts)
    }

    /// The manifest entry of the Parquet file at `path`, from its footer.
    func dataFile(_ path: String) async throws(IcebergError) -> DataFile {
        let input = try await ParquetFileInput.open(path, io: table.io, nameMapping: try table.nameMapping())
        let reader = input.reader
        let schema = table.schema
        // Every column must be readable as the table's (missing required columns, impossible types refused).
        let plan = try ReadPlan(fields: schema.fields, fileSchema: reader.schema, extraFields: [], path: path)
        for id in plan.fileIDs {
            guard let field = schema.field(id: id), let fileType = plan.fileTypes[id] else { continue }
            _ = try ReadPlan.widen(try Self.emptyColumn(fileType, path: path), from: fileType, to: field.type.columnarType, path: path, id: id)
        }
        let size = try await table.io.newInputFile(path).length()
        let rows = reader.metadata.rowGroups.reduce(Int64(0)) { $0 + Int64($1.numRows) }
        var file = DataFile(filePath: path, partition: [], recordCount: rows, fileSizeInBytes: size)
        // Bounds per top-level primitive column, over all row groups.
        var bounds: [Int32: ColumnBounds] = [:]
        for field in schema.fields where field.type.isPrimitive {
            guard let i = reader.schema.index(ofFieldID: field.id) else { continue }
            let name = reader.schema.fields[i].name
            var merged: ColumnBounds?
            var complete = true
            for g in reader.metadata.rowGroups.indices {
                guard let b = reader.statistics(rowGroup: g, column: name) else {
                    complete = false
                    break
                }
                guard var m = merged else {
                    merged = b
                    continue
                }
                let wereAllNull = (m.allNull, b.allNull)
                m.nullCount += b.nullCount
                m.valueCount += b.valueCount
                m.nullCountKnown = m.nullCountKnown && b.nullCountKnown
                m.exact = m.exact && b.exact
                m.lower = Self.extreme(m.lower, b.lower, lower: true, allNull: wereAllNull)
                m.upper = Self.extreme(m.upper, b.upper, lower: false, allNull: wereAllNull)
                merged = m
            }
            guard complete, let m = merged else { continue }
            bounds[field.id] = m
            file.valueCounts[field.id] = m.valueCount
            if m.nullCountKnown { file.nullValueCounts[field.id] = m.nullCount }
            let type = field.type
            if let lo = m.lower.flatMap({ ReadPlan.widenScalar($0, to: type.columnarType) }), let bytes = SingleValue.serialize(lo, type: type) {
                file.lowerBounds[field.id] = bytes
            }
            if let hi = m.upper.flatMap({ ReadPlan.widenScalar($0, to: type.columnarType) }), let bytes = SingleValue.serialize(hi, type: type) {
                file.upperBounds[field.id] = bytes
            }
        }
        file.partition = try partition(of: path, bounds: bounds)
        file.splitOffsets = reader.metadata.rowGroups.map(\.fileOffset)
        return file
    }

    /// The file's partition in the default spec: each source column's lower and upper bounds
    /// must transform to one value (or the column be all null).
    func partition(of path: String, bounds: [Int32: ColumnBounds]) throws(IcebergError) -> [Scalar?] {
        var values: [Scalar?] = []
        for f in table.spec.fields {
            guard let source = table.schema.field(id: f.sourceID) else {
                throw IcebergError(.invalidMetadata("partition source field \(f.sourceID) is not in the schema"))
            }
            guard let b = bounds[f.sourceID], b.nullCountKnown else {
                throw IcebergError(.validationFailed("\(path) has no statistics for partition column '\(source.name)': its partition cannot be known"),
                                   path: path)
            }
            let type = source.type.columnarType
            if b.allNull || b.valueCount == 0 {
                values.append(try f.transform.apply(nil, type: type))
                continue
            }
            let lo = try f.transform.apply(b.lower, type: type), hi = try f.transform.apply(b.upper, type: type)
            guard b.nullCount == 0, lo != nil, lo == hi, b.exact || b.lower == b.upper else {
                throw IcebergError(.validationFailed("\(path) holds rows of more than one partition of '\(f.name)' (\(source.name) from "
                                                     + "\(b.lower.map { "\($0)" } ?? "null") to \(b.upper.map { "\($0)" } ?? "null"))"),
                                   path: path)
            }
            values.append(lo)
        }
        return values
    }

    /// The lower (or upper) of two bounds; a side whose row group is all null has none to give.
    static func extreme(_ a: Scalar?, _ b: Scalar?, lower: Bool, allNull: (Bool, Bool)) -> Scalar? {
        if allNull.1 { return a }
        if allNull.0 { return b }
        guard let a, let b, let order = ScalarOrder.compare(a, b) else { return nil }
        return (order <= 0) == lower ? a : b
    }

    static func emptyColumn(_ type: DataType, path: String) throws(IcebergError) -> Column {
        do { return try Column(scalars: [], type: type) } catch {
            throw IcebergError(.unsupported("column of type \(type): \(error)"), path: path)
        }
    }
}

extension ReadPlan {
    /// A bound read at the file's type as a value of the table's type (ints and floats widened).
    static func widenScalar(_ value: Scalar, to type: DataType) -> Scalar? {
        switch (value, type) {
        case let (.int32(v), .int64): return .int64(Int64(v))
        case let (.float32(v), .float64): return .float64(Double(v))
        default: return value
        }
    }
}

extension Table {
    /// Registers existing Parquet files as data files (see ``AddFiles``); returns the table as committed.
    public func addFiles(_ paths: [String], branch: String = "main") async throws(IcebergError) -> Table {
        var add = AddFiles(table: self)
        add.branch = branch
        return try await add.commit(paths)
    }
}
