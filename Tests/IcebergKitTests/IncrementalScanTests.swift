import Foundation
import IcebergKit
import LakeColumnar
import LakeTestSupport
import Testing

/// For each [from, to] range: the ids of the rows in the data files ADDED by the `append`
/// snapshots along the parent chain of `to` back to (not including) `from`, found from pyiceberg's
/// snapshots and `inspect.entries` and read with pyarrow (`null` when `from` is not on the chain).
/// With a `min_id`, only files whose largest id reaches it (what pruning on `id >= min_id` keeps).
/// `diffs`: for each [a, b] pair, the ids DuckDB reads at b minus those it reads at a.
private let oracleScript = pythonDuckDBIceberg + """
    import sys, json, collections
    import pyarrow.parquet as pq
    from pyiceberg.table import StaticTable
    path, ranges, diffs = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3])
    min_id = int(sys.argv[4]) if len(sys.argv) > 4 else None
    t = StaticTable.from_metadata(path)
    def chain(frm, to):
        out, sid = [], to
        while sid is not None and sid != frm:
            s = t.snapshot_by_id(sid)
            if s is None:
                break
            out.append(s)
            sid = s.parent_snapshot_id
        return out if sid == frm else None
    result = []
    for frm, to in ranges:
        snaps = chain(frm, to)
        if snaps is None:
            result.append(None)
            continue
        ids = []
        for s in snaps:
            if s.summary.operation.value != "append":
                continue
            for e in t.inspect.entries(snapshot_id=s.snapshot_id).to_pylist():
                if e["status"] == 1 and e["snapshot_id"] == s.snapshot_id and e["data_file"]["content"] == 0:
                    file_ids = pq.read_table(e["data_file"]["file_path"].replace("file://", ""), columns=["id"]).column("id").to_pylist()
                    if min_id is None or max(file_ids) >= min_id:
                        ids += file_ids
        result.append(sorted(ids))
    def duck(sid):
        return collections.Counter(r[0] for r in con.execute(f"SELECT id FROM iceberg_scan('{path}', snapshot_from_id={sid})").fetchall())
    diffed = [sorted((duck(b) - duck(a)).elements()) for a, b in diffs]
    print(json.dumps({"ranges": result, "diffs": diffed}))
    """

@Suite("Incremental append scans")
struct IncrementalScanTests {
    /// main: s1 append 0..<10, s2 append 10..<20, s3 delete (positions 0, 1 of s1's file),
    /// s4 overwrite (adds 20..<25, equality-deletes id 12), s5 append 30..<40, s7 append 40..<42;
    /// branch `side` from s2: s6 append 500..<505. Returns the table and [s1 … s7].
    func history(_ directory: TemporaryDirectory) async throws -> (Table, [Int64]) {
        var (_, table) = try await unpartitionedEvents(directory)
        var ids: [Int64] = []
        table = try await appendEvents(table, 0..<10)
        ids.append(try #require(table.metadata.currentSnapshotID))
        table = try await appendEvents(table, 10..<20)
        ids.append(try #require(table.metadata.currentSnapshotID))
        let first = try #require(try await table.scan(snapshotID: ids[0]).planFiles().first?.file)
        let positions = try await DeleteFileWriter(table: table).writePositionDeletes([first.filePath: [0, 1]])
        table = try await table.newRowDelta().addDeletes(positions).commit()
        ids.append(try #require(table.metadata.currentSnapshotID))
        let keys = try RecordBatch(schema: Schema(fields: [Field(name: "id", id: 1, type: .int64)]),
                                   columns: [.int64(PrimitiveColumn<Int64>(values: [12]))])
        let equality = try await DeleteFileWriter(table: table).writeEqualityDeletes(keys)
        let written = try await writeFiles(table, try eventBatch(20..<25))
        let overwrite = table.newRowDelta().addDeletes(equality)
        for f in written { overwrite.addRows(f) }
        table = try await overwrite.commit()
        ids.append(try #require(table.metadata.currentSnapshotID))
        table = try await appendEvents(table, 30..<40)
        ids.append(try #require(table.metadata.currentSnapshotID))
        table = try await table.manageSnapshots().createBranch("side", snapshotID: ids[1]).commit()
        table = try await appendEvents(table, 500..<505, branch: "side")
        ids.append(try #require(table.metadata.refs["side"]?.snapshotID))
        table = try await appendEvents(table, 40..<42)
        ids.append(try #require(table.metadata.currentSnapshotID))
        #expect(ids.map { table.metadata.snapshot(id: $0)?.operation } == ["append", "append", "delete", "overwrite", "append", "append", "append"])
        return (table, ids)
    }

    func oracle(_ table: Table, ranges: [(Int64?, Int64)], diffs: [(Int64, Int64)], minID: Int? = nil) throws -> (ranges: [[Int]?], diffs: [[Int]]) {
        let rangeJSON = "[" + ranges.map { "[\($0.0.map(String.init) ?? "null"), \($0.1)]" }.joined(separator: ",") + "]"
        let diffJSON = "[" + diffs.map { "[\($0.0), \($0.1)]" }.joined(separator: ",") + "]"
        let text = try Interop.runText(oracleScript, arguments: [LocalFileIOPath.strip(table.metadataLocation), rangeJSON, diffJSON]
                                       + (minID.map { [String($0)] } ?? []))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        let rangeRows = try #require(json["ranges"] as? [Any]).map { $0 as? [Int] }
        return (rangeRows, try #require(json["diffs"] as? [[Int]]))
    }

    @Test("the appended rows of a range equal an oracle from pyiceberg's entries and DuckDB's reads, across deletes, overwrites and branches",
          .enabled(if: Interop.enabled))
    func appendedRowsAgainstOracle() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let (table, s) = try await history(directory)
        let ranges: [(Int64?, Int64)] = [(nil, s[6]), (s[0], s[4]), (s[1], s[3]), (s[0], s[1]), (s[2], s[6]), (s[1], s[5]), (nil, s[5]), (s[3], s[3])]
        // Along main, DuckDB's rows at b minus those at a are the appended rows when only appends lie between.
        let diffs = [(s[0], s[1]), (s[3], s[4]), (s[4], s[6])]
        let expected = try oracle(table, ranges: ranges, diffs: diffs)
        for (k, range) in ranges.enumerated() {
            let ours = sortedIDs(try await table.incrementalAppendScan(fromSnapshotExclusive: range.0, toSnapshotInclusive: range.1).readAll())
            #expect(expected.ranges[k] == ours.map(Int.init), "range \(range)")
        }
        for (k, pair) in diffs.enumerated() {
            let ours = sortedIDs(try await table.incrementalAppendScan(fromSnapshotExclusive: pair.0, toSnapshotInclusive: pair.1).readAll())
            #expect(expected.diffs[k] == ours.map(Int.init), "DuckDB diff \(pair)")
        }
        // Spot checks that the oracle itself is not vacuous: rows deleted later are still appended rows,
        // an overwrite's added rows are not, and a branch's history leaves out main's later appends.
        #expect(expected.ranges[0] == Array(0..<20) + Array(30..<42))
        #expect(expected.ranges[5] == Array(500..<505))
        #expect(expected.ranges[7] == [])
        // The default range ends at the current snapshot.
        #expect(sortedIDs(try await table.incrementalAppendScan(fromSnapshotExclusive: s[4]).readAll()) == (40..<42).map(Int64.init))
    }

    @Test("a filter prunes the appended files and columns project them, streamed in bounded batches", .enabled(if: Interop.enabled))
    func filterAndProjection() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let (table, s) = try await history(directory)
        let expected = try oracle(table, ranges: [(nil, s[6])], diffs: [], minID: 30)
        var scan = table.incrementalAppendScan(fromSnapshotExclusive: nil, toSnapshotInclusive: s[6],
                                               filter: .greaterThanOrEqual("id", .int64(30)), columns: ["id"])
        scan.batchSize = 4
        let batches = try await scan.readAll()
        #expect(batches.allSatisfy { $0.rowCount <= 4 && $0.columns.count == 1 && $0.schema.fields.map(\.name) == ["id"] })
        #expect(expected.ranges[0] == sortedIDs(batches).map(Int.init))
        #expect(expected.ranges[0] == Array(30..<42))
        #expect(try await scan.planFiles().count == 2)
    }

    @Test("a start that is not an ancestor of the end, or an unknown snapshot, is a typed error")
    func invalidRanges() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let (table, s) = try await history(directory)
        for (from, to) in [(s[5], s[6]), (s[6], s[5]), (s[4], s[1])] {
            do {
                _ = try await table.incrementalAppendScan(fromSnapshotExclusive: from, toSnapshotInclusive: to).readAll()
                Issue.record("range \(from)…\(to) was read")
            } catch {
                guard case .validationFailed = error.kind else { Issue.record("expected validationFailed, got \(error)"); continue }
            }
        }
        for (from, to) in [(Int64(1), s[6]), (s[0], Int64(2))] {
            await #expect(throws: IcebergError.self) { try await table.incrementalAppendScan(fromSnapshotExclusive: from, toSnapshotInclusive: to).planFiles() }
            do {
                _ = try table.incrementalAppendScan(fromSnapshotExclusive: from, toSnapshotInclusive: to).appendSnapshots()
            } catch {
                guard case .notFound = error.kind else { Issue.record("expected notFound, got \(error)"); continue }
            }
        }
    }
}
