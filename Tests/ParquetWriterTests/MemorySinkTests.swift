import Foundation
import LakeColumnar
import LakeTestSupport
import ParquetWriter
import Testing

/// The memory sink as a table writer uses it: pages handed over (not copied), taken part by
/// part between writes. Its bytes are compared with a sink that copies every write, and read back.
@Suite("Parquet memory sink")
struct MemorySinkTests {
    /// A sink that only copies (the protocol's default `write(owned:)`), as a local file does.
    final class CopyingSink: ParquetSink {
        var bytes: [UInt8] = []
        var finished = false
        var aborted = false
        func write(_ raw: UnsafeRawBufferPointer) throws(ParquetError) { bytes.append(contentsOf: raw) }
        func finish() throws(ParquetError) { finished = true }
        func abort() {
            bytes = []
            aborted = true
        }
    }

    /// Random text (large compressed pages, handed over) beside a few distinct numbers (tiny
    /// pages, gathered with the headers), with nulls.
    static func sample(rows: Int, seed: UInt64) throws -> RecordBatch {
        var random = SeededRandom(seed: seed)
        let schema = try Schema(fields: [Field(name: "id", id: 1, type: .int64), Field(name: "text", id: 2, type: .string),
                                         Field(name: "status", id: 3, type: .int32)])
        var text = BinaryColumnBuilder()
        for i in 0..<rows {
            if i % 13 == 0 {
                text.append(nil)
                continue
            }
            var value = ""
            for _ in 0..<(20 + i % 30) { value += String(random.next() % 36, radix: 36) }
            text.append(value)
        }
        let ids: [Int64] = (0..<rows).map { Int64($0) * 7 }
        let status: [Int32?] = (0..<rows).map { (i: Int) -> Int32? in i % 9 == 0 ? nil : Int32(200 + (i % 4) * 100) }
        let columns: [Column] = [.int64(PrimitiveColumn<Int64>(values: ids)), .binary(text.finish()), .int32(PrimitiveColumn<Int32>(status))]
        return try RecordBatch(schema: schema, columns: columns)
    }

    static func properties(threads: Int) -> WriterProperties {
        var properties = WriterProperties()
        properties.rowGroupRows = 15_000
        properties.dataPageSize = 256 << 10
        properties.encodingThreads = threads
        return properties
    }

    @Test("pages passed through the memory sink give the bytes a copying sink gets, and read back row for row",
          arguments: [1, 2])
    func sameBytes(threads: Int) throws {
        let batch = try Self.sample(rows: 40_000, seed: UInt64(threads))
        let copying = CopyingSink()
        let reference = try ParquetFileWriter(sink: copying, name: "copy.parquet", schema: batch.schema, properties: Self.properties(threads: threads))
        let memory = ParquetMemorySink()
        let writer = try ParquetFileWriter(sink: memory, name: "memory.parquet", schema: batch.schema, properties: Self.properties(threads: threads))
        var parts: [[UInt8]] = []
        for start in stride(from: 0, to: batch.rowCount, by: 7_000) {
            let slice = batch.slice(start..<min(start + 7_000, batch.rowCount))
            try reference.write(slice)
            try writer.write(slice)
            parts += memory.takeParts()   // drained as it goes, as a table writer does
            #expect(memory.pendingCount == 0)
        }
        let referenceResult = try reference.close()
        let result = try writer.close()
        parts += memory.takeParts()
        #expect(memory.isFinished && copying.finished)
        let bytes = parts.flatMap { $0 }
        #expect(bytes.count == Int(result.fileSize))
        #expect(result.fileSize == referenceResult.fileSize)
        #expect(bytes == copying.bytes, "the memory sink's parts, in order, are the file")
        // Pages were handed over as they are (64 KiB and more); no part is a whole row group.
        #expect(parts.contains { $0.count >= 64 << 10 }, "no page was handed over")
        #expect(result.metadata.rowGroups.count == 3)
        let largestGroup = result.metadata.rowGroups.map(\.totalCompressedSize).max() ?? 0
        #expect(Int64(parts.map(\.count).max() ?? 0) < largestGroup, "a part as large as a row group")
        let reader = try ParquetReader(bytes: bytes)
        var first = 0
        for g in 0..<reader.rowGroupCount {
            let group = try reader.readRowGroup(g, columns: .all)
            expectSameRows(batch.slice(first..<(first + group.rowCount)), group, "row group \(g)")
            first += group.rowCount
        }
        #expect(first == batch.rowCount)
    }

    @Test("an aborted file leaves nothing in either sink; a write after it is refused")
    func aborted() throws {
        let batch = try Self.sample(rows: 20_000, seed: 5)
        let memory = ParquetMemorySink()
        let writer = try ParquetFileWriter(sink: memory, name: "memory.parquet", schema: batch.schema, properties: Self.properties(threads: 1))
        try writer.write(batch)   // one row group complete, in the sink
        #expect(memory.pendingCount > 0)
        writer.abort()
        #expect(memory.isAborted && !memory.isFinished)
        #expect(memory.pendingCount == 0)
        #expect(memory.takeParts().isEmpty)
        #expect(throws: ParquetError.self) { try writer.write(batch) }
        #expect(throws: ParquetError.self) { _ = try writer.close() }
        #expect(memory.takeParts().isEmpty && !memory.isFinished)

        let copying = CopyingSink()
        let other = try ParquetFileWriter(sink: copying, name: "copy.parquet", schema: batch.schema, properties: Self.properties(threads: 2))
        try other.write(batch)
        other.abort()
        #expect(copying.aborted && !copying.finished && copying.bytes.isEmpty)
    }
}
