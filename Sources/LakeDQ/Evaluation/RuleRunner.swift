import Foundation

/// Evaluates rules and composites against a ``DQEvaluationContext``.
struct RuleRunner {
    let context: DQEvaluationContext

    func evaluate(_ node: DQDLRuleNode, topLevel: Bool) -> RuleEvaluation {
        switch node {
        case let .rule(rule):
            var evaluation: RuleEvaluation
            do {
                evaluation = try evaluate(rule)
            } catch {
                evaluation = RuleEvaluation(outcome: .error, failureReason: error.message)
            }
            if evaluation.evaluatedRule.isEmpty { evaluation.evaluatedRule = resolvedText(rule) }
            return evaluation
        case let .composite(op, operands, _):
            return composite(op, operands)
        }
    }

    /// Each operand runs over the whole dataset; outcomes combine with AND / OR. An operand in
    /// error makes the composite an error (its outcome is unknown).
    private func composite(_ op: DQDLLogicalOperator, _ operands: [DQDLRuleNode]) -> RuleEvaluation {
        let children = operands.map { evaluate($0, topLevel: false) }
        var metrics: [String: Double] = [:]
        for child in children { metrics.merge(child.metrics) { _, new in new } }
        let text = children.map { "(\($0.evaluatedRule))" }.joined(separator: " \(op.rawValue) ")
        let reasons = children.compactMap(\.failureReason)
        let outcome: DQOutcome
        if children.contains(where: { $0.outcome == .error }) {
            outcome = .error
        } else if op == .and {
            outcome = children.allSatisfy { $0.outcome == .passed } ? .passed : .failed
        } else {
            outcome = children.contains { $0.outcome == .passed } ? .passed : .failed
        }
        // Row level: combine children; skipped when any child has no row-level result.
        var rows: [Int8]?
        let excluded = operands.contains { node in
            if case let .rule(rule) = node,
               let type = DQDLRuleType.lookup(rule.type, parameterCount: rule.parameters.count) {
                return type.isExcludedAtRowLevelInComposite
            }
            return false
        }
        if !excluded, children.allSatisfy({ $0.rows != nil }) {
            let all = children.compactMap(\.rows)
            var combined = [Int8](repeating: op == .and ? 1 : 0, count: context.rowCount)
            for row in 0..<context.rowCount {
                var value: Int8 = op == .and ? 1 : 0
                for child in all {
                    let r = child[row]
                    if r < 0 { value = -1; break }
                    if op == .and { if r == 0 { value = 0 } } else if r == 1 { value = 1 }
                }
                combined[row] = value
            }
            rows = combined
        }
        return RuleEvaluation(outcome: outcome,
                              failureReason: outcome == .passed ? nil : reasons.joined(separator: "; "),
                              metrics: metrics, rows: rows, evaluatedRule: text)
    }

    // MARK: Dispatch

    private func evaluate(_ rule: DQDLRule) throws(RuleError) -> RuleEvaluation {
        switch rule.type {
        case "RowCount": return try rowCount(rule)
        case "ColumnCount": return try columnCount(rule)
        case "Completeness", "IsComplete": return try completeness(rule)
        case "ColumnExists": return try columnExists(rule)
        case "ColumnNamesMatchPattern": return try columnNamesMatchPattern(rule)
        case "ColumnCorrelation": return try columnCorrelation(rule)
        case "Uniqueness", "IsUnique": return try uniqueness(rule)
        case "IsPrimaryKey": return try isPrimaryKey(rule)
        case "Mean", "Sum", "StandardDeviation", "Variance": return try moments(rule)
        case "Entropy", "DistinctValuesCount", "UniqueValueRatio": return try frequencyMetric(rule)
        case "ColumnLength": return try columnLength(rule)
        case "ColumnValues": return try columnValues(rule)
        case "DataFreshness": return try dataFreshness(rule)
        case "ColumnDataType": return try columnDataType(rule)
        case "CustomSql": return try customSql(rule)
        case "RowCountMatch": return try rowCountMatch(rule)
        case "SchemaMatch": return try schemaMatch(rule)
        case "ReferentialIntegrity": return try referentialIntegrity(rule)
        case "DatasetMatch": return try datasetMatch(rule)
        case "AggregateMatch": return try aggregateMatch(rule)
        case "DetectAnomalies": return try detectAnomalies(rule)
        case "FileFreshness": return try fileFreshness(rule)
        case "FileSize": return try fileSize(rule)
        case "FileUniqueness": return try fileUniqueness(rule)
        case "FileMatch": return try fileMatch(rule)
        default: throw RuleError("Rule type \(rule.type) cannot be evaluated")
        }
    }

    // MARK: Helpers shared by the rule families

    /// Parameter `index` with `$variables` substituted.
    func parameter(_ rule: DQDLRule, _ index: Int) throws(RuleError) -> String {
        guard index < rule.parameters.count else { throw RuleError("Missing parameter \(index + 1) of \(rule.type)") }
        let parameter = rule.parameters[index]
        guard parameter.form == .variable else { return parameter.text }
        guard let variable = context.ruleset.variable(parameter.text), case let .single(value) = variable.value else {
            throw RuleError("Variable '\(parameter.text)' is not a single value")
        }
        switch value {
        case let .quoted(text): return text
        default: throw RuleError("Variable '\(parameter.text)' has no text value")
        }
    }

    func parameters(_ rule: DQDLRule) throws(RuleError) -> [String] {
        var values: [String] = []
        for index in rule.parameters.indices { values.append(try parameter(rule, index)) }
        return values
    }

    func checker(_ rule: DQDLRule) throws(RuleError) -> ConditionCheck {
        ConditionCheck(history: context.history(rule: DQDLPrinter.rule(rule)), now: context.now,
                       timeZone: try ConditionCheck.timeZone(for: rule))
    }

    /// Checks a number metric against the rule's number condition.
    func numberRule(_ rule: DQDLRule, value: Double?, metrics: [String: Double], rows: [Int8]? = nil,
                    undefinedReason: String = "the dataset has no rows to evaluate") throws(RuleError) -> RuleEvaluation {
        guard case let .number(condition)? = rule.condition else {
            throw RuleError("\(rule.type) needs a number condition")
        }
        guard let value, !value.isNaN else {
            return RuleEvaluation(outcome: .failed, failureReason: "Value could not be computed: \(undefinedReason)",
                                  metrics: metrics, rows: rows)
        }
        let holds: Bool, operands: [Double?]
        do {
            (holds, operands) = try checker(rule).check(value, condition)
        } catch {
            // Keep the metric: it seeds the history a dynamic rule needs next time.
            return RuleEvaluation(outcome: .error, failureReason: error.message, metrics: metrics, primaryMetric: value,
                                  rows: rows)
        }
        return RuleEvaluation(outcome: holds ? .passed : .failed,
                              failureReason: holds ? nil : "Value: \(formatMetric(value)) does not meet the constraint requirement.",
                              metrics: metrics, primaryMetric: value, rows: rows,
                              evaluatedRule: resolvedText(rule, dynamicOperands: operands))
    }

    /// A boolean rule: passes when `holds`.
    func booleanRule(_ holds: Bool?, value: Double?, metrics: [String: Double], rows: [Int8]? = nil,
                     reason: String) -> RuleEvaluation {
        guard let holds else {
            return RuleEvaluation(outcome: .failed, failureReason: "Value could not be computed: \(reason)", metrics: metrics, rows: rows)
        }
        let shown = value.map { "Value: \(formatMetric($0)) does not meet the constraint requirement." } ?? reason
        return RuleEvaluation(outcome: holds ? .passed : .failed, failureReason: holds ? nil : shown, metrics: metrics,
                              primaryMetric: value, rows: rows)
    }

    /// A compliance ratio checked against `with threshold` (default: every row complies).
    func complianceRule(_ rule: DQDLRule, compliant: Int, total: Int, metricKey: String, rows: [Int8]?,
                        extraMetrics: [String: Double] = [:]) throws(RuleError) -> RuleEvaluation {
        var metrics = extraMetrics
        guard total > 0 else {
            return RuleEvaluation(outcome: .failed, failureReason: "Value could not be computed: the dataset has no rows to evaluate",
                                  metrics: metrics, rows: rows)
        }
        let ratio = Double(compliant) / Double(total)
        metrics[metricKey] = ratio
        let holds: Bool
        if let threshold = rule.threshold {
            holds = try checker(rule).check(ratio, threshold).0
        } else {
            holds = compliant == total
        }
        return RuleEvaluation(outcome: holds ? .passed : .failed,
                              failureReason: holds ? nil : "Value: \(formatMetric(ratio)) does not meet the constraint requirement.",
                              metrics: metrics, primaryMetric: ratio, rows: rows)
    }

    /// Row results where rows outside the selection pass (Deequ's default filtered-row outcome).
    func rowResults(_ selection: RowSelection, _ body: (Int) -> Bool) -> [Int8] {
        var rows = [Int8](repeating: 1, count: context.rowCount)
        for row in 0..<context.rowCount where selection.contains(row) { rows[row] = body(row) ? 1 : 0 }
        return rows
    }

    /// The rule text with variables substituted and dynamic operands replaced by their values.
    func resolvedText(_ rule: DQDLRule, dynamicOperands: [Double?] = []) -> String {
        var resolved = rule
        for index in resolved.parameters.indices where resolved.parameters[index].form == .variable {
            if let value = try? parameter(rule, index) {
                resolved.parameters[index] = DQDLParameter(form: .quoted, text: value, connector: rule.parameters[index].connector)
            }
        }
        if case var .number(condition)? = resolved.condition, condition.operands.contains(where: \.isDynamic),
           dynamicOperands.count == condition.operands.count {
            condition.operands = dynamicOperands.map { value in
                value.map { .literal(value: $0, text: formatMetric($0)) } ?? .null
            }
            resolved.condition = .number(condition)
        }
        if case var .string(condition)? = resolved.condition {
            if let values = try? stringOperands(condition) {
                condition.operands = values.map { value -> DQDLStringValue in
                    switch value {
                    case let .text(text): return .quoted(text)
                    case .null: return .null
                    case .empty: return .empty
                    case .whitespacesOnly: return .whitespacesOnly
                    }
                }
                condition.listVariable = nil
                resolved.condition = .string(condition)
            }
        }
        return DQDLPrinter.rule(resolved)
    }

    /// A string operand with variables expanded.
    enum StringOperand: Hashable {
        case text(String), null, empty, whitespacesOnly
    }

    func stringOperands(_ condition: DQDLStringCondition) throws(RuleError) -> [StringOperand] {
        var values: [DQDLStringValue] = condition.operands
        if let name = condition.listVariable {
            guard let variable = context.ruleset.variable(name), case let .list(list) = variable.value else {
                throw RuleError("Variable '\(name)' is not a list")
            }
            values = list
        }
        var out: [StringOperand] = []
        for value in values {
            switch value {
            case let .quoted(text): out.append(.text(text))
            case .null: out.append(.null)
            case .empty: out.append(.empty)
            case .whitespacesOnly: out.append(.whitespacesOnly)
            case let .variable(name):
                guard let variable = context.ruleset.variable(name) else { throw RuleError("Variable '\(name)' is not defined") }
                switch variable.value {
                case let .single(single):
                    switch single {
                    case let .quoted(text): out.append(.text(text))
                    case .null: out.append(.null)
                    case .empty: out.append(.empty)
                    case .whitespacesOnly: out.append(.whitespacesOnly)
                    case .variable: throw RuleError("Nested variables are not supported in variable '\(name)'")
                    }
                case let .list(list):
                    for item in list {
                        switch item {
                        case let .quoted(text): out.append(.text(text))
                        case .null: out.append(.null)
                        case .empty: out.append(.empty)
                        case .whitespacesOnly: out.append(.whitespacesOnly)
                        case .variable: throw RuleError("Nested variables are not supported in variable '\(name)'")
                        }
                    }
                }
            }
        }
        return out
    }
}
