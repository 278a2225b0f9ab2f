import Foundation
import LakeColumnar
import LakeDQ
import LakeTestSupport
import ParquetWriter
import Testing

/// LakeDQ's metrics against DuckDB computing the same statistic on the same Parquet file.
///
/// StandardDeviation and Variance are the population forms (divide by n), as Deequ computes
/// them; DuckDB's `stddev_pop` / `var_pop` are the references. Entropy uses the natural log
/// with n = all selected rows (nulls included), Uniqueness the share of rows whose value occurs
/// exactly once — both as Deequ defines them.
@Suite("DQ statistics vs DuckDB", .enabled(if: Interop.enabled))
struct DQStatisticsInteropTests {
    static func randomDataset(seed: UInt64, rows: Int) throws -> DQDataset {
        var random = SeededRandom(seed: seed)
        let words = ["alpha", "beta", "gamma", "delta", "épsilon", "zeta", "", "  ", "x"]
        var x: [Double?] = [], y: [Double?] = [], n: [Int64?] = [], s: [String?] = []
        for _ in 0..<rows {
            let value = Double.random(in: -50...150, using: &random)
            x.append(Double.random(in: 0..<1, using: &random) < 0.1 ? nil : value)
            y.append(Double.random(in: 0..<1, using: &random) < 0.05 ? nil : value * 0.5 + Double.random(in: -20...20, using: &random))
            n.append(Double.random(in: 0..<1, using: &random) < 0.1 ? nil : Int64.random(in: -1000...1000, using: &random))
            let unique = Double.random(in: 0..<1, using: &random) < 0.2
            s.append(Double.random(in: 0..<1, using: &random) < 0.15 ? nil
                     : unique ? "u\(Int.random(in: 0...1_000_000, using: &random))" : words[Int.random(in: 0..<words.count, using: &random)])
        }
        let schema = try Schema(fields: [
            Field(name: "x", id: 1, type: .float64), Field(name: "y", id: 2, type: .float64),
            Field(name: "n", id: 3, type: .int64), Field(name: "s", id: 4, type: .string),
        ])
        let batch = try RecordBatch(schema: schema, columns: [
            .float64(PrimitiveColumn(x)), .float64(PrimitiveColumn(y)), .int64(PrimitiveColumn(n)), .binary(BinaryColumn(s)),
        ])
        return DQDataset(schema: schema, batches: [batch])
    }

    static let rules = """
        Rules = [
            RowCount > 0,
            RowCount > 0 where "x > 50 and s like 'a%' or n between -10 and 10",
            Completeness "s" > 0,
            Completeness "x" > 0 where "s in ('alpha', 'beta') and n is not null",
            Mean "x" > -1000, Sum "n" > -1000000000, StandardDeviation "x" > 0, Variance "y" > 0,
            Mean "y" > -1000 where "not (x < 0) and s <> 'gamma'",
            Uniqueness "s" > 0, DistinctValuesCount "s" > 0, UniqueValueRatio "s" > 0, Entropy "s" > 0,
            Uniqueness "s" "n" > 0,
            ColumnCorrelation "x" "y" > -2,
            ColumnLength "s" >= 0,
            ColumnValues "s" in ["alpha", "beta", "épsilon"] with threshold >= 0,
            ColumnValues "n" between -100 and 100 with threshold >= 0,
            CustomSql "select avg(abs(n)) + count(distinct s) from primary where length(s) > 2" > -1,
            CustomSql "select x from primary where round(x, 1) >= 10.5 or lower(s) = 'alpha'" with threshold >= 0
        ]
        """

    /// DuckDB SQL for each metric, over a view `t` of the Parquet file.
    static let referenceQueries: [(String, String)] = [
        ("Dataset.*.RowCount", "select count(*) from t"),
        ("where.RowCount", "select count(*) from t where x > 50 and s like 'a%' or n between -10 and 10"),
        ("Column.s.Completeness", "select count(s) / count(*) from t"),
        ("where.Completeness", "select count(x) / count(*) from t where s in ('alpha', 'beta') and n is not null"),
        ("Column.x.Mean", "select avg(x) from t"),
        ("Column.n.Sum", "select sum(n)::double from t"),
        ("Column.x.StandardDeviation", "select stddev_pop(x) from t"),
        ("Column.y.Variance", "select var_pop(y) from t"),
        ("where.Mean", "select avg(y) from t where not (x < 0) and s <> 'gamma'"),
        ("Column.s.Uniqueness", "select (select count(*) from (select s from t where s is not null group by s having count(*) = 1)) / (select count(*) from t)"),
        ("Column.s.DistinctValuesCount", "select count(distinct s) from t"),
        ("Column.s.UniqueValueRatio", "select (select count(*) from (select s from t where s is not null group by s having count(*) = 1)) / (select count(distinct s) from t)"),
        ("Column.s.Entropy", "select -sum(c / n * ln(c / n)) from (select count(*)::double c from t where s is not null group by s), (select count(*)::double n from t)"),
        ("Multicolumn.s,n.Uniqueness", "select (select count(*) from (select s, n from t where s is not null or n is not null group by s, n having count(*) = 1)) / (select count(*) from t)"),
        ("Multicolumn.x,y.ColumnCorrelation", "select corr(x, y) from t where x is not null and y is not null"),
        ("Column.s.MinimumLength", "select min(length(s)) from t"),
        ("Column.s.MaximumLength", "select max(length(s)) from t"),
        ("Column.s.ColumnValues.Compliance", "select avg(case when s in ('alpha', 'beta', 'épsilon') then 1.0 else 0.0 end) from t"),
        ("Column.n.ColumnValues.Compliance", "select avg(case when n > -100 and n < 100 then 1.0 else 0.0 end) from t"),
        ("CustomSql.aggregate", "select avg(abs(n)) + count(distinct s) from t where length(s) > 2"),
        ("CustomSql.rows", "select avg(case when round(x, 1) >= 10.5 or lower(s) = 'alpha' then 1.0 else 0.0 end) from t"),
    ]

    @Test("metrics equal DuckDB's on random data with nulls", arguments: [UInt64(11), 12])
    func againstDuckDB(seed: UInt64) throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let dataset = try Self.randomDataset(seed: seed, rows: 5_000)
        let path = directory.path + "/data.parquet"
        let writer = try ParquetFileWriter(path: path, schema: dataset.schema)
        for batch in dataset.batches { try writer.write(batch) }
        _ = try writer.close()

        // Evaluate on the Parquet file as read back, the way `lakehouse dq run` does.
        let report = try DQEvaluator().evaluate(try DQDLRuleset.parse(Self.rules), primary: try DQDataset.parquet(paths: [path]))
        #expect(report.results.allSatisfy { $0.outcome == .passed }, "\(report.results.filter { $0.outcome != .passed })")
        var ours: [String: Double] = [:]
        for (index, result) in report.results.enumerated() {
            switch index {
            case 1: ours["where.RowCount"] = result.evaluatedMetrics["Dataset.*.RowCount"]
            case 3: ours["where.Completeness"] = result.evaluatedMetrics["Column.x.Completeness"]
            case 8: ours["where.Mean"] = result.evaluatedMetrics["Column.y.Mean"]
            case 18: ours["CustomSql.aggregate"] = result.evaluatedMetrics["Dataset.*.CustomSQL"]
            case 19: ours["CustomSql.rows"] = result.evaluatedMetrics["Dataset.*.CustomSQL"]
            default: ours.merge(result.evaluatedMetrics) { a, _ in a }
            }
        }

        let script = """
            import sys, json, duckdb
            con = duckdb.connect()
            con.execute(f"create view t as select * from read_parquet('{sys.argv[1]}')")
            queries = json.loads(sys.stdin.read())
            print(json.dumps({key: float(con.execute(sql).fetchone()[0]) for key, sql in queries}))
            """
        let queries = try JSONSerialization.data(withJSONObject: Self.referenceQueries.map { [$0.0, $0.1] })
        let output = try Interop.run(script, arguments: [path], input: [UInt8](queries))
        let reference = try #require(try JSONSerialization.jsonObject(with: Data(output)) as? [String: Double])
        for (key, _) in Self.referenceQueries {
            let expected = try #require(reference[key])
            let found = try #require(ours[key], "no metric \(key) in \(ours.keys.sorted())")
            let tolerance = 1e-9 * max(1, abs(expected))
            #expect(abs(found - expected) <= tolerance, "\(key): LakeDQ \(found) vs DuckDB \(expected)")
        }
    }
}
