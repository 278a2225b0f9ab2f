import Foundation
import IcebergKit
import LakeColumnar

// The process the crash torture kills: one table operation through a FileIO and catalog that
// SIGKILL the process at write point `--crash-at N` (0: never). On completion it prints
// `points N` (how many points the operation passed) and `snapshot ID`.
//
//   lakehouse-crash-worker CATALOG WAREHOUSE NS.TABLE --crash-at N create | append START COUNT
//   … delete 'SQL PREDICATE' | delete-mor 'SQL PREDICATE' | upsert START COUNT | compact
//   … rewrite-manifests | expire RETAIN_LAST | overwrite DAY START COUNT | replace-partitions START COUNT DAYS
//
// CATALOG is a SQLite file, `storage` (catalog-less) or `glue` (see CrashCatalogs).
// `overwrite DAY START COUNT` replaces the rows of day partition DAY (0, 1, 2: `day = 20000+DAY`)
// with the ids of START..<START+3·COUNT that fall on that day (`overwrite(where:)`, copy-on-write);
// `replace-partitions START COUNT DAYS` writes the ids of START..<START+COUNT whose day is in DAYS
// (digits, e.g. `01`) by dynamic partition overwrite: those days' old rows all go.
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
    fail("usage: CATALOG WAREHOUSE NS.TABLE --crash-at N (append START COUNT | delete PREDICATE | delete-mor PREDICATE | upsert START COUNT | compact | rewrite-manifests | expire RETAIN | overwrite DAY START COUNT | replace-partitions START COUNT DAYS)")
}
let points = CrashPoints(crashAt: crashAt)
let operation = Array(arguments.dropFirst(5))
let catalog: CrashingCatalog
let table: Table
do {
    catalog = try CrashCatalogs.open(arguments[0], warehouse: arguments[1], points: points)
    let id = try TableIdentifier(parsing: arguments[2])
    if operation.first == "create" {
        if !(try await catalog.listNamespaces().contains(id.namespace)) { try await catalog.createNamespace(id.namespace) }
        _ = try await catalog.createTable(id, schema: CrashTable.schema, spec: CrashTable.spec)
        print("created")
        exit(0)
    }
    table = try await catalog.loadTable(id)
} catch {
    fail("\(error)")
}

// Concurrency runs: commit attempts (`LAKEHOUSE_CRASH_ATTEMPTS`, default 100: many writers on
// one table retry often) and a barrier (`LAKEHOUSE_CRASH_BARRIER=PATH`): with the table loaded,
// the worker creates `PATH.<pid>` and waits until `PATH` exists, so that racing writers all start
// from the same base.
let attempts = ProcessInfo.processInfo.environment["LAKEHOUSE_CRASH_ATTEMPTS"].flatMap { Int($0) } ?? 100
if let barrier = ProcessInfo.processInfo.environment["LAKEHOUSE_CRASH_BARRIER"] {
    FileManager.default.createFile(atPath: "\(barrier).\(getpid())", contents: nil)
    while !FileManager.default.fileExists(atPath: barrier) { usleep(5_000) }
}

do {
    let committed: Table
    switch operation.first {
    case "append":
        guard operation.count == 3, let start = Int(operation[1]), let count = Int(operation[2]) else { fail("append START COUNT") }
        committed = try await table.append([try CrashTable.batch(ids: start..<(start + count))], attempts: attempts)
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
    case "overwrite":
        guard operation.count == 4, let day = Int32(operation[1]), (0..<3).contains(day), let start = Int(operation[2]),
              let count = Int(operation[3]) else { fail("overwrite DAY START COUNT") }
        let ids = (start..<(start + 3 * count)).filter { Int32($0 % 3) == day }
        let result = try await table.overwrite([try CrashTable.batch(ids: ids, tag: "overwritten")],
                                               where: .equal("day", .int32(20_000 + day)), attempts: attempts)
        committed = result.table
    case "replace-partitions":
        guard operation.count == 4, let start = Int(operation[1]), let count = Int(operation[2]) else {
            fail("replace-partitions START COUNT DAYS")
        }
        let days = Set(operation[3].compactMap { $0.wholeNumberValue })
        let ids = (start..<(start + count)).filter { days.contains($0 % 3) }
        let result = try await table.dynamicPartitionOverwrite([try CrashTable.batch(ids: ids, tag: "replaced")],
                                                                 validateNoConflicts: true, attempts: attempts)
        committed = result.table
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
