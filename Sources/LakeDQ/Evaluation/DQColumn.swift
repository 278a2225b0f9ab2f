import LakeColumnar

/// One column prepared for rule evaluation: every batch concatenated into a flat, typed form.
///
/// Numbers (integers, floats, decimals, dates as days, timestamps as microseconds) become
/// `Double` — exact for integers below 2^53, which covers epoch microseconds. Text and binary
/// become dense codes into a dictionary of distinct values (see ``ByteInterner``).
enum DQColumnValues {
    enum NumericKind: Equatable {
        case integer, floating, decimal(scale: Int), date, timestamp
    }

    case numeric(values: [Double], valid: [Bool], kind: NumericKind)
    /// `codes[i] < 0` is a null.
    case text(codes: [Int32], dictionary: [[UInt8]])
    /// -1 null, 0 false, 1 true.
    case boolean([Int8])
    /// A nested column; only null counts are available.
    case nested(valid: [Bool])

    var count: Int {
        switch self {
        case let .numeric(values, _, _): return values.count
        case let .text(codes, _): return codes.count
        case let .boolean(values): return values.count
        case let .nested(valid): return valid.count
        }
    }

    @inline(__always)
    func isNull(_ row: Int) -> Bool {
        switch self {
        case let .numeric(_, valid, _): return !valid[row]
        case let .text(codes, _): return codes[row] < 0
        case let .boolean(values): return values[row] < 0
        case let .nested(valid): return !valid[row]
        }
    }

    /// Prepares column `index` of every batch.
    static func prepare(field: Field, batches: [RecordBatch], index: Int) -> DQColumnValues {
        switch field.type {
        case .boolean:
            var values: [Int8] = []
            for batch in batches {
                guard case let .boolean(column) = batch.columns[index] else { continue }
                for row in 0..<column.count { values.append(column.isValid(row) ? (column.values[row] ? 1 : 0) : -1) }
            }
            return .boolean(values)
        case .int32, .date32:
            return numeric(batches, index, kind: field.type == .date32 ? .date : .integer) { column, append in
                guard case let .int32(c) = column else { return }
                c.withUnsafeBufferPointer { buffer in
                    for row in 0..<c.count { append(Double(buffer[row]), c.isValid(row)) }
                }
            }
        case .int64, .timestampMicroseconds:
            let kind: NumericKind = field.type == .int64 ? .integer : .timestamp
            return numeric(batches, index, kind: kind) { column, append in
                guard case let .int64(c) = column else { return }
                c.withUnsafeBufferPointer { buffer in
                    for row in 0..<c.count { append(Double(buffer[row]), c.isValid(row)) }
                }
            }
        case .float32:
            return numeric(batches, index, kind: .floating) { column, append in
                guard case let .float32(c) = column else { return }
                for row in 0..<c.count { append(Double(c.value(at: row)), c.isValid(row)) }
            }
        case .float64:
            return numeric(batches, index, kind: .floating) { column, append in
                guard case let .float64(c) = column else { return }
                c.withUnsafeBufferPointer { buffer in
                    for row in 0..<c.count { append(buffer[row], c.isValid(row)) }
                }
            }
        case let .decimal(_, scale):
            var divisor = 1.0
            for _ in 0..<scale { divisor *= 10 }
            return numeric(batches, index, kind: .decimal(scale: scale)) { column, append in
                guard case let .decimal128(c) = column else { return }
                for row in 0..<c.count { append(Double(c.value(at: row)) / divisor, c.isValid(row)) }
            }
        case .binary, .string, .fixedSizeBinary, .dictionaryString:
            return text(batches, index)
        case .structure, .list, .map:
            var valid: [Bool] = []
            for batch in batches {
                let column = batch.columns[index]
                for row in 0..<column.count { valid.append(column.isValid(row)) }
            }
            return .nested(valid: valid)
        }
    }

    private static func numeric(_ batches: [RecordBatch], _ index: Int, kind: NumericKind,
                                _ body: (Column, (Double, Bool) -> Void) -> Void) -> DQColumnValues {
        var values: [Double] = []
        var valid: [Bool] = []
        let total = batches.reduce(0) { $0 + $1.rowCount }
        values.reserveCapacity(total)
        valid.reserveCapacity(total)
        for batch in batches {
            body(batch.columns[index]) { value, isValid in
                values.append(isValid ? value : 0)
                valid.append(isValid)
            }
        }
        return .numeric(values: values, valid: valid, kind: kind)
    }

    private static func text(_ batches: [RecordBatch], _ index: Int) -> DQColumnValues {
        // Size the table for the worst case (every value distinct) so it never rehashes.
        var rows = 0, bytes = 0
        for batch in batches {
            rows += batch.rowCount
            if case let .binary(column) = batch.columns[index] { bytes += column.totalByteCount }
        }
        var interner = ByteInterner(capacity: max(rows, 16), byteCapacity: bytes)
        var codes: [Int32] = []
        codes.reserveCapacity(batches.reduce(0) { $0 + $1.rowCount })
        for batch in batches {
            switch batch.columns[index] {
            case let .binary(column):
                column.withUnsafeBytes { all in
                    for row in 0..<column.count {
                        guard column.isValid(row) else {
                            codes.append(-1)
                            continue
                        }
                        codes.append(interner.intern(UnsafeRawBufferPointer(rebasing: all[column.byteRange(at: row)])))
                    }
                }
            case let .dictionary(column):
                // Intern the dictionary once; rows map through it.
                let dictionary = column.dictionary
                var mapping = [Int32](repeating: -1, count: dictionary.count)
                dictionary.withUnsafeBytes { all in
                    for entry in 0..<dictionary.count where dictionary.isValid(entry) {
                        mapping[entry] = interner.intern(UnsafeRawBufferPointer(rebasing: all[dictionary.byteRange(at: entry)]))
                    }
                }
                column.indices.withUnsafeBufferPointer { indices in
                    for row in 0..<column.count {
                        let index = Int(indices[row])
                        codes.append(column.isValid(row) && index >= 0 && index < mapping.count ? mapping[index] : -1)
                    }
                }
            case let .fixedSizeBinary(column):
                for row in 0..<column.count {
                    guard column.isValid(row) else {
                        codes.append(-1)
                        continue
                    }
                    codes.append(column.withValueBytes(at: row) { interner.intern($0) })
                }
            default:
                continue
            }
        }
        return .text(codes: codes, dictionary: interner.entries)
    }

    /// Dense codes for grouping (equal values share a code; nulls are -1), and the number of
    /// codes.
    func groupCodes() -> (codes: [Int32], cardinality: Int) {
        switch self {
        case let .text(codes, dictionary):
            return (codes, dictionary.count)
        case let .boolean(values):
            return (values.map { Int32($0) }, 2)
        case let .nested(valid):
            return (valid.map { $0 ? 0 : -1 }, 1)
        case let .numeric(values, valid, _):
            var map: [UInt64: Int32] = [:]
            var codes = [Int32](repeating: -1, count: values.count)
            for row in values.indices where valid[row] {
                // Normalise -0.0 to 0.0 and every NaN to one NaN so equal values group together.
                let value = values[row] == 0 ? 0 : (values[row].isNaN ? Double.nan : values[row])
                let bits = value.bitPattern
                if let code = map[bits] {
                    codes[row] = code
                } else {
                    let code = Int32(map.count)
                    map[bits] = code
                    codes[row] = code
                }
            }
            return (codes, map.count)
        }
    }
}

extension DQColumnValues {
    /// Whether each row of column `index` is null, read from validity alone (no value work).
    static func nullFlags(_ batches: [RecordBatch], _ index: Int) -> [Bool] {
        var flags: [Bool] = []
        flags.reserveCapacity(batches.reduce(0) { $0 + $1.rowCount })
        for batch in batches {
            let column = batch.columns[index]
            if let validity = column.validity {
                for row in 0..<column.count { flags.append(!validity[row]) }
            } else {
                flags.append(contentsOf: repeatElement(false, count: column.count))
            }
        }
        return flags
    }

    /// The length in characters of each value of text column `index` (-1 for null), computed
    /// from the bytes without interning.
    static func characterLengths(_ batches: [RecordBatch], _ index: Int) -> [Int32]? {
        var lengths: [Int32] = []
        lengths.reserveCapacity(batches.reduce(0) { $0 + $1.rowCount })
        for batch in batches {
            switch batch.columns[index] {
            case let .binary(column):
                column.withUnsafeBytes { all in
                    for row in 0..<column.count {
                        guard column.isValid(row) else {
                            lengths.append(-1)
                            continue
                        }
                        var count: Int32 = 0
                        for byte in UnsafeRawBufferPointer(rebasing: all[column.byteRange(at: row)]) where byte & 0xC0 != 0x80 {
                            count += 1
                        }
                        lengths.append(count)
                    }
                }
            case let .dictionary(column):
                let dictionary = column.dictionary
                let entryLengths = (0..<dictionary.count).map { Int32(utf8CharacterCount(dictionary.bytes(at: $0) ?? [])) }
                column.indices.withUnsafeBufferPointer { indices in
                    for row in 0..<column.count {
                        let entry = Int(indices[row])
                        lengths.append(column.isValid(row) && entry >= 0 && entry < entryLengths.count ? entryLengths[entry] : -1)
                    }
                }
            default:
                return nil
            }
        }
        return lengths
    }
}

/// Groups rows by several columns at once: combined dense codes (-1 when every column is null,
/// as Deequ drops rows whose grouping columns are all null).
func combinedGroupCodes(_ columns: [DQColumnValues]) -> (codes: [Int32], cardinality: Int) {
    guard var (codes, cardinality) = columns.first?.groupCodes() else { return ([], 0) }
    guard columns.count > 1 else { return (codes, cardinality) }
    var allNull = codes.map { $0 < 0 }
    for column in columns.dropFirst() {
        let (next, _) = column.groupCodes()
        var map: [Int64: Int32] = [:]
        var combined = [Int32](repeating: -1, count: codes.count)
        for row in codes.indices {
            if next[row] >= 0 { allNull[row] = false }
            let key = (Int64(codes[row]) << 32) | Int64(UInt32(bitPattern: next[row]))
            if let code = map[key] {
                combined[row] = code
            } else {
                let code = Int32(map.count)
                map[key] = code
                combined[row] = code
            }
        }
        codes = combined
        cardinality = map.count
    }
    // Rows whose grouping columns are all null take no part in the grouping.
    for row in codes.indices where allNull[row] { codes[row] = -1 }
    return (codes, cardinality)
}

extension DQColumnValues {
    /// Appends row `row`'s part of a grouping key (see ``DQEvaluationContext/forEachGroupKey(_:_:_:)``).
    func appendKey(_ row: Int, to key: inout [UInt8]) {
        switch self {
        case let .text(codes, dictionary):
            let code = codes[row]
            guard code >= 0 else { return key.append(0) }
            let value = dictionary[Int(code)]
            key.append(1)
            withUnsafeBytes(of: UInt32(value.count).littleEndian) { key.append(contentsOf: $0) }
            key.append(contentsOf: value)
        case let .numeric(values, valid, _):
            guard valid[row] else { return key.append(0) }
            let v = values[row]
            let normalised = v == 0 ? 0 : (v.isNaN ? Double.nan : v)
            key.append(2)
            withUnsafeBytes(of: normalised.bitPattern.littleEndian) { key.append(contentsOf: $0) }
        case let .boolean(values):
            guard values[row] >= 0 else { return key.append(0) }
            key.append(3)
            key.append(UInt8(values[row]))
        case let .nested(valid):
            key.append(valid[row] ? 4 : 0)
        }
    }
}
