/// A column of variable-length byte strings (binary or UTF-8 text) as offsets into one byte buffer.
///
/// Value `i` occupies `bytes[offsets[i] ..< offsets[i + 1]]`. Slicing is O(1): a slice shares
/// both buffers and starts at a later offset entry.
public struct BinaryColumn: Sendable, Hashable {
    @usableFromInline var offsets: [Int]
    @usableFromInline var bytes: [UInt8]
    @usableFromInline var start: Int
    /// The number of rows.
    public let count: Int
    /// Validity (1 = present); `nil` when no value is null.
    public let validity: Bitmap?

    /// Creates a column from `count + 1` offsets into `bytes` and an optional validity bitmap.
    ///
    /// - Throws: ``ColumnarError`` when offsets decrease or point past the bytes.
    public init(offsets: [Int], bytes: [UInt8], validity: Bitmap? = nil) throws(ColumnarError) {
        try ListColumn.checkOffsets(offsets, childCount: bytes.count)
        if let validity, validity.count != offsets.count - 1 {
            throw ColumnarError(.lengthMismatch(expected: offsets.count - 1, actual: validity.count))
        }
        self.init(unchecked: offsets, bytes: bytes, start: 0, count: offsets.count - 1, validity: validity)
    }

    /// Creates a column from offsets its producer guarantees valid: `offsets[0] == 0`, never
    /// decreasing, the last equal to `bytes.count`, and `validity` (if any) of the same length as
    /// the values. Checked only in debug builds: for producers that build offsets themselves
    /// (parsers, decoders), where the check would cost a pass over every batch.
    public init(trustedOffsets offsets: [Int], bytes: [UInt8], validity: Bitmap? = nil) {
        assert(offsets.first == 0 && offsets.last == bytes.count && zip(offsets, offsets.dropFirst()).allSatisfy { $0 <= $1 },
               "offsets must start at 0, never decrease and end at the byte count")
        assert(validity == nil || validity!.count == offsets.count - 1, "validity length differs from value count")
        self.init(unchecked: offsets, bytes: bytes, start: 0, count: offsets.count - 1, validity: validity)
    }

    /// Creates a column of UTF-8 strings; `nil` becomes a null.
    public init(_ strings: [String?]) {
        var builder = BinaryColumnBuilder()
        for s in strings { builder.append(s) }
        self = builder.finish()
    }

    /// Creates a column of byte strings; `nil` becomes a null.
    public init(bytes values: [[UInt8]?]) {
        var builder = BinaryColumnBuilder()
        for v in values {
            if let v { builder.append(contentsOf: v) } else { builder.appendNull() }
        }
        self = builder.finish()
    }

    @usableFromInline
    init(unchecked offsets: [Int], bytes: [UInt8], start: Int, count: Int, validity: Bitmap?) {
        self.offsets = offsets
        self.bytes = bytes
        self.start = start
        self.count = count
        self.validity = validity
    }

    /// The number of nulls.
    public var nullCount: Int { validity?.unsetCount ?? 0 }

    /// Whether the value at `index` is present.
    @inlinable
    public func isValid(_ index: Int) -> Bool { validity?[index] ?? true }

    /// The byte range of value `index` within ``withUnsafeBytes(_:)``'s buffer.
    @inlinable
    public func byteRange(at index: Int) -> Range<Int> {
        precondition(index >= 0 && index < count, "index out of range")
        return offsets[start &+ index]..<offsets[start &+ index &+ 1]
    }

    /// The length in bytes of value `index` (0 for a null).
    @inlinable
    public func byteCount(at index: Int) -> Int { byteRange(at: index).count }

    /// Calls `body` with the bytes of value `index` (empty for a null).
    @inlinable
    public func withValueBytes<R>(at index: Int, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        let range = byteRange(at: index)
        return try bytes.withUnsafeBytes { all in try body(UnsafeRawBufferPointer(rebasing: all[range])) }
    }

    /// Calls `body` with the whole byte buffer; pair it with ``byteRange(at:)``.
    @inlinable
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try bytes.withUnsafeBytes(body)
    }

    /// Calls `body` with this column's `count + 1` offsets and the whole byte buffer: value `i`
    /// is `bytes[offsets[i] ..< offsets[i + 1]]` (a null is empty). For loops over every value
    /// without a bounds check per value.
    @inlinable
    public func withUnsafeOffsetsAndBytes<R>(_ body: (UnsafeBufferPointer<Int>, UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try offsets.withUnsafeBufferPointer { all in
            try bytes.withUnsafeBytes { raw in
                try body(UnsafeBufferPointer(rebasing: all[start...(start + count)]), raw)
            }
        }
    }

    /// The bytes of value `index`, or `nil` when null.
    public func bytes(at index: Int) -> [UInt8]? {
        guard isValid(index) else { return nil }
        return Array(bytes[byteRange(at: index)])
    }

    /// The value at `index` decoded as UTF-8 (invalid sequences repaired), or `nil` when null.
    public func string(at index: Int) -> String? {
        guard isValid(index) else { return nil }
        return String(decoding: bytes[byteRange(at: index)], as: UTF8.self)
    }

    /// Total payload bytes of the rows in this column (slice-aware).
    public var totalByteCount: Int { offsets[start + count] - offsets[start] }

    /// The rows in `range`, sharing storage.
    public func slice(_ range: Range<Int>) -> BinaryColumn {
        precondition(range.lowerBound >= 0 && range.upperBound <= count, "slice out of range")
        return BinaryColumn(unchecked: offsets, bytes: bytes, start: start + range.lowerBound, count: range.count,
                            validity: validity?.slice(range))
    }

    /// The values as optional strings.
    public var strings: [String?] { (0..<count).map { string(at: $0) } }

    public static func == (lhs: BinaryColumn, rhs: BinaryColumn) -> Bool {
        guard lhs.count == rhs.count else { return false }
        for i in 0..<lhs.count where lhs.bytes(at: i) != rhs.bytes(at: i) { return false }
        return true
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(count)
        for i in 0..<count { hasher.combine(bytes(at: i)) }
    }
}
