import LakeCodecs
import LakeTestSupport
import Testing

/// Our gzip and zstd output read by Python's gzip module and cramjam's zstd, and the reverse.
@Suite("gzip/zstd vs Python", .enabled(if: Interop.enabled))
struct ZlibInteropTests {
    @Test("python reads our gzip and zstd; we read theirs, including multi-member gzip")
    func differential() throws {
        var rng = SeededRandom(seed: 11)
        let input = (0..<300_000).map { i in UInt8(truncatingIfNeeded: i % 251) ^ UInt8.random(in: 0...1, using: &rng) }
        let gz = try Gzip.compress(input)
        #expect(try Interop.run("import sys, gzip; sys.stdout.buffer.write(gzip.decompress(sys.stdin.buffer.read()))", input: gz) == input)
        let zs = try Zstd.compress(input)
        #expect(try Interop.run("import sys, cramjam; sys.stdout.buffer.write(bytes(cramjam.zstd.decompress(sys.stdin.buffer.read())))", input: zs) == input)
        let theirGzip = try Interop.run("""
            import sys, gzip
            data = sys.stdin.buffer.read()
            half = len(data) // 2
            sys.stdout.buffer.write(gzip.compress(data[:half]) + gzip.compress(data[half:]))
            """, input: input)
        #expect(try Gzip.decompress(theirGzip) == input)
        let theirZstd = try Interop.run("import sys, cramjam; sys.stdout.buffer.write(bytes(cramjam.zstd.compress(sys.stdin.buffer.read(), 5)))", input: input)
        #expect(try Zstd.decompress(theirZstd) == input)
    }
}
