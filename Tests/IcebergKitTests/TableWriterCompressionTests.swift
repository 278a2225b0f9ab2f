import Foundation
import IcebergKit
import LakeColumnar
import LakeTestSupport
import ParquetWriter
import Testing

@Suite("Table writer compression properties")
struct TableWriterCompressionTests {
    /// Writes 4,000 event rows under `properties` and returns the files' paths and sizes.
    private func write(_ properties: [String: String], in directory: TemporaryDirectory) async throws -> [(path: String, bytes: Int)] {
        let (catalog, id) = try await makeEventsTable(in: directory)
        let table = try await catalog.loadTable(id).setProperties(properties)
        let files = try await writeFiles(table, try eventBatch(0..<4_000))
        return files.map { (LocalFileIOPath.strip($0.filePath), Int($0.fileSizeInBytes)) }
    }

    @Test("write.parquet.compression-codec and -level decide every column chunk's codec, as pyarrow reads the footers",
          .enabled(if: Interop.enabled))
    func codecs() async throws {
        var paths: [String: [String]] = [:]
        for codec in ["gzip", "snappy", "uncompressed", "zstd"] {
            let directory = try TemporaryDirectory()
            defer { directory.cleanup() }
            paths[codec] = try await write(["write.parquet.compression-codec": codec], in: directory).map(\.path)
            let script = """
                import sys, json
                import pyarrow.parquet as pq
                codecs = set()
                for path in sys.argv[1:]:
                    meta = pq.ParquetFile(path).metadata
                    for g in range(meta.num_row_groups):
                        for c in range(meta.num_columns):
                            codecs.add(meta.row_group(g).column(c).compression)
                print(json.dumps(sorted(codecs)))
                """
            let text = try Interop.runText(script, arguments: paths[codec] ?? [])
            let expected = codec == "uncompressed" ? "UNCOMPRESSED" : codec.uppercased()
            #expect(text.trimmingCharacters(in: .whitespacesAndNewlines) == "[\"\(expected)\"]", "\(codec)")
        }
    }

    @Test("a higher zstd level writes smaller files of the same rows; without the properties the writer keeps zstd level 3")
    func levels() async throws {
        func total(_ properties: [String: String]) async throws -> Int {
            let directory = try TemporaryDirectory()
            defer { directory.cleanup() }
            return try await write(properties, in: directory).reduce(0) { $0 + $1.bytes }
        }
        let fast = try await total(["write.parquet.compression-level": "1"])
        let strong = try await total(["write.parquet.compression-level": "19"])
        let unset = try await total([:])
        let three = try await total(["write.parquet.compression-level": "3"])
        #expect(strong < fast, "zstd-19 \(strong) bytes, zstd-1 \(fast)")
        #expect(unset == three)
    }

    @Test("an unknown codec or a level out of range is a typed error before anything is written")
    func refusals() async throws {
        for (properties, unsupported) in [(["write.parquet.compression-codec": "lz4"], true),
                                          (["write.parquet.compression-level": "99"], false),
                                          (["write.parquet.compression-codec": "gzip", "write.parquet.compression-level": "x"], false)] {
            let directory = try TemporaryDirectory()
            defer { directory.cleanup() }
            let (catalog, id) = try await makeEventsTable(in: directory)
            let changed = try await catalog.loadTable(id).setProperties(properties)
            do throws(IcebergError) {
                _ = try TableWriter(table: changed)
                Issue.record("\(properties) accepted")
            } catch {
                switch error.kind {
                case .unsupported: #expect(unsupported, "\(properties): \(error)")
                case .invalidMetadata: #expect(!unsupported, "\(properties): \(error)")
                default: Issue.record("\(properties): \(error)")
                }
            }
            #expect(dataFilesOnDisk(changed.metadata).isEmpty)
        }
    }
}
