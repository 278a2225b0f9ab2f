import Foundation
import LakeColumnar
import LakeTestSupport
import ParquetWriter
import Testing

/// The `lakehouse` executable as users run it: the README's demo, conversions under every
/// thread plan, counts and rejects.
@Suite("lakehouse command line", .enabled(if: BuiltCLI.path != nil || Interop.required), .serialized)
struct CommandLineTests {
    /// Generates `rows` rows into one log file (gzip unless `plain`) and returns its path.
    private func generate(rows: Int, seed: Int, plain: Bool, in directory: TemporaryDirectory, name: String) throws -> String {
        let out = directory.file(name)
        let run = try BuiltCLI.run(["cloudfront", "generate", "--rows", String(rows), "--files", "1", "--out", out, "--seed", String(seed)]
                                   + (plain ? ["--plain"] : []), in: directory.path)
        try #require(run.status == 0, "generate failed: \(run.stderr)")
        let files = try FileManager.default.contentsOfDirectory(atPath: out).filter { !$0.hasPrefix(".") }
        try #require(files.count == 1)
        return out + "/" + files[0]
    }

    private func counts(_ json: String) throws -> [String: Int] {
        let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Int]
        return try #require(object, "not a JSON object of counts: \(json)")
    }

    @Test("convert writes the same file whatever the thread plan, gzip or plain, rejects included",
          .timeLimit(.minutes(5)))
    func convertAcrossThreadPlans() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let gzip = try generate(rows: 30_000, seed: 11, plain: false, in: directory, name: "gz")
        let generated = try generate(rows: 30_000, seed: 12, plain: true, in: directory, name: "plain")
        // Three malformed lines after the generated ones: too few fields, a bad number, a bad date.
        var text = try String(contentsOfFile: generated, encoding: .utf8)
        let fields = text.split(separator: "\n").last.map { $0.split(separator: "\t", omittingEmptySubsequences: false) } ?? []
        try #require(fields.count == 33)
        var badNumber = fields.map(String.init), badDate = fields.map(String.init)
        badNumber[3] = "12x4"
        badDate[0] = "2024-13-45"
        if !text.hasSuffix("\n") { text += "\n" }
        text += "only\ttwo fields\n" + badNumber.joined(separator: "\t") + "\n" + badDate.joined(separator: "\t") + "\n"
        let plain = directory.file("with-rejects.log")
        try text.write(toFile: plain, atomically: true, encoding: .utf8)

        for (input, rows, rejected) in [(gzip, 30_000, 0), (plain, 30_000, 3)] {
            var outputs: [[UInt8]] = []
            var rejectFiles: [String] = []
            for threads in [1, 2, 3] {
                let out = directory.file("t\(threads).parquet"), rejects = directory.file("t\(threads).rejects.jsonl")
                let run = try BuiltCLI.run(["cloudfront", "convert", input, "--out", out, "--rejects", rejects,
                                            "--threads", String(threads)], in: directory.path)
                try #require(run.status == 0, "convert --threads \(threads) failed: \(run.stderr)")
                outputs.append(try [UInt8](Data(contentsOf: URL(fileURLWithPath: out))))
                rejectFiles.append(try String(contentsOfFile: rejects, encoding: .utf8))
            }
            #expect(firstDifference(outputs[1], outputs[0]) == nil, "--threads 2 wrote a different file than --threads 1 for \(input)")
            #expect(firstDifference(outputs[2], outputs[0]) == nil, "--threads 3 wrote a different file than --threads 1 for \(input)")
            #expect(Set(rejectFiles).count == 1)
            let rejectLines = rejectFiles[0].split(separator: "\n")
            #expect(rejectLines.count == rejected)
            for line in rejectLines {
                let reject = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
                let lineNumber = try #require(reject["line"] as? Int, "reject without its line number: \(line)")
                let reason = try #require(reject["reason"] as? String, "reject without a reason: \(line)")
                #expect(lineNumber > 30_002)
                #expect(!reason.isEmpty)
            }

            // The file read back: every row, line numbers written as deltas and in file order.
            let reader = try ParquetReader(path: directory.file("t1.parquet"))
            #expect(reader.metadata.numRows == Int64(rows))
            let lineChunks = reader.metadata.rowGroups.flatMap { $0.columns.filter { $0.metaData.pathInSchema == ["source_line"] } }
            #expect(!lineChunks.isEmpty && lineChunks.allSatisfy { $0.metaData.encodings.contains(.deltaBinaryPacked) })
            var iterator = try reader.batches(columns: .names(["source_line"]), batchSize: 8192)
            var lines: [Int64] = []
            while let batch = try iterator.next() {
                guard case let .int64(column) = batch.columns[0] else { Issue.record("source_line is not int64"); break }
                for i in 0..<column.count { lines.append(column[i] ?? -1) }
            }
            #expect(lines.count == rows)
            #expect(zip(lines, lines.dropFirst()).allSatisfy { $0 < $1 })
            if Interop.enabled {
                let out = try Interop.runText("""
                    import sys, pyarrow.parquet as pq, pyarrow.compute as pc
                    t = pq.read_table(sys.argv[1], columns=["source_line"])
                    print(t.num_rows, pc.sum(t["source_line"]).as_py())
                    """, arguments: [directory.file("t1.parquet")])
                #expect(out.split(separator: " ").map { String($0).trimmingCharacters(in: .whitespacesAndNewlines) }
                        == [String(rows), String(lines.reduce(0, +))])
            }

            let count = try BuiltCLI.run(["cloudfront", "count", input, "--threads", "2"], in: directory.path)
            try #require(count.status == 0, "\(count.stderr)")
            let numbers = try counts(count.stdout)
            #expect(numbers["rows"] == rows && numbers["rejected"] == rejected && numbers["data_lines"] == rows + rejected)
        }
    }

    @Test("parquet scan decodes every selected value: rows and null counts as pyarrow counts them, any thread count",
          .timeLimit(.minutes(5)))
    func parquetScan() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        var files: [String] = []
        for (k, rows) in [7000, 3000].enumerated() {
            let log = try generate(rows: rows, seed: 40 + k, plain: false, in: directory, name: "g\(k)")
            let out = directory.file("s\(k).parquet")
            let convert = try BuiltCLI.run(["cloudfront", "convert", log, "--out", out], in: directory.path)
            try #require(convert.status == 0, "convert failed: \(convert.stderr)")
            files.append(out)
        }
        // Our own reader's counts, whole row groups at a time (a different path from the command's slices).
        var expected: [String: Int] = [:]
        var names: [String] = []
        var total = 0
        for file in files {
            let reader = try ParquetReader(path: file)
            names = reader.schema.fields.map(\.name)
            for g in 0..<reader.rowGroupCount {
                let batch = try reader.readRowGroup(g)
                total += batch.rowCount
                for (name, column) in zip(names, batch.columns) { expected[name, default: 0] += column.nullCount }
            }
        }
        #expect(total == 10_000)
        #expect(expected["cs_referrer", default: 0] > 0, "the corpus has null referrers")
        for threads in ["1", "2", "3"] {
            let run = try BuiltCLI.run(["parquet", "scan"] + files + ["--threads", threads, "--batch-rows", "1000"], in: directory.path)
            try #require(run.status == 0, "parquet scan failed: \(run.stderr)")
            let lines = run.stdout.split(separator: "\n").map(String.init)
            #expect(lines.first == "rows: 10000", "--threads \(threads): \(run.stdout)")
            #expect(Array(lines.dropFirst()) == names.map { "\($0): \(expected[$0, default: -1]) nulls" }, "--threads \(threads)")
        }
        let projected = try BuiltCLI.run(["parquet", "scan", files[0], "--columns", "cs_referrer,sc_status"], in: directory.path)
        try #require(projected.status == 0, "\(projected.stderr)")
        #expect(projected.stdout.split(separator: "\n").count == 3)
        #expect(projected.stdout.contains("sc_status: 0 nulls"))
        let missing = try BuiltCLI.run(["parquet", "scan", files[0], "--columns", "no_such_column"], in: directory.path)
        #expect(missing.status != 0)
        if Interop.enabled {
            let out = try Interop.runText("""
                import sys, pyarrow.parquet as pq
                ts = [pq.read_table(f) for f in sys.argv[1:]]
                print(sum(t.num_rows for t in ts), sum(t["cs_referrer"].null_count for t in ts), sum(t["ssl_cipher"].null_count for t in ts))
                """, arguments: files)
            #expect(out.trimmingCharacters(in: .whitespacesAndNewlines)
                    == "10000 \(expected["cs_referrer", default: -1]) \(expected["ssl_cipher", default: -1])")
        }
    }

    @Test("the README's demo runs, lands every row once, and a second run adds nothing", .timeLimit(.minutes(5)))
    func demoIsIdempotent() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let warehouse = directory.file("wh")
        let first = try BuiltCLI.run(["demo", "--warehouse", warehouse, "--files", "2", "--rows", "3000"], in: directory.path)
        try #require(first.status == 0, "demo failed: \(first.stderr)")
        let second = try BuiltCLI.run(["demo", "--warehouse", warehouse, "--files", "2", "--rows", "3000"], in: directory.path)
        try #require(second.status == 0, "second demo run failed: \(second.stderr)")
        #expect(second.stdout.contains("nothing new"), "the second run did not recognise its inputs: \(second.stdout)")

        // Gold counts every silver row; rejects hold the rest of the data lines.
        let daily = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: warehouse + "/gold/daily.json"))) as? [[String: Any]]
        let goldRequests = try #require(daily).reduce(0) { $0 + ($1["requests"] as? Int ?? 0) }
        let rejectsDirectory = warehouse + "/rejects/cloudfront"
        let rejects = try FileManager.default.contentsOfDirectory(atPath: rejectsDirectory).reduce(0) {
            $0 + (try String(contentsOfFile: rejectsDirectory + "/" + $1, encoding: .utf8)).split(separator: "\n").count
        }
        // 2 × 3,000 generated requests, and the 2 malformed lines the demo adds to its first file.
        #expect(goldRequests == 6000)
        #expect(rejects == 2)
        #expect(first.stdout.contains("silver: 6000 typed rows from 6002 data lines"), "\(first.stdout)")

        if Interop.enabled {
            let out = try Interop.runText("""
                import sys
                from pyiceberg.catalog.sql import SqlCatalog
                wh = sys.argv[1]
                cat = SqlCatalog("default", uri=f"sqlite:///{wh}/catalog.db", warehouse=f"file://{wh}")
                t = cat.load_table("silver.cloudfront")
                print(t.scan().to_arrow().num_rows, len(t.snapshots()))
                """, arguments: [warehouse])
            #expect(out.trimmingCharacters(in: .whitespacesAndNewlines) == "\(goldRequests) 2")
        }
    }
}
