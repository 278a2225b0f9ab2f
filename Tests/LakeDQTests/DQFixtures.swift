import Foundation
import LakeColumnar
import LakeDQ

/// Small hand-built datasets whose metrics the tests work out independently.
enum DQFixtures {
    /// 2024-06-01T12:00:00Z in microseconds.
    static let now: Int64 = 1_717_243_200_000_000
    static let hour: Int64 = 3_600_000_000

    static let ids: [Int64?] = [1, 2, 3, 4, 5, 6, 7, 8]
    static let methods: [String?] = ["GET", "GET", "POST", "GET", nil, "HEAD", "GET", "PUT"]
    static let statuses: [Int32?] = [200, 200, 404, 200, 500, 304, 200, nil]
    static let times: [Double?] = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8]
    static let edges: [String] = ["FRA", "IAD", "FRA", "FRA", "NRT", "IAD", "FRA", "FRA"]
    static let statusText: [String?] = ["200", "200", "abc", "200", "500", "3.5", nil, "200"]

    static func field(_ name: String, _ id: Int32, _ type: DataType) -> Field {
        Field(name: name, id: id, type: type)
    }

    /// Rows: id, method, status, time_taken, log_ts (k hours before `now`), edge (dictionary), status_text.
    static func primary(rows: Range<Int> = 0..<8, name: String = "primary") throws -> DQDataset {
        let schema = try Schema(fields: [
            field("id", 1, .int64), field("method", 2, .string), field("status", 3, .int32),
            field("time_taken", 4, .float64), field("log_ts", 5, .timestampMicroseconds(utc: true)),
            field("edge", 6, .dictionaryString), field("status_text", 7, .string),
        ])
        let dictionary = BinaryColumn(["FRA", "IAD", "NRT"])
        let indices = rows.map { Int32(["FRA", "IAD", "NRT"].firstIndex(of: edges[$0]) ?? 0) }
        let columns: [Column] = [
            .int64(PrimitiveColumn(rows.map { ids[$0] })),
            .binary(BinaryColumn(rows.map { methods[$0] })),
            .int32(PrimitiveColumn(rows.map { statuses[$0] })),
            .float64(PrimitiveColumn(rows.map { times[$0] })),
            .int64(PrimitiveColumn(rows.map { Optional(now - Int64($0) * hour) })),
            .dictionary(try DictionaryColumn(indices: PrimitiveColumn(values: indices), dictionary: dictionary)),
            .binary(BinaryColumn(rows.map { statusText[$0] })),
        ]
        return DQDataset(name: name, schema: schema, batches: [try RecordBatch(schema: schema, columns: columns)])
    }

    /// A reference dataset keyed by `rid`, holding ids 1…6 with the same methods, plus `bytes`.
    static func reference() throws -> DQDataset {
        let schema = try Schema(fields: [field("rid", 1, .int64), field("method", 2, .string), field("bytes", 3, .int64)])
        let rows = 0..<6
        let columns: [Column] = [
            .int64(PrimitiveColumn(rows.map { ids[$0] })),
            .binary(BinaryColumn(rows.map { methods[$0] })),
            .int64(PrimitiveColumn(rows.map { Optional(Int64($0 + 1) * 100) })),
        ]
        return DQDataset(name: "ref", schema: schema, batches: [try RecordBatch(schema: schema, columns: columns)])
    }
}
