@testable import LakeAWS
import LakeTestSupport
import NIOCore
import Testing

@Suite("Request bodies streamed in slices")
struct RequestBodySlicesTests {
    @Test("the slices of a body are its bytes in order, none larger than a slice", arguments: [0, 1, 256 << 10, (256 << 10) + 1, 3 * (256 << 10) + 17])
    func slicesRebuildTheBody(size: Int) async throws {
        var random = SeededRandom(seed: UInt64(size) + 1)
        let bytes = random.bytes(size)
        var rebuilt: [UInt8] = []
        var slices = 0
        for await slice in RequestBodySlices(bytes: bytes) {
            #expect(slice.readableBytes > 0 && slice.readableBytes <= RequestBodySlices.sliceSize)
            rebuilt.append(contentsOf: slice.readableBytesView)
            slices += 1
        }
        #expect(rebuilt == bytes)
        #expect(slices == (size + RequestBodySlices.sliceSize - 1) / RequestBodySlices.sliceSize)
    }
}
