import Foundation
import ArgumentParser
import LakeColumnar
import ParquetWriter

struct ParquetCommand: ParsableCommand {
    struct Cat: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print rows as JSON lines.")

        @Argument(help: "A Parquet file.") var file: String
        @Option(help: "Columns to print, comma-separated (default: all).") var columns: String?
        @Option(help: "Stop after this many rows.") var limit: Int?
        @Flag(help: "Verify page checksums.") var verifyChecksums = false

        func run() throws {
            let reader = try ParquetReader(path: file, options: ParquetReadOptions(verifyChecksums: verifyChecksums))
            let selection: ColumnSelection = columns.map { .names($0.split(separator: ",").map(String.init)) } ?? .all
            var iterator = try reader.batches(columns: selection, batchSize: 8192)
            let out = OutputFile()
            var remaining = limit ?? Int.max
            let encoder = JSONLinesEncoder()
            while remaining > 0, let batch = try iterator.next() {
                let part = batch.rowCount > remaining ? batch.slice(0..<remaining) : batch
                var bytes: [UInt8] = []
                encoder.encode(part, into: &bytes)
                try out.write(bytes)
                remaining -= part.rowCount
            }
            try out.close()
        }
    }

    struct Scan: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Decode every selected value into record batches; print the row count and each column's null count.",
            discussion: "The read path alone (no rows printed): each row group is decoded in batches of --batch-rows rows, the column chunks of a batch on --threads threads at once; with --spread-row-groups, whole row groups are spread over the threads instead, each decoding its columns alone.")

        @Argument(help: "Parquet files.") var files: [String]
        @Option(help: "Columns to decode, comma-separated (default: all).") var columns: String?
        @Option(help: "Threads decoding (default: 1).") var threads: Int = 1
        @Flag(help: "Spread row groups over the threads (each decodes its row group's columns alone) instead of decoding each row group's column chunks on all of them.")
        var spreadRowGroups = false
        @Option(help: "Rows per decoded batch.") var batchRows: Int = 8192
        @Flag(help: "Verify page checksums.") var verifyChecksums = false

        func validate() throws {
            guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
            guard batchRows >= 1 else { throw ValidationError("--batch-rows must be at least 1") }
            guard !files.isEmpty else { throw ValidationError("no Parquet file given") }
        }

        func run() throws {
            let options = ParquetReadOptions(verifyChecksums: verifyChecksums, decodeThreads: spreadRowGroups ? 1 : threads)
            let selection: ColumnSelection = columns.map { .names($0.split(separator: ",").map(String.init)) } ?? .all
            // Open every file first (a bad path or footer fails before any decoding).
            var work: [(file: String, group: Int)] = []
            var names: [String]?
            for file in files {
                let reader = try ParquetReader(path: file, options: options)
                let fields = try reader.fieldIndices(selection).map { reader.schema.fields[$0].name }
                if let names, names != fields {
                    throw ValidationError("\(file): its columns \(fields) differ from the first file's \(names)")
                }
                names = fields
                for g in 0..<reader.rowGroupCount { work.append((file, g)) }
            }
            let columnNames = names ?? []
            let tally = ScanTally(columns: columnNames.count)
            let workers = spreadRowGroups ? min(threads, max(1, work.count)) : 1
            let rows = batchRows
            let items = work
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                var readers: [String: ParquetReader] = [:]
                var rowCount = 0
                var nulls = [Int](repeating: 0, count: columnNames.count)
                do {
                    for k in stride(from: worker, to: items.count, by: workers) {
                        let (file, group) = items[k]
                        let reader: ParquetReader
                        if let open = readers[file] {
                            reader = open
                        } else {
                            reader = try ParquetReader(path: file, options: options)
                            readers[file] = reader
                        }
                        var slices = try reader.rowGroupSlices(group, columns: selection, rowsPerSlice: rows)
                        while let batch = try slices.next() {
                            rowCount += batch.rowCount
                            for (c, column) in batch.columns.enumerated() { nulls[c] += column.nullCount }
                        }
                    }
                    tally.add(rows: rowCount, nulls: nulls)
                } catch {
                    tally.fail(error)
                }
            }
            let (total, nullCounts, failure) = tally.result()
            if let failure { throw failure }
            var text = "rows: \(total)\n"
            for (name, count) in zip(columnNames, nullCounts) { text += "\(name): \(count) nulls\n" }
            print(text, terminator: "")
        }
    }

    static let configuration = CommandConfiguration(
        commandName: "parquet", abstract: "Inspect Parquet files.", subcommands: [Inspect.self, Cat.self, Scan.self])

    struct Inspect: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print schema (with field ids), row groups, codecs, encodings, statistics, page index and bloom filters.")

        @Argument(help: "A Parquet file.") var file: String

        func run() throws {
            let md = try ParquetFooter.read(path: file)
            print("file: \(file)")
            print("created_by: \(md.createdBy)")
            print("version: \(md.version)  rows: \(md.numRows)  row groups: \(md.rowGroups.count)  column orders: \(md.columnOrderCount)")
            for (k, v) in md.keyValueMetadata.sorted(by: { $0.key < $1.key }) {
                print("metadata: \(k) = \(v.count > 120 ? String(v.prefix(120)) + "…" : v)")
            }
            print("schema:")
            var index = 0
            var leaves: [SchemaElement] = []
            func walk(depth: Int) {
                guard index < md.schema.count else { return }
                let e = md.schema[index]
                index += 1
                var line = String(repeating: "  ", count: depth + 1)
                line += e.repetition.map { "\($0) " } ?? ""
                line += e.type.map { "\($0)" + (e.typeLength.map { "(\($0))" } ?? "") + " " } ?? "group "
                line += e.name
                if let logical = e.logicalType { line += " (\(logical))" }
                if let id = e.fieldID { line += " field_id=\(id)" }
                print(line)
                if e.type != nil { leaves.append(e) }
                for _ in 0..<Int(max(0, e.numChildren ?? 0)) { walk(depth: depth + 1) }
            }
            walk(depth: -1)
            for (g, group) in md.rowGroups.enumerated() {
                print("row group \(g): \(group.numRows) rows, \(group.totalCompressedSize) bytes compressed, \(group.totalByteSize) uncompressed")
                for (c, chunk) in group.columns.enumerated() {
                    let m = chunk.metaData
                    let leaf = c < leaves.count ? leaves[c] : nil
                    var line = "  \(m.pathInSchema.joined(separator: ".")): \(m.type) \(m.codec) "
                    line += "[\(m.encodings.map { "\($0)" }.joined(separator: ","))] values=\(m.numValues) "
                    line += "size=\(m.totalCompressedSize)/\(m.totalUncompressedSize)"
                    if let s = m.statistics {
                        line += " nulls=\(s.nullCount)"
                        if let n = s.nanCount { line += " nans=\(n)" }
                        if let lo = s.minValue, let hi = s.maxValue {
                            line += " min=\(Self.render(lo, m.type, leaf))\(s.isMinValueExact == false ? "~" : "")"
                            line += " max=\(Self.render(hi, m.type, leaf))\(s.isMaxValueExact == false ? "~" : "")"
                        }
                        if let d = s.distinctCount { line += " distinct=\(d)" }
                    }
                    line += " dict=\(m.dictionaryPageOffset != nil ? "yes" : "no")"
                    line += " column_index=\(chunk.columnIndexOffset != nil ? "yes" : "no")"
                    line += " offset_index=\(chunk.offsetIndexOffset != nil ? "yes" : "no")"
                    line += " bloom=\(m.bloomFilterOffset.map { _ in "yes(\(m.bloomFilterLength.map(String.init) ?? "?") B)" } ?? "no")"
                    print(line)
                }
            }
        }

        static func render(_ bytes: [UInt8], _ type: PhysicalType, _ leaf: SchemaElement?) -> String {
            func le<T: FixedWidthInteger>(_: T.Type) -> T? {
                guard bytes.count == MemoryLayout<T>.size else { return nil }
                return bytes.withUnsafeBytes { T(littleEndian: $0.loadUnaligned(as: T.self)) }
            }
            switch type {
            case .boolean: return bytes.first == 1 ? "true" : "false"
            case .int32:
                guard let v = le(Int32.self) else { return "?" }
                if case .date? = leaf?.logicalType { return CivilCalendar.isoDate(days: Int(v)) }
                return String(v)
            case .int64:
                guard let v = le(Int64.self) else { return "?" }
                if case .timestamp(_, .micros)? = leaf?.logicalType { return CivilCalendar.isoTimestamp(microseconds: v) }
                return String(v)
            case .float: return le(UInt32.self).map { String(Float(bitPattern: $0)) } ?? "?"
            case .double: return le(UInt64.self).map { String(Double(bitPattern: $0)) } ?? "?"
            default:
                if case .string? = leaf?.logicalType, let s = String(validating: bytes, as: UTF8.self) {
                    return "\"" + (s.count > 40 ? String(s.prefix(40)) + "…" : s) + "\""
                }
                return "0x" + bytes.prefix(24).map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
            }
        }
    }
}

/// Row and null counts gathered by `parquet scan`'s threads.
private final class ScanTally: @unchecked Sendable {
    private let lock = NSLock()
    private var rows = 0
    private var nulls: [Int]
    private var failure: (any Error)?

    init(columns: Int) { nulls = Array(repeating: 0, count: columns) }

    func add(rows: Int, nulls more: [Int]) {
        lock.withLock {
            self.rows += rows
            for k in nulls.indices { nulls[k] += more[k] }
        }
    }

    func fail(_ error: any Error) {
        lock.withLock { if failure == nil { failure = error } }
    }

    func result() -> (rows: Int, nulls: [Int], failure: (any Error)?) {
        lock.withLock { (rows, nulls, failure) }
    }
}
