/// A deterministic generator of realistic CloudFront standard logs (33-field layout).
///
/// The same seed always yields the same bytes, so tests, the demo and the benchmarks share one
/// corpus. Values follow the shapes real logs have: a few dozen edge locations, IPv4 and IPv6
/// viewers, mostly `GET 200 Hit`, some `304`/`404`/`5xx`/`000`, percent-encoded user agents
/// (a fraction double-encoded, as before 2020), query strings, `-` for absent values,
/// multi-address `x-forwarded-for`, heavy-tailed byte counts and latencies.
public struct LogGenerator: Sendable {
    private var rng: SplitMix
    /// The distribution id written into `cs(Host)` and the object names.
    public var distributionID: String

    public init(seed: UInt64, distributionID: String = "E2EXAMPLE4TEST") {
        rng = SplitMix(state: seed)
        self.distributionID = distributionID
    }

    static let header = "#Version: 1.0\n#Fields: date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status cs(Referer) cs(User-Agent) cs-uri-query cs(Cookie) x-edge-result-type x-edge-request-id x-host-header cs-protocol cs-bytes time-taken x-forwarded-for ssl-protocol ssl-cipher x-edge-response-result-type cs-protocol-version fle-status fle-encrypted-fields c-port time-to-first-byte x-edge-detailed-result-type sc-content-type sc-content-len sc-range-start sc-range-end\n"

    static let edges = ["FRA56-P1", "FRA2-C1", "IAD89-C3", "IAD12-P2", "NRT57-P2", "LHR61-P4", "CDG50-C1", "SIN2-P1",
                        "GRU3-C2", "SYD1-C1", "AMS54-C1", "DUB56-P1", "ORD52-C3", "SFO53-P7", "BOM78-P1", "ARN54-C1"]
    static let pages = ["/", "/index.html", "/about", "/blog/", "/blog/2024/lakehouse-on-s3", "/blog/2024/iceberg-v2",
                        "/docs/getting-started", "/docs/api/reference", "/pricing", "/contact", "/assets/app.js",
                        "/assets/app.css", "/assets/logo.svg", "/images/hero.jpg", "/images/team%20photo.png",
                        "/favicon.ico", "/robots.txt", "/sitemap.xml", "/api/v1/search", "/downloads/report%2C2024.pdf"]
    static let userAgents = [
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_2) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Safari/605.1.15",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
        "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0",
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "curl/8.4.0", "python-requests/2.31.0", "Amazon CloudFront",
    ]
    static let referrers = ["-", "-", "-", "https://www.google.com/", "https://example.com/blog/", "https://news.ycombinator.com/"]
    static let contentTypes = ["text/html", "text/html; charset=utf-8", "application/javascript", "text/css", "image/svg+xml",
                               "image/jpeg", "image/png", "application/json", "application/pdf"]
    static let queries = ["-", "-", "-", "-", "q=iceberg", "utm_source=newsletter&utm_medium=email", "page=2", "lang=de&v=3",
                          "q=caf%C3%A9", "id=12345"]
    static let countryPrefixes: [UInt32] = [0x0336_0000, 0x5DB8_0000, 0x3E00_0000, 0xC633_6400, 0x8C52_0000, 0x6810_0000]

    /// One hour of logs as the text of a standard log file (header included).
    ///
    /// - Parameters:
    ///   - rows: the number of requests.
    ///   - hourStartMicros: the UTC hour the requests fall in (microseconds since the epoch).
    public mutating func logFile(rows: Int, hourStartMicros: Int64) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(rows * 420 + Self.header.utf8.count)
        logFile(rows: rows, hourStartMicros: hourStartMicros, pieceRows: rows) { out += $0 }
        return out
    }

    /// The same bytes as ``logFile(rows:hourStartMicros:)``, a piece at a time: `body` gets the
    /// header, then the lines in pieces of `pieceRows` rows, so a file of any size is generated
    /// (and compressed, and written) in bounded memory.
    public mutating func logFile(rows: Int, hourStartMicros: Int64, pieceRows: Int = 8_192,
                                 _ body: ([UInt8]) throws -> Void) rethrows {
        try body(Array(Self.header.utf8))
        var piece: [UInt8] = []
        var remaining = rows
        while remaining > 0 {
            let count = min(max(1, pieceRows), remaining)
            piece.removeAll(keepingCapacity: true)
            for _ in 0..<count { appendLine(to: &piece, hourStartMicros: hourStartMicros) }
            try body(piece)
            remaining -= count
        }
    }

    /// The object name CloudFront would give a file of this hour.
    public mutating func objectName(hourStartMicros: Int64) -> String {
        let days = Int(hourStartMicros / 86_400_000_000)
        let hour = Int(hourStartMicros / 3_600_000_000 % 24)
        let (y, m, d) = ValueParsers.civilFromDays(days)
        let unique = String(rng.next() & 0xFFFF_FFFF, radix: 16)
        return "\(distributionID).\(y)-\(pad(m))-\(pad(d))-\(pad(hour)).\(unique).gz"
    }

    private func pad(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }

    private mutating func pick<T>(_ values: [T]) -> T { values[Int(rng.next() % UInt64(values.count))] }
    private mutating func chance(_ percent: UInt64) -> Bool { rng.next() % 1000 < percent * 10 }
    private mutating func uniform(_ upper: UInt64) -> UInt64 { rng.next() % upper }

    /// A heavy-tailed positive value around `median`.
    private mutating func heavyTail(median: Double) -> Double {
        let u = Double(rng.next() >> 11) / Double(1 << 53)
        return median * (1.0 / max(1.0 - u, 1e-6)).squareRoot() * 0.7
    }

    private mutating func appendLine(to out: inout [UInt8], hourStartMicros: Int64) {
        let micros = hourStartMicros + Int64(uniform(3_600_000_000))
        let days = Int(micros / 86_400_000_000)
        let secondOfDay = Int(micros / 1_000_000 % 86_400)
        let (y, mo, d) = ValueParsers.civilFromDays(days)
        let https = !chance(8)
        let method = chance(90) ? "GET" : pick(["POST", "HEAD", "OPTIONS", "PUT"])
        let page = pick(Self.pages)
        // Status and result type, consistent with each other.
        let roll = uniform(1000)
        let status: String, result: String, detailed: String
        switch roll {
        case 0..<700: status = "200"; result = chance(80) ? "Hit" : "Miss"; detailed = result
        case 700..<800: status = "304"; result = "RefreshHit"; detailed = result
        case 800..<880: status = "404"; result = "Error"; detailed = "Error"
        case 880..<920: status = "301"; result = "Redirect"; detailed = "Redirect"
        case 920..<950: status = "206"; result = "Hit"; detailed = "Hit"
        case 950..<975: status = "503"; result = "Error"; detailed = pick(["OriginConnectError", "OriginCommError", "Error"])
        case 975..<990: status = "403"; result = "Error"; detailed = "ClientGeoBlocked"
        default: status = "000"; result = "Error"; detailed = "ClientHungUpRequest"
        }
        let bodyBytes = status == "304" || status == "000" ? 0 : Int(heavyTail(median: 14_000))
        let scBytes = bodyBytes + 300 + Int(uniform(200))
        let ipv6 = chance(25)
        let ip: String
        if ipv6 {
            ip = "2001:db8:\(String(uniform(0xFFFF), radix: 16))::\(String(uniform(0xFFFF), radix: 16))"
        } else {
            let base = pick(Self.countryPrefixes) | UInt32(uniform(0xFFFF))
            ip = "\(base >> 24).\(base >> 16 & 255).\(base >> 8 & 255).\(base & 255)"
        }
        var ua = pick(Self.userAgents)
        ua = ua.replacingOccurrences(" ", with: chance(5) ? "%2520" : "%20")
        let query = pick(Self.queries)
        let forwarded = chance(10) ? "198.51.100.\(uniform(255)), 203.0.113.\(uniform(255))" : "-"
        let timeTaken = max(0.001, heavyTail(median: 0.04))
        let ttfb = max(0.001, timeTaken * 0.6)
        let ranged = status == "206"
        let rangeStart = ranged ? Int(uniform(1_000_000)) : -1
        let fields: [String] = [
            "\(y)-\(pad(mo))-\(pad(d))", "\(pad(secondOfDay / 3600)):\(pad(secondOfDay / 60 % 60)):\(pad(secondOfDay % 60))",
            pick(Self.edges), String(scBytes), ip, method, "d111111abcdef8.cloudfront.net", page, status,
            pick(Self.referrers), ua, query, "-", result, requestID(), chance(70) ? "www.example.com" : "d111111abcdef8.cloudfront.net",
            https ? "https" : "http", String(200 + uniform(600)), format3(timeTaken), forwarded,
            https ? pick(["TLSv1.3", "TLSv1.3", "TLSv1.2"]) : "-",
            https ? pick(["TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "ECDHE-RSA-AES128-GCM-SHA256"]) : "-",
            result, pick(["HTTP/2.0", "HTTP/2.0", "HTTP/1.1", "HTTP/3.0"]), "-", "-", String(1024 + uniform(60_000)),
            format3(ttfb), detailed, status == "304" || status == "000" ? "-" : pick(Self.contentTypes),
            bodyBytes > 0 ? String(bodyBytes) : "-", ranged ? String(rangeStart) : "-",
            ranged ? String(rangeStart + bodyBytes) : "-",
        ]
        for (i, f) in fields.enumerated() {
            if i > 0 { out.append(0x09) }
            out.append(contentsOf: f.utf8)
        }
        out.append(0x0A)
    }

    private mutating func requestID() -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-".utf8)
        var bytes: [UInt8] = []
        for _ in 0..<56 { bytes.append(alphabet[Int(rng.next() % 64)]) }
        bytes.append(contentsOf: "==".utf8)
        return String(decoding: bytes, as: UTF8.self)
    }

    private func format3(_ v: Double) -> String {
        let ms = Int((v * 1000).rounded())
        let frac = ms % 1000
        return "\(ms / 1000).\(frac < 10 ? "00" : frac < 100 ? "0" : "")\(frac)"
    }
}

/// SplitMix64: small, fast, and good enough for synthetic data.
struct SplitMix: Sendable {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension String {
    func replacingOccurrences(_ target: Character, with replacement: String) -> String {
        var out = ""
        for c in self { if c == target { out += replacement } else { out.append(c) } }
        return out
    }
}
