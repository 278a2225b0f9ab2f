import LakeColumnar
import LakeTestSupport
import Testing

@Suite("Schemas, batches and slicing")
struct BatchTests {
    func sampleSchema() throws -> Schema {
        try Schema(fields: [
            Field(name: "id", id: 1, type: .int64, isNullable: false),
            Field(name: "name", id: 2, type: .string),
            Field(name: "edge", id: 3, type: .dictionaryString),
            Field(name: "flag", id: 4, type: .boolean),
            Field(name: "point", id: 5, type: .structure([
                Field(name: "x", id: 6, type: .float64),
                Field(name: "y", id: 7, type: .float64),
            ])),
        ])
    }

    func sampleBatch(rows: Int) throws -> RecordBatch {
        var ids = PrimitiveColumnBuilder<Int64>()
        var names = BinaryColumnBuilder()
        var edges = DictionaryColumnBuilder()
        var flags = BooleanColumnBuilder()
        var xs = PrimitiveColumnBuilder<Double>(), ys = PrimitiveColumnBuilder<Double>()
        for i in 0..<rows {
            ids.append(Int64(i))
            names.append(i % 3 == 0 ? nil : "n\(i)")
            edges.append(["FRA", "IAD", "NRT"][i % 3])
            flags.append(i % 5 == 0 ? nil : i % 2 == 0)
            xs.append(Double(i))
            ys.append(i % 4 == 0 ? nil : -Double(i))
        }
        let point = try StructColumn(children: [.float64(xs.finish()), .float64(ys.finish())], count: rows)
        return try RecordBatch(schema: try sampleSchema(), columns: [
            .int64(ids.finish()), .binary(names.finish()), .dictionary(edges.finish()), .boolean(flags.finish()),
            .structure(point),
        ])
    }

    @Test("duplicate field ids are rejected, also when nested")
    func duplicateIDs() throws {
        #expect(throws: ColumnarError.self) {
            try Schema(fields: [Field(name: "a", id: 1, type: .int32), Field(name: "b", id: 1, type: .int32)])
        }
        #expect(throws: ColumnarError.self) {
            try Schema(fields: [Field(name: "a", id: 1, type: .list(Field(name: "element", id: 1, type: .int32)))])
        }
        #expect(try sampleSchema().highestFieldID == 7)
    }

    @Test("batch construction checks lengths, storage and nullability")
    func validation() throws {
        let schema = try Schema(fields: [Field(name: "a", id: 1, type: .int32, isNullable: false), Field(name: "b", id: 2, type: .string)])
        #expect(throws: ColumnarError.self) {
            try RecordBatch(schema: schema, columns: [.int32(PrimitiveColumn<Int32>(values: [1, 2])), .binary(BinaryColumn(["x"]))])
        }
        #expect(throws: ColumnarError.self) {
            try RecordBatch(schema: schema, columns: [.int64(PrimitiveColumn<Int64>(values: [1])), .binary(BinaryColumn(["x"]))])
        }
        #expect(throws: ColumnarError.self) {
            try RecordBatch(schema: schema, columns: [.int32(PrimitiveColumn<Int32>([nil])), .binary(BinaryColumn(["x"]))])
        }
        #expect(throws: ColumnarError.self) { try RecordBatch(schema: schema, columns: [.int32(PrimitiveColumn<Int32>(values: [1]))]) }
        let ok = try RecordBatch(schema: schema, columns: [.int32(PrimitiveColumn<Int32>(values: [1])), .binary(BinaryColumn([nil]))])
        #expect(ok.rowCount == 1)
        #expect(RecordBatch.empty(try sampleSchema()).rowCount == 0)
    }

    @Test("slices equal the rows they cover, for every column kind and any range")
    func slicing() throws {
        let batch = try sampleBatch(rows: 300)
        var rng = SeededRandom(seed: 77)
        for _ in 0..<50 {
            let a = Int.random(in: 0...300, using: &rng), b = Int.random(in: 0...300, using: &rng)
            let range = min(a, b)..<max(a, b)
            let slice = batch.slice(range)
            #expect(slice.rowCount == range.count)
            for (c, column) in slice.columns.enumerated() {
                #expect(column.nullCount == range.filter { !batch.columns[c].isValid($0) }.count)
                for (i, row) in range.enumerated() {
                    #expect(column.scalar(at: i) == batch.columns[c].scalar(at: row))
                }
            }
            // Slicing a slice.
            if range.count > 2 {
                let inner = slice.slice(1..<(range.count - 1))
                #expect(inner.columns[1].scalar(at: 0) == batch.columns[1].scalar(at: range.lowerBound + 1))
            }
        }
    }

    @Test("a bitmap packed from flag bytes equals one appended bit by bit, at every length")
    func bitmapFromFlags() {
        var rng = SeededRandom(seed: 3)
        for count in [0, 1, 7, 8, 9, 63, 64, 65, 130, 1000] {
            // Any nonzero byte is a set flag, not only 1.
            let flags = (0..<count).map { _ in rng.next() % 3 == 0 ? UInt8(0) : UInt8(truncatingIfNeeded: rng.next() | 1) }
            let packed = flags.withUnsafeBufferPointer { Bitmap(flags: $0) }
            #expect(packed == Bitmap(flags.map { $0 != 0 }), "length \(count)")
            #expect(packed.setCount == flags.filter { $0 != 0 }.count)
        }
    }

    @Test("bitmap counts set bits across word boundaries and offsets")
    func bitmapCounts() {
        var rng = SeededRandom(seed: 12)
        let bits = (0..<1000).map { _ in Bool.random(using: &rng) }
        let bitmap = Bitmap(bits)
        for _ in 0..<100 {
            let a = Int.random(in: 0...1000, using: &rng), b = Int.random(in: 0...1000, using: &rng)
            let range = min(a, b)..<max(a, b)
            #expect(bitmap.slice(range).setCount == bits[range].filter { $0 }.count)
            #expect(bitmap.slice(range).bits == Array(bits[range]))
        }
        var appended = Bitmap()
        appended.append(true)
        appended.append(repeating: false, count: 200)
        appended.append(repeating: true, count: 70)
        #expect(appended.count == 271)
        #expect(appended.setCount == 71)
        #expect(Bitmap(repeating: true, count: 65).setCount == 65)
    }

    @Test("projection by name keeps order and rejects unknown names")
    func projection() throws {
        let batch = try sampleBatch(rows: 10)
        let projected = try batch.projected(names: ["edge", "id"])
        #expect(projected.schema.fields.map(\.name) == ["edge", "id"])
        #expect(projected.columns[1].scalar(at: 3) == .int64(3))
        #expect(throws: ColumnarError.self) { try batch.projected(names: ["nope"]) }
    }
}

@Suite("Gathering rows")
struct TakeTests {
    @Test("take equals gathering scalars, for every column kind, with repeats and any order")
    func takeMatchesScalars() throws {
        let batch = try BatchTests().sampleBatch(rows: 300)
        var rng = SeededRandom(seed: 12)
        for count in [0, 1, 5, batch.rowCount * 2] {
            let rows = (0..<count).map { _ in Int(rng.next() % UInt64(batch.rowCount)) }
            let taken = batch.take(rows)
            #expect(taken.rowCount == rows.count)
            for (c, column) in batch.columns.enumerated() {
                #expect(rows.enumerated().allSatisfy { k, r in taken.columns[c].scalar(at: k) == column.scalar(at: r) },
                        "column \(batch.schema.fields[c].name)")
                #expect(taken.columns[c].nullCount == rows.filter { !column.isValid($0) }.count)
            }
            // The result is a valid batch of the same schema.
            #expect(try RecordBatch(schema: batch.schema, columns: taken.columns).rowCount == rows.count)
        }
    }
}
