/// DetectAnomalies: the current metric against the spread of its history.
extension RuleRunner {
    /// The metric types anomaly detection can follow.
    static let anomalyMetrics: Set<String> = [
        "RowCount", "ColumnCount", "Completeness", "Uniqueness", "Mean", "Sum", "StandardDeviation", "Variance",
        "Entropy", "DistinctValuesCount", "UniqueValueRatio", "ColumnCorrelation", "CustomSql", "CustomSQL", "ColumnLength",
    ]

    /// The rule that measures metric `type` without checking a condition: it runs with an
    /// always-true one.
    static func probe(type: String, parameters: [DQDLParameter], whereClause: String? = nil) -> DQDLRule {
        let alwaysTrue = DQDLCondition.number(DQDLNumberCondition(op: .greaterEqual,
                                                                  operands: [.literal(value: -Double.greatestFiniteMagnitude, text: "-1")]))
        return DQDLRule(type: type, parameters: parameters, condition: alwaysTrue, whereClause: whereClause)
    }

    /// The metric `probe` measured: its primary value and all its metrics.
    func measured(_ probe: DQDLRule, _ state: RuleState?) throws(RuleError) -> (Double?, [String: Double]) {
        let evaluation = try finish(probe, state)
        if evaluation.outcome == .error { throw RuleError(evaluation.failureReason ?? "cannot compute \(probe.type)") }
        return (evaluation.primaryMetric, evaluation.metrics)
    }

    /// The followed metric's rule type and parameters.
    private func anomalyProbe(_ rule: DQDLRule) throws(RuleError) -> DQDLRule {
        let names = try parameters(rule)
        guard var type = names.first else { throw RuleError("DetectAnomalies needs a metric") }
        if type == "CustomSQL" { type = "CustomSql" }
        guard Self.anomalyMetrics.contains(type) else {
            throw RuleError("DetectAnomalies does not support metric \(names[0])")
        }
        return Self.probe(type: type, parameters: names.dropFirst().map { DQDLParameter(form: .quoted, text: $0) })
    }

    func accumulateAnomalies(_ rule: DQDLRule, _ state: RuleState?) throws(RuleError) -> RuleState {
        let probe = try anomalyProbe(rule)
        let anomaly = try self.state(state) { AnomalyState(probe: probe) }
        anomaly.inner = try accumulate(probe, into: anomaly.inner)
        return anomaly
    }

    /// Flags the current value when it falls outside mean ± 3σ of the earlier values; with
    /// fewer than three earlier values it passes and says so in the evaluation message.
    func finishAnomalies(_ rule: DQDLRule, _ state: RuleState?) throws(RuleError) -> RuleEvaluation {
        let anomaly = try finished(state, AnomalyState.self)
        let names = try parameters(rule)
        let measured = try measured(anomaly.probe, anomaly.inner)
        var metrics = measured.1
        let key: String
        let value: Double
        if anomaly.probe.type == "ColumnLength", names.count > 1 {
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

/// Computes the metrics of one entry of the `Analyzers` section, a chunk at a time: each metric
/// is measured by a probe rule (``RuleRunner/probe(type:parameters:whereClause:)``).
final class AnalyzerAccumulator {
    let analyzer: DQDLAnalyzer
    private var probes: [DQDLRule]?
    private var states: [RuleState?] = []
    private var error: RuleError?
    /// AllStatistics of a numeric column also reports its minimum and maximum.
    private var reportsRange = false

    init(_ analyzer: DQDLAnalyzer) {
        self.analyzer = analyzer
    }

    private func makeProbes(_ runner: RuleRunner) throws(RuleError) -> [DQDLRule] {
        let parameters = analyzer.parameters
        guard analyzer.type == "AllStatistics" else { return [RuleRunner.probe(type: analyzer.type, parameters: parameters)] }
        let name = try runner.parameter(DQDLRule(type: analyzer.type, parameters: parameters), 0)
        var types = ["Completeness", "Uniqueness", "DistinctValuesCount", "UniqueValueRatio", "Entropy"]
        switch try runner.context.field(name).type {
        case .int32, .int64, .float32, .float64, .decimal, .date32, .timestampMicroseconds:
            types = ["Mean", "Sum", "StandardDeviation", "Variance"] + types
            reportsRange = true
        case .binary, .string, .fixedSizeBinary, .dictionaryString:
            types.append("ColumnLength")
        default:
            break
        }
        return types.map { RuleRunner.probe(type: $0, parameters: parameters) }
    }

    func add(_ runner: RuleRunner) {
        guard error == nil else { return }
        do throws(RuleError) {
            let probes: [DQDLRule]
            if let existing = self.probes {
                probes = existing
            } else {
                probes = try makeProbes(runner)
                self.probes = probes
                states = Array(repeating: nil, count: probes.count)
            }
            for (index, probe) in probes.enumerated() {
                states[index] = try runner.accumulate(probe, into: states[index])
            }
        } catch {
            self.error = error
        }
    }

    func finish(_ runner: RuleRunner) -> DQAnalyzerResult {
        var metrics: [String: Double] = [:]
        do throws(RuleError) {
            if let error { throw error }
            for (index, probe) in (probes ?? []).enumerated() {
                metrics.merge(try runner.measured(probe, states[index]).1) { _, new in new }
                if reportsRange, probe.type == "Mean", let moments = (states[index] as? MomentsState)?.moments, moments.count > 0 {
                    let name = try runner.parameter(probe, 0)
                    metrics["Column.\(name).Minimum"] = moments.minimum
                    metrics["Column.\(name).Maximum"] = moments.maximum
                }
            }
            return DQAnalyzerResult(analyzer: analyzer.description, evaluatedMetrics: metrics, error: nil)
        } catch {
            return DQAnalyzerResult(analyzer: analyzer.description, evaluatedMetrics: metrics, error: error.message)
        }
    }
}
