import Foundation
import IcebergKit
import IcebergREST
import LakeColumnar
import LakeTestSupport
import Testing

@Suite("Branches and tags through RESTCatalog (in-process server)")
struct RESTRefTests {
    @Test("ref changes and branch appends are sent as set/remove-snapshot-ref updates under assert-ref-snapshot-id; a stale fast-forward is re-validated and refused")
    func refsOverREST() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let server = FakeRESTServer(tableRoot: "file://" + directory.path)
        let catalog = RESTCatalog(uri: FakeRESTServer.base + "/", warehouse: "main", io: LocalFileIO(), authenticator: NoRESTAuthentication(),
                                  properties: [:], transport: server)
        try await catalog.createNamespace("ns")
        let id = TableIdentifier(namespace: "ns", name: "t")
        var table = try await catalog.createTable(id, schema: restSchema)
        table = try await table.append([try restBatch([1, 2])])
        let s1 = try #require(table.metadata.currentSnapshotID)
        func lastCommit() throws -> AvroJSON {
            let commit = try #require(server.requests.last { $0.method == "POST" && $0.url.hasSuffix("/namespaces/ns/tables/t") })
            return try AvroJSON(parsing: String(decoding: commit.body, as: UTF8.self))
        }

        table = try await table.manageSnapshots().createBranch("audit").createTag("v1").setMaxRefAgeMs("v1", 1000).commit()
        var body = try lastCommit()
        #expect(body["requirements"]?.text.contains(#"{"type":"assert-ref-snapshot-id","ref":"audit","snapshot-id":null}"#) == true)
        #expect(body["requirements"]?.text.contains(#"{"type":"assert-ref-snapshot-id","ref":"v1","snapshot-id":null}"#) == true)
        guard case let .array(updates)? = body["updates"] else { Issue.record("no updates"); return }
        #expect(Set(updates.map(\.text)) == [#"{"action":"set-snapshot-ref","ref-name":"audit","snapshot-id":\#(s1),"type":"branch"}"#,
                                             #"{"action":"set-snapshot-ref","ref-name":"v1","snapshot-id":\#(s1),"type":"tag","max-ref-age-ms":1000}"#])

        // A branch append: the parent is the branch's head, the requirement holds it, main stays.
        let append = try table.newAppend().toBranch("audit")
        try await append.write(try restBatch([3]))
        table = try await append.commit()
        let staged = try #require(table.metadata.refs["audit"]?.snapshotID)
        body = try lastCommit()
        #expect(body["requirements"]?.text.contains(#"{"type":"assert-ref-snapshot-id","ref":"audit","snapshot-id":\#(s1)}"#) == true)
        #expect(table.metadata.currentSnapshotID == s1)
        #expect(try await restIDs(try await catalog.loadTable(id)) == [1, 2])

        // Main moves under a stale handle: its fast-forward is refused after re-validation on the fresh table.
        let stale = table
        _ = try await catalog.loadTable(id).append([try restBatch([9])])
        let kind = await errorKind { _ = try await stale.manageSnapshots().fastForwardBranch("main", to: "audit").commit() }
        guard case .validationFailed? = kind else { Issue.record("expected validationFailed, got \(String(describing: kind))"); return }
        #expect(try await restIDs(try await catalog.loadTable(id)) == [1, 2, 9])

        // Rename and remove go as remove-snapshot-ref (then set for the new name).
        table = try await catalog.loadTable(id).manageSnapshots().renameBranch("audit", to: "staged").removeTag("v1").commit()
        body = try lastCommit()
        guard case let .array(renames)? = body["updates"] else { Issue.record("no updates"); return }
        #expect(renames.map(\.text).sorted() == [#"{"action":"remove-snapshot-ref","ref-name":"audit"}"#,
                                                 #"{"action":"remove-snapshot-ref","ref-name":"v1"}"#,
                                                 #"{"action":"set-snapshot-ref","ref-name":"staged","snapshot-id":\#(staged),"type":"branch"}"#])
        #expect(try await catalog.loadTable(id).metadata.refs.keys.sorted() == ["main", "staged"])
    }
}
