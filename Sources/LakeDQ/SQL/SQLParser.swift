/// Parses LakeDQ's SQL subset (see ``SQLExpression``). Keywords are case-insensitive.
public struct SQLParser {
    private enum TokenKind: Equatable {
        case word, quotedIdentifier, number, string, symbol, end
    }

    private struct Token {
        var kind: TokenKind
        var text: String
        var offset: Int
    }

    private static let maximumDepth = 200
    private var tokens: [Token] = []
    private var position = 0

    private init(_ text: String) throws(SQLError) {
        tokens = try Self.tokenize(text)
    }

    /// Parses a boolean or scalar expression (a `where` clause).
    public static func parseExpression(_ text: String) throws(SQLError) -> SQLExpression {
        var parser = try SQLParser(text)
        let expression = try parser.parseOr(depth: 0)
        try parser.expectEnd()
        return expression
    }

    /// Parses a `SELECT … FROM … [WHERE …]` statement.
    public static func parseSelect(_ text: String) throws(SQLError) -> SQLSelect {
        var parser = try SQLParser(text)
        let select = try parser.parseSelectStatement()
        try parser.expectEnd()
        return select
    }

    // MARK: Lexer

    private static func tokenize(_ text: String) throws(SQLError) -> [Token] {
        let scalars = Array(text.unicodeScalars)
        var tokens: [Token] = []
        var index = 0
        func isWordStart(_ s: Unicode.Scalar) -> Bool { s == "_" || s.properties.isAlphabetic }
        func isWord(_ s: Unicode.Scalar) -> Bool { isWordStart(s) || ("0"..."9").contains(s) }
        while index < scalars.count {
            let scalar = scalars[index]
            if scalar == " " || scalar == "\t" || scalar == "\n" || scalar == "\r" {
                index += 1
                continue
            }
            let start = index
            if isWordStart(scalar) {
                while index < scalars.count, isWord(scalars[index]) { index += 1 }
                tokens.append(Token(kind: .word, text: String(String.UnicodeScalarView(scalars[start..<index])), offset: start))
            } else if ("0"..."9").contains(scalar) || (scalar == "." && index + 1 < scalars.count && ("0"..."9").contains(scalars[index + 1])) {
                while index < scalars.count, ("0"..."9").contains(scalars[index]) || scalars[index] == "." { index += 1 }
                if index < scalars.count, scalars[index] == "e" || scalars[index] == "E" {
                    index += 1
                    if index < scalars.count, scalars[index] == "-" || scalars[index] == "+" { index += 1 }
                    while index < scalars.count, ("0"..."9").contains(scalars[index]) { index += 1 }
                }
                tokens.append(Token(kind: .number, text: String(String.UnicodeScalarView(scalars[start..<index])), offset: start))
            } else if scalar == "'" || scalar == "`" || scalar == "\"" {
                // '…' is a string; `…` and "…" quote identifiers. A doubled quote escapes itself.
                var content = String.UnicodeScalarView()
                index += 1
                var closed = false
                while index < scalars.count {
                    if scalars[index] == scalar {
                        if index + 1 < scalars.count, scalars[index + 1] == scalar {
                            content.append(scalar)
                            index += 2
                            continue
                        }
                        index += 1
                        closed = true
                        break
                    }
                    content.append(scalars[index])
                    index += 1
                }
                guard closed else { throw SQLError(message: "unterminated quoted text", offset: start) }
                tokens.append(Token(kind: scalar == "'" ? .string : .quotedIdentifier, text: String(content), offset: start))
            } else {
                let two = index + 1 < scalars.count ? String(String.UnicodeScalarView([scalar, scalars[index + 1]])) : ""
                if ["<=", ">=", "<>", "!=", "||", "=="].contains(two) {
                    tokens.append(Token(kind: .symbol, text: two, offset: start))
                    index += 2
                } else if "=<>+-*/%(),.".unicodeScalars.contains(scalar) {
                    tokens.append(Token(kind: .symbol, text: String(scalar), offset: start))
                    index += 1
                } else {
                    throw SQLError(message: "unexpected character '\(scalar)'", offset: start)
                }
            }
        }
        tokens.append(Token(kind: .end, text: "", offset: scalars.count))
        return tokens
    }

    // MARK: Helpers

    private var current: Token { tokens[position] }

    private mutating func advance() -> Token {
        let token = tokens[position]
        if position < tokens.count - 1 { position += 1 }
        return token
    }

    private func isKeyword(_ word: String) -> Bool {
        current.kind == .word && current.text.lowercased() == word
    }

    private func isSymbol(_ symbol: String) -> Bool {
        current.kind == .symbol && current.text == symbol
    }

    private mutating func acceptKeyword(_ word: String) -> Bool {
        guard isKeyword(word) else { return false }
        _ = advance()
        return true
    }

    private mutating func expectSymbol(_ symbol: String) throws(SQLError) {
        guard isSymbol(symbol) else { throw unexpected(expecting: "'\(symbol)'") }
        _ = advance()
    }

    private func unexpected(expecting: String) -> SQLError {
        let found = current.kind == .end ? "end of input" : "'\(current.text)'"
        return SQLError(message: "expected \(expecting), found \(found)", offset: current.offset)
    }

    private mutating func expectEnd() throws(SQLError) {
        guard current.kind == .end else { throw unexpected(expecting: "end of input") }
    }

    private static let reserved: Set<String> = [
        "select", "from", "where", "and", "or", "not", "in", "is", "null", "between", "like", "as", "true", "false",
        "group", "order", "by", "having", "join", "limit", "union", "case", "when", "then", "else", "end", "distinct",
    ]

    // MARK: Statements

    private mutating func parseSelectStatement() throws(SQLError) -> SQLSelect {
        guard acceptKeyword("select") else { throw unexpected(expecting: "SELECT") }
        var items: [SQLSelectItem] = []
        repeat {
            if isSymbol("*") {
                _ = advance()
                items.append(.all)
            } else {
                let expression = try parseOr(depth: 0)
                var alias: String?
                if acceptKeyword("as") {
                    guard current.kind == .word || current.kind == .quotedIdentifier else {
                        throw unexpected(expecting: "an alias")
                    }
                    alias = advance().text
                }
                items.append(.expression(expression, alias: alias))
            }
        } while acceptSymbol(",")
        guard acceptKeyword("from") else { throw unexpected(expecting: "FROM") }
        guard current.kind == .word || current.kind == .quotedIdentifier else { throw unexpected(expecting: "a table name") }
        let table = advance().text
        var alias: String?
        if acceptKeyword("as") {
            alias = advance().text
        } else if current.kind == .word, !Self.reserved.contains(current.text.lowercased()) {
            alias = advance().text
        }
        var predicate: SQLExpression?
        if acceptKeyword("where") { predicate = try parseOr(depth: 0) }
        for word in ["group", "order", "having", "join", "limit", "union"] where isKeyword(word) {
            throw SQLError(message: "\(word.uppercased()) is outside LakeDQ's SQL subset", offset: current.offset)
        }
        return SQLSelect(items: items, table: table, alias: alias, predicate: predicate)
    }

    private mutating func acceptSymbol(_ symbol: String) -> Bool {
        guard isSymbol(symbol) else { return false }
        _ = advance()
        return true
    }

    // MARK: Expressions (lowest to highest precedence)

    private mutating func parseOr(depth: Int) throws(SQLError) -> SQLExpression {
        guard depth < Self.maximumDepth else {
            throw SQLError(message: "expression nested too deeply", offset: current.offset)
        }
        var lhs = try parseAnd(depth: depth)
        while acceptKeyword("or") { lhs = .binary(lhs, .or, try parseAnd(depth: depth)) }
        return lhs
    }

    private mutating func parseAnd(depth: Int) throws(SQLError) -> SQLExpression {
        var lhs = try parseNot(depth: depth)
        while acceptKeyword("and") { lhs = .binary(lhs, .and, try parseNot(depth: depth)) }
        return lhs
    }

    private mutating func parseNot(depth: Int) throws(SQLError) -> SQLExpression {
        if acceptKeyword("not") { return .not(try parseNot(depth: depth + 1)) }
        return try parsePredicate(depth: depth)
    }

    private mutating func parsePredicate(depth: Int) throws(SQLError) -> SQLExpression {
        let lhs = try parseConcat(depth: depth)
        if acceptKeyword("is") {
            let negated = acceptKeyword("not")
            guard acceptKeyword("null") else { throw unexpected(expecting: "NULL") }
            return .isNull(lhs, negated: negated)
        }
        let negated = acceptKeyword("not")
        if acceptKeyword("between") {
            let low = try parseConcat(depth: depth)
            guard acceptKeyword("and") else { throw unexpected(expecting: "AND") }
            let high = try parseConcat(depth: depth)
            return .between(lhs, low: low, high: high, negated: negated)
        }
        if acceptKeyword("in") {
            try expectSymbol("(")
            if isKeyword("select") {
                throw SQLError(message: "subqueries are outside LakeDQ's SQL subset", offset: current.offset)
            }
            var list: [SQLExpression] = []
            repeat { list.append(try parseOr(depth: depth + 1)) } while acceptSymbol(",")
            try expectSymbol(")")
            return .inList(lhs, list, negated: negated)
        }
        if acceptKeyword("like") {
            return .like(lhs, pattern: try parseConcat(depth: depth), negated: negated)
        }
        if negated { throw unexpected(expecting: "BETWEEN, IN or LIKE after NOT") }
        guard current.kind == .symbol else { return lhs }
        let op: SQLBinaryOperator
        switch current.text {
        case "=", "==": op = .equal
        case "<>", "!=": op = .notEqual
        case "<": op = .less
        case "<=": op = .lessEqual
        case ">": op = .greater
        case ">=": op = .greaterEqual
        default: return lhs
        }
        _ = advance()
        return .binary(lhs, op, try parseConcat(depth: depth))
    }

    private mutating func parseConcat(depth: Int) throws(SQLError) -> SQLExpression {
        var lhs = try parseAdditive(depth: depth)
        while acceptSymbol("||") { lhs = .binary(lhs, .concat, try parseAdditive(depth: depth)) }
        return lhs
    }

    private mutating func parseAdditive(depth: Int) throws(SQLError) -> SQLExpression {
        var lhs = try parseMultiplicative(depth: depth)
        while true {
            if acceptSymbol("+") {
                lhs = .binary(lhs, .add, try parseMultiplicative(depth: depth))
            } else if acceptSymbol("-") {
                lhs = .binary(lhs, .subtract, try parseMultiplicative(depth: depth))
            } else {
                return lhs
            }
        }
    }

    private mutating func parseMultiplicative(depth: Int) throws(SQLError) -> SQLExpression {
        var lhs = try parseUnary(depth: depth)
        while true {
            if acceptSymbol("*") {
                lhs = .binary(lhs, .multiply, try parseUnary(depth: depth))
            } else if acceptSymbol("/") {
                lhs = .binary(lhs, .divide, try parseUnary(depth: depth))
            } else if acceptSymbol("%") {
                lhs = .binary(lhs, .modulo, try parseUnary(depth: depth))
            } else {
                return lhs
            }
        }
    }

    private mutating func parseUnary(depth: Int) throws(SQLError) -> SQLExpression {
        guard depth < Self.maximumDepth else {
            throw SQLError(message: "expression nested too deeply", offset: current.offset)
        }
        if acceptSymbol("-") { return .negate(try parseUnary(depth: depth + 1)) }
        if acceptSymbol("+") { return try parseUnary(depth: depth + 1) }
        return try parsePrimary(depth: depth)
    }

    private mutating func parsePrimary(depth: Int) throws(SQLError) -> SQLExpression {
        let token = current
        switch token.kind {
        case .number:
            _ = advance()
            guard let value = Double(token.text) else {
                throw SQLError(message: "malformed number '\(token.text)'", offset: token.offset)
            }
            return .number(value)
        case .string:
            _ = advance()
            return .string(token.text)
        case .quotedIdentifier:
            _ = advance()
            return try parseQualified(first: token.text)
        case .symbol where token.text == "(":
            _ = advance()
            if isKeyword("select") {
                throw SQLError(message: "subqueries are outside LakeDQ's SQL subset", offset: current.offset)
            }
            let inner = try parseOr(depth: depth + 1)
            try expectSymbol(")")
            return inner
        case .word:
            let lower = token.text.lowercased()
            switch lower {
            case "null": _ = advance(); return .null
            case "true": _ = advance(); return .boolean(true)
            case "false": _ = advance(); return .boolean(false)
            case "case", "select", "exists", "cast":
                throw SQLError(message: "\(token.text.uppercased()) is outside LakeDQ's SQL subset", offset: token.offset)
            default: break
            }
            guard !Self.reserved.contains(lower) else { throw unexpected(expecting: "an expression") }
            _ = advance()
            if isSymbol("(") {
                _ = advance()
                var arguments: [SQLExpression] = []
                var distinct = false
                var star = false
                if isSymbol("*") {
                    _ = advance()
                    star = true
                } else if !isSymbol(")") {
                    distinct = acceptKeyword("distinct")
                    repeat { arguments.append(try parseOr(depth: depth + 1)) } while acceptSymbol(",")
                }
                try expectSymbol(")")
                return .function(name: lower, arguments: arguments, distinct: distinct, star: star)
            }
            if ["current_date", "current_timestamp"].contains(lower) {
                return .function(name: lower, arguments: [], distinct: false, star: false)
            }
            return try parseQualified(first: token.text)
        default:
            throw unexpected(expecting: "an expression")
        }
    }

    private mutating func parseQualified(first: String) throws(SQLError) -> SQLExpression {
        guard isSymbol(".") else { return .column(qualifier: nil, name: first) }
        _ = advance()
        guard current.kind == .word || current.kind == .quotedIdentifier else { throw unexpected(expecting: "a column name") }
        return .column(qualifier: first, name: advance().text)
    }
}
