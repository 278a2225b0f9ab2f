/// Completeness, uniqueness, moments, frequency metrics and correlation.
extension RuleRunner {
    // MARK: Completeness

    func accumulateCompleteness(_ rule: DQDLRule, _ state: RuleState?) throws(RuleError) -> RuleState {
        let tally = try self.state(state) { TallyState() }
        let name = try parameter(rule, 0)
        let selection = try context.selection(rule.whereClause)
        let nulls = try context.nullFlags(name)
        var complete = 0
        if let mask = selection.mask {
            for row in 0..<context.rowCount where mask[row] && !nulls[row] { complete += 1 }
        } else {
            for row in 0..<context.rowCount where !nulls[row] { complete += 1 }
        }
        tally.compliant += complete
        tally.total += selection.count
        tally.rows.append(rowResults(selection) { !nulls[$0] })
        return tally
    }

    func finishCompleteness(_ rule: DQDLRule, _ state: RuleState?) throws(RuleError) -> RuleEvaluation {
        let tally = try finished(state, TallyState.self)
        let name = try parameter(rule, 0)
        let ratio: Double? = tally.total > 0 ? Double(tally.compliant) / Double(tally.total) : nil
        var metrics: [String: Double] = [:]
        if let ratio { metrics["Column.\(name).Completeness"] = ratio }
        if rule.type == "IsComplete" {
            return booleanRule(ratio.map { $0 == 1 }, value: ratio, metrics: metrics, rows: tally.rows.values,
                               reason: "the dataset has no rows to evaluate")
        }
        return try numberRule(rule, value: ratio, metrics: metrics, rows: tally.rows.values)
    }

    // MARK: Value frequencies

    /// `Column.<c>.Uniqueness` or `Multicolumn.<a>,<b>.Uniqueness`.
    static func uniquenessKey(_ names: [String]) -> String {
        names.count == 1 ? "Column.\(names[0]).Uniqueness" : "Multicolumn.\(names.joined(separator: ",")).Uniqueness"
    }

    /// The grouping columns: every parameter for Uniqueness / IsUnique, the first otherwise.
    private func groupingColumns(_ rule: DQDLRule) throws(RuleError) -> [String] {
        rule.type == "Uniqueness" || rule.type == "IsUnique" || rule.type == "IsPrimaryKey"
            ? try parameters(rule) : [try parameter(rule, 0)]
    }

    /// Counts this chunk's values of `names` into `state`.
    private func countValues(_ names: [String], where whereClause: String?, into state: FrequencyState) throws(RuleError) {
        guard state.lastChunk != context.chunkIndex else { return }
        state.lastChunk = context.chunkIndex
        let selection = try context.selection(whereClause)
        let frequencies = try context.frequencies(names, where: whereClause)
        if context.isOnlyChunk {
            // The whole dataset: count exactly from the chunk's own grouping.
            state.exact = FrequencySummary(rowCount: frequencies.rowCount, counts: frequencies.counts)
        } else {
            let counts = frequencies.counts
            try context.forEachGroupKey(names, frequencies) { code, key throws(RuleError) in
                if counts[code] > 0 { try state.counter.add(key, count: counts[code]) }
            }
        }
        state.selected += frequencies.rowCount
        state.chunks += 1
        if state.chunks == 1, context.keepRows {
            var nulls: [[Bool]] = []
            if state.wantsNulls {
                for name in names { nulls.append(try context.nullFlags(name)) }
            }
            state.single = (frequencies, selection, nulls)
        } else {
            state.single = nil
        }
    }

    /// Rules counting the same columns under the same `where` clause share one state (and one
    /// pass over each chunk).
    func accumulateFrequencies(_ rule: DQDLRule, _ state: RuleState?) throws(RuleError) -> RuleState {
        let names = try groupingColumns(rule)
        let key = "frequencies\u{1}" + names.joined(separator: "\u{2}") + "\u{1}" + (rule.whereClause ?? "")
        let frequencies = try self.state(state) {
            context.references.sharedState(key) { FrequencyState(counter: context.makeCounter()) }
        }
        try countValues(names, where: rule.whereClause, into: frequencies)
        return frequencies
    }

    func finishUniqueness(_ rule: DQDLRule, _ state: RuleState?) throws(RuleError) -> RuleEvaluation {
        let frequencies = try finished(state, FrequencyState.self)
        let names = try parameters(rule)
        let summary = try frequencies.summary()
        let ratio: Double? = summary.rowCount > 0 ? Double(summary.singletons) / Double(summary.rowCount) : nil
        var rows: [Int8]?
        if let single = frequencies.single {
            let codes = single.frequencies.codes, counts = single.frequencies.counts
            rows = rowResults(single.selection) { row in codes[row] >= 0 && counts[Int(codes[row])] == 1 }
        }
        var metrics: [String: Double] = [:]
        if let ratio { metrics[Self.uniquenessKey(names)] = ratio }
        if rule.type == "IsUnique" {
            return booleanRule(ratio.map { $0 == 1 }, value: ratio, metrics: metrics, rows: rows,
                               reason: "the dataset has no rows to evaluate")
        }
        return try numberRule(rule, value: ratio, metrics: metrics, rows: rows)
    }

    func finishFrequencyMetric(_ rule: DQDLRule, _ state: RuleState?) throws(RuleError) -> RuleEvaluation {
        let frequencies = try finished(state, FrequencyState.self)
        let name = try parameter(rule, 0)
        let summary = try frequencies.summary()
        let value: Double?
        switch rule.type {
        case "DistinctValuesCount": value = Double(summary.distinct)
        case "UniqueValueRatio":
            value = summary.distinct > 0 ? Double(summary.singletons) / Double(summary.distinct) : nil
        default: value = summary.rowCount > 0 ? summary.entropy : nil
        }
        var metrics: [String: Double] = [:]
        if let value { metrics["Column.\(name).\(rule.type)"] = value }
        return try numberRule(rule, value: value, metrics: metrics)
    }

    // MARK: IsPrimaryKey

    func accumulatePrimaryKey(_ rule: DQDLRule, _ state: RuleState?) throws(RuleError) -> RuleState {
        let names = try parameters(rule)
        let key = try self.state(state) { () -> PrimaryKeyState in
            let frequencies = FrequencyState(counter: context.makeCounter())
            frequencies.wantsNulls = true
            return PrimaryKeyState(columns: names.count, frequencies: frequencies)
        }
        let selection = try context.selection(rule.whereClause)
        for (index, name) in names.enumerated() {
            let nulls = try context.nullFlags(name)
            var present = 0
            for row in 0..<context.rowCount where selection.contains(row) && !nulls[row] { present += 1 }
            key.present[index] += present
        }
        try countValues(names, where: rule.whereClause, into: key.frequencies)
        return key
    }

    func finishPrimaryKey(_ rule: DQDLRule, _ state: RuleState?) throws(RuleError) -> RuleEvaluation {
        let key = try finished(state, PrimaryKeyState.self)
        let names = try parameters(rule)
        let selected = key.frequencies.selected
        guard selected > 0 else {
            return booleanRule(nil, value: nil, metrics: [:], reason: "the dataset has no rows to evaluate")
        }
        var metrics: [String: Double] = [:]
        var complete = true
        for (index, name) in names.enumerated() {
            metrics["Column.\(name).Completeness"] = Double(key.present[index]) / Double(selected)
            if key.present[index] != selected { complete = false }
        }
        let summary = try key.frequencies.summary()
        let uniqueness = Double(summary.singletons) / Double(summary.rowCount)
        metrics[Self.uniquenessKey(names)] = uniqueness
        var rows: [Int8]?
        if let single = key.frequencies.single {
            let codes = single.frequencies.codes, counts = single.frequencies.counts, columns = single.nulls
            rows = rowResults(single.selection) { row in
                codes[row] >= 0 && counts[Int(codes[row])] == 1 && columns.allSatisfy { !$0[row] }
            }
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

    // MARK: Moments

    func accumulateMoments(_ rule: DQDLRule, _ state: RuleState?) throws(RuleError) -> RuleState {
        let moments = try self.state(state) { MomentsState() }
        moments.moments.merge(try context.moments(try parameter(rule, 0), where: rule.whereClause))
        return moments
    }

    func finishMoments(_ rule: DQDLRule, _ state: RuleState?) throws(RuleError) -> RuleEvaluation {
        let moments = try finished(state, MomentsState.self).moments
        let name = try parameter(rule, 0)
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

    // MARK: ColumnCorrelation

    /// Pearson correlation over rows where both columns are present.
    func accumulateCorrelation(_ rule: DQDLRule, _ state: RuleState?) throws(RuleError) -> RuleState {
        let correlation = try self.state(state) { CorrelationState() }
        let first = try parameter(rule, 0), second = try parameter(rule, 1)
        let selection = try context.selection(rule.whereClause)
        guard case let .numeric(x, xValid, _) = try context.column(first) else { throw RuleError("Column '\(first)' is not numeric") }
        guard case let .numeric(y, yValid, _) = try context.column(second) else { throw RuleError("Column '\(second)' is not numeric") }
        var chunk = CoMoments()
        for row in 0..<context.rowCount where selection.contains(row) && xValid[row] && yValid[row] {
            chunk.add(x[row], y[row])
        }
        correlation.moments.merge(chunk)
        return correlation
    }

    func finishCorrelation(_ rule: DQDLRule, _ state: RuleState?) throws(RuleError) -> RuleEvaluation {
        let moments = try finished(state, CorrelationState.self).moments
        let first = try parameter(rule, 0), second = try parameter(rule, 1)
        let value = moments.correlation
        var metrics: [String: Double] = [:]
        if let value { metrics["Multicolumn.\(first),\(second).ColumnCorrelation"] = value }
        return try numberRule(rule, value: value, metrics: metrics,
                              undefinedReason: "correlation needs at least two rows with non-constant values")
    }
}
