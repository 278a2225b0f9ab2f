/// The parts of a CloudFront standard-log object name:
/// `<prefix>/<DISTRIBUTION_ID>.YYYY-MM-DD-HH.<unique-id>.gz`.
public struct LogObjectKey: Sendable, Hashable {
    /// The key prefix, without the trailing `/` (may be empty).
    public var prefix: String
    /// The distribution id (`E2ABCDEF123`).
    public var distributionID: String
    /// The UTC hour the requests occurred in, as microseconds since the epoch.
    public var hourMicroseconds: Int64
    /// The unique id that tells files of one hour apart.
    public var uniqueID: String

    /// Parses a key or path; `nil` when its last component does not follow the naming scheme.
    public init?(_ key: String) {
        let slash = key.lastIndex(of: "/")
        let name = slash.map { String(key[key.index(after: $0)...]) } ?? key
        prefix = slash.map { String(key[..<$0]) } ?? ""
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        // DIST . YYYY-MM-DD-HH . unique [. gz]
        guard parts.count >= 3, parts.count <= 4, !parts[0].isEmpty, !parts[2].isEmpty,
              parts.count == 3 || parts[3] == "gz" else { return nil }
        guard parts[0].allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else { return nil }
        let stamp = Array(parts[1].utf8)
        guard stamp.count == 13, stamp[10] == UInt8(ascii: "-") else { return nil }
        let hour: Int? = stamp.withUnsafeBufferPointer { b in
            guard let h = ValueParsers.digits(b.baseAddress!, 11, 2), h < 24 else { return nil }
            return h
        }
        let day: Int32? = stamp.withUnsafeBufferPointer { ValueParsers.date($0.baseAddress!, 10) }
        guard let hour, let day else { return nil }
        distributionID = String(parts[0])
        hourMicroseconds = (Int64(day) * 24 + Int64(hour)) * 3_600_000_000
        uniqueID = String(parts[2])
    }
}
