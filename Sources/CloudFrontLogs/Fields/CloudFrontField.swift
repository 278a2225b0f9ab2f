public import LakeColumnar

/// A field of the CloudFront log catalogue: the 33 standard-log fields in their canonical
/// order, followed by the fields only real-time logs and standard logging v2 can carry.
///
/// Names are the hyphenated log names; ``columnName`` is the Athena column. Parsing is always
/// driven by a field list (the `#Fields` header, or a configured list), never by position alone.
public enum CloudFrontField: Int, Sendable, Hashable, CaseIterable {
    // Standard logs, canonical order (every historical layout is a prefix of this).
    case date, time, edgeLocation, scBytes, clientIP, method, csHost, uriStem, status, referrer, userAgent, uriQuery
    case cookie, edgeResultType, edgeRequestID, hostHeader, `protocol`, csBytes, timeTaken, forwardedFor
    case sslProtocol, sslCipher, edgeResponseResultType, protocolVersion, fleStatus, fleEncryptedFields
    case clientPort, timeToFirstByte, edgeDetailedResultType, contentType, contentLength, rangeStart, rangeEnd
    // Real-time and v2 only.
    case clientIPVersion, country, acceptEncoding, accept, cacheBehaviorPathPattern, headers, headerNames
    case headersCount, originFirstByteLatency, originLastByteLatency, asn

    /// The number of fields in the current standard layout.
    public static let standardCount = 33

    /// The standard fields in canonical order.
    public static let standard: [CloudFrontField] = Array(allCases.prefix(standardCount))

    /// The name as written in a standard-log `#Fields` header.
    public var logName: String {
        switch self {
        case .date: return "date"
        case .time: return "time"
        case .edgeLocation: return "x-edge-location"
        case .scBytes: return "sc-bytes"
        case .clientIP: return "c-ip"
        case .method: return "cs-method"
        case .csHost: return "cs(Host)"
        case .uriStem: return "cs-uri-stem"
        case .status: return "sc-status"
        case .referrer: return "cs(Referer)"
        case .userAgent: return "cs(User-Agent)"
        case .uriQuery: return "cs-uri-query"
        case .cookie: return "cs(Cookie)"
        case .edgeResultType: return "x-edge-result-type"
        case .edgeRequestID: return "x-edge-request-id"
        case .hostHeader: return "x-host-header"
        case .`protocol`: return "cs-protocol"
        case .csBytes: return "cs-bytes"
        case .timeTaken: return "time-taken"
        case .forwardedFor: return "x-forwarded-for"
        case .sslProtocol: return "ssl-protocol"
        case .sslCipher: return "ssl-cipher"
        case .edgeResponseResultType: return "x-edge-response-result-type"
        case .protocolVersion: return "cs-protocol-version"
        case .fleStatus: return "fle-status"
        case .fleEncryptedFields: return "fle-encrypted-fields"
        case .clientPort: return "c-port"
        case .timeToFirstByte: return "time-to-first-byte"
        case .edgeDetailedResultType: return "x-edge-detailed-result-type"
        case .contentType: return "sc-content-type"
        case .contentLength: return "sc-content-len"
        case .rangeStart: return "sc-range-start"
        case .rangeEnd: return "sc-range-end"
        case .clientIPVersion: return "c-ip-version"
        case .country: return "c-country"
        case .acceptEncoding: return "cs-accept-encoding"
        case .accept: return "cs-accept"
        case .cacheBehaviorPathPattern: return "cache-behavior-path-pattern"
        case .headers: return "cs-headers"
        case .headerNames: return "cs-header-names"
        case .headersCount: return "cs-headers-count"
        case .originFirstByteLatency: return "origin-fbl"
        case .originLastByteLatency: return "origin-lbl"
        case .asn: return "asn"
        }
    }

    /// The Athena column name (note `cs_referrer`, with double r, as in Athena's legacy DDL).
    public var columnName: String {
        switch self {
        case .csHost: return "cs_host"
        case .referrer: return "cs_referrer"
        case .userAgent: return "cs_user_agent"
        case .cookie: return "cs_cookie"
        default: return logName.replacingHyphens()
        }
    }

    /// The column type (Athena legacy DDL types; low-cardinality text dictionary-encoded).
    public var dataType: DataType {
        switch self {
        case .date: return .date32
        case .scBytes, .csBytes, .contentLength, .rangeStart, .rangeEnd, .asn: return .int64
        case .status, .fleEncryptedFields, .clientPort, .headersCount: return .int32
        case .timeTaken, .timeToFirstByte, .originFirstByteLatency, .originLastByteLatency: return .float32
        case .edgeLocation, .method, .csHost, .edgeResultType, .hostHeader, .`protocol`, .sslProtocol, .sslCipher,
             .edgeResponseResultType, .protocolVersion, .fleStatus, .edgeDetailedResultType, .contentType,
             .clientIPVersion, .country, .cacheBehaviorPathPattern:
            return .dictionaryString
        default: return .string
        }
    }

    /// Looks up a field by any of its spellings: log name (`cs(User-Agent)`), lowercase
    /// (`cs(user-agent)`, as Athena's JSON DDL writes it), hyphenated (`cs-user-agent`) or
    /// snake_case (`cs_user_agent`, `cs_referer`). Case-insensitive.
    ///
    /// Real-time logs spell `cs-host` and `x-host-header` with swapped meanings; their parser
    /// applies that swap explicitly (see ``RealtimeFieldNames``).
    public init?(name: String) {
        guard let field = Self.aliases[name.lowercased()] else { return nil }
        self = field
    }

    static let aliases: [String: CloudFrontField] = {
        var table: [String: CloudFrontField] = [:]
        for field in allCases {
            table[field.logName.lowercased()] = field
            table[field.columnName] = field
            table[field.columnName.replacingUnderscores()] = field
        }
        table["cs-referer"] = .referrer
        table["cs_referer"] = .referrer
        table["cs-referrer"] = .referrer
        table["cs-user-agent"] = .userAgent
        table["cs-cookie"] = .cookie
        table["cs-host"] = .csHost
        return table
    }()
}

extension String {
    func replacingHyphens() -> String { String(map { $0 == "-" ? "_" : $0 }) }
    func replacingUnderscores() -> String { String(map { $0 == "_" ? "-" : $0 }) }
}
