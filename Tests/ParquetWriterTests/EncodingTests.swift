@testable import ParquetWriter
import LakeColumnar
import LakeTestSupport
import Testing

@Suite("Parquet value and level encodings")
struct EncodingTests {
    /// Sequences of every shape the hybrid meets: long runs, short runs, random values, runs
    /// starting inside a group of eight, lengths that are not multiples of eight.
    static func sequences(bitWidth: Int, _ rng: inout SeededRandom) -> [[UInt32]] {
        let limit = bitWidth == 0 ? 1 : (bitWidth == 32 ? UInt64(UInt32.max) + 1 : UInt64(1) << UInt64(bitWidth))
        func value() -> UInt32 { UInt32(rng.next() % limit) }
        var out: [[UInt32]] = [[], [value()], Array(repeating: value(), count: 7), Array(repeating: value(), count: 8)]
        for _ in 0..<20 {
            var s: [UInt32] = []
            let length = Int(rng.next() % 3000)
            while s.count < length {
                let v = value()
                let run = rng.next() % 4 == 0 ? Int(rng.next() % 200) + 1 : Int(rng.next() % 3) + 1
                s += Array(repeating: v, count: min(run, length - s.count))
            }
            out.append(s)
        }
        return out
    }

    @Test("the RLE / bit-packed hybrid decodes back to its input at every bit width")
    func hybridRoundTrip() throws {
        var rng = SeededRandom(seed: 9)
        for bitWidth in 0...32 {
            for values in Self.sequences(bitWidth: bitWidth, &rng) {
                var encoded: [UInt8] = []
                values.withUnsafeBufferPointer { RLEHybrid.encode($0, bitWidth: bitWidth, into: &encoded) }
                var decoded: [UInt32] = []
                try encoded.withUnsafeBytesTyped { (raw) throws(ParquetReadError) in
                    try RLEHybridDecoder.decode(raw, bitWidth: bitWidth, count: values.count, into: &decoded)
                }
                #expect(decoded == values, "bit width \(bitWidth), \(values.count) values")
            }
        }
    }

    @Test("long runs become RLE runs: a page of one value costs a few bytes")
    func runsAreFound() {
        let values = [UInt32](repeating: 5, count: 20_000)
        var encoded: [UInt8] = []
        values.withUnsafeBufferPointer { RLEHybrid.encode($0, bitWidth: 3, into: &encoded) }
        // Header varint (20000 << 1 needs 3 bytes) and one value byte.
        #expect(encoded == [0xC0, 0xB8, 0x02, 5])
    }

    @Test("the numeric dictionary keeps first-seen order and finds every key again")
    func numberDictionary() {
        var rng = SeededRandom(seed: 4)
        var dictionary = NumberDictionary()
        var reference: [UInt64: Int32] = [:]
        for _ in 0..<50_000 {
            // Mostly small keys (repeats), some wide ones, some that differ only in high bits.
            let key: UInt64 = switch rng.next() % 3 {
            case 0: rng.next() % 1000
            case 1: (rng.next() % 64) << 56
            default: rng.next()
            }
            let expected = reference[key] ?? Int32(reference.count)
            reference[key] = expected
            #expect(dictionary.intern(key) == expected)
        }
        #expect(dictionary.count == reference.count)
        #expect(dictionary.keys.enumerated().allSatisfy { reference[$0.element] == Int32($0.offset) })
    }
}
