public import IcebergKit
public import LakeColumnar
import CloudFrontLogs

/// The tables of the medallion and their definitions: `silver.cloudfront` (typed log rows with
/// lineage, day-partitioned, sorted by time), `gold.daily` (one row of traffic figures per day)
/// and `gold.daily_top` (the top keys per day and dimension).
public enum MedallionTables {
    /// `silver.cloudfront`.
    public static let silver = TableIdentifier(namespace: "silver", name: "cloudfront")
    /// `gold.daily`.
    public static let goldDaily = TableIdentifier(namespace: "gold", name: "daily")
    /// `gold.daily_top`.
    public static let goldDailyTop = TableIdentifier(namespace: "gold", name: "daily_top")

    /// Silver's columns: the 33 standard CloudFront fields, then `timestamp` and the lineage
    /// columns `distribution_id`, `source_object`, `source_line` (see `CloudFrontSchema`).
    public static var silverSchema: IcebergSchema { IcebergSchema(columnar: CloudFrontParserOptions().schema.schema) }

    /// Silver is partitioned by `day(date)` (field 1, the log's date column).
    public static let silverSpec = PartitionSpec(fields: [PartitionField(sourceID: 1, fieldID: 1000, name: "date_day", transform: .day)])

    /// Silver's files are sorted by `timestamp` (field 100), within the writer's bounded runs.
    public static let silverSortOrder = SortOrder(orderID: 1, fields: [SortOrder.SortField(sourceID: 100)])

    /// The column silver is de-duplicated by.
    public static let deduplicationKey = "x_edge_request_id"

    /// `gold.daily`: one row per day. Ratios are of `requests`; `time_taken_p*` are exact
    /// nearest-rank percentiles of the day's `time_taken` in seconds; `unique_visitors` is the
    /// exact count of distinct `c_ip` values (error bound 0).
    public static let goldDailySchema: Schema = {
        let fields: [Field] = [
            Field(name: "date", id: 1, type: .date32, isNullable: false),
            Field(name: "requests", id: 2, type: .int64, isNullable: false),
            Field(name: "bytes", id: 3, type: .int64, isNullable: false),
            Field(name: "hits", id: 4, type: .int64, isNullable: false),
            Field(name: "cache_hit_ratio", id: 5, type: .float64, isNullable: false),
            Field(name: "status_2xx", id: 6, type: .int64, isNullable: false),
            Field(name: "status_3xx", id: 7, type: .int64, isNullable: false),
            Field(name: "status_4xx", id: 8, type: .int64, isNullable: false),
            Field(name: "status_5xx", id: 9, type: .int64, isNullable: false),
            Field(name: "error_rate", id: 10, type: .float64, isNullable: false),
            Field(name: "time_taken_p50", id: 11, type: .float64),
            Field(name: "time_taken_p95", id: 12, type: .float64),
            Field(name: "time_taken_p99", id: 13, type: .float64),
            Field(name: "unique_visitors", id: 14, type: .int64, isNullable: false),
        ]
        // Names and ids above are distinct by construction.
        return try! Schema(fields: fields)
    }()

    /// `gold.daily_top`: per day and dimension (`page`, `referrer`, `user_agent`,
    /// `edge_location`), the keys with the most requests (ties broken by key), with their bytes.
    public static let goldDailyTopSchema: Schema = {
        let fields: [Field] = [
            Field(name: "date", id: 1, type: .date32, isNullable: false),
            Field(name: "dimension", id: 2, type: .string, isNullable: false),
            Field(name: "key", id: 3, type: .string, isNullable: false),
            Field(name: "requests", id: 4, type: .int64, isNullable: false),
            Field(name: "bytes", id: 5, type: .int64, isNullable: false),
            Field(name: "rank", id: 6, type: .int32, isNullable: false),
        ]
        return try! Schema(fields: fields)
    }()

    /// Gold tables are partitioned by `day(date)`, so a day is replaced as a whole.
    public static let goldSpec = PartitionSpec(fields: [PartitionField(sourceID: 1, fieldID: 1000, name: "date_day", transform: .day)])

    /// The snapshot-summary key under which gold records the silver snapshot it is computed up to.
    public static let silverSnapshotSummaryKey = "lakehouse.gold.silver-snapshot-id"
}
