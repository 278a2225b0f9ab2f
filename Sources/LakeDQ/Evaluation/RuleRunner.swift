import Foundation

/// Evaluates rules and composites against a ``DQEvaluationContext``.
struct RuleRunner {
    let context: DQEvaluationContext

    /// Combines the finished operands of a composite: each operand ran over the whole dataset;
    /// outcomes combine with AND / OR. An operand in error makes the composite an error (its
    /// outcome is unknown).
    func composite(_ op: DQDLLogicalOperator, _ operands: [DQDLRuleNode], _ children: [RuleEvaluation]) -> RuleEvaluation {
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
        if !excluded, context.keepRows, children.allSatisfy({ $0.rows?.count == context.rowCount }) {
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

    /// Folds the rows of this runner's chunk into `state` (created on the first chunk).
    func accumulate(_ rule: DQDLRule, into state: RuleState?) throws(RuleError) -> RuleState {
        switch rule.type {
        case "RowCount": return try accumulateRowCount(rule, state)
        case "Completeness", "IsComplete": return try accumulateCompleteness(rule, state)
        case "ColumnCorrelation": return try accumulateCorrelation(rule, state)
        case "Uniqueness", "IsUnique", "Entropy", "DistinctValuesCount", "UniqueValueRatio":
            return try accumulateFrequencies(rule, state)
        case "IsPrimaryKey": return try accumulatePrimaryKey(rule, state)
        case "Mean", "Sum", "StandardDeviation", "Variance": return try accumulateMoments(rule, state)
        case "ColumnLength": return try accumulateColumnLength(rule, state)
        case "ColumnValues": return try accumulateColumnValues(rule, state)
        case "DataFreshness": return try accumulateDataFreshness(rule, state)
        case "ColumnDataType": return try accumulateColumnDataType(rule, state)
        case "CustomSql": return try accumulateCustomSql(rule, state)
        case "ReferentialIntegrity": return try accumulateReferentialIntegrity(rule, state)
        case "DatasetMatch": return try accumulateDatasetMatch(rule, state)
        case "AggregateMatch": return try accumulateAggregateMatch(rule, state)
        case "DetectAnomalies": return try accumulateAnomalies(rule, state)
        case "ColumnCount", "ColumnExists", "ColumnNamesMatchPattern", "RowCountMatch", "SchemaMatch",
             "FileFreshness", "FileSize", "FileUniqueness", "FileMatch":
            return state ?? SummaryState()
        default: throw RuleError("Rule type \(rule.type) cannot be evaluated")
        }
    }

    /// The rule's outcome from what every chunk folded into `state` (`nil`: no chunk was seen).
    func finish(_ rule: DQDLRule, _ state: RuleState?) throws(RuleError) -> RuleEvaluation {
        switch rule.type {
        case "RowCount": return try finishRowCount(rule, state)
        case "ColumnCount": return try columnCount(rule)
        case "Completeness", "IsComplete": return try finishCompleteness(rule, state)
        case "ColumnExists": return try columnExists(rule)
        case "ColumnNamesMatchPattern": return try columnNamesMatchPattern(rule)
        case "ColumnCorrelation": return try finishCorrelation(rule, state)
        case "Uniqueness", "IsUnique": return try finishUniqueness(rule, state)
        case "IsPrimaryKey": return try finishPrimaryKey(rule, state)
        case "Mean", "Sum", "StandardDeviation", "Variance": return try finishMoments(rule, state)
        case "Entropy", "DistinctValuesCount", "UniqueValueRatio": return try finishFrequencyMetric(rule, state)
        case "ColumnLength": return try finishColumnLength(rule, state)
        case "ColumnValues", "DataFreshness", "ColumnDataType": return try finishCompliance(rule, state)
        case "CustomSql": return try finishCustomSql(rule, state)
        case "RowCountMatch": return try rowCountMatch(rule)
        case "SchemaMatch": return try schemaMatch(rule)
        case "ReferentialIntegrity", "DatasetMatch": return try finishMatch(rule, state)
        case "AggregateMatch": return try finishAggregateMatch(rule, state)
        case "DetectAnomalies": return try finishAnomalies(rule, state)
        case "FileFreshness": return try fileFreshness(rule)
        case "FileSize": return try fileSize(rule)
        case "FileUniqueness": return try fileUniqueness(rule)
        case "FileMatch": return try fileMatch(rule)
        default: throw RuleError("Rule type \(rule.type) cannot be evaluated")
        }
    }

    /// `state` as a `S`, or a new one from `make` on the first chunk.
    func state<S: RuleState>(_ state: RuleState?, _ make: () throws(RuleError) -> S) throws(RuleError) -> S {
        if let existing = state as? S { return existing }
        return try make()
    }

    /// `state` as a `S` at finish; a state of another type means the rule changed under us.
    func finished<S: RuleState>(_ state: RuleState?, _ type: S.Type) throws(RuleError) -> S {
        guard let state = state as? S else { throw RuleError("No rows were evaluated for this rule") }
        return state
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
    func rowResults(_ selection: RowSelection, _ body: (Int) -> Bool) -> [Int8]? {
        guard context.keepRows else { return nil }
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
