import Foundation
import IcebergKit
import LakeColumnar
import LakeTestSupport
import Testing

/// Random tables partitioned by each transform (and by an evolved spec), random filters: pruning
/// never loses a row (the rows of a pruned scan equal a full scan filtered row by row, with
/// merge-on-read deletes applied), the planned files are a subset of the unpruned plan, and no
/// more than pyiceberg's `plan_files` for the same filter on the same table.
@Suite("Partition pruning, differential against full scans and pyiceberg")
struct PartitionPruningPropertyTests {
    static let schema = IcebergSchema(fields: [
        NestedField(id: 1, name: "id", required: false, type: .long),
        NestedField(id: 2, name: "x", required: false, type: .int),
        NestedField(id: 3, name: "l", required: false, type: .long),
        NestedField(id: 4, name: "s", required: false, type: .string),
        NestedField(id: 5, name: "d", required: false, type: .date),
        NestedField(id: 6, name: "ts", required: false, type: .timestamp),
    ])
    static let hour: Int64 = 3_600_000_000
    static let day: Int64 = 86_400_000_000

    struct Case: Sendable {
        var name: String
        var fields: [(String, Transform)]
        /// Fields of the spec the table evolves to after the first half of the appends.
        var evolved: [(String, Transform)]? = nil
        /// Timestamps spread over ± this many microseconds around the epoch.
        var tsSpread: Int64 = 2 * day
        /// Dates spread over ± this many days around the epoch.
        var dateSpread: Int32 = 10
    }

    static let cases: [Case] = [
        Case(name: "identity_x", fields: [("x", .identity)]),
        Case(name: "bucket_l", fields: [("l", .bucket(4))]),
        Case(name: "bucket_s", fields: [("s", .bucket(3))]),
        Case(name: "truncate_x", fields: [("x", .truncate(10))]),
        Case(name: "truncate_l", fields: [("l", .truncate(100))]),
        Case(name: "truncate_s", fields: [("s", .truncate(2))]),
        Case(name: "hour_ts", fields: [("ts", .hour)], tsSpread: day),
        Case(name: "day_ts", fields: [("ts", .day)], tsSpread: 8 * day),
        Case(name: "month_ts", fields: [("ts", .month)], tsSpread: 600 * day),
        Case(name: "year_ts", fields: [("ts", .year)], tsSpread: 1500 * day),
        Case(name: "day_d", fields: [("d", .day)], dateSpread: 10),
        Case(name: "month_d", fields: [("d", .month)], dateSpread: 400),
        Case(name: "year_d", fields: [("d", .year)], dateSpread: 1200),
        Case(name: "identity_s_bucket_x", fields: [("s", .identity), ("x", .bucket(2))]),
        Case(name: "hour_to_day_ts", fields: [("ts", .hour)], evolved: [("ts", .day)], tsSpread: 3 * day),
        Case(name: "truncate_to_bucket_x", fields: [("x", .truncate(20))], evolved: [("x", .bucket(3))]),
    ]

    static func spec(_ fields: [(String, Transform)], id: Int32, firstFieldID: Int32) -> PartitionSpec {
        PartitionSpec(specID: id, fields: fields.enumerated().map { i, f in
            let source = schema.fields.first { $0.name == f.0 }?.id ?? -1
            return PartitionField(sourceID: source, fieldID: firstFieldID + Int32(i), name: "\(f.0)_p\(firstFieldID + Int32(i))", transform: f.1)
        })
    }

    static let letters = ["a", "b", "c", "é", "日"]

    static func randomRow(_ id: Int, _ c: Case, _ rng: inout SeededRandom) -> [String: Scalar?] {
        func maybeNull(_ v: Scalar) -> Scalar? { Int.random(in: 0..<10, using: &rng) == 0 ? nil : v }
        let length = Int.random(in: 0...4, using: &rng)
        let s = (0..<length).map { _ in letters[Int.random(in: 0..<letters.count, using: &rng)] }.joined()
        return [
            "id": .int64(Int64(id)),
            "x": maybeNull(.int32(Int32.random(in: -60...60, using: &rng))),
            "l": maybeNull(.int64(Int64.random(in: -500...500, using: &rng))),
            "s": maybeNull(ColumnPredicate.string(s)),
            "d": maybeNull(.int32(Int32.random(in: -c.dateSpread...c.dateSpread, using: &rng))),
            "ts": maybeNull(.int64(Int64.random(in: -c.tsSpread...c.tsSpread, using: &rng))),
        ]
    }

    /// A literal for `column`: mostly a value of the table moved to a boundary, else random.
    static func literal(_ column: String, _ rows: [[String: Scalar?]], _ c: Case, _ rng: inout SeededRandom) -> Scalar {
        let seen = rows.compactMap { $0[column] ?? nil }
        let pick = seen.isEmpty || Bool.random(using: &rng) && Bool.random(using: &rng) ? nil : seen[Int.random(in: 0..<seen.count, using: &rng)]
        let step = Int64.random(in: -1...1, using: &rng)
        switch column {
        case "x":
            guard case let .int32(v)? = pick else { return .int32(Int32.random(in: -70...70, using: &rng)) }
            return .int32(v + Int32(step))
        case "l":
            guard case let .int64(v)? = pick else { return .int64(Int64.random(in: -600...600, using: &rng)) }
            return .int64(v + step)
        case "d":
            guard case let .int32(v)? = pick else { return .int32(Int32.random(in: -c.dateSpread - 5...c.dateSpread + 5, using: &rng)) }
            return .int32(v + Int32(step))
        case "ts":
            guard case let .int64(v)? = pick else { return .int64(Int64.random(in: -c.tsSpread...c.tsSpread, using: &rng)) }
            // The value itself, or an hour or day boundary next to it, one microsecond either side.
            let units: [Int64] = [1, Self.hour, Self.day]
            let unit = units[Int.random(in: 0..<units.count, using: &rng)]
            var floor: Int64 = v / unit * unit
            if floor > v { floor -= unit }
            return .int64(floor + step)
        default:
            guard case let .binary(v)? = pick else {
                let length = Int.random(in: 0...3, using: &rng)
                return ColumnPredicate.string((0..<length).map { _ in letters[Int.random(in: 0..<letters.count, using: &rng)] }.joined())
            }
            let text = String(decoding: v, as: UTF8.self)
            switch Int.random(in: 0..<3, using: &rng) {
            case 0: return .binary(v)
            case 1: return ColumnPredicate.string(String(text.unicodeScalars.prefix(Int.random(in: 0...3, using: &rng)).map(Character.init)))
            default: return ColumnPredicate.string(text + "z")
            }
        }
    }

    static func randomLeaf(_ columns: [String], _ rows: [[String: Scalar?]], _ c: Case, _ rng: inout SeededRandom) -> ColumnPredicate {
        let column = columns[Int.random(in: 0..<columns.count, using: &rng)]
        let v = literal(column, rows, c, &rng)
        let leaf: ColumnPredicate
        switch Int.random(in: 0..<(column == "s" ? 11 : 10), using: &rng) {
        case 0: leaf = .equal(column, v)
        case 1: leaf = .notEqual(column, v)
        case 2: leaf = .lessThan(column, v)
        case 3: leaf = .lessThanOrEqual(column, v)
        case 4: leaf = .greaterThan(column, v)
        case 5: leaf = .greaterThanOrEqual(column, v)
        case 6, 7:
            var values = [v]
            for _ in 0..<Int.random(in: 0...2, using: &rng) { values.append(literal(column, rows, c, &rng)) }
            leaf = .isIn(column, values)
        case 8: leaf = Bool.random(using: &rng) ? .isNull(column) : .isNotNull(column)
        case 9: leaf = .equal(column, v)
        default:
            guard case let .binary(prefix) = v else { leaf = .isNotNull(column); break }
            leaf = .startsWith(column, prefix)
        }
        return Int.random(in: 0..<6, using: &rng) == 0 ? .not(leaf) : leaf
    }

    static func randomFilter(_ c: Case, _ rows: [[String: Scalar?]], _ rng: inout SeededRandom) -> ColumnPredicate {
        let sources = Array(Set(c.fields.map(\.0) + (c.evolved ?? []).map(\.0))).sorted()
        // Mostly the partition source columns, sometimes any column.
        let first = Int.random(in: 0..<4, using: &rng) == 0 ? ["x", "l", "s", "d", "ts"] : sources
        let a = randomLeaf(first, rows, c, &rng)
        let second = Int.random(in: 0..<4, using: &rng) == 0 ? ["x", "l", "s", "d", "ts"] : sources
        switch Int.random(in: 0..<5, using: &rng) {
        case 0: return .and(a, randomLeaf(second, rows, c, &rng))
        case 1: return .or(a, randomLeaf(second, rows, c, &rng))
        case 2: return .not(.and(a, randomLeaf(second, rows, c, &rng)))
        default: return a
        }
    }

    /// The filter as JSON for the Python side (dates as days, timestamps as microseconds).
    static func json(_ p: ColumnPredicate) -> Any {
        func value(_ v: Scalar) -> Any {
            switch v {
            case let .int32(x): return Int(x)
            case let .int64(x): return Int(x)
            case let .binary(b): return String(decoding: b, as: UTF8.self)
            default: return NSNull()
            }
        }
        switch p {
        case let .and(a, b): return ["op": "and", "a": json(a), "b": json(b)] as [String: Any]
        case let .or(a, b): return ["op": "or", "a": json(a), "b": json(b)] as [String: Any]
        case let .not(a): return ["op": "not", "a": json(a)] as [String: Any]
        case let .equal(c, v): return ["op": "eq", "col": c, "v": value(v)] as [String: Any]
        case let .notEqual(c, v): return ["op": "ne", "col": c, "v": value(v)] as [String: Any]
        case let .lessThan(c, v): return ["op": "lt", "col": c, "v": value(v)] as [String: Any]
        case let .lessThanOrEqual(c, v): return ["op": "le", "col": c, "v": value(v)] as [String: Any]
        case let .greaterThan(c, v): return ["op": "gt", "col": c, "v": value(v)] as [String: Any]
        case let .greaterThanOrEqual(c, v): return ["op": "ge", "col": c, "v": value(v)] as [String: Any]
        case let .isIn(c, vs): return ["op": "in", "col": c, "vs": vs.map(value)] as [String: Any]
        case let .isNull(c): return ["op": "isnull", "col": c] as [String: Any]
        case let .isNotNull(c): return ["op": "notnull", "col": c] as [String: Any]
        case let .startsWith(c, prefix): return ["op": "sw", "col": c, "v": String(decoding: prefix, as: UTF8.self)] as [String: Any]
        case .alwaysTrue: return ["op": "true"] as [String: Any]
        case .alwaysFalse: return ["op": "false"] as [String: Any]
        }
    }

    static let planScript = """
        import sys, json
        from pyiceberg.table import StaticTable
        from pyiceberg.expressions import (And, Or, Not, EqualTo, NotEqualTo, LessThan, LessThanOrEqual, GreaterThan,
                                           GreaterThanOrEqual, In, IsNull, NotNull, StartsWith, AlwaysTrue, AlwaysFalse)
        ops = {"eq": EqualTo, "ne": NotEqualTo, "lt": LessThan, "le": LessThanOrEqual, "gt": GreaterThan,
               "ge": GreaterThanOrEqual, "sw": StartsWith}
        def build(e):
            op = e["op"]
            if op == "and": return And(build(e["a"]), build(e["b"]))
            if op == "or": return Or(build(e["a"]), build(e["b"]))
            if op == "not": return Not(build(e["a"]))
            if op == "true": return AlwaysTrue()
            if op == "false": return AlwaysFalse()
            if op == "isnull": return IsNull(e["col"])
            if op == "notnull": return NotNull(e["col"])
            if op == "in": return In(e["col"], e["vs"])
            return ops[op](e["col"], e["v"])
        out, fallbacks = [], 0
        for case in json.load(sys.stdin):
            t = StaticTable.from_metadata(case["metadata"])
            plans = []
            for f in case["filters"]:
                scan = t.scan(row_filter=build(f))
                try:
                    plans.append(sorted(task.file.file_path for task in scan.plan_files()))
                except TypeError:
                    # pyiceberg 0.12's residual evaluator compares a null partition value with a literal
                    # (None <= int) after pruning; the files it pruned to are the manifest entries it kept.
                    fallbacks += 1
                    plans.append(sorted(e.data_file.file_path for entries in scan._plan_manifest_entries() for e in entries
                                        if e.data_file.content == 0))
            out.append(plans)
        json.dump({"plans": out, "fallbacks": fallbacks}, sys.stdout)
        """

    struct Built {
        var name: String
        var table: Table
        var filters: [ColumnPredicate]
        var ours: [Set<String>]
    }

    func ids(_ batch: RecordBatch, _ p: ColumnPredicate?) -> [Int64] {
        (0..<batch.rowCount).compactMap { r -> Int64? in
            if let p, !p.matches(batch, row: r) { return nil }
            if case let .int64(v)? = batch.column(named: "id")?.scalar(at: r) { return v } else { return nil }
        }
    }

    func build(_ c: Case, seed: UInt64, catalog: SQLiteCatalog) async throws -> Built {
        var rng = SeededRandom(seed: seed)
        var table = try await catalog.createTable(TableIdentifier(namespace: "db", name: c.name), schema: Self.schema,
                                                  spec: Self.spec(c.fields, id: 0, firstFieldID: 1000),
                                                  properties: ["write.delete.mode": "merge-on-read"])
        var rows: [[String: Scalar?]] = []
        for append in 0..<3 {
            if append == 2, let evolved = c.evolved {
                var update = table.updateSpec()
                for f in table.spec.fields { try update.removeField(f.name) }
                for f in evolved { try update.addField(f.0, f.1) }
                table = try await update.commit()
            }
            let chunk = (0..<30).map { Self.randomRow(rows.count + $0, c, &rng) }
            rows += chunk
            table = try await table.append([try evolvedBatch(table.schema, 0..<chunk.count) { name, i in chunk[i][name] ?? nil }])
        }
        if c.evolved != nil { #expect(Set(try await table.scan().planFiles().map(\.specID)).count == 2, "\(c.name)") }
        // Merge-on-read deletes of a few rows: a delete file pruned wrongly would bring them back.
        let deleted = (0..<12).map { _ in Scalar.int64(Int64.random(in: 0..<Int64(rows.count), using: &rng)) }
        table = try await table.delete(where: .isIn("id", deleted)).table

        var full: [RecordBatch] = []
        for try await batch in table.scan().batches() { full.append(batch) }
        #expect(full.reduce(0) { $0 + $1.rowCount } == rows.count - Set(deleted).count, "\(c.name)")
        let unpruned = Set(try await table.scan().planFiles().map(\.file.filePath))

        var filters: [ColumnPredicate] = [], ours: [Set<String>] = []
        for _ in 0..<16 {
            let p = Self.randomFilter(c, rows, &rng)
            let expected = full.flatMap { ids($0, p) }.sorted()
            var got: [Int64] = []
            for try await batch in table.scan(filter: p).batches() { got += ids(batch, p) }
            #expect(got.sorted() == expected, "\(c.name) seed \(seed): \(p)")
            let planned = Set(try await table.scan(filter: p).planFiles().map(\.file.filePath))
            #expect(planned.isSubset(of: unpruned), "\(c.name): \(p)")
            filters.append(p)
            ours.append(planned)
        }
        return Built(name: c.name, table: table, filters: filters, ours: ours)
    }

    @Test("pruned scans return exactly the rows a full scan filtered row by row returns, and plan no more files than pyiceberg",
          .enabled(if: Interop.enabled))
    func differential() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let catalog = try SQLiteCatalog(path: directory.file("catalog.db"), warehouse: "file://" + directory.path)
        try await catalog.createNamespace("db")
        var built: [Built] = []
        for (i, c) in Self.cases.enumerated() {
            built.append(try await build(c, seed: 0x5EED_0000 + UInt64(i), catalog: catalog))
        }
        let input = built.map { b in ["metadata": b.table.metadataLocation, "filters": b.filters.map(Self.json)] as [String: Any] }
        let output = try Interop.run(Self.planScript, input: [UInt8](try JSONSerialization.data(withJSONObject: input)))
        struct Plans: Decodable { var plans: [[[String]]]; var fallbacks: Int }
        let decoded = try JSONDecoder().decode(Plans.self, from: Data(output))
        let theirs = decoded.plans
        // Most filters must go through plan_files itself, not the fallback around its residual bug.
        #expect(decoded.fallbacks * 4 < built.reduce(0) { $0 + $1.filters.count }, "\(decoded.fallbacks) fallbacks")
        try #require(theirs.count == built.count)
        var pruned = 0, total = 0
        for (b, plans) in zip(built, theirs) {
            let unpruned = Set(try await b.table.scan().planFiles().map(\.file.filePath))
            for (i, plan) in plans.enumerated() {
                let extra = b.ours[i].subtracting(plan).map { $0.split(separator: "/").suffix(2).joined(separator: "/") }.sorted()
                #expect(extra.isEmpty, "\(b.name): \(b.filters[i]) planned files pyiceberg prunes: \(extra)")
                pruned += unpruned.count - b.ours[i].count
                total += unpruned.count
            }
        }
        // The filters do prune: a test whose every filter kept every file would prove nothing.
        #expect(pruned * 4 > total, "\(pruned) of \(total) file plans pruned")
    }
}

@Suite("Partition pruning by manifest-list summaries")
struct ManifestSummaryPruningTests {
    static let day: Int64 = 86_400_000_000

    /// Manifests (not manifest lists) read since the last reset.
    func manifestsRead(_ io: CountingFileIO) -> Int {
        io.counts.withLock { counts in
            counts.keys.filter { path in
                let name = path.split(separator: "/").last.map(String.init) ?? ""
                return path.contains("/metadata/") && name.hasSuffix(".avro") && !name.hasPrefix("snap-")
            }.count
        }
    }

    @Test("a filter opens only the manifests whose partition summaries may match, under each manifest's own spec; a delete by filter reads only those")
    func manifestsSkipped() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let io = CountingFileIO()
        let catalog = try SQLiteCatalog(path: directory.file("catalog.db"), warehouse: "file://" + directory.path, io: io)
        try await catalog.createNamespace("db")
        let schema = IcebergSchema(fields: [NestedField(id: 1, name: "id", required: false, type: .long),
                                            NestedField(id: 2, name: "ts", required: false, type: .timestamp)])
        var table = try await catalog.createTable(TableIdentifier(namespace: "db", name: "t"), schema: schema,
                                                  spec: PartitionSpec(specID: 0, fields: [PartitionField(sourceID: 2, fieldID: 1000, name: "ts_day", transform: .day)]))
        // Days -2 and -1 (before 1970) under day(ts), then days 0 and 1 under hour(ts): one manifest per append.
        for day in Int64(-2)...1 {
            if day == 0 {
                var update = table.updateSpec()
                try update.replaceField(term: "day(ts)", with: "hour(ts)")
                table = try await update.commit()
            }
            let ids = (0..<10).map { Int(day + 2) * 10 + $0 }
            table = try await table.append([try evolvedBatch(table.schema, 0..<ids.count) { name, i in
                name == "id" ? .int64(Int64(ids[i])) : .int64(day * Self.day + Int64(i) * 3_600_000_000)
            }])
        }
        func plan(_ filter: ColumnPredicate?) async throws -> (files: Int, manifests: Int) {
            io.reset()
            let files = try await table.scan(filter: filter).planFiles().count
            return (files, manifestsRead(io))
        }
        // Three or four manifests: the two day(ts) appends may share one once merged on commit.
        let all = try await plan(nil)
        #expect(all.manifests >= 3)
        #expect(try await plan(.greaterThanOrEqual("ts", .int64(Self.day))).manifests == 1, "hour summaries of day 1 only")
        #expect(try await plan(.greaterThanOrEqual("ts", .int64(0))).manifests == 2, "hour summaries of days 0 and 1")
        #expect(try await plan(.lessThan("ts", .int64(-Self.day))).manifests == 1, "day summaries of day -2 only")
        #expect(try await plan(.isIn("ts", [.int64(-Self.day + 1), .int64(1)])).manifests == all.manifests - 1, "all but day 1's")
        #expect(try await plan(.isNull("ts")).manifests == 0, "no manifest holds a null")
        let notNull = try await plan(.not(.isNull("ts")))
        #expect(notNull.manifests == all.manifests)
        #expect(try await plan(.greaterThanOrEqual("ts", .int64(Self.day))).files == 10, "hour files of day 1")

        io.reset()
        table = try await table.newDelete().deleteFromRowFilter(.lessThan("ts", .int64(-Self.day))).commit()
        #expect(manifestsRead(io) == 1, "only day -2's manifest is opened to remove its file")
        var ids: [Int64] = []
        for try await batch in table.scan().batches() {
            ids += (0..<batch.rowCount).compactMap { r in if case let .int64(v)? = batch.column(named: "id")?.scalar(at: r) { v } else { nil } }
        }
        #expect(ids.sorted() == (10..<40).map(Int64.init))
    }
}
