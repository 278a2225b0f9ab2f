import Foundation
import LakeColumnar
@testable import LakePipeline
import Testing

/// A seeded generator, so that a failing seed can be run again.
private struct TestRandom {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    /// `count` keys drawn from `distinct` random byte strings of 0–`maxLength` bytes, so that keys repeat.
    mutating func keys(_ count: Int, distinct: Int, maxLength: Int, alphabet: [UInt8] = Array("ab".utf8)) -> [[UInt8]] {
        let pool = (0..<distinct).map { _ in (0..<below(maxLength + 1)).map { _ in alphabet[below(alphabet.count)] } }
        return (0..<count).map { _ in pool[below(pool.count)] }
    }
}

/// Hashes that make most keys collide: every probe chain then holds different keys with equal
/// hash bits, which only the byte comparison tells apart.
private let collidingHashes: [(String, ByteKeyTable.HashFunction)] = [
    ("constant", { _ in 0x5555_0000_0000_0001 }),
    ("first byte", { key in key.isEmpty ? 0 : UInt64(key[0]) &* 0x0101_0101_0101_0101 }),
    ("length", { key in UInt64(key.count) << 40 }),
    ("byte sum mod 16", { key in UInt64(key.reduce(0) { $0 &+ Int($1) } % 16) &* 0x9E37_79B9_7F4A_7C15 }),
]

@Suite("Byte-keyed sets and aggregation against naive models")
struct ByteKeyTests {
    @Test("FingerprintSet counts the distinct hashes of its values, across table growth, hashes spread or clustered",
          arguments: [21, 22, 23])
    func fingerprintSet(seed: UInt64) {
        var random = TestRandom(state: seed)
        let keys = random.keys(120_000, distinct: 90_000, maxLength: 24, alphabet: Array("0123456789.:abcdef".utf8))
        // Hashes whose top bits are all equal put every value in one of the tables; hashes that
        // differ only in their top bits spread values over the tables at equal slots.
        let hashes: [(String, ByteKeyTable.HashFunction)] = [
            ("seeded", ByteKeyTable.seededHash),
            ("one table", { key in ByteKeyTable.seededHash(key) >> 8 }),
            ("top bits only", { key in ByteKeyTable.seededHash(key) & 0xF000_0000_0000_0000 | 7 }),
        ] + collidingHashes.map { ($0.0, $0.1) }
        for (name, hash) in hashes {
            var set = FingerprintSet(hash: hash)
            var model = Set<UInt64>()
            for (i, key) in keys.enumerated() {
                key.withUnsafeBytes { set.insert($0) }
                model.insert(Swift.max(key.withUnsafeBytes { hash($0) }, 1))
                if i % 20_011 == 0 { #expect(set.count == model.count, "\(name): after \(i + 1) values") }
            }
            #expect(set.count == model.count, "\(name)")
            #expect(set.slotCount * 3 >= set.count * 4, "\(name): no table over 3/4 full")
        }
    }

    @Test("ByteKeyTable numbers keys like a dictionary does, with the seeded hash and with colliding hashes",
          arguments: [1, 2, 3, 4, 5, 6])
    func byteKeyTable(seed: UInt64) {
        var random = TestRandom(state: seed)
        let many = random.keys(6_000, distinct: 1 + random.below(2_500), maxLength: 12)
        let few = Array(many.prefix(1_500))
        for (name, hash, keys) in [("seeded", ByteKeyTable.seededHash, many)] + collidingHashes.map({ ($0.0, $0.1, few) }) {
            var table = ByteKeyTable(hash: hash)
            var model: [[UInt8]: Int] = [:]
            for key in keys {
                let (entry, inserted) = table.insert(key)
                let expected = model[key]
                #expect(inserted == (expected == nil), "\(name): insert of \(key)")
                #expect(entry == expected ?? model.count, "\(name): entry of \(key)")
                if expected == nil { model[key] = entry }
            }
            #expect(table.count == model.count, "\(name)")
            for (key, entry) in model {
                #expect(Array(table.key(entry)) == key, "\(name)")
                #expect(key.withUnsafeBytes { table.find($0) } == entry, "\(name)")
            }
            let absent: [UInt8] = Array("absent-key".utf8)
            #expect(absent.withUnsafeBytes { table.find($0) } == nil, "\(name)")
        }
    }

    @Test("SpilledKeySet answers like Set<[UInt8]> in memory and once spilled to its scratch file, colliding hashes too",
          arguments: [11, 12, 13, 14])
    func spilledKeySet(seed: UInt64) throws {
        var random = TestRandom(state: seed)
        // ~2.6 MB of 58-byte ids (beyond the 1 MiB buffer: the file, table growth by reading it back).
        let ids = random.keys(60_000, distinct: 45_000, maxLength: 58, alphabet: Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-".utf8))
        // Long keys sharing prefixes, under hashes that collide: few keys, still spilled.
        let long = random.keys(1_500, distinct: 700, maxLength: 3_600)
        for (name, hash, keys) in [("seeded", ByteKeyTable.seededHash, ids)] + collidingHashes.suffix(2).map({ ($0.0, $0.1, long) }) {
            let set = SpilledKeySet(hash: hash)
            var model = Set<[UInt8]>()
            for (i, key) in keys.enumerated() {
                #expect(try set.insert(key) == model.insert(key).inserted, "\(name): key \(i)")
            }
            #expect(set.count == model.count, "\(name)")
            // Every key again: all are in the set, many now read back from the file.
            for key in keys { #expect(try set.insert(key) == false, "\(name)") }
            #expect(set.fileReads > 0, "\(name): the keys were spilled and read back")
            try set.removeAll()
            #expect(set.count == 0)
            var again = Set<[UInt8]>()
            for key in keys.prefix(2_000) { #expect(try set.insert(key) == again.insert(key).inserted, "\(name): after removeAll") }
        }
    }

    @Test("DeduplicationIndex keeps exactly the rows a Set of (hour, id) strings keeps, across batches and releases",
          arguments: [21, 22, 23])
    func deduplication(seed: UInt64) async throws {
        var random = TestRandom(state: seed)
        let fixture = try MedallionFixture()
        let table = try await fixture.warehouse.silver()
        for (name, hash) in [("seeded", ByteKeyTable.seededHash)] + collidingHashes.suffix(1) {
            let index = DeduplicationIndex(hash: hash)
            var model = Set<String>()
            for round in 0..<12 {
                if random.below(4) == 0 {
                    try index.release()
                    model.removeAll()
                }
                let rows = 1 + random.below(700)
                let ids = random.keys(rows, distinct: 1 + random.below(400), maxLength: 6)
                var idColumn: [String?] = ids.map { String(decoding: $0, as: UTF8.self) }
                var times: [Int64?] = (0..<rows).map { _ in Int64(random.below(4)) * 3_600_000_000 + Int64(random.below(1_000)) }
                for _ in 0..<(rows / 20) { idColumn[random.below(rows)] = nil }
                for _ in 0..<(rows / 30) { times[random.below(rows)] = nil }
                let column: Column = random.below(2) == 0
                    ? .binary(BinaryColumn(idColumn))
                    : Self.dictionary(idColumn)
                let batch = try RecordBatch(
                    schema: Schema(fields: [Field(name: "timestamp", id: 1, type: .int64), Field(name: "x_edge_request_id", id: 2, type: Self.type(of: column))]),
                    columns: [.int64(PrimitiveColumn<Int64>(times)), column])
                var expected: [Int] = []
                for row in 0..<rows {
                    guard let t = times[row], let id = idColumn[row] else { expected.append(row); continue }
                    if model.insert("\(DeduplicationIndex.floorDiv(t, 3_600_000_000))/\(id)").inserted { expected.append(row) }
                }
                let (kept, duplicates) = try await index.filter(batch, table: table, branch: "audit")
                #expect(duplicates == rows - expected.count, "\(name) round \(round)")
                guard case let .int64(keptTimes)? = kept.column(named: "timestamp") else { Issue.record("no timestamps"); return }
                #expect((0..<kept.rowCount).map { keptTimes[$0] } == expected.map { times[$0] }, "\(name) round \(round)")
                #expect((0..<kept.rowCount).map { StringAccess(kept.column(named: "x_edge_request_id")).string(at: $0) }
                            == expected.map { idColumn[$0] }, "\(name) round \(round)")
            }
        }
    }

    static func type(of column: Column) -> DataType {
        if case .dictionary = column { return .dictionaryString }
        return .string
    }

    static func dictionary(_ values: [String?]) -> Column {
        var distinct: [String] = []
        var code: [String: Int32] = [:]
        let indices: [Int32?] = values.map { value in
            guard let value else { return nil }
            if let c = code[value] { return c }
            code[value] = Int32(distinct.count)
            distinct.append(value)
            return Int32(distinct.count - 1)
        }
        return .dictionary(DictionaryColumn(trustedIndices: PrimitiveColumn<Int32>(indices), dictionary: BinaryColumn(distinct)))
    }

    @Test("DayAggregate's counts, visitors and top lists equal a naive String-keyed computation", arguments: [31, 32, 33, 34])
    func dayAggregate(seed: UInt64) throws {
        var random = TestRandom(state: seed)
        let day: Int32 = 19_789
        var aggregate = DayAggregate(day: day)
        var requests = 0, bytes: Int64 = 0, hits = 0
        var visitors = Set<String>()
        var allTimes: [Float] = []
        var counts = [[String: (requests: Int, bytes: Int64)]](repeating: [:], count: DayAggregate.dimensions.count)
        let results = ["Hit", "RefreshHit", "Miss", "Error", "HitX"]
        for _ in 0..<8 {
            let rows = random.below(900)
            let dates: [Int32?] = (0..<rows).map { _ in random.below(5) == 0 ? day + 1 : day }
            let sizes: [Int64?] = (0..<rows).map { _ in random.below(15) == 0 ? nil : Int64(random.below(50_000)) }
            let status: [Int32?] = (0..<rows).map { _ in Int32(100 + random.below(550)) }
            let times: [Float?] = (0..<rows).map { _ in random.below(25) == 0 ? nil : Float(random.below(1_000)) / 100 }
            let result: [String?] = (0..<rows).map { _ in random.below(10) == 0 ? nil : results[random.below(results.count)] }
            let ips: [String?] = random.keys(rows, distinct: 1 + random.below(300), maxLength: 15, alphabet: Array("0123456789.".utf8))
                .map { random.below(20) == 0 ? nil : String(decoding: $0, as: UTF8.self) }
            let dimensions: [[String?]] = DayAggregate.dimensions.map { _ in
                random.keys(rows, distinct: 1 + random.below(60), maxLength: 5).map { random.below(12) == 0 ? nil : String(decoding: $0, as: UTF8.self) }
            }
            for row in 0..<rows where dates[row] == day {
                requests += 1
                bytes += sizes[row] ?? 0
                if result[row] == "Hit" || result[row] == "RefreshHit" { hits += 1 }
                if let ip = ips[row] { visitors.insert(ip) }
                if let t = times[row] { allTimes.append(t) }
                for d in dimensions.indices {
                    counts[d][dimensions[d][row] ?? DayAggregate.nullKey, default: (0, 0)].requests += 1
                    counts[d][dimensions[d][row] ?? DayAggregate.nullKey, default: (0, 0)].bytes += sizes[row] ?? 0
                }
            }
            func text(_ values: [String?]) -> Column { random.below(2) == 0 ? .binary(BinaryColumn(values)) : Self.dictionary(values) }
            var columns: [Column] = [.int32(PrimitiveColumn<Int32>(dates)), .int64(PrimitiveColumn<Int64>(sizes)), .int32(PrimitiveColumn<Int32>(status)),
                                     text(result), .float32(PrimitiveColumn<Float>(times)), text(ips)]
            var fields = [Field(name: "date", id: 1, type: .int32), Field(name: "sc_bytes", id: 2, type: .int64),
                          Field(name: "sc_status", id: 3, type: .int32), Field(name: "x_edge_result_type", id: 4, type: Self.type(of: columns[3])),
                          Field(name: "time_taken", id: 5, type: .float32), Field(name: "c_ip", id: 6, type: Self.type(of: columns[5]))]
            for (d, dimension) in DayAggregate.dimensions.enumerated() {
                columns.append(text(dimensions[d]))
                fields.append(Field(name: dimension.column, id: Int32(7 + d), type: Self.type(of: columns[columns.count - 1])))
            }
            try aggregate.add(try RecordBatch(schema: Schema(fields: fields), columns: columns))
        }
        let daily = aggregate.dailyRow()
        #expect(daily.requests == Int64(requests))
        #expect(daily.bytes == bytes)
        #expect(daily.hits == Int64(hits))
        #expect(daily.uniqueVisitors == Int64(visitors.count))
        allTimes.sort()
        for (p, value) in [(0.50, daily.p50), (0.95, daily.p95), (0.99, daily.p99)] {
            // Nearest rank: the smallest value with at least p of the values at or below it.
            let expected = allTimes.first { v in Double(allTimes.filter { $0 <= v }.count) >= p * Double(allTimes.count) }
            #expect(value == expected.map(Double.init), "p\(Int(p * 100))")
        }
        var expectedTop: [TopRow] = []
        for (d, dimension) in DayAggregate.dimensions.enumerated() {
            let ranked = counts[d].sorted { a, b in
                a.value.requests != b.value.requests ? a.value.requests > b.value.requests : Array(a.key.utf8).lexicographicallyPrecedes(Array(b.key.utf8))
            }
            for (i, entry) in ranked.prefix(20).enumerated() {
                expectedTop.append(TopRow(day: day, dimension: dimension.name, key: entry.key, requests: Int64(entry.value.requests),
                                          bytes: entry.value.bytes, rank: Int32(i + 1)))
            }
        }
        #expect(aggregate.topRows(20) == expectedTop)
    }
}
