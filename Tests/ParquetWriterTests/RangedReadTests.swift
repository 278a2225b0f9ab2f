import Foundation
import LakeColumnar
import LakeTestSupport
import ParquetWriter
import Testing

/// Reading a file the way an object-store reader does: the footer from the tail, then only the
/// byte ranges of the projected column chunks; and writing into a memory sink.
@Suite("Parquet ranged reads and sinks")
struct RangedReadTests {
    static func sample(rows: Int) throws -> RecordBatch {
        let listType = DataType.list(Field(name: "element", id: 5, type: .int64))
        let schema = try Schema(fields: [Field(name: "id", id: 1, type: .int64), Field(name: "text", id: 2, type: .string),
                                         Field(name: "score", id: 3, type: .float64), Field(name: "tags", id: 4, type: listType)])
        var text = BinaryColumnBuilder()
        for i in 0..<rows { text.append(i % 5 == 0 ? nil : "row \(i) " + String(repeating: "x", count: i % 17)) }
        let tags: [Scalar?] = (0..<rows).map { i in i % 11 == 0 ? nil : .list((0..<(i % 4)).map { Scalar.int64(Int64(i * 10 + $0)) }) }
        return try RecordBatch(schema: schema, columns: [
            .int64(PrimitiveColumn<Int64>(values: (0..<rows).map(Int64.init))), .binary(text.finish()),
            .float64(PrimitiveColumn<Double>((0..<rows).map { $0 % 3 == 0 ? nil : Double($0) / 4 })),
            try Column(scalars: tags, type: listType),
        ])
    }

    /// Writes `batch` into a memory sink in several row groups; returns the file's bytes.
    static func write(_ batch: RecordBatch) throws -> [UInt8] {
        var properties = WriterProperties()
        properties.rowGroupRows = 1_000
        let sink = ParquetMemorySink()
        let writer = try ParquetFileWriter(sink: sink, name: "memory.parquet", schema: batch.schema, properties: properties)
        var bytes: [UInt8] = []
        for start in stride(from: 0, to: batch.rowCount, by: 700) {
            try writer.write(batch.slice(start..<min(start + 700, batch.rowCount)))
            bytes += sink.take()   // drained as it goes, as an upload would
        }
        _ = try writer.close()
        bytes += sink.take()
        #expect(sink.isFinished)
        return bytes
    }

    @Test("the footer from a short tail, then projected chunks only, read the same rows as the whole file")
    func rangedProjection() throws {
        let batch = try Self.sample(rows: 4_321)
        let bytes = try Self.write(batch)
        let size = Int64(bytes.count)
        // A tail too short for the footer asks for the exact length.
        guard case let .needsTail(count) = try ParquetFooter.parse(tail: Array(bytes.suffix(16)), fileSize: size, name: "f") else {
            Issue.record("a 16-byte tail held the whole footer"); return
        }
        let tail = Array(bytes.suffix(count))
        guard case let .complete(metadata, footerStart) = try ParquetFooter.parse(tail: tail, fileSize: size, name: "f") else {
            Issue.record("the asked-for tail did not hold the footer"); return
        }
        #expect(footerStart == size - Int64(count) + 0)
        #expect(metadata.rowGroups.count == 5)
        let whole = try ParquetReader(bytes: bytes)
        let source = ParquetFetchedRanges(path: "f", size: size)
        let reader = try ParquetReader(source: source, metadata: metadata)
        #expect(reader.rowGroupFirstRows == [0, 1_000, 2_000, 3_000, 4_000])
        var fetched = 0
        for g in 0..<reader.rowGroupCount {
            let ranges = try reader.byteRanges(rowGroup: g, columns: .fieldIDs([3, 1]), gap: 0)
            #expect(ranges.count == 2)
            for r in ranges {
                source.add(offset: r.lowerBound, bytes: Array(bytes[Int(r.lowerBound)..<Int(r.upperBound)]))
                fetched += Int(r.count)
            }
            let ranged = try reader.readRowGroup(g, columns: .fieldIDs([3, 1]))
            let reference = try whole.readRowGroup(g, columns: .fieldIDs([3, 1]))
            #expect(ranged == reference)
            // The text column was never fetched: asking for it is an error, not a wrong answer.
            #expect(throws: ParquetReadError.self) { try reader.readRowGroup(g, columns: .fieldIDs([2])) }
            source.removeAll()
        }
        let text = metadata.rowGroups.reduce(Int64(0)) { $0 + $1.columns[1].metaData.totalCompressedSize }
        #expect(Int64(fetched) + text < size, "fetched \(fetched) of \(size) bytes")
        // Neighbouring chunks within the gap are merged into one request.
        #expect(try reader.byteRanges(rowGroup: 0, columns: .all, gap: 1 << 20).count == 1)
    }

    @Test("a row group read in slices of rows equals it read whole, for every slice size")
    func slices() throws {
        let batch = try Self.sample(rows: 2_345)
        let reader = try ParquetReader(bytes: try Self.write(batch))
        for size in [1, 7, 333, 1_000, 5_000] {
            for g in 0..<reader.rowGroupCount {
                let whole = try reader.readRowGroup(g, columns: .fieldIDs([2, 4, 3, 1]))
                var slices = try reader.rowGroupSlices(g, columns: .fieldIDs([2, 4, 3, 1]), rowsPerSlice: size)
                var offset = 0
                while let slice = try slices.next() {
                    #expect(slice.rowCount <= size)
                    #expect(slice == whole.slice(offset..<(offset + slice.rowCount)), "slice at \(offset) of size \(size)")
                    offset += slice.rowCount
                }
                #expect(offset == whole.rowCount)
            }
        }
    }

    @Test("a memory sink's bytes are a file pyarrow reads back equal", .enabled(if: Interop.enabled))
    func sinkInterop() throws {
        let batch = try Self.sample(rows: 2_500)
        let bytes = try Self.write(batch)
        let out = try Interop.runText("""
            import sys, io, pyarrow.parquet as pq
            t = pq.read_table(io.BytesIO(sys.stdin.buffer.read()))
            print(t.num_rows, sum(v for v in t.column("id").to_pylist()), t.column("text").null_count, t.column("score").null_count)
            """, input: bytes)
        let nulls = (0..<2_500).filter { $0 % 5 == 0 }.count, scoreNulls = (0..<2_500).filter { $0 % 3 == 0 }.count
        #expect(out.trimmingCharacters(in: .whitespacesAndNewlines) == "2500 \((0..<2_500).reduce(0, +)) \(nulls) \(scoreNulls)")
    }

    @Test("a footer length that does not fit, or a missing magic, is a typed error")
    func corruptTail() throws {
        let bytes = try Self.write(try Self.sample(rows: 10))
        var badMagic = bytes
        badMagic[badMagic.count - 1] = 0
        #expect(throws: ParquetReadError.self) { try ParquetFooter.parse(tail: Array(badMagic.suffix(64)), fileSize: Int64(bytes.count), name: "f") }
        var badLength = bytes
        badLength[badLength.count - 5] = 0x7F
        #expect(throws: ParquetReadError.self) { try ParquetFooter.parse(tail: Array(badLength.suffix(64)), fileSize: Int64(bytes.count), name: "f") }
        #expect(throws: ParquetReadError.self) { try ParquetFooter.parse(tail: [1, 2, 3], fileSize: 3, name: "f") }
    }
}
