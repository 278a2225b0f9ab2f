import LakeColumnar
import LakeTestSupport
import Testing

@Suite("Column builders")
struct BuilderTests {
    @Test("primitive builder keeps values and nulls in order; no bitmap without nulls")
    func primitive() {
        var rng = SeededRandom(seed: 1)
        var builder = PrimitiveColumnBuilder<Int64>()
        builder.reserveCapacity(1000)
        var expected: [Int64?] = []
        for _ in 0..<1000 {
            let v: Int64? = Int.random(in: 0..<5, using: &rng) == 0 ? nil : Int64.random(in: .min ... .max, using: &rng)
            builder.append(v)
            expected.append(v)
        }
        let column = builder.finish()
        #expect(column.optionals == expected)
        #expect(column.nullCount == expected.filter { $0 == nil }.count)

        var dense = PrimitiveColumnBuilder<Double>()
        dense.append(contentsOf: [1.5, 2.5, -0.0])
        let denseColumn = dense.finish()
        #expect(denseColumn.validity == nil)
        #expect(denseColumn.optionals == [1.5, 2.5, -0.0])
        #expect(dense.count == 0, "finish resets the builder")
    }

    @Test("a null after many values backfills validity correctly")
    func lateNull() {
        var builder = PrimitiveColumnBuilder<Int32>()
        for i in 0..<130 { builder.append(Int32(i)) }
        builder.appendNull()
        builder.append(7)
        let column = builder.finish()
        #expect(column.nullCount == 1)
        #expect(column[129] == 129)
        #expect(column[130] == nil)
        #expect(column[131] == 7)
    }

    @Test("boolean builder")
    func boolean() {
        let values: [Bool?] = [true, false, nil, true, nil, false, true]
        let column = BooleanColumn(values)
        #expect(column.optionals == values)
        #expect(column.nullCount == 2)
    }

    @Test("binary builder: strings, raw bytes, empty values, nulls")
    func binary() throws {
        let strings: [String?] = ["", "é", nil, "GET", String(repeating: "x", count: 1000), nil, "\u{1F600}"]
        let column = BinaryColumn(strings)
        #expect(column.strings == strings)
        #expect(column.byteCount(at: 1) == 2)
        #expect(column.nullCount == 2)
        #expect(column.totalByteCount == strings.compactMap { $0?.utf8.count }.reduce(0, +))

        var builder = BinaryColumnBuilder()
        builder.appendBuilding { $0.append(contentsOf: [1, 2, 3]) }
        [UInt8]([9, 9]).withUnsafeBytes { builder.append(bytes: $0) }
        let built = builder.finish()
        #expect(built.bytes(at: 0) == [1, 2, 3])
        #expect(built.bytes(at: 1) == [9, 9])
    }

    @Test("binary column rejects bad offsets")
    func badOffsets() {
        #expect(throws: ColumnarError.self) { try BinaryColumn(offsets: [0, 5, 3], bytes: [1, 2, 3, 4, 5]) }
        #expect(throws: ColumnarError.self) { try BinaryColumn(offsets: [0, 9], bytes: [1]) }
        #expect(throws: ColumnarError.self) { try BinaryColumn(offsets: [], bytes: []) }
    }

    @Test("fixed-size binary enforces its width")
    func fixedSize() throws {
        var builder = FixedSizeBinaryColumnBuilder(byteWidth: 4)
        try builder.append([1, 2, 3, 4])
        builder.appendNull()
        #expect(throws: ColumnarError.self) { try builder.append([1, 2]) }
        let column = builder.finish()
        #expect(column.count == 2)
        #expect(column.bytes(at: 0) == [1, 2, 3, 4])
        #expect(column.bytes(at: 1) == nil)
    }

    @Test("dictionary builder interns repeated values and decodes to the same strings")
    func dictionary() {
        var rng = SeededRandom(seed: 9)
        let pool = (0..<300).map { "edge-\($0)-" + String(repeating: "z", count: $0 % 17) }
        var builder = DictionaryColumnBuilder()
        var expected: [String?] = []
        for _ in 0..<20_000 {
            let v: String? = Int.random(in: 0..<10, using: &rng) == 0 ? nil : pool[Int.random(in: 0..<pool.count, using: &rng)]
            builder.append(v)
            expected.append(v)
        }
        #expect(builder.dictionarySize == Set(expected.compactMap { $0 }).count)
        let column = builder.finish()
        #expect((0..<column.count).map { column.string(at: $0) } == expected)
        #expect(column.decoded().strings == expected)
        #expect(column.dictionary.count == Set(expected.compactMap { $0 }).count)
    }

    @Test("dictionary distinguishes values with equal hashes' prefixes and lengths")
    func dictionaryCollisions() {
        var builder = DictionaryColumnBuilder()
        let values = ["", "a", "aa", "ab", "ba", "abcdefgh", "abcdefgi", "abcdefghX", "abcdefgh"]
        for v in values { builder.append(v) }
        let column = builder.finish()
        #expect((0..<column.count).map { column.string(at: $0) } == values)
        #expect(column.dictionary.count == 8)
    }

    @Test("dictionary column validates indices")
    func dictionaryValidation() throws {
        let dictionary = BinaryColumn(["a", "b"])
        #expect(throws: ColumnarError.self) { try DictionaryColumn(indices: PrimitiveColumn<Int32>(values: [0, 2]), dictionary: dictionary) }
        #expect(throws: ColumnarError.self) { try DictionaryColumn(indices: PrimitiveColumn<Int32>(values: [-1]), dictionary: dictionary) }
        // A null slot may hold any placeholder.
        #expect(throws: Never.self) { try DictionaryColumn(indices: PrimitiveColumn<Int32>([nil, 1]), dictionary: dictionary) }
    }

    @Test("list builder with nulls and empty lists")
    func lists() throws {
        var builder = ListColumnBuilder(child: PrimitiveColumnBuilder<Int32>(), count: { $0.count }, finish: { .int32($0.finish()) })
        builder.appendList { $0.append(1); $0.append(2) }
        builder.appendNull()
        builder.appendList { _ in }
        builder.appendList { $0.append(nil); $0.append(3) }
        let column = try builder.finish()
        #expect(column.count == 4)
        let scalars = (0..<4).map { Column.list(column).scalar(at: $0) }
        #expect(scalars == [.list([.int32(1), .int32(2)]), nil, .list([]), .list([nil, .int32(3)])])
    }

    @Test("map column keeps pairs and refuses null keys")
    func maps() throws {
        let keys = Column.binary(BinaryColumn(["a", "b", "c"]))
        let values = Column.int64(PrimitiveColumn<Int64>([1, nil, 3]))
        let map = try MapColumn(offsets: [0, 2, 2, 3], keys: keys, values: values, validity: Bitmap([true, false, true]))
        #expect(Column.map(map).scalar(at: 0) == .map([MapEntry(key: .binary(Array("a".utf8)), value: .int64(1)),
                                                       MapEntry(key: .binary(Array("b".utf8)), value: nil)]))
        #expect(Column.map(map).scalar(at: 1) == nil)
        #expect(throws: ColumnarError.self) {
            try MapColumn(offsets: [0, 1], keys: .binary(BinaryColumn([nil])), values: .int64(PrimitiveColumn<Int64>([1])))
        }
    }
}
