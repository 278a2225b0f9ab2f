import Synchronization

/// The manifest list this process wrote last for each table, so the next commit on that table
/// carries its parent's manifests without reading back the list it has just written.
///
/// A manifest list is never rewritten (its name is unique: snapshot id, attempt and a UUID, and
/// it is created only if absent), so bytes remembered for a location stay true for as long as
/// the file exists; a commit whose parent this process did not write reads the list as usual.
/// On an object store this saves one GET of every commit in a stream of appends. One entry per
/// table (its latest list), the oldest forgotten first past ``budgetBytes`` in all.
enum RecentManifestLists {
    static let budgetBytes = 4 << 20

    private struct Entry {
        var list: String
        var bytes: [UInt8]
        var stamp: UInt64
    }

    private struct State {
        var byTable: [String: Entry] = [:]
        var total = 0
        var clock: UInt64 = 0
    }

    private static let state = Mutex(State())

    /// Remembers the list just published at `location` as the latest of the table with UUID `table`.
    static func remember(_ location: String, _ bytes: [UInt8], table: String) {
        guard bytes.count <= budgetBytes / 4 else { return }
        state.withLock { s in
            s.clock += 1
            if let old = s.byTable[table] { s.total -= old.bytes.count }
            s.byTable[table] = Entry(list: location, bytes: bytes, stamp: s.clock)
            s.total += bytes.count
            while s.total > budgetBytes, let oldest = s.byTable.min(by: { $0.value.stamp < $1.value.stamp }) {
                s.total -= oldest.value.bytes.count
                s.byTable[oldest.key] = nil
            }
        }
    }

    /// The bytes of the list at `location` of the table with UUID `table`: remembered, or read
    /// through `io`.
    static func read(_ location: String, table: String, io: any FileIO) async throws(IcebergError) -> [UInt8] {
        if let bytes = state.withLock({ s in s.byTable[table].flatMap { $0.list == location ? $0.bytes : nil } }) { return bytes }
        return try await io.newInputFile(location).read()
    }
}
