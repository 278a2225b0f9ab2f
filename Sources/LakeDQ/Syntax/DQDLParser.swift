/// A recursive-descent parser for DQDL with the reference's semantic checks.
///
/// Syntax errors stop the parse (one diagnostic with its location); semantic errors are
/// collected across all rules. Nesting of composite rules and number expressions is limited to
/// ``maximumDepth`` so hostile input cannot exhaust the stack; long rule lists are parsed
/// iteratively.
struct DQDLParser {
    /// The deepest nesting of parentheses accepted.
    static let maximumDepth = 100

    private struct SyntaxError: Error {
        var diagnostic: DQDLDiagnostic
    }

    private var tokens: [DQDLToken]
    private var position = 0
    private var diagnostics: [DQDLDiagnostic] = []
    private var variables: [DQDLVariable] = []
    /// The position of each declared variable in `variables`: lookups stay O(1) however many
    /// variables a document declares.
    private var variableIndex: [String: Int] = [:]
    private var defaultLabels: [DQDLLabel]?

    private static let reservedWords: Set<String> = [
        "and", "AND", "or", "OR", "of", "OF", "null", "NULL", "empty", "EMPTY", "whitespaces_only", "WHITESPACES_ONLY",
        "between", "in", "not", "matches", "with", "where", "labels", "days", "hours", "minutes",
        "B", "KB", "MB", "GB", "TB", "Metadata", "DataSources", "Rules", "Analyzers", "DefaultLabels",
    ]

    private init(tokens: [DQDLToken]) {
        self.tokens = tokens
    }

    static func parse(_ source: String) throws(DQDLError) -> DQDLRuleset {
        let tokens: [DQDLToken]
        switch DQDLLexer.tokenize(source) {
        case let .success(lexed): tokens = lexed
        case let .failure(diagnostic): throw DQDLError([diagnostic])
        }
        var parser = DQDLParser(tokens: tokens)
        let ruleset: DQDLRuleset
        do {
            ruleset = try parser.parseDocument()
        } catch {
            throw DQDLError(parser.diagnostics + [error.diagnostic])
        }
        if !parser.diagnostics.isEmpty { throw DQDLError(parser.diagnostics) }
        return ruleset
    }

    // MARK: Token helpers

    private var current: DQDLToken { tokens[position] }

    private func peek(_ offset: Int = 1) -> DQDLToken {
        tokens[min(position + offset, tokens.count - 1)]
    }

    private mutating func advance() -> DQDLToken {
        let token = tokens[position]
        if position < tokens.count - 1 { position += 1 }
        return token
    }

    private func error(_ message: String, at token: DQDLToken) -> SyntaxError {
        SyntaxError(diagnostic: DQDLDiagnostic(location: token.location, message: message))
    }

    private func mismatched(expecting: String) -> SyntaxError {
        error("mismatched input '\(current.display)' expecting \(expecting)", at: current)
    }

    @discardableResult
    private mutating func expect(_ kind: DQDLToken.Kind, _ display: String) throws(SyntaxError) -> DQDLToken {
        guard current.kind == kind else { throw mismatched(expecting: "'\(display)'") }
        return advance()
    }

    private mutating func expectWord(_ word: String) throws(SyntaxError) {
        guard current.isWord(word) else { throw mismatched(expecting: "'\(word)'") }
        _ = advance()
    }

    private mutating func report(_ message: String, at location: DQDLLocation?) {
        diagnostics.append(DQDLDiagnostic(location: location, message: message))
    }

    // MARK: Document

    private mutating func parseDocument() throws(SyntaxError) -> DQDLRuleset {
        var metadata: [String: String]?
        var primary: String?
        var additional: [String]?

        if current.isWord("Metadata") {
            let start = advance()
            try expect(.equal, "=")
            let pairs = try parseDictionary()
            metadata = [:]
            if pairs.isEmpty { report("Empty dictionary provided", at: start.location) }
            for (key, value) in pairs {
                guard key == "Version" else {
                    report("Unsupported key provided in Metadata section", at: start.location)
                    break
                }
                switch value {
                case let .left(text): metadata?[key] = text
                case let .right(list): metadata?[key] = list.joined(separator: ",")
                }
            }
        }
        if current.isWord("DataSources") {
            let start = advance()
            try expect(.equal, "=")
            let pairs = try parseDictionary()
            if pairs.isEmpty { report("Empty dictionary provided", at: start.location) }
            for (key, value) in pairs {
                switch (key, value) {
                case let ("Primary", .left(text)): primary = text
                case ("Primary", .right): report("Primary source must be a single value.", at: start.location)
                case let ("AdditionalDataSources", .right(list)): additional = list
                case ("AdditionalDataSources", .left):
                    report("Additional sources must be an array of values.", at: start.location)
                default: report("Unsupported key provided in Sources section", at: start.location)
                }
            }
        }
        while current.kind == .identifier, !Self.reservedWords.contains(current.text), peek().kind == .equal {
            try parseVariableDeclaration()
        }
        if current.isWord("DefaultLabels") {
            _ = advance()
            try expect(.equal, "=")
            defaultLabels = try parseLabelList(counting: 0)
        }

        var rules: [DQDLRuleNode] = []
        var analyzers: [DQDLAnalyzer]?
        var hasRules = false
        let sectionStart = current
        if current.isWord("Rules") {
            hasRules = true
            _ = advance()
            try expect(.equal, "=")
            try expect(.lbrac, "[")
            if current.kind != .rbrac {
                while true {
                    rules.append(try parseOr(depth: 0))
                    guard current.kind == .comma else { break }
                    _ = advance()
                }
            }
            guard current.kind == .rbrac else { throw mismatched(expecting: "{',', ']'}") }
            _ = advance()
        }
        if current.isWord("Analyzers") {
            _ = advance()
            try expect(.equal, "=")
            try expect(.lbrac, "[")
            var list: [DQDLAnalyzer] = []
            if current.kind != .rbrac {
                while true {
                    list.append(try parseAnalyzer())
                    guard current.kind == .comma else { break }
                    _ = advance()
                }
            }
            guard current.kind == .rbrac else { throw mismatched(expecting: "{',', ']'}") }
            _ = advance()
            analyzers = list
        }
        if !hasRules && analyzers == nil {
            throw mismatched(expecting: "{'Rules', 'Analyzers'}")
        }
        guard current.kind == .endOfInput else {
            throw error("extraneous input '\(current.display)' expecting <EOF>", at: current)
        }
        if diagnostics.isEmpty, rules.isEmpty, (analyzers ?? []).isEmpty {
            report("No rules or analyzers provided.", at: sectionStart.location)
        }
        return DQDLRuleset(metadata: metadata, primarySource: primary, additionalSources: additional,
                           variables: variables, defaultLabels: defaultLabels, rules: rules,
                           analyzers: analyzers, hasRulesSection: hasRules)
    }

    private enum Either<L, R> { case left(L), right(R) }

    /// `{ "k": "v" | ["a", …], … }`; no nesting.
    private mutating func parseDictionary() throws(SyntaxError) -> [(String, Either<String, [String]>)] {
        try expect(.lcurl, "{")
        var pairs: [(String, Either<String, [String]>)] = []
        if current.kind == .rcurl {
            _ = advance()
            return pairs
        }
        while true {
            guard current.isQuoted else { throw mismatched(expecting: "QUOTED_STRING") }
            let key = advance().text
            try expect(.colon, ":")
            if current.isQuoted {
                pairs.append((key, .left(advance().text)))
            } else if current.kind == .lbrac {
                _ = advance()
                var list: [String] = []
                while true {
                    guard current.isQuoted else { throw mismatched(expecting: "QUOTED_STRING") }
                    list.append(advance().text)
                    guard current.kind == .comma else { break }
                    _ = advance()
                }
                try expect(.rbrac, "]")
                pairs.append((key, .right(list)))
            } else {
                throw mismatched(expecting: "{QUOTED_STRING, '['}")
            }
            guard current.kind == .comma else { break }
            _ = advance()
        }
        try expect(.rcurl, "}")
        return pairs
    }

    private mutating func parseVariableDeclaration() throws(SyntaxError) {
        let nameToken = advance()
        let name = nameToken.text
        try expect(.equal, "=")
        let value: DQDLVariable.Value
        if current.kind == .lbrac {
            _ = advance()
            var list: [DQDLStringValue] = []
            while true {
                guard let item = try parseStringValue() else {
                    throw mismatched(expecting: "{QUOTED_STRING, '$', NULL, EMPTY, WHITESPACES_ONLY}")
                }
                list.append(item)
                guard current.kind == .comma else { break }
                _ = advance()
            }
            try expect(.rbrac, "]")
            value = .list(list)
        } else if let single = try parseStringValue() {
            value = .single(single)
        } else {
            report("Missing value for variable '\(name)'", at: nameToken.location)
            throw mismatched(expecting: "{QUOTED_STRING, '$', NULL, EMPTY, WHITESPACES_ONLY, '['}")
        }

        if name.hasPrefix(".") || name.hasPrefix("_") {
            report("Variable name '\(name)' cannot start with '.' or '_'", at: nameToken.location)
        } else if variableIndex[name] != nil {
            report("Variable '\(name)' is already defined", at: nameToken.location)
        } else {
            let items: [DQDLStringValue]
            switch value {
            case let .single(item): items = [item]
            case let .list(list): items = list
            }
            let nested = items.contains { item in
                switch item {
                case .variable: return true
                case let .quoted(text): return Self.containsVariableReference(text)
                default: return false
                }
            }
            if nested {
                report("Nested variables are not supported in variable '\(name)'", at: nameToken.location)
            } else {
                variableIndex[name] = variables.count
                variables.append(DQDLVariable(name: name, value: value))
            }
        }
    }

    /// `$name` inside a string value, as the reference detects it.
    private static func containsVariableReference(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        for index in bytes.indices where bytes[index] == UInt8(ascii: "$") && index + 1 < bytes.count {
            let next = bytes[index + 1]
            if (next >= UInt8(ascii: "a") && next <= UInt8(ascii: "z")) || (next >= UInt8(ascii: "A") && next <= UInt8(ascii: "Z"))
                || next == UInt8(ascii: "_") {
                return true
            }
        }
        return false
    }

    // MARK: Labels

    /// `[ "k" = "v", … ]` with the reference's checks; `counting` is how many default labels
    /// already apply (the limit covers both).
    private mutating func parseLabelList(counting existing: Int) throws(SyntaxError) -> [DQDLLabel] {
        let start = try expect(.lbrac, "[")
        var labels: [DQDLLabel] = []
        if current.kind != .rbrac {
            while true {
                guard current.isQuoted else { throw mismatched(expecting: "QUOTED_STRING") }
                let keyToken = advance()
                try expect(.equal, "=")
                guard current.isQuoted else { throw mismatched(expecting: "QUOTED_STRING") }
                let value = advance().text
                labels.append(DQDLLabel(key: keyToken.text, value: value))
                guard current.kind == .comma else { break }
                _ = advance()
            }
        }
        try expect(.rbrac, "]")

        if labels.isEmpty {
            report("Labels must have at least one label", at: start.location)
        } else if existing + labels.count > 10 {
            report("Number of labels exceed maximum allowed (MAX: 10)", at: start.location)
        } else {
            var seen: Set<String> = []
            for label in labels {
                if seen.contains(label.key) {
                    report("Duplicate label key. Key must be unique.", at: start.location)
                    break
                }
                seen.insert(label.key)
                if label.key.isEmpty || label.value.isEmpty {
                    report("Label key or value cannot be empty", at: start.location)
                } else if label.key.count > 128 {
                    report("Label key has length \(label.key.count) exceeding the maximum length of 128 characters",
                           at: start.location)
                } else if label.value.count > 256 {
                    report("Label value has length \(label.value.count) exceeding the maximum length of 256 characters",
                           at: start.location)
                }
            }
        }
        return labels
    }

    // MARK: Rules

    private mutating func parseOr(depth: Int) throws(SyntaxError) -> DQDLRuleNode {
        var operands = [try parseAnd(depth: depth)]
        while current.isKeyword("or") {
            _ = advance()
            operands.append(try parseAnd(depth: depth))
        }
        return operands.count == 1 ? operands[0] : .composite(.or, operands, labels: nil)
    }

    private mutating func parseAnd(depth: Int) throws(SyntaxError) -> DQDLRuleNode {
        var operands = [try parseOperand(depth: depth)]
        while current.isKeyword("and") {
            _ = advance()
            operands.append(try parseOperand(depth: depth))
        }
        return operands.count == 1 ? operands[0] : .composite(.and, operands, labels: nil)
    }

    private mutating func parseOperand(depth: Int) throws(SyntaxError) -> DQDLRuleNode {
        guard current.kind == .lparen else { return .rule(try parseRule()) }
        guard depth < Self.maximumDepth else {
            throw error("rules nested deeper than \(Self.maximumDepth) levels", at: current)
        }
        _ = advance()
        var inner = try parseOr(depth: depth + 1)
        try expect(.rparen, ")")
        if current.isWord("labels") {
            _ = advance()
            try expect(.equal, "=")
            let labels = try parseLabelList(counting: defaultLabels?.count ?? 0)
            switch inner {
            case var .rule(rule):
                rule.labels = labels
                inner = .rule(rule)
            case let .composite(op, operands, _):
                inner = .composite(op, operands, labels: labels)
            }
        }
        return inner
    }

    /// Whether the current token can be a rule parameter.
    private var isAtParameter: Bool {
        switch current.kind {
        case .string, .date, .time, .militaryTime: return true
        case .identifier: return !Self.reservedWords.contains(current.text)
        case .dollar: return peek().kind == .identifier
        default: return false
        }
    }

    private mutating func parseParameters() -> [DQDLParameter] {
        var parameters: [DQDLParameter] = []
        while true {
            var connector: String?
            if current.isKeyword("of") || current.isKeyword("and") {
                let saved = position
                connector = advance().text
                guard isAtParameter else {
                    position = saved
                    break
                }
            }
            guard isAtParameter else { break }
            if current.kind == .dollar {
                _ = advance()
                parameters.append(DQDLParameter(form: .variable, text: advance().text, connector: connector))
            } else if current.kind == .identifier {
                parameters.append(DQDLParameter(form: .identifier, text: advance().text, connector: connector))
            } else {
                parameters.append(DQDLParameter(form: .quoted, text: advance().text, connector: connector))
            }
        }
        return parameters
    }

    private mutating func parseRule() throws(SyntaxError) -> DQDLRule {
        guard current.kind == .identifier, !Self.reservedWords.contains(current.text) else {
            throw mismatched(expecting: "a rule type")
        }
        let typeToken = advance()
        var rule = DQDLRule(type: typeToken.text, location: typeToken.location)
        rule.parameters = parseParameters()

        var candidates: [DQDLCondition] = []
        if isAtConditionStart {
            candidates = try parseConditionCandidates()
            guard !candidates.isEmpty else { throw error("no viable condition at '\(current.display)'", at: current) }
        }
        var ruleType = DQDLRuleType.lookup(rule.type, parameterCount: rule.parameters.count)

        if current.isWord("where") {
            let whereToken = advance()
            guard current.isQuoted else { throw mismatched(expecting: "QUOTED_STRING") }
            let text = advance().text
            rule.whereClause = text
            if let type = ruleType {
                if !type.supportsWhere {
                    report("Where clause is not supported for rule type: \(rule.type)", at: whereToken.location)
                    ruleType = nil
                } else if text.isEmpty {
                    report("Empty where condition provided for rule type: \(rule.type)", at: whereToken.location)
                    ruleType = nil
                }
            }
        }
        if current.isWord("labels") {
            _ = advance()
            try expect(.equal, "=")
            rule.labels = try parseLabelList(counting: defaultLabels?.count ?? 0)
        }
        var thresholdSeen = false
        while current.isWord("with") {
            let withToken = advance()
            guard current.kind == .identifier else { throw mismatched(expecting: "IDENTIFIER") }
            let name = advance().text
            let saved = position
            let stringCondition = parseStringCondition()
            let stringEnd = position
            position = saved
            let numberCondition = try parseNumberCondition()
            let numberEnd = position
            // `threshold` takes a number condition; other tags prefer strings, as the grammar.
            let isThreshold = name.lowercased() == "threshold"
            let preferString = isThreshold ? numberCondition == nil : (stringEnd >= numberEnd || numberCondition == nil)
            if let stringCondition, preferString {
                position = stringEnd
                guard stringCondition.op == .equal, stringCondition.operands.count == 1 else {
                    report("String tags only support the equality operator.", at: withToken.location)
                    continue
                }
                rule.tags.append(DQDLTag(name: name, value: Self.tagText(stringCondition.operands[0]), isQuoted: true))
            } else if let numberCondition {
                position = numberEnd
                if isThreshold {
                    if let type = ruleType, !type.supportsThreshold {
                        report("Threshold condition not supported for rule type: \(rule.type)", at: withToken.location)
                    } else if thresholdSeen {
                        report("Only one threshold condition at a time is supported.", at: withToken.location)
                    }
                    thresholdSeen = true
                    rule.threshold = numberCondition
                } else {
                    guard numberCondition.op == .equal, case let .literal(_, text)? = numberCondition.operands.first else {
                        report("Number tags only support the equality operator.", at: withToken.location)
                        continue
                    }
                    rule.tags.append(DQDLTag(name: name, value: text, isQuoted: false))
                }
            } else {
                throw error("no viable tag condition at '\(current.display)'", at: current)
            }
        }

        // Type lookup and the condition kind, with the reference's messages.
        guard let type = ruleType else {
            if DQDLRuleType.lookup(rule.type, parameterCount: rule.parameters.count) == nil {
                reportUnknownType(rule, analyzer: false)
            }
            rule.condition = candidates.first
            return rule
        }
        if type.isAnalyzerOnly {
            report("Analyzer Type: \(rule.type) is not supported in rules section", at: rule.location)
            return rule
        }
        switch Self.selectCondition(for: type, from: candidates) {
        case let .success(condition): rule.condition = condition
        case let .failure(mismatch): report(mismatch.message, at: rule.location)
        }
        checkVariables(in: rule)
        return rule
    }

    private static func tagText(_ value: DQDLStringValue) -> String {
        switch value {
        case let .quoted(text): return text
        case let .variable(name): return "$" + name
        case .null: return "NULL"
        case .empty: return "EMPTY"
        case .whitespacesOnly: return "WHITESPACES_ONLY"
        }
    }

    private mutating func reportUnknownType(_ rule: DQDLRule, analyzer: Bool) {
        let kind = analyzer ? "Analyzer Type" : "Rule Type"
        guard DQDLRuleType.exists(rule.type) else {
            report("\(kind): \(rule.type) is not valid", at: rule.location)
            return
        }
        let overloads = DQDLRuleType.all.filter { $0.name == rule.type }
        if overloads.contains(where: \.isVarArg), rule.parameters.isEmpty {
            report("VarArgs needs at least one parameter: \(rule.type)", at: rule.location)
        } else {
            report("Unexpected number of parameters: \(rule.type)", at: rule.location)
        }
    }

    /// The first of the type's return kinds that a parsed condition satisfies, else the
    /// reference's error for the first return kind.
    private static func selectCondition(for type: DQDLRuleType, from candidates: [DQDLCondition])
        -> Result<DQDLCondition?, ConditionMismatch> {
        for kind in type.returnTypes {
            switch kind {
            case .boolean:
                if candidates.isEmpty { return .success(nil) }
            case .number:
                if let found = candidates.first(where: { if case .number = $0 { true } else { false } }) {
                    return .success(found)
                }
            case .string:
                if let found = candidates.first(where: { if case .string = $0 { true } else { false } }) {
                    return .success(found)
                }
            case .date:
                if let found = candidates.first(where: { if case .date = $0 { true } else { false } }) {
                    return .success(found)
                }
            case .duration:
                if let found = candidates.first(where: { if case .duration = $0 { true } else { false } }) {
                    return .success(found)
                }
            case .size:
                if let found = candidates.first(where: { if case .size = $0 { true } else { false } }) {
                    return .success(found)
                }
                for case let .number(number) in candidates {
                    if let size = sizeCondition(from: number) { return .success(.size(size)) }
                }
            }
        }
        let first = type.returnTypes[0]
        let name: String
        switch first {
        case .boolean: name = "boolean"
        case .number: name = "number"
        case .string: name = "string"
        case .date: name = "date"
        case .duration: name = "duration"
        case .size: name = "size"
        }
        return .failure(ConditionMismatch(message: "Unexpected condition for rule of type \(type.name) with \(name) return type"))
    }

    struct ConditionMismatch: Error {
        var message: String
    }

    /// A plain number of bytes where a size is expected: non-negative whole literals only.
    private static func sizeCondition(from number: DQDLNumberCondition) -> DQDLSizeCondition? {
        var sizes: [DQDLSize] = []
        for operand in number.operands {
            guard case let .literal(value, _) = operand, value >= 0, value == value.rounded(),
                  value < 9.0e18 else { return nil }
            sizes.append(DQDLSize(amount: Int64(value), unit: nil))
        }
        return DQDLSizeCondition(op: number.op, operands: sizes)
    }

    private func variable(_ name: String) -> DQDLVariable? {
        variableIndex[name].map { variables[$0] }
    }

    /// Every `$name` the rule uses must be declared, with the right shape.
    private mutating func checkVariables(in rule: DQDLRule) {
        for parameter in rule.parameters where parameter.form == .variable {
            guard let variable = variable(parameter.text) else {
                report("Variable '\(parameter.text)' is not defined", at: rule.location)
                continue
            }
            if case .list = variable.value {
                report("Variable '\(parameter.text)' is a list and cannot be used as a parameter", at: rule.location)
            }
        }
        guard case let .string(condition)? = rule.condition else { return }
        if let name = condition.listVariable {
            if let variable = variable(name) {
                if case .single = variable.value {
                    report("Variable '\(name)' is not a list", at: rule.location)
                }
            } else {
                report("Variable '\(name)' is not defined", at: rule.location)
            }
        }
        for case let .variable(name) in condition.operands {
            if let variable = variable(name) {
                if case .list = variable.value, condition.op != .in, condition.op != .notIn {
                    report("Variable '\(name)' is a list and cannot be compared with '='", at: rule.location)
                }
            } else {
                report("Variable '\(name)' is not defined", at: rule.location)
            }
        }
    }

    private mutating func parseAnalyzer() throws(SyntaxError) -> DQDLAnalyzer {
        guard current.kind == .identifier, !Self.reservedWords.contains(current.text) else {
            throw mismatched(expecting: "an analyzer type")
        }
        let typeToken = advance()
        let parameters = parseParameters()
        let analyzer = DQDLAnalyzer(type: typeToken.text, parameters: parameters, location: typeToken.location)
        if let type = DQDLRuleType.lookup(analyzer.type, parameterCount: parameters.count) {
            if type.returnTypes.first == .boolean {
                report("Analyzer Type: \(analyzer.type) is not supported", at: typeToken.location)
            }
        } else {
            reportUnknownType(DQDLRule(type: analyzer.type, parameters: parameters, location: typeToken.location),
                              analyzer: true)
        }
        return analyzer
    }

    // MARK: Conditions

    private var isAtConditionStart: Bool {
        switch current.kind {
        case .equal, .greater, .greaterEqual, .less, .lessEqual, .bang: return true
        case .identifier: return ["between", "in", "not", "matches"].contains(current.text)
        default: return false
        }
    }

    /// Every condition kind that parses here, keeping only the longest parses (ties keep the
    /// grammar's order: number, string, date, duration, size).
    private mutating func parseConditionCandidates() throws(SyntaxError) -> [DQDLCondition] {
        let start = position
        var parsed: [(DQDLCondition, Int)] = []
        if let number = try parseNumberCondition() { parsed.append((.number(number), position)) }
        position = start
        if let string = parseStringCondition() { parsed.append((.string(string), position)) }
        position = start
        if let date = parseDateCondition() { parsed.append((.date(date), position)) }
        position = start
        if let duration = parseDurationCondition() { parsed.append((.duration(duration), position)) }
        position = start
        if let size = parseSizeCondition() { parsed.append((.size(size), position)) }
        position = start
        guard let longest = parsed.map(\.1).max() else { return [] }
        position = longest
        return parsed.filter { $0.1 == longest }.map(\.0)
    }

    /// Parses `<op> operand(s)` generically; `operand` returns nil when the operand does not fit.
    private mutating func parseComparison<T>(
        allowMatches: Bool = false, operand: (inout DQDLParser) throws(SyntaxError) -> T?
    ) throws(SyntaxError) -> (DQDLOperator, [T])? {
        let start = position
        func fail() -> (DQDLOperator, [T])? {
            position = start
            return nil
        }
        var negated = false
        if current.isWord("not") {
            negated = true
            _ = advance()
        }
        if current.isWord("between") {
            _ = advance()
            guard let low = try operand(&self), current.isKeyword("and") else { return fail() }
            _ = advance()
            guard let high = try operand(&self) else { return fail() }
            return (negated ? .notBetween : .between, [low, high])
        }
        if current.isWord("in") {
            _ = advance()
            guard current.kind == .lbrac else { return fail() }
            _ = advance()
            var items: [T] = []
            while true {
                guard let item = try operand(&self) else { return fail() }
                items.append(item)
                guard current.kind == .comma else { break }
                _ = advance()
            }
            guard current.kind == .rbrac else { return fail() }
            _ = advance()
            return (negated ? .notIn : .in, items)
        }
        if negated { return fail() }
        let op: DQDLOperator
        switch current.kind {
        case .greater: op = .greater
        case .greaterEqual: op = .greaterEqual
        case .less: op = .less
        case .lessEqual: op = .lessEqual
        case .equal: op = .equal
        case .bang:
            guard peek().kind == .equal else { return fail() }
            _ = advance()
            op = .notEqual
        default: return fail()
        }
        _ = advance()
        guard let value = try operand(&self) else { return fail() }
        return (op, [value])
    }

    private mutating func parseNumberCondition() throws(SyntaxError) -> DQDLNumberCondition? {
        guard let (op, operands) = try parseComparison(operand: { (parser: inout DQDLParser) throws(SyntaxError) in
            try parser.parseNumber(depth: 0)
        }) else { return nil }
        return DQDLNumberCondition(op: op, operands: operands)
    }

    /// `number (op number)*`, one precedence, left-associative, as the grammar defines it.
    private mutating func parseNumber(depth: Int) throws(SyntaxError) -> DQDLNumber? {
        guard var lhs = try parseNumberPrimary(depth: depth) else { return nil }
        while true {
            let op: DQDLArithmeticOperator
            switch current.kind {
            case .plus: op = .add
            case .minus: op = .subtract
            case .star: op = .multiply
            case .slash: op = .divide
            default: return lhs
            }
            let saved = position
            _ = advance()
            guard let rhs = try parseNumberPrimary(depth: depth) else {
                position = saved
                return lhs
            }
            lhs = .binary(lhs, op, rhs)
        }
    }

    private mutating func parseNumberPrimary(depth: Int) throws(SyntaxError) -> DQDLNumber? {
        guard depth < Self.maximumDepth else {
            throw error("number expression nested deeper than \(Self.maximumDepth) levels", at: current)
        }
        let start = position
        switch current.kind {
        case .integer, .decimal:
            let token = advance()
            return Double(token.text).map { .literal(value: $0, text: token.text) }
        case .minus:
            _ = advance()
            guard current.kind == .integer || current.kind == .decimal else {
                position = start
                return nil
            }
            let token = advance()
            return Double(token.text).map { .literal(value: -$0, text: "-" + token.text) }
        case .lparen:
            _ = advance()
            guard let inner = try parseNumber(depth: depth + 1), current.kind == .rparen else {
                position = start
                return nil
            }
            _ = advance()
            return .parenthesized(inner)
        case .identifier:
            if current.isKeyword("null") {
                _ = advance()
                return .null
            }
            guard !Self.reservedWords.contains(current.text), peek().kind == .lparen else { return nil }
            let name = advance().text
            _ = advance()
            var arguments: [DQDLNumber] = []
            if current.kind != .rparen {
                while true {
                    guard let argument = try parseNumber(depth: depth + 1) else {
                        position = start
                        return nil
                    }
                    arguments.append(argument)
                    guard current.kind == .comma else { break }
                    _ = advance()
                }
            }
            guard current.kind == .rparen else {
                position = start
                return nil
            }
            _ = advance()
            return .call(name: name, arguments: arguments)
        default:
            return nil
        }
    }

    private mutating func parseStringValue() throws(SyntaxError) -> DQDLStringValue? {
        switch current.kind {
        case .string, .date, .time, .militaryTime:
            return .quoted(advance().text)
        case .dollar:
            guard peek().kind == .identifier else { return nil }
            _ = advance()
            return .variable(advance().text)
        case .identifier:
            if current.isKeyword("null") { _ = advance(); return .null }
            if current.isKeyword("empty") { _ = advance(); return .empty }
            if current.isKeyword("whitespaces_only") { _ = advance(); return .whitespacesOnly }
            return nil
        default:
            return nil
        }
    }

    /// String values in conditions: date- and time-shaped strings are not plain strings here,
    /// as in the grammar (they lex as DATE/TIME tokens).
    private mutating func parseConditionStringValue() -> DQDLStringValue? {
        if current.kind == .date || current.kind == .time || current.kind == .militaryTime { return nil }
        return (try? parseStringValue()) ?? nil
    }

    private mutating func parseStringCondition() -> DQDLStringCondition? {
        let start = position
        var negated = false
        if current.isWord("not") {
            negated = true
            _ = advance()
        }
        if current.isWord("matches") {
            _ = advance()
            guard current.kind == .string else {
                position = start
                return nil
            }
            return DQDLStringCondition(op: negated ? .notMatches : .matches, operands: [.quoted(advance().text)])
        }
        if current.isWord("in"), peek().kind == .dollar, peek(2).kind == .identifier {
            _ = advance()
            _ = advance()
            return DQDLStringCondition(op: negated ? .notIn : .in, operands: [], listVariable: advance().text)
        }
        position = start
        let parsed = try? parseComparison(operand: { (parser: inout DQDLParser) throws(SyntaxError) in
            parser.parseConditionStringValue()
        })
        guard let (op, operands) = parsed ?? nil else {
            position = start
            return nil
        }
        switch op {
        case .equal, .notEqual, .in, .notIn: return DQDLStringCondition(op: op, operands: operands)
        default:
            position = start
            return nil
        }
    }

    private mutating func parseDateCondition() -> DQDLDateCondition? {
        let parsed = try? parseComparison(operand: { (parser: inout DQDLParser) throws(SyntaxError) in
            parser.parseDate()
        })
        guard let (op, operands) = parsed ?? nil else { return nil }
        return DQDLDateCondition(op: op, operands: operands)
    }

    private mutating func parseDate() -> DQDLDate? {
        let start = position
        switch current.kind {
        case .date: return .date(advance().text)
        case .time, .militaryTime: return .time(advance().text)
        case .now:
            _ = advance()
            return .now
        case .lparen:
            _ = advance()
            guard current.kind == .now else { position = start; return nil }
            _ = advance()
            let op: DQDLArithmeticOperator
            switch current.kind {
            case .minus: op = .subtract
            case .plus: op = .add
            default: position = start; return nil
            }
            _ = advance()
            guard let duration = parseDuration(), current.kind == .rparen else { position = start; return nil }
            _ = advance()
            return .nowOffset(op, duration)
        case .identifier where current.isKeyword("null"):
            _ = advance()
            return .null
        default:
            return nil
        }
    }

    private mutating func parseDuration() -> DQDLDuration? {
        guard current.kind == .integer, let amount = Int64(current.text),
              peek().kind == .identifier, let unit = DQDLDurationUnit(rawValue: peek().text) else { return nil }
        _ = advance()
        _ = advance()
        return DQDLDuration(amount: amount, unit: unit)
    }

    private mutating func parseDurationCondition() -> DQDLDurationCondition? {
        let parsed = try? parseComparison(operand: { (parser: inout DQDLParser) throws(SyntaxError) in
            parser.parseDuration()
        })
        guard let (op, operands) = parsed ?? nil else { return nil }
        return DQDLDurationCondition(op: op, operands: operands)
    }

    private mutating func parseSize() -> DQDLSize? {
        guard current.kind == .integer, let amount = Int64(current.text),
              peek().kind == .identifier, let unit = DQDLSizeUnit(rawValue: peek().text) else { return nil }
        _ = advance()
        _ = advance()
        return DQDLSize(amount: amount, unit: unit)
    }

    private mutating func parseSizeCondition() -> DQDLSizeCondition? {
        let parsed = try? parseComparison(operand: { (parser: inout DQDLParser) throws(SyntaxError) in
            parser.parseSize()
        })
        guard let (op, operands) = parsed ?? nil else { return nil }
        return DQDLSizeCondition(op: op, operands: operands)
    }
}
