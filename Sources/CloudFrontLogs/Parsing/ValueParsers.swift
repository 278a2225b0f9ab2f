#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import LakeColumnar

/// Byte-level parsers for the typed fields: no `String`, no allocation.
enum ValueParsers {
    /// Parses an optionally signed decimal integer filling the whole range; `nil` when malformed
    /// or out of range.
    @inline(__always)
    static func int64(_ p: UnsafePointer<UInt8>, _ count: Int) -> Int64? {
        guard count > 0 else { return nil }
        if count <= 18 {
            // Up to 18 digits cannot overflow: no checks but the digit test.
            var value: Int64 = 0
            var i = 0
            while i < count {
                let d = p[i] &- UInt8(ascii: "0")
                if d >= 10 { return signedOrChecked(p, count) }
                value = value &* 10 &+ Int64(d)
                i &+= 1
            }
            return value
        }
        return signedOrChecked(p, count)
    }

    /// The general case of ``int64(_:_:)``: a sign, or more digits than the fast path takes.
    static func signedOrChecked(_ p: UnsafePointer<UInt8>, _ count: Int) -> Int64? {
        var i = 0
        var negative = false
        if p[0] == UInt8(ascii: "-") || p[0] == UInt8(ascii: "+") {
            negative = p[0] == UInt8(ascii: "-")
            i = 1
            guard count > 1 else { return nil }
        }
        var value: Int64 = 0
        while i < count {
            let d = p[i] &- UInt8(ascii: "0")
            guard d < 10 else { return nil }
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (a, o2) = negative ? m.subtractingReportingOverflow(Int64(d)) : m.addingReportingOverflow(Int64(d))
            guard !o1, !o2 else { return nil }
            value = a
            i &+= 1
        }
        return value
    }

    @inline(__always)
    static func int32(_ p: UnsafePointer<UInt8>, _ count: Int) -> Int32? {
        guard let v = int64(p, count), let narrow = Int32(exactly: v) else { return nil }
        return narrow
    }

    static let powersOfTen: [Double] = (0...22).map { e in (0..<e).reduce(1.0) { acc, _ in acc * 10 } }

    /// Parses a decimal number (`0.082`, `12`, `-1.5`, `1e-3`) to `Float`, correctly rounded.
    @inline(__always)
    static func float(_ p: UnsafePointer<UInt8>, _ count: Int) -> Float? {
        guard count > 0, count < 64 else { return nil }
        // Fast path: up to 15 significant digits with at most one '.' (Clinger's exact case).
        var mantissa: UInt64 = 0
        var digits = 0
        var fraction = 0
        var seenDot = false
        var i = 0
        let negative = p[0] == UInt8(ascii: "-")
        if negative || p[0] == UInt8(ascii: "+") { i = 1 }
        var simple = i < count
        while i < count {
            let c = p[i]
            if c == UInt8(ascii: ".") {
                if seenDot { return nil }
                seenDot = true
            } else {
                let d = c &- UInt8(ascii: "0")
                guard d < 10 else { simple = false; break }
                mantissa = mantissa &* 10 &+ UInt64(d)
                digits &+= 1
                if seenDot { fraction &+= 1 }
            }
            i &+= 1
        }
        if simple, digits > 0, digits <= 15, fraction <= 22 {
            let v = Double(mantissa) / powersOfTen[fraction]
            // Rounding a correctly rounded double to float is correct unless it lands on a float
            // halfway point; fall back to strtof in that (rare) case.
            let f = Float(negative ? -v : v)
            if Double(f) == (negative ? -v : v) || !isFloatHalfway(negative ? -v : v) { return f }
        }
        return slowFloat(p, count)
    }

    @inline(__always)
    static func isFloatHalfway(_ v: Double) -> Bool {
        // A double exactly halfway between two floats has its low 29 mantissa bits equal to 1 << 28.
        (v.bitPattern & 0x1FFF_FFFF) == 0x1000_0000
    }

    static func slowFloat(_ p: UnsafePointer<UInt8>, _ count: Int) -> Float? {
        // Accept only the characters of a plain decimal number (no "inf", "nan", hex floats).
        for k in 0..<count {
            switch p[k] {
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "-"), UInt8(ascii: "+"),
                 UInt8(ascii: "e"), UInt8(ascii: "E"):
                continue
            default:
                return nil
            }
        }
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: count + 1) { buffer -> Float? in
            for k in 0..<count { buffer[k] = CChar(bitPattern: p[k]) }
            buffer[count] = 0
            var end: UnsafeMutablePointer<CChar>?
            let v = strtof(buffer.baseAddress!, &end)
            guard let end, end == buffer.baseAddress! + count, v.isFinite else { return nil }
            return v
        }
    }

    /// Parses `YYYY-MM-DD` to days since 1970-01-01.
    @inline(__always)
    static func date(_ p: UnsafePointer<UInt8>, _ count: Int) -> Int32? {
        guard count == 10, p[4] == UInt8(ascii: "-"), p[7] == UInt8(ascii: "-"),
              let y = digits(p, 0, 4), let m = digits(p, 5, 2), let d = digits(p, 8, 2) else { return nil }
        guard m >= 1, m <= 12, d >= 1, d <= daysInMonth(y, m) else { return nil }
        return Int32(daysFromCivil(y, m, d))
    }

    /// Parses `HH:MM:SS` to seconds of the day (leap second 60 accepted, as logs may carry one).
    @inline(__always)
    static func timeOfDay(_ p: UnsafePointer<UInt8>, _ count: Int) -> Int? {
        guard count == 8, p[2] == UInt8(ascii: ":"), p[5] == UInt8(ascii: ":"),
              let h = digits(p, 0, 2), let m = digits(p, 3, 2), let s = digits(p, 6, 2),
              h < 24, m < 60, s <= 60 else { return nil }
        return h * 3600 + m * 60 + s
    }

    @inline(__always)
    static func digits(_ p: UnsafePointer<UInt8>, _ start: Int, _ n: Int) -> Int? {
        var v = 0
        for k in start..<(start + n) {
            let d = p[k] &- UInt8(ascii: "0")
            guard d < 10 else { return nil }
            v = v * 10 + Int(d)
        }
        return v
    }

    static func daysInMonth(_ y: Int, _ m: Int) -> Int {
        switch m {
        case 2: return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date.
    @inline(__always)
    static func daysFromCivil(_ year: Int, _ month: Int, _ day: Int) -> Int {
        CivilCalendar.days(year: year, month: month, day: day)
    }

    /// The civil date of a day number.
    static func civilFromDays(_ days: Int) -> (year: Int, month: Int, day: Int) {
        CivilCalendar.date(fromDays: days)
    }
}
