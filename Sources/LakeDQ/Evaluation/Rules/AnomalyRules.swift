/// DetectAnomalies: the current metric against the spread of its history.
extension RuleRunner {
    /// The metric types anomaly detection can follow.
    static let anomalyMetrics: Set<String> = [
        "RowCount", "ColumnCount", "Completeness", "Uniqueness", "Mean", "Sum", "StandardDeviation", "Variance",
        "Entropy", "DistinctValuesCount", "UniqueValueRatio", "ColumnCorrelation", "CustomSql", "CustomSQL", "ColumnLength",
    ]

    /// Computes a metric without checking a condition: the rule runs with an always-true one.
    func measure(type: String, parameters: [DQDLParameter], whereClause: String? = nil) throws(RuleError) -> (Double?, [String: Double]) {
        let alwaysTrue = DQDLCondition.number(DQDLNumberCondition(op: .greaterEqual,
                                                                  operands: [.literal(value: -Double.greatestFiniteMagnitude, text: "-1")]))
        let probe = DQDLRule(type: type, parameters: parameters, condition: alwaysTrue, whereClause: whereClause)
        let evaluation = evaluate(.rule(probe), topLevel: false)
        if evaluation.outcome == .error { throw RuleError(evaluation.failureReason ?? "cannot compute \(type)") }
        return (evaluation.primaryMetric, evaluation.metrics)
    }

    /// Flags the current value when it falls outside mean ± 3σ of the earlier values; with
    /// fewer than three earlier values it passes and says so in the evaluation message.
    func detectAnomalies(_ rule: DQDLRule) throws(RuleError) -> RuleEvaluation {
        let names = try parameters(rule)
        var type = names[0]
        if type == "CustomSQL" { type = "CustomSql" }
        guard Self.anomalyMetrics.contains(type) else {
            throw RuleError("DetectAnomalies does not support metric \(names[0])")
        }
        let measured = try measure(type: type, parameters: names.dropFirst().map { DQDLParameter(form: .quoted, text: $0) })
        var metrics = measured.1
        let key: String
        let value: Double
        if type == "ColumnLength", names.count > 1 {
            key = "Column.\(names[1]).MaximumLength"
            guard let maximum = metrics[key] else { throw RuleError("ColumnLength of \(names[1]) has no values") }
            value = maximum
        } else {
            guard let primary = measured.0, let first = metrics.keys.sorted().first else {
                return RuleEvaluation(outcome: .failed, failureReason: "Value could not be computed for \(names[0])", metrics: metrics)
            }
            key = metrics.count == 1 ? first : (metrics.first { $0.value == primary }?.key ?? first)
            value = primary
        }
        let history = context.history(metric: key)
        metrics[key] = value
        guard history.count >= 3 else {
            var evaluation = RuleEvaluation(outcome: .passed, metrics: metrics, primaryMetric: value)
            evaluation.message = "Not enough history to detect anomalies: \(history.count) earlier value(s), 3 needed"
            return evaluation
        }
        var moments = Moments()
        for past in history { moments.add(past) }
        let deviation = moments.populationVariance.squareRoot()
        let lower = moments.mean - 3 * deviation, upper = moments.mean + 3 * deviation
        metrics["\(key).LowerBound"] = lower
        metrics["\(key).UpperBound"] = upper
        let holds = value >= lower && value <= upper
        return RuleEvaluation(outcome: holds ? .passed : .failed,
                              failureReason: holds ? nil : "Value: \(formatMetric(value)) is outside the expected range [\(formatMetric(lower)), \(formatMetric(upper))] learned from \(history.count) earlier runs.",
                              metrics: metrics, primaryMetric: value)
    }
}

/// Computes the metrics of the `Analyzers` section.
struct AnalyzerRunner {
    let context: DQEvaluationContext

    func run(_ analyzer: DQDLAnalyzer) -> DQAnalyzerResult {
        let runner = RuleRunner(context: context)
        var metrics: [String: Double] = [:]
        do {
            let parameters = analyzer.parameters
            switch analyzer.type {
            case "AllStatistics":
                let name = try runner.parameter(DQDLRule(type: analyzer.type, parameters: parameters), 0)
                let column = try context.column(name)
                var types = ["Completeness", "Uniqueness", "DistinctValuesCount", "UniqueValueRatio", "Entropy"]
                switch column {
                case .numeric: types += ["Mean", "Sum", "StandardDeviation", "Variance"]
                case .text: types.append("ColumnLength")
                default: break
                }
                for type in types {
                    metrics.merge(try runner.measure(type: type, parameters: parameters).1) { _, new in new }
                }
                if case .numeric = column {
                    let moments = try context.moments(name, where: nil)
                    if moments.count > 0 {
                        metrics["Column.\(name).Minimum"] = moments.minimum
                        metrics["Column.\(name).Maximum"] = moments.maximum
                    }
                }
            default:
                metrics = try runner.measure(type: analyzer.type, parameters: parameters).1
            }
            return DQAnalyzerResult(analyzer: analyzer.description, evaluatedMetrics: metrics, error: nil)
        } catch {
            return DQAnalyzerResult(analyzer: analyzer.description, evaluatedMetrics: metrics, error: error.message)
        }
    }
}
