import Foundation
import IcebergKit
import LakeColumnar
import LakeTestSupport
import Testing

@Suite("Commits as updates and requirements")
struct CommitProtocolTests {
    @Test("requirements are checked on the current metadata: a stale base is a conflict, never an overwrite")
    func requirements() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let (catalog, id) = try await makeEventsTable(in: directory)
        let base = try await catalog.loadTable(id)
        let first = try await base.append([try eventBatch(0..<3)])
        for stale: TableRequirement in [.assertRefSnapshotID(ref: "main", snapshotID: nil), .assertTableUUID("not-it"),
                                        .assertCurrentSchemaID(7), .assertDefaultSpecID(3), .assertLastAssignedFieldID(1),
                                        .assertLastAssignedPartitionID(1), .assertDefaultSortOrderID(9), .assertCreate] {
            do {
                _ = try await catalog.commitTable(id, requirements: [stale], updates: [.setProperties(["k": "v"])])
                Issue.record("\(stale.type) passed on a table it does not describe")
            } catch {
                guard case .commitConflict = error.kind else { Issue.record("\(stale.type): expected a conflict, got \(error)"); continue }
            }
        }
        #expect(try await catalog.loadTable(id).metadataLocation == first.metadataLocation)
        let updated = try await first.commit(requirements: [.assertRefSnapshotID(ref: "main", snapshotID: first.metadata.currentSnapshotID),
                                                            .assertTableUUID(first.metadata.tableUUID)],
                                             updates: [.setProperties(["owner": "tests", "k": "v"]), .removeProperties(["k"])])
        #expect(updated.metadata.properties == ["owner": "tests"])
        #expect(updated.metadata.metadataLog.last?.file == first.metadataLocation)
        #expect(updated.metadata.snapshots == first.metadata.snapshots)
    }

    @Test("the builder refuses illegal updates and leaves the table as it was")
    func builderValidation() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let (catalog, id) = try await makeEventsTable(in: directory)
        let table = try await catalog.loadTable(id).append([try eventBatch(0..<3)])
        let snapshot = try #require(table.currentSnapshot)
        var older = snapshot
        older.snapshotID = 42
        older.parentSnapshotID = snapshot.snapshotID
        let illegal: [[TableUpdate]] = [
            [.addSnapshot(snapshot)],                                              // already there
            [.setSnapshotRef(name: "main", ref: SnapshotRef(snapshotID: 12345))],   // unknown snapshot
            [.setSnapshotRef(name: "main", ref: SnapshotRef(snapshotID: snapshot.snapshotID, isBranch: false))],
            [.addSchema(IcebergSchema(fields: [NestedField(id: 1, name: "a", required: false, type: .long),
                                               NestedField(id: 1, name: "b", required: false, type: .long)]))],
            [.setCurrentSchema(99)], [.setDefaultSpec(-1)], [.upgradeFormatVersion(1)],
            [.assignUUID("00000000-0000-4000-8000-000000000000")],
        ]
        for updates in illegal {
            do {
                _ = try await table.commit(updates: updates)
                Issue.record("\(updates.map(\.action)) was applied")
            } catch {
                guard case .validationFailed = error.kind else { Issue.record("\(updates.map(\.action)): got \(error)"); continue }
            }
        }
        // A snapshot planned on a stale base (its sequence number not above the table's) is a
        // conflict, so the writer re-plans rather than failing.
        do {
            _ = try await table.commit(updates: [.addSnapshot(older)])
            Issue.record("a snapshot with a stale sequence number was added")
        } catch {
            guard case .commitConflict = error.kind else { Issue.record("stale sequence number: got \(error)"); return }
        }
        #expect(try await catalog.loadTable(id).metadataLocation == table.metadataLocation)

        // A legal schema change: a new column, made current; field ids grow.
        var schema = table.schema
        schema.fields.append(NestedField(id: 4, name: "bytes", required: false, type: .long))
        let evolved = try await table.commit(requirements: [.assertCurrentSchemaID(table.metadata.currentSchemaID)],
                                             updates: [.addSchema(schema), .setCurrentSchema(-1)])
        #expect(evolved.metadata.currentSchemaID == 1)
        #expect(evolved.metadata.lastColumnID == 4)
        #expect(evolved.metadata.schemas.count == 2)
        // Rows written before the column existed read it as null.
        let rows = try await evolved.scan(columns: ["id", "bytes"]).readAll()
        #expect(rows.reduce(0) { $0 + $1.rowCount } == 3)
        #expect(rows.allSatisfy { $0.columns[1].nullCount == $0.rowCount })
    }

    @Test("concurrent appends from many tasks all land, each re-applied on the newest base")
    func concurrentAppends() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let (catalog, id) = try await makeEventsTable(in: directory)
        let writers = 8
        try await withThrowingTaskGroup(of: Void.self) { group in
            for w in 0..<writers {
                group.addTask {
                    let table = try await catalog.loadTable(id)
                    _ = try await table.append([try eventBatch((w * 10)..<(w * 10 + 10))])
                }
            }
            try await group.waitForAll()
        }
        let table = try await catalog.loadTable(id)
        #expect(table.metadata.snapshots.count == writers)
        #expect(table.metadata.currentAncestry.count == writers)
        #expect(table.currentSnapshot?.summary["total-records"] == String(writers * 10))
        let ids = try await table.scan(columns: ["id"]).readAll().flatMap { b in (0..<b.rowCount).map { b.columns[0].scalar(at: $0) } }
        #expect(Set(ids).count == writers * 10)
        // Every metadata file but the current one is in the log; none was overwritten.
        #expect(table.metadata.metadataLog.count == writers)
    }
}
