import LakeColumnar

/// Min/max bounds of a run of leaf values in the column's sort order, PLAIN-encoded.
struct Bounds {
    var min: [UInt8]
    var max: [UInt8]
    var minExact = true
    var maxExact = true
}

enum BoundsCalculator {
    /// Bounds of numeric (or boolean, as 0/1) values given by bit pattern, in the column's
    /// order; nil when there is no orderable value (none, or only NaN). Floating-point bounds
    /// follow the format's rules: NaN is ignored, a zero minimum is written as -0 and a zero
    /// maximum as +0.
    static func numberBounds<S: Sequence>(_ bits: S, _ d: LeafDescriptor) -> Bounds? where S.Element == UInt64 {
        switch d.physicalType {
        case .boolean:
            var sawFalse = false, sawTrue = false
            for b in bits { if b != 0 { sawTrue = true } else { sawFalse = true } }
            guard sawFalse || sawTrue else { return nil }
            return Bounds(min: [sawFalse ? 0 : 1], max: [sawTrue ? 1 : 0])
        case .int32:
            if d.isUnsignedInteger {
                guard let (lo, hi) = minMax(bits.lazy.map { UInt32(truncatingIfNeeded: $0) }) else { return nil }
                return Bounds(min: le(Int32(bitPattern: lo)), max: le(Int32(bitPattern: hi)))
            }
            guard let (lo, hi) = minMax(bits.lazy.map { Int32(bitPattern: UInt32(truncatingIfNeeded: $0)) }) else { return nil }
            return Bounds(min: le(lo), max: le(hi))
        case .int64:
            if d.isUnsignedInteger {
                guard let (lo, hi) = minMax(bits) else { return nil }
                return Bounds(min: le(Int64(bitPattern: lo)), max: le(Int64(bitPattern: hi)))
            }
            guard let (lo, hi) = minMax(bits.lazy.map { Int64(bitPattern: $0) }) else { return nil }
            return Bounds(min: le(lo), max: le(hi))
        case .float:
            guard var (lo, hi) = minMax(bits.lazy.map { Float(bitPattern: UInt32(truncatingIfNeeded: $0)) }.filter { !$0.isNaN })
            else { return nil }
            if lo == 0 { lo = -0.0 }
            if hi == 0 { hi = 0.0 }
            return Bounds(min: le(lo.bitPattern), max: le(hi.bitPattern))
        case .double:
            guard var (lo, hi) = minMax(bits.lazy.map { Double(bitPattern: $0) }.filter { !$0.isNaN }) else { return nil }
            if lo == 0 { lo = -0.0 }
            if hi == 0 { hi = 0.0 }
            return Bounds(min: le(lo.bitPattern), max: le(hi.bitPattern))
        default:
            return nil
        }
    }

    @inline(__always)
    static func minMax<S: Sequence>(_ values: S) -> (S.Element, S.Element)? where S.Element: Comparable {
        var iterator = values.makeIterator()
        guard let first = iterator.next() else { return nil }
        var lo = first, hi = first
        while let v = iterator.next() {
            if v < lo { lo = v }
            if v > hi { hi = v }
        }
        return (lo, hi)
    }

    /// Bounds of the byte strings of a page, truncated per the column's limit.
    static func byteArrayBounds(_ values: ByteArrays, _ d: LeafDescriptor, truncateTo limit: Int) -> Bounds? {
        guard values.count > 0 else { return nil }
        let signed = d.isSignedFixed
        return values.data.withUnsafeBytes { raw -> Bounds in
            let base = raw.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!
            func value(_ i: Int) -> UnsafeRawBufferPointer {
                let r = values.range(i)
                return UnsafeRawBufferPointer(start: base + r.lowerBound, count: r.count)
            }
            var lo = 0, hi = 0
            for i in 1..<values.count {
                let v = value(i)
                if compareValues(v, value(lo), signed: signed) < 0 { lo = i }
                else if compareValues(v, value(hi), signed: signed) > 0 { hi = i }
            }
            return byteBounds(min: Array(value(lo)), max: Array(value(hi)), d, truncateTo: limit)
        }
    }

    /// Bounds of PLAIN-encoded BYTE_ARRAY values (u32 length, bytes), truncated per the limit.
    static func plainByteArrayBounds(_ plain: [UInt8], _ d: LeafDescriptor, truncateTo limit: Int) -> Bounds? {
        plain.withUnsafeBytes { raw -> Bounds? in
            guard raw.count >= 4, let base = raw.baseAddress else { return nil }
            var lo = (0, Int(UInt32(littleEndian: raw.loadUnaligned(as: UInt32.self))))
            var hi = lo
            var o = 4 + lo.1
            while o + 4 <= raw.count {
                let n = Int(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: o, as: UInt32.self)))
                let value = base + o + 4
                if RawBytes.compare(value, n, base + lo.0 + 4, lo.1) < 0 { lo = (o, n) }
                else if RawBytes.compare(value, n, base + hi.0 + 4, hi.1) > 0 { hi = (o, n) }
                o += 4 + n
            }
            return byteBounds(min: Array(UnsafeRawBufferPointer(start: base + lo.0 + 4, count: lo.1)),
                              max: Array(UnsafeRawBufferPointer(start: base + hi.0 + 4, count: hi.1)), d, truncateTo: limit)
        }
    }

    /// Bounds from a minimum and maximum byte string; BYTE_ARRAY bounds longer than `limit`
    /// are truncated (the maximum rounded up, so it still bounds every value).
    static func byteBounds(min: [UInt8], max: [UInt8], _ d: LeafDescriptor, truncateTo limit: Int) -> Bounds {
        var bounds = Bounds(min: min, max: max)
        if d.physicalType == .byteArray && limit > 0 {
            let isString = d.logicalType == .string || d.logicalType == .json || d.logicalType == .enumeration
            if bounds.min.count > limit {
                bounds.min = truncatePrefix(bounds.min, limit, utf8: isString)
                bounds.minExact = false
            }
            if bounds.max.count > limit, let up = truncateUp(bounds.max, limit, utf8: isString) {
                bounds.max = up
                bounds.maxExact = false
            }
        }
        return bounds
    }

    static func le<T: FixedWidthInteger>(_ v: T) -> [UInt8] { withUnsafeBytes(of: v.littleEndian) { Array($0) } }

    /// Unsigned lexicographic order of byte strings, or signed big-endian (decimals in FLBA).
    @inline(__always)
    static func compareValues(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer, signed: Bool) -> Int {
        if signed, !a.isEmpty, !b.isEmpty, (a[0] ^ b[0]) & 0x80 != 0 {
            return a[0] & 0x80 != 0 ? -1 : 1  // different signs: the negative one is smaller
        }
        let one = UnsafeRawPointer(bitPattern: 1)!
        return RawBytes.compare(a.baseAddress ?? one, a.count, b.baseAddress ?? one, b.count)
    }

    /// Unsigned lexicographic comparison, or signed big-endian (decimals in FLBA).
    static func compareBytes(_ a: ArraySlice<UInt8>, _ b: ArraySlice<UInt8>, signed: Bool) -> Int {
        if signed, let fa = a.first, let fb = b.first, (fa ^ fb) & 0x80 != 0 {
            return fa & 0x80 != 0 ? -1 : 1  // different signs: the negative one is smaller
        }
        for (x, y) in zip(a, b) where x != y { return x < y ? -1 : 1 }
        return a.count == b.count ? 0 : (a.count < b.count ? -1 : 1)
    }

    /// The longest prefix of at most `limit` bytes (ending on a UTF-8 character boundary for text).
    static func truncatePrefix(_ value: [UInt8], _ limit: Int, utf8: Bool) -> [UInt8] {
        var end = limit
        if utf8 { while end > 0 && value[end] & 0xC0 == 0x80 { end -= 1 } }
        return Array(value[..<end])
    }

    /// A value of at most `limit` bytes that is greater than every value with `value`'s prefix:
    /// the prefix with its last byte (for text, last character) incremented; nil when impossible.
    static func truncateUp(_ value: [UInt8], _ limit: Int, utf8: Bool) -> [UInt8]? {
        if utf8 {
            var scalars = Array(String(decoding: truncatePrefix(value, limit, utf8: true), as: UTF8.self).unicodeScalars)
            while let last = scalars.popLast() {
                var next = last.value + 1
                if next >= 0xD800 && next < 0xE000 { next = 0xE000 }
                if let s = Unicode.Scalar(next) {
                    scalars.append(s)
                    let bytes = Array(String(String.UnicodeScalarView(scalars)).utf8)
                    if bytes.count <= limit { return bytes }
                    scalars.removeLast()  // the incremented character grew past the limit
                }
            }
            return nil
        }
        var prefix = Array(value[..<limit])
        while let last = prefix.popLast() {
            if last < 0xFF {
                prefix.append(last + 1)
                return prefix
            }
        }
        return nil
    }

    /// Compares two PLAIN-encoded bounds of `descriptor`'s type.
    static func compare(_ a: [UInt8], _ b: [UInt8], _ d: LeafDescriptor) -> Int {
        func load<T: FixedWidthInteger>(_ bytes: [UInt8], _: T.Type) -> T {
            bytes.withUnsafeBytes { T(littleEndian: $0.loadUnaligned(as: T.self)) }
        }
        switch d.physicalType {
        case .boolean: return Int(a[0]) - Int(b[0])
        case .int32:
            if d.isUnsignedInteger { let x = load(a, UInt32.self), y = load(b, UInt32.self); return x == y ? 0 : (x < y ? -1 : 1) }
            let x = load(a, Int32.self), y = load(b, Int32.self); return x == y ? 0 : (x < y ? -1 : 1)
        case .int64:
            if d.isUnsignedInteger { let x = load(a, UInt64.self), y = load(b, UInt64.self); return x == y ? 0 : (x < y ? -1 : 1) }
            let x = load(a, Int64.self), y = load(b, Int64.self); return x == y ? 0 : (x < y ? -1 : 1)
        case .float:
            let x = Float(bitPattern: load(a, UInt32.self)), y = Float(bitPattern: load(b, UInt32.self))
            return x == y ? 0 : (x < y ? -1 : 1)
        case .double:
            let x = Double(bitPattern: load(a, UInt64.self)), y = Double(bitPattern: load(b, UInt64.self))
            return x == y ? 0 : (x < y ? -1 : 1)
        default:
            return compareBytes(a[...], b[...], signed: d.isSignedFixed)
        }
    }
}
