import Foundation
import IcebergKit
import LakeColumnar

/// What the dashboard shows, read from the gold tables: a ``DailyRow`` per day and the top
/// lists per day and dimension. Gold holds a row per day (and 80 top rows per day), so this is
/// small whatever silver's size.
public struct DashboardData: Sendable {
    /// Days, ascending.
    public var days: [DailyRow] = []
    /// Top rows by day, then dimension, in rank order.
    public var top: [Int32: [String: [TopRow]]] = [:]

    /// An empty dashboard.
    public init() {}

    /// The gold tables of `warehouse` as they are now.
    public static func load(_ warehouse: MedallionWarehouse) async throws -> DashboardData {
        var data = DashboardData()
        let daily = try await warehouse.goldDaily()
        if daily.currentSnapshot != nil {
            for try await batch in daily.scan().batches() {
                guard case let .int32(date)? = batch.column(named: "date") else { throw PipelineError("gold.daily has no date column") }
                func long(_ name: String, _ row: Int) -> Int64 {
                    if case let .int64(c)? = batch.column(named: name) { return c[row] ?? 0 }
                    return 0
                }
                func double(_ name: String, _ row: Int) -> Double? {
                    if case let .float64(c)? = batch.column(named: name) { return c[row] }
                    return nil
                }
                for row in 0..<batch.rowCount {
                    guard let day = date[row] else { continue }
                    data.days.append(DailyRow(day: day, requests: long("requests", row), bytes: long("bytes", row), hits: long("hits", row),
                                              cacheHitRatio: double("cache_hit_ratio", row) ?? 0,
                                              status: ["status_2xx", "status_3xx", "status_4xx", "status_5xx"].map { long($0, row) },
                                              errorRate: double("error_rate", row) ?? 0, p50: double("time_taken_p50", row),
                                              p95: double("time_taken_p95", row), p99: double("time_taken_p99", row),
                                              uniqueVisitors: long("unique_visitors", row)))
                }
            }
        }
        data.days.sort { $0.day < $1.day }
        let top = try await warehouse.goldDailyTop()
        if top.currentSnapshot != nil {
            for try await batch in top.scan().batches() {
                guard case let .int32(date)? = batch.column(named: "date"), case let .int64(requests)? = batch.column(named: "requests"),
                      case let .int64(bytes)? = batch.column(named: "bytes"), case let .int32(rank)? = batch.column(named: "rank") else {
                    throw PipelineError("gold.daily_top lacks date, requests, bytes or rank")
                }
                let dimension = StringAccess(batch.column(named: "dimension")), key = StringAccess(batch.column(named: "key"))
                for row in 0..<batch.rowCount {
                    guard let day = date[row], let d = dimension.string(at: row) else { continue }
                    data.top[day, default: [:]][d, default: []].append(
                        TopRow(day: day, dimension: d, key: key.string(at: row) ?? "", requests: requests[row] ?? 0,
                               bytes: bytes[row] ?? 0, rank: rank[row] ?? 0))
                }
            }
        }
        for (day, dimensions) in data.top {
            for (d, rows) in dimensions { data.top[day]?[d] = rows.sorted { $0.rank < $1.rank } }
        }
        return data
    }

    /// `daily.json`: an array of days, ascending, each with its figures and top lists.
    public func json() throws -> String {
        let entries: [[String: Any]] = days.map { d in
            var entry: [String: Any] = [
                "date": CivilCalendar.isoDate(days: Int(d.day)), "requests": d.requests, "bytes": d.bytes, "hits": d.hits,
                "cache_hit_ratio": d.cacheHitRatio, "error_rate": d.errorRate, "unique_visitors": d.uniqueVisitors,
                "status": ["2xx": d.status[0], "3xx": d.status[1], "4xx": d.status[2], "5xx": d.status[3]],
            ]
            var times: [String: Any] = [:]
            if let p = d.p50 { times["p50"] = p }
            if let p = d.p95 { times["p95"] = p }
            if let p = d.p99 { times["p99"] = p }
            entry["time_taken"] = times
            var lists: [String: Any] = [:]
            for (dimension, rows) in top[d.day] ?? [:] {
                lists[dimension] = rows.map { ["key": $0.key, "requests": $0.requests, "bytes": $0.bytes] as [String: Any] }
            }
            entry["top"] = lists
            return entry
        }
        let data = try JSONSerialization.data(withJSONObject: entries, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }
}
