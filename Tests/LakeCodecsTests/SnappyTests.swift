import LakeCodecs
import LakeTestSupport
import Testing

/// Inputs with structure a compressor must handle: runs, repeats at many distances, text.
func structuredInputs(_ rng: inout SeededRandom) -> [[UInt8]] {
    var inputs: [[UInt8]] = [[], [0], [1, 2, 3], Array(repeating: 7, count: 100_000)]
    // Repeated phrase (log-like text).
    let phrase = Array("GET /index.html HTTP/1.1\t200\tMozilla/5.0%20(X11)\n".utf8)
    inputs.append(Array((0..<3000).flatMap { _ in phrase }))
    // Random bytes with planted copies at varied distances (short, 2-byte and block-crossing).
    for size in [17, 63, 64, 65, 4095, 65_536, 65_537, 200_003] {
        var data = rng.bytes(size)
        if size > 40 {
            for _ in 0..<(size / 40) {
                let len = Int.random(in: 4...min(300, size / 2), using: &rng)
                let src = Int.random(in: 0..<(size - len), using: &rng)
                let dst = Int.random(in: 0..<(size - len), using: &rng)
                for k in 0..<len { data[dst + k] = data[src + k] }
            }
        }
        inputs.append(data)
    }
    // Low-entropy alphabet.
    inputs.append((0..<150_000).map { _ in UInt8.random(in: 97...100, using: &rng) })
    return inputs
}

@Suite("Snappy")
struct SnappyTests {
    @Test("round-trips structured and random inputs")
    func roundTrip() throws {
        var rng = SeededRandom(seed: 0x5AA9)
        for input in structuredInputs(&rng) {
            let compressed = Snappy.compress(input)
            #expect(compressed.count <= Snappy.maxCompressedLength(input.count))
            let restored = try Snappy.decompress(compressed)
            #expect(restored == input, "size \(input.count)")
            #expect(try compressed.withUnsafeBytes { try Snappy.uncompressedLength($0) } == input.count)
        }
    }

    @Test("property: 300 random inputs round-trip")
    func randomProperty() throws {
        var rng = SeededRandom(seed: 42)
        for trial in 0..<300 {
            let size = Int.random(in: 0...5000, using: &rng)
            let alphabet = UInt8.random(in: 1...255, using: &rng)
            let input = (0..<size).map { _ in UInt8.random(in: 0...alphabet, using: &rng) }
            let restored = try Snappy.decompress(Snappy.compress(input))
            #expect(restored == input, "trial \(trial) seed 42")
        }
    }

    @Test("compresses repetitive data")
    func compressesRepetition() {
        let input = Array(repeating: Array("abcdefgh".utf8), count: 10_000).flatMap { $0 }
        #expect(Snappy.compress(input).count < input.count / 10)
    }

    @Test("decodes hand-assembled elements: literals, 1/2/4-byte copies, overlap")
    func decodesEveryElementKind() throws {
        // "abcd" literal, copy1 len 4 off 4 → "abcdabcd", copy2 len 3 off 2 → "...cdc", copy4 len 2 off 1 → "cc"
        let stream: [UInt8] = [13, 3 << 2, 97, 98, 99, 100, 0x01, 4, 2 | (2 << 2), 2, 0, 3 | (1 << 2), 1, 0, 0, 0]
        #expect(try Snappy.decompress(stream) == Array("abcdabcdcdccc".utf8))
        // Long literal with a 1-byte length (tag 60).
        let long = [UInt8](repeating: 0x41, count: 100)
        #expect(try Snappy.decompress([100, 60 << 2, 99] + long) == long)
    }

    @Test("corrupt inputs give typed errors")
    func corruptInputs() {
        let cases: [(String, [UInt8])] = [
            ("empty", []),
            ("unterminated varint", [0x80, 0x80]),
            ("varint too long", [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]),
            ("literal past input", [10, 9 << 2, 1, 2]),
            ("copy before start", [4, 0x01, 4]),
            ("offset zero", [8, 0, 97, 1 | (0 << 2), 0]),
            ("copy past declared length", [5, 0, 97, 1 | (7 << 2), 1]),
            ("short output", [10, 0, 97]),
            ("declared length impossible", [0xFF, 0xFF, 0xFF, 0x0F, 0]),
            ("truncated copy2", [4, 0, 97, 2]),
            ("truncated copy4", [4, 0, 97, 3, 1, 0]),
        ]
        for (name, bytes) in cases {
            #expect(throws: CodecError.self, "\(name)") { try Snappy.decompress(bytes) }
        }
    }

    @Test("no crash on mutated streams")
    func mutatedStreams() {
        var rng = SeededRandom(seed: 7)
        let base = Snappy.compress(Array("the quick brown fox jumps over the lazy dog, the quick brown fox".utf8))
        for _ in 0..<2000 {
            var bytes = base
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                bytes[Int.random(in: 0..<bytes.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
            }
            if Bool.random(using: &rng) { bytes.removeLast(Int.random(in: 0..<bytes.count, using: &rng)) }
            _ = try? Snappy.decompress(bytes)  // must return or throw; never trap
        }
    }

    @Test("limit refuses large declared output")
    func limit() {
        let compressed = Snappy.compress([UInt8](repeating: 1, count: 10_000))
        #expect(throws: CodecError.self) { try Snappy.decompress(compressed, limit: 100) }
    }
}
