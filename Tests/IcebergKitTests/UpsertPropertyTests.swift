import Foundation
import IcebergKit
import LakeColumnar
import LakeTestSupport
import Testing

/// Upsert against a naïve reference: random tables and inputs, single- and two-column keys with
/// nulls (a null key part equals a null, as the upsert documents), plain and dictionary-encoded
/// text, few and many distinct keys (pruning by value lists and by ranges).
@Suite("Upsert properties")
struct UpsertPropertyTests {
    static let schema = IcebergSchema(fields: [
        NestedField(id: 1, name: "name", required: false, type: .string),
        NestedField(id: 2, name: "code", required: false, type: .int),
        NestedField(id: 3, name: "value", required: false, type: .long),
    ])

    struct Row: Hashable, Comparable {
        var name: String?
        var code: Int32?
        var value: Int64?

        static func < (a: Row, b: Row) -> Bool {
            ((a.name ?? ""), a.name == nil ? 0 : 1, a.code ?? .min, a.code == nil ? 0 : 1, a.value ?? .min)
                < ((b.name ?? ""), b.name == nil ? 0 : 1, b.code ?? .min, b.code == nil ? 0 : 1, b.value ?? .min)
        }
    }

    static func batch(_ rows: [Row], dictionary: Bool) throws -> RecordBatch {
        let codes = Column.int32(PrimitiveColumn<Int32>(rows.map(\.code)))
        let values = Column.int64(PrimitiveColumn<Int64>(rows.map(\.value)))
        guard dictionary else {
            return try RecordBatch(schema: schema.columnarSchema(), columns: [.binary(BinaryColumn(rows.map(\.name))), codes, values])
        }
        // Text as a parser hands it out, dictionary-encoded; conforming keeps the encoding.
        var names = DictionaryColumnBuilder()
        for row in rows { names.append(row.name) }
        let parsed = try RecordBatch(schema: Schema(fields: [
            Field(name: "name", id: 1, type: .dictionaryString), Field(name: "code", id: 2, type: .int32),
            Field(name: "value", id: 3, type: .int64),
        ]), columns: [.dictionary(names.finish()), codes, values])
        return try parsed.conformed(to: schema.columnarSchema())
    }

    static func rows(_ batches: [RecordBatch]) -> [Row] {
        batches.flatMap { b in (0..<b.rowCount).map { r in
            var row = Row()
            if case let .binary(bytes)? = b.column(named: "name")?.scalar(at: r) { row.name = String(decoding: bytes, as: UTF8.self) }
            if case let .int32(v)? = b.column(named: "code")?.scalar(at: r) { row.code = v }
            if case let .int64(v)? = b.column(named: "value")?.scalar(at: r) { row.value = v }
            return row
        } }.sorted()
    }

    /// The key of `row` under `keys`, nulls kept as nil.
    static func key(_ row: Row, _ keys: [String]) -> [String?] {
        keys.map { $0 == "name" ? row.name : row.code.map { String($0) } }
    }

    @Test("random tables and inputs: the rows, updated and inserted counts equal a naïve reference", arguments: 0..<12)
    func againstReference(seed: Int) async throws {
        var random = SeededRandom(seed: UInt64(seed) &* 7_919 &+ 11)
        let keys = seed % 3 == 0 ? ["name"] : (seed % 3 == 1 ? ["code"] : ["name", "code"])
        let many = seed % 2 == 0  // > 256 distinct keys: pruning by range instead of value lists
        let size = many ? 600 : 60
        func name() -> String? {
            random.next() % 10 == 0 ? nil : "k" + String(Int.random(in: 0..<(many ? 5_000 : 80), using: &random))
        }
        func code() -> Int32? { random.next() % 10 == 0 ? nil : Int32.random(in: -300...(many ? 3_000 : 100), using: &random) }
        func value() -> Int64? { random.next() % 8 == 0 ? nil : Int64.random(in: 0..<4, using: &random) }
        func row() -> Row {
            switch keys {
            case ["name"]: return Row(name: name(), code: Int32.random(in: 0..<5, using: &random), value: value())
            case ["code"]: return Row(name: "n" + String(random.next() % 4), code: code(), value: value())
            default: return Row(name: name(), code: code(), value: value())
            }
        }
        // The table: `size` rows with distinct keys, over two appends.
        var tableRows: [Row] = []
        var seen = Set<[String?]>()
        while tableRows.count < size {
            let r = row()
            if seen.insert(Self.key(r, keys)).inserted { tableRows.append(r) }
        }
        // The input: a third of the table's keys (value kept or changed), and new keys; distinct keys.
        var input: [Row] = []
        var inputKeys = Set<[String?]>()
        for r in tableRows where random.next() % 3 == 0 {
            var changed = r
            if random.next() % 2 == 0 { changed.value = random.next() % 5 == 0 ? nil : Int64.random(in: 0..<4, using: &random) }
            inputKeys.insert(Self.key(changed, keys))
            input.append(changed)
        }
        for _ in 0..<(size / 3) {
            let r = row()
            if !seen.contains(Self.key(r, keys)), inputKeys.insert(Self.key(r, keys)).inserted { input.append(r) }
        }
        input.shuffle(using: &random)

        // The reference: rows by key; a matched key takes the input's row when a value differs.
        let byKey = Dictionary(uniqueKeysWithValues: tableRows.map { (Self.key($0, keys), $0) })
        var expected = Dictionary(uniqueKeysWithValues: tableRows.map { (Self.key($0, keys), $0) })
        var updated = 0, inserted = 0
        for r in input {
            let k = Self.key(r, keys)
            if let old = byKey[k] {
                if old != r { updated += 1; expected[k] = r }
            } else {
                inserted += 1
                expected[k] = r
            }
        }

        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let catalog = try SQLiteCatalog(path: directory.file("catalog.db"), warehouse: "file://" + directory.path)
        try await catalog.createNamespace("db", properties: [:])
        let id = TableIdentifier(namespace: "db", name: "t")
        var table = try await catalog.createTable(id, schema: Self.schema, spec: .unpartitioned, sortOrder: .unsorted, properties: [:])
        let half = tableRows.count / 2
        table = try await table.append([try Self.batch(Array(tableRows[..<half]), dictionary: false)])
        table = try await table.append([try Self.batch(Array(tableRows[half...]), dictionary: seed % 4 == 1)])
        // Two input batches, so input rows are numbered across batches.
        let cut = input.count / 3
        let batches = [try Self.batch(Array(input[..<cut]), dictionary: seed % 4 == 2), try Self.batch(Array(input[cut...]), dictionary: seed % 4 == 3)]
        let result = try await table.upsert(batches, keys: keys)
        #expect(Self.rows(try await result.table.scan().readAll()) == expected.values.sorted(), "seed \(seed), keys \(keys)")
        #expect(result.updatedRows == Int64(updated), "seed \(seed)")
        #expect(result.insertedRows == Int64(inserted), "seed \(seed)")
        #expect((result.snapshotID == nil) == (updated == 0 && inserted == 0), "seed \(seed)")
    }
}
