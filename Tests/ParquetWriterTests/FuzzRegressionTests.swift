import Foundation
import LakeColumnar
import ParquetWriter
import Testing

/// Inputs the `parquet` fuzz target found, kept as files in `Tests/Fixtures/fuzz-regressions`:
/// each must now fail with its typed error, promptly and without allocating what it claims.
@Suite("Parquet fuzz regressions")
struct FuzzRegressionTests {
    static func bytes(_ name: String) throws -> [UInt8] {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/fuzz-regressions/\(name)").path
        return Array(try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    /// A DELTA_BINARY_PACKED stream whose header claims ~627 M values for a page of a few: the
    /// reader reserved (and, with zero-width miniblocks, filled) 5 GB before comparing the count
    /// with the page's. The stream may hold no more values than the page's non-null slots.
    @Test("a delta stream claiming more values than its page holds is refused at its header")
    func deltaCountPastThePage() throws {
        let reader = try ParquetReader(bytes: try Self.bytes("parquet-delta-count.parquet"))
        var refused = false
        for group in 0..<reader.rowGroupCount {
            do {
                _ = try reader.readRowGroup(group)
            } catch {
                if "\(error)".contains("invalid DELTA_BINARY_PACKED header") { refused = true }
            }
        }
        #expect(refused)
    }
}
