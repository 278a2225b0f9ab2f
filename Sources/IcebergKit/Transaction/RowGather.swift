import LakeColumnar

/// Gathers rows picked from several batches of one schema into one batch, a typed pass per
/// column: no ``Scalar`` per value, and no concatenated copy of the sources.
///
/// Sorting runs (``RowSorter``) and merging them (``SortedRunMerge``) both pick rows across
/// batches. Dictionary columns keep a dictionary: the values picked are interned once per
/// source dictionary entry used, so the result's dictionary holds only values it uses.
enum RowGather {
    /// A row of one of the source batches.
    struct Ref {
        var part: Int32
        var row: Int32
    }

    /// The rows `refs` of `parts` (batches of `schema`, text plain or dictionary-encoded), in
    /// that order, as one batch; text stays dictionary-encoded when every part's is.
    static func gather(_ parts: [RecordBatch], _ refs: [Ref], schema: Schema) throws(IcebergError) -> RecordBatch {
        var columns: [Column] = []
        var fields: [Field] = []
        columns.reserveCapacity(schema.fields.count)
        for (c, field) in schema.fields.enumerated() {
            let column = try gather(parts.map { $0.columns[c] }, refs, type: field.type, name: field.name)
            var field = field
            if field.type.isString { field.type = column.storage == .dictionary ? .dictionaryString : .string }
            columns.append(column)
            fields.append(field)
        }
        do { return try RecordBatch(schema: try Schema(fields: fields, metadata: schema.metadata), columns: columns) } catch {
            throw IcebergError(.invalidMetadata("gathering rows: \(error)"))
        }
    }

    /// The rows `refs` of the columns `parts` (all of `type`), in that order.
    static func gather(_ parts: [Column], _ refs: [Ref], type: DataType, name: String) throws(IcebergError) -> Column {
        switch parts.first {
        case .boolean?:
            let sources = parts.compactMap { if case let .boolean(c) = $0 { c } else { nil } }
            guard sources.count == parts.count else { break }
            var b = BooleanColumnBuilder()
            b.reserveCapacity(refs.count)
            for ref in refs { b.append(sources[Int(ref.part)][Int(ref.row)]) }
            return .boolean(b.finish())
        case .int32?:
            let sources = parts.compactMap { if case let .int32(c) = $0 { c } else { nil } }
            guard sources.count == parts.count else { break }
            return .int32(primitive(sources, refs))
        case .int64?:
            let sources = parts.compactMap { if case let .int64(c) = $0 { c } else { nil } }
            guard sources.count == parts.count else { break }
            return .int64(primitive(sources, refs))
        case .float32?:
            let sources = parts.compactMap { if case let .float32(c) = $0 { c } else { nil } }
            guard sources.count == parts.count else { break }
            return .float32(primitive(sources, refs))
        case .float64?:
            let sources = parts.compactMap { if case let .float64(c) = $0 { c } else { nil } }
            guard sources.count == parts.count else { break }
            return .float64(primitive(sources, refs))
        case .decimal128?:
            let sources = parts.compactMap { if case let .decimal128(c) = $0 { c } else { nil } }
            guard sources.count == parts.count else { break }
            return .decimal128(primitive(sources, refs))
        case .binary?:
            let sources = parts.compactMap { if case let .binary(c) = $0 { c } else { nil } }
            guard sources.count == parts.count else { return try text(parts, refs, name: name) }
            var total = 0
            for ref in refs { total += sources[Int(ref.part)].byteCount(at: Int(ref.row)) }
            var b = BinaryColumnBuilder()
            b.reserveCapacity(rows: refs.count, bytes: total)
            for ref in refs {
                let source = sources[Int(ref.part)], row = Int(ref.row)
                if source.isValid(row) {
                    source.withValueBytes(at: row) { b.append(bytes: $0) }
                } else {
                    b.appendNull()
                }
            }
            return .binary(b.finish())
        case let .fixedSizeBinary(first)?:
            let sources = parts.compactMap { if case let .fixedSizeBinary(c) = $0 { c } else { nil } }
            guard sources.count == parts.count else { break }
            var b = FixedSizeBinaryColumnBuilder(byteWidth: first.byteWidth)
            do {
                for ref in refs {
                    let source = sources[Int(ref.part)], row = Int(ref.row)
                    if source.isValid(row) {
                        try source.withValueBytes(at: row) { try b.append(bytes: $0) }
                    } else {
                        b.appendNull()
                    }
                }
            } catch {
                throw IcebergError(.invalidMetadata("gathering column '\(name)': \(error)"))
            }
            return .fixedSizeBinary(b.finish())
        case .dictionary?:
            let sources = parts.compactMap { if case let .dictionary(c) = $0 { c } else { nil } }
            guard sources.count == parts.count else { return try text(parts, refs, name: name) }
            var b = DictionaryColumnBuilder()
            b.reserveCapacity(refs.count)
            // Per source, its dictionary index → the result's (-1: not interned yet).
            var remap = sources.map { [Int32](repeating: -1, count: $0.dictionary.count) }
            for ref in refs {
                let p = Int(ref.part)
                guard let code = sources[p].indices[Int(ref.row)] else {
                    b.appendNull()
                    continue
                }
                var mapped = remap[p][Int(code)]
                if mapped < 0 {
                    mapped = sources[p].dictionary.withValueBytes(at: Int(code)) { b.intern($0) }
                    remap[p][Int(code)] = mapped
                }
                b.append(index: mapped)
            }
            return .dictionary(b.finish())
        case nil:
            break
        default:
            // Nested columns: row at a time, as the rows are rebuilt from their parts.
            let scalars = refs.map { parts[Int($0.part)].scalar(at: Int($0.row)) }
            do { return try Column(scalars: scalars, type: type) } catch {
                throw IcebergError(.invalidMetadata("gathering column '\(name)': \(error)"))
            }
        }
        if parts.isEmpty || refs.isEmpty {
            do { return try Column(scalars: [], type: type) } catch {
                throw IcebergError(.invalidMetadata("gathering column '\(name)': \(error)"))
            }
        }
        throw IcebergError(.invalidMetadata("gathering column '\(name)': its batches store it differently"))
    }

    /// Text from parts stored some plain, some dictionary-encoded: plain. A part stored as
    /// anything else is an error, never nulls.
    private static func text(_ parts: [Column], _ refs: [Ref], name: String) throws(IcebergError) -> Column {
        var b = BinaryColumnBuilder()
        for ref in refs {
            let row = Int(ref.row)
            switch parts[Int(ref.part)] {
            case let .binary(c):
                if c.isValid(row) { c.withValueBytes(at: row) { b.append(bytes: $0) } } else { b.appendNull() }
            case let .dictionary(c):
                if c.isValid(row), let code = c.indices[row] {
                    c.dictionary.withValueBytes(at: Int(code)) { b.append(bytes: $0) }
                } else {
                    b.appendNull()
                }
            default:
                throw IcebergError(.invalidMetadata("gathering column '\(name)': its batches store it differently"))
            }
        }
        return .binary(b.finish())
    }

    private static func primitive<T: FixedWidthValue>(_ sources: [PrimitiveColumn<T>], _ refs: [Ref]) -> PrimitiveColumn<T> {
        var b = PrimitiveColumnBuilder<T>()
        b.reserveCapacity(refs.count)
        for ref in refs {
            let source = sources[Int(ref.part)], row = Int(ref.row)
            if source.isValid(row) { b.append(source.value(at: row)) } else { b.appendNull() }
        }
        return b.finish()
    }
}
