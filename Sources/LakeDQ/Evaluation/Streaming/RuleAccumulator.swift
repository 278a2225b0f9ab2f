/// One top-level rule or composite of a ruleset, run over a dataset a chunk at a time.
final class RuleAccumulator {
    let node: DQDLRuleNode
    private var state: RuleState?
    private var error: RuleError?
    private let children: [RuleAccumulator]

    init(_ node: DQDLRuleNode) {
        self.node = node
        if case let .composite(_, operands, _) = node {
            children = operands.map(RuleAccumulator.init)
        } else {
            children = []
        }
    }

    /// Folds the chunk `runner` reads. A rule that cannot be evaluated keeps its first error.
    func add(_ runner: RuleRunner) {
        switch node {
        case let .rule(rule):
            guard error == nil else { return }
            do {
                state = try runner.accumulate(rule, into: state)
            } catch {
                self.error = error
            }
        case .composite:
            for child in children { child.add(runner) }
        }
    }

    /// The outcome over every chunk added; `runner` reads the dataset's summary.
    func finish(_ runner: RuleRunner) -> RuleEvaluation {
        switch node {
        case let .rule(rule):
            var evaluation: RuleEvaluation
            if let error {
                evaluation = RuleEvaluation(outcome: .error, failureReason: error.message)
            } else {
                do {
                    evaluation = try runner.finish(rule, state)
                } catch {
                    evaluation = RuleEvaluation(outcome: .error, failureReason: error.message)
                }
            }
            if evaluation.evaluatedRule.isEmpty { evaluation.evaluatedRule = runner.resolvedText(rule) }
            return evaluation
        case let .composite(op, operands, _):
            return runner.composite(op, operands, children.map { $0.finish(runner) })
        }
    }
}
