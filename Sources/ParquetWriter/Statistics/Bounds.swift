#if canImport(Glibc)
import Glibc
#endif

/// Min/max bounds of a run of leaf values in the column's sort order, PLAIN-encoded.
struct Bounds {
    var min: [UInt8]
    var max: [UInt8]
    var minExact = true
    var maxExact = true
}

enum BoundsCalculator {
    /// Bounds and NaN count of values `range` of `leaf`; bounds are nil when there is no
    /// orderable value (no values, or only NaN).
    static func compute(_ leaf: LeafBuffer, _ range: Range<Int>, truncateTo limit: Int) -> (Bounds?, nanCount: Int64) {
        guard !range.isEmpty else { return (nil, 0) }
        let d = leaf.descriptor
        switch d.physicalType {
        case .boolean:
            var sawFalse = false, sawTrue = false
            for i in range { if leaf.bools[i] { sawTrue = true } else { sawFalse = true } }
            return (Bounds(min: [sawFalse ? 0 : 1], max: [sawTrue ? 1 : 0]), 0)
        case .int32:
            if d.isUnsignedInteger {
                var lo = UInt32.max, hi = UInt32.min
                for i in range { let v = UInt32(bitPattern: leaf.int32s[i]); lo = Swift.min(lo, v); hi = Swift.max(hi, v) }
                return (Bounds(min: le(Int32(bitPattern: lo)), max: le(Int32(bitPattern: hi))), 0)
            }
            var lo = Int32.max, hi = Int32.min
            for i in range { let v = leaf.int32s[i]; lo = Swift.min(lo, v); hi = Swift.max(hi, v) }
            return (Bounds(min: le(lo), max: le(hi)), 0)
        case .int64:
            if d.isUnsignedInteger {
                var lo = UInt64.max, hi = UInt64.min
                for i in range { let v = UInt64(bitPattern: leaf.int64s[i]); lo = Swift.min(lo, v); hi = Swift.max(hi, v) }
                return (Bounds(min: le(Int64(bitPattern: lo)), max: le(Int64(bitPattern: hi))), 0)
            }
            var lo = Int64.max, hi = Int64.min
            for i in range { let v = leaf.int64s[i]; lo = Swift.min(lo, v); hi = Swift.max(hi, v) }
            return (Bounds(min: le(lo), max: le(hi)), 0)
        case .float:
            var lo = Float.infinity, hi = -Float.infinity, nans: Int64 = 0, any = false
            for i in range {
                let v = leaf.floats[i]
                if v.isNaN { nans += 1; continue }
                any = true
                if v < lo || (v == 0 && lo == 0 && v.sign == .minus) { lo = v }
                if v > hi || (v == 0 && hi == 0 && v.sign == .plus) { hi = v }
            }
            guard any else { return (nil, nans) }
            if lo == 0 { lo = -0.0 }
            if hi == 0 { hi = 0.0 }
            return (Bounds(min: le(lo.bitPattern), max: le(hi.bitPattern)), nans)
        case .double:
            var lo = Double.infinity, hi = -Double.infinity, nans: Int64 = 0, any = false
            for i in range {
                let v = leaf.doubles[i]
                if v.isNaN { nans += 1; continue }
                any = true
                if v < lo { lo = v }
                if v > hi { hi = v }
            }
            guard any else { return (nil, nans) }
            if lo == 0 { lo = -0.0 }
            if hi == 0 { hi = 0.0 }
            return (Bounds(min: le(lo.bitPattern), max: le(hi.bitPattern)), nans)
        case .byteArray, .fixedLenByteArray, .int96:
            var lo = leaf.bytes.range(range.lowerBound), hi = lo
            let data = leaf.bytes.data
            let signed = d.isSignedFixed
            data.withUnsafeBytes { raw in
                for i in range.dropFirst() {
                    let r = leaf.bytes.range(i)
                    if compareRaw(raw, r, lo, signed: signed) < 0 { lo = r }
                    if compareRaw(raw, r, hi, signed: signed) > 0 { hi = r }
                }
            }
            var bounds = Bounds(min: Array(data[lo]), max: Array(data[hi]))
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
            return (bounds, 0)
        }
    }

    static func le<T: FixedWidthInteger>(_ v: T) -> [UInt8] { withUnsafeBytes(of: v.littleEndian) { Array($0) } }

    /// `compareBytes` on two ranges of one buffer, with memcmp.
    @inline(__always)
    static func compareRaw(_ raw: UnsafeRawBufferPointer, _ a: Range<Int>, _ b: Range<Int>, signed: Bool) -> Int {
        if signed, !a.isEmpty, !b.isEmpty, (raw[a.lowerBound] ^ raw[b.lowerBound]) & 0x80 != 0 {
            return raw[a.lowerBound] & 0x80 != 0 ? -1 : 1
        }
        let n = Swift.min(a.count, b.count)
        if n > 0 {
            let c = memcmp(raw.baseAddress! + a.lowerBound, raw.baseAddress! + b.lowerBound, n)
            if c != 0 { return c < 0 ? -1 : 1 }
        }
        return a.count == b.count ? 0 : (a.count < b.count ? -1 : 1)
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
