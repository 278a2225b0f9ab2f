import CloudFrontLogs
import Foundation
import LakeCodecs
import LakeColumnar
import LakeTestSupport
import Testing

/// Input that is not a CloudFront log is an error naming the input, not a stream of rejects;
/// malformed lines of a real log stay rejects.
@Suite("CloudFront input that is not a log")
struct NotALogTests {
    /// Reads everything, returning the error the reader threw (nil if none) and the batches
    /// it returned before.
    private func read(_ bytes: [UInt8], name: String = "E2EXAMPLE.2024-03-07-14.abc.gz", compression: LogCompression = .detect,
                      options: CloudFrontParserOptions = CloudFrontParserOptions())
        -> (error: CloudFrontParseError?, batches: Int, rows: Int, rejects: [RejectRecord]) {
        let reader = CloudFrontLogReader(bytes: bytes, name: name, options: options, compression: compression)
        var batches = 0, rows = 0
        var rejects: [RejectRecord] = []
        do {
            while let next = try reader.next() {
                batches += 1
                rows += next.batch.rowCount
                rejects += next.rejects
            }
        } catch {
            return (error, batches, rows, rejects)
        }
        return (nil, batches, rows, rejects)
    }

    @Test("random bytes are not a log: an error naming the input and the first line, no batch")
    func randomBytes() {
        for seed: UInt64 in [1, 2, 3, 4, 5] {
            var rng = SeededRandom(seed: seed)
            var bytes = rng.bytes(100_000)
            if bytes[0] == 0x1F { bytes[0] = 0 }  // not by chance gzip
            let result = read(bytes, name: "random-\(seed).log")
            #expect(result.error?.kind == .notALog, "seed \(seed): \(String(describing: result.error))")
            #expect(result.error?.source == "random-\(seed).log")
            #expect((result.error?.lineNumber ?? 0) >= 1)
            #expect(result.error?.description.hasPrefix("random-\(seed).log:") == true)
            #expect(result.batches == 0, "nothing is returned from an input that is not a log")
        }
    }

    @Test("more bad lines than one batch holds: still an error before any batch")
    func manyBadLines() {
        let text = String(repeating: "this is not a log line\n", count: 1_000)
        let result = read(Array(text.utf8), options: CloudFrontParserOptions(batchSize: 100))
        #expect(result.error?.kind == .notALog)
        #expect(result.error?.lineNumber == 1)
        #expect(result.error?.message.contains("none of its first 100 data lines parses") == true, "\(String(describing: result.error))")
        #expect(result.error?.message.contains("no #Fields header") == true)
        #expect(result.batches == 0)
    }

    @Test("a #Fields header naming no date and time fields is not a log header")
    func wrongFieldsHeader() {
        let text = "#Version: 1.0\n#Fields: alpha beta gamma\n1\t2\t3\n4\t5\t6\n"
        let result = read(Array(text.utf8))
        #expect(result.error?.kind == .notALog)
        #expect(result.error?.lineNumber == 3)
        #expect(result.error?.message.contains("its #Fields header (line 2) names no date and time fields") == true,
                "\(String(describing: result.error))")
        #expect(result.error?.message.contains("none of its 2 data lines parses") == true)
    }

    @Test("a log with a header keeps its malformed lines as rejects, even when none parses")
    func headedLogKeepsRejects() {
        let values = line33.split(separator: "\t", omittingEmptySubsequences: false)
        let short = values.prefix(20).joined(separator: "\t")
        let result = read(Array((header33 + short + "\n" + short + "\n").utf8))
        #expect(result.error == nil)
        #expect(result.rows == 0)
        #expect(result.rejects.map(\.lineNumber) == [3, 4])
        #expect(result.rejects.allSatisfy { $0.reason == .truncatedRow(expected: 33, actual: 20) })
    }

    @Test("a headerless log with one good line among bad ones keeps the bad ones as rejects")
    func headerlessLogWithRejects() {
        let text = "garbage\n" + line33 + "\n\u{1}\u{2}binary\n"
        let result = read(Array(text.utf8))
        #expect(result.error == nil)
        #expect(result.rows == 1)
        #expect(result.rejects.map(\.lineNumber) == [1, 3])
    }

    @Test("blank, empty and header-only inputs are still empty logs, not errors")
    func emptyLogs() {
        for text in ["", "\n\n", header33, "#Version: 1.0\n"] {
            let result = read(Array(text.utf8))
            #expect(result.error == nil && result.rows == 0 && result.rejects.isEmpty, "\(text.debugDescription)")
        }
    }

    @Test("gzip required (a .gz name): plain text and empty input are 'not a gzip file'; gzip reads")
    func gzipRequired() throws {
        let text = Array((header33 + line33 + "\n").utf8)
        let plain = read(text, compression: .gzip)
        #expect(plain.error?.kind == .notGzip)
        #expect(plain.error?.description == "E2EXAMPLE.2024-03-07-14.abc.gz: not a gzip file: it starts with 23 56 65 72, not the gzip magic 1F 8B")
        let empty = read([], compression: .gzip)
        #expect(empty.error?.kind == .notGzip)
        #expect(empty.error?.message == "not a gzip file: it is empty")
        let gzip = read(try Gzip.compress(text), compression: .gzip)
        #expect(gzip.error == nil && gzip.rows == 1)
        // Detection stays the default: the same text under a .gz name reads as text.
        #expect(read(text).rows == 1)
        #expect(LogCompression.implied(byName: "logs/E1.2024-01-01-00.x.GZ") == .gzip)
        #expect(LogCompression.implied(byName: "logs/E1.2024-01-01-00.x.log") == .detect)
    }

    @Test("a file named .gz that is not gzip fails when read by path; so does a directory")
    func filesByPath() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let path = directory.file("E1.2024-01-01-00.x.gz")
        try Data((header33 + line33 + "\n").utf8).write(to: URL(fileURLWithPath: path))
        #expect {
            let reader = try CloudFrontLogReader(path: path)
            while try reader.next() != nil {}
        } throws: { error in
            (error as? CloudFrontParseError)?.kind == .notGzip && (error as? CloudFrontParseError)?.source == path
        }
        #expect {
            _ = try CloudFrontLogReader(path: directory.path)
        } throws: { error in
            (error as? CloudFrontParseError)?.kind == .unreadable && "\(error)".contains("is a directory")
        }
    }

    @Test("truncated and corrupt gzip give the compressed offset")
    func gzipOffsets() throws {
        var generator = LogGenerator(seed: 9)
        let gz = try Gzip.compress(generator.logFile(rows: 2_000, hourStartMicros: 1_709_769_600_000_000))
        let truncated = read(Array(gz.prefix(gz.count / 2)))
        #expect(truncated.error?.kind == .corruptCompression)
        #expect(truncated.error?.byteOffset == gz.count / 2, "\(String(describing: truncated.error))")
        var corrupt = gz
        for k in (gz.count / 3)..<(gz.count / 3 + 64) { corrupt[k] = 0xA5 }
        let broken = read(corrupt)
        #expect(broken.error?.kind == .corruptCompression)
        #expect((broken.error?.byteOffset ?? 0) >= gz.count / 3, "\(String(describing: broken.error))")
    }
}
