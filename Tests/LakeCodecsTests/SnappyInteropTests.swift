import LakeCodecs
import LakeTestSupport
import Testing

/// Differential tests against the C++ snappy library behind python's `cramjam`.
@Suite("Snappy vs cramjam", .enabled(if: Interop.enabled))
struct SnappyInteropTests {
    @Test("our output decodes with cramjam; cramjam output decodes with ours")
    func differential() throws {
        var rng = SeededRandom(seed: 0xC0FFEE)
        for input in structuredInputs(&rng) {
            let ours = Snappy.compress(input)
            let decodedByCramjam = try Interop.run("""
                import sys, cramjam
                sys.stdout.buffer.write(bytes(cramjam.snappy.decompress_raw(sys.stdin.buffer.read())))
                """, input: ours)
            #expect(decodedByCramjam == input, "cramjam decoding ours, size \(input.count)")

            let theirs = try Interop.run("""
                import sys, cramjam
                sys.stdout.buffer.write(bytes(cramjam.snappy.compress_raw(sys.stdin.buffer.read())))
                """, input: input)
            #expect(try Snappy.decompress(theirs) == input, "ours decoding cramjam, size \(input.count)")
        }
    }
}
