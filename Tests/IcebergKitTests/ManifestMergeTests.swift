import Foundation
import IcebergKit
import LakeColumnar
import LakeTestSupport
import Testing

@Suite("Manifest merge on append (commit.manifest-merge.enabled)")
struct ManifestMergeTests {
    /// pyiceberg's view: per snapshot (in commit order) its id, sequence number and manifest
    /// count; the entries of the snapshot `sys.argv[3]` (path → status, snapshot id, sequence
    /// number); the rows at the snapshots `sys.argv[4]` (comma-separated ids); DuckDB's rows at
    /// the current snapshot; the manifest files on disk no snapshot lists.
    let inspect = pythonDuckDBIceberg + """
        import sys, json, os
        from pyiceberg.catalog.sql import SqlCatalog
        wh, meta, at = sys.argv[1:4]
        read_at = [int(s) for s in sys.argv[4].split(",") if s]
        t = SqlCatalog("default", uri=f"sqlite:///{wh}/catalog.db", warehouse=f"file://{wh}").load_table("logs.events")
        listed = set()
        snaps = []
        for s in t.metadata.snapshots:
            ms = s.manifests(t.io)
            listed |= {m.manifest_path.replace("file://", "") for m in ms}
            snaps.append([s.snapshot_id, s.sequence_number, len(ms)])
        entries = {e["data_file"]["file_path"]: [e["status"], e["snapshot_id"], e["sequence_number"]]
                   for e in t.inspect.entries(snapshot_id=int(at)).to_pylist()}
        metadata_dir = os.path.dirname(meta)
        on_disk = {os.path.join(metadata_dir, f) for f in os.listdir(metadata_dir) if f.endswith(".avro") and not f.startswith("snap-")}
        out = {"snapshots": snaps, "entries": entries, "unlisted": sorted(on_disk - listed),
               "rows": {str(i): sorted(t.scan(snapshot_id=i).to_arrow().column("id").to_pylist()) for i in read_at},
               "duckdb": [r[0] for r in con.execute(f"SELECT id FROM iceberg_scan('{meta}') ORDER BY id").fetchall()]}
        print(json.dumps(out))
        """

    func read(_ directory: TemporaryDirectory, _ table: Table, entriesAt: Int64, rowsAt: [Int64]) throws -> [String: Any] {
        let text = try Interop.runText(inspect, arguments: [directory.path, LocalFileIOPath.strip(table.metadataLocation), String(entriesAt),
                                                            rowsAt.map(String.init).joined(separator: ",")])
        return try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    func ids(_ batches: [RecordBatch]) -> [Int64] {
        batches.flatMap { b in (0..<b.rowCount).compactMap { r -> Int64? in
            if case let .int64(v)? = b.columns[0].scalar(at: r) { return v } else { return nil }
        } }.sorted()
    }

    @Test("150 appends with the default: the 100th merges the 100 manifests into one (count never reaches 100); merged entries keep their snapshot ids and sequence numbers; pyiceberg and DuckDB read every row at the last and earlier snapshots",
          .enabled(if: Interop.enabled))
    func defaultMerges() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let (catalog, id) = try await makeEventsTable(in: directory)
        var table = try await catalog.loadTable(id)
        var snapshots: [Int64] = []
        for i in 0..<150 {
            table = try await table.append([try eventBatch(i * 2..<(i + 1) * 2)])
            snapshots.append(try #require(table.metadata.currentSnapshotID))
        }
        // Java's rule with min-count-to-merge 100 and 8 MB manifests: 1…99 manifests, then the
        // 100th append merges all 100, then 1 + the appends since.
        let expectedCounts = Array(1...99) + Array(1...51)
        let view = try read(directory, table, entriesAt: snapshots[99], rowsAt: [snapshots[49], snapshots[99], snapshots[119], snapshots[149]])
        let perSnapshot = try #require(view["snapshots"] as? [[Int64]])
        #expect(perSnapshot.map { $0[0] } == snapshots)
        #expect(perSnapshot.map { Int($0[2]) } == expectedCounts)
        // At the merging snapshot: its own files ADDED (1), the others EXISTING (0) with the id
        // and sequence number of the append that added them.
        let sequenceOf = Dictionary(uniqueKeysWithValues: perSnapshot.map { ($0[0], $0[1]) })
        let entries = try #require(view["entries"] as? [String: [Int64]])
        #expect(entries.count >= 100)
        var bySnapshot: [Int64: Int] = [:]
        for (path, e) in entries {
            let added = e[1] == snapshots[99]
            #expect(e[0] == (added ? 1 : 0), "\(path)")
            #expect(e[2] == sequenceOf[e[1]], "\(path) keeps the sequence number of the snapshot that added it")
            bySnapshot[e[1], default: 0] += 1
        }
        #expect(Set(bySnapshot.keys) == Set(snapshots[0...99]), "every one of the first 100 appends is represented once")
        #expect((view["unlisted"] as? [String]) == [], "the manifests merged away by their own commit are deleted")
        let rows = try #require(view["rows"] as? [String: [Int]])
        for k in [49, 99, 119, 149] {
            #expect(rows[String(snapshots[k])] == Array(0..<((k + 1) * 2)), "rows at append \(k + 1)")
        }
        #expect(view["duckdb"] as? [Int] == Array(0..<300))
        #expect(ids(try await table.scan().readAll()) == (0..<300).map(Int64.init))
        #expect(table.currentSnapshot?.summary["total-records"] == "300")
    }

    @Test("commit.manifest-merge.enabled=false: one manifest per append; a lower min-count-to-merge merges as soon as the count reaches it",
          .enabled(if: Interop.enabled))
    func propertyControls() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let (catalog, id) = try await makeEventsTable(in: directory)
        var table = try await catalog.loadTable(id)
        table = try await table.commit(updates: [.setProperties(["commit.manifest-merge.enabled": "false",
                                                                 "commit.manifest.min-count-to-merge": "2"])])
        var snapshots: [Int64] = []
        for i in 0..<30 {
            table = try await table.append([try eventBatch(i * 2..<(i + 1) * 2)])
            snapshots.append(try #require(table.metadata.currentSnapshotID))
        }
        table = try await table.commit(updates: [.setProperties(["commit.manifest-merge.enabled": "true",
                                                                 "commit.manifest.min-count-to-merge": "4"])])
        for i in 30..<36 {
            table = try await table.append([try eventBatch(i * 2..<(i + 1) * 2)])
            snapshots.append(try #require(table.metadata.currentSnapshotID))
        }
        let view = try read(directory, table, entriesAt: snapshots[35], rowsAt: [snapshots[29], snapshots[35]])
        let counts = try #require(view["snapshots"] as? [[Int64]]).map { Int($0[2]) }
        // 31 ≥ 4 at append 31: all merged into 1; then 2, 3; at 4 merged again; then 2, 3... as
        // the bin holding the new manifest reaches 4.
        #expect(counts == Array(1...30) + [1, 2, 3, 1, 2, 3])
        let rows = try #require(view["rows"] as? [String: [Int]])
        #expect(rows[String(snapshots[29])] == Array(0..<60))
        #expect(rows[String(snapshots[35])] == Array(0..<72))
        #expect(view["duckdb"] as? [Int] == Array(0..<72))
        #expect((view["unlisted"] as? [String]) == [])
    }
}
