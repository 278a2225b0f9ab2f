/// Percent-decoding of CloudFront log values, following the documented policy:
///
/// 1. the raw column always keeps the value exactly as logged;
/// 2. the decoded view decodes **once**; a second decode is an explicit per-field option;
/// 3. `+` is never turned into a space;
/// 4. invalid `%` sequences stay literally;
/// 5. the second pass never produces `%`, `&`, `=`, `+`, `#`, `?`, `/` or `;`: those stay
///    encoded, because a double-encoded URL field (`%252F`) would otherwise change structure.
///
/// Recommended depths: `cs(User-Agent)`, `cs(Referer)`, `cs(Cookie)`: once (twice for logs
/// from before 2020, which double-encoded headers); `cs-uri-stem`, `cs-uri-query`: once (they
/// are logged as received, so a client's own `%2F` shows as `%252F` and must not be decoded
/// further).
public enum PercentDecoding {
    /// How many decoding passes to apply.
    public enum Depth: Int, Sendable, Hashable {
        case once = 1
        case twice = 2
    }

    @inline(__always)
    static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c &- UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c &- UInt8(ascii: "a") &+ 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c &- UInt8(ascii: "A") &+ 10
        default: return nil
        }
    }

    @inline(__always)
    static func isProtected(_ c: UInt8) -> Bool {
        switch c {
        case UInt8(ascii: "%"), UInt8(ascii: "&"), UInt8(ascii: "="), UInt8(ascii: "+"), UInt8(ascii: "#"),
             UInt8(ascii: "?"), UInt8(ascii: "/"), UInt8(ascii: ";"):
            return true
        default: return false
        }
    }

    /// Appends one decoding pass of `input` to `output`; when `protectReserved`, sequences that
    /// would decode to a protected character are copied unchanged.
    static func decodePass(_ input: UnsafeRawBufferPointer, protectReserved: Bool, into output: inout [UInt8]) {
        let n = input.count
        var i = 0
        while i < n {
            let c = input[i]
            if c == UInt8(ascii: "%"), i + 2 < n, let hi = hexValue(input[i + 1]), let lo = hexValue(input[i + 2]) {
                let decoded = hi << 4 | lo
                if protectReserved && isProtected(decoded) {
                    output.append(c)
                    output.append(input[i + 1])
                    output.append(input[i + 2])
                } else {
                    output.append(decoded)
                }
                i += 3
            } else {
                output.append(c)
                i += 1
            }
        }
    }

    /// Decodes `input` `depth` times into `output` (appending).
    public static func decode(_ input: UnsafeRawBufferPointer, depth: Depth, into output: inout [UInt8]) {
        guard input.contains(UInt8(ascii: "%")) else {
            output.append(contentsOf: input)
            return
        }
        switch depth {
        case .once:
            decodePass(input, protectReserved: false, into: &output)
        case .twice:
            var first: [UInt8] = []
            first.reserveCapacity(input.count)
            decodePass(input, protectReserved: false, into: &first)
            first.withUnsafeBytes { decodePass($0, protectReserved: true, into: &output) }
        }
    }

    /// Decodes `value` `depth` times; invalid UTF-8 in the result is repaired with U+FFFD.
    public static func decode(_ value: String, depth: Depth = .once) -> String {
        var out: [UInt8] = []
        var copy = value
        copy.withUTF8 { decode(UnsafeRawBufferPointer($0), depth: depth, into: &out) }
        return String(decoding: out, as: UTF8.self)
    }
}
