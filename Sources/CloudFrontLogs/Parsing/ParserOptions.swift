/// The layout of the input lines.
public enum CloudFrontLogFormat: Sendable, Hashable {
    /// Standard (legacy) logs and standard logging v2 in W3C format: `#Version`/`#Fields` header,
    /// values separated by `delimiter` (tab by default). Headerless input falls back to the
    /// canonical layout of the same value count.
    case standard(delimiter: UInt8 = UInt8(ascii: "\t"))
    /// Real-time logs: no header; the configured field names in canonical order, tab-separated,
    /// `timestamp` as epoch seconds.
    case realtime(fields: [String])
    /// Standard logging v2 "Plain": no header; the configured field list, `delimiter`-separated.
    case plain(fields: [String], delimiter: UInt8)
    /// Standard logging v2 JSON: one flat object per line keyed by field name.
    case jsonLines

    /// The standard tab-separated format.
    public static let standardTab = CloudFrontLogFormat.standard()
}

/// How the parsers read their input.
public struct CloudFrontParserOptions: Sendable {
    /// The line layout.
    public var format: CloudFrontLogFormat
    /// What happens to malformed lines.
    public var policy: MalformedLinePolicy
    /// Rows per record batch.
    public var batchSize: Int
    /// Catalogue fields beyond the 33 standard ones to keep as columns (e.g. `c-country` for v2).
    /// Real-time formats add their configured fields automatically.
    public var additionalFields: [CloudFrontField]
    /// Fields that get a `<column>_decoded` column, with their decode depth.
    public var decodedFields: [(field: CloudFrontField, depth: PercentDecoding.Depth)]
    /// The longest line kept in memory (default 8 MiB). A longer line is rejected
    /// (``RejectReason/lineTooLong(limit:)``, under every policy but ``MalformedLinePolicy/fail``),
    /// so memory stays bounded whatever the input.
    public var maximumLineLength: Int

    public init(format: CloudFrontLogFormat = .standardTab, policy: MalformedLinePolicy = .reject,
                batchSize: Int = 65_536, additionalFields: [CloudFrontField] = [],
                decodedFields: [(field: CloudFrontField, depth: PercentDecoding.Depth)] = [],
                maximumLineLength: Int = 8 << 20) {
        self.format = format
        self.policy = policy
        self.batchSize = max(1, batchSize)
        self.additionalFields = additionalFields
        self.decodedFields = decodedFields
        self.maximumLineLength = max(maximumLineLength, 64)
    }

    /// The output schema these options produce.
    public var schema: CloudFrontSchema {
        var fields = CloudFrontField.standard
        var extra = additionalFields
        switch format {
        case let .realtime(names), let .plain(names, _):
            let isRealtime: Bool
            if case .realtime = format { isRealtime = true } else { isRealtime = false }
            for name in names {
                if let f = isRealtime ? RealtimeFieldNames.field(for: name) : CloudFrontField(name: name) { extra.append(f) }
            }
        default:
            break
        }
        for f in extra where !fields.contains(f) { fields.append(f) }
        return CloudFrontSchema(fields: fields, decoded: decodedFields)
    }
}

/// Real-time log field names, with the `cs-host`/`x-host-header` swap applied: in real-time
/// logs `cs-host` is the viewer's Host header (the legacy `x-host-header`) and `x-host-header`
/// the distribution domain (the legacy `cs(Host)`).
public enum RealtimeFieldNames {
    /// The canonical real-time field order as published in 2023.
    public static let canonical: [String] = [
        "timestamp", "c-ip", "time-to-first-byte", "sc-status", "sc-bytes", "cs-method", "cs-protocol", "cs-host",
        "cs-uri-stem", "cs-bytes", "x-edge-location", "x-edge-request-id", "x-host-header", "time-taken",
        "cs-protocol-version", "c-ip-version", "cs-user-agent", "cs-referer", "cs-cookie", "cs-uri-query",
        "x-edge-response-result-type", "x-forwarded-for", "ssl-protocol", "ssl-cipher", "x-edge-result-type",
        "fle-encrypted-fields", "fle-status", "sc-content-type", "sc-content-len", "sc-range-start", "sc-range-end",
        "c-port", "x-edge-detailed-result-type", "c-country", "cs-accept-encoding", "cs-accept",
        "cache-behavior-path-pattern", "cs-headers", "cs-header-names", "cs-headers-count", "origin-fbl",
        "origin-lbl", "asn",
    ]

    /// The catalogue field a real-time name maps to (`nil` for `timestamp` and unknown names).
    public static func field(for name: String) -> CloudFrontField? {
        switch name.lowercased() {
        case "timestamp": return nil
        case "cs-host": return .hostHeader
        case "x-host-header": return .csHost
        default: return CloudFrontField(name: name)
        }
    }
}
