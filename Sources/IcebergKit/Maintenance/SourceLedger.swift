import Synchronization

/// The exactly-once ingestion ledger of sources whose snapshots are gone from the table's
/// history, so that ``Table/hasCommitted(source:key:)`` still knows them after
/// ``ExpireSnapshots`` (or an explicit expiry that cuts the history of `main`).
///
/// Design. A ledger is an immutable JSON file under `<table>/metadata/` holding, per summary
/// key, the sources recorded by snapshots that left `main`'s history. A table property
/// `lakehouse.source-ledger.<uuid>` names each ledger file. An expiry writes one new file
/// holding every ledger it saw plus the sources its commit removes from the history, and in
/// the same commit sets its own property and removes the properties it folded in. So:
///
/// - every version of the metadata holds each committed source either in a snapshot of the
///   history or in a ledger it names (the removal and the ledger land in one atomic commit);
/// - two expiries racing never lose a source: properties merge key by key, each expiry adds a
///   key of its own and removes only keys whose contents it copied;
/// - a lookup reads each ledger file once per process (the files are immutable, so the parsed
///   set is cached by location) and then answers from a hash set: constant time for 10,000 or
///   1,000,000 sources, no metadata JSON growth (the property is one path);
/// - appends racing with expiry stay exact: ``AppendTransaction/recordSource(_:key:)`` checks
///   the newest metadata's history and ledgers at every commit attempt.
///
/// The ledger holds only sources of snapshots of `main`'s history (a rolled-back snapshot's
/// source was never part of the table and may be ingested again), as the history check does.
public enum SourceLedger {
    /// The prefix of the table properties that name ledger files.
    public static let propertyPrefix = "lakehouse.source-ledger."

    /// The ledger files `metadata` names (property key, location).
    public static func files(of metadata: TableMetadata) -> [(key: String, location: String)] {
        metadata.properties.filter { $0.key.hasPrefix(propertyPrefix) }.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    /// Sources by summary key, parsed ledger files by location (immutable, so never stale).
    private static let cache = Mutex<[String: [String: Set<String>]]>([:])

    /// Every source the ledgers of `metadata` hold, by summary key.
    public static func load(_ metadata: TableMetadata, io: any FileIO) async throws(IcebergError) -> [String: Set<String>] {
        var out: [String: Set<String>] = [:]
        for (_, location) in files(of: metadata) {
            for (key, sources) in try await read(location, io: io) { out[key, default: []].formUnion(sources) }
        }
        return out
    }

    /// The sources of one ledger file, by summary key.
    static func read(_ location: String, io: any FileIO) async throws(IcebergError) -> [String: Set<String>] {
        if let cached = cache.withLock({ $0[location] }) { return cached }
        let bytes = try await io.newInputFile(location).read()
        let json: AvroJSON
        do { json = try JSONText.parse(String(decoding: bytes, as: UTF8.self)) } catch {
            throw IcebergError(.invalidMetadata("source ledger: \(error)"), path: location)
        }
        guard json["format"]?.stringValue == "lakehouse-source-ledger", json["version"]?.intValue == 1,
              case let .object(keys)? = json["sources"] else {
            throw IcebergError(.invalidMetadata("not a version 1 source ledger"), path: location)
        }
        var out: [String: Set<String>] = [:]
        for (key, list) in keys {
            guard case let .array(items) = list else { throw IcebergError(.invalidMetadata("ledger key \(key) is not a list"), path: location) }
            var sources = Set<String>(minimumCapacity: items.count)
            for item in items {
                guard let s = item.stringValue else { throw IcebergError(.invalidMetadata("ledger entry is not a string"), path: location) }
                sources.insert(s)
            }
            out[key] = sources
        }
        cache.withLock { cache in
            // Ledgers are replaced as expiry folds them: only the newest few are worth keeping.
            if cache.count >= 16 { cache.removeAll() }
            cache[location] = out
        }
        return out
    }

    /// Writes a new ledger file holding `sources` under `tableLocation`; returns its location.
    static func write(_ sources: [String: Set<String>], tableLocation: String, io: any FileIO) async throws(IcebergError) -> String {
        let json = AvroJSON.object([
            ("format", .string("lakehouse-source-ledger")), ("version", .integer(1)),
            ("sources", .object(sources.keys.sorted().map { key in (key, .array((sources[key] ?? []).sorted().map { .string($0) })) })),
        ])
        let location = tableLocation + "/metadata/source-ledger-\(Identifiers.uuid()).json"
        try await io.newOutputFile(location).write(Array(JSONText.serialize(json).utf8), mode: .createNew)
        cache.withLock { $0[location] = sources }
        return location
    }

    /// The sources (by summary key) of the snapshots in `base`'s history of `main` that are no
    /// longer in it once `removed` are gone (the removed ones, and older ones whose chain to
    /// `main` a removal in the middle cuts).
    static func sourcesLeavingHistory(base: TableMetadata, removed: Set<Int64>) -> [String: Set<String>] {
        let before = base.currentAncestry
        var after = Set<Int64>()
        for s in before {
            if removed.contains(s.snapshotID) { break }
            after.insert(s.snapshotID)
        }
        var out: [String: Set<String>] = [:]
        for s in before where !after.contains(s.snapshotID) {
            for (key, value) in s.summary where key == AppendTransaction.sourceSummaryKey || key.hasPrefix("lakehouse.source") {
                out[key, default: []].insert(value)
            }
        }
        return out
    }
}

extension Table {
    /// `true` when `source` was committed to the table under `key`: recorded by a snapshot in the
    /// current history or, for snapshots expired since, in the table's ``SourceLedger``.
    public func hasCommitted(source: String, key: String = AppendTransaction.sourceSummaryKey) async throws(IcebergError) -> Bool {
        if metadata.hasCommitted(source: source, key: key) { return true }
        return try await SourceLedger.load(metadata, io: io)[key]?.contains(source) ?? false
    }

    /// Every source committed under `key`: the current history's and the ledger's.
    public func committedSources(key: String = AppendTransaction.sourceSummaryKey) async throws(IcebergError) -> Set<String> {
        metadata.committedSources(key: key).union(try await SourceLedger.load(metadata, io: io)[key] ?? [])
    }
}
