import LakeColumnar

/// Splits a batch by partition: the partition values of each row through the spec's
/// transforms, and the rows of each distinct key.
///
/// Log batches usually hold one partition (an hour of logs falls in one day), so the common
/// case is checked first and costs one pass over the source columns without gathering rows.
/// Temporal transforms of date and timestamp columns run on the raw integers.
struct PartitionRouter {
    struct Source {
        var column: Int
        var type: DataType
        var transform: Transform
    }

    let sources: [Source]

    init(spec: PartitionSpec, schema: Schema) throws(IcebergError) {
        sources = try spec.fields.map { (f) throws(IcebergError) -> Source in
            guard let i = schema.index(ofFieldID: f.sourceID) else {
                throw IcebergError(.invalidMetadata("partition source field \(f.sourceID) is not a top-level column of the batch"))
            }
            return Source(column: i, type: schema.fields[i].type, transform: f.transform)
        }
    }

    /// The batch's partitions, in order of first appearance: each key with its rows (`nil`: every row).
    func route(_ batch: RecordBatch) throws(IcebergError) -> [(key: [Scalar?], rows: [Int]?)] {
        guard batch.rowCount > 0 else { return [] }
        if sources.isEmpty { return [([], nil)] }
        // Per source, a code per row: equal codes mean equal partition values.
        var codes: [[Int64]] = []
        for s in sources { codes.append(try Self.codes(batch.columns[s.column], s)) }
        let rows = batch.rowCount
        var uniform = true
        outer: for c in codes {
            let first = c[0]
            for r in 1..<rows where c[r] != first {
                uniform = false
                break outer
            }
        }
        if uniform { return [(try key(batch, row: 0), nil)] }
        var groups: [[Int64]: Int] = [:]
        var result: [(key: [Scalar?], rows: [Int]?)] = []
        var members: [[Int]] = []
        for r in 0..<rows {
            let code = codes.map { $0[r] }
            if let g = groups[code] {
                members[g].append(r)
            } else {
                groups[code] = members.count
                members.append([r])
                result.append((try key(batch, row: r), nil))
            }
        }
        for g in result.indices { result[g].rows = members[g] }
        return result
    }

    /// The partition values of row `row`.
    func key(_ batch: RecordBatch, row: Int) throws(IcebergError) -> [Scalar?] {
        var key: [Scalar?] = []
        for s in sources { key.append(try s.transform.apply(batch.columns[s.column].scalar(at: row), type: s.type)) }
        return key
    }

    /// A code per row for one source: the transformed value itself for temporal transforms of
    /// dates and timestamps, else the index of the row's first-seen distinct value.
    static func codes(_ column: Column, _ s: Source) throws(IcebergError) -> [Int64] {
        let nullCode = Int64.min
        switch (s.transform, s.type, column) {
        case (.day, .date32, let .int32(c)), (.identity, .date32, let .int32(c)):
            return c.withUnsafeBufferPointer { v in (0..<c.count).map { c.isValid($0) ? Int64(v[$0]) : nullCode } }
        case (.day, .timestampMicroseconds, let .int64(c)):
            return c.withUnsafeBufferPointer { v in
                (0..<c.count).map { c.isValid($0) ? Transform.floorDiv(v[$0], 86_400_000_000) : nullCode }
            }
        case (.hour, .timestampMicroseconds, let .int64(c)):
            return c.withUnsafeBufferPointer { v in
                (0..<c.count).map { c.isValid($0) ? Transform.floorDiv(v[$0], 3_600_000_000) : nullCode }
            }
        case (.identity, _, let .int32(c)):
            return c.withUnsafeBufferPointer { v in (0..<c.count).map { c.isValid($0) ? Int64(v[$0]) : nullCode } }
        case (.identity, _, let .int64(c)):
            // Distinct values may collide with the null code only for Int64.min; fall back then.
            if c.count > 0, c.withUnsafeBufferPointer({ $0.contains(Int64.min) }) { break }
            return c.withUnsafeBufferPointer { v in (0..<c.count).map { c.isValid($0) ? v[$0] : nullCode } }
        case (.identity, _, let .dictionary(c)):
            return c.indices.withUnsafeBufferPointer { v in (0..<c.count).map { c.isValid($0) ? Int64(v[$0]) : nullCode } }
        case (.void, _, _):
            return [Int64](repeating: 0, count: column.count)
        default:
            break
        }
        // Any other transform: the transformed scalar, numbered by first appearance.
        var seen: [Scalar?: Int64] = [:]
        var out: [Int64] = []
        out.reserveCapacity(column.count)
        for r in 0..<column.count {
            let value = try s.transform.apply(column.scalar(at: r), type: s.type)
            if let code = seen[value] {
                out.append(code)
            } else {
                let code = Int64(seen.count)
                seen[value] = code
                out.append(code)
            }
        }
        return out
    }
}
