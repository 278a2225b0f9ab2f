import Foundation
import IcebergKit
import LakeColumnar

// The process the crash torture kills: one table operation through a FileIO and catalog that
// SIGKILL the process at write point `--crash-at N` (0: never). On completion it prints
// `points N` (how many points the operation passed) and `snapshot ID`.
//
//   lakehouse-crash-worker CATALOG.db WAREHOUSE NS.TABLE --crash-at N create | append START COUNT
//   … delete 'SQL PREDICATE' | delete-mor 'SQL PREDICATE' | upsert START COUNT | compact
//   … rewrite-manifests | expire RETAIN_LAST
//
// `delete` follows the table's write.delete.mode (copy-on-write here); `delete-mor` writes
// position delete files (MergeOnReadDelete) whatever the mode; `upsert` merges rows START..<START+COUNT
// with new payloads by id, copy-on-write or merge-on-read as write.update.mode says.

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("crash-worker: \(message)\n".utf8))
    exit(2)
}

let arguments = Array(CommandLine.arguments.dropFirst())
guard arguments.count >= 6, arguments[3] == "--crash-at", let crashAt = Int(arguments[4]) else {
    fail("usage: CATALOG.db WAREHOUSE NS.TABLE --crash-at N (append START COUNT | delete PREDICATE | delete-mor PREDICATE | upsert START COUNT | compact | rewrite-manifests | expire RETAIN)")
}
let points = CrashPoints(crashAt: crashAt)
let io = CrashingFileIO(base: LocalFileIO(), points: points)
let operation = Array(arguments.dropFirst(5))
let catalog: CrashingCatalog
let table: Table
do {
    let sqlite = try SQLiteCatalog(path: arguments[0], warehouse: arguments[1], io: io)
    catalog = CrashingCatalog(base: sqlite, points: points, io: io)
    let id = try TableIdentifier(parsing: arguments[2])
    if operation.first == "create" {
        try await catalog.createNamespace(id.namespace)
        _ = try await catalog.createTable(id, schema: CrashTable.schema, spec: CrashTable.spec)
        print("created")
        exit(0)
    }
    table = try await catalog.loadTable(id)
} catch {
    fail("\(error)")
}

do {
    let committed: Table
    switch operation.first {
    case "append":
        guard operation.count == 3, let start = Int(operation[1]), let count = Int(operation[2]) else { fail("append START COUNT") }
        committed = try await table.append([try CrashTable.batch(ids: start..<(start + count))])
    case "delete":
        guard operation.count == 2 else { fail("delete PREDICATE") }
        let predicate = try ColumnPredicate.parse(operation[1], schema: try table.schema.columnarSchema())
        try await table.delete(where: predicate)
        committed = try await table.refresh()
    case "delete-mor":
        guard operation.count == 2 else { fail("delete-mor PREDICATE") }
        let predicate = try ColumnPredicate.parse(operation[1], schema: try table.schema.columnarSchema())
        _ = try await MergeOnReadDelete(table: table).delete(where: predicate)
        committed = try await table.refresh()
    case "upsert":
        guard operation.count == 3, let start = Int(operation[1]), let count = Int(operation[2]) else { fail("upsert START COUNT") }
        _ = try await table.upsert([try CrashTable.batch(ids: start..<(start + count), tag: "upserted")], keys: ["id"])
        committed = try await table.refresh()
    case "rewrite-manifests":
        _ = try await table.rewriteManifests().commit()
        committed = try await table.refresh()
    case "compact":
        _ = try await table.rewriteDataFiles().execute()
        committed = try await table.refresh()
    case "expire":
        guard operation.count == 2, let retain = Int(operation[1]) else { fail("expire RETAIN") }
        _ = try await table.expireSnapshots().expireOlderThan(currentTimeMs()).retainLast(retain).commit()
        committed = try await table.refresh()
    default:
        fail("unknown operation \(operation.first ?? "(none)")")
    }
    print("points \(points.count)")
    print("snapshot \(committed.metadata.currentSnapshotID ?? -1)")
} catch {
    fail("\(error)")
}
