/// An error in the text of a SQL predicate: where it is and what was found there.
public struct PredicateParseError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong.
    public enum Kind: Sendable, Hashable {
        /// The text does not follow the grammar; `expected` says what would have fit.
        case syntax(expected: String)
        /// A column the schema does not have.
        case unknownColumn(String)
        /// A literal that cannot be a value of the column's type.
        case typeMismatch(column: String, type: DataType)
        /// A column whose type a predicate cannot compare (nested types).
        case unsupportedColumnType(column: String, type: DataType)
        /// A `LIKE` pattern other than a literal prefix followed by one `%`.
        case unsupportedPattern(String)
        /// A comparison with the `NULL` literal, which is never true: `IS [NOT] NULL` was meant.
        case comparisonWithNull(column: String)
    }

    /// What went wrong.
    public var kind: Kind
    /// The 1-based character position of the offending token in the predicate text.
    public var position: Int
    /// The offending token as written (empty at the end of the text).
    public var token: String

    public init(_ kind: Kind, position: Int, token: String) {
        self.kind = kind
        self.position = position
        self.token = token
    }

    public var description: String {
        let at = token.isEmpty ? "at end of predicate (position \(position))" : "at position \(position) ('\(token)')"
        switch kind {
        case let .syntax(expected): return "syntax error \(at): expected \(expected)"
        case let .unknownColumn(name): return "unknown column '\(name)' \(at)"
        case let .typeMismatch(column, type): return "literal \(at) is not a \(type) value for column '\(column)'"
        case let .unsupportedColumnType(column, type): return "column '\(column)' of type \(type) cannot be filtered \(at)"
        case let .unsupportedPattern(pattern):
            return "LIKE pattern '\(pattern)' \(at) is not supported: only a prefix followed by one trailing '%'"
        case let .comparisonWithNull(column): return "comparison of '\(column)' with NULL \(at) is never true: use IS [NOT] NULL"
        }
    }
}

extension ColumnPredicate {
    /// Parses a SQL predicate over the top-level columns of `schema`, typing each literal by
    /// its column's type.
    ///
    /// The grammar is a `WHERE` clause's: comparisons (`=`, `!=`, `<>`, `<`, `<=`, `>`, `>=`,
    /// either side may be the column), `[NOT] IN (…)`, `IS [NOT] NULL`, `[NOT] LIKE 'prefix%'`,
    /// `[NOT] BETWEEN a AND b`, `AND`, `OR`, `NOT`, parentheses, `TRUE`/`FALSE`. Literals are numbers,
    /// `'strings'` (`''` is a quote), `true`/`false`, `DATE 'YYYY-MM-DD'` and
    /// `TIMESTAMP 'YYYY-MM-DD HH:MM:SS[.ffffff][Z|±HH:MM]'` (a plain string is read the same way
    /// for a date or timestamp column). Keywords are case-insensitive; a column name may be
    /// double-quoted.
    ///
    /// ```swift
    /// let p = try ColumnPredicate.parse("sc_status >= 500 AND cs_method = 'GET'", schema: schema)
    /// ```
    /// - Throws: ``PredicateParseError`` naming the position and token of a syntax error, an
    ///   unknown column or a literal that does not fit its column's type.
    public static func parse(_ text: String, schema: Schema) throws(PredicateParseError) -> ColumnPredicate {
        try parse(text) { name in schema.field(named: name)?.type }
    }

    /// Parses a SQL predicate whose column types `type(of:)` supplies (`nil`: no such column);
    /// see ``parse(_:schema:)``.
    public static func parse(_ text: String, columnType: (String) -> DataType?) throws(PredicateParseError) -> ColumnPredicate {
        let tokens = try PredicateLexer.tokens(text)
        return try withoutActuallyEscaping(columnType) { (lookup) throws(PredicateParseError) -> ColumnPredicate in
            var parser = PredicateParser(tokens: tokens, end: text.count + 1, columnType: lookup)
            return try parser.parseAll()
        }
    }
}

/// One lexical unit of a predicate.
struct PredicateToken: Sendable, Hashable {
    enum Kind: Sendable, Hashable {
        case identifier(String)
        case quotedIdentifier(String)
        case number(String)
        case string(String)
        case symbol(String)
    }

    var kind: Kind
    /// 1-based character position.
    var position: Int
    /// The token as written.
    var text: String

    /// The keyword this token spells (upper-cased), if it is a bare word.
    var keyword: String? {
        if case let .identifier(word) = kind { return word.uppercased() }
        return nil
    }
}

/// Splits predicate text into tokens.
enum PredicateLexer {
    static func tokens(_ text: String) throws(PredicateParseError) -> [PredicateToken] {
        let chars = Array(text)
        var out: [PredicateToken] = []
        var i = 0
        func isIdentifierStart(_ c: Character) -> Bool { c == "_" || (c.isLetter && c.isASCII) }
        func isIdentifierPart(_ c: Character) -> Bool { isIdentifierStart(c) || (c.isASCII && c.isNumber) }
        func isDigit(_ c: Character) -> Bool { c.isASCII && c.isNumber }
        while i < chars.count {
            let c = chars[i]
            let start = i
            if c.isWhitespace {
                i += 1
                continue
            }
            if isIdentifierStart(c) {
                while i < chars.count, isIdentifierPart(chars[i]) { i += 1 }
                let word = String(chars[start..<i])
                out.append(PredicateToken(kind: .identifier(word), position: start + 1, text: word))
            } else if isDigit(c) || (c == "." && i + 1 < chars.count && isDigit(chars[i + 1])) {
                while i < chars.count, isDigit(chars[i]) || chars[i] == "." { i += 1 }
                if i < chars.count, chars[i] == "e" || chars[i] == "E" {
                    var j = i + 1
                    if j < chars.count, chars[j] == "+" || chars[j] == "-" { j += 1 }
                    if j < chars.count, isDigit(chars[j]) {
                        i = j
                        while i < chars.count, isDigit(chars[i]) { i += 1 }
                    }
                }
                let number = String(chars[start..<i])
                out.append(PredicateToken(kind: .number(number), position: start + 1, text: number))
            } else if c == "'" || c == "\"" {
                // A doubled quote inside is one quote character.
                var value = ""
                i += 1
                var closed = false
                while i < chars.count {
                    if chars[i] == c {
                        if i + 1 < chars.count, chars[i + 1] == c {
                            value.append(c)
                            i += 2
                            continue
                        }
                        i += 1
                        closed = true
                        break
                    }
                    value.append(chars[i])
                    i += 1
                }
                let written = String(chars[start..<i])
                guard closed else {
                    throw PredicateParseError(.syntax(expected: c == "'" ? "a closing ' quote" : "a closing \" quote"),
                                              position: start + 1, token: written)
                }
                out.append(PredicateToken(kind: c == "'" ? .string(value) : .quotedIdentifier(value), position: start + 1, text: written))
            } else {
                let two = i + 1 < chars.count ? String(chars[i...(i + 1)]) : ""
                if ["<=", ">=", "<>", "!="].contains(two) {
                    i += 2
                    out.append(PredicateToken(kind: .symbol(two), position: start + 1, text: two))
                } else if "=<>(),-+".contains(c) {
                    i += 1
                    out.append(PredicateToken(kind: .symbol(String(c)), position: start + 1, text: String(c)))
                } else {
                    throw PredicateParseError(.syntax(expected: "a column, literal, operator or parenthesis"), position: start + 1,
                                              token: String(c))
                }
            }
        }
        return out
    }
}

/// A recursive-descent parser over predicate tokens: `OR` binds loosest, then `AND`, then `NOT`.
struct PredicateParser {
    let tokens: [PredicateToken]
    /// The position reported for an error at the end of the text.
    let end: Int
    let columnType: (String) -> DataType?
    var index = 0

    init(tokens: [PredicateToken], end: Int, columnType: @escaping (String) -> DataType?) {
        self.tokens = tokens
        self.end = end
        self.columnType = columnType
    }

    /// Nesting deeper than this is refused rather than risking the stack.
    static let maximumDepth = 200
    var depth = 0

    var current: PredicateToken? { index < tokens.count ? tokens[index] : nil }

    func error(_ kind: PredicateParseError.Kind, at token: PredicateToken? = nil) -> PredicateParseError {
        guard let token = token ?? current else { return PredicateParseError(kind, position: end, token: "") }
        return PredicateParseError(kind, position: token.position, token: token.text)
    }

    mutating func parseAll() throws(PredicateParseError) -> ColumnPredicate {
        guard !tokens.isEmpty else { throw error(.syntax(expected: "a predicate")) }
        let p = try parseOr()
        if current != nil { throw error(.syntax(expected: "AND, OR or the end of the predicate")) }
        return p
    }

    mutating func accept(keyword: String) -> Bool {
        guard current?.keyword == keyword else { return false }
        index += 1
        return true
    }

    mutating func accept(symbol: String) -> Bool {
        guard case .symbol(symbol)? = current?.kind else { return false }
        index += 1
        return true
    }

    mutating func expect(symbol: String) throws(PredicateParseError) {
        guard accept(symbol: symbol) else { throw error(.syntax(expected: "'\(symbol)'")) }
    }

    mutating func parseOr() throws(PredicateParseError) -> ColumnPredicate {
        var p = try parseAnd()
        while accept(keyword: "OR") { p = .or(p, try parseAnd()) }
        return p
    }

    mutating func parseAnd() throws(PredicateParseError) -> ColumnPredicate {
        var p = try parseNot()
        while accept(keyword: "AND") { p = .and(p, try parseNot()) }
        return p
    }

    mutating func parseNot() throws(PredicateParseError) -> ColumnPredicate {
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.maximumDepth else { throw error(.syntax(expected: "less deeply nested expressions")) }
        if accept(keyword: "NOT") { return .not(try parseNot()) }
        return try parsePrimary()
    }

    mutating func parsePrimary() throws(PredicateParseError) -> ColumnPredicate {
        guard let token = current else { throw error(.syntax(expected: "a column, NOT or '('")) }
        if accept(symbol: "(") {
            let p = try parseOr()
            try expect(symbol: ")")
            return p
        }
        // A bare TRUE or FALSE (not compared with anything) is a constant predicate.
        if let word = token.keyword, word == "TRUE" || word == "FALSE" {
            let next = index + 1 < tokens.count ? tokens[index + 1] : nil
            if next == nil || next?.keyword == "AND" || next?.keyword == "OR" || next?.kind == .symbol(")") {
                index += 1
                return word == "TRUE" ? .alwaysTrue : .alwaysFalse
            }
        }
        if let column = columnName(token) {
            index += 1
            return try parseTest(column: column, at: token)
        }
        // `literal op column`: the comparison read from the column's side.
        let literalStart = index
        guard isLiteralStart(token) else { throw error(.syntax(expected: "a column, NOT or '('")) }
        try skipLiteral()
        guard let opToken = current, case let .symbol(op) = opToken.kind, Self.comparisons.contains(op) else {
            throw error(.syntax(expected: "a comparison operator"))
        }
        index += 1
        guard let columnToken = current, let column = columnName(columnToken) else { throw error(.syntax(expected: "a column")) }
        index += 1
        let type = try self.type(of: column, at: columnToken)
        let resume = index
        index = literalStart
        let value = try parseLiteral(for: column, type: type)
        index = resume
        return Self.comparison(Self.flipped(op), column, value)
    }

    static let comparisons: Set<String> = ["=", "!=", "<>", "<", "<=", ">", ">="]

    static func flipped(_ op: String) -> String {
        switch op {
        case "<": return ">"
        case "<=": return ">="
        case ">": return "<"
        case ">=": return "<="
        default: return op
        }
    }

    static func comparison(_ op: String, _ column: String, _ value: Scalar) -> ColumnPredicate {
        switch op {
        case "=": return .equal(column, value)
        case "!=", "<>": return .notEqual(column, value)
        case "<": return .lessThan(column, value)
        case "<=": return .lessThanOrEqual(column, value)
        case ">": return .greaterThan(column, value)
        default: return .greaterThanOrEqual(column, value)
        }
    }

    static let reserved: Set<String> = ["AND", "OR", "NOT", "IN", "IS", "NULL", "LIKE", "BETWEEN", "TRUE", "FALSE"]

    /// The column the current token names: a double-quoted name, or a bare word that is not a
    /// keyword. `DATE` and `TIMESTAMP` start a literal only when a quoted string follows: CloudFront
    /// tables have columns named `date` and `timestamp`.
    func columnName(_ token: PredicateToken) -> String? {
        switch token.kind {
        case let .quotedIdentifier(name): return name
        case let .identifier(name):
            if let word = token.keyword, Self.reserved.contains(word) { return nil }
            if token.keyword == "DATE" || token.keyword == "TIMESTAMP", index + 1 < tokens.count,
               case .string = tokens[index + 1].kind {
                return nil
            }
            return name
        default: return nil
        }
    }

    func isLiteralStart(_ token: PredicateToken) -> Bool {
        switch token.kind {
        case .number, .string: return true
        case .symbol("-"), .symbol("+"): return true
        case .identifier:
            return ["TRUE", "FALSE", "NULL", "DATE", "TIMESTAMP"].contains(token.keyword ?? "")
        default: return false
        }
    }

    /// Moves past one literal without typing it (to find the column of `literal op column`).
    mutating func skipLiteral() throws(PredicateParseError) {
        guard let token = current else { throw error(.syntax(expected: "a literal")) }
        index += 1
        switch token.kind {
        case .symbol:
            guard case .number? = current?.kind else { throw error(.syntax(expected: "a number")) }
            index += 1
        case .identifier:
            if token.keyword == "DATE" || token.keyword == "TIMESTAMP" {
                guard case .string? = current?.kind else { throw error(.syntax(expected: "a quoted \(token.keyword ?? "") value")) }
                index += 1
            }
        default: break
        }
    }

    func type(of column: String, at token: PredicateToken) throws(PredicateParseError) -> DataType {
        guard let type = columnType(column) else { throw error(.unknownColumn(column), at: token) }
        guard type.isPrimitive else { throw error(.unsupportedColumnType(column: column, type: type), at: token) }
        return type
    }

    /// What follows a column: a comparison, `[NOT] IN`, `IS [NOT] NULL`, `[NOT] LIKE`, `[NOT] BETWEEN`.
    mutating func parseTest(column: String, at columnToken: PredicateToken) throws(PredicateParseError) -> ColumnPredicate {
        let type = try self.type(of: column, at: columnToken)
        guard let token = current else { throw error(.syntax(expected: "a comparison, IN, IS, LIKE or BETWEEN after '\(column)'")) }
        if case let .symbol(op) = token.kind, Self.comparisons.contains(op) {
            index += 1
            return Self.comparison(op, column, try parseLiteral(for: column, type: type))
        }
        if accept(keyword: "IS") {
            let negated = accept(keyword: "NOT")
            guard accept(keyword: "NULL") else { throw error(.syntax(expected: negated ? "NULL" : "NULL or NOT NULL")) }
            return negated ? .isNotNull(column) : .isNull(column)
        }
        let negated = accept(keyword: "NOT")
        let test: ColumnPredicate
        if accept(keyword: "IN") {
            try expect(symbol: "(")
            var values = [try parseLiteral(for: column, type: type)]
            while accept(symbol: ",") { values.append(try parseLiteral(for: column, type: type)) }
            try expect(symbol: ")")
            test = .isIn(column, values)
        } else if accept(keyword: "LIKE") {
            test = try parseLike(column: column, type: type)
        } else if accept(keyword: "BETWEEN") {
            let low = try parseLiteral(for: column, type: type)
            guard accept(keyword: "AND") else { throw error(.syntax(expected: "AND of BETWEEN")) }
            let high = try parseLiteral(for: column, type: type)
            test = .and(.greaterThanOrEqual(column, low), .lessThanOrEqual(column, high))
        } else {
            throw error(.syntax(expected: negated ? "IN, LIKE or BETWEEN after NOT" : "a comparison, IN, IS, LIKE or BETWEEN after '\(column)'"))
        }
        return negated ? .not(test) : test
    }

    mutating func parseLike(column: String, type: DataType) throws(PredicateParseError) -> ColumnPredicate {
        guard let token = current, case let .string(pattern) = token.kind else { throw error(.syntax(expected: "a quoted LIKE pattern")) }
        switch type {
        case .string, .dictionaryString, .binary: break
        default: throw error(.typeMismatch(column: column, type: type), at: token)
        }
        // Only `prefix%`: the prefix holds no wildcard, the one `%` is last.
        let body = pattern.dropLast()
        guard pattern.hasSuffix("%"), !body.contains("%"), !body.contains("_") else {
            if !pattern.contains("%") && !pattern.contains("_") {
                // No wildcard at all: LIKE is equality.
                index += 1
                return .equal(column, .binary(Array(pattern.utf8)))
            }
            throw error(.unsupportedPattern(pattern), at: token)
        }
        index += 1
        return body.isEmpty ? .isNotNull(column) : .startsWith(column, Array(body.utf8))
    }

    /// One literal, typed by `type` (the type of `column`).
    mutating func parseLiteral(for column: String, type: DataType) throws(PredicateParseError) -> Scalar {
        guard let token = current else { throw error(.syntax(expected: "a literal")) }
        let mismatch = error(.typeMismatch(column: column, type: type), at: token)
        index += 1
        switch token.kind {
        case .symbol("-"), .symbol("+"):
            guard let numberToken = current, case let .number(digits) = numberToken.kind else { throw error(.syntax(expected: "a number")) }
            index += 1
            guard let value = Self.number((token.text == "-" ? "-" : "") + digits, type: type) else { throw mismatch }
            return value
        case let .number(digits):
            guard let value = Self.number(digits, type: type) else { throw mismatch }
            return value
        case let .string(text):
            guard let value = Self.string(text, type: type) else { throw mismatch }
            return value
        case .identifier:
            switch token.keyword {
            case "TRUE", "FALSE":
                guard case .boolean = type else { throw mismatch }
                return .boolean(token.keyword == "TRUE")
            case "NULL":
                throw error(.comparisonWithNull(column: column), at: token)
            case "DATE", "TIMESTAMP":
                guard let valueToken = current, case let .string(text) = valueToken.kind else {
                    throw error(.syntax(expected: "a quoted \(token.keyword ?? "") value"))
                }
                index += 1
                let typedMismatch = error(.typeMismatch(column: column, type: type), at: valueToken)
                switch type {
                case .date32:
                    // A DATE literal for a date column; a TIMESTAMP only when it is midnight.
                    guard let micros = TemporalLiteral.microseconds(text, utc: false, dateOnly: token.keyword == "DATE"),
                          micros % 86_400_000_000 == 0, let days = Int32(exactly: micros / 86_400_000_000) else { throw typedMismatch }
                    return .int32(days)
                case let .timestampMicroseconds(utc):
                    guard let micros = TemporalLiteral.microseconds(text, utc: utc, dateOnly: token.keyword == "DATE") else {
                        throw typedMismatch
                    }
                    return .int64(micros)
                default: throw mismatch
                }
            default:
                throw error(.syntax(expected: "a literal"), at: token)
            }
        default:
            throw error(.syntax(expected: "a literal"), at: token)
        }
    }

    /// A numeric literal as a value of `type`; `nil` when it does not fit exactly.
    static func number(_ text: String, type: DataType) -> Scalar? {
        switch type {
        case .int32: return Int32(text).map { .int32($0) }
        case .int64: return Int64(text).map { .int64($0) }
        case .float32:
            guard let v = Float(text), v.isFinite else { return nil }
            return .float32(v)
        case .float64:
            guard let v = Double(text), v.isFinite else { return nil }
            return .float64(v)
        case let .decimal(precision, scale): return decimal(text, precision: precision, scale: scale).map { .decimal128($0) }
        default: return nil
        }
    }

    /// The unscaled value of a plain decimal numeral at `scale`; `nil` when it has more
    /// fractional digits than the scale allows or more digits than the precision.
    static func decimal(_ text: String, precision: Int, scale: Int) -> Int128? {
        var digits = Substring(text)
        let negative = digits.first == "-"
        if negative { digits = digits.dropFirst() }
        let parts = digits.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, !(parts[0].isEmpty && (parts.count == 1 || parts[1].isEmpty)) else { return nil }
        let whole = parts[0]
        var fraction = parts.count == 2 ? parts[1] : ""
        guard whole.allSatisfy({ $0.isASCII && $0.isNumber }), fraction.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        while fraction.count > scale, fraction.last == "0" { fraction = fraction.dropLast() }
        guard fraction.count <= scale else { return nil }
        let all = String(whole) + String(fraction) + String(repeating: "0", count: scale - fraction.count)
        let significant = all.drop { $0 == "0" }
        guard significant.count <= precision, let magnitude = Int128(all.isEmpty ? "0" : all) else { return nil }
        return negative ? -magnitude : magnitude
    }

    /// A quoted literal as a value of `type`; `nil` when it does not fit.
    static func string(_ text: String, type: DataType) -> Scalar? {
        switch type {
        case .string, .dictionaryString, .binary: return .binary(Array(text.utf8))
        case let .fixedSizeBinary(width):
            let bytes = Array(text.utf8)
            return bytes.count == width ? .binary(bytes) : nil
        case .date32:
            guard let micros = TemporalLiteral.microseconds(text, utc: false, dateOnly: true),
                  let days = Int32(exactly: micros / 86_400_000_000) else { return nil }
            return .int32(days)
        case let .timestampMicroseconds(utc):
            return TemporalLiteral.microseconds(text, utc: utc, dateOnly: false).map { .int64($0) }
        case .boolean:
            switch text.lowercased() {
            case "true": return .boolean(true)
            case "false": return .boolean(false)
            default: return nil
            }
        default: return nil
        }
    }
}

/// Date and timestamp literal text to microseconds since the epoch.
enum TemporalLiteral {
    /// `YYYY-MM-DD`, or (unless `dateOnly`) `YYYY-MM-DD[ T]HH:MM[:SS[.f…]]` with an optional `Z` or
    /// `±HH[:MM]` zone. A zone is allowed only for an instant (`utc`), and shifts the value to UTC.
    static func microseconds(_ text: String, utc: Bool, dateOnly: Bool) -> Int64? {
        let chars = Array(text.utf8)
        var i = 0
        func digits(_ n: Int) -> Int? {
            guard i + n <= chars.count else { return nil }
            var v = 0
            for c in chars[i..<(i + n)] {
                guard c >= 0x30 && c <= 0x39 else { return nil }
                v = v * 10 + Int(c - 0x30)
            }
            i += n
            return v
        }
        func take(_ c: UInt8) -> Bool {
            guard i < chars.count, chars[i] == c else { return false }
            i += 1
            return true
        }
        guard let year = digits(4), take(0x2D), let month = digits(2), take(0x2D), let day = digits(2),
              (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day) else { return nil }
        var micros = Int64(CivilCalendar.days(year: year, month: month, day: day)) * 86_400_000_000
        if i == chars.count { return micros }
        guard !dateOnly, take(0x54) || take(0x20) else { return nil }
        guard let hour = digits(2), take(0x3A), let minute = digits(2), hour < 24, minute < 60 else { return nil }
        var second = 0, fraction = 0
        if take(0x3A) {
            guard let s = digits(2), s < 60 else { return nil }
            second = s
            if take(0x2E) {
                var count = 0
                while i < chars.count, chars[i] >= 0x30 && chars[i] <= 0x39 {
                    // Digits past microseconds must be zero: the value would not be exact.
                    if count >= 6 { guard chars[i] == 0x30 else { return nil } } else { fraction = fraction * 10 + Int(chars[i] - 0x30) }
                    count += 1
                    i += 1
                }
                guard count > 0 else { return nil }
                for _ in count..<max(count, 6) { fraction *= 10 }
            }
        }
        micros += Int64(hour * 3600 + minute * 60 + second) * 1_000_000 + Int64(fraction)
        if i == chars.count { return micros }
        guard utc else { return nil }
        if take(0x5A) { return i == chars.count ? micros : nil }
        let sign: Int64
        if take(0x2B) { sign = 1 } else if take(0x2D) { sign = -1 } else { return nil }
        guard let zh = digits(2), zh < 24 else { return nil }
        var zm = 0
        if take(0x3A) || (i < chars.count) {
            guard let m = digits(2), m < 60 else { return nil }
            zm = m
        }
        guard i == chars.count else { return nil }
        return micros - sign * Int64(zh * 3600 + zm * 60) * 1_000_000
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}
