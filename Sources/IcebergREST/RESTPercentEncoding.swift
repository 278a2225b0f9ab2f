/// Percent-encoding of URL parts as REST catalogs expect them (RFC 3986).
enum RESTPercentEncoding {
    /// Every byte but the unreserved characters (`A-Z a-z 0-9 - . _ ~`) as `%XX`.
    static func encode(_ text: String, spaceAsPlus: Bool = false) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            if spaceAsPlus && byte == UInt8(ascii: " ") {
                out += "+"
            } else if isUnreserved(byte) {
                out.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                out += "%" + hex(byte >> 4) + hex(byte & 0x0F)
            }
        }
        return out
    }

    /// `application/x-www-form-urlencoded`: as ``encode(_:)`` but a space is `+`.
    static func encodeForm(_ text: String) -> String {
        encode(text, spaceAsPlus: true)
    }

    private static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    private static func hex(_ nibble: UInt8) -> String {
        String(UnicodeScalar(nibble < 10 ? nibble + 48 : nibble + 55))
    }
}
