import Foundation

/// One past evaluation: each rule's primary metric (keyed by rule text) and every metric by
/// its Glue name.
public struct DQHistoryEntry: Sendable, Hashable, Codable {
    public var dataset: String
    /// Microseconds since the Unix epoch.
    public var time: Int64
    public var rules: [String: Double]
    public var metrics: [String: Double]

    public init(dataset: String, time: Int64, rules: [String: Double], metrics: [String: Double]) {
        self.dataset = dataset
        self.time = time
        self.rules = rules
        self.metrics = metrics
    }
}

/// A metric history kept as JSON lines in a directory, one file per dataset.
///
/// Dynamic rules (`RowCount > avg(last(7))`) and `DetectAnomalies` read it; each run appends
/// one entry. Appends go to a temporary file renamed over the old one, so a crash leaves either
/// the old or the new history, never a torn line.
public struct DQMetricHistory: Sendable {
    public var directory: String

    public init(directory: String) {
        self.directory = directory
    }

    private func path(for dataset: String) -> String {
        let safe = String(dataset.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." ? $0 : "_" })
        return directory + "/" + (safe.isEmpty ? "dataset" : safe) + ".jsonl"
    }

    /// The entries for `dataset`, oldest first.
    public func load(dataset: String) throws(DQDataError) -> [DQHistoryEntry] {
        let file = path(for: dataset)
        guard FileManager.default.fileExists(atPath: file) else { return [] }
        let text: String
        do {
            text = try String(contentsOfFile: file, encoding: .utf8)
        } catch {
            throw DQDataError(path: file, reason: "cannot read history: \(error)")
        }
        var entries: [DQHistoryEntry] = []
        let decoder = JSONDecoder()
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: true).enumerated() {
            do {
                entries.append(try decoder.decode(DQHistoryEntry.self, from: Data(line.utf8)))
            } catch {
                throw DQDataError(path: file, reason: "line \(number + 1) is not a history entry: \(error)")
            }
        }
        return entries
    }

    /// Appends `entry`.
    public func append(_ entry: DQHistoryEntry) throws(DQDataError) {
        let file = path(for: entry.dataset)
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            var existing = FileManager.default.contents(atPath: file) ?? Data()
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            existing.append(try encoder.encode(entry))
            existing.append(UInt8(ascii: "\n"))
            let temporary = file + ".tmp-\(ProcessInfo.processInfo.processIdentifier)"
            try existing.write(to: URL(fileURLWithPath: temporary))
            // rename(2) replaces the old history atomically.
            guard rename(temporary, file) == 0 else {
                throw DQDataError(path: file, reason: "cannot replace history: errno \(errno)")
            }
        } catch {
            throw DQDataError(path: file, reason: "cannot append history: \(error)")
        }
    }
}
