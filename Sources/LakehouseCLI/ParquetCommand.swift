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

    static let configuration = CommandConfiguration(
        commandName: "parquet", abstract: "Inspect Parquet files.", subcommands: [Inspect.self, Cat.self])

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
