import Foundation
import LakeColumnar
import LakeDQ
import LakeTestSupport
import Testing

@Suite("DQDL evaluation")
struct DQEvaluatorTests {
    func report(_ rules: String, primary: DQDataset? = nil, references: [String: DQDataset] = [:],
                options: DQEvaluationOptions = DQEvaluationOptions(now: DQFixtures.now)) throws -> DQReport {
        let isDocument = rules.contains("Rules =") || rules.contains("Analyzers =")
        let ruleset = try DQDLRuleset.parse(isDocument ? rules : "Rules = [ \(rules) ]")
        return try DQEvaluator(options: options).evaluate(ruleset, primary: primary ?? DQFixtures.primary(), references: references)
    }

    func result(_ rule: String, primary: DQDataset? = nil, references: [String: DQDataset] = [:]) throws -> DQRuleResult {
        try report(rule, primary: primary, references: references).results[0]
    }

    func expectOutcome(_ rule: String, _ outcome: DQOutcome, primary: DQDataset? = nil,
                       references: [String: DQDataset] = [:], sourceLocation: Testing.SourceLocation = #_sourceLocation) throws {
        let found = try result(rule, primary: primary, references: references)
        #expect(found.outcome == outcome, "\(rule): \(found.failureReason ?? "")", sourceLocation: sourceLocation)
    }

    /// Pairs of (rule that must pass, rule that must fail) straddling each metric's value,
    /// which the comments derive from `DQFixtures` by hand.
    static let boundaries: [(String, String)] = [
        ("RowCount = 8", "RowCount > 8"),
        ("RowCount = 4 where \"status = 200\"", "RowCount != 4 where \"status = 200\""),
        ("ColumnCount = 7", "ColumnCount < 7"),
        // 7 of 8 methods present.
        ("Completeness \"method\" = 0.875", "Completeness \"method\" > 0.875"),
        ("Completeness \"method\" = 1.0 where \"status = 200\"", "Completeness \"method\" < 1.0 where \"status = 200\""),
        ("IsComplete \"id\"", "IsComplete \"method\""),
        ("IsComplete \"method\" where \"status < 300\"", "IsComplete \"status\""),
        ("ColumnExists \"edge\"", "ColumnExists \"referer\""),
        ("ColumnNamesMatchPattern \"[a-z_]+\"", "ColumnNamesMatchPattern \"[a-z]+\""),
        // GET×4, POST, HEAD, PUT, null: 3 singletons of 8 rows; 3 of 4 distinct values.
        ("Uniqueness \"method\" = 0.375", "Uniqueness \"method\" > 0.375"),
        ("IsUnique \"id\"", "IsUnique \"method\""),
        ("IsUnique \"method\" where \"status <> 200 and method is not null\"", "IsUnique \"method\" where \"status <> 200\""),
        ("Uniqueness \"method\" \"edge\" = 0.625", "Uniqueness \"method\" \"edge\" != 0.625"),
        ("IsPrimaryKey \"id\"", "IsPrimaryKey \"method\""),
        ("IsPrimaryKey \"edge\" \"id\"", "IsPrimaryKey \"status\" \"id\""),
        ("DistinctValuesCount \"method\" = 4", "DistinctValuesCount \"method\" > 4"),
        ("DistinctValuesCount \"edge\" = 3", "DistinctValuesCount \"edge\" = 2"),
        ("UniqueValueRatio \"method\" = 0.75", "UniqueValueRatio \"method\" < 0.75"),
        // mean(0.1…0.8) = 0.45, sum 3.6.
        ("Mean \"time_taken\" between 0.449 and 0.451", "Mean \"time_taken\" > 0.451"),
        ("Sum \"time_taken\" between 3.59 and 3.61", "Sum \"time_taken\" < 3.59"),
        // Population variance of 0.1…0.8 is 0.0525, its square root 0.22913.
        ("StandardDeviation \"time_taken\" between 0.2291 and 0.2292", "StandardDeviation \"time_taken\" < 0.2291"),
        ("Variance \"time_taken\" between 0.05249 and 0.05251", "Variance \"time_taken\" > 0.05251"),
        ("Mean \"status\" between 286.85 and 286.86", "Mean \"status\" > 286.86"),
        ("ColumnCorrelation \"id\" \"time_taken\" > 0.9999", "ColumnCorrelation \"id\" \"time_taken\" < 0.9999"),
        // Lengths 3,3,4,3,4,3 (+ null) → all between 2 and 5, not all equal 3.
        ("ColumnLength \"method\" between 2 and 5", "ColumnLength \"method\" = 3"),
        ("ColumnLength \"method\" <= 4", "ColumnLength \"method\" < 4"),
        ("ColumnValues \"method\" in [\"GET\", \"POST\", \"HEAD\", \"PUT\", NULL]", "ColumnValues \"method\" in [\"GET\", \"POST\", \"HEAD\", \"PUT\"]"),
        ("ColumnValues \"method\" in [\"GET\", \"POST\", \"HEAD\", \"PUT\"] with threshold >= 0.875",
         "ColumnValues \"method\" in [\"GET\", \"POST\", \"HEAD\", \"PUT\"] with threshold > 0.875"),
        ("ColumnValues \"method\" != \"DELETE\"", "ColumnValues \"method\" != \"GET\""),
        ("ColumnValues \"method\" not in [\"DELETE\"]", "ColumnValues \"method\" not in [\"DELETE\", NULL]"),
        ("ColumnValues \"method\" matches \"[A-Z]+\" with threshold = 0.875", "ColumnValues \"method\" matches \"[A-Z]{3}\" with threshold >= 0.875"),
        ("ColumnValues \"method\" not matches \"DEL.*\"", "ColumnValues \"method\" not matches \"G.*\""),
        ("ColumnValues \"edge\" in [\"FRA\", \"IAD\", \"NRT\"]", "ColumnValues \"edge\" in [\"FRA\", \"IAD\"]"),
        ("ColumnValues \"status\" between 199 and 501 with threshold >= 0.875", "ColumnValues \"status\" between 199 and 500 with threshold >= 0.875"),
        ("ColumnValues \"status\" in [200, 304, 404, 500, NULL]", "ColumnValues \"status\" in [200, 304, 404, 500]"),
        ("ColumnValues \"status\" not between 300 and 400 with threshold >= 0.875", "ColumnValues \"status\" <= 404"),
        ("ColumnValues \"log_ts\" > (now() - 8 hours)", "ColumnValues \"log_ts\" > (now() - 7 hours)"),
        ("ColumnValues \"log_ts\" <= now()", "ColumnValues \"log_ts\" < now()"),
        ("ColumnValues \"log_ts\" > \"2024-06-01\"", "ColumnValues \"log_ts\" > \"2024-06-02\""),
        // Ages 0…7 hours.
        ("DataFreshness \"log_ts\" <= 7 hours", "DataFreshness \"log_ts\" < 7 hours"),
        ("DataFreshness \"log_ts\" < 421 minutes", "DataFreshness \"log_ts\" <= 419 minutes"),
        ("DataFreshness \"log_ts\" <= 2 hours where \"id <= 3\"", "DataFreshness \"log_ts\" <= 1 hours where \"id <= 3\""),
        // status_text: 200 200 abc 200 500 3.5 null 200 → 5 integers, 1 decimal, 1 text, 1 null (complies).
        ("ColumnDataType \"status_text\" = \"Integer\" with threshold = 0.75", "ColumnDataType \"status_text\" = \"Integer\""),
        ("ColumnDataType \"status_text\" in [\"Integer\", \"Double\"] with threshold = 0.875", "ColumnDataType \"status_text\" = \"Double\" with threshold > 0.875"),
        ("ColumnDataType \"status\" = \"Integer\"", "ColumnDataType \"status\" = \"Date\""),
        ("CustomSql \"SELECT COUNT(*) FROM primary WHERE status = 200\" = 4", "CustomSql \"select count(*) from primary where status = 200\" > 4"),
        ("CustomSql \"select avg(time_taken) from primary where method like 'G%'\" between 0.34 and 0.36",
         "CustomSql \"select max(id) from primary\" < 8"),
        ("CustomSql \"select id from primary where time_taken > 0.15\" with threshold >= 0.875",
         "CustomSql \"select id from primary where time_taken > 0.15\""),
        ("CustomSql \"select * from primary p where p.method in ('GET', 'PUT') or p.method is null\" with threshold = 0.75",
         "CustomSql \"select * from primary where method in ('GET', 'PUT')\" with threshold > 0.625"),
        ("Entropy \"edge\" between 0.9 and 0.91", "Entropy \"edge\" > 0.91"),
    ]

    @Test("each rule type passes and fails at its boundary", arguments: 0..<boundaries.count)
    func boundary(_ index: Int) throws {
        let (passing, failing) = Self.boundaries[index]
        try expectOutcome(passing, .passed)
        try expectOutcome(failing, .failed)
    }

    @Test("metrics carry Glue's names and the values worked out by hand")
    func metricNames() throws {
        let report = try report("""
            Rules = [ RowCount > 0, Completeness "method" > 0, Uniqueness "method" "edge" > 0, Mean "time_taken" > 0,
                      StandardDeviation "time_taken" > 0, Variance "time_taken" > 0, Entropy "method" > 0,
                      ColumnLength "method" > 0, ColumnValues "method" = "GET" with threshold > 0,
                      ColumnCorrelation "id" "time_taken" > 0, ColumnExists "id", CustomSql "select count(*) from primary" > 0 ]
            """)
        var metrics: [String: Double] = [:]
        for result in report.results { metrics.merge(result.evaluatedMetrics) { a, _ in a } }
        let times = DQFixtures.times.compactMap { $0 }
        let mean = times.reduce(0, +) / Double(times.count)
        let variance = times.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(times.count)
        let entropy = -(0.5 * log(0.5) + 3 * (0.125 * log(0.125)))
        let expected: [String: Double] = [
            "Dataset.*.RowCount": 8, "Column.method.Completeness": 0.875, "Multicolumn.method,edge.Uniqueness": 0.625,
            "Column.time_taken.Mean": mean, "Column.time_taken.StandardDeviation": variance.squareRoot(),
            "Column.time_taken.Variance": variance, "Column.method.Entropy": entropy,
            "Column.method.MinimumLength": 3, "Column.method.MaximumLength": 4,
            "Column.method.ColumnValues.Compliance": 0.5, "Multicolumn.id,time_taken.ColumnCorrelation": 1,
            "Dataset.id.ColumnExists": 1, "Dataset.*.CustomSQL": 8,
        ]
        for (key, value) in expected {
            let found = try #require(metrics[key], "missing \(key) in \(metrics.keys.sorted())")
            #expect(abs(found - value) < 1e-9, "\(key): \(found) vs \(value)")
        }
    }

    @Test("rules that cannot be evaluated are errors with a reason, never passes")
    func errors() throws {
        let cases = [
            ("Completeness \"referer\" > 0.5", "does not exist"),
            ("Mean \"method\" > 1", "not numeric"),
            ("CustomSql \"select method, count(*) from primary group by method\" > 1", "GROUP"),
            ("CustomSql \"select count(*) from other\" > 1", "primary"),
            ("RowCount > 0 where \"status === 200\"", "Invalid where clause"),
            ("RowCount > 0 where \"nosuch = 1\"", "does not exist"),
            ("CustomSql \"select id from primary where case when 1 then 1 end\"", "CASE"),
            ("RowCountMatch \"missing\" > 0.5", "was not provided"),
            ("RowCount > avg(last(3))", "No metric history"),
            ("ColumnValues \"method\" matches \"[\"", "Invalid regular expression"),
        ]
        for (rule, reason) in cases {
            let found = try result(rule)
            #expect(found.outcome == .error, "\(rule)")
            #expect(found.failureReason?.contains(reason) == true, "\(rule): \(found.failureReason ?? "nil")")
        }
    }

    @Test("an empty dataset: counts pass, ratios fail as not computable")
    func emptyDataset() throws {
        let empty = try DQFixtures.primary(rows: 0..<0)
        try expectOutcome("RowCount = 0", .passed, primary: empty)
        try expectOutcome("DistinctValuesCount \"method\" = 0", .passed, primary: empty)
        for rule in ["Completeness \"method\" > 0", "IsComplete \"method\"", "Mean \"time_taken\" > 0",
                     "Uniqueness \"id\" > 0", "ColumnValues \"method\" = \"GET\"", "IsPrimaryKey \"id\""] {
            let found = try result(rule, primary: empty)
            #expect(found.outcome == .failed, "\(rule)")
            #expect(found.failureReason?.contains("could not be computed") == true, "\(rule)")
        }
        // A where clause that selects nothing behaves the same.
        let none = try result("Completeness \"method\" > 0 where \"id > 100\"")
        #expect(none.outcome == .failed)
    }

    @Test("composites combine outcomes; errors propagate")
    func composites() throws {
        try expectOutcome("(RowCount > 0) and (IsComplete \"method\")", .failed)
        try expectOutcome("(RowCount > 0) or (IsComplete \"method\")", .passed)
        try expectOutcome("(RowCount > 100) or ((IsComplete \"id\") and (IsUnique \"id\"))", .passed)
        try expectOutcome("(RowCount > 0) and (Mean \"nosuch\" > 1)", .error)
        let found = try result("(RowCount > 0) and (Completeness \"method\" > 0.9)")
        #expect(found.evaluatedMetrics["Dataset.*.RowCount"] == 8)
        #expect(found.evaluatedMetrics["Column.method.Completeness"] == 0.875)
    }

    @Test("variables, labels and the evaluated rule text")
    func variablesAndLabels() throws {
        let report = try report("""
            methods = ["GET", "POST", "HEAD", "PUT", NULL]
            col = "method"
            DefaultLabels = ["team" = "edge", "tier" = "silver"]
            Rules = [
                ColumnValues $col in $methods labels = ["tier" = "gold"],
                RowCount > 1
            ]
            """)
        #expect(report.results[0].outcome == .passed)
        #expect(report.results[0].labels == ["team": "edge", "tier": "gold"])
        #expect(report.results[0].rule.contains("$methods"))
        #expect(report.results[0].evaluatedRule.contains("\"method\" in [\"GET\", \"POST\", \"HEAD\", \"PUT\", NULL]"))
        #expect(report.results[1].labels == ["team": "edge", "tier": "silver"])
    }

    @Test("multi-dataset rules against a named reference")
    func referenceRules() throws {
        let references = ["ref": try DQFixtures.reference()]
        // 8 primary rows, 6 reference rows; ids 1…6 exist in the reference.
        let cases: [(String, DQOutcome)] = [
            ("RowCountMatch \"ref\" between 1.33 and 1.34", .passed),
            ("RowCountMatch \"ref\" = 1.0", .failed),
            ("ReferentialIntegrity \"id\" \"ref.rid\" = 0.75", .passed),
            ("ReferentialIntegrity \"id,method\" \"ref.{rid,method}\" = 0.625", .passed),
            ("ReferentialIntegrity \"id\" \"ref.rid\" = 1.0", .failed),
            ("SchemaMatch \"ref\" between 0.14 and 0.15", .passed),
            ("DatasetMatch \"ref\" \"id->rid\" \"method\" = 0.75", .passed),
            ("DatasetMatch \"ref\" \"id->rid\" = 0.75", .passed),
            ("DatasetMatch \"ref\" \"id->rid\" > 0.9", .failed),
            ("AggregateMatch \"count(id)\" \"count(ref.rid)\" between 1.33 and 1.34", .passed),
            ("AggregateMatch \"sum(ref.bytes)\" \"sum(ref.bytes)\" = 1.0", .passed),
            ("AggregateMatch \"sum(id)\" \"sum(ref.bytes)\" = 1.0", .failed),
        ]
        for (rule, outcome) in cases {
            let found = try result(rule, references: references)
            #expect(found.outcome == outcome, "\(rule): \(found.failureReason ?? "") \(found.evaluatedMetrics)")
        }
    }

    @Test("row-level outcomes mark each row's passed, failed and skipped rules")
    func rowLevel() throws {
        let report = try report("Rules = [ ColumnValues \"status\" = 200, RowCount > 0, IsComplete \"method\" ]",
                                options: DQEvaluationOptions(now: DQFixtures.now, rowLevel: true))
        let rows = try #require(report.rowLevel)
        for row in 0..<8 {
            let outcome = rows.outcome(row: row)
            let statusOK = DQFixtures.statuses[row] == 200
            let methodOK = DQFixtures.methods[row] != nil
            #expect(outcome.passed == [statusOK ? [0] : [], methodOK ? [2] : []].flatMap { $0 })
            #expect(outcome.failed == [statusOK ? [] : [0], methodOK ? [] : [2]].flatMap { $0 })
            #expect(outcome.skipped == [1])
        }
        // The same outcomes as Glue's row-level columns appended to the batches.
        let batches = try report.rowLevelBatches(for: try DQFixtures.primary())
        let batch = try #require(batches.first)
        #expect(batch.schema.fields.suffix(4).map(\.name)
                == ["DataQualityRulesPass", "DataQualityRulesFail", "DataQualityRulesSkip", "DataQualityEvaluationResult"])
        for row in 0..<8 {
            let failed = DQFixtures.statuses[row] != 200 || DQFixtures.methods[row] == nil
            #expect(batch.column(named: "DataQualityEvaluationResult")?.scalar(at: row) == .binary(Array((failed ? "Failed" : "Passed").utf8)))
            #expect(batch.column(named: "DataQualityRulesSkip")?.scalar(at: row) == .list([.binary(Array("RowCount > 0".utf8))]))
        }
    }

    @Test("dynamic rules and anomaly detection read the metric history")
    func history() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let store = DQMetricHistory(directory: directory.path)
        let options = DQEvaluationOptions(now: DQFixtures.now, history: store)
        let rules = "Rules = [ RowCount >= avg(last(3)) * 0.9, DetectAnomalies \"RowCount\" ]"
        let first = try report(rules, options: options)
        #expect(first.results[0].outcome == .error)
        #expect(first.results[1].outcome == .passed)
        #expect(first.results[1].message?.contains("Not enough history") == true)
        for _ in 0..<3 { _ = try report(rules, options: options) }
        let steady = try report(rules, options: options)
        #expect(steady.results[0].outcome == .passed)
        #expect(steady.results[0].evaluatedRule == "RowCount >= 7.2")
        #expect(steady.results[1].outcome == .passed)
        // Half the rows: below 0.9 × the average, and outside the learned range.
        let smaller = try report(rules, primary: try DQFixtures.primary(rows: 0..<4), options: options)
        #expect(smaller.results[0].outcome == .failed)
        #expect(smaller.results[1].outcome == .failed)
        #expect(try store.load(dataset: "primary").count == 6)
    }

    @Test("file rules on local files")
    func fileRules() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        try Data("a".utf8).write(to: URL(fileURLWithPath: directory.path + "/one.txt"))
        try Data("a".utf8).write(to: URL(fileURLWithPath: directory.path + "/two.txt"))
        try Data(repeating: 7, count: 4096).write(to: URL(fileURLWithPath: directory.path + "/big.bin"))
        let dir = directory.path
        // The MD5 of "a" is 0cc175b9c0f1b6a831c399e269772661 (RFC 1321 test suite).
        let cases: [(String, DQOutcome)] = [
            ("FileSize \"\(dir)\" <= 4 KB", .passed),
            ("FileSize \"\(dir)\" < 4 KB", .failed),
            ("FileSize \"\(dir)\" < 4 KB with threshold between 0.66 and 0.67", .passed),
            ("FileSize \"\(dir)/big.bin\" = 4096", .passed),
            ("FileUniqueness \"\(dir)\" between 0.33 and 0.34", .passed),
            ("FileUniqueness \"\(dir)\" = 1.0", .failed),
            ("FileMatch \"\(dir)/one.txt\" \"\(dir)/two.txt\"", .passed),
            ("FileMatch \"\(dir)/one.txt\" \"\(dir)/big.bin\"", .failed),
            ("FileMatch \"\(dir)/one.txt\" in [\"0cc175b9c0f1b6a831c399e269772661\"]", .passed),
            ("FileMatch \"\(dir)/one.txt\" in [\"ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb\"] with hashAlgorithm = \"SHA-256\"", .passed),
            ("FileMatch \"\(dir)/one.txt\" = \"00000000000000000000000000000000\"", .failed),
            ("FileFreshness \"\(dir)\" > (now() - 1 days)", .passed),
            ("FileFreshness \"\(dir)\" < \"2000-01-01\"", .failed),
            ("FileSize \"s3://bucket/key\" > 1 B", .error),
        ]
        let options = DQEvaluationOptions(now: Int64(Date().timeIntervalSince1970 * 1_000_000))
        for (rule, outcome) in cases {
            let found = try report(rule, options: options).results[0]
            #expect(found.outcome == outcome, "\(rule): \(found.failureReason ?? "")")
        }
    }

    @Test("analyzers compute metrics without conditions")
    func analyzers() throws {
        let report = try report("Analyzers = [ RowCount, Completeness \"method\", AllStatistics \"time_taken\", AllStatistics \"method\" ]")
        #expect(report.results.isEmpty)
        #expect(report.analyzers[0].evaluatedMetrics == ["Dataset.*.RowCount": 8])
        #expect(report.analyzers[1].evaluatedMetrics == ["Column.method.Completeness": 0.875])
        let numbers = report.analyzers[2].evaluatedMetrics
        #expect(numbers["Column.time_taken.Minimum"] == 0.1)
        #expect(numbers["Column.time_taken.Maximum"] == 0.8)
        #expect(numbers["Column.time_taken.DistinctValuesCount"] == 8)
        #expect(report.analyzers[3].evaluatedMetrics["Column.method.MaximumLength"] == 4)
        #expect(report.analyzers[3].error == nil)
    }
}
