import LakeCodecs
import LakeTestSupport
import Testing

@Suite("Zstd")
struct ZstdTests {
    @Test("round-trips at several levels")
    func roundTrip() throws {
        var rng = SeededRandom(seed: 3)
        for input in structuredInputs(&rng) {
            for level: Int32 in [-1, 1, 3, 9] {
                let compressed = try Zstd.compress(input, level: level)
                #expect(try Zstd.decompress(compressed) == input)
                var exact = [UInt8](repeating: 0, count: input.count)
                try compressed.withUnsafeBytes { src in
                    try exact.withUnsafeMutableBytes { try Zstd.decompress(src, into: $0) }
                }
                #expect(exact == input)
            }
        }
    }

    @Test("streaming encoder and decoder agree with one-shot, across chunk boundaries")
    func streaming() throws {
        var rng = SeededRandom(seed: 4)
        let input = (0..<600_000).map { i in UInt8(truncatingIfNeeded: i / 7) ^ (UInt8.random(in: 0...3, using: &rng)) }
        let encoder = try ZstdEncoder(level: 1)
        var compressed: [UInt8] = []
        var position = 0
        while position < input.count {
            let end = min(position + Int.random(in: 1...70_000, using: &rng), input.count)
            try input[position..<end].withUnsafeBytes { chunk in try encoder.encode(chunk) { compressed.append(contentsOf: $0) } }
            position = end
        }
        try encoder.finish { compressed.append(contentsOf: $0) }
        #expect(try Zstd.decompress(compressed) == input)

        let decoder = ZstdDecoder(chunkSize: 4096)
        var restored: [UInt8] = []
        position = 0
        while position < compressed.count {
            let end = min(position + Int.random(in: 1...5000, using: &rng), compressed.count)
            try compressed[position..<end].withUnsafeBytes { chunk in try decoder.decode(chunk) { restored.append(contentsOf: $0) } }
            position = end
        }
        try decoder.finish()
        #expect(restored == input)
    }

    @Test("concatenated frames decode fully")
    func concatenatedFrames() throws {
        let a = Array("first frame ".utf8), b = Array("second frame".utf8)
        #expect(try Zstd.decompress(try Zstd.compress(a) + Zstd.compress(b)) == a + b)
    }

    @Test("truncated and corrupt input give typed errors")
    func corrupt() throws {
        let compressed = try Zstd.compress([UInt8](repeating: 5, count: 10_000) + Array("tail".utf8))
        for cut in [1, 4, compressed.count / 2, compressed.count - 1] {
            #expect(throws: CodecError.self, "cut at \(cut)") { try Zstd.decompress(Array(compressed.prefix(cut))) }
        }
        #expect(throws: CodecError.self) { try Zstd.decompress(Array("not zstd at all".utf8)) }
        #expect(throws: CodecError.self) { try Zstd.decompress(compressed, limit: 100) }
    }
}

@Suite("gzip and deflate")
struct ZlibTests {
    @Test("round-trips gzip, zlib and raw deflate")
    func roundTrip() throws {
        var rng = SeededRandom(seed: 5)
        for input in structuredInputs(&rng) {
            for format in [DeflateFormat.gzip, .zlib, .raw] {
                let compressed = try Gzip.compress(input, format: format)
                #expect(try Gzip.decompress(compressed, format: format) == input)
            }
        }
    }

    @Test("multi-member gzip inflates every member, in streaming chunks of any size")
    func multiMember() throws {
        let parts = (0..<5).map { i in Array("member \(i) ".utf8) + [UInt8](repeating: UInt8(i), count: 50_000 * i) }
        let joined = try parts.flatMap { try Gzip.compress($0) }
        #expect(try Gzip.decompress(joined) == parts.flatMap { $0 })
        for chunkSize in [1, 7, 4096, 1 << 20] {
            let inflater = try Inflater(format: .gzip, chunkSize: 1024)
            var out: [UInt8] = []
            var position = 0
            while position < joined.count {
                let end = min(position + chunkSize, joined.count)
                try joined[position..<end].withUnsafeBytes { try inflater.decode($0) { out.append(contentsOf: $0) } }
                position = end
            }
            try inflater.finish()
            #expect(out == parts.flatMap { $0 }, "chunk size \(chunkSize)")
        }
    }

    @Test("a reused compressor appends frames that decode to each input, as its scratch grows")
    func reusedCompressor() throws {
        var rng = SeededRandom(seed: 21)
        let compressor = try ZstdCompressor(level: 1)
        var inputs: [[UInt8]] = []
        var frames: [UInt8] = [0xAA]  // appended after existing bytes
        for size in [0, 10, 70_000, 3, 1 << 20, 500] {
            let input = (0..<size).map { _ in UInt8(truncatingIfNeeded: rng.next() % 13) }
            inputs.append(input)
            var frame: [UInt8] = []
            try input.withUnsafeBytes { try compressor.compress($0, appendingTo: &frame) }
            #expect(try Zstd.decompress(frame) == input, "size \(size)")
            frames += frame
        }
        #expect(try Zstd.decompress(Array(frames.dropFirst())) == inputs.flatMap { $0 })
        #expect(frames.first == 0xAA)
    }

    @Test("the pull form inflates into caller buffers of any size, with input in any chunks")
    func pullIntoBuffers() throws {
        var rng = SeededRandom(seed: 11)
        let parts = (0..<4).map { i in (0..<(20_000 * (i + 1))).map { _ in UInt8(truncatingIfNeeded: rng.next() % 7 + 97) } }
        let joined = try parts.flatMap { try Gzip.compress($0) }
        let expected = parts.flatMap { $0 }
        for (inputChunk, outputChunk) in [(1, 1), (7, 3), (4096, 13), (1 << 20, 64), (333, 1 << 20)] {
            let inflater = try Inflater(format: .gzip)
            var out: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: outputChunk)
            var position = 0
            var stalled = 0
            while stalled < 2 {
                let end = min(position + inputChunk, joined.count)
                let (used, produced) = try joined[position..<end].withUnsafeBytes { input in
                    try buffer.withUnsafeMutableBytes { try inflater.decode(input, into: $0) }
                }
                out += buffer[0..<produced]
                position += used
                // Done once all input is in and a call with no input produces nothing.
                stalled = position == joined.count && produced == 0 ? stalled + 1 : 0
            }
            try inflater.finish()
            #expect(out == expected, "input chunks \(inputChunk), output buffer \(outputChunk)")
        }
        let truncated = Array(joined.dropLast(9))
        let inflater = try Inflater(format: .gzip)
        var sink = [UInt8](repeating: 0, count: 1 << 20)
        _ = try truncated.withUnsafeBytes { input in try sink.withUnsafeMutableBytes { try inflater.decode(input, into: $0) } }
        #expect(throws: CodecError.self) { try inflater.finish() }
    }

    @Test("zero padding after the last member is accepted; other trailing bytes are not")
    func trailingBytes() throws {
        let member = try Gzip.compress(Array("hello".utf8))
        #expect(try Gzip.decompress(member + [0, 0, 0]) == Array("hello".utf8))
        #expect(throws: CodecError.self) { try Gzip.decompress(member + Array("junk".utf8)) }
    }

    @Test("truncated and corrupt gzip give typed errors")
    func corrupt() throws {
        let compressed = try Gzip.compress((0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        for cut in [1, 5, 10, compressed.count / 2, compressed.count - 1] {
            #expect(throws: CodecError.self, "cut at \(cut)") { try Gzip.decompress(Array(compressed.prefix(cut))) }
        }
        var flipped = compressed
        flipped[flipped.count - 6] ^= 0xFF  // CRC
        #expect(throws: CodecError.self) { try Gzip.decompress(flipped) }
        #expect(throws: CodecError.self) { try Gzip.decompress(Array("plain text".utf8)) }
        #expect(throws: CodecError.self) { try Gzip.decompress(compressed, limit: 10) }
        #expect(try Gzip.decompress([UInt8]()) == [])
        #expect(throws: CodecError.self) { try Gzip.decompress([UInt8](), format: .raw) }
    }
}
