import Foundation
import IcebergKit
import LakeColumnar
import LakeTestSupport
import Testing

/// The table writer's sort (typed keys, a permutation, rows gathered across batches) against a
/// naive model written here: every row's key computed from its scalars and the rows ordered by a
/// stable comparison sort.
@Suite("Row sorter, property")
struct RowSorterPropertyTests {
    static let schema = IcebergSchema(fields: [
        NestedField(id: 1, name: "id", required: false, type: .long),
        NestedField(id: 2, name: "s", required: false, type: .string),
        NestedField(id: 3, name: "t", required: false, type: .string),
        NestedField(id: 4, name: "n", required: false, type: .int),
        NestedField(id: 5, name: "x", required: false, type: .double),
        NestedField(id: 6, name: "ts", required: false, type: .timestamp),
        NestedField(id: 7, name: "flag", required: false, type: .boolean),
    ])

    /// A sort key of the model: column, transform, direction, null order.
    struct Key: CustomStringConvertible {
        var column: String
        var transform: Transform
        var ascending: Bool
        var nullsFirst: Bool
        var description: String { "\(transform)(\(column)) \(ascending ? "asc" : "desc") nulls \(nullsFirst ? "first" : "last")" }
    }

    /// The model's key value: a number, bytes or a boolean, compared by the rules of Iceberg sort
    /// orders (NaN above every number, -0 equal to 0, bytes unsigned).
    enum Value {
        case int(Int64)
        case real(Double)
        case bytes([UInt8])
        case bool(Bool)

        static func compare(_ a: Value, _ b: Value) -> Int {
            switch (a, b) {
            case let (.int(x), .int(y)): return x < y ? -1 : (x == y ? 0 : 1)
            case let (.bool(x), .bool(y)): return x == y ? 0 : (x ? 1 : -1)
            case let (.real(x), .real(y)):
                if x.isNaN || y.isNaN { return x.isNaN && y.isNaN ? 0 : (x.isNaN ? 1 : -1) }
                return x < y ? -1 : (x == y ? 0 : 1)
            case let (.bytes(x), .bytes(y)):
                for (p, q) in zip(x, y) where p != q { return p < q ? -1 : 1 }
                return x.count < y.count ? -1 : (x.count == y.count ? 0 : 1)
            default: return 0
            }
        }
    }

    /// The model's key of one value of `column`.
    static func modelValue(_ scalar: Scalar?, _ key: Key) -> Value? {
        guard let scalar else { return nil }
        switch (scalar, key.transform) {
        case let (.int64(v), .day): return .int(v >= 0 ? v / 86_400_000_000 : -((-v + 86_400_000_000 - 1) / 86_400_000_000))
        case let (.int64(v), _): return .int(v)
        case let (.int32(v), _): return .int(Int64(v))
        case let (.float64(v), _): return .real(v)
        case let (.boolean(v), _): return .bool(v)
        case let (.binary(b), .truncate(w)):
            return .bytes(Array(String(String.UnicodeScalarView(String(decoding: b, as: UTF8.self).unicodeScalars.prefix(w))).utf8))
        case let (.binary(b), _): return .bytes(b)
        default: return nil
        }
    }

    /// `count` rows of random values with ties and nulls; `s` dictionary-encoded with its own
    /// dictionary per batch.
    static func batch(_ random: inout SeededRandom, ids: Range<Int>, schema: Schema) throws -> RecordBatch {
        func maybe<T>(_ value: T) -> T? { Int.random(in: 0..<7, using: &random) == 0 ? nil : value }
        let words = ["edge", "Edge", "é", "", "zz", "a"]
        let alphabet: [String] = ["a", "b", "é", "😀"]
        var s = DictionaryColumnBuilder(), t = BinaryColumnBuilder()
        var n: [Int32?] = [], x: [Double?] = [], ts: [Int64?] = [], flag: [Bool?] = []
        let reals: [Double] = [-1.5, -0.0, 0.0, 2.5, .nan, .infinity, -.infinity]
        for _ in ids {
            s.append(maybe(words.randomElement(using: &random)!))
            t.append(maybe((0..<Int.random(in: 0...3, using: &random)).map { _ in alphabet.randomElement(using: &random)! }.joined()))
            n.append(maybe(Int32.random(in: -3...3, using: &random)))
            x.append(maybe(reals.randomElement(using: &random)!))
            ts.append(maybe(Int64.random(in: -3...3, using: &random) * 43_200_000_000 + Int64.random(in: 0...2, using: &random)))
            flag.append(maybe(Bool.random(using: &random)))
        }
        let columns: [Column] = [
            .int64(PrimitiveColumn(ids.map { Int64($0) })), .dictionary(s.finish()), .binary(t.finish()),
            .int32(PrimitiveColumn(n)), .float64(PrimitiveColumn(x)), .int64(PrimitiveColumn(ts)), .boolean(BooleanColumn(flag)),
        ]
        return try RecordBatch(schema: schema, columns: columns)
    }

    @Test("files written sorted hold the rows in the order of a naive stable sort (random tables with nulls, text, dictionaries, NaN, several keys, asc/desc, nulls first/last, transforms)")
    func sortedLikeTheModel() async throws {
        for seed in UInt64(1)...24 {
            var random = SeededRandom(seed: seed)
            let directory = try TemporaryDirectory()
            defer { directory.cleanup() }
            let catalog = try SQLiteCatalog(path: directory.file("catalog.db"), warehouse: "file://" + directory.path, name: "ours")
            try await catalog.createNamespace("db")
            var table = try await catalog.createTable(TableIdentifier(namespace: "db", name: "t"), schema: Self.schema, spec: .unpartitioned)

            let candidates: [(String, Transform)] = [("s", .identity), ("t", .identity), ("t", .truncate(1)), ("n", .identity),
                                                     ("x", .identity), ("ts", .identity), ("ts", .day), ("flag", .identity)]
            var keys: [Key] = []
            for (column, transform) in candidates.shuffled(using: &random).prefix(Int.random(in: 1...3, using: &random)) {
                keys.append(Key(column: column, transform: transform, ascending: Bool.random(using: &random),
                                nullsFirst: Bool.random(using: &random)))
            }
            var order = table.replaceSortOrder()
            for key in keys { try order.add(key.column, key.transform, ascending: key.ascending, nullsFirst: key.nullsFirst) }
            table = try await order.commit()

            var columnar = try table.schema.columnarSchema()
            columnar = try Schema(fields: columnar.fields.map { f in
                var f = f
                if f.name == "s" { f.type = .dictionaryString }
                return f
            })
            var batches: [RecordBatch] = []
            var next = 0
            for b in 0..<Int.random(in: 1...4, using: &random) {
                let count = Int.random(in: (b == 0 ? 1 : 0)...150, using: &random)
                batches.append(try Self.batch(&random, ids: next..<(next + count), schema: columnar))
                next += count
            }

            // The model: every row's scalars, keyed, stably sorted.
            var rows: [(id: Int64, key: [Value?])] = []
            for batch in batches {
                for r in 0..<batch.rowCount {
                    guard case let .int64(id)? = batch.column(named: "id")?.scalar(at: r) else { Issue.record("no id"); return }
                    rows.append((id, keys.map { Self.modelValue(batch.column(named: $0.column)?.scalar(at: r), $0) }))
                }
            }
            let expected = rows.indices.sorted { a, b in
                for (i, key) in keys.enumerated() {
                    switch (rows[a].key[i], rows[b].key[i]) {
                    case (nil, nil): continue
                    case (nil, _): return key.nullsFirst
                    case (_, nil): return !key.nullsFirst
                    case let (u?, v?):
                        let c = Value.compare(u, v)
                        if c != 0 { return key.ascending ? c < 0 : c > 0 }
                    }
                }
                return a < b
            }.map { rows[$0].id }

            let writer = try TableWriter(table: table)
            writer.sortBufferRows = 10_000
            for batch in batches { try await writer.write(batch) }
            let files = try await writer.close()
            guard !expected.isEmpty else {
                #expect(files.isEmpty)
                continue
            }
            #expect(files.count == 1, "seed \(seed)")
            #expect(files.first?.sortOrderID == table.sortOrder.orderID, "seed \(seed)")
            let committed = try await table.newRowDelta().addRows(try #require(files.first)).commit()
            var read: [Int64] = []
            for batch in try await committed.scan().readAll() {
                for r in 0..<batch.rowCount {
                    if case let .int64(id)? = batch.column(named: "id")?.scalar(at: r) { read.append(id) }
                }
            }
            #expect(read == expected, "seed \(seed), order \(keys)")
            // Every value came through the gather unchanged: the rows read equal the rows written.
            let written = Dictionary(uniqueKeysWithValues: batches.flatMap { b in
                (0..<b.rowCount).map { r in (b.columns[0].scalar(at: r), b.schema.fields.indices.map { b.columns[$0].scalar(at: r) }) }
            })
            for batch in try await committed.scan().readAll() {
                for r in 0..<batch.rowCount {
                    let values = batch.schema.fields.indices.map { batch.columns[$0].scalar(at: r) }
                    let original = written[batch.columns[0].scalar(at: r)]
                    #expect(original.map { Self.same($0, values) } == true, "seed \(seed), row \(values)")
                }
            }
        }
    }

    /// Equal rows, NaN equal to NaN.
    static func same(_ a: [Scalar?], _ b: [Scalar?]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { x, y in
            if case let .float64(u)? = x, case let .float64(v)? = y, u.isNaN, v.isNaN { return true }
            return x == y
        }
    }
}
