/// The canonical DQDL text of rulesets, rules and conditions.
///
/// One spelling per construct: quoted strings re-escaped, operands of composites parenthesised,
/// clauses in grammar order (condition, `where`, `labels`, `with`). Parsing the printed text
/// gives an equal value.
enum DQDLPrinter {
    static func quote(_ text: String) -> String {
        var out = "\""
        // By scalar, as the lexer reads: a quote followed by a combining mark is one `Character`
        // that equals no quote, and would be printed unescaped.
        for scalar in text.unicodeScalars {
            if scalar == "\"" || scalar == "\\" { out.unicodeScalars.append("\\") }
            out.unicodeScalars.append(scalar)
        }
        out.append("\"")
        return out
    }

    static func number(_ number: DQDLNumber) -> String {
        switch number {
        case let .literal(_, text): return text
        case .null: return "NULL"
        case let .parenthesized(inner): return "(\(self.number(inner)))"
        case let .binary(lhs, op, rhs):
            // Right operands that are themselves binary need parentheses to stay right-nested.
            let right: String
            if case .binary = rhs { right = "(\(self.number(rhs)))" } else { right = self.number(rhs) }
            return "\(self.number(lhs)) \(op.rawValue) \(right)"
        case let .call(name, arguments):
            return "\(name)(\(arguments.map(self.number).joined(separator: ", ")))"
        }
    }

    static func stringValue(_ value: DQDLStringValue) -> String {
        switch value {
        case let .quoted(text): return quote(text)
        case let .variable(name): return "$" + name
        case .null: return "NULL"
        case .empty: return "EMPTY"
        case .whitespacesOnly: return "WHITESPACES_ONLY"
        }
    }

    static func duration(_ duration: DQDLDuration) -> String { "\(duration.amount) \(duration.unit.rawValue)" }

    static func size(_ size: DQDLSize) -> String {
        if let unit = size.unit { return "\(size.amount) \(unit.rawValue)" }
        return "\(size.amount)"
    }

    static func date(_ date: DQDLDate) -> String {
        switch date {
        case let .date(text), let .time(text): return quote(text)
        case .now: return "now()"
        case let .nowOffset(op, duration): return "(now() \(op.rawValue) \(self.duration(duration)))"
        case .null: return "NULL"
        }
    }

    static func comparison(_ op: DQDLOperator, _ operands: [String]) -> String {
        switch op {
        case .equal: return "= \(operands[0])"
        case .notEqual: return "!= \(operands[0])"
        case .greater: return "> \(operands[0])"
        case .greaterEqual: return ">= \(operands[0])"
        case .less: return "< \(operands[0])"
        case .lessEqual: return "<= \(operands[0])"
        case .between: return "between \(operands[0]) and \(operands[1])"
        case .notBetween: return "not between \(operands[0]) and \(operands[1])"
        case .in: return "in [\(operands.joined(separator: ", "))]"
        case .notIn: return "not in [\(operands.joined(separator: ", "))]"
        case .matches: return "matches \(operands[0])"
        case .notMatches: return "not matches \(operands[0])"
        }
    }

    static func condition(_ condition: DQDLCondition) -> String {
        switch condition {
        case let .number(number): return comparison(number.op, number.operands.map(self.number))
        case let .string(string):
            if let name = string.listVariable { return (string.op == .notIn ? "not in $" : "in $") + name }
            return comparison(string.op, string.operands.map(stringValue))
        case let .date(date): return comparison(date.op, date.operands.map(self.date))
        case let .duration(duration): return comparison(duration.op, duration.operands.map(self.duration))
        case let .size(size): return comparison(size.op, size.operands.map(self.size))
        }
    }

    static func labels(_ labels: [DQDLLabel]) -> String {
        "[" + labels.map { "\(quote($0.key)) = \(quote($0.value))" }.joined(separator: ", ") + "]"
    }

    static func parameter(_ parameter: DQDLParameter) -> String {
        let text: String
        switch parameter.form {
        case .quoted: text = quote(parameter.text)
        case .identifier: text = parameter.text
        case .variable: text = "$" + parameter.text
        }
        if let connector = parameter.connector { return connector + " " + text }
        return text
    }

    static func rule(_ rule: DQDLRule) -> String {
        var parts = [rule.type]
        parts += rule.parameters.map(parameter)
        if let condition = rule.condition { parts.append(self.condition(condition)) }
        if let whereClause = rule.whereClause { parts.append("where " + quote(whereClause)) }
        if let labels = rule.labels { parts.append("labels = " + self.labels(labels)) }
        if let threshold = rule.threshold {
            parts.append("with threshold " + comparison(threshold.op, threshold.operands.map(number)))
        }
        for tag in rule.tags {
            parts.append("with \(tag.name) = " + (tag.isQuoted ? quote(tag.value) : tag.value))
        }
        return parts.joined(separator: " ")
    }

    static func node(_ node: DQDLRuleNode) -> String {
        switch node {
        case let .rule(rule): return self.rule(rule)
        case let .composite(op, operands, labels):
            let body = operands.map { "(\(self.node($0)))" }.joined(separator: " \(op.rawValue) ")
            if let labels { return "(\(body)) labels = \(self.labels(labels))" }
            return body
        }
    }

    static func analyzer(_ analyzer: DQDLAnalyzer) -> String {
        ([analyzer.type] + analyzer.parameters.map(parameter)).joined(separator: " ")
    }

    static func ruleset(_ ruleset: DQDLRuleset) -> String {
        var sections: [String] = []
        if let metadata = ruleset.metadata {
            let pairs = metadata.keys.sorted().map { "\(quote($0)): \(quote(metadata[$0] ?? ""))" }
            sections.append("Metadata = { \(pairs.joined(separator: ", ")) }")
        }
        if ruleset.primarySource != nil || ruleset.additionalSources != nil {
            var pairs: [String] = []
            if let primary = ruleset.primarySource { pairs.append("\"Primary\": \(quote(primary))") }
            if let additional = ruleset.additionalSources {
                pairs.append("\"AdditionalDataSources\": [\(additional.map(quote).joined(separator: ", "))]")
            }
            sections.append("DataSources = { \(pairs.joined(separator: ", ")) }")
        }
        if !ruleset.variables.isEmpty {
            sections.append(ruleset.variables.map { variable in
                switch variable.value {
                case let .single(value): return "\(variable.name) = \(stringValue(value))"
                case let .list(values): return "\(variable.name) = [\(values.map(stringValue).joined(separator: ", "))]"
                }
            }.joined(separator: "\n"))
        }
        if let defaults = ruleset.defaultLabels { sections.append("DefaultLabels = " + labels(defaults)) }
        if ruleset.hasRulesSection {
            if ruleset.rules.isEmpty {
                sections.append("Rules = [ ]")
            } else {
                sections.append("Rules = [\n" + ruleset.rules.map { "    " + node($0) }.joined(separator: ",\n") + "\n]")
            }
        }
        if let analyzers = ruleset.analyzers {
            if analyzers.isEmpty {
                sections.append("Analyzers = [ ]")
            } else {
                sections.append("Analyzers = [\n" + analyzers.map { "    " + analyzer($0) }.joined(separator: ",\n") + "\n]")
            }
        }
        return sections.joined(separator: "\n\n") + "\n"
    }
}

extension DQDLRuleset: CustomStringConvertible {
    /// The canonical DQDL text.
    public var description: String { DQDLPrinter.ruleset(self) }
}

extension DQDLRuleNode: CustomStringConvertible {
    /// The canonical DQDL text of this rule.
    public var description: String { DQDLPrinter.node(self) }
}

extension DQDLRule: CustomStringConvertible {
    /// The canonical DQDL text of this rule.
    public var description: String { DQDLPrinter.rule(self) }
}

extension DQDLAnalyzer: CustomStringConvertible {
    public var description: String { DQDLPrinter.analyzer(self) }
}

extension DQDLCondition: CustomStringConvertible {
    public var description: String { DQDLPrinter.condition(self) }
}
