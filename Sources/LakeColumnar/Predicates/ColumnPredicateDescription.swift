/// A predicate reads as SQL-like text in errors and logs: `sc_status >= 500 AND cs_method = 'GET'`.
///
/// Values are shown at storage level (a date as its day number, a timestamp as microseconds),
/// since the predicate does not know its columns' logical types; text that is valid UTF-8 is
/// quoted, other bytes are shown as `X'…'` hex.
extension ColumnPredicate: CustomStringConvertible {
    public var description: String { render(self, parentPrecedence: 0) }
}

/// Binding strength of a predicate's top operator (OR < AND < NOT < a comparison), so that
/// parentheses appear only where they are needed.
private func precedence(_ p: ColumnPredicate) -> Int {
    switch p {
    case .or: return 1
    case .and: return 2
    case .not: return 3
    default: return 4
    }
}

private func render(_ p: ColumnPredicate, parentPrecedence: Int) -> String {
    let text: String
    switch p {
    case .alwaysTrue: text = "TRUE"
    case .alwaysFalse: text = "FALSE"
    case let .equal(c, v): text = "\(identifier(c)) = \(literal(v))"
    case let .notEqual(c, v): text = "\(identifier(c)) <> \(literal(v))"
    case let .lessThan(c, v): text = "\(identifier(c)) < \(literal(v))"
    case let .lessThanOrEqual(c, v): text = "\(identifier(c)) <= \(literal(v))"
    case let .greaterThan(c, v): text = "\(identifier(c)) > \(literal(v))"
    case let .greaterThanOrEqual(c, v): text = "\(identifier(c)) >= \(literal(v))"
    case let .isIn(c, values): text = "\(identifier(c)) IN (\(values.map(literal).joined(separator: ", ")))"
    case let .isNull(c): text = "\(identifier(c)) IS NULL"
    case let .isNotNull(c): text = "\(identifier(c)) IS NOT NULL"
    case let .startsWith(c, prefix):
        let pattern = doubling("'", in: String(decoding: prefix, as: UTF8.self))
        text = "\(identifier(c)) LIKE '\(pattern)%'"
    case let .and(a, b): text = "\(render(a, parentPrecedence: 2)) AND \(render(b, parentPrecedence: 2))"
    case let .or(a, b): text = "\(render(a, parentPrecedence: 1)) OR \(render(b, parentPrecedence: 1))"
    case let .not(inner): text = "NOT \(render(inner, parentPrecedence: 3))"
    }
    return precedence(p) < parentPrecedence ? "(\(text))" : text
}

/// A column name, double-quoted when it is not a plain identifier.
private func identifier(_ name: String) -> String {
    let plain = !name.isEmpty && name.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x5F }
        && !(name.utf8.first.map { $0 >= 0x30 && $0 <= 0x39 } ?? true)
    return plain ? name : "\"" + doubling("\"", in: name) + "\""
}

private func literal(_ value: Scalar) -> String {
    switch value {
    case let .boolean(b): return b ? "TRUE" : "FALSE"
    case let .int32(v): return String(v)
    case let .int64(v): return String(v)
    case let .float32(v): return String(v)
    case let .float64(v): return String(v)
    case let .decimal128(v): return "\(v) (unscaled)"
    case let .binary(bytes):
        if let text = String(validating: bytes, as: UTF8.self) {
            return "'" + doubling("'", in: text) + "'"
        }
        let hex = "0123456789ABCDEF".utf8.map { $0 }
        return "X'" + String(decoding: bytes.flatMap { [hex[Int($0 >> 4)], hex[Int($0 & 0xF)]] }, as: UTF8.self) + "'"
    case let .structure(fields): return "STRUCT(" + fields.map { $0.map(literal) ?? "NULL" }.joined(separator: ", ") + ")"
    case let .list(items): return "[" + items.map { $0.map(literal) ?? "NULL" }.joined(separator: ", ") + "]"
    case let .map(entries):
        return "MAP(" + entries.map { ($0.key.map(literal) ?? "NULL") + ": " + ($0.value.map(literal) ?? "NULL") }.joined(separator: ", ") + ")"
    }
}

/// `text` with every `quote` doubled, as SQL escapes a quote inside a quoted literal or name.
private func doubling(_ quote: Character, in text: String) -> String {
    var out = ""
    out.reserveCapacity(text.utf8.count)
    for ch in text {
        if ch == quote { out.append(quote) }
        out.append(ch)
    }
    return out
}
