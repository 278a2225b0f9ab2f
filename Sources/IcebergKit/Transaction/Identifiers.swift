/// Random identifiers as Iceberg writes them.
enum Identifiers {
    /// A random (version 4) UUID in its canonical text form.
    ///
    /// Two 64-bit draws from the system generator: a table commit names several files, and a
    /// draw per byte cost a `getrandom` system call each (16 per name).
    static func uuid() -> String {
        var g = SystemRandomNumberGenerator()
        var bytes = randomBytes16(using: &g)
        bytes[6] = bytes[6] & 0x0F | 0x40
        bytes[8] = bytes[8] & 0x3F | 0x80
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(36)
        for (i, byte) in bytes.enumerated() {
            if i == 4 || i == 6 || i == 8 || i == 10 { text.append(UInt8(ascii: "-")) }
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// Sixteen random bytes from two 64-bit draws.
    static func randomBytes16<G: RandomNumberGenerator>(using generator: inout G) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(16)
        for _ in 0..<2 {
            let word = generator.next()
            for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: word >> UInt64(shift))) }
        }
        return bytes
    }

    /// A positive random snapshot id.
    static func snapshotID() -> Int64 { Int64.random(in: 1...Int64.max) }
}
