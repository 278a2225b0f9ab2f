import LakeColumnar
import LakeTestSupport
import Testing

@Suite("Byte-string interner and raw byte helpers")
struct InternerTests {
    /// Values built to stress the two-word keys: equal prefixes and suffixes, lengths around
    /// 4, 8, 16 and 32, differences only in high bytes or in the middle.
    static func trickyValues(_ rng: inout SeededRandom) -> [[UInt8]] {
        var values: [[UInt8]] = [[], [0], [0, 0], Array("-".utf8)]
        for length in [1, 3, 4, 5, 7, 8, 9, 15, 16, 17, 24, 31, 32, 33, 64, 100] {
            let base = rng.bytes(length)
            values.append(base)
            for position in Set([0, length / 2, length - 1]) where length > 0 {
                var changed = base
                changed[position] ^= 0x80
                values.append(changed)
            }
        }
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        for m in 0..<60 { values.append(Array("12:\(two(m)):\(two((m * 7) % 60))".utf8)) }
        return values
    }

    @Test("interning agrees with a dictionary of arrays: first-seen indices, values in order, rollback")
    func agreesWithReference() {
        var rng = SeededRandom(seed: 42)
        let pool = Self.trickyValues(&rng)
        var interner = ByteStringInterner()
        var reference: [[UInt8]: Int32] = [:]
        var order: [[UInt8]] = []
        for step in 0..<20_000 {
            let value = pool[Int(rng.next() % UInt64(pool.count))]
            var isNew = false
            let index = value.withUnsafeBytes { interner.intern($0.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!, $0.count, isNew: &isNew) }
            let expected = reference[value] ?? Int32(order.count)
            #expect(index == expected, "step \(step)")
            #expect(isNew == (reference[value] == nil))
            if reference[value] == nil {
                reference[value] = expected
                order.append(value)
                // Now and then, abandon the newest value, as a rejected row does.
                if rng.next() % 5 == 0 {
                    interner.removeLast()
                    reference[order.removeLast()] = nil
                }
            }
        }
        #expect(interner.count == order.count)
        #expect(interner.dictionary() == BinaryColumn(bytes: order))
        for (i, value) in order.enumerated() { #expect(Array(interner.value(at: i)) == value) }
        interner.reset()
        #expect(interner.count == 0 && interner.byteCount == 0)
        let again = pool[5].withUnsafeBytes { interner.intern($0.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!, $0.count) }
        #expect(again == 0)
    }

    @Test("compare, equal and copy agree with array operations at every length")
    func rawBytesOperations() {
        var rng = SeededRandom(seed: 7)
        for _ in 0..<3000 {
            let a = rng.bytes(Int(rng.next() % 70))
            var b = rng.next() % 2 == 0 ? a : rng.bytes(Int(rng.next() % 70))
            if !b.isEmpty && rng.next() % 3 == 0 { b[Int(rng.next() % UInt64(b.count))] &+= 1 }
            let expected = a.lexicographicallyPrecedes(b) ? -1 : (a == b ? 0 : 1)
            let (order, same): (Int, Bool) = a.withUnsafeBytes { x in
                b.withUnsafeBytes { y in
                    let one = UnsafeRawPointer(bitPattern: 1)!
                    let order = RawBytes.compare(x.baseAddress ?? one, x.count, y.baseAddress ?? one, y.count)
                    return (order.signum(), x.count == y.count && RawBytes.equal(x.baseAddress ?? one, y.baseAddress ?? one, x.count))
                }
            }
            #expect(order == expected)
            #expect(same == (a == b))
            var copy = [UInt8](repeating: 0xEE, count: a.count + 2)
            copy.withUnsafeMutableBytes { out in a.withUnsafeBytes { RawBytes.copy(out.baseAddress! + 1, $0.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!, a.count) } }
            #expect(Array(copy[1..<(a.count + 1)]) == a && copy.first == 0xEE && copy.last == 0xEE, "no byte outside the range is written")
            #expect(a.withUnsafeBytes { RawBytes.isASCII($0) } == a.allSatisfy { $0 < 0x80 })
        }
    }

    @Test("the hash spreads values that differ only in their high bytes (HH:MM:SS)")
    func hashSpread() {
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        var buckets = Set<UInt64>()
        var count = 0
        for m in 0..<60 {
            for s in 0..<60 {
                let value = Array("07:\(two(m)):\(two(s))".utf8)
                let h = value.withUnsafeBytes { raw -> UInt64 in
                    let (first, last) = RawBytes.words(raw.baseAddress!, raw.count)
                    return RawBytes.hash(first, last, raw.baseAddress!, raw.count)
                }
                buckets.insert((h >> 32) & 8191)
                count += 1
            }
        }
        // 3600 values into 8192 buckets: a uniform hash fills about 2,900 (a hash that only
        // carries changes upward filled fewer than 100).
        #expect(buckets.count > 2600, "\(buckets.count) distinct buckets for \(count) values")
    }
}
