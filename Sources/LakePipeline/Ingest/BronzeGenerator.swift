import Foundation
public import CloudFrontLogs
import LakeCodecs

/// Writes generated CloudFront log objects into a bronze folder, as CloudFront names and
/// compresses them (`DIST.YYYY-MM-DD-HH.ID.gz`), one per hour: demos and tests of the pipeline.
/// Each object is generated and compressed a piece at a time (bounded memory at any size) and
/// appears under its name only when complete.
public struct BronzeGenerator {
    /// The seeded generator (the same seed gives the same objects).
    public var generator: LogGenerator

    /// A generator seeded with `seed`.
    public init(seed: UInt64) { generator = LogGenerator(seed: seed) }

    /// Writes `objects` hourly objects of `rows` requests each, the first starting at
    /// `firstHourMicros`; `extraLines` are appended (raw, e.g. malformed lines) to the first
    /// object. Returns the paths, in hour order.
    public mutating func write(directory: String, objects: Int, rows: Int, firstHourMicros: Int64,
                               extraLines: [String] = []) throws -> [String] {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var paths: [String] = []
        for k in 0..<objects {
            let hour = firstHourMicros + Int64(k) * 3_600_000_000
            let pending = directory + "/.generating-\(ProcessInfo.processInfo.processIdentifier).gz"
            guard FileManager.default.createFile(atPath: pending, contents: nil), let file = FileHandle(forWritingAtPath: pending) else {
                throw PipelineError("cannot create \(pending)")
            }
            defer { try? file.close() }
            let deflater = try Deflater(format: .gzip, level: 6)
            func compress(_ text: [UInt8]) throws {
                var out: [UInt8] = []
                try text.withUnsafeBytes { raw in try deflater.encode(raw) { out.append(contentsOf: $0) } }
                try file.write(contentsOf: out)
            }
            try generator.logFile(rows: rows, hourStartMicros: hour) { piece in try compress(piece) }
            if k == 0 { for line in extraLines { try compress(Array((line + "\n").utf8)) } }
            var tail: [UInt8] = []
            try deflater.finish { tail += $0 }
            try file.write(contentsOf: tail)
            try file.close()
            let path = directory + "/" + generator.objectName(hourStartMicros: hour)
            if FileManager.default.fileExists(atPath: path) { try FileManager.default.removeItem(atPath: path) }
            try FileManager.default.moveItem(atPath: pending, toPath: path)
            paths.append(path)
        }
        return paths
    }

    /// Two malformed lines (a bad number, an impossible date) that the parser rejects.
    public static let malformedLines = [
        "2024-03-07\t20:00:01\tFRA56-P1\tnot-a-number\t192.0.2.1\tGET",
        "2024-13-45\t25:00:00\tFRA56-P1\t100\t192.0.2.1\tGET\td.cloudfront.net\t/\t200\t-\t-\t-",
    ]
}
