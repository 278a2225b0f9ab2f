/// Where a table's files live: every byte of a table (metadata, manifest lists, manifests, data
/// and delete files) is read and written through one.
///
/// The protocol is small and asynchronous so that an object store fits without IcebergKit
/// changing: ``LocalFileIO`` is the local disk; an S3 implementation lives in an adapter module.
/// A `FileIO` hands out ``InputFile``s (length and ranged reads) and ``OutputFile``s (streaming
/// writes, published atomically; create-if-absent for metadata so that nothing is overwritten).
///
/// ```swift
/// let io: any FileIO = LocalFileIO()
/// let input = io.newInputFile("file:///warehouse/db/t/metadata/00001-….metadata.json")
/// let bytes = try await input.read()
/// ```
public protocol FileIO: Sendable {
    /// A file to read at `location` (not opened until read).
    func newInputFile(_ location: String) -> any InputFile
    /// A file to read whose length is already known (from a manifest or a listing), so that an
    /// object store need not ask for it before the first ranged read.
    func newInputFile(_ location: String, length: Int64) -> any InputFile
    /// A file to write at `location` (nothing appears there until a writer closes).
    func newOutputFile(_ location: String) -> any OutputFile
    /// Deletes the file at `location`; deleting a file that is not there is not an error.
    func delete(_ location: String) async throws(IcebergError)
    /// Deletes many files; returns the locations that could not be deleted with their errors
    /// (an object store deletes them in batches).
    func delete(_ locations: [String]) async -> [(location: String, error: IcebergError)]
    /// Every file whose location starts with `prefix`, in pages (for orphan removal).
    func list(prefix: String) -> FileListing
}

extension FileIO {
    /// By default the known length is not used (the local disk's `stat` is as cheap).
    public func newInputFile(_ location: String, length: Int64) -> any InputFile { newInputFile(location) }

    public func delete(_ locations: [String]) async -> [(location: String, error: IcebergError)] {
        var failures: [(location: String, error: IcebergError)] = []
        for location in locations {
            do throws(IcebergError) { try await delete(location) } catch { failures.append((location, error)) }
        }
        return failures
    }

    /// Deletes files whose removal is only tidying (files a failed commit wrote): failures are
    /// left for orphan removal.
    func deleteQuietly(_ locations: [String]) async {
        guard !locations.isEmpty else { return }
        _ = await delete(locations)
    }
}

/// A file to read: its length and byte ranges.
public protocol InputFile: Sendable {
    var location: String { get }
    /// The file's size in bytes (``IcebergError/Kind/notFound(_:)`` when it is not there).
    func length() async throws(IcebergError) -> Int64
    /// `count` bytes from `offset`; a range past the end is an error, never a short read.
    func read(from offset: Int64, count: Int) async throws(IcebergError) -> [UInt8]
    /// Whether the file exists.
    func exists() async throws(IcebergError) -> Bool
    /// The whole file (metadata, manifests: small files). The default asks for the length, then
    /// reads that range; storage that can do both at once (one `open`, one GET) does.
    func read() async throws(IcebergError) -> [UInt8]
}

extension InputFile {
    /// The whole file: its length, then that range.
    public func read() async throws(IcebergError) -> [UInt8] {
        let size = try await length()
        guard size <= Int64(Int32.max) else { throw IcebergError(.io("file of \(size) bytes is too large to read whole"), path: location) }
        return try await read(from: 0, count: Int(size))
    }
}

/// How an ``OutputFile`` treats a file already at its location when the writer publishes.
public enum WriteMode: Sendable, Hashable {
    /// Fail with ``IcebergError/Kind/alreadyExists(_:)`` if something is there: metadata files,
    /// whose names must never be reused.
    case createNew
    /// Replace what is there.
    case overwrite
}

/// A file to write, streamed through a ``FileWriter``.
public protocol OutputFile: Sendable {
    var location: String { get }
    /// Opens a writer. Nothing is visible at ``location`` until ``FileWriter/close()`` succeeds;
    /// an aborted or failed writer leaves nothing behind.
    func writer(mode: WriteMode) async throws(IcebergError) -> any FileWriter
}

extension OutputFile {
    /// Writes `bytes` as the whole file.
    public func write(_ bytes: [UInt8], mode: WriteMode = .createNew) async throws(IcebergError) {
        let writer = try await self.writer(mode: mode)
        do throws(IcebergError) {
            try await writer.write(bytes)
            try await writer.close()
        } catch {
            await writer.abort()
            throw error
        }
    }
}

/// A streaming write of one file: bytes are appended in order, then the file is published
/// atomically by ``close()`` (a link into place on disk, a completed multipart upload on S3).
public protocol FileWriter: AnyObject, Sendable {
    /// Appends `bytes`.
    func write(_ bytes: [UInt8]) async throws(IcebergError)
    /// Bytes written so far.
    var position: Int64 { get }
    /// Publishes the file (under the writer's ``WriteMode``).
    func close() async throws(IcebergError)
    /// Abandons the file; nothing appears at its location.
    func abort() async
}

/// One file found by ``FileIO/list(prefix:)``.
public struct FileInfo: Sendable, Hashable {
    public var location: String
    public var size: Int64
    /// Last modification, milliseconds since the epoch (orphan removal keeps recent files).
    public var lastModifiedMs: Int64

    public init(location: String, size: Int64, lastModifiedMs: Int64) {
        self.location = location
        self.size = size
        self.lastModifiedMs = lastModifiedMs
    }
}

/// The files under a prefix, one page at a time, so that listing a large table holds one page.
public struct FileListing: AsyncSequence, Sendable {
    public typealias Element = [FileInfo]
    public typealias Failure = IcebergError
    /// Fetches the page after continuation token `token` (nil: the first); returns the page and
    /// the next token (nil: that was the last page).
    public typealias PageFetcher = @Sendable (_ token: String?) async throws(IcebergError) -> (page: [FileInfo], next: String?)
    let nextPage: PageFetcher

    public init(nextPage: @escaping PageFetcher) {
        self.nextPage = nextPage
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        let nextPage: PageFetcher
        var token: String?
        var finished = false

        public mutating func next() async throws(IcebergError) -> [FileInfo]? {
            guard !finished else { return nil }
            let (page, next) = try await nextPage(token)
            token = next
            finished = next == nil
            return page
        }

    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(nextPage: nextPage) }

    /// Every file, gathered (small prefixes, tests).
    public func all() async throws(IcebergError) -> [FileInfo] {
        var out: [FileInfo] = []
        var iterator = makeAsyncIterator()
        while let page = try await iterator.next() { out += page }
        return out
    }
}
