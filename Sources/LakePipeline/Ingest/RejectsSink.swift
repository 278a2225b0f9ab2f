import Foundation
public import CloudFrontLogs
import LakeColumnar

/// Rejected log lines as JSON lines — `{"source":…,"line":…,"reason":…,"raw":…}`, one object per
/// line — streamed to a file that appears only when ``close()`` succeeds (written under a
/// temporary name beside it, then renamed), so a failed ingest leaves no partial file.
///
/// The medallion keeps one such file per bronze object next to the commit that accounted for
/// its lines (``SilverIngest``): rejects are raw text for a person to read and replay, rare, and
/// of no fixed schema, so a file beside the data says more than a table would.
public final class RejectsSink {
    /// Where the file appears.
    public let path: String
    private let temporaryPath: String
    private var handle: FileHandle?
    private var buffer: [UInt8] = []
    /// Lines written so far.
    public private(set) var count = 0

    /// Opens a sink that will publish `path` (its directory is created).
    public init(path: String) throws {
        self.path = path
        temporaryPath = path + ".tmp-\(ProcessInfo.processInfo.processIdentifier)"
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
        guard FileManager.default.createFile(atPath: temporaryPath, contents: nil),
              let handle = FileHandle(forWritingAtPath: temporaryPath) else {
            throw PipelineError("cannot create \(temporaryPath)")
        }
        self.handle = handle
    }

    deinit {
        if let handle {
            try? handle.close()
            try? FileManager.default.removeItem(atPath: temporaryPath)
        }
    }

    /// Appends one reject.
    public func write(_ reject: RejectRecord) throws {
        buffer += Self.json(reject)
        count += 1
        if buffer.count >= 1 << 16 { try flush() }
    }

    /// Publishes the file (an empty one when nothing was rejected).
    public func close() throws {
        try flush()
        guard let handle else { return }
        try handle.close()
        self.handle = nil
        if FileManager.default.fileExists(atPath: path) { try FileManager.default.removeItem(atPath: path) }
        try FileManager.default.moveItem(atPath: temporaryPath, toPath: path)
    }

    private func flush() throws {
        guard !buffer.isEmpty, let handle else { return }
        try handle.write(contentsOf: buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    /// A reject as one JSON line: source, line, reason and the raw line (bytes that are not UTF-8
    /// escaped by the encoder).
    public static func json(_ reject: RejectRecord) -> [UInt8] {
        var out: [UInt8] = []
        // The schema and columns are fixed and well-formed: the encoder cannot fail on them.
        guard let schema = try? Schema(fields: [
            Field(name: "source", id: 1, type: .string), Field(name: "line", id: 2, type: .int64),
            Field(name: "reason", id: 3, type: .string), Field(name: "raw", id: 4, type: .string),
        ]), let batch = try? RecordBatch(schema: schema, columns: [
            .binary(BinaryColumn([reject.source])), .int64(PrimitiveColumn<Int64>(values: [Int64(reject.lineNumber)])),
            .binary(BinaryColumn([reject.reason.description])), .binary(BinaryColumn(bytes: [reject.rawLine])),
        ]) else { return out }
        JSONLinesEncoder().encode(batch, into: &out)
        return out
    }
}
