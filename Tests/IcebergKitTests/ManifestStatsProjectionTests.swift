import Foundation
import IcebergKit
import LakeColumnar
import LakeTestSupport
import Testing

@Suite("Manifest column stats projection")
struct ManifestStatsProjectionTests {
    /// `logs.events` (day-partitioned) after six appends of ten ids each: 18 data files.
    func table(_ directory: TemporaryDirectory) async throws -> Table {
        let (catalog, id) = try await makeEventsTable(in: directory)
        var table = try await catalog.loadTable(id)
        for i in 0..<6 { table = try await table.append([try eventBatch(i * 10..<(i + 1) * 10)]) }
        return table
    }

    @Test("planning without column stats decodes only the filter's columns and plans the same files as with them")
    func projection() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let table = try await table(directory)
        let filter = ColumnPredicate.greaterThanOrEqual("id", .int64(35))
        let full = try await table.scan(filter: filter).planFiles()
        var leanScan = table.scan(filter: filter)
        leanScan.includeColumnStats = false
        let lean = try await leanScan.planFiles()
        // ids 30..<40 (one file per day, upper bounds 37, 38 and 39) and 40..<60.
        #expect(full.count == 9)
        #expect(lean.map(\.file.filePath) == full.map(\.file.filePath))
        for (a, b) in zip(full, lean) {
            #expect(Set(a.file.lowerBounds.keys) == [1, 2, 3] && Set(a.file.valueCounts.keys) == [1, 2, 3])
            #expect(Set(b.file.lowerBounds.keys) == [1] && Set(b.file.upperBounds.keys) == [1])
            #expect(Set(b.file.valueCounts.keys) == [1] && Set(b.file.nullValueCounts.keys) == [1] && Set(b.file.columnSizes.keys) == [1])
            #expect(b.file.lowerBounds[1] == a.file.lowerBounds[1] && b.file.upperBounds[1] == a.file.upperBounds[1])
            #expect(b.file.valueCounts[1] == a.file.valueCounts[1] && b.file.nullValueCounts[1] == a.file.nullValueCounts[1])
            #expect(b.file.columnSizes[1] == a.file.columnSizes[1])
            #expect(b.file.partition == a.file.partition && b.file.recordCount == a.file.recordCount)
            #expect(b.file.fileSizeInBytes == a.file.fileSizeInBytes && b.dataSequenceNumber == a.dataSequenceNumber)
        }

        // No filter: no column's stats at all; the same 18 files.
        var bare = table.scan()
        bare.includeColumnStats = false
        let none = try await bare.planFiles()
        let every = Set(try await table.scan().planFiles().map(\.file.filePath))
        #expect(none.count == 18 && Set(none.map(\.file.filePath)) == every)
        #expect(none.allSatisfy { $0.file.lowerBounds.isEmpty && $0.file.upperBounds.isEmpty && $0.file.valueCounts.isEmpty })
        #expect(none.allSatisfy { $0.file.nullValueCounts.isEmpty && $0.file.columnSizes.isEmpty && $0.file.nanValueCounts.isEmpty })
        #expect(none.allSatisfy { $0.file.recordCount == 5 || $0.file.recordCount == 3 || $0.file.recordCount == 4 })

        // Reading prunes as before: the filter's rows, from the nine files.
        let rows = try await table.scan(filter: filter).readAll().reduce(0) { $0 + $1.rowCount }
        #expect(rows == full.reduce(0) { $0 + Int($1.file.recordCount) })
    }

    /// pyiceberg's `inspect.files`: every file's column metrics (as text), by path.
    let inspectFiles = """
        import sys, json
        from pyiceberg.catalog.sql import SqlCatalog
        wh = sys.argv[1]
        t = SqlCatalog("default", uri=f"sqlite:///{wh}/catalog.db", warehouse=f"file://{wh}").load_table("logs.events")
        keys = ["column_sizes", "value_counts", "null_value_counts", "nan_value_counts", "lower_bounds", "upper_bounds",
                "record_count", "file_size_in_bytes", "partition", "content"]
        out = {f["file_path"]: {k: repr(sorted(f[k]) if isinstance(f[k], list) else f[k]) for k in keys} for f in t.inspect.files().to_pylist()}
        print(json.dumps({"files": out, "manifests": len(t.inspect.manifests())}))
        """

    @Test("rewrite-manifests keeps every column's stats value for value (pyiceberg's inspect.files before and after)",
          .enabled(if: Interop.enabled))
    func rewriteKeepsStats() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        var table = try await table(directory)
        let file = try #require(try await table.scan().planFiles().first?.file)
        let deletes = try await DeleteFileWriter(table: table).writePositionDeletes([file.filePath: [0]], partition: file.partition)
        table = try await table.newRowDelta().addDeletes(deletes).commit()
        func inspect() throws -> [String: Any] {
            let text = try Interop.runText(inspectFiles, arguments: [directory.path])
            return try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        }
        let before = try inspect()
        let result = try await table.rewriteManifests().commit()
        #expect(result.manifestsBefore == 7 && result.manifestsAfter == 2)
        let after = try inspect()
        #expect(after["manifests"] as? Int == 2)
        let beforeFiles = try #require(before["files"] as? [String: [String: String]])
        let afterFiles = try #require(after["files"] as? [String: [String: String]])
        #expect(beforeFiles.count == 19 && afterFiles.count == 19)
        for (path, stats) in beforeFiles {
            #expect(afterFiles[path] == stats, "\(path)")
            #expect(stats["lower_bounds"] != "None" && stats["lower_bounds"] != "[]", "\(path) has bounds to keep")
        }
    }
}
