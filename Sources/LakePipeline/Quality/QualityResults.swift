import Foundation
public import LakeDQ

/// DQ results kept as JSON lines, one run a line, in `results.jsonl` of the warehouse's quality
/// directory: `{"table", "ref", "snapshot_id", "evaluated_at_ms", "published", "result": <Glue-shaped
/// DQ result (DQReport.glueJSON)>}`. Metric history for dynamic rules lives beside it
/// (`history/`, LakeDQ's `DQMetricHistory`).
public struct QualityResults: Sendable {
    /// The directory.
    public let directory: String

    /// Results under `directory`.
    public init(directory: String) { self.directory = directory }

    /// The results file.
    public var path: String { directory + "/results.jsonl" }
    /// The metric history.
    public var history: DQMetricHistory { DQMetricHistory(directory: directory + "/history") }

    /// Appends one run's result.
    public func record(_ report: DQReport, table: String, ref: String, snapshotID: Int64?, published: Bool?) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let glue = try JSONSerialization.jsonObject(with: Data(try report.glueJSON().utf8))
        var line: [String: Any] = ["table": table, "ref": ref, "evaluated_at_ms": Int64(Date().timeIntervalSince1970 * 1000),
                                   "result": glue]
        if let snapshotID { line["snapshot_id"] = snapshotID }
        if let published { line["published"] = published }
        var bytes = try JSONSerialization.data(withJSONObject: line, options: [.sortedKeys, .withoutEscapingSlashes])
        bytes.append(UInt8(ascii: "\n"))
        if !FileManager.default.fileExists(atPath: path) { _ = FileManager.default.createFile(atPath: path, contents: nil) }
        guard let handle = FileHandle(forWritingAtPath: path) else { throw PipelineError("cannot open \(path)") }
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: bytes)
    }
}
