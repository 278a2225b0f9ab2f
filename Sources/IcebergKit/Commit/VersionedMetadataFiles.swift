/// The numbered metadata files of a table whose only catalog is its storage (Java's
/// `HadoopTableOperations` layout): `<table>/metadata/v1.metadata.json`, `v2…`, and a
/// `version-hint.text` holding the last committed number.
///
/// The current metadata is the highest version that exists. A commit writes version N+1 with
/// ``WriteMode/createNew``, so when two writers race for it exactly one file is published and the
/// other writer gets ``IcebergError/Kind/commitConflict(_:)``. The hint only saves a listing: it is
/// read, then versions above it are probed until one is missing; a missing or unreadable hint, or
/// one naming a version that is not there, falls back to listing `metadata/`.
struct VersionedMetadataFiles: Sendable {
    /// The table's location, without a trailing slash.
    let tableLocation: String
    let io: any FileIO

    /// The current version and its metadata.
    struct Current: Sendable {
        var version: Int
        var committed: CommittedMetadata
    }

    var metadataPrefix: String { tableLocation + "/metadata/" }

    var hintLocation: String { metadataPrefix + "version-hint.text" }

    func location(ofVersion version: Int) -> String { metadataPrefix + "v\(version).metadata.json" }

    /// The version of a metadata file named `v<N>.metadata.json` (N ≥ 1, decimal digits), or nil
    /// for any other name.
    static func version(ofFileName name: Substring) -> Int? {
        guard name.hasPrefix("v"), name.hasSuffix(".metadata.json") else { return nil }
        let digits = name.dropFirst().dropLast(".metadata.json".count)
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let n = Int(digits), n >= 1 else { return nil }
        return n
    }

    // MARK: Reading

    /// The newest metadata, or nil when no version exists (no table here).
    func current() async throws(IcebergError) -> Current? {
        if let hint = await readHint() {
            let top = try await probe(above: hint)
            do throws(IcebergError) {
                return try await read(version: top)
            } catch {
                // A hint naming a version that is not there (garbage, or files removed): list.
                guard case .notFound = error.kind, top == hint else { throw error }
            }
        }
        guard let listed = try await highestListed() else { return nil }
        return try await read(version: try await probe(above: listed))
    }

    /// The hinted version; nil when the hint is missing, unreadable or not a positive number.
    /// Never an error: a hint is a guess, and listing is the fallback.
    func readHint() async -> Int? {
        let bytes: [UInt8]
        do throws(IcebergError) { bytes = try await io.newInputFile(hintLocation).read() } catch { return nil }
        guard bytes.count <= 32 else { return nil }
        let text = String(decoding: bytes, as: UTF8.self).trimmingWhitespace
        guard let n = Int(text), n >= 1 else { return nil }
        return n
    }

    /// The highest version at or above `known` that can be reached by probing `known + 1`,
    /// `known + 2`, … until one is missing (a commit only ever writes one above the newest).
    func probe(above known: Int) async throws(IcebergError) -> Int {
        var top = known
        while try await io.newInputFile(location(ofVersion: top + 1)).exists() { top += 1 }
        return top
    }

    /// The highest version among the files under `metadata/`, or nil when there is none.
    func highestListed() async throws(IcebergError) -> Int? {
        var highest: Int?
        for try await page in io.list(prefix: metadataPrefix) {
            for file in page {
                guard file.location.hasPrefix(metadataPrefix) else { continue }
                let name = file.location.dropFirst(metadataPrefix.count)
                if let v = Self.version(ofFileName: name) { highest = max(highest ?? v, v) }
            }
        }
        return highest
    }

    /// Every version file under `metadata/`, oldest first.
    func listedVersions() async throws(IcebergError) -> [(version: Int, location: String)] {
        var out: [(version: Int, location: String)] = []
        for try await page in io.list(prefix: metadataPrefix) {
            for file in page where file.location.hasPrefix(metadataPrefix) {
                if let v = Self.version(ofFileName: file.location.dropFirst(metadataPrefix.count)) { out.append((v, file.location)) }
            }
        }
        return out.sorted { $0.version < $1.version }
    }

    func read(version: Int) async throws(IcebergError) -> Current {
        let location = location(ofVersion: version)
        let metadata = try await MetadataFileCommit.read(location, io: io)
        return Current(version: version, committed: CommittedMetadata(metadata: metadata, location: location))
    }

    // MARK: Writing

    /// Publishes `metadata` as version `version`, create-if-absent; writes the hint after.
    ///
    /// When the write fails, the file now at that name decides the outcome: the very bytes of
    /// `metadata` mean this writer's request landed (an object store's retried PUT answers `412`
    /// to its own first attempt) and the commit succeeded; other bytes mean another writer won
    /// (``IcebergError/Kind/commitConflict(_:)``); no file after a failure other than
    /// "already exists" leaves the outcome open (``IcebergError/Kind/commitStateUnknown(_:)``:
    /// a request that timed out may still land, so the commit's files must stay).
    func publish(_ metadata: TableMetadata, version: Int) async throws(IcebergError) -> CommittedMetadata {
        let location = location(ofVersion: version)
        let bytes = Array(metadata.jsonText.utf8)
        do throws(IcebergError) {
            try await io.newOutputFile(location).write(bytes, mode: .createNew)
        } catch {
            let there: [UInt8]?
            do throws(IcebergError) {
                there = try await io.newInputFile(location).read()
            } catch let check {
                guard case .notFound = check.kind else {
                    throw IcebergError(.commitStateUnknown("\(error); checking the file failed: \(check)"), path: location)
                }
                there = nil
            }
            switch (there, error.kind) {
            case (let there?, _) where there == bytes:
                break  // ours: an earlier attempt of the same request was published
            case (.some, _):
                throw IcebergError(.commitConflict("version \(version) was committed by another writer"), path: location)
            case (nil, .alreadyExists):
                throw IcebergError(.commitConflict("version \(version) existed, then was removed (a concurrent drop?)"), path: location)
            case (nil, _):
                throw IcebergError(.commitStateUnknown("\(error)"), path: location)
            }
        }
        await writeHint(version)
        return CommittedMetadata(metadata: metadata, location: location)
    }

    /// Overwrites the hint; a failure is ignored (readers probe and list past a stale hint).
    func writeHint(_ version: Int) async {
        do throws(IcebergError) {
            try await io.newOutputFile(hintLocation).write(Array(String(version).utf8), mode: .overwrite)
        } catch {
            // A hint is only a guess: a stale or missing one costs readers a probe or a listing.
        }
    }
}

extension String {
    /// The text without leading and trailing whitespace.
    fileprivate var trimmingWhitespace: String {
        guard let start = firstIndex(where: { !$0.isWhitespace }), let end = lastIndex(where: { !$0.isWhitespace }) else { return "" }
        return String(self[start...end])
    }
}
