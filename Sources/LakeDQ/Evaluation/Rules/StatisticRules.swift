/// Completeness, uniqueness, moments, frequency metrics and correlation.
extension RuleRunner {
    func completeness(_ rule: DQDLRule) throws(RuleError) -> RuleEvaluation {
        let name = try parameter(rule, 0)
        let selection = try context.selection(rule.whereClause)
        let nulls = try context.nullFlags(name)
        var complete = 0
        for row in 0..<context.rowCount where selection.contains(row) && !nulls[row] { complete += 1 }
        let rows = rowResults(selection) { !nulls[$0] }
        let ratio: Double? = selection.count > 0 ? Double(complete) / Double(selection.count) : nil
        var metrics: [String: Double] = [:]
        if let ratio { metrics["Column.\(name).Completeness"] = ratio }
        if rule.type == "IsComplete" {
            return booleanRule(ratio.map { $0 == 1 }, value: ratio, metrics: metrics, rows: rows,
                               reason: "the dataset has no rows to evaluate")
        }
        return try numberRule(rule, value: ratio, metrics: metrics, rows: rows)
    }

    /// `Column.<c>.Uniqueness` or `Multicolumn.<a>,<b>.Uniqueness`.
    static func uniquenessKey(_ names: [String]) -> String {
        names.count == 1 ? "Column.\(names[0]).Uniqueness" : "Multicolumn.\(names.joined(separator: ",")).Uniqueness"
    }

    func uniqueness(_ rule: DQDLRule) throws(RuleError) -> RuleEvaluation {
        let names = try parameters(rule)
        let selection = try context.selection(rule.whereClause)
        let frequencies = try context.frequencies(names, where: rule.whereClause)
        let ratio: Double? = frequencies.rowCount > 0 ? Double(frequencies.singletons) / Double(frequencies.rowCount) : nil
        let codes = frequencies.codes, counts = frequencies.counts
        let rows = rowResults(selection) { row in codes[row] >= 0 && counts[Int(codes[row])] == 1 }
        var metrics: [String: Double] = [:]
        if let ratio { metrics[Self.uniquenessKey(names)] = ratio }
        if rule.type == "IsUnique" {
            return booleanRule(ratio.map { $0 == 1 }, value: ratio, metrics: metrics, rows: rows,
                               reason: "the dataset has no rows to evaluate")
        }
        return try numberRule(rule, value: ratio, metrics: metrics, rows: rows)
    }

    func isPrimaryKey(_ rule: DQDLRule) throws(RuleError) -> RuleEvaluation {
        let names = try parameters(rule)
        let selection = try context.selection(rule.whereClause)
        guard selection.count > 0 else {
            return booleanRule(nil, value: nil, metrics: [:], reason: "the dataset has no rows to evaluate")
        }
        var metrics: [String: Double] = [:]
        var columns: [[Bool]] = []
        var complete = true
        for name in names {
            let nulls = try context.nullFlags(name)
            columns.append(nulls)
            var present = 0
            for row in 0..<context.rowCount where selection.contains(row) && !nulls[row] { present += 1 }
            metrics["Column.\(name).Completeness"] = Double(present) / Double(selection.count)
            if present != selection.count { complete = false }
        }
        let frequencies = try context.frequencies(names, where: rule.whereClause)
        let uniqueness = Double(frequencies.singletons) / Double(frequencies.rowCount)
        metrics[Self.uniquenessKey(names)] = uniqueness
        let codes = frequencies.codes, counts = frequencies.counts
        let rows = rowResults(selection) { row in
            codes[row] >= 0 && counts[Int(codes[row])] == 1 && columns.allSatisfy { !$0[row] }
        }
        let holds = complete && uniqueness == 1
        var evaluation = booleanRule(holds, value: nil, metrics: metrics, rows: rows, reason: "")
        if !holds {
            evaluation.failureReason = complete
                ? "Value: \(formatMetric(uniqueness)) does not meet the constraint requirement (uniqueness)."
                : "The key columns contain nulls."
        }
        return evaluation
    }

    func moments(_ rule: DQDLRule) throws(RuleError) -> RuleEvaluation {
        let name = try parameter(rule, 0)
        let moments = try context.moments(name, where: rule.whereClause)
        let value: Double?
        if moments.count == 0 {
            value = nil
        } else {
            switch rule.type {
            case "Mean": value = moments.mean
            case "Sum": value = moments.sum
            case "StandardDeviation": value = moments.populationVariance.squareRoot()
            default: value = moments.populationVariance
            }
        }
        var metrics: [String: Double] = [:]
        if let value { metrics["Column.\(name).\(rule.type)"] = value }
        return try numberRule(rule, value: value, metrics: metrics,
                              undefinedReason: "column '\(name)' has no non-null values to evaluate")
    }

    func frequencyMetric(_ rule: DQDLRule) throws(RuleError) -> RuleEvaluation {
        let name = try parameter(rule, 0)
        let frequencies = try context.frequencies([name], where: rule.whereClause)
        let value: Double?
        switch rule.type {
        case "DistinctValuesCount": value = Double(frequencies.distinct)
        case "UniqueValueRatio":
            value = frequencies.distinct > 0 ? Double(frequencies.singletons) / Double(frequencies.distinct) : nil
        default: value = frequencies.rowCount > 0 ? frequencies.entropy : nil
        }
        var metrics: [String: Double] = [:]
        if let value { metrics["Column.\(name).\(rule.type)"] = value }
        return try numberRule(rule, value: value, metrics: metrics)
    }

    /// Pearson correlation over rows where both columns are present.
    func columnCorrelation(_ rule: DQDLRule) throws(RuleError) -> RuleEvaluation {
        let first = try parameter(rule, 0), second = try parameter(rule, 1)
        let selection = try context.selection(rule.whereClause)
        guard case let .numeric(x, xValid, _) = try context.column(first) else { throw RuleError("Column '\(first)' is not numeric") }
        guard case let .numeric(y, yValid, _) = try context.column(second) else { throw RuleError("Column '\(second)' is not numeric") }
        var n = 0.0, meanX = 0.0, meanY = 0.0, cxy = 0.0, m2x = 0.0, m2y = 0.0
        for row in 0..<context.rowCount where selection.contains(row) && xValid[row] && yValid[row] {
            n += 1
            let dx = x[row] - meanX
            meanX += dx / n
            let dy = y[row] - meanY
            meanY += dy / n
            cxy += dx * (y[row] - meanY)
            m2x += dx * (x[row] - meanX)
            m2y += dy * (y[row] - meanY)
        }
        let value: Double? = n > 1 && m2x > 0 && m2y > 0 ? cxy / (m2x * m2y).squareRoot() : nil
        var metrics: [String: Double] = [:]
        if let value { metrics["Multicolumn.\(first),\(second).ColumnCorrelation"] = value }
        return try numberRule(rule, value: value, metrics: metrics,
                              undefinedReason: "correlation needs at least two rows with non-constant values")
    }
}
