import CloudFrontLogs
import Foundation
import LakeCodecs
import LakeColumnar
import LakeTestSupport
import Testing

/// Our typed parse of a generated corpus against DuckDB's `read_csv` of the same gzip files,
/// typed with the Athena DDL types, compared value by value.
@Suite("CloudFront parse vs DuckDB read_csv", .enabled(if: Interop.enabled))
struct DuckDBDifferentialTests {
    static let duckTypes: [(String, String)] = CloudFrontField.standard.map { field in
        let type: String
        switch field.dataType {
        case .date32: type = "DATE"
        case .int64: type = "BIGINT"
        case .int32: type = "INTEGER"
        case .float32: type = "FLOAT"
        default: type = "VARCHAR"
        }
        return (field.columnName, type)
    }

    @Test("every value of a generated corpus equals DuckDB's typed parse")
    func differential() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        var generator = LogGenerator(seed: 99)
        var paths: [String] = []
        for k in 0..<3 {
            let hour = Int64(CivilCalendar.days(year: 2024, month: 2, day: 28 + k)) * 86_400_000_000 + 23 * 3_600_000_000
            let path = directory.file(generator.objectName(hourStartMicros: hour))
            try Data(try Gzip.compress(generator.logFile(rows: 3000, hourStartMicros: hour))).write(to: URL(fileURLWithPath: path))
            paths.append(path)
        }
        let columns = Self.duckTypes.map { "'\($0.0)': '\($0.1)'" }.joined(separator: ", ")
        let script = """
            import sys, json, duckdb
            con = duckdb.connect()
            con.execute("SET threads=1")
            for path in sys.argv[1:]:
                rows = con.execute(f"SELECT * FROM read_csv('{path}', delim='\\t', header=false, skip=2, nullstr='-', "
                                   f"quote='', escape='', columns={{\(columns)}}, compression='gzip')").fetchall()
                for row in rows:
                    print(json.dumps([v.isoformat() if hasattr(v, 'isoformat') else v for v in row]))
            """
        let output = try Interop.runText(script, arguments: paths)
        let duckRows = output.split(separator: "\n").map { try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [Any] }

        var ours: [[Scalar?]] = []
        for path in paths {
            let reader = try CloudFrontLogReader(path: path)
            while let next = try reader.next() {
                #expect(next.rejects.isEmpty)
                for r in 0..<next.batch.rowCount {
                    ours.append((0..<CloudFrontField.standardCount).map { next.batch.columns[$0].scalar(at: r) })
                }
            }
        }
        #expect(ours.count == 9000)
        #expect(duckRows.count == ours.count)
        var mismatches = 0
        for (i, (mine, theirs)) in zip(ours, duckRows).enumerated() {
            for (c, field) in CloudFrontField.standard.enumerated() {
                if !Self.equal(mine[c], theirs[c], type: field.dataType) {
                    mismatches += 1
                    if mismatches <= 10 { Issue.record("row \(i) \(field.columnName): ours \(String(describing: mine[c])) vs DuckDB \(theirs[c])") }
                }
            }
        }
        #expect(mismatches == 0)
    }

    static func equal(_ ours: Scalar?, _ theirs: Any, type: DataType) -> Bool {
        if theirs is NSNull { return ours == nil }
        guard let ours else { return false }
        switch (ours, type) {
        case let (.int32(v), .date32): return CivilCalendar.isoDate(days: Int(v)) == theirs as? String
        case let (.int32(v), _): return (theirs as? NSNumber)?.int64Value == Int64(v)
        case let (.int64(v), _): return (theirs as? NSNumber)?.int64Value == v
        case let (.float32(v), _): return (theirs as? NSNumber).map { Float($0.doubleValue) == v } ?? false
        case let (.binary(bytes), _): return String(decoding: bytes, as: UTF8.self) == theirs as? String
        default: return false
        }
    }
}
