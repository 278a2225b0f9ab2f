public import LakeColumnar

/// Removes whole files from the table (Java's `DeleteFiles`, operation `delete`): by path, or
/// every file all of whose rows match a filter.
///
/// A filter is judged on partition values and column metrics, without reading data: a data file
/// only some of whose rows may match fails the commit with
/// ``IcebergError/Kind/validationFailed(_:)`` saying the rows would need a rewrite (use
/// ``Table/delete(where:branch:attempts:)``, which rewrites them). A file named by path must be live
/// when the commit lands. Retries re-apply the filter on the newest base.
///
/// ```swift
/// try await table.newDelete().deleteFromRowFilter(.lessThan("day", .int32(19_000))).commit()
/// ```
public final class DeleteFiles {
    /// The table as the operation started from (or as committed).
    public private(set) var table: Table
    private var change: FileChangeCommit
    private var done = false

    init(table: Table) {
        self.table = table
        change = FileChangeCommit(table: table, operation: "delete")
    }

    /// Removes the data or delete file at `path`.
    @discardableResult
    public func deleteFile(path: String) -> DeleteFiles {
        change.removals.paths.insert(path)
        return self
    }

    /// Removes `file`.
    @discardableResult
    public func deleteFile(_ file: DataFile) -> DeleteFiles { deleteFile(path: file.filePath) }

    /// Removes every file all of whose rows match `filter`.
    @discardableResult
    public func deleteFromRowFilter(_ filter: ColumnPredicate) -> DeleteFiles {
        change.removals.rowFilter = filter
        return self
    }

    /// Commits to branch `name` (default `main`).
    @discardableResult
    public func toBranch(_ name: String) -> DeleteFiles {
        change.branch = name
        return self
    }

    /// Adds `key` = `value` to the snapshot summary.
    @discardableResult
    public func setSummaryProperty(_ key: String, _ value: String) -> DeleteFiles {
        change.summary[key] = value
        return self
    }

    /// Commits; returns the table as committed (a filter that selects no file still commits a
    /// snapshot that removes nothing, as Java does).
    @discardableResult
    public func commit(attempts: Int = 30) async throws(IcebergError) -> Table {
        guard !done else { throw IcebergError(.io("delete from \(table.identifier) is already committed")) }
        done = true
        let committed = try await change.run(attempts: attempts) { (_, _) throws(IcebergError) in }
        table = committed
        return committed
    }
}
