import Foundation
import IcebergKit
import LakeColumnar
import LakeDQ
import LakePipeline
import LakeTestSupport
import Testing

/// Alerts kept for the test to read.
actor RecordingAlerts: AlertSink {
    private(set) var alerts: [PipelineAlert] = []
    func send(_ alert: PipelineAlert) async throws { alerts.append(alert) }
}

/// A medallion on a temporary local warehouse with generated bronze objects.
struct MedallionFixture {
    let directory: TemporaryDirectory
    let warehouse: MedallionWarehouse
    let bronze: String
    let alerts = RecordingAlerts()
    /// 2024-03-07 (19789) and 2024-03-08.
    static let day1: Int32 = 19_789
    static let day2: Int32 = 19_790
    static let hourMicros: Int64 = 3_600_000_000
    static let passingSilver = "Rules = [ RowCount > 0, IsComplete \"x_edge_request_id\", IsUnique \"x_edge_request_id\" ]"
    static let passingGold = "Rules = [ RowCount > 0, IsUnique \"date\" ]"
    static let failingSilver = "Rules = [ RowCount > 0, RowCount > 1000000000 ]"

    init() throws {
        directory = try TemporaryDirectory()
        warehouse = try MedallionWarehouse.local(directory.file("warehouse"))
        bronze = directory.file("bronze")
    }

    /// Writes `objects` hourly objects of `rows` lines from `hour` (hours since day1 00:00).
    @discardableResult
    func generate(seed: UInt64, objects: Int, rows: Int = 2_000, hour: Int64) throws -> [String] {
        var generator = BronzeGenerator(seed: seed)
        return try generator.write(directory: bronze, objects: objects, rows: rows,
                                   firstHourMicros: Int64(Self.day1) * 86_400_000_000 + hour * Self.hourMicros)
    }

    func medallion(silver: String = passingSilver) throws -> Medallion {
        Medallion(warehouse: warehouse, silverRuleset: try DQDLRuleset.parse(silver), goldRuleset: try DQDLRuleset.parse(Self.passingGold),
                  alerts: alerts)
    }

    func run(silver: String = passingSilver) async throws -> Medallion.Report {
        try await medallion(silver: silver).run(try BronzeObject.list(directory: bronze))
    }

    /// Rows silver's main holds, counted by reading them.
    func silverRows() async throws -> Int {
        let silver = try await warehouse.silver()
        guard silver.currentSnapshot != nil else { return 0 }
        var rows = 0
        for try await batch in silver.scan(columns: ["x_edge_request_id"]).batches() { rows += batch.rowCount }
        return rows
    }
}

@Suite("Medallion pipeline")
struct MedallionTests {
    @Test("gold (and the dashboard) equal DuckDB over silver read by pyiceberg: counts and sums exact, nearest-rank percentiles, exact visitors, top 20",
          .enabled(if: Interop.enabled))
    func goldMatchesDuckDB() async throws {
        let fixture = try MedallionFixture()
        defer { fixture.directory.cleanup() }
        // 22:00, 23:00 on day 1 and 00:00 on day 2.
        try fixture.generate(seed: 11, objects: 3, rows: 3_000, hour: 22)
        let report = try await fixture.run()
        #expect(report.audit.published)
        #expect(report.gold.recomputedDays == [MedallionFixture.day1, MedallionFixture.day2])
        let out = try Interop.runText(Self.goldCheck, arguments: [fixture.warehouse.directory])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any])
        #expect((json["mismatches"] as? [String]) == [], "\(json["mismatches"] ?? "")")
        #expect((json["days"] as? Int) == 2)
        #expect((json["silver_rows"] as? Int) == 9_000)
        #expect((json["top_rows"] as? Int ?? 0) > 40)
    }

    /// DuckDB's aggregates over pyiceberg's read of silver, compared with pyiceberg's read of gold.
    static let goldCheck = """
        import sys, json, math, duckdb
        from pyiceberg.catalog.sql import SqlCatalog
        wh = sys.argv[1]
        cat = SqlCatalog("default", uri=f"sqlite:///{wh}/catalog.db", warehouse=f"file://{wh}")
        cols = ("date", "sc_bytes", "sc_status", "x_edge_result_type", "time_taken", "c_ip", "cs_uri_stem", "cs_referrer",
                "cs_user_agent", "x_edge_location")
        silver = cat.load_table("silver.cloudfront").scan(selected_fields=cols).to_arrow()
        daily = {r["date"].isoformat(): r for r in cat.load_table("gold.daily").scan().to_arrow().to_pylist()}
        top = {(r["date"].isoformat(), r["dimension"], r["rank"]): r for r in cat.load_table("gold.daily_top").scan().to_arrow().to_pylist()}
        con = duckdb.connect()
        con.register("silver", silver)
        mismatches = []
        rows = con.execute('''
            SELECT date, count(*), coalesce(sum(sc_bytes), 0),
                   count(*) FILTER (WHERE x_edge_result_type IN ('Hit', 'RefreshHit')),
                   count(*) FILTER (WHERE sc_status BETWEEN 200 AND 299), count(*) FILTER (WHERE sc_status BETWEEN 300 AND 399),
                   count(*) FILTER (WHERE sc_status BETWEEN 400 AND 499), count(*) FILTER (WHERE sc_status BETWEEN 500 AND 599),
                   count(DISTINCT c_ip), list(time_taken ORDER BY time_taken) FILTER (WHERE time_taken IS NOT NULL)
            FROM silver GROUP BY date ORDER BY date''').fetchall()
        for (d, n, b, hits, s2, s3, s4, s5, visitors, times) in rows:
            key = d.isoformat()
            g = daily.get(key)
            if g is None:
                mismatches.append(f"{key}: no gold.daily row"); continue
            want = {"requests": n, "bytes": b, "hits": hits, "status_2xx": s2, "status_3xx": s3, "status_4xx": s4, "status_5xx": s5,
                    "unique_visitors": visitors}
            for k, v in want.items():
                if g[k] != v: mismatches.append(f"{key} {k}: gold {g[k]}, duckdb {v}")
            if abs(g["cache_hit_ratio"] - hits / n) > 1e-12: mismatches.append(f"{key} cache_hit_ratio {g['cache_hit_ratio']}")
            if abs(g["error_rate"] - (s4 + s5) / n) > 1e-12: mismatches.append(f"{key} error_rate {g['error_rate']}")
            for p, name in ((0.5, "time_taken_p50"), (0.95, "time_taken_p95"), (0.99, "time_taken_p99")):
                nearest = times[max(1, math.ceil(p * len(times))) - 1]
                if g[name] != nearest: mismatches.append(f"{key} {name}: gold {g[name]}, nearest rank {nearest}")
        if len(daily) != len(rows): mismatches.append(f"gold.daily has {len(daily)} days, silver {len(rows)}")
        # The dashboard holds the same numbers: daily.json, and the bars of the page's charts.
        dash = {d["date"]: d for d in json.load(open(f"{wh}/dashboard/daily.json"))}
        page = open(f"{wh}/dashboard/index.html").read()
        for (d, n, b, hits, s2, s3, s4, s5, visitors, times) in rows:
            e = dash.get(d.isoformat(), {})
            if (e.get("requests"), e.get("bytes"), e.get("unique_visitors"), e.get("status")) != (n, b, visitors, {"2xx": s2, "3xx": s3, "4xx": s4, "5xx": s5}):
                mismatches.append(f"{d} daily.json: {e}")
            for v in (n, b):
                if f'data-label="{d.isoformat()}" data-value="{float(v)}"' not in page: mismatches.append(f"{d} index.html has no bar of {v}")
        if "http://" in page or "https://" in page or "<script" in page: mismatches.append("index.html is not self-contained")
        expected = con.execute('''
            WITH keyed AS (
                SELECT date, 'page' AS dimension, coalesce(cs_uri_stem, '-') AS key, sc_bytes FROM silver
                UNION ALL SELECT date, 'referrer', coalesce(cs_referrer, '-'), sc_bytes FROM silver
                UNION ALL SELECT date, 'user_agent', coalesce(cs_user_agent, '-'), sc_bytes FROM silver
                UNION ALL SELECT date, 'edge_location', coalesce(x_edge_location, '-'), sc_bytes FROM silver),
            counted AS (SELECT date, dimension, key, count(*) AS requests, coalesce(sum(sc_bytes), 0) AS bytes FROM keyed GROUP BY ALL)
            SELECT date, dimension, key, requests, bytes,
                   row_number() OVER (PARTITION BY date, dimension ORDER BY requests DESC, key COLLATE "binary" ASC) AS rank
            FROM counted QUALIFY rank <= 20''').fetchall()
        for (d, dim, k, n, b, rank) in expected:
            g = top.get((d.isoformat(), dim, rank))
            if g is None or (g["key"], g["requests"], g["bytes"]) != (k, n, b):
                mismatches.append(f"{d} {dim} #{rank}: gold {None if g is None else (g['key'], g['requests'], g['bytes'])}, duckdb {(k, n, b)}")
        if len(top) != len(expected): mismatches.append(f"gold.daily_top has {len(top)} rows, duckdb {len(expected)}")
        print(json.dumps({"mismatches": mismatches, "days": len(rows), "silver_rows": silver.num_rows, "top_rows": len(top)}))
        """

    @Test("re-running with nothing new changes no table; a new hourly object rewrites only its day in gold")
    func incrementalGold() async throws {
        let fixture = try MedallionFixture()
        defer { fixture.directory.cleanup() }
        try fixture.generate(seed: 12, objects: 3, hour: 22)
        let first = try await fixture.run()
        #expect(first.ingest.appendedRows == 6_000 && first.audit.published)
        func state() async throws -> [String] {
            [try await fixture.warehouse.silver(), try await fixture.warehouse.goldDaily(), try await fixture.warehouse.goldDailyTop()]
                .map { "\($0.metadataLocation) \($0.metadata.currentSnapshotID ?? 0) \($0.metadata.snapshots.count)" }
        }
        let before = try await state()
        let again = try await fixture.run()
        #expect(again.ingest.ingested.isEmpty && again.gold.recomputedDays.isEmpty && !again.audit.published)
        #expect(try await state() == before, "a run with nothing new changed a table")

        // One more hour on day 2: gold's day-1 files stay, day 2 is replaced.
        let daily = try await fixture.warehouse.goldDaily()
        let day1Files = try await daily.scan(filter: .equal("date", .int32(MedallionFixture.day1))).planFiles().map(\.file.filePath)
        try fixture.generate(seed: 13, objects: 1, hour: 25)
        let third = try await fixture.run()
        #expect(third.ingest.appendedRows == 2_000)
        #expect(third.gold.recomputedDays == [MedallionFixture.day2])
        let after = try await fixture.warehouse.goldDaily()
        let dailySnapshot = try #require(third.gold.dailySnapshotID)
        let summary = try #require(after.metadata.snapshot(id: dailySnapshot)?.summary)
        #expect(summary["replace-partitions"] == "true")
        #expect(summary["changed-partition-count"] == "1")
        #expect(summary["deleted-data-files"] == "1" && summary["added-data-files"] == "1")
        #expect(summary[MedallionTables.silverSnapshotSummaryKey] == third.gold.silverSnapshotID.map(String.init))
        let day1After = try await after.scan(filter: .equal("date", .int32(MedallionFixture.day1))).planFiles().map(\.file.filePath)
        #expect(Set(day1After).isSuperset(of: day1Files) && !day1Files.isEmpty)
        // Day 2 now counts its two hours: 2,000 + 2,000 requests.
        var requests: [Int32: Int64] = [:]
        for try await batch in after.scan().batches() {
            guard case let .int32(d)? = batch.column(named: "date"), case let .int64(r)? = batch.column(named: "requests") else { continue }
            for row in 0..<batch.rowCount { requests[d[row] ?? 0] = r[row] }
        }
        #expect(requests == [MedallionFixture.day1: 4_000, MedallionFixture.day2: 4_000])
    }

    @Test("the same lines under a second object key add no silver row; the key is recorded as ingested")
    func duplicatesUnderAnotherKey() async throws {
        let fixture = try MedallionFixture()
        defer { fixture.directory.cleanup() }
        let paths = try fixture.generate(seed: 14, objects: 2, hour: 10)
        _ = try await fixture.run()
        #expect(try await fixture.silverRows() == 4_000)
        // Object 1 delivered again under another key.
        let original = try #require(BronzeObject(path: paths[0], key: (paths[0] as NSString).lastPathComponent))
        let copyKey = "\(original.name.distributionID).2024-03-07-10.redelivered.gz"
        try FileManager.default.copyItem(atPath: paths[0], toPath: fixture.bronze + "/" + copyKey)
        let report = try await fixture.run()
        let outcome = try #require(report.ingest.objects.first { $0.key == copyKey })
        #expect(!outcome.skipped && outcome.appendedRows == 0 && outcome.duplicateRows == 2_000)
        #expect(report.audit.published)
        #expect(try await fixture.silverRows() == 4_000)
        #expect(try await fixture.warehouse.silver().hasCommitted(source: copyKey, onBranch: "main"))
    }

    @Test("a ruleset failure on the staged branch leaves main unchanged, calls the alert hook, and the objects are staged again later")
    func auditFailure() async throws {
        let fixture = try MedallionFixture()
        defer { fixture.directory.cleanup() }
        try fixture.generate(seed: 15, objects: 1, hour: 8)
        _ = try await fixture.run()
        let mainBefore = try await fixture.warehouse.silver().metadata.currentSnapshotID
        #expect(mainBefore != nil)
        let paths = try fixture.generate(seed: 16, objects: 1, hour: 9)
        let key = (paths[0] as NSString).lastPathComponent
        let failed = try await fixture.run(silver: MedallionFixture.failingSilver)
        #expect(!failed.audit.published && failed.audit.failure != nil)
        let silver = try await fixture.warehouse.silver()
        #expect(silver.metadata.currentSnapshotID == mainBefore)
        #expect(silver.metadata.refs["audit"] == nil)
        #expect(!silver.metadata.hasCommitted(source: key, onBranch: "main"))
        #expect(try await fixture.silverRows() == 2_000)
        let alerts = await fixture.alerts.alerts
        #expect(alerts.count == 1 && alerts.first?.table == "silver.cloudfront")
        // Results kept as JSON lines: the failed run is the last silver line, not published.
        let lines = try String(contentsOfFile: fixture.warehouse.qualityDirectory + "/results.jsonl", encoding: .utf8)
            .split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        let lastSilver = try #require(lines.last { $0["table"] as? String == "silver.cloudfront" })
        #expect(lastSilver["published"] as? Bool == false)
        #expect(((lastSilver["result"] as? [String: Any])?["Summary"] as? [String: Any])?["Failed"] as? Int == 1)
        // With a passing ruleset the object is staged again and published.
        let retried = try await fixture.run()
        #expect(retried.audit.published && retried.ingest.appendedRows == 2_000)
        #expect(try await fixture.silverRows() == 4_000)
    }
}
