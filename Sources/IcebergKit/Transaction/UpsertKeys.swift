#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LakeColumnar

/// A row's key columns encoded as bytes straight from the typed column buffers, so keys are
/// hashed and compared without boxing a ``Scalar`` per row.
///
/// Each key column contributes a tag byte (0 null, 1 present) and then, when present, its value:
/// the little-endian slot of an integer, date, timestamp or decimal column, one byte of a
/// boolean, the bit pattern of a floating-point value, or a 4-byte length and the bytes of a
/// string, binary or fixed column (plain and dictionary-encoded text encode alike; a nested
/// value, never a key, its printed form). The encoding is injective per column storage, so two
/// rows of batches conformed to one schema have equal encodings exactly when their keys are equal.
struct KeyEncoder {
    /// The encoded keys of the last batch, one after another.
    private(set) var bytes: [UInt8] = []
    /// Row `r`'s key is `bytes[offsets[r] ..< offsets[r + 1]]`.
    private(set) var offsets: [Int] = [0]

    /// Encodes the key columns of every row of a batch of `rows` rows, replacing the last batch's.
    mutating func encode(_ columns: [Column], rows: Int) {
        bytes.removeAll(keepingCapacity: true)
        offsets.removeAll(keepingCapacity: true)
        offsets.append(0)
        offsets.reserveCapacity(rows + 1)
        for r in 0..<rows {
            for column in columns { append(column, r) }
            offsets.append(bytes.count)
        }
    }

    /// Calls `body` with the encoded key of row `row` of the last batch.
    func withKey<R>(_ row: Int, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        bytes.withUnsafeBytes { all in body(UnsafeRawBufferPointer(rebasing: all[offsets[row]..<offsets[row + 1]])) }
    }

    private mutating func append(_ column: Column, _ r: Int) {
        guard column.isValid(r) else {
            bytes.append(0)
            return
        }
        bytes.append(1)
        switch column {
        case let .boolean(c): bytes.append(c.values[r] ? 1 : 0)
        case let .int32(c): appendFixed(c.value(at: r))
        case let .int64(c): appendFixed(c.value(at: r))
        case let .decimal128(c): appendFixed(c.value(at: r))
        case let .binary(c): c.withValueBytes(at: r) { appendBytes($0) }
        case let .fixedSizeBinary(c): c.withValueBytes(at: r) { appendBytes($0) }
        case let .dictionary(c): c.dictionary.withValueBytes(at: Int(c.indices.value(at: r))) { appendBytes($0) }
        case let .float32(c): appendFixed(c.value(at: r).bitPattern)
        case let .float64(c): appendFixed(c.value(at: r).bitPattern)
        case .structure, .list, .map: appendBytes(Array(String(describing: column.scalar(at: r)).utf8))
        }
    }

    private mutating func appendFixed<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    private mutating func appendBytes(_ value: UnsafeRawBufferPointer) {
        appendFixed(UInt32(truncatingIfNeeded: value.count))
        bytes.append(contentsOf: value)
    }

    private mutating func appendBytes(_ value: [UInt8]) {
        value.withUnsafeBytes { appendBytes($0) }
    }
}

/// A set of encoded keys (``KeyEncoder``) numbered 0, 1, … in insertion order: open addressing
/// over one byte arena, each probe checked byte for byte, so a hash collision never merges two keys.
struct KeyIndex {
    private var arena: [UInt8] = []
    private var starts: [Int] = [0]
    private var hashes: [Int] = []
    /// Entry numbers, -1 for an empty slot; the capacity is a power of two kept under 50 % full.
    private var slots: [Int32]

    /// The number of keys.
    var count: Int { hashes.count }

    init(capacity: Int = 64) {
        var size = 16
        while size < capacity * 2 { size *= 2 }
        slots = Array(repeating: -1, count: size)
    }

    /// The entry of `key`, inserting it when new.
    mutating func insert(_ key: UnsafeRawBufferPointer) -> (entry: Int, inserted: Bool) {
        let hash = Self.hash(key)
        var slot = hash & (slots.count - 1)
        while slots[slot] >= 0 {
            let entry = Int(slots[slot])
            if hashes[entry] == hash, equals(entry, key) { return (entry, false) }
            slot = (slot + 1) & (slots.count - 1)
        }
        let entry = hashes.count
        slots[slot] = Int32(entry)
        hashes.append(hash)
        arena.append(contentsOf: key)
        starts.append(arena.count)
        if hashes.count * 2 > slots.count { grow() }
        return (entry, true)
    }

    /// The entry of `key`, or nil when it is not in the set.
    func find(_ key: UnsafeRawBufferPointer) -> Int? {
        let hash = Self.hash(key)
        var slot = hash & (slots.count - 1)
        while slots[slot] >= 0 {
            let entry = Int(slots[slot])
            if hashes[entry] == hash, equals(entry, key) { return entry }
            slot = (slot + 1) & (slots.count - 1)
        }
        return nil
    }

    private func equals(_ entry: Int, _ key: UnsafeRawBufferPointer) -> Bool {
        let range = starts[entry]..<starts[entry + 1]
        guard range.count == key.count else { return false }
        return arena.withUnsafeBytes { all in
            range.isEmpty || memcmp(all.baseAddress! + range.lowerBound, key.baseAddress!, range.count) == 0
        }
    }

    private mutating func grow() {
        slots = Array(repeating: -1, count: slots.count * 2)
        let mask = slots.count - 1
        for (entry, hash) in hashes.enumerated() {
            var slot = hash & mask
            while slots[slot] >= 0 { slot = (slot + 1) & mask }
            slots[slot] = Int32(entry)
        }
    }

    /// Hasher's keyed SipHash: keys come from input files, so an attacker cannot force every key
    /// into one probe chain.
    private static func hash(_ key: UnsafeRawBufferPointer) -> Int {
        var hasher = Hasher()
        hasher.combine(bytes: key)
        return hasher.finalize() & Int.max
    }
}

extension Column {
    /// Whether row `row` holds the same value as row `otherRow` of `other` (nulls equal nulls),
    /// read from the typed buffers of both; plain and dictionary-encoded text compare by value.
    /// Floating-point values compare by bit pattern, so an unchanged NaN is the same value.
    /// Nested values compare through ``scalar(at:)``.
    func sameValue(at row: Int, as other: Column, at otherRow: Int) -> Bool {
        let valid = isValid(row)
        guard valid == other.isValid(otherRow) else { return false }
        guard valid else { return true }
        switch (self, other) {
        case let (.boolean(a), .boolean(b)): return a.values[row] == b.values[otherRow]
        case let (.int32(a), .int32(b)): return a.value(at: row) == b.value(at: otherRow)
        case let (.int64(a), .int64(b)): return a.value(at: row) == b.value(at: otherRow)
        case let (.float32(a), .float32(b)): return a.value(at: row).bitPattern == b.value(at: otherRow).bitPattern
        case let (.float64(a), .float64(b)): return a.value(at: row).bitPattern == b.value(at: otherRow).bitPattern
        case let (.decimal128(a), .decimal128(b)): return a.value(at: row) == b.value(at: otherRow)
        case (.binary, _), (.dictionary, _), (.fixedSizeBinary, _):
            return withTextBytes(at: row) { a in
                other.withTextBytes(at: otherRow) { b in
                    guard let b else { return false }
                    return a?.elementsEqual(b) ?? false
                }
            }
        default: return scalar(at: row) == other.scalar(at: otherRow)
        }
    }

    /// Calls `body` with the bytes of a binary, fixed or dictionary value (nil for other storage).
    private func withTextBytes<R>(at row: Int, _ body: (UnsafeRawBufferPointer?) -> R) -> R {
        switch self {
        case let .binary(c): return c.withValueBytes(at: row) { body($0) }
        case let .fixedSizeBinary(c): return c.withValueBytes(at: row) { body($0) }
        case let .dictionary(c): return c.dictionary.withValueBytes(at: Int(c.indices.value(at: row))) { body($0) }
        default: return body(nil)
        }
    }
}

extension Column {
    /// -1, 0 or 1 as present row `row` orders before, with or after present row `otherRow` of
    /// `other` (same storage; text by unsigned bytes, as ``ScalarOrder``), from the typed buffers.
    func orderValue(at row: Int, against other: Column, at otherRow: Int) -> Int {
        func sign<T: Comparable>(_ x: T, _ y: T) -> Int { x < y ? -1 : (x == y ? 0 : 1) }
        switch (self, other) {
        case let (.boolean(a), .boolean(b)): return sign(a.values[row] ? 1 : 0, b.values[otherRow] ? 1 : 0)
        case let (.int32(a), .int32(b)): return sign(a.value(at: row), b.value(at: otherRow))
        case let (.int64(a), .int64(b)): return sign(a.value(at: row), b.value(at: otherRow))
        case let (.decimal128(a), .decimal128(b)): return sign(a.value(at: row), b.value(at: otherRow))
        case (.binary, _), (.dictionary, _), (.fixedSizeBinary, _):
            return withTextBytes(at: row) { a in
                other.withTextBytes(at: otherRow) { b in
                    guard let a, let b else { return 0 }
                    let common = min(a.count, b.count)
                    let order = common == 0 ? 0 : memcmp(a.baseAddress!, b.baseAddress!, common)
                    return order != 0 ? (order < 0 ? -1 : 1) : sign(a.count, b.count)
                }
            }
        default:
            guard let a = scalar(at: row), let b = other.scalar(at: otherRow) else { return 0 }
            return ScalarOrder.compare(a, b) ?? 0
        }
    }
}

/// What the pruning filter needs of one key column's input values, gathered from the typed
/// buffers: its distinct values while there are at most ``inListLimit`` of them, its least and
/// greatest value, and whether it has nulls.
struct KeyColumnSummary {
    /// Up to this many distinct values prune by the values themselves (an `IN` list), more by
    /// the column's range.
    static let inListLimit = 256
    let name: String
    private var distinct = KeyIndex()
    private var encoder = KeyEncoder()
    private(set) var distinctAt: [(batch: Int, row: Int)] = []
    private(set) var many = false
    private(set) var hasNull = false
    private(set) var minAt: (batch: Int, row: Int)?
    private(set) var maxAt: (batch: Int, row: Int)?

    init(name: String) { self.name = name }

    /// Adds the values of `column`, the key column of input batch `batch`; `columnOf` gives the
    /// same key column of an earlier input batch.
    mutating func add(_ column: Column, batch: Int, columnOf: (Int) -> Column) {
        if !many { encoder.encode([column], rows: column.count) }
        for r in 0..<column.count {
            guard column.isValid(r) else {
                hasNull = true
                continue
            }
            if !many {
                let keys = encoder
                let inserted = keys.withKey(r) { distinct.insert($0).inserted }
                if inserted { distinctAt.append((batch, r)) }
                if distinct.count > Self.inListLimit {
                    many = true
                    distinct = KeyIndex()
                    distinctAt = []
                }
            }
            if let at = minAt {
                if column.orderValue(at: r, against: columnOf(at.batch), at: at.row) < 0 { minAt = (batch, r) }
            } else {
                minAt = (batch, r)
            }
            if let at = maxAt {
                if column.orderValue(at: r, against: columnOf(at.batch), at: at.row) > 0 { maxAt = (batch, r) }
            } else {
                maxAt = (batch, r)
            }
        }
    }

    /// A predicate that holds for every row whose value in this column is one of the input's
    /// (and may hold for others); `columnOf` gives the key column of each input batch.
    func filter(columnOf: (Int) -> Column) -> ColumnPredicate {
        var test: ColumnPredicate
        if !many {
            let values = distinctAt.compactMap { columnOf($0.batch).scalar(at: $0.row) }
            test = values.isEmpty ? .alwaysFalse : .isIn(name, values)
        } else if let lo = minAt.flatMap({ columnOf($0.batch).scalar(at: $0.row) }),
                  let hi = maxAt.flatMap({ columnOf($0.batch).scalar(at: $0.row) }) {
            test = .and(.greaterThanOrEqual(name, lo), .lessThanOrEqual(name, hi))
        } else {
            test = .alwaysFalse
        }
        return hasNull ? .or(test, .isNull(name)) : test
    }
}
