import Foundation
import LakeColumnar
@testable import LakeDQ
import LakeTestSupport
import Testing

/// The streaming evaluation against the in-memory one: the same rows split into batches and
/// chunks of any size give the same outcomes and metrics, for every rule type.
@Suite("DQ streaming evaluation")
struct DQStreamingTests {
    /// Random rows with nulls: numbers, plain and dictionary text, timestamps, booleans.
    static func dataset(seed: UInt64, rows: Int) throws -> DQDataset {
        var random = SeededRandom(seed: seed)
        let words = ["alpha", "beta", "gamma", "delta", "épsilon", "", "  "]
        let edges = ["FRA", "IAD", "NRT", "SYD"]
        var x: [Double?] = [], y: [Double?] = [], n: [Int64?] = [], s: [String?] = [], ts: [Int64?] = []
        var flags: [Bool?] = [], codes: [Int32] = [], id: [Int64?] = []
        for row in 0..<rows {
            let value = Double.random(in: -50...150, using: &random)
            x.append(Double.random(in: 0..<1, using: &random) < 0.1 ? nil : value)
            y.append(Double.random(in: 0..<1, using: &random) < 0.05 ? nil : value * 0.5 + Double.random(in: -20...20, using: &random))
            n.append(Double.random(in: 0..<1, using: &random) < 0.1 ? nil : Int64.random(in: -1000...1000, using: &random))
            let unique = Double.random(in: 0..<1, using: &random) < 0.3
            s.append(Double.random(in: 0..<1, using: &random) < 0.1 ? nil
                     : unique ? "u\(Int.random(in: 0...1_000_000, using: &random))" : words[Int.random(in: 0..<words.count, using: &random)])
            ts.append(Double.random(in: 0..<1, using: &random) < 0.05 ? nil
                      : DQFixtures.now - Int64.random(in: 0...(48 * DQFixtures.hour), using: &random))
            flags.append(Double.random(in: 0..<1, using: &random) < 0.1 ? nil : Bool.random(using: &random))
            codes.append(Int32.random(in: 0..<Int32(edges.count), using: &random))
            id.append(Int64(row % (rows - 3)))  // three duplicated ids
        }
        let schema = try Schema(fields: [
            Field(name: "x", id: 1, type: .float64), Field(name: "y", id: 2, type: .float64),
            Field(name: "n", id: 3, type: .int64), Field(name: "s", id: 4, type: .string),
            Field(name: "ts", id: 5, type: .timestampMicroseconds(utc: true)), Field(name: "flag", id: 6, type: .boolean),
            Field(name: "edge", id: 7, type: .dictionaryString), Field(name: "id", id: 8, type: .int64),
        ])
        let batch = try RecordBatch(schema: schema, columns: [
            .float64(PrimitiveColumn(x)), .float64(PrimitiveColumn(y)), .int64(PrimitiveColumn(n)), .binary(BinaryColumn(s)),
            .int64(PrimitiveColumn(ts)), .boolean(BooleanColumn(flags)),
            .dictionary(try DictionaryColumn(indices: PrimitiveColumn(values: codes), dictionary: BinaryColumn(edges))),
            .int64(PrimitiveColumn(id)),
        ])
        return DQDataset(name: "primary", schema: schema, batches: [batch])
    }

    /// A reference: ids 0…99 with their `n`, and text keys.
    static func reference() throws -> DQDataset {
        let schema = try Schema(fields: [Field(name: "rid", id: 1, type: .int64), Field(name: "word", id: 2, type: .string),
                                         Field(name: "total", id: 3, type: .int64)])
        let rows = 0..<100
        let batch = try RecordBatch(schema: schema, columns: [
            .int64(PrimitiveColumn(rows.map { Optional(Int64($0)) })),
            .binary(BinaryColumn(rows.map { ["alpha", "beta", "gamma"][$0 % 3] as String? })),
            .int64(PrimitiveColumn(rows.map { Optional(Int64($0) * 7) })),
        ])
        return DQDataset(name: "ref", schema: schema, batches: [batch])
    }

    /// Every rule type, with `where` clauses, thresholds and composites.
    static let ruleset = """
        Rules = [
            RowCount > 0, RowCount between 10 and 100000 where "x > 50 or n between -10 and 10",
            ColumnCount = 8, ColumnExists "ts", ColumnNamesMatchPattern "[a-z]+",
            Completeness "s" > 0.5, IsComplete "edge", Completeness "x" > 0 where "s in ('alpha', 'beta')",
            Mean "x" > -1000, Sum "n" > -1000000000, StandardDeviation "x" > 0, Variance "y" > 0,
            Mean "y" > -1000 where "not (x < 0) and s <> 'gamma'",
            Uniqueness "s" > 0.1, IsUnique "id", IsPrimaryKey "id", IsPrimaryKey "s" "edge",
            Uniqueness "s" "edge" > 0, Uniqueness "flag" >= 0 where "n > 0",
            DistinctValuesCount "s" > 0, UniqueValueRatio "s" > 0, Entropy "edge" > 0, Entropy "s" > 0,
            DistinctValuesCount "x" > 10, Uniqueness "ts" > 0,
            ColumnCorrelation "x" "y" > 0.2,
            ColumnLength "s" between 0 and 7, ColumnLength "edge" = 3 where "n > 0",
            ColumnValues "s" in ["alpha", "beta", "épsilon"] with threshold >= 0.1,
            ColumnValues "s" matches "u[0-9]+" with threshold > 0.2,
            ColumnValues "n" between -100 and 100 with threshold >= 0,
            ColumnValues "x" > 0 with threshold > 0.5,
            ColumnValues "flag" = "true" with threshold > 0.3,
            ColumnValues "ts" > (now() - 24 hours) with threshold > 0.4,
            DataFreshness "ts" <= 36 hours,
            ColumnDataType "s" = "INTEGER" with threshold < 0.5, ColumnDataType "n" = "Long",
            CustomSql "select avg(abs(n)) + count(distinct s) from primary where length(s) > 2" > -1,
            CustomSql "select count(*) from primary where flag" between 1 and 100000,
            CustomSql "select min(x) from primary" < 0, CustomSql "select max(s) from primary where edge = 'FRA'" > -1,
            CustomSql "select stddev(y) / avg(x) from primary" > -100,
            CustomSql "select x from primary where round(x, 1) >= 10.5 or lower(s) = 'alpha'" with threshold >= 0,
            RowCountMatch "ref" > 1, SchemaMatch "ref" >= 0,
            ReferentialIntegrity "id" "ref.rid" > 0.01, ReferentialIntegrity "s" "ref.word" >= 0,
            DatasetMatch "ref" "id->rid" >= 0, DatasetMatch "ref" "id->rid" "s->word" >= 0,
            AggregateMatch "sum(n)" "sum(ref.total)" > -100, AggregateMatch "avg(x)" "avg(y)" > -100,
            DetectAnomalies "RowCount", DetectAnomalies "Completeness" "x",
            (RowCount > 0) and (IsUnique "id"), (Mean "x" > 1000) or (Completeness "edge" = 1.0),
            Mean "nope" > 0, Uniqueness "nope" > 0
        ]
        Analyzers = [ AllStatistics "x", AllStatistics "s", RowCount, Completeness "flag" ]
        """

    static func expectSame(_ streamed: DQReport, _ whole: DQReport, _ label: String) {
        #expect(streamed.rowCount == whole.rowCount, "\(label)")
        #expect(streamed.results.count == whole.results.count, "\(label)")
        for (ours, theirs) in zip(streamed.results, whole.results) {
            #expect(ours.outcome == theirs.outcome, "\(label): \(ours.rule): \(ours.failureReason ?? "") vs \(theirs.failureReason ?? "")")
            #expect(ours.evaluatedRule == theirs.evaluatedRule, "\(label): \(ours.rule)")
            expectSameMetrics(ours.evaluatedMetrics, theirs.evaluatedMetrics, "\(label): \(ours.rule)")
        }
        #expect(streamed.analyzers.count == whole.analyzers.count, "\(label)")
        for (ours, theirs) in zip(streamed.analyzers, whole.analyzers) {
            #expect(ours.error == theirs.error, "\(label): \(ours.analyzer)")
            expectSameMetrics(ours.evaluatedMetrics, theirs.evaluatedMetrics, "\(label): \(ours.analyzer)")
        }
    }

    /// Counts and ratios of counts agree exactly; moments up to rounding of the merge order.
    static func expectSameMetrics(_ ours: [String: Double], _ theirs: [String: Double], _ label: String) {
        #expect(Set(ours.keys) == Set(theirs.keys), "\(label)")
        for (key, value) in theirs {
            guard let other = ours[key] else { continue }
            let scale = max(1, abs(value))
            #expect(abs(other - value) <= 1e-9 * scale, "\(label): \(key) \(other) vs \(value)")
        }
    }

    static func batches(of dataset: DQDataset, rows: Int) -> [RecordBatch] {
        var out: [RecordBatch] = []
        for batch in dataset.batches {
            var start = 0
            while start < batch.rowCount {
                let end = min(start + rows, batch.rowCount)
                out.append(batch.slice(start..<end))
                start = end
            }
        }
        return out
    }

    static func options(chunkRows: Int = 65_536, counterEntries: Int = 1 << 20) -> DQEvaluationOptions {
        DQEvaluationOptions(now: DQFixtures.now, chunkRows: chunkRows, counterEntries: counterEntries)
    }

    @Test("streamed in batches and chunks of 1, 7 and 8,192 rows, every rule gives the in-memory result",
          arguments: [(1, 1), (1, 7), (7, 7), (7, 8_192), (8_192, 8_192), (5, 2_000)])
    func splitInvariance(batchRows: Int, chunkRows: Int) throws {
        let rows = batchRows == 1 && chunkRows == 1 ? 600 : 3_000
        let data = try Self.dataset(seed: 11, rows: rows)
        let ruleset = try DQDLRuleset.parse(Self.ruleset)
        let references = ["ref": try Self.reference()]
        let whole = try DQEvaluator(options: Self.options()).evaluate(ruleset, primary: data, references: references)
        // The ruleset exercises passes, failures and errors alike.
        #expect(Set(whole.results.map(\.outcome)) == [.passed, .failed, .error])
        #expect(whole.results.filter { $0.outcome == .error }.count == 2)

        let evaluation = try DQStreamingEvaluation(ruleset, schema: data.schema, references: references,
                                                   options: Self.options(chunkRows: chunkRows, counterEntries: 1_024))
        for batch in Self.batches(of: data, rows: batchRows) { try evaluation.add(batch) }
        #expect(evaluation.rowsAdded == rows)
        Self.expectSame(try evaluation.finish(), whole, "batches of \(batchRows), chunks of \(chunkRows)")
    }

    @Test("an empty stream: the same outcomes as an empty dataset, missing columns still errors")
    func emptyStream() throws {
        let data = try Self.dataset(seed: 3, rows: 10)
        let empty = DQDataset(name: "primary", schema: data.schema, batches: [])
        let ruleset = try DQDLRuleset.parse(Self.ruleset)
        let references = ["ref": try Self.reference()]
        let whole = try DQEvaluator(options: Self.options()).evaluate(ruleset, primary: empty, references: references)
        let evaluation = try DQStreamingEvaluation(ruleset, schema: data.schema, references: references, options: Self.options())
        let streamed = try evaluation.finish()
        Self.expectSame(streamed, whole, "empty")
        let missing = try #require(streamed.results.first { $0.rule.contains("nope") })
        #expect(missing.outcome == .error)
        #expect(streamed.results.first { $0.rule == "RowCount > 0" }?.outcome == .failed)
    }

    @Test("the async API evaluates an AsyncSequence of batches")
    func asyncSequence() async throws {
        let data = try Self.dataset(seed: 5, rows: 2_000)
        let ruleset = try DQDLRuleset.parse(Self.ruleset)
        let references = ["ref": try Self.reference()]
        let whole = try DQEvaluator(options: Self.options()).evaluate(ruleset, primary: data, references: references)
        let pieces = Self.batches(of: data, rows: 333)
        let stream = AsyncStream<RecordBatch> { continuation in
            for piece in pieces { continuation.yield(piece) }
            continuation.finish()
        }
        let streamed = try await DQEvaluator(options: Self.options(chunkRows: 500)).evaluate(
            ruleset, schema: data.schema, batches: stream, references: references)
        Self.expectSame(streamed, whole, "async")
    }

    @Test("a batch whose columns differ from the schema is a DQDataError naming the column")
    func schemaMismatch() throws {
        let data = try Self.dataset(seed: 5, rows: 20)
        let evaluation = try DQStreamingEvaluation(try DQDLRuleset.parse("Rules = [ RowCount > 0 ]"), schema: data.schema)
        let other = try Schema(fields: [Field(name: "x", id: 1, type: .int64)])
        let wrong = try RecordBatch(schema: other, columns: [.int64(PrimitiveColumn([1, 2]))])
        #expect(throws: DQDataError.self) { try evaluation.add(wrong) }
        var retyped = data.schema.fields
        retyped[0] = Field(name: "x", id: 1, type: .int64)
        let swapped = try RecordBatch(schema: try Schema(fields: retyped), columns: [.int64(PrimitiveColumn([Int64?](repeating: 1, count: 20)))]
                                      + Array(data.batches[0].columns.dropFirst()))
        do {
            try evaluation.add(swapped)
            Issue.record("a retyped column was accepted")
        } catch {
            #expect(error.reason.contains("'x'"))
        }
    }

    @Test("high-cardinality uniqueness over spilled counts equals the in-memory figure")
    func spilledUniqueness() throws {
        let rows = 30_000
        let schema = try Schema(fields: [Field(name: "k", id: 1, type: .string), Field(name: "v", id: 2, type: .int64)])
        // Keys k0…k(rows-1) with every 10th repeated once: 10 % of rows are not unique.
        let keys: [String?] = (0..<rows).map { $0 % 10 == 0 && $0 > 0 ? "k\($0 - 1)" : "k\($0)" }
        let batch = try RecordBatch(schema: schema, columns: [.binary(BinaryColumn(keys)),
                                                              .int64(PrimitiveColumn((0..<rows).map { Optional(Int64($0 % 1_000)) }))])
        let data = DQDataset(name: "primary", schema: schema, batches: [batch])
        let ruleset = try DQDLRuleset.parse("""
            Rules = [ Uniqueness "k" > 0.5, DistinctValuesCount "k" > 0, Entropy "k" > 0, IsPrimaryKey "k", DistinctValuesCount "v" = 1000 ]
            """)
        let whole = try DQEvaluator(options: Self.options()).evaluate(ruleset, primary: data)
        // Worked out by hand: 2,999 keys appear twice, the rest once.
        #expect(whole.results[0].evaluatedMetrics["Column.k.Uniqueness"] == Double(rows - 2 * 2_999) / Double(rows))
        #expect(whole.results[1].evaluatedMetrics["Column.k.DistinctValuesCount"] == Double(rows - 2_999))
        let evaluation = try DQStreamingEvaluation(ruleset, schema: schema, options: Self.options(chunkRows: 4_096, counterEntries: 1_024))
        for piece in Self.batches(of: data, rows: 1_000) { try evaluation.add(piece) }
        Self.expectSame(try evaluation.finish(), whole, "spilled")
    }

    @Test("a ruleset reads only the columns its rules name; projected batches give the full-width result")
    func projection() throws {
        let data = try Self.dataset(seed: 21, rows: 1_500)
        let schema = data.schema
        #expect(try DQDLRuleset.parse("Rules = [ RowCount > 0, ColumnCount = 8, ColumnExists \"zz\" ]").columnsRead(in: schema) == [])
        let text = """
            Rules = [ IsComplete "s", Mean "x" > 0 where "n > 3 and `edge` = 'FRA'", Uniqueness "id" "ts" > 0,
                      CustomSql "select count(*) from primary where flag" > 0, ColumnCount = 8 ]
            """
        let ruleset = try DQDLRuleset.parse(text)
        #expect(ruleset.columnsRead(in: schema) == ["x", "n", "s", "ts", "flag", "edge", "id"])
        #expect(try DQDLRuleset.parse(#"Rules = [ DatasetMatch "ref" "id->rid" >= 0 ]"#).columnsRead(in: schema) == nil)
        #expect(try DQDLRuleset.parse(#"Rules = [ DatasetMatch "ref" "id->rid" "s->word" >= 0 ]"#).columnsRead(in: schema) == ["s", "id"])

        let narrow = try DQDLRuleset.parse("Rules = [ Mean \"x\" > 0 where \"n > 3\", ColumnCount = 8, RowCount > 0, IsComplete \"x\" ]")
        let whole = try DQEvaluator(options: Self.options()).evaluate(narrow, primary: data)
        let evaluation = try DQStreamingEvaluation(narrow, schema: schema, options: Self.options(chunkRows: 100))
        #expect(evaluation.columnsRead == ["x", "n"])
        let projected = try Schema(fields: [schema.fields[0], schema.fields[2]])
        for piece in Self.batches(of: data, rows: 64) {
            try evaluation.add(try RecordBatch(schema: projected, columns: [piece.columns[0], piece.columns[2]]))
        }
        Self.expectSame(try evaluation.finish(), whole, "projected")
        #expect(whole.results[1].outcome == .passed)
        // A batch without a column the rules read is refused, not read as nulls.
        let lacking = try DQStreamingEvaluation(narrow, schema: schema)
        let onlyX = try Schema(fields: [schema.fields[0]])
        #expect(throws: DQDataError.self) {
            try lacking.add(try RecordBatch(schema: onlyX, columns: [data.batches[0].columns[0]]))
        }
    }

    @Test("the report as Glue-shaped JSON and as text carry every rule's outcome")
    func reportFormats() throws {
        let data = try Self.dataset(seed: 8, rows: 200)
        let ruleset = try DQDLRuleset.parse("""
            Rules = [ RowCount > 0, Mean "x" > 1000, Mean "nope" > 0 ]
            Analyzers = [ Completeness "s" ]
            """)
        let report = try DQEvaluator(options: Self.options()).evaluate(ruleset, primary: data)
        let json = try report.glueJSON()
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(object["RowCount"] as? Int == 200)
        #expect(object["Summary"] as? [String: Int] == ["TotalRules": 3, "Passed": 1, "Failed": 1, "Errors": 1])
        let rules = try #require(object["RuleResults"] as? [[String: Any]])
        #expect(rules.map { $0["Outcome"] as? String } == ["Passed", "Failed", "Error"])
        #expect((rules[0]["EvaluatedMetrics"] as? [String: Double])?["Dataset.*.RowCount"] == 200)
        let analyzers = try #require(object["AnalyzerResults"] as? [[String: Any]])
        #expect((analyzers.first?["EvaluatedMetrics"] as? [String: Double])?["Column.s.Completeness"] != nil)
        let lines = report.text.split(separator: "\n")
        #expect(lines.first == "primary: 200 rows, 3 rules — 1 passed, 1 failed, 1 errors")
        #expect(lines.contains("  [Failed] Mean \"x\" > 1000"))
    }
}
