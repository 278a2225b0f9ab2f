import Foundation

/// A SQL value during row evaluation.
enum SQLValue {
    case null
    case number(Double)
    case text([UInt8])
    case bool(Bool)

    var isNull: Bool { if case .null = self { return true } else { return false } }

    var number: Double? {
        switch self {
        case let .number(value): return value
        case let .bool(value): return value ? 1 : 0
        case let .text(bytes): return Double(String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespaces))
        case .null: return nil
        }
    }

    var textBytes: [UInt8]? {
        switch self {
        case let .text(bytes): return bytes
        case let .number(value): return Array(formatMetric(value).utf8)
        case let .bool(value): return Array((value ? "true" : "false").utf8)
        case .null: return nil
        }
    }
}

/// Resolves column references of a SQL expression to prepared columns.
protocol SQLColumnSource {
    func column(qualifier: String?, name: String) throws(SQLError) -> DQColumnValues
}

/// Compiles ``SQLExpression``s into per-row closures over prepared columns.
///
/// Static typing is light: a comparison between a date/timestamp column and a string literal
/// converts the literal once at compile time; text predicates on a column are evaluated once
/// per distinct value and looked up per row.
struct SQLCompiler {
    typealias RowFunction = (Int) -> SQLValue
    typealias RowPredicate = (Int) -> Int8

    let source: any SQLColumnSource
    /// "Now" for `current_date` / `current_timestamp`, microseconds since the epoch.
    let nowMicroseconds: Int64
    /// Rows aggregates run over (nil: every row).
    var aggregateRows: [Int]?
    var rowCount: Int

    struct Compiled {
        var evaluate: RowFunction
        var kind: DQColumnValues.NumericKind?
        var constant: SQLValue?
        /// The column when the expression is a bare text column reference.
        var textColumn: (codes: [Int32], dictionary: [[UInt8]])?
    }

    // MARK: Predicates

    /// A tri-state predicate: 1 true, 0 false, -1 unknown (SQL NULL).
    func predicate(_ expression: SQLExpression) throws(SQLError) -> RowPredicate {
        switch expression {
        case let .binary(lhs, .and, rhs):
            let left = try predicate(lhs), right = try predicate(rhs)
            return { row in
                let l = left(row)
                if l == 0 { return 0 }
                let r = right(row)
                if r == 0 { return 0 }
                return (l == 1 && r == 1) ? 1 : -1
            }
        case let .binary(lhs, .or, rhs):
            let left = try predicate(lhs), right = try predicate(rhs)
            return { row in
                let l = left(row)
                if l == 1 { return 1 }
                let r = right(row)
                if r == 1 { return 1 }
                return (l == 0 && r == 0) ? 0 : -1
            }
        case let .not(inner):
            let body = try predicate(inner)
            return { row in
                let value = body(row)
                return value < 0 ? -1 : 1 - value
            }
        default:
            break
        }
        if let fast = try textPredicate(expression) { return fast }
        let compiled = try compile(expression)
        let evaluate = compiled.evaluate
        return { row in Self.truth(evaluate(row)) }
    }

    static func truth(_ value: SQLValue) -> Int8 {
        switch value {
        case .null: return -1
        case let .bool(flag): return flag ? 1 : 0
        case let .number(number): return number != 0 ? 1 : 0
        case .text: return -1
        }
    }

    /// Predicates on one text column against constants, decided once per distinct value.
    private func textPredicate(_ expression: SQLExpression) throws(SQLError) -> RowPredicate? {
        let subject: SQLExpression
        switch expression {
        case let .binary(lhs, op, _) where [.equal, .notEqual, .less, .lessEqual, .greater, .greaterEqual].contains(op):
            subject = lhs
        case let .inList(value, _, _), let .like(value, _, _), let .isNull(value, _):
            subject = value
        default:
            return nil
        }
        guard case .column = subject, let column = try compile(subject).textColumn else { return nil }
        // Evaluate the expression with the column bound to each distinct value.
        let (codes, dictionary) = column
        var table = [Int8](repeating: -1, count: dictionary.count)
        var general = self
        general.aggregateRows = nil
        let substituted = Self.substitute(expression, subject: subject)
        for (code, value) in dictionary.enumerated() {
            let compiled = try general.compile(substituted, bound: .text(value))
            table[code] = Self.truth(compiled.evaluate(0))
        }
        let nullCompiled = try general.compile(substituted, bound: .null)
        let nullResult = Self.truth(nullCompiled.evaluate(0))
        return { row in
            let code = codes[row]
            return code < 0 ? nullResult : table[Int(code)]
        }
    }

    /// Replaces `subject` by a placeholder bound at compile time.
    private static func substitute(_ expression: SQLExpression, subject: SQLExpression) -> SQLExpression {
        let placeholder = SQLExpression.column(qualifier: "\u{0}", name: "\u{0}")
        switch expression {
        case let .binary(lhs, op, rhs): return .binary(lhs == subject ? placeholder : lhs, op, rhs)
        case let .inList(value, list, negated): return .inList(value == subject ? placeholder : value, list, negated: negated)
        case let .like(value, pattern, negated): return .like(value == subject ? placeholder : value, pattern: pattern, negated: negated)
        case let .isNull(value, negated): return .isNull(value == subject ? placeholder : value, negated: negated)
        default: return expression
        }
    }

    // MARK: Scalar expressions

    func compile(_ expression: SQLExpression, bound: SQLValue? = nil) throws(SQLError) -> Compiled {
        switch expression {
        case let .column(qualifier, name):
            if qualifier == "\u{0}", let bound { return constant(bound) }
            return try columnReference(qualifier: qualifier, name: name)
        case let .number(value): return constant(.number(value))
        case let .string(text): return constant(.text(Array(text.utf8)))
        case let .boolean(flag): return constant(.bool(flag))
        case .null: return constant(.null)
        case let .negate(inner):
            let body = try compile(inner, bound: bound).evaluate
            return dynamic { row in
                guard let value = body(row).number else { return .null }
                return .number(-value)
            }
        case .not, .binary(_, .and, _), .binary(_, .or, _):
            return dynamic(try compileBoolean(expression, bound: bound))
        case let .binary(lhs, op, rhs):
            return try binary(lhs, op, rhs, bound: bound)
        case let .isNull(inner, negated):
            let body = try compile(inner, bound: bound).evaluate
            return dynamic { row in .bool(body(row).isNull != negated) }
        case let .between(value, low, high, negated):
            let test = try compile(value, bound: bound)
            let lower = try coerce(try compile(low, bound: bound), toward: test)
            let upper = try coerce(try compile(high, bound: bound), toward: test)
            return dynamic { row in
                let v = test.evaluate(row), l = lower.evaluate(row), u = upper.evaluate(row)
                guard let a = Self.compare(v, l), let b = Self.compare(v, u) else { return .null }
                return .bool((a >= 0 && b <= 0) != negated)
            }
        case let .inList(value, list, negated):
            let test = try compile(value, bound: bound)
            var items: [Compiled] = []
            for item in list { items.append(try coerce(try compile(item, bound: bound), toward: test)) }
            return dynamic { row in
                let v = test.evaluate(row)
                if v.isNull { return .null }
                var sawNull = false
                for item in items {
                    let candidate = item.evaluate(row)
                    if candidate.isNull { sawNull = true; continue }
                    if Self.compare(v, candidate) == 0 { return .bool(!negated) }
                }
                return sawNull ? .null : .bool(negated)
            }
        case let .like(value, pattern, negated):
            let test = try compile(value, bound: bound).evaluate
            let patternCompiled = try compile(pattern, bound: bound)
            guard case let .text(patternBytes)? = patternCompiled.constant else {
                throw SQLError(message: "LIKE needs a constant pattern", offset: 0)
            }
            let matcher = LikePattern(patternBytes)
            return dynamic { row in
                guard let bytes = test(row).textBytes else { return .null }
                return .bool(matcher.matches(bytes) != negated)
            }
        case let .function(name, arguments, distinct, star):
            if SQLExpression.aggregateNames.contains(name) {
                return try aggregate(name, arguments, distinct: distinct, star: star)
            }
            return try function(name, arguments, bound: bound)
        }
    }

    private func compileBoolean(_ expression: SQLExpression, bound: SQLValue?) throws(SQLError) -> RowFunction {
        switch expression {
        case let .not(inner):
            let body = try compile(inner, bound: bound).evaluate
            return { row in
                let value = Self.truth(body(row))
                return value < 0 ? .null : .bool(value == 0)
            }
        case let .binary(lhs, op, rhs):
            let left = try compile(lhs, bound: bound).evaluate, right = try compile(rhs, bound: bound).evaluate
            let isAnd = op == .and
            return { row in
                let l = Self.truth(left(row)), r = Self.truth(right(row))
                if isAnd {
                    if l == 0 || r == 0 { return .bool(false) }
                    return (l == 1 && r == 1) ? .bool(true) : .null
                }
                if l == 1 || r == 1 { return .bool(true) }
                return (l == 0 && r == 0) ? .bool(false) : .null
            }
        default:
            return try compile(expression, bound: bound).evaluate
        }
    }

    private func constant(_ value: SQLValue) -> Compiled {
        Compiled(evaluate: { _ in value }, kind: nil, constant: value, textColumn: nil)
    }

    private func dynamic(_ body: @escaping RowFunction) -> Compiled {
        Compiled(evaluate: body, kind: nil, constant: nil, textColumn: nil)
    }

    private func columnReference(qualifier: String?, name: String) throws(SQLError) -> Compiled {
        let column = try source.column(qualifier: qualifier, name: name)
        switch column {
        case let .numeric(values, valid, kind):
            return Compiled(evaluate: { row in valid[row] ? .number(values[row]) : .null }, kind: kind,
                            constant: nil, textColumn: nil)
        case let .text(codes, dictionary):
            return Compiled(evaluate: { row in
                let code = codes[row]
                return code < 0 ? .null : .text(dictionary[Int(code)])
            }, kind: nil, constant: nil, textColumn: (codes, dictionary))
        case let .boolean(values):
            return dynamic { row in values[row] < 0 ? .null : .bool(values[row] == 1) }
        case .nested:
            throw SQLError(message: "column '\(name)' is nested; the SQL subset reads primitive columns only", offset: 0)
        }
    }

    /// Converts a string constant compared with a date/timestamp expression into its number.
    private func coerce(_ operand: Compiled, toward other: Compiled) throws(SQLError) -> Compiled {
        guard let kind = other.kind, kind == .date || kind == .timestamp,
              case let .text(bytes)? = operand.constant else { return operand }
        let text = String(decoding: bytes, as: UTF8.self)
        guard let micros = TemporalParsing.microseconds(text) else {
            throw SQLError(message: "'\(text)' is not a date or timestamp", offset: 0)
        }
        let value = kind == .date ? Double(TemporalParsing.floorDivide(micros, 86_400_000_000)) : Double(micros)
        var converted = constant(.number(value))
        converted.kind = kind
        return converted
    }

    private func binary(_ lhs: SQLExpression, _ op: SQLBinaryOperator, _ rhs: SQLExpression,
                        bound: SQLValue?) throws(SQLError) -> Compiled {
        var left = try compile(lhs, bound: bound)
        var right = try compile(rhs, bound: bound)
        left = try coerce(left, toward: right)
        right = try coerce(right, toward: left)
        let l = left.evaluate, r = right.evaluate
        switch op {
        case .add, .subtract, .multiply, .divide, .modulo:
            var result = dynamic { row in
                guard let a = l(row).number, let b = r(row).number else { return .null }
                switch op {
                case .add: return .number(a + b)
                case .subtract: return .number(a - b)
                case .multiply: return .number(a * b)
                case .divide: return b == 0 ? .null : .number(a / b)
                default: return b == 0 ? .null : .number(a.truncatingRemainder(dividingBy: b))
                }
            }
            result.kind = (op == .add || op == .subtract) ? (left.kind ?? right.kind) : nil
            return result
        case .concat:
            return dynamic { row in
                guard let a = l(row).textBytes, let b = r(row).textBytes else { return .null }
                return .text(a + b)
            }
        case .equal, .notEqual, .less, .lessEqual, .greater, .greaterEqual:
            return dynamic { row in
                guard let order = Self.compare(l(row), r(row)) else { return .null }
                switch op {
                case .equal: return .bool(order == 0)
                case .notEqual: return .bool(order != 0)
                case .less: return .bool(order < 0)
                case .lessEqual: return .bool(order <= 0)
                case .greater: return .bool(order > 0)
                default: return .bool(order >= 0)
                }
            }
        case .and, .or:
            return dynamic(try compileBoolean(.binary(lhs, op, rhs), bound: bound))
        }
    }

    /// SQL comparison: numbers numerically, text bytewise (UTF-8 order is code-point order);
    /// text against a number compares numerically when the text is a number. `nil` for NULL.
    static func compare(_ a: SQLValue, _ b: SQLValue) -> Int? {
        switch (a, b) {
        case (.null, _), (_, .null): return nil
        case let (.text(x), .text(y)):
            if x == y { return 0 }
            return x.lexicographicallyPrecedes(y) ? -1 : 1
        case let (.bool(x), .bool(y)): return x == y ? 0 : (!x ? -1 : 1)
        default:
            guard let x = a.number, let y = b.number else { return nil }
            return x < y ? -1 : (x > y ? 1 : 0)
        }
    }

    // MARK: Functions

    private func function(_ name: String, _ arguments: [SQLExpression], bound: SQLValue?) throws(SQLError) -> Compiled {
        var compiled: [Compiled] = []
        for argument in arguments { compiled.append(try compile(argument, bound: bound)) }
        let args = compiled.map(\.evaluate)
        func arity(_ range: ClosedRange<Int>) throws(SQLError) {
            guard range.contains(args.count) else {
                throw SQLError(message: "\(name) takes \(range.lowerBound)…\(range.upperBound) arguments", offset: 0)
            }
        }
        switch name {
        case "lower", "upper":
            try arity(1...1)
            let upper = name == "upper"
            return dynamic { row in
                guard let bytes = args[0](row).textBytes else { return .null }
                let text = String(decoding: bytes, as: UTF8.self)
                return .text(Array((upper ? text.uppercased() : text.lowercased()).utf8))
            }
        case "length", "char_length", "character_length", "len":
            try arity(1...1)
            return dynamic { row in
                guard let bytes = args[0](row).textBytes else { return .null }
                return .number(Double(utf8CharacterCount(bytes)))
            }
        case "trim", "ltrim", "rtrim":
            try arity(1...1)
            return dynamic { row in
                guard let bytes = args[0](row).textBytes else { return .null }
                var start = 0, end = bytes.count
                if name != "rtrim" { while start < end, bytes[start] == 0x20 { start += 1 } }
                if name != "ltrim" { while end > start, bytes[end - 1] == 0x20 { end -= 1 } }
                return .text(Array(bytes[start..<end]))
            }
        case "abs":
            try arity(1...1)
            return dynamic { row in args[0](row).number.map { .number(abs($0)) } ?? .null }
        case "round":
            try arity(1...2)
            return dynamic { row in
                guard let value = args[0](row).number else { return .null }
                let digits = args.count > 1 ? (args[1](row).number ?? 0) : 0
                let scale = pow(10, digits)
                return .number((value * scale).rounded(.toNearestOrAwayFromZero) / scale)
            }
        case "coalesce", "ifnull", "nvl":
            try arity(1...64)
            return dynamic { row in
                for arg in args {
                    let value = arg(row)
                    if !value.isNull { return value }
                }
                return .null
            }
        case "substring", "substr":
            try arity(2...3)
            return dynamic { row in
                guard let bytes = args[0](row).textBytes, let start = args[1](row).number else { return .null }
                let characters = Array(String(decoding: bytes, as: UTF8.self))
                let from = max(Int(start) - 1, 0)
                let length = args.count > 2 ? Int(args[2](row).number ?? 0) : characters.count
                guard from < characters.count, length > 0 else { return .text([]) }
                return .text(Array(String(characters[from..<min(characters.count, from + length)]).utf8))
            }
        case "year", "month", "day", "dayofmonth", "hour":
            try arity(1...1)
            let kind = compiled[0].kind
            return dynamic { row in
                guard let value = args[0](row).number else { return .null }
                let micros: Int64 = kind == .date ? Int64(value) * 86_400_000_000 : Int64(value)
                let civil = TemporalParsing.civil(micros)
                switch name {
                case "year": return .number(Double(civil.year))
                case "month": return .number(Double(civil.month))
                case "hour": return .number(Double(civil.hour))
                default: return .number(Double(civil.day))
                }
            }
        case "current_date":
            var result = constant(.number(Double(TemporalParsing.floorDivide(nowMicroseconds, 86_400_000_000))))
            result.kind = .date
            return result
        case "current_timestamp", "now":
            var result = constant(.number(Double(nowMicroseconds)))
            result.kind = .timestamp
            return result
        default:
            throw SQLError(message: "function \(name) is outside LakeDQ's SQL subset", offset: 0)
        }
    }

    /// An aggregate over ``aggregateRows`` (every row when `nil`), as a constant.
    private func aggregate(_ name: String, _ arguments: [SQLExpression], distinct: Bool, star: Bool) throws(SQLError) -> Compiled {
        var state = try SQLAggregateState(name: name, distinct: distinct, star: star)
        guard state.takesArgument else { return constant(.number(Double(aggregateRows?.count ?? rowCount))) }
        guard arguments.count == 1 else { throw SQLError(message: "\(name) takes one argument", offset: 0) }
        if arguments[0].containsAggregate {
            throw SQLError(message: "aggregates cannot be nested", offset: 0)
        }
        var inner = self
        inner.aggregateRows = nil
        let argument = try inner.compile(arguments[0])
        if let rows = aggregateRows {
            for row in rows { try state.add(argument.evaluate(row)) }
        } else {
            for row in 0..<rowCount { try state.add(argument.evaluate(row)) }
        }
        var result = constant(try state.value())
        if name == "min" || name == "max" { result.kind = argument.kind }
        return result
    }
}

/// The number of characters (Unicode scalars) in UTF-8 bytes.
func utf8CharacterCount(_ bytes: [UInt8]) -> Int {
    var count = 0
    for byte in bytes where byte & 0xC0 != 0x80 { count += 1 }
    return count
}

/// SQL `LIKE` with `%` and `_` on UTF-8 bytes (`_` matches one character).
struct LikePattern {
    private enum Piece: Equatable { case literal(UInt8), one, any }
    private let pieces: [Piece]

    init(_ pattern: [UInt8]) {
        var pieces: [Piece] = []
        var index = 0
        while index < pattern.count {
            let byte = pattern[index]
            if byte == UInt8(ascii: "\\"), index + 1 < pattern.count {
                pieces.append(.literal(pattern[index + 1]))
                index += 2
                continue
            }
            pieces.append(byte == UInt8(ascii: "%") ? .any : byte == UInt8(ascii: "_") ? .one : .literal(byte))
            index += 1
        }
        self.pieces = pieces
    }

    func matches(_ text: [UInt8]) -> Bool {
        // Iterative wildcard matching with backtracking to the last `%`.
        var t = 0, p = 0
        var star = -1, mark = 0
        while t < text.count {
            if p < pieces.count, case let .literal(byte) = pieces[p], byte == text[t] {
                t += 1
                p += 1
            } else if p < pieces.count, pieces[p] == .one {
                t += 1
                while t < text.count, text[t] & 0xC0 == 0x80 { t += 1 }
                p += 1
            } else if p < pieces.count, pieces[p] == .any {
                star = p
                mark = t
                p += 1
            } else if star >= 0 {
                p = star + 1
                mark += 1
                while mark < text.count, text[mark] & 0xC0 == 0x80 { mark += 1 }
                t = mark
            } else {
                return false
            }
        }
        while p < pieces.count, pieces[p] == .any { p += 1 }
        return p == pieces.count
    }
}
