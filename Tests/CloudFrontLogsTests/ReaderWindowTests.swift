import CloudFrontLogs
import LakeCodecs
import LakeColumnar
import LakeTestSupport
import Testing

/// Everything a reader produced: rows as ordered scalars, rejects, counts.
struct ReadResult: Equatable {
    var rows: [[Scalar?]] = []
    var rejects: [RejectRecord] = []
    var stats = ParseStatistics()
}

func readAll(_ bytes: [UInt8], options: CloudFrontParserOptions = CloudFrontParserOptions(),
             windowSize: Int = 1 << 20, inflateAhead: Bool = false) throws -> ReadResult {
    let reader = CloudFrontLogReader(bytes: bytes, name: "E2EXAMPLE.2024-03-07-14.abc.gz", options: options,
                                     windowSize: windowSize, inflateAhead: inflateAhead)
    var result = ReadResult()
    while let next = try reader.next() {
        #expect(next.rejects.count <= options.batchSize, "rejects are bounded per batch")
        for r in 0..<next.batch.rowCount {
            result.rows.append(next.batch.columns.map { $0.scalar(at: r) })
        }
        result.rejects += next.rejects
    }
    result.stats = reader.statistics
    #expect(result.stats.acceptedRows + result.stats.rejectedLines == result.stats.dataLines)
    #expect(result.stats.acceptedRows == result.rows.count)
    return result
}

/// Generated lines with every kind of trouble mixed in at random places.
func troubledCorpus(seed: UInt64, lines: Int) -> [UInt8] {
    var rng = SeededRandom(seed: seed)
    var generator = LogGenerator(seed: seed)
    let clean = generator.logFile(rows: lines, hourStartMicros: 1_709_769_600_000_000)
    var out: [UInt8] = []
    let header24 = "#Fields: date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status cs(Referer) cs(User-Agent) cs-uri-query cs(Cookie) x-edge-result-type x-edge-request-id x-host-header cs-protocol cs-bytes time-taken x-forwarded-for ssl-protocol ssl-cipher x-edge-response-result-type cs-protocol-version\n"
    for line in clean.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
        var fields = line.split(separator: UInt8(ascii: "\t"), omittingEmptySubsequences: false).map { Array($0) }
        let roll = rng.next() % 40
        if fields.count == 33 {
            switch roll {
            case 0: fields[3] = Array("12x".utf8)                                      // bad number
            case 1: fields.removeLast(5)                                                 // truncated
            case 2: fields[10] = Array("caf\u{E9} \u{1F600}".utf8)                       // valid UTF-8
            case 3: fields[10] = [0x61, 0xFF, 0x62]                                      // invalid UTF-8
            case 4: fields[2] = Array("NEWPOP\(rng.next() % 5)".utf8); fields[26] = Array("x".utf8) // new value, bad port
            case 5: fields[10] = Array(String(repeating: "A", count: 3000 + Int(rng.next() % 3000)).utf8)
            case 6: fields.append(Array("surplus".utf8))
            case 7: fields.append([])                                                    // trailing tab
            case 8: fields[0] = Array("2024-13-01".utf8)                                 // bad date
            default: break
            }
        }
        out += fields.joined(separator: [UInt8(ascii: "\t")])
        switch roll {
        case 9: out += [UInt8(ascii: "\r"), UInt8(ascii: "\n")]
        case 10: out += [UInt8(ascii: "\n"), UInt8(ascii: "\n")]                         // blank line
        case 11 where rng.next() % 4 == 0: out += [UInt8(ascii: "\n")] + Array(header24.utf8)
        default: out.append(UInt8(ascii: "\n"))
        }
    }
    return out
}

/// gzip in several members, as concatenated log shippers write.
func multiMemberGzip(_ bytes: [UInt8], parts: Int) throws -> [UInt8] {
    var out: [UInt8] = []
    let size = max(1, bytes.count / parts)
    var start = 0
    while start < bytes.count {
        let end = min(bytes.count, start + size)
        out += try Gzip.compress(Array(bytes[start..<end]))
        start = end
    }
    return out
}

@Suite("CloudFront reader windows and limits")
struct ReaderWindowTests {
    @Test("any window size and any gzip member split give the same rows, rejects and counts",
          arguments: [UInt64(1), 2, 3])
    func windowInvariance(seed: UInt64) throws {
        let text = troubledCorpus(seed: seed, lines: 600)
        let reference = try readAll(text)
        #expect(reference.rows.count > 400 && reference.rejects.count > 20, "the corpus exercises both paths")
        let gz = try multiMemberGzip(text, parts: 3)
        for window in [16, 61, 64, 100, 999, 4096, 65_536] {
            #expect(try readAll(text, windowSize: window) == reference, "plain, window \(window)")
            #expect(try readAll(gz, windowSize: window) == reference, "gzip, window \(window)")
            #expect(try readAll(gz, windowSize: window, inflateAhead: true) == reference, "gzip inflated ahead, window \(window)")
        }
        for policy in [MalformedLinePolicy.nullFill] {
            let options = CloudFrontParserOptions(policy: policy, batchSize: 97)
            let filled = try readAll(text, options: options)
            for window in [16, 333] { #expect(try readAll(gz, options: options, windowSize: window) == filled) }
        }
    }

    @Test("corrupt or truncated gzip fails with a typed error, inflated in turn or ahead")
    func corruptGzip() throws {
        let gz = try Gzip.compress(troubledCorpus(seed: 4, lines: 300))
        var corrupt = gz
        corrupt[gz.count / 2] ^= 0xFF
        for input in [corrupt, Array(gz.dropLast(20))] {
            for ahead in [false, true] {
                #expect(throws: CloudFrontParseError.self) { try readAll(input, inflateAhead: ahead) }
            }
        }
    }

    @Test("a line longer than the limit is rejected with its first bytes; the lines around it parse")
    func overlongLine() throws {
        let options = CloudFrontParserOptions(maximumLineLength: 1024)
        let long = line33.replacingOccurrences(of: "Mozilla/5.0", with: String(repeating: "M", count: 5000))
        for tail in ["\n", ""] {
            let text = Array((header33 + line33 + "\n" + long + "\n" + line33 + "\n" + long + tail).utf8)
            for window in [64, 1000, 4096, 1 << 20] {
                let result = try readAll(text, options: options, windowSize: window)
                #expect(result.rows.count == 2, "window \(window)")
                #expect(result.rejects.map(\.lineNumber) == [4, 6])
                #expect(result.rejects.allSatisfy { $0.reason == .lineTooLong(limit: 1024) && $0.rawLine == Array(long.utf8.prefix(1024)) })
                #expect(result.stats.dataLines == 4)
            }
        }
    }

    @Test("a rejected line leaves no value in the batch's dictionaries")
    func dictionaryRollback() throws {
        var bad = line33.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        bad[2] = "NEWPOP"      // a new dictionary value...
        bad[26] = "port"       // ...on a line rejected for its c-port
        let text = Array((header33 + bad.joined(separator: "\t") + "\n" + line33 + "\n").utf8)
        let reader = CloudFrontLogReader(bytes: text, name: "x")
        var dictionaries: [[String?]] = []
        while let next = try reader.next() {
            guard case let .dictionary(c)? = next.batch.column(named: "x_edge_location") else {
                Issue.record("x_edge_location is not dictionary-encoded")
                return
            }
            dictionaries.append(c.dictionary.strings)
            #expect(next.rejects.map(\.reason) == [.invalidValue(field: "c-port", value: "port")])
        }
        #expect(dictionaries == [["LAX1"]])
    }

    @Test("the first bad value in line order names the reject, whatever its type")
    func firstBadValueInLineOrder() throws {
        var bad = line33.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        bad[8] = "2OO"         // sc-status, an int32, comes first in the line...
        bad[17] = "x23"        // ...before cs-bytes, an int64
        let result = try readAll(Array((header33 + bad.joined(separator: "\t") + "\n").utf8))
        #expect(result.rejects.map(\.reason) == [.invalidValue(field: "sc-status", value: "2OO")])
    }

    @Test("a log of nothing but bad lines comes out in batches of bounded rejects")
    func rejectsAreBounded() throws {
        // With its header it is a log, so its lines are rejects; without, it is not a log (NotALogTests).
        let text = Array((header33 + String(repeating: "garbage\n", count: 50)).utf8)
        let reader = CloudFrontLogReader(bytes: text, name: "x", options: CloudFrontParserOptions(batchSize: 8))
        var sizes: [Int] = []
        while let next = try reader.next() {
            #expect(next.batch.rowCount == 0)
            sizes.append(next.rejects.count)
        }
        #expect(sizes.allSatisfy { $0 <= 8 } && sizes.reduce(0, +) == 50)
        #expect(reader.statistics.rejectedLines == 50)
    }
}
