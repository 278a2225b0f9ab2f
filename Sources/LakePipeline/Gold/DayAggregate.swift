public import LakeColumnar

/// The gold figures of one day, accumulated from silver rows of that day.
///
/// Exact: counts and sums; `time_taken` percentiles by nearest rank over the day's values, held
/// as a count per distinct value (CloudFront writes milliseconds: a few thousand values a day,
/// where an array of every value took 4 bytes a request and a sorted copy as much again);
/// per dimension a count and byte sum per distinct key, counted by their bytes in a
/// ``ByteKeyTable`` each (no `String` per row or per key; a dictionary-encoded column is looked
/// up once per dictionary entry; only the top keys become strings). Unique visitors: the
/// distinct 64-bit hashes of `c_ip` (``FingerprintSet``, 8–16 bytes a visitor; exact unless two
/// of the day's addresses share a hash, expected < 10⁻⁷ times at 1.3 M visitors). Memory is one
/// day's state.
public struct DayAggregate: Sendable {
    /// The day, as days since 1970-01-01.
    public let day: Int32
    /// Requests (rows), bytes served, cache hits (`Hit`, `RefreshHit`), and rows per status class.
    public private(set) var requests = 0, bytes: Int64 = 0, hits = 0
    /// Rows per status class: index 0 for 2xx … 3 for 5xx.
    public private(set) var statusClasses = [0, 0, 0, 0]
    /// Rows per `time_taken` value (its bit pattern, -0 counted as 0).
    private var times: [UInt32: Int] = [:]
    private var visitors = FingerprintSet()
    private var dimensionKeys = [DimensionCounts](repeating: DimensionCounts(), count: DayAggregate.dimensions.count)

    /// Requests and bytes per distinct value of one dimension, by the value's entry number.
    struct DimensionCounts: Sendable {
        var keys = ByteKeyTable()
        var requests: [Int] = []
        var bytes: [Int64] = []

        mutating func add(_ key: UnsafeRawBufferPointer, bytes b: Int64) -> Int {
            let entry = keys.insert(key).entry
            add(entry: entry, bytes: b)
            return entry
        }

        mutating func add(entry: Int, bytes b: Int64) {
            if entry == requests.count {
                requests.append(0)
                bytes.append(0)
            }
            requests[entry] += 1
            bytes[entry] += b
        }
    }

    /// The top-list dimensions and the silver column each reads.
    public static let dimensions: [(name: String, column: String)] = [
        ("page", "cs_uri_stem"), ("referrer", "cs_referrer"), ("user_agent", "cs_user_agent"), ("edge_location", "x_edge_location"),
    ]

    /// Silver columns the aggregate reads.
    public static let columns = ["date", "sc_bytes", "sc_status", "x_edge_result_type", "time_taken", "c_ip"] + dimensions.map(\.column)

    /// The key a null dimension value counts under (CloudFront writes `-` for an empty field).
    public static let nullKey = "-"
    private static let nullKeyBytes = Array(nullKey.utf8)
    private static let hit = Array("Hit".utf8), refreshHit = Array("RefreshHit".utf8)

    /// An empty aggregate of `day`.
    public init(day: Int32) { self.day = day }

    /// Distinct `c_ip` values so far.
    public var uniqueVisitors: Int { visitors.count }

    /// Adds the rows of `batch` (with ``columns``) whose `date` is this day.
    public mutating func add(_ batch: RecordBatch) throws {
        guard case let .int32(date)? = batch.column(named: "date"),
              case let .int64(bytesColumn)? = batch.column(named: "sc_bytes"),
              case let .int32(status)? = batch.column(named: "sc_status"),
              case let .float32(timeTaken)? = batch.column(named: "time_taken") else {
            throw PipelineError("silver batch lacks date, sc_bytes, sc_status or time_taken of the expected types")
        }
        let result = KeyBytes(batch.column(named: "x_edge_result_type"))
        let ip = KeyBytes(batch.column(named: "c_ip"))
        let dimensionColumns = Self.dimensions.map { batch.column(named: $0.column) }
        // Per dictionary-encoded dimension column: its entry per dictionary index, found once.
        var dictionaryEntries = dimensionColumns.map { column -> [Int] in
            if case let .dictionary(c)? = column { return Array(repeating: -1, count: c.dictionary.count) }
            return []
        }
        for row in 0..<batch.rowCount where date[row] == day {
            requests += 1
            let b = bytesColumn[row] ?? 0
            bytes += b
            if result.withBytes(row, { $0.map { $0.elementsEqual(Self.hit) || $0.elementsEqual(Self.refreshHit) } ?? false }) { hits += 1 }
            if let s = status[row], s >= 200, s < 600 { statusClasses[Int(s / 100) - 2] += 1 }
            if let t = timeTaken[row] { times[(t == 0 ? 0 : t).bitPattern, default: 0] += 1 }
            ip.withBytes(row) { if let v = $0 { visitors.insert(v) } }
            for d in dimensionColumns.indices {
                switch dimensionColumns[d] {
                case let .dictionary(c)? where c.isValid(row):
                    let index = Int(c.indices.value(at: row))
                    if dictionaryEntries[d][index] >= 0 {
                        dimensionKeys[d].add(entry: dictionaryEntries[d][index], bytes: b)
                    } else {
                        dictionaryEntries[d][index] = c.dictionary.withValueBytes(at: index) { dimensionKeys[d].add($0, bytes: b) }
                    }
                case let .binary(c)? where c.isValid(row):
                    _ = c.withValueBytes(at: row) { dimensionKeys[d].add($0, bytes: b) }
                default:
                    _ = Self.nullKeyBytes.withUnsafeBytes { dimensionKeys[d].add($0, bytes: b) }
                }
            }
        }
    }

    /// The nearest-rank `p`-quantile of the day's `time_taken`: the smallest value with at
    /// least `p` of the values at or below it (`sorted[ceil(p·n) − 1]`).
    static func nearestRank(_ sorted: [Float], _ p: Double) -> Double? {
        guard !sorted.isEmpty else { return nil }
        let rank = Int((p * Double(sorted.count)).rounded(.up))
        return Double(sorted[min(max(rank, 1), sorted.count) - 1])
    }

    /// ``nearestRank(_:_:)`` over values given as ascending (value, count) pairs of `total` values.
    static func nearestRank(_ counted: [(value: Float, count: Int)], total: Int, _ p: Double) -> Double? {
        guard total > 0 else { return nil }
        let rank = min(max(Int((p * Double(total)).rounded(.up)), 1), total)
        var seen = 0
        for (value, count) in counted {
            seen += count
            if seen >= rank { return Double(value) }
        }
        return nil
    }

    /// The day's `gold.daily` values, in ``MedallionTables/goldDailySchema`` order.
    public func dailyRow() -> DailyRow {
        let counted = times.map { (value: Float(bitPattern: $0.key), count: $0.value) }.sorted { $0.value < $1.value }
        let total = counted.reduce(0) { $0 + $1.count }
        let errors = statusClasses[2] + statusClasses[3]
        return DailyRow(day: day, requests: Int64(requests), bytes: bytes, hits: Int64(hits),
                        cacheHitRatio: requests > 0 ? Double(hits) / Double(requests) : 0,
                        status: statusClasses.map(Int64.init),
                        errorRate: requests > 0 ? Double(errors) / Double(requests) : 0,
                        p50: Self.nearestRank(counted, total: total, 0.50), p95: Self.nearestRank(counted, total: total, 0.95),
                        p99: Self.nearestRank(counted, total: total, 0.99),
                        uniqueVisitors: Int64(visitors.count))
    }

    /// The day's `gold.daily_top` rows: per dimension the `n` keys with the most requests, ties
    /// broken by key (UTF-8 byte order).
    public func topRows(_ n: Int) -> [TopRow] {
        var rows: [TopRow] = []
        for (d, dimension) in Self.dimensions.enumerated() {
            let counts = dimensionKeys[d]
            let ranked = (0..<counts.requests.count).sorted { a, b in
                counts.requests[a] != counts.requests[b] ? counts.requests[a] > counts.requests[b]
                    : counts.keys.key(a).lexicographicallyPrecedes(counts.keys.key(b))
            }
            for (i, entry) in ranked.prefix(n).enumerated() {
                rows.append(TopRow(day: day, dimension: dimension.name, key: String(decoding: counts.keys.key(entry), as: UTF8.self),
                                   requests: Int64(counts.requests[entry]), bytes: counts.bytes[entry], rank: Int32(i + 1)))
            }
        }
        return rows
    }
}

/// One `gold.daily` row.
public struct DailyRow: Sendable, Hashable {
    /// Days since 1970-01-01.
    public var day: Int32
    /// Requests, bytes and cache hits.
    public var requests: Int64, bytes: Int64, hits: Int64
    /// Hits over requests.
    public var cacheHitRatio: Double
    /// Requests with status 2xx, 3xx, 4xx, 5xx.
    public var status: [Int64]
    /// (4xx + 5xx) over requests.
    public var errorRate: Double
    /// Nearest-rank percentiles of `time_taken` (seconds).
    public var p50: Double?, p95: Double?, p99: Double?
    /// Distinct `c_ip` values (exact).
    public var uniqueVisitors: Int64
}

/// One `gold.daily_top` row.
public struct TopRow: Sendable, Hashable {
    /// Days since 1970-01-01.
    public var day: Int32
    /// `page`, `referrer`, `user_agent` or `edge_location`.
    public var dimension: String
    /// The value.
    public var key: String
    /// Its requests and bytes that day.
    public var requests: Int64, bytes: Int64
    /// 1 for the most requested.
    public var rank: Int32
}

extension DailyRow {
    /// `rows` as a batch of ``MedallionTables/goldDailySchema``.
    static func batch(_ rows: [DailyRow]) throws -> RecordBatch {
        func longs(_ f: (DailyRow) -> Int64) -> Column { .int64(PrimitiveColumn<Int64>(values: rows.map(f))) }
        func doubles(_ f: (DailyRow) -> Double?) -> Column { .float64(PrimitiveColumn<Double>(rows.map(f))) }
        return try RecordBatch(schema: MedallionTables.goldDailySchema, columns: [
            .int32(PrimitiveColumn<Int32>(values: rows.map(\.day))),
            longs { $0.requests }, longs { $0.bytes }, longs { $0.hits }, doubles { $0.cacheHitRatio },
            longs { $0.status[0] }, longs { $0.status[1] }, longs { $0.status[2] }, longs { $0.status[3] },
            doubles { $0.errorRate }, doubles { $0.p50 }, doubles { $0.p95 }, doubles { $0.p99 }, longs { $0.uniqueVisitors },
        ])
    }
}

extension TopRow {
    /// `rows` as a batch of ``MedallionTables/goldDailyTopSchema``.
    static func batch(_ rows: [TopRow]) throws -> RecordBatch {
        try RecordBatch(schema: MedallionTables.goldDailyTopSchema, columns: [
            .int32(PrimitiveColumn<Int32>(values: rows.map(\.day))),
            .binary(BinaryColumn(rows.map(\.dimension))), .binary(BinaryColumn(rows.map(\.key))),
            .int64(PrimitiveColumn<Int64>(values: rows.map(\.requests))), .int64(PrimitiveColumn<Int64>(values: rows.map(\.bytes))),
            .int32(PrimitiveColumn<Int32>(values: rows.map(\.rank))),
        ])
    }
}
