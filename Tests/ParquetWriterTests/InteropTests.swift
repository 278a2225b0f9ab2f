import Foundation
import LakeColumnar
import LakeTestSupport
import ParquetWriter
import Testing

/// A batch with every supported type, random nulls, NaN/-0.0, unicode, nested shapes.
func sampleBatch(rows: Int, seed: UInt64) throws -> RecordBatch {
    var rng = SeededRandom(seed: seed)
    func maybe(_ percent: Int) -> Bool { Int.random(in: 0..<100, using: &rng) < percent }
    var b = BooleanColumnBuilder()
    var i32 = PrimitiveColumnBuilder<Int32>(), i64 = PrimitiveColumnBuilder<Int64>()
    var f32 = PrimitiveColumnBuilder<Float>(), f64 = PrimitiveColumnBuilder<Double>()
    var date = PrimitiveColumnBuilder<Int32>(), tsz = PrimitiveColumnBuilder<Int64>(), ts = PrimitiveColumnBuilder<Int64>()
    var d9 = PrimitiveColumnBuilder<Int128>(), d18 = PrimitiveColumnBuilder<Int128>(), d38 = PrimitiveColumnBuilder<Int128>()
    var str = BinaryColumnBuilder(), dict = DictionaryColumnBuilder(), bin = BinaryColumnBuilder()
    var uuid = FixedSizeBinaryColumnBuilder(byteWidth: 16), tiny = PrimitiveColumnBuilder<Int32>()
    var sa = PrimitiveColumnBuilder<Int32>(), sb = BinaryColumnBuilder()
    var structValidity = Bitmap()
    var list = ListColumnBuilder(child: PrimitiveColumnBuilder<Int64>(), count: { $0.count }, finish: { .int64($0.finish()) })
    var strList = ListColumnBuilder(child: BinaryColumnBuilder(), count: { $0.count }, finish: { .binary($0.finish()) })
    var mapOffsets = [0], mapKeys = BinaryColumnBuilder(), mapValues = PrimitiveColumnBuilder<Int32>(), mapValidity = Bitmap()
    let words = ["", "a", "edge", "FRA56-P1", "café", "日本語", "emoji 😀", String(repeating: "long", count: 30)]
    for r in 0..<rows {
        b.append(maybe(10) ? nil : Bool.random(using: &rng))
        i32.append(Int32.random(in: -1000...1000, using: &rng))
        i64.append(maybe(10) ? nil : Int64.random(in: .min ... .max, using: &rng))
        let specials: [Float] = [.nan, -0.0, 0.0, .infinity, -.infinity, 1.5]
        f32.append(maybe(10) ? nil : (maybe(5) ? specials[r % specials.count] : Float.random(in: -1e6...1e6, using: &rng)))
        f64.append(maybe(10) ? nil : (maybe(3) ? Double.nan : Double.random(in: -1e12...1e12, using: &rng)))
        date.append(maybe(10) ? nil : Int32.random(in: -20000...40000, using: &rng))
        tsz.append(maybe(10) ? nil : Int64.random(in: -2_000_000_000_000_000...4_000_000_000_000_000, using: &rng))
        ts.append(maybe(10) ? nil : Int64.random(in: 0...2_000_000_000_000_000, using: &rng))
        d9.append(maybe(10) ? nil : Int128(Int64.random(in: -999_999_999...999_999_999, using: &rng)))
        d18.append(maybe(10) ? nil : Int128(Int64.random(in: -999_999_999_999_999_999...999_999_999_999_999_999, using: &rng)))
        let big = Int128(Int64.random(in: .min ... .max, using: &rng)) * 1_000_000_000_000 + Int128(Int64.random(in: 0...999_999, using: &rng))
        d38.append(maybe(10) ? nil : big)
        str.append(maybe(10) ? nil : words[Int.random(in: 0..<words.count, using: &rng)] + (maybe(50) ? String(r) : ""))
        dict.append(maybe(10) ? nil : words[Int.random(in: 0..<4, using: &rng)])
        if maybe(10) { bin.appendNull() } else { bin.append(contentsOf: rng.bytes(Int.random(in: 0...20, using: &rng))) }
        if maybe(10) { uuid.appendNull() } else { try uuid.append(rng.bytes(16)) }
        tiny.append(Int32.random(in: -128...127, using: &rng))
        let structNull = maybe(10)
        structValidity.append(!structNull)
        sa.append(maybe(20) ? nil : Int32(r))
        sb.append(maybe(20) ? nil : "s\(r)")
        if maybe(10) { list.appendNull() } else {
            let n = Int.random(in: 0...4, using: &rng)
            list.appendList { for _ in 0..<n { $0.append(maybe(15) ? nil : Int64.random(in: -100...100, using: &rng)) } }
        }
        if maybe(10) { strList.appendNull() } else {
            let n = Int.random(in: 0...3, using: &rng)
            strList.appendList { for k in 0..<n { $0.append(maybe(10) ? nil : "v\(k)") } }
        }
        let mapNull = maybe(10)
        mapValidity.append(!mapNull)
        if !mapNull {
            for k in 0..<Int.random(in: 0...3, using: &rng) {
                mapKeys.append("k\(k)")
                mapValues.append(maybe(20) ? nil : Int32(k * r))
            }
        }
        mapOffsets.append(mapKeys.count)
    }
    let schema = try Schema(fields: [
        Field(name: "flag", id: 1, type: .boolean),
        Field(name: "i32", id: 2, type: .int32, isNullable: false),
        Field(name: "i64", id: 3, type: .int64),
        Field(name: "f32", id: 4, type: .float32),
        Field(name: "f64", id: 5, type: .float64),
        Field(name: "day", id: 6, type: .date32),
        Field(name: "tsz", id: 7, type: .timestampMicroseconds(utc: true)),
        Field(name: "ts", id: 8, type: .timestampMicroseconds(utc: false)),
        Field(name: "d9", id: 9, type: .decimal(precision: 9, scale: 2)),
        Field(name: "d18", id: 10, type: .decimal(precision: 18, scale: 4)),
        Field(name: "d38", id: 11, type: .decimal(precision: 38, scale: 10)),
        Field(name: "text", id: 12, type: .string),
        Field(name: "edge", id: 13, type: .dictionaryString),
        Field(name: "blob", id: 14, type: .binary),
        Field(name: "id", id: 15, type: .fixedSizeBinary(byteWidth: 16), metadata: ["parquet.logical": "uuid"]),
        Field(name: "tiny", id: 16, type: .int32, isNullable: false, metadata: ["parquet.logical": "int8"]),
        Field(name: "point", id: 17, type: .structure([
            Field(name: "a", id: 18, type: .int32), Field(name: "b", id: 19, type: .string)])),
        Field(name: "nums", id: 20, type: .list(Field(name: "element", id: 21, type: .int64))),
        Field(name: "tags", id: 22, type: .list(Field(name: "element", id: 23, type: .string))),
        Field(name: "attrs", id: 24, type: .map(key: Field(name: "key", id: 25, type: .string, isNullable: false),
                                                 value: Field(name: "value", id: 26, type: .int32))),
    ])
    let point = try StructColumn(children: [.int32(sa.finish()), .binary(sb.finish())], count: rows, validity: structValidity)
    let attrs = try MapColumn(offsets: mapOffsets, keys: .binary(mapKeys.finish()), values: .int32(mapValues.finish()),
                              validity: mapValidity)
    return try RecordBatch(schema: schema, columns: [
        .boolean(b.finish()), .int32(i32.finish()), .int64(i64.finish()), .float32(f32.finish()), .float64(f64.finish()),
        .int32(date.finish()), .int64(tsz.finish()), .int64(ts.finish()), .decimal128(d9.finish()), .decimal128(d18.finish()),
        .decimal128(d38.finish()), .binary(str.finish()), .dictionary(dict.finish()), .binary(bin.finish()),
        .fixedSizeBinary(uuid.finish()), .int32(tiny.finish()), .structure(point), .list(try list.finish()),
        .list(try strList.finish()), .map(attrs),
    ])
}

/// The value a reader should produce for row `row` of `column`, normalised as the python script does.
func expectedJSON(_ column: Column, _ type: DataType, _ row: Int) -> Any {
    guard column.isValid(row) else { return NSNull() }
    func hex(_ b: [UInt8]) -> String { b.map { String(format: "%02x", $0) }.joined() }
    func float(_ d: Double) -> Any {
        if d.isNaN { return "NaN" }
        if d.isInfinite { return d > 0 ? "Infinity" : "-Infinity" }
        return d
    }
    switch (type, column) {
    case let (.boolean, .boolean(c)): return c.values[row]
    case let (.date32, .int32(c)): return CivilCalendar.isoDate(days: Int(c.value(at: row)))
    case let (.int32, .int32(c)): return Int64(c.value(at: row))
    case let (_, .int64(c)): return c.value(at: row)
    case let (_, .float32(c)): return float(Double(c.value(at: row)))
    case let (_, .float64(c)): return float(c.value(at: row))
    case let (.decimal(_, scale), .decimal128(c)): return JSONLinesEncoder.decimalText(c.value(at: row), scale: scale)
    case let (.string, .binary(c)): return c.string(at: row)!
    case let (.dictionaryString, .dictionary(c)): return c.string(at: row)!
    case let (.binary, .binary(c)): return hex(c.bytes(at: row)!)
    case let (_, .fixedSizeBinary(c)): return hex(c.bytes(at: row)!)
    case let (.structure(fields), .structure(s)):
        var out: [String: Any] = [:]
        for (f, child) in zip(fields, s.children) { out[f.name] = expectedJSON(child, f.type, row) }
        return out
    case let (.list(element), .list(l)): return l.valueRange(at: row).map { expectedJSON(l.values, element.type, $0) }
    case let (.map(key, value), .map(m)):
        return m.entries.valueRange(at: row).map { [expectedJSON(m.keys, key.type, $0), expectedJSON(m.values, value.type, $0)] }
    default: return "unsupported \(type)"
    }
}

/// Structural equality between expected values and JSONSerialization output.
func jsonEqual(_ expected: Any, _ actual: Any) -> Bool {
    switch expected {
    case is NSNull: return actual is NSNull
    case let e as Bool: return (actual as? Bool) == e
    case let e as Int64: return (actual as? NSNumber)?.int64Value == e
    case let e as Double:
        guard let text = actual as? String, text.hasPrefix("f:") else { return false }
        return Double(text.dropFirst(2)) == e
    case let e as String: return (actual as? String) == e
    case let e as [Any]:
        guard let a = actual as? [Any], a.count == e.count else { return false }
        return zip(e, a).allSatisfy { jsonEqual($0, $1) }
    case let e as [String: Any]:
        guard let a = actual as? [String: Any], a.count == e.count else { return false }
        return e.allSatisfy { k, v in a[k].map { jsonEqual(v, $0) } ?? false }
    default: return false
    }
}

@Suite("Parquet files read by pyarrow, polars and DuckDB", .enabled(if: Interop.enabled))
struct ParquetInteropTests {
    struct Variant: CustomStringConvertible, Sendable {
        var codec: ParquetCodec
        var version: DataPageVersion
        var encodings: String  // "dictionary", "plain", "delta"
        var threads = 1
        var description: String { "\(codec)/\(version)/\(encodings)/\(threads) thread(s)" }
    }

    static let variants: [Variant] = [
        Variant(codec: .uncompressed, version: .v1, encodings: "dictionary"),
        Variant(codec: .snappy, version: .v1, encodings: "dictionary", threads: 2),
        Variant(codec: .gzip, version: .v1, encodings: "plain"),
        Variant(codec: .zstd, version: .v1, encodings: "delta"),
        Variant(codec: .uncompressed, version: .v2, encodings: "plain"),
        Variant(codec: .snappy, version: .v2, encodings: "delta"),
        Variant(codec: .zstd, version: .v2, encodings: "dictionary", threads: 3),
    ]

    static func properties(_ v: Variant) -> WriterProperties {
        var p = WriterProperties()
        p.codec = v.codec
        p.dataPageVersion = v.version
        p.dataPageRowLimit = 300
        p.rowGroupRows = 1000
        p.pageChecksums = true
        p.encodingThreads = v.threads
        switch v.encodings {
        case "plain":
            for name in ["flag", "i32", "i64", "f32", "f64", "text", "edge", "blob", "id", "nums", "tags", "attrs", "point"] {
                p.columnEncodings[name] = .plain
            }
        case "delta":
            p.columnEncodings = ["flag": .rle, "i32": .deltaBinaryPacked, "i64": .deltaBinaryPacked, "tiny": .deltaBinaryPacked,
                                 "day": .deltaBinaryPacked, "tsz": .deltaBinaryPacked, "f32": .byteStreamSplit,
                                 "f64": .byteStreamSplit, "text": .deltaByteArray, "blob": .deltaLengthByteArray,
                                 "edge": .deltaLengthByteArray, "nums": .deltaBinaryPacked, "tags": .deltaByteArray,
                                 "point.b": .deltaByteArray]
        default: break
        }
        return p
    }

    @Test("every type × encoding × codec × page version reads value-identically", arguments: variants)
    func readersAgree(_ variant: Variant) throws {
        let batch = try sampleBatch(rows: 2500, seed: 17)
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let path = directory.file("t.parquet")
        let writer = try ParquetFileWriter(path: path, schema: batch.schema, properties: Self.properties(variant))
        try writer.write(batch.slice(0..<1700))
        try writer.write(batch.slice(1700..<2500))
        let result = try writer.close()
        #expect(result.rowCount == 2500)
        #expect(result.metadata.rowGroups.count == 3)

        let output = try Interop.runText(parquetReadersScript, arguments: [path, "[\"attrs\"]"])
        let info = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
        let rows = try #require(info["rows"] as? [[String: Any]])
        #expect(rows.count == batch.rowCount)
        var mismatches = 0
        for (r, row) in rows.enumerated() {
            for (c, field) in batch.schema.fields.enumerated() {
                let expected = expectedJSON(batch.columns[c], field.type, r)
                if !jsonEqual(expected, row[field.name] ?? "missing") {
                    mismatches += 1
                    if mismatches < 8 { Issue.record("\(variant) row \(r) \(field.name): expected \(expected), read \(row[field.name] ?? "missing")") }
                }
            }
        }
        #expect(mismatches == 0)
        let ids = try #require(info["field_ids"] as? [String])
        #expect(ids == batch.schema.fields.map { String($0.id) }, "field ids visible in pyarrow's schema")
        let minMax = try #require(info["has_min_max"] as? [[Bool]])
        // Every leaf with a value has min/max (pyarrow reports per leaf column).
        #expect(minMax.allSatisfy { $0.filter { !$0 }.count == 0 }, "\(minMax)")
        let pageIndex = try #require(info["offset_index"] as? [[Bool]])
        #expect(pageIndex.allSatisfy { $0.allSatisfy { $0 } })
    }
}
