/// Why a log line was not turned into a row.
public enum RejectReason: Sendable, Hashable, CustomStringConvertible {
    /// The line has fewer values than its header names (a truncated row).
    case truncatedRow(expected: Int, actual: Int)
    /// A headerless line whose value count matches no known layout.
    case unknownLayout(valueCount: Int)
    /// A typed field holds a value that does not parse.
    case invalidValue(field: String, value: String)
    /// `date`/`time` (or the real-time `timestamp`) is missing or malformed.
    case missingTimestamp
    /// The line is not valid UTF-8.
    case invalidUTF8
    /// A JSON-lines record is not a flat JSON object.
    case invalidJSON(String)
    /// The line is longer than ``CloudFrontParserOptions/maximumLineLength``; the reject keeps
    /// its first `limit` bytes.
    case lineTooLong(limit: Int)

    public var description: String {
        switch self {
        case let .truncatedRow(expected, actual): return "truncated row: \(actual) values where the header names \(expected)"
        case let .unknownLayout(count): return "no header and \(count) values match no known layout"
        case let .invalidValue(field, value): return "invalid \(field) value '\(value)'"
        case .missingTimestamp: return "missing or invalid date/time"
        case .invalidUTF8: return "line is not valid UTF-8"
        case let .invalidJSON(why): return "invalid JSON record: \(why)"
        case let .lineTooLong(limit): return "line longer than \(limit) bytes"
        }
    }
}

/// A log line that did not become a row, with enough context to find and replay it.
public struct RejectRecord: Sendable, Hashable {
    /// The input it came from (file path or object key).
    public var source: String
    /// The 1-based line number within the decompressed input.
    public var lineNumber: Int
    /// Why it was rejected.
    public var reason: RejectReason
    /// The line exactly as read (without its line terminator); for
    /// ``RejectReason/lineTooLong(limit:)``, its first `limit` bytes.
    public var rawLine: [UInt8]

    public init(source: String, lineNumber: Int, reason: RejectReason, rawLine: [UInt8]) {
        self.source = source
        self.lineNumber = lineNumber
        self.reason = reason
        self.rawLine = rawLine
    }
}

/// What to do with a malformed line.
public enum MalformedLinePolicy: String, Sendable, Hashable, CaseIterable {
    /// Record it in the rejects output and go on (default).
    case reject
    /// Stop with a ``CloudFrontParseError``.
    case fail
    /// Keep the row: unparseable values and missing fields become null, and `truncated` is set
    /// when fields were missing. Lines that cannot be rows at all (invalid UTF-8, unknown
    /// layout, invalid JSON) are still rejected.
    case nullFill = "null-fill"
}

/// A parse stopped by the ``MalformedLinePolicy/fail`` policy, or an input that could not be
/// read or is not a CloudFront log.
public struct CloudFrontParseError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of problem stopped the parse.
    public enum Kind: Sendable, Hashable {
        /// The input could not be opened or read (missing, a directory, no permission, I/O error).
        case unreadable
        /// The input was to be gzip (its name ends in `.gz`) but does not start with the gzip magic.
        case notGzip
        /// The gzip stream is corrupt or truncated.
        case corruptCompression
        /// Nothing in the input reads as a CloudFront log (see ``CloudFrontLogReader``).
        case notALog
        /// A malformed line under the ``MalformedLinePolicy/fail`` policy.
        case malformedLine
        /// Anything else.
        case other
    }

    /// The input.
    public var source: String
    /// The 1-based line number, when the error concerns a line.
    public var lineNumber: Int?
    /// What went wrong.
    public var message: String
    /// What kind of problem it is.
    public var kind: Kind
    /// The offset in the input's bytes (compressed bytes for gzip) where the problem was found,
    /// when it concerns a position rather than a line.
    public var byteOffset: Int?

    public init(source: String, lineNumber: Int?, message: String, kind: Kind = .other, byteOffset: Int? = nil) {
        self.source = source
        self.lineNumber = lineNumber
        self.message = message
        self.kind = kind
        self.byteOffset = byteOffset
    }

    /// One line: `source:line: message`, or `source: message at byte N`.
    public var description: String {
        "\(source)\(lineNumber.map { ":\($0)" } ?? ""): \(message)\(byteOffset.map { " at byte \($0)" } ?? "")"
    }
}

/// Counts for one input: for every input, `acceptedRows + rejectedLines == dataLines`.
public struct ParseStatistics: Sendable, Hashable {
    /// Lines that are neither blank nor directives (`#…`).
    public var dataLines = 0
    /// Data lines that became rows.
    public var acceptedRows = 0
    /// Data lines that went to the rejects output.
    public var rejectedLines = 0
    /// Accepted rows that the null-fill policy kept with missing fields.
    public var truncatedRows = 0
    /// `#` directive lines (`#Version`, `#Fields`).
    public var directiveLines = 0
    /// Empty lines.
    public var blankLines = 0

    public init() {}

    /// Adds another input's counts.
    public mutating func add(_ other: ParseStatistics) {
        dataLines += other.dataLines
        acceptedRows += other.acceptedRows
        rejectedLines += other.rejectedLines
        truncatedRows += other.truncatedRows
        directiveLines += other.directiveLines
        blankLines += other.blankLines
    }
}
