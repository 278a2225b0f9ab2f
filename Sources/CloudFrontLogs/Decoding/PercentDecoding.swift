#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

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

    /// One decoding pass of `count` bytes at `input` into `output` (which may be `input`
    /// itself: the write position never passes the read position); returns the length written.
    /// When `protectReserved`, sequences that would decode to a protected character stay as they are.
    @inline(__always)
    static func decodePass(_ input: UnsafePointer<UInt8>, _ n: Int, protectReserved: Bool,
                           into output: UnsafeMutablePointer<UInt8>) -> Int {
        var i = 0
        var o = 0
        while i < n {
            let c = input[i]
            if c == UInt8(ascii: "%"), i + 2 < n, let hi = hexValue(input[i + 1]), let lo = hexValue(input[i + 2]) {
                let decoded = hi << 4 | lo
                if protectReserved && isProtected(decoded) {
                    let a = input[i + 1], b = input[i + 2]
                    output[o] = c
                    output[o + 1] = a
                    output[o + 2] = b
                    o += 3
                } else {
                    output[o] = decoded
                    o += 1
                }
                i += 3
            } else {
                output[o] = c
                o += 1
                i += 1
            }
        }
        return o
    }

    /// Decodes `input` `depth` times into `output`, which must have room for `input.count`
    /// bytes (decoding never lengthens); returns the decoded length.
    static func decode(_ input: UnsafeRawBufferPointer, depth: Depth, writingTo output: UnsafeMutablePointer<UInt8>) -> Int {
        guard let base = input.baseAddress?.assumingMemoryBound(to: UInt8.self), input.count > 0 else { return 0 }
        let n = input.count
        guard memchr(base, Int32(UInt8(ascii: "%")), n) != nil else {
            output.update(from: base, count: n)
            return n
        }
        let once = decodePass(base, n, protectReserved: false, into: output)
        guard depth == .twice else { return once }
        return decodePass(UnsafePointer(output), once, protectReserved: true, into: output)
    }

    /// Decodes `input` `depth` times into `output` (appending).
    public static func decode(_ input: UnsafeRawBufferPointer, depth: Depth, into output: inout [UInt8]) {
        let start = output.count
        output.append(contentsOf: repeatElement(0, count: input.count))
        let length = output.withUnsafeMutableBufferPointer { all in
            decode(input, depth: depth, writingTo: all.baseAddress! + start)
        }
        output.removeLast(input.count - length)
    }

    /// Decodes `value` `depth` times; invalid UTF-8 in the result is repaired with U+FFFD.
    public static func decode(_ value: String, depth: Depth = .once) -> String {
        var out: [UInt8] = []
        var copy = value
        copy.withUTF8 { decode(UnsafeRawBufferPointer($0), depth: depth, into: &out) }
        return String(decoding: out, as: UTF8.self)
    }
}
