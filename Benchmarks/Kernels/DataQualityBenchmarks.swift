import Benchmark
import Foundation
import LakeDQ

/// The demo's 20 silver rules (the ruleset `lakehouse demo` runs and `Benchmarks/run.sh`
/// compares with DuckDB), read from the CLI's sources so both harnesses measure the same rules.
let silverRulesetPath = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Sources/LakehouseCLI/Rulesets/silver.dqdl").path

/// The ruleset evaluated over the parsed log (every parser column) by a fresh evaluator.
func dataQualityBenchmarks() {
    nonisolated(unsafe) var ruleset: DQDLRuleset?
    kernel("DQDL 20 silver rules over \(Corpus.rows) rows") { benchmark in
        guard let ruleset else { return }
        let dataset = DQDataset(name: "silver.cloudfront", schema: Corpus.parsed.schema, batches: Corpus.parsed.batches)
        for _ in benchmark.scaledIterations {
            let report = try DQEvaluator().evaluate(ruleset, primary: dataset)
            guard report.errorCount == 0, report.results.count == 20 else { fatalError("ruleset did not evaluate: \(report.results)") }
            blackHole(report.passedCount)
        }
    } setup: {
        ruleset = try DQDLRuleset.parse(String(contentsOfFile: silverRulesetPath, encoding: .utf8))
        _ = Corpus.parsed
    }
}
