import Foundation
import IcebergKit
import LakeColumnar
import LakeTestSupport
import Testing

/// For each [parent, snapshot] pair: the rows ("id|day|status") DuckDB reads at the snapshot and
/// not at the parent ("plus"), and at the parent and not at the snapshot ("minus"), as multisets.
private let netChangeScript = pythonDuckDBIceberg + """
    import sys, json, collections, datetime
    path, pairs = sys.argv[1], json.loads(sys.argv[2])
    def rows(sid):
        if sid is None:
            return collections.Counter()
        out = collections.Counter()
        for i, d, s in con.execute(f"SELECT id, day, status FROM iceberg_scan('{path}', snapshot_from_id={sid})").fetchall():
            out[f"{i}|{None if d is None else (d - datetime.date(1970, 1, 1)).days}|{s}"] += 1
        return out
    result = []
    for parent, sid in pairs:
        before, after = rows(parent), rows(sid)
        result.append({"plus": sorted((after - before).elements()), "minus": sorted((before - after).elements())})
    print(json.dumps(result))
    """

@Suite("Changelog scans")
struct ChangelogScanTests {
    /// One changed row: type, ordinal, snapshot id and the row as "id|day|status".
    struct ChangedRow: Hashable, Comparable {
        var type: String
        var ordinal: Int32
        var snapshotID: Int64
        var row: String
        static func < (a: ChangedRow, b: ChangedRow) -> Bool {
            (a.ordinal, a.type, a.row) < (b.ordinal, b.type, b.row)
        }
    }

    func changedRows(_ batches: [RecordBatch]) throws -> [ChangedRow] {
        func text(_ s: Scalar?) -> String {
            switch s {
            case let .int64(v)?: return String(v)
            case let .int32(v)?: return String(v)
            case let .binary(b)?: return String(decoding: b, as: UTF8.self)
            case nil: return "None"
            case let v?: return "\(v)"
            }
        }
        var out: [ChangedRow] = []
        for b in batches {
            let names = b.schema.fields.map(\.name)
            let type = try #require(names.firstIndex(of: ChangelogScan.changeTypeColumn))
            let ordinal = try #require(names.firstIndex(of: ChangelogScan.changeOrdinalColumn))
            let snapshot = try #require(names.firstIndex(of: ChangelogScan.commitSnapshotIDColumn))
            for r in 0..<b.rowCount {
                guard case let .int32(o)? = b.columns[ordinal].scalar(at: r), case let .int64(s)? = b.columns[snapshot].scalar(at: r) else {
                    Issue.record("change columns are not int32/int64")
                    continue
                }
                let row = (0..<type).map { text(b.columns[$0].scalar(at: r)) }.joined(separator: "|")
                out.append(ChangedRow(type: text(b.columns[type].scalar(at: r)), ordinal: o, snapshotID: s, row: row))
            }
        }
        return out.sorted()
    }

    /// The row ``eventBatch(_:)`` holds for `id`, as "id|day|status".
    func eventRow(_ id: Int) -> String {
        "\(id)|\(19_700 + id % 3)|\(id % 9 == 0 ? "None" : String(200 + (id % 4) * 100))"
    }

    /// s1 append 0..<10, s2 append 10..<20, s3 pyiceberg's copy-on-write delete of ids 15 and 16
    /// (rewrites the second file), s4 our position deletes of ids 0 and 1, s5 our overwrite adding
    /// 20..<25 with an equality delete of ids 12 and 0 (0 already deleted), s6 append 30..<33.
    func history(_ directory: TemporaryDirectory) async throws -> (Table, [Int64]) {
        var (catalog, table) = try await unpartitionedEvents(directory)
        var ids: [Int64] = []
        table = try await appendEvents(table, 0..<10)
        ids.append(try #require(table.metadata.currentSnapshotID))
        table = try await appendEvents(table, 10..<20)
        ids.append(try #require(table.metadata.currentSnapshotID))
        _ = try Interop.runText("""
            import sys
            from pyiceberg.catalog.sql import SqlCatalog
            wh = sys.argv[1]
            t = SqlCatalog("default", uri=f"sqlite:///{wh}/catalog.db", warehouse=f"file://{wh}").load_table("logs.events")
            t.delete("id >= 15 and id < 17")
            """, arguments: [directory.path])
        table = try await catalog.loadTable(table.identifier)
        ids.append(try #require(table.metadata.currentSnapshotID))
        let first = try #require(try await table.scan(snapshotID: ids[0]).planFiles().first?.file)
        let positions = try await DeleteFileWriter(table: table).writePositionDeletes([first.filePath: [0, 1]])
        table = try await table.newRowDelta().addDeletes(positions).commit()
        ids.append(try #require(table.metadata.currentSnapshotID))
        let keys = try RecordBatch(schema: Schema(fields: [Field(name: "id", id: 1, type: .int64)]),
                                   columns: [.int64(PrimitiveColumn<Int64>(values: [12, 0]))])
        let equality = try await DeleteFileWriter(table: table).writeEqualityDeletes(keys)
        let overwrite = table.newRowDelta().addDeletes(equality)
        for f in try await writeFiles(table, try eventBatch(20..<25)) { overwrite.addRows(f) }
        table = try await overwrite.commit()
        ids.append(try #require(table.metadata.currentSnapshotID))
        table = try await appendEvents(table, 30..<33)
        ids.append(try #require(table.metadata.currentSnapshotID))
        #expect(ids.map { table.metadata.snapshot(id: $0)?.operation } == ["append", "append", "overwrite", "delete", "overwrite", "append"])
        return (table, ids)
    }

    @Test("inserts and deletes per snapshot: exactly the scenario's, and their net per snapshot equals DuckDB's reads diffed",
          .enabled(if: Interop.enabled))
    func changesAgainstOracle() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let (table, s) = try await history(directory)
        let ours = try changedRows(try await table.changelogScan(fromSnapshotExclusive: nil).readAll())

        // What the scenario did, snapshot by snapshot.
        func rows(_ type: String, _ ordinal: Int32, _ ids: [Int]) -> [ChangedRow] {
            ids.map { ChangedRow(type: type, ordinal: ordinal, snapshotID: s[Int(ordinal)], row: eventRow($0)) }
        }
        var expected = rows("INSERT", 0, Array(0..<10)) + rows("INSERT", 1, Array(10..<20))
        // pyiceberg's copy-on-write removes the whole second file and adds it back without 15 and 16.
        expected += rows("DELETE", 2, Array(10..<20)) + rows("INSERT", 2, Array(10..<20).filter { $0 != 15 && $0 != 16 })
        expected += rows("DELETE", 3, [0, 1]) + rows("DELETE", 4, [12]) + rows("INSERT", 4, Array(20..<25)) + rows("INSERT", 5, Array(30..<33))
        #expect(ours == expected.sorted())

        // Independently: DuckDB's rows at each snapshot minus its parent's are our net changes.
        let pairs = "[" + s.enumerated().map { "[\($0.offset == 0 ? "null" : String(s[$0.offset - 1])), \($0.element)]" }.joined(separator: ",") + "]"
        let text = try Interop.runText(netChangeScript, arguments: [LocalFileIOPath.strip(table.metadataLocation), pairs])
        let net = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: [String]]])
        #expect(net.count == s.count)
        for (ordinal, theirs) in net.enumerated() {
            var plus: [String: Int] = [:]
            for change in ours where change.ordinal == Int32(ordinal) { plus[change.row, default: 0] += change.type == "INSERT" ? 1 : -1 }
            let inserted = plus.flatMap { row, n in Array(repeating: row, count: max(n, 0)) }.sorted()
            let deleted = plus.flatMap { row, n in Array(repeating: row, count: max(-n, 0)) }.sorted()
            #expect(theirs["plus"] == inserted, "inserts of snapshot \(ordinal)")
            #expect(theirs["minus"] == deleted, "deletes of snapshot \(ordinal)")
        }

        // A sub-range: ordinals count from its first snapshot.
        let middle = try changedRows(try await table.changelogScan(fromSnapshotExclusive: s[2], toSnapshotInclusive: s[4]).readAll())
        #expect(middle == (rows("DELETE", 3, [0, 1]) + rows("DELETE", 4, [12]) + rows("INSERT", 4, Array(20..<25)))
            .map { ChangedRow(type: $0.type, ordinal: $0.ordinal - 3, snapshotID: $0.snapshotID, row: $0.row) }.sorted())
    }

    @Test("projection keeps the change columns last, batches stay bounded, and a non-ancestor start is a typed error",
          .enabled(if: Interop.enabled))
    func projectionAndErrors() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let (table, s) = try await history(directory)
        var scan = table.changelogScan(fromSnapshotExclusive: s[2], columns: ["id"])
        scan.batchSize = 3
        let batches = try await scan.readAll()
        #expect(batches.allSatisfy {
            $0.rowCount <= 3 && $0.schema.fields.map(\.name) == ["id", ChangelogScan.changeTypeColumn, ChangelogScan.changeOrdinalColumn, ChangelogScan.commitSnapshotIDColumn]
        })
        #expect(batches.reduce(0) { $0 + $1.rowCount } == 2 + 1 + 5 + 3)
        do {
            _ = try await table.changelogScan(fromSnapshotExclusive: s[4], toSnapshotInclusive: s[1]).readAll()
            Issue.record("a range whose start is not an ancestor of its end was read")
        } catch {
            guard case .validationFailed = error.kind else { Issue.record("expected validationFailed, got \(error)"); return }
        }
    }

    @Test("a snapshot that takes delete files from a data file it keeps is a typed unsupported error, never a silent restore")
    func removedDeleteFiles() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        var (_, table) = try await unpartitionedEvents(directory)
        table = try await appendEvents(table, 0..<10)
        let file = try #require(try await table.scan().planFiles().first?.file)
        let positions = try await DeleteFileWriter(table: table).writePositionDeletes([file.filePath: [0]])
        table = try await table.newRowDelta().addDeletes(positions).commit()
        let deleted = try #require(table.metadata.currentSnapshotID)
        table = try await table.newOverwrite().deleteFile(path: positions.filePath).commit()
        #expect(table.currentSnapshot?.operation != "replace")
        #expect(sortedIDs(try await table.scan().readAll()) == (0..<10).map(Int64.init), "row 0 is back")
        do {
            _ = try await table.changelogScan(fromSnapshotExclusive: deleted).readAll()
            Issue.record("the changelog of a snapshot that restores rows was read")
        } catch {
            guard case .unsupported = error.kind else { Issue.record("expected unsupported, got \(error)"); return }
        }
        // The range before it still reads.
        #expect(try await table.changelogScan(fromSnapshotExclusive: nil, toSnapshotInclusive: deleted).readAll().reduce(0) { $0 + $1.rowCount } == 11)
    }
}
