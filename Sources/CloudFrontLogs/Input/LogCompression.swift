/// How a ``CloudFrontLogReader`` tells gzip input from plain text.
public enum LogCompression: Sendable, Hashable {
    /// gzip when the input starts with the gzip magic bytes (1F 8B), plain text otherwise.
    case detect
    /// gzip: input that does not start with the gzip magic is an error
    /// (``CloudFrontParseError/Kind/notGzip``), never read as text.
    case gzip

    /// What a file or object name implies: ``gzip`` for a name ending in `.gz` (as CloudFront
    /// names its log files), else ``detect``.
    public static func implied(byName name: String) -> LogCompression {
        name.lowercased().hasSuffix(".gz") ? .gzip : .detect
    }
}
