import Foundation

/// RowCount, ColumnCount, ColumnExists, ColumnNamesMatchPattern.
extension RuleRunner {
    func accumulateRowCount(_ rule: DQDLRule, _ state: RuleState?) throws(RuleError) -> RuleState {
        let counter = try self.state(state) { CountState() }
        counter.count += try context.selection(rule.whereClause).count
        return counter
    }

    func finishRowCount(_ rule: DQDLRule, _ state: RuleState?) throws(RuleError) -> RuleEvaluation {
        let count = Double(try finished(state, CountState.self).count)
        return try numberRule(rule, value: count, metrics: ["Dataset.*.RowCount": count])
    }

    func columnCount(_ rule: DQDLRule) throws(RuleError) -> RuleEvaluation {
        let count = Double(context.primary.schema.fields.count)
        return try numberRule(rule, value: count, metrics: ["Dataset.*.ColumnCount": count])
    }

    func columnExists(_ rule: DQDLRule) throws(RuleError) -> RuleEvaluation {
        let name = try parameter(rule, 0)
        let exists = DQEvaluationContext.fieldIndex(name, in: context.primary.schema) != nil
        return booleanRule(exists, value: nil, metrics: ["Dataset.\(name).ColumnExists": exists ? 1 : 0],
                           reason: "Column '\(name)' does not exist")
    }

    func columnNamesMatchPattern(_ rule: DQDLRule) throws(RuleError) -> RuleEvaluation {
        let pattern = try parameter(rule, 0)
        let regex: Regex<AnyRegexOutput>
        do {
            regex = try Regex(pattern)
        } catch {
            throw RuleError("Invalid regular expression \"\(pattern)\": \(error)")
        }
        let names = context.primary.schema.fields.map(\.name)
        let matching = names.filter { $0.wholeMatch(of: regex) != nil }
        let ratio = names.isEmpty ? 1.0 : Double(matching.count) / Double(names.count)
        let unmatched = names.filter { $0.wholeMatch(of: regex) == nil }
        return booleanRule(unmatched.isEmpty, value: nil,
                           metrics: ["Dataset.*.ColumnNamesPatternMatchRatio": ratio],
                           reason: "Columns not matching the pattern: \(unmatched.joined(separator: ", "))")
    }
}
