/// Writes record batches as JSON lines: one object per row keyed by column name.
///
/// Types render as readers expect: `date32` as `"YYYY-MM-DD"`, timestamps as ISO-8601 `Z`
/// strings, decimals as exact decimal strings, binary as hex strings, maps as objects (non-string
/// keys stringified), and non-finite floats as the strings `"NaN"`, `"Infinity"` and
/// `"-Infinity"` (JSON has no literal for them), so no value is lost.
public struct JSONLinesEncoder: Sendable {
    public init() {}

    /// Appends every row of `batch` to `output`, each followed by a newline.
    public func encode(_ batch: RecordBatch, into output: inout [UInt8]) {
        let fields = batch.schema.fields
        for row in 0..<batch.rowCount {
            output.append(UInt8(ascii: "{"))
            for (i, field) in fields.enumerated() {
                if i > 0 { output.append(UInt8(ascii: ",")) }
                appendString(field.name, to: &output)
                output.append(UInt8(ascii: ":"))
                appendValue(batch.columns[i], row: row, type: field.type, to: &output)
            }
            output.append(contentsOf: "}\n".utf8)
        }
    }

    func appendValue(_ column: Column, row: Int, type: DataType, to out: inout [UInt8]) {
        guard column.isValid(row) else { return out.append(contentsOf: "null".utf8) }
        switch (type, column) {
        case let (.boolean, .boolean(c)): out.append(contentsOf: (c.values[row] ? "true" : "false").utf8)
        case let (.date32, .int32(c)): appendString(CivilCalendar.isoDate(days: Int(c.value(at: row))), to: &out)
        case let (.timestampMicroseconds, .int64(c)): appendString(CivilCalendar.isoTimestamp(microseconds: c.value(at: row)), to: &out)
        case let (.int32, .int32(c)): out.append(contentsOf: String(c.value(at: row)).utf8)
        case let (.int64, .int64(c)): out.append(contentsOf: String(c.value(at: row)).utf8)
        case let (.float32, .float32(c)): appendFloat(Double(c.value(at: row)), text: "\(c.value(at: row))", to: &out)
        case let (.float64, .float64(c)): appendFloat(c.value(at: row), text: "\(c.value(at: row))", to: &out)
        case let (.decimal(_, scale), .decimal128(c)): appendString(Self.decimalText(c.value(at: row), scale: scale), to: &out)
        case let (.string, .binary(c)):
            c.withValueBytes(at: row) { appendStringBytes($0, to: &out) }
        case let (.dictionaryString, .dictionary(c)):
            c.dictionary.withValueBytes(at: Int(c.indices.value(at: row))) { appendStringBytes($0, to: &out) }
        case let (.binary, .binary(c)): appendString(Self.hex(c.bytes(at: row) ?? []), to: &out)
        case let (.fixedSizeBinary, .fixedSizeBinary(c)): appendString(Self.hex(c.bytes(at: row) ?? []), to: &out)
        case let (.structure(fields), .structure(s)):
            out.append(UInt8(ascii: "{"))
            for (i, f) in fields.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                appendString(f.name, to: &out)
                out.append(UInt8(ascii: ":"))
                appendValue(s.children[i], row: row, type: f.type, to: &out)
            }
            out.append(UInt8(ascii: "}"))
        case let (.list(element), .list(l)):
            out.append(UInt8(ascii: "["))
            for (k, index) in l.valueRange(at: row).enumerated() {
                if k > 0 { out.append(UInt8(ascii: ",")) }
                appendValue(l.values, row: index, type: element.type, to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case let (.map(key, value), .map(m)):
            out.append(UInt8(ascii: "{"))
            let keys = m.keys, values = m.values
            for (k, index) in m.entries.valueRange(at: row).enumerated() {
                if k > 0 { out.append(UInt8(ascii: ",")) }
                if key.type.isString {
                    appendValue(keys, row: index, type: key.type, to: &out)
                } else {
                    var keyText: [UInt8] = []
                    appendValue(keys, row: index, type: key.type, to: &keyText)
                    appendString(String(decoding: keyText, as: UTF8.self), to: &out)
                }
                out.append(UInt8(ascii: ":"))
                appendValue(values, row: index, type: value.type, to: &out)
            }
            out.append(UInt8(ascii: "}"))
        default:
            out.append(contentsOf: "null".utf8)
        }
    }

    func appendFloat(_ value: Double, text: String, to out: inout [UInt8]) {
        if value.isNaN { return appendString("NaN", to: &out) }
        if value.isInfinite { return appendString(value < 0 ? "-Infinity" : "Infinity", to: &out) }
        out.append(contentsOf: text.utf8)
    }

    func appendString(_ s: String, to out: inout [UInt8]) {
        var copy = s
        copy.withUTF8 { appendStringBytes(UnsafeRawBufferPointer($0), to: &out) }
    }

    func appendStringBytes(_ bytes: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        // Repair invalid UTF-8 so the output is always valid JSON.
        let valid = String(validating: bytes, as: UTF8.self) != nil
        let source: [UInt8] = valid ? Array(bytes) : Array(String(decoding: bytes, as: UTF8.self).utf8)
        for b in source {
            switch b {
            case UInt8(ascii: "\""): out.append(contentsOf: "\\\"".utf8)
            case UInt8(ascii: "\\"): out.append(contentsOf: "\\\\".utf8)
            case 0x0A: out.append(contentsOf: "\\n".utf8)
            case 0x0D: out.append(contentsOf: "\\r".utf8)
            case 0x09: out.append(contentsOf: "\\t".utf8)
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out.append(contentsOf: "\\u00".utf8)
                out.append(hex[Int(b >> 4)])
                out.append(hex[Int(b & 15)])
            default: out.append(b)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef")
        return String(bytes.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 15)]] })
    }

    /// The exact decimal text of `unscaled × 10^-scale`.
    public static func decimalText(_ unscaled: Int128, scale: Int) -> String {
        let negative = unscaled < 0
        var digits = String(unscaled.magnitude)
        guard scale > 0 else { return (negative ? "-" : "") + digits + String(repeating: "0", count: -scale) }
        if digits.count <= scale { digits = String(repeating: "0", count: scale - digits.count + 1) + digits }
        let split = digits.index(digits.endIndex, offsetBy: -scale)
        return (negative ? "-" : "") + digits[..<split] + "." + digits[split...]
    }
}
