import Foundation
public import CloudFrontLogs

/// A log object in bronze, as CloudFront delivers it: `DISTRIBUTION.YYYY-MM-DD-HH.ID.gz`.
public struct BronzeObject: Sendable, Hashable {
    /// The file to read.
    public var path: String
    /// The object's key: the name recorded in silver's exactly-once ledger and in every row's
    /// `source_object` (a local object's file name; an S3 object's key).
    public var key: String
    /// The parsed name: distribution, hour, unique id.
    public var name: LogObjectKey

    /// The object at `path` under `key`; nil when the key's last component is not a CloudFront
    /// log name.
    public init?(path: String, key: String) {
        guard let name = LogObjectKey(key) else { return nil }
        self.path = path
        self.key = key
        self.name = name
    }

    /// The CloudFront-named objects in `directory` (not recursive), oldest hour first; other
    /// files are left out. The key of each is its file name.
    public static func list(directory: String) throws -> [BronzeObject] {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory)
        let objects = names.compactMap { BronzeObject(path: directory + "/" + $0, key: $0) }
        return objects.sorted { ($0.name.hourMicroseconds, $0.key) < ($1.name.hourMicroseconds, $1.key) }
    }
}
