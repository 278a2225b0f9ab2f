import CloudFrontLogs
import LakeCodecs
import LakeColumnar
import LakeTestSupport
import Testing

/// Parses `text` and returns every row as column name → scalar, plus rejects and counts.
func parse(_ text: String, name: String = "logs/E2ABC.2024-03-07-14.a1b2c3.gz",
           options: CloudFrontParserOptions = CloudFrontParserOptions(), gzip: Bool = false) throws
    -> (rows: [[String: Scalar?]], rejects: [RejectRecord], stats: ParseStatistics) {
    let bytes = gzip ? try Gzip.compress(Array(text.utf8)) : Array(text.utf8)
    let reader = CloudFrontLogReader(bytes: bytes, name: name, options: options)
    var rows: [[String: Scalar?]] = []
    var rejects: [RejectRecord] = []
    while let next = try reader.next() {
        #expect(next.batch.schema == reader.schema.schema)
        for r in 0..<next.batch.rowCount {
            var row: [String: Scalar?] = [:]
            for (i, f) in next.batch.schema.fields.enumerated() { row[f.name] = next.batch.columns[i].scalar(at: r) }
            rows.append(row)
        }
        rejects += next.rejects
    }
    let s = reader.statistics
    #expect(s.acceptedRows + s.rejectedLines == s.dataLines, "accepted + rejected must equal data lines")
    #expect(s.acceptedRows == rows.count)
    #expect(s.rejectedLines == rejects.count)
    return (rows, rejects, s)
}

func str(_ s: String) -> Scalar? { .binary(Array(s.utf8)) }

let header33 = "#Version: 1.0\n#Fields: date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status cs(Referer) cs(User-Agent) cs-uri-query cs(Cookie) x-edge-result-type x-edge-request-id x-host-header cs-protocol cs-bytes time-taken x-forwarded-for ssl-protocol ssl-cipher x-edge-response-result-type cs-protocol-version fle-status fle-encrypted-fields c-port time-to-first-byte x-edge-detailed-result-type sc-content-type sc-content-len sc-range-start sc-range-end\n"

let line33 = "2019-12-04\t21:02:31\tLAX1\t392\t192.0.2.100\tGET\td111111abcdef8.cloudfront.net\t/index.html\t200\t-\tMozilla/5.0%20(Windows%20NT%2010.0;%20Win64;%20x64)\t-\t-\tHit\tSOX4xwn4XV6Q4rgb7XiVGOHms_BGlTAC4KyHmureZmBNrjGdRLiNIQ==\td111111abcdef8.cloudfront.net\thttps\t23\t0.001\t-\tTLSv1.2\tECDHE-RSA-AES128-GCM-SHA256\tHit\tHTTP/2.0\t-\t-\t11040\t0.001\tHit\ttext/html\t78\t-\t-"

@Suite("CloudFront standard logs")
struct StandardLogTests {
    @Test("the 33-field layout types every field as Athena does")
    func fullLayout() throws {
        let (rows, rejects, stats) = try parse(header33 + line33 + "\n")
        #expect(rejects.isEmpty)
        #expect(stats.directiveLines == 2)
        let row = try #require(rows.first)
        let days = CivilCalendar.days(year: 2019, month: 12, day: 4)
        #expect(row["date"] == .int32(Int32(days)))
        #expect(row["time"] == str("21:02:31"))
        #expect(row["timestamp"] == .int64(Int64(days) * 86_400_000_000 + Int64(21 * 3600 + 2 * 60 + 31) * 1_000_000))
        #expect(row["x_edge_location"] == str("LAX1"))
        #expect(row["sc_bytes"] == .int64(392))
        #expect(row["sc_status"] == .int32(200))
        #expect(row["cs_referrer"] == .some(nil))
        #expect(row["cs_user_agent"] == str("Mozilla/5.0%20(Windows%20NT%2010.0;%20Win64;%20x64)"))
        #expect(row["time_taken"] == .float32(0.001))
        #expect(row["c_port"] == .int32(11040))
        #expect(row["sc_content_len"] == .int64(78))
        #expect(row["sc_range_start"] == .some(nil))
        #expect(row["fle_encrypted_fields"] == .some(nil))
        #expect(row["distribution_id"] == str("E2ABC"))
        #expect(row["source_line"] == .int64(3))
        #expect(row["truncated"] == .boolean(false))
        #expect(row["extra_fields"] == .map([]))
    }

    @Test("historical layouts (12, 24, 26 fields) map by header; missing fields are null")
    func historicalLayouts() throws {
        let fields = header33.split(separator: "\n")[1].dropFirst("#Fields: ".count).split(separator: " ")
        let values = line33.split(separator: "\t", omittingEmptySubsequences: false)
        for count in [12, 24, 26] {
            let text = "#Version: 1.0\n#Fields: " + fields.prefix(count).joined(separator: " ") + "\n"
                + values.prefix(count).joined(separator: "\t") + "\n"
            let (rows, rejects, _) = try parse(text)
            #expect(rejects.isEmpty, "\(count) fields")
            let row = try #require(rows.first)
            #expect(row["sc_status"] == .int32(200))
            #expect(row["cs_uri_query"] == .some(nil))
            if count >= 24 { #expect(row["cs_protocol_version"] == str("HTTP/2.0")) } else { #expect(row["cs_protocol_version"] == .some(nil)) }
            #expect(row["c_port"] == .some(nil), "c-port arrived only with 33 fields")
        }
    }

    @Test("headerless input falls back to the canonical layout of the same count")
    func headerless() throws {
        let values = line33.split(separator: "\t", omittingEmptySubsequences: false)
        let text = values.prefix(24).joined(separator: "\t") + "\n" + line33 + "\n" + values.prefix(20).joined(separator: "\t") + "\n"
        let (rows, rejects, _) = try parse(text)
        #expect(rows.count == 2)
        #expect(rows[0]["cs_protocol_version"] == str("HTTP/2.0"))
        #expect(rows[1]["c_port"] == .int32(11040))
        #expect(rejects.map(\.reason) == [.unknownLayout(valueCount: 20)])
    }

    @Test("header fields in another order and case, split by tabs or spaces, map by name")
    func reorderedHeader() throws {
        let text = "#Fields:  sc-status\tDATE  time cs(user-agent) cs-uri-stem\n404\t2024-01-02\t03:04:05\tcurl/8.0\t/x\n"
        let (rows, rejects, _) = try parse(text)
        #expect(rejects.isEmpty)
        #expect(rows[0]["sc_status"] == .int32(404))
        #expect(rows[0]["cs_user_agent"] == str("curl/8.0"))
        #expect(rows[0]["cs_uri_stem"] == str("/x"))
    }

    @Test("a new #Fields line mid-stream switches the mapping; the schema stays the same")
    func midStreamHeader() throws {
        let text = "#Fields: date time sc-status\n2024-01-01\t00:00:01\t200\n#Version: 1.0\n#Fields: date time cs-method sc-status\n2024-01-01\t00:00:02\tPOST\t500\n"
        let (rows, rejects, stats) = try parse(text)
        #expect(rejects.isEmpty)
        #expect(rows.map { $0["sc_status"] } == [.int32(200), .int32(500)])
        #expect(rows.map { $0["cs_method"] } == [.some(nil), str("POST")])
        #expect(stats.directiveLines == 3)
    }

    @Test("unknown future fields are kept in extra_fields, in order")
    func unknownFields() throws {
        let text = "#Fields: date time x-future-one sc-status x-future-two\n2024-01-01\t00:00:01\talpha\t200\t-\n"
        let (rows, _, _) = try parse(text)
        #expect(rows[0]["extra_fields"] == .map([
            MapEntry(key: str("x-future-one")!, value: str("alpha")!), MapEntry(key: str("x-future-two")!, value: nil),
        ]))
        #expect(rows[0]["sc_status"] == .int32(200))
    }

    @Test("trailing tab: an empty 34th value is dropped; a non-empty one is kept as an unnamed extra")
    func trailingTab() throws {
        let (rows, rejects, _) = try parse(header33 + line33 + "\t\n" + line33 + "\tsurplus\n")
        #expect(rejects.isEmpty)
        #expect(rows[0]["extra_fields"] == .map([]))
        #expect(rows[1]["extra_fields"] == .map([MapEntry(key: str("_34")!, value: str("surplus")!)]))
        // Headerless with trailing tab too.
        let (headerless, r2, _) = try parse(line33 + "\t\n")
        #expect(r2.isEmpty && headerless.count == 1)
    }

    @Test("truncated rows: rejected by default, kept and flagged under null-fill, fatal under fail")
    func truncatedRows() throws {
        let values = line33.split(separator: "\t", omittingEmptySubsequences: false)
        let short = values.prefix(31).joined(separator: "\t")
        let text = header33 + short + "\n" + line33 + "\n"
        let (rows, rejects, _) = try parse(text)
        #expect(rows.count == 1)
        #expect(rejects.count == 1)
        #expect(rejects[0].lineNumber == 3)
        #expect(rejects[0].reason == .truncatedRow(expected: 33, actual: 31))
        #expect(rejects[0].rawLine == Array(short.utf8))
        #expect(rejects[0].source == "logs/E2ABC.2024-03-07-14.a1b2c3.gz")

        let (filled, none, stats) = try parse(text, options: CloudFrontParserOptions(policy: .nullFill))
        #expect(none.isEmpty)
        #expect(filled.count == 2 && stats.truncatedRows == 1)
        #expect(filled[0]["truncated"] == .boolean(true))
        #expect(filled[0]["sc_range_start"] == .some(nil))
        #expect(filled[0]["sc_range_end"] == .some(nil))
        #expect(filled[0]["sc_content_len"] == .int64(78), "the 31st value is still there")
        #expect(filled[0]["sc_status"] == .int32(200))

        #expect(throws: CloudFrontParseError.self) { try parse(text, options: CloudFrontParserOptions(policy: .fail)) }
    }

    @Test("bad numbers and dates are rejected with the field and value; null-fill nulls them")
    func badValues() throws {
        var bad = line33.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        bad[3] = "12x"
        let badDate = line33.replacingOccurrences(of: "2019-12-04", with: "2019-02-30")
        let (_, rejects, _) = try parse(header33 + bad.joined(separator: "\t") + "\n" + badDate + "\n")
        #expect(rejects.map(\.reason) == [.invalidValue(field: "sc-bytes", value: "12x"), .invalidValue(field: "date", value: "2019-02-30")])
        let (rows, none, _) = try parse(header33 + bad.joined(separator: "\t") + "\n", options: CloudFrontParserOptions(policy: .nullFill))
        #expect(none.isEmpty)
        #expect(rows[0]["sc_bytes"] == .some(nil))
        #expect(rows[0]["sc_status"] == .int32(200))
    }

    @Test("000 status is 0; '-' is null for every type; IPv6 and multi-IP x-forwarded-for are kept")
    func specialValues() throws {
        var v = line33.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        v[8] = "000"
        v[4] = "2001:db8:85a3::8a2e:370:7334"
        v[19] = "203.0.113.7,%20198.51.100.2,%202001:db8::1"
        for i in [3, 9, 10, 11, 17, 18, 26, 27] { v[i] = "-" }
        let (rows, rejects, _) = try parse(header33 + v.joined(separator: "\t") + "\n")
        #expect(rejects.isEmpty)
        let row = rows[0]
        #expect(row["sc_status"] == .int32(0))
        #expect(row["c_ip"] == str("2001:db8:85a3::8a2e:370:7334"))
        #expect(row["x_forwarded_for"] == str("203.0.113.7,%20198.51.100.2,%202001:db8::1"))
        for name in ["sc_bytes", "cs_referrer", "cs_user_agent", "cs_uri_query", "cs_bytes", "time_taken", "c_port", "time_to_first_byte"] {
            #expect(row[name] == .some(nil), "\(name)")
        }
    }

    @Test("CRLF line ends, blank lines, no final newline, and gzip input")
    func lineEnds() throws {
        let text = header33.replacingOccurrences(of: "\n", with: "\r\n") + line33 + "\r\n\r\n\n" + line33
        for gzip in [false, true] {
            let (rows, rejects, stats) = try parse(text, gzip: gzip)
            #expect(rejects.isEmpty)
            #expect(rows.count == 2)
            #expect(rows[0]["sc_range_end"] == .some(nil))
            #expect(rows[1]["x_edge_location"] == str("LAX1"))
            #expect(stats.blankLines == 2)
        }
    }

    @Test("an empty file and a header-only file give no rows and no rejects")
    func emptyInputs() throws {
        for text in ["", header33, "#Version: 1.0\n"] {
            for gzip in [false, true] {
                let (rows, rejects, stats) = try parse(text, gzip: gzip)
                #expect(rows.isEmpty && rejects.isEmpty && stats.dataLines == 0)
            }
        }
    }

    @Test("non-UTF-8 lines are rejected, not mangled")
    func invalidUTF8() throws {
        var bytes = Array((header33 + line33 + "\n").utf8)
        bytes.insert(0xFF, at: bytes.count - 10)
        let reader = CloudFrontLogReader(bytes: bytes, name: "x")
        var rejects: [RejectRecord] = []
        while let next = try reader.next() { rejects += next.rejects }
        #expect(rejects.map(\.reason) == [.invalidUTF8])
        #expect(rejects[0].rawLine.contains(0xFF))
    }

    @Test("batches honour the batch size and rows stay in order across batches")
    func batching() throws {
        var generator = LogGenerator(seed: 5)
        let text = generator.logFile(rows: 1000, hourStartMicros: 0)
        let reader = CloudFrontLogReader(bytes: try Gzip.compress(text), name: "g",
                                         options: CloudFrontParserOptions(batchSize: 128))
        var lines: [Int64] = []
        while let next = try reader.next() {
            #expect(next.batch.rowCount <= 128)
            guard case let .int64(c)? = next.batch.column(named: "source_line") else { Issue.record("no source_line"); return }
            lines += c.optionals.compactMap { $0 }
        }
        #expect(lines == (3..<1003).map(Int64.init))
    }

    @Test("percent-decoded views: once by default, twice on request, reserved characters protected")
    func decodedViews() throws {
        var v = line33.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        v[10] = "Mozilla/5.0%2520(X11;%2520Linux)%2520a%252Bb%2525"
        v[7] = "/reports/a%252Fb%2520c.pdf"
        let options = CloudFrontParserOptions(decodedFields: [(.userAgent, .twice), (.uriStem, .once)])
        let (rows, _, _) = try parse(header33 + v.joined(separator: "\t") + "\n", options: options)
        #expect(rows[0]["cs_user_agent"] == str(v[10]), "raw value kept as logged")
        #expect(rows[0]["cs_user_agent_decoded"] == str("Mozilla/5.0 (X11; Linux) a%2Bb%25"))
        #expect(rows[0]["cs_uri_stem_decoded"] == str("/reports/a%2Fb%20c.pdf"))
    }
}

@Suite("Percent decoding")
struct PercentDecodingTests {
    @Test("policy rules")
    func rules() {
        #expect(PercentDecoding.decode("a+b%20c") == "a+b c", "+ is never a space")
        #expect(PercentDecoding.decode("100%", depth: .once) == "100%", "invalid sequence kept")
        #expect(PercentDecoding.decode("%zz%2") == "%zz%2")
        #expect(PercentDecoding.decode("%2520", depth: .once) == "%20")
        #expect(PercentDecoding.decode("%2520", depth: .twice) == " ")
        #expect(PercentDecoding.decode("%2526%253D%2525", depth: .twice) == "%26%3D%25", "reserved characters stay encoded")
        #expect(PercentDecoding.decode("caf%C3%A9") == "café")
        #expect(PercentDecoding.decode("%FF") == "\u{FFFD}", "invalid UTF-8 repaired, never thrown")
    }
}

@Suite("Other CloudFront formats")
struct OtherFormatTests {
    @Test("real-time logs: configured fields, epoch timestamp, cs-host/x-host-header swap")
    func realtime() throws {
        let fields = ["timestamp", "c-ip", "sc-status", "cs-host", "x-host-header", "cs-uri-stem", "c-country", "asn"]
        let line = "1700000000.123\t198.51.100.7\t200\twww.example.com\td111.cloudfront.net\t/a?b=1\tDE\t3320\n"
        let options = CloudFrontParserOptions(format: .realtime(fields: fields))
        let (rows, rejects, _) = try parse(line, options: options)
        #expect(rejects.isEmpty)
        let row = rows[0]
        #expect(row["timestamp"] == .int64(1_700_000_000_123_000))
        #expect(row["date"] == .int32(Int32(1_700_000_000 / 86_400)))
        #expect(row["time"] == str("22:13:20"))
        #expect(row["x_host_header"] == str("www.example.com"), "real-time cs-host is the viewer's Host header")
        #expect(row["cs_host"] == str("d111.cloudfront.net"))
        #expect(row["c_country"] == str("DE"))
        #expect(row["asn"] == .int64(3320))
    }

    @Test("v2 plain with a custom delimiter and a configured field list")
    func plain() throws {
        let options = CloudFrontParserOptions(format: .plain(fields: ["date", "time", "sc-status", "c-country"], delimiter: UInt8(ascii: "|")))
        let (rows, rejects, _) = try parse("2024-05-06|07:08:09|302|FR\n2024-05-06|07:08:10\n", options: options)
        #expect(rows.count == 1 && rows[0]["c_country"] == str("FR"))
        #expect(rejects.map(\.reason) == [.truncatedRow(expected: 4, actual: 2)])
    }

    @Test("v2 JSON lines: names in any spelling, escapes, nulls, numbers; malformed records rejected")
    func jsonLines() throws {
        let text = """
            {"date":"2024-05-06","time":"07:08:09","sc-status":"200","cs_user_agent":"a\\"b\\u00e9","sc_bytes":1234,"cs-uri-query":null,"x-new":"k"}
            {"timestamp":"1700000000","c-ip":"::1"}
            {"date":"2024-05-06",
            """ + "\n"
        let (rows, rejects, _) = try parse(text, options: CloudFrontParserOptions(format: .jsonLines))
        #expect(rows.count == 2)
        #expect(rows[0]["cs_user_agent"] == str("a\"bé"))
        #expect(rows[0]["sc_bytes"] == .int64(1234))
        #expect(rows[0]["cs_uri_query"] == .some(nil))
        #expect(rows[0]["extra_fields"] == .map([MapEntry(key: str("x-new")!, value: str("k")!)]))
        #expect(rows[1]["timestamp"] == .int64(1_700_000_000_000_000))
        #expect(rejects.count == 1 && rejects[0].lineNumber == 3)
    }

    @Test("object keys parse into distribution, hour and unique id")
    func objectKeys() throws {
        let key = try #require(LogObjectKey("logs/cf/E2ABCDEF123.2024-03-07-14.a1b2c3d4.gz"))
        #expect(key.prefix == "logs/cf")
        #expect(key.distributionID == "E2ABCDEF123")
        #expect(key.uniqueID == "a1b2c3d4")
        #expect(key.hourMicroseconds == (Int64(CivilCalendar.days(year: 2024, month: 3, day: 7)) * 24 + 14) * 3_600_000_000)
        #expect(LogObjectKey("E2.2024-03-07-25.x.gz") == nil)
        #expect(LogObjectKey("random.txt") == nil)
    }
}

@Suite("Log generator")
struct GeneratorTests {
    @Test("same seed, same bytes; different seed, different bytes; every line parses")
    func deterministic() throws {
        var a = LogGenerator(seed: 1), b = LogGenerator(seed: 1), c = LogGenerator(seed: 2)
        let x = a.logFile(rows: 500, hourStartMicros: 0)
        #expect(x == b.logFile(rows: 500, hourStartMicros: 0))
        #expect(x != c.logFile(rows: 500, hourStartMicros: 0))
        let (rows, rejects, _) = try parse(String(decoding: x, as: UTF8.self))
        #expect(rows.count == 500 && rejects.isEmpty)
        let statuses = Set(rows.compactMap { $0["sc_status"] })
        #expect(statuses.count >= 5, "a realistic status mix")
        #expect(rows.contains { if case let .binary(ip)?? = $0["c_ip"] { return ip.contains(UInt8(ascii: ":")) } else { return false } })
        #expect(rows.allSatisfy { $0["timestamp"] != .some(nil) })
    }

    @Test("a file generated in pieces has the bytes of the file generated whole", arguments: [1, 7, 500, 10_000])
    func pieces(pieceRows: Int) {
        var whole = LogGenerator(seed: 9), pieced = LogGenerator(seed: 9)
        let expected = whole.logFile(rows: 500, hourStartMicros: 3_600_000_000)
        var joined: [UInt8] = []
        var calls = 0
        pieced.logFile(rows: 500, hourStartMicros: 3_600_000_000, pieceRows: pieceRows) { joined += $0; calls += 1 }
        #expect(joined == expected)
        #expect(calls == 1 + (500 + pieceRows - 1) / pieceRows, "the header, then one call per piece")
        // The generators stay in step afterwards too.
        #expect(whole.objectName(hourStartMicros: 0) == pieced.objectName(hourStartMicros: 0))
    }
}

extension String {
    func replacingOccurrences(of target: String, with replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
