import Foundation
import LakeTestSupport
import Testing

/// Every command against damaged, hostile or wrong input, as a table: each case must exit
/// non-zero within a time bound, without a crash signal, with one line on standard error that
/// names the file (and the line or byte offset where one applies), and leave no output behind.
@Suite("lakehouse bad input", .enabled(if: BuiltCLI.path != nil || Interop.required), .serialized)
struct BadInputTests {
    /// One row of the table.
    struct Case: CustomStringConvertible {
        var name: String
        var arguments: [String]
        /// Substrings the error line must hold (the file, the line or offset, the reason).
        var mentions: [String]
        /// A directory that must be empty afterwards (the command's outputs go there).
        var outputDirectory: String?
        /// Argument-parser errors are followed by a usage text: only the first line is the error.
        var usageFollows = false

        var description: String { name }
    }

    static let timeLimit: Duration = .seconds(30)

    /// The inputs: a good log and Parquet file, and damaged versions of each.
    struct Fixtures {
        let directory: TemporaryDirectory
        var root: String { directory.path }
        func file(_ name: String) -> String { directory.file(name) }

        init() throws {
            directory = try TemporaryDirectory()
            let generated = directory.file("generated")
            let run = try BuiltCLI.run(["cloudfront", "generate", "--rows", "2000", "--out", generated, "--seed", "5"], in: directory.path)
            try #require(run.status == 0, "generate failed: \(run.stderr)")
            let name = try #require(try FileManager.default.contentsOfDirectory(atPath: generated).first { $0.hasSuffix(".gz") })
            let gzip = try [UInt8](Data(contentsOf: URL(fileURLWithPath: generated + "/" + name)))
            try write("good.gz", gzip)
            var corrupt = gzip
            for k in (gzip.count / 3)..<(gzip.count / 3 + 64) { corrupt[k] = 0xA5 }
            try write("corrupt.gz", corrupt)
            try write("truncated.gz", Array(gzip.prefix(gzip.count / 2)))
            var rng = SeededRandom(seed: 25)
            var random = rng.bytes(200_000)
            random[0] = 0x42  // never the gzip magic by chance
            try write("random.gz", random)
            try write("random.log", random)
            try write("empty.gz", [])
            try write("longline.log", [UInt8](repeating: UInt8(ascii: "A"), count: 10 << 20) + [UInt8(ascii: "\n")])
            // ISO-8859-1 text: "café" with a Latin-1 é.
            try write("latin1.log", Array(String(repeating: "caf#\t2024-01-01\t10:00:00\tx\n", count: 100).utf8).map { $0 == UInt8(ascii: "#") ? 0xE9 : $0 })
            try write("wrongfields.log", Array("#Version: 1.0\n#Fields: alpha beta gamma\n1\t2\t3\n4\t5\t6\n".utf8))
            try write("nofields.log", Array(String(repeating: "a\tb\tc\td\te\n", count: 50).utf8))
            try FileManager.default.createDirectory(atPath: directory.file("a-directory"), withIntermediateDirectories: true)

            let converted = try BuiltCLI.run(["cloudfront", "convert", file("good.gz"), "--out", file("good.parquet")], in: root)
            try #require(converted.status == 0, "convert of the good log failed: \(converted.stderr)")
            let parquet = try [UInt8](Data(contentsOf: URL(fileURLWithPath: file("good.parquet"))))
            try write("badmagic.parquet", Array("XXXX".utf8) + parquet.dropFirst(4).dropLast(4) + Array("XXXX".utf8))
            var footer = parquet
            let length = UInt32(parquet.count * 4)
            for k in 0..<4 { footer[parquet.count - 8 + k] = UInt8(truncatingIfNeeded: length >> (8 * k)) }
            try write("footerlength.parquet", footer)
            var header = parquet
            for k in 4..<68 { header[k] = 0xFF }
            try write("pageheader.parquet", header)
            try write("truncated.parquet", Array(parquet.prefix(parquet.count / 2)))
            // The first column chunk's codec in the footer (Thrift compact: its path_in_schema
            // list of one string "date", then field 4, an i32, ZSTD = zigzag 12) made 63, which
            // no Parquet codec is (zigzag 126).
            let pattern: [UInt8] = [0x18, 0x04] + Array("date".utf8) + [0x15, 0x0C]
            let footerStart = parquet.count - 8 - Int(UInt32(parquet[parquet.count - 8]) | UInt32(parquet[parquet.count - 7]) << 8
                                                        | UInt32(parquet[parquet.count - 6]) << 16 | UInt32(parquet[parquet.count - 5]) << 24)
            let codecAt = try #require((footerStart..<(parquet.count - pattern.count)).first { Array(parquet[$0..<($0 + pattern.count)]) == pattern },
                                       "the footer holds the date column's codec as expected")
            var codec = parquet
            codec[codecAt + pattern.count - 1] = 0x7E
            try write("wrongcodec.parquet", codec)
            try write("empty.parquet", [])

            let rules = (0..<60_000).map { "    IsComplete \"c\($0)\"" }.joined(separator: ",\n")
            try write("huge.dqdl", Array(("Rules = [\n" + rules + ",\n    RowCount >> 3\n]\n").utf8))
            try write("malformed.dqdl", Array("Rules = [ IsComplete \"a\" and, RowCount > ]\n".utf8))
            try write("deep.dqdl", Array(("Rules = [ " + String(repeating: "(IsComplete \"a\" and ", count: 10_000) + "IsComplete \"z\""
                                           + String(repeating: ")", count: 10_000) + " ]\n").utf8))
            try write("latin1.dqdl", Array("Rules = [ IsComplete \"caf#\" ]\n".utf8).map { $0 == UInt8(ascii: "#") ? 0xE9 : $0 })
        }

        func write(_ name: String, _ bytes: [UInt8]) throws {
            try Data(bytes).write(to: URL(fileURLWithPath: directory.file(name)))
        }

        /// A fresh, empty directory for one case's outputs.
        func outputs(_ name: String) throws -> String {
            let path = directory.file("out-" + name)
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            return path
        }
    }

    /// The log cases, for one of `convert` and `count`.
    static func logCases(_ command: String, _ f: Fixtures) throws -> [Case] {
        let inputs: [(String, String, [String])] = [
            ("corrupt gzip", "corrupt.gz", ["corrupt or truncated gzip", " at byte "]),
            ("truncated gzip", "truncated.gz", ["corrupt or truncated gzip", "truncated", " at byte "]),
            ("random bytes named .gz", "random.gz", ["not a gzip file: it starts with 42 ", "not the gzip magic 1F 8B"]),
            ("empty .gz", "empty.gz", ["not a gzip file: it is empty"]),
            ("random bytes", "random.log", ["not a CloudFront log", "no #Fields header"]),
            ("a 10 MB line", "longline.log", [":1: not a CloudFront log", "line longer than 8388608 bytes"]),
            ("invalid UTF-8", "latin1.log", [":1: not a CloudFront log", "not valid UTF-8"]),
            ("wrong #Fields", "wrongfields.log", [":3: not a CloudFront log", "#Fields header (line 2) names no date and time fields"]),
            ("missing #Fields", "nofields.log", [":1: not a CloudFront log", "no #Fields header", "5 values match no known layout"]),
            ("missing path", "missing.gz", ["cannot open", "No such file"]),
            ("a directory", "a-directory", ["is a directory"]),
        ]
        return try inputs.map { name, file, mentions in
            let input = f.file(file)
            if command == "convert" {
                let out = try f.outputs("convert-" + file)
                return Case(name: "cloudfront convert: \(name)",
                            arguments: ["cloudfront", "convert", input, "--out", out + "/out.parquet", "--rejects", out + "/rejects.jsonl"],
                            mentions: [input] + mentions, outputDirectory: out)
            }
            return Case(name: "cloudfront count: \(name)", arguments: ["cloudfront", "count", input], mentions: [input] + mentions)
        }
    }

    static func dqCases(_ f: Fixtures) -> [Case] {
        let inputs: [(String, String, [String])] = [
            ("malformed DQDL", "malformed.dqdl", [": line 1:28 mismatched input ','"]),
            ("a 1 MB ruleset with an error on its last rule line", "huge.dqdl", [": line 60002:"]),
            ("10,000 levels of nesting", "deep.dqdl", [": line 1:", "nested deeper than 100 levels"]),
            ("invalid UTF-8", "latin1.dqdl", ["not UTF-8 text (invalid byte at offset 25)"]),
            ("missing path", "missing.dqdl", ["cannot read: no such file"]),
            ("a directory", "a-directory", ["cannot read: is a directory"]),
        ]
        return inputs.flatMap { name, file, mentions in
            let rules = f.file(file)
            return [
                Case(name: "dq check: \(name)", arguments: ["dq", "check", rules], mentions: [rules] + mentions),
                Case(name: "dq run: \(name)", arguments: ["dq", "run", "--rules", rules, "--data", f.file("good.parquet")],
                     mentions: [rules] + mentions),
            ]
        }
    }

    static func parquetCases(_ f: Fixtures) -> [Case] {
        let inputs: [(String, String, [String], [String])] = [
            ("bad magic", "badmagic.parquet", ["inspect", "cat", "scan"], ["not a Parquet file", " at offset "]),
            ("footer length past the end", "footerlength.parquet", ["inspect", "cat", "scan"], ["footer length", "does not fit", " at offset "]),
            ("truncated", "truncated.parquet", ["inspect", "cat", "scan"], ["not a Parquet file", " at offset "]),
            ("empty", "empty.parquet", ["inspect", "cat", "scan"], ["not a Parquet file"]),
            ("garbage page header", "pageheader.parquet", ["cat", "scan"], ["page header", " at offset "]),
            ("wrong codec", "wrongcodec.parquet", ["inspect", "cat", "scan"], ["unsupported: compression codec 63", " at offset "]),
            ("missing path", "missing.parquet", ["inspect", "cat", "scan"], []),
            ("a directory", "a-directory", ["inspect", "cat", "scan"], []),
        ]
        return inputs.flatMap { name, file, commands, mentions in
            commands.map { command in
                Case(name: "parquet \(command): \(name)", arguments: ["parquet", command, f.file(file)], mentions: [f.file(file)] + mentions)
            }
        }
    }

    static func flagCases(_ f: Fixtures) -> [Case] {
        [
            Case(name: "nonsense flag: cloudfront convert", arguments: ["cloudfront", "convert", f.file("good.gz"), "--out", f.file("x.parquet"), "--frobnicate"],
                 mentions: ["Unknown option '--frobnicate'"], usageFollows: true),
            Case(name: "nonsense flag: dq check", arguments: ["dq", "check", "--nope", f.file("malformed.dqdl")],
                 mentions: ["Unknown option '--nope'"], usageFollows: true),
            Case(name: "nonsense flag: parquet cat", arguments: ["parquet", "cat", f.file("good.parquet"), "--limit", "many"],
                 mentions: ["many"], usageFollows: true),
            Case(name: "nonsense subcommand", arguments: ["cloudfront", "explode"], mentions: ["explode"], usageFollows: true),
        ]
    }

    /// Runs one case and records every way it falls short.
    static func check(_ c: Case, in root: String) throws {
        let run = try BuiltCLI.run(c.arguments, in: root, timeout: timeLimit)
        #expect(!run.timedOut, "\(c): still running after \(timeLimit)")
        #expect(!run.signalled, "\(c): killed by signal \(run.status)")
        #expect(run.status != 0, "\(c): exited 0")
        let lines = run.errorLines
        if c.usageFollows {
            #expect(!lines.isEmpty, "\(c): nothing on standard error")
        } else {
            #expect(lines.count == 1, "\(c): \(lines.count) lines on standard error: \(run.stderr.prefix(2000))")
        }
        let error = lines.first ?? ""
        for mention in c.mentions {
            #expect(error.contains(mention), "\(c): the error does not say '\(mention)': \(error.prefix(2000))")
        }
        if let directory = c.outputDirectory {
            let left = try FileManager.default.contentsOfDirectory(atPath: directory)
            #expect(left.isEmpty, "\(c): left behind \(left)")
        }
    }

    @Test("every bad input: non-zero exit, one line naming the file and where, bounded time, no crash, no output left",
          .timeLimit(.minutes(15)))
    func table() throws {
        let f = try Fixtures()
        defer { f.directory.cleanup() }
        let cases = try Self.logCases("convert", f) + Self.logCases("count", f) + Self.dqCases(f) + Self.parquetCases(f) + Self.flagCases(f)
        #expect(cases.count == 61)
        for c in cases { try Self.check(c, in: f.root) }
    }

    @Test("iceberg append of bad input: the one-line error, no commit, no file left in the warehouse, no rejects file",
          .timeLimit(.minutes(5)))
    func icebergAppend() throws {
        let f = try Fixtures()
        defer { f.directory.cleanup() }
        let catalog = ["--catalog", f.file("lake.db"), "--warehouse", f.file("wh")]
        let created = try BuiltCLI.run(["iceberg", "create", "silver.cloudfront"] + catalog, in: f.root)
        try #require(created.status == 0, "create failed: \(created.stderr)")
        let appended = try BuiltCLI.run(["iceberg", "append", "silver.cloudfront", f.file("good.gz")] + catalog, in: f.root)
        try #require(appended.status == 0, "append of the good log failed: \(appended.stderr)")
        func warehouseFiles() -> [String] {
            (FileManager.default.enumerator(atPath: f.file("wh"))?.allObjects as? [String] ?? []).sorted()
        }
        let before = warehouseFiles()
        let inputs: [(String, [String])] = [
            ("random.gz", ["not a gzip file"]), ("truncated.gz", ["truncated", " at byte "]),
            ("corrupt.gz", ["corrupt or truncated gzip", " at byte "]), ("random.log", [":1: not a CloudFront log"]),
            ("wrongfields.log", [":3: not a CloudFront log"]), ("missing.gz", ["cannot open"]), ("a-directory", ["is a directory"]),
        ]
        for (file, mentions) in inputs {
            let out = try f.outputs("append-" + file)
            try Self.check(Case(name: "iceberg append: \(file)",
                                arguments: ["iceberg", "append", "silver.cloudfront", f.file(file), "--rejects", out + "/rejects.jsonl"] + catalog,
                                mentions: [f.file(file)] + mentions, outputDirectory: out),
                           in: f.root)
        }
        let snapshots = try BuiltCLI.run(["iceberg", "snapshots", "silver.cloudfront"] + catalog, in: f.root)
        #expect(snapshots.status == 0)
        #expect(snapshots.stdout.split(separator: "\n").count == 1, "a failed append committed: \(snapshots.stdout)")
        #expect(warehouseFiles() == before, "a failed append left files in the warehouse")
    }

    @Test("an unreadable log and ruleset give a one-line error naming the file",
          .enabled(if: geteuid() != 0, "permission checks do not apply to root, which reads any file"))
    func noReadPermission() throws {
        let f = try Fixtures()
        defer { f.directory.cleanup() }
        let log = f.file("unreadable.log"), rules = f.file("unreadable.dqdl")
        try FileManager.default.copyItem(atPath: f.file("good.gz"), toPath: log)
        try f.write("unreadable.dqdl", Array("Rules = [ RowCount > 0 ]".utf8))
        for path in [log, rules] { chmod(path, 0) }
        let out = try f.outputs("unreadable")
        for c in [
            Case(name: "cloudfront convert: no read permission", arguments: ["cloudfront", "convert", log, "--out", out + "/out.parquet"],
                 mentions: [log, "cannot open", "Permission denied"], outputDirectory: out),
            Case(name: "cloudfront count: no read permission", arguments: ["cloudfront", "count", log], mentions: [log, "Permission denied"]),
            Case(name: "dq check: no read permission", arguments: ["dq", "check", rules], mentions: [rules, "permission denied"]),
        ] {
            try Self.check(c, in: f.root)
        }
    }

    @Test("legitimate input still works: a 1 MB ruleset checks, a log with malformed lines converts with rejects")
    func legitimateInput() throws {
        let f = try Fixtures()
        defer { f.directory.cleanup() }
        let rules = (0..<60_000).map { "    IsComplete \"c\($0)\"" }.joined(separator: ",\n")
        try f.write("valid.dqdl", Array(("Rules = [\n" + rules + "\n]\n").utf8))
        let check = try BuiltCLI.run(["dq", "check", f.file("valid.dqdl")], in: f.root, timeout: Self.timeLimit)
        #expect(check.status == 0 && !check.timedOut, "\(check.stderr.prefix(1000))")
        #expect(check.stdout.split(separator: "\n").filter { $0.contains("IsComplete") }.count == 60_000)

        // The generated log, unzipped, with a truncated row and a line of binary after its rows.
        let gz = f.file("good.gz"), plain = f.file("with-bad-lines.log")
        let unzip = Process()
        unzip.executableURL = URL(fileURLWithPath: "/bin/sh")
        unzip.arguments = ["-c", "gzip -dc '\(gz)' > '\(plain)' && printf 'only\\ttwo\\n\\001\\377\\376\\n' >> '\(plain)'"]
        try unzip.run()
        unzip.waitUntilExit()
        try #require(unzip.terminationStatus == 0)
        let out = try f.outputs("legitimate")
        let convert = try BuiltCLI.run(["cloudfront", "convert", plain, "--out", out + "/out.parquet", "--rejects", out + "/rejects.jsonl"],
                                       in: f.root, timeout: Self.timeLimit)
        #expect(convert.status == 0, "\(convert.stderr)")
        let rejects = try String(contentsOfFile: out + "/rejects.jsonl", encoding: .utf8).split(separator: "\n")
        #expect(rejects.count == 2)
        for reject in rejects {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(reject.utf8)) as? [String: Any])
            #expect(object["source"] as? String == plain)
            #expect((object["line"] as? Int ?? 0) > 2000)
            #expect(!(object["reason"] as? String ?? "").isEmpty)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: out).sorted() == ["out.parquet", "rejects.jsonl"])
    }
}
