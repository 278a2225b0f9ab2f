public import Foundation

extension DQReport {
    /// The report as JSON shaped like AWS Glue Data Quality's results: `Dataset`, `RowCount`,
    /// `Summary` (`TotalRules`, `Passed`, `Failed`, `Errors`), `RuleResults` (Glue's
    /// `DataQualityRuleResult` fields: `Rule`, `Outcome`, `FailureReason`, `EvaluatedMetrics`,
    /// `EvaluatedRule`, `Labels`) and `AnalyzerResults`; keys sorted, pretty-printed.
    public func glueJSON() throws(EncodingError) -> String {
        struct Document: Encodable {
            var Dataset: String
            var RowCount: Int
            var Summary: [String: Int]
            var RuleResults: [DQRuleResult]
            var AnalyzerResults: [DQAnalyzerResult]
        }
        let document = Document(Dataset: dataset, RowCount: rowCount,
                                Summary: ["TotalRules": results.count, "Passed": passedCount,
                                          "Failed": failedCount, "Errors": errorCount],
                                RuleResults: results, AnalyzerResults: analyzers)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        do {
            return String(decoding: try encoder.encode(document), as: UTF8.self)
        } catch let error as EncodingError {
            throw error
        } catch {
            throw EncodingError.invalidValue(document, EncodingError.Context(codingPath: [], debugDescription: "\(error)"))
        }
    }

    /// The report as aligned text for a terminal: a summary line, then one line per rule (with
    /// its failure reason and note) and the analyzers' metrics.
    public var text: String {
        var out = "\(dataset): \(rowCount) rows, \(results.count) rules — "
            + "\(passedCount) passed, \(failedCount) failed, \(errorCount) errors\n"
        for result in results {
            out += "  [\(result.outcome.rawValue)] \(result.rule)\n"
            if let reason = result.failureReason { out += "      \(reason)\n" }
            if let message = result.message { out += "      note: \(message)\n" }
        }
        for analyzer in analyzers {
            out += "  [Analyzer] \(analyzer.analyzer)\n"
            for key in analyzer.evaluatedMetrics.keys.sorted() {
                out += "      \(key) = \(analyzer.evaluatedMetrics[key].map { String($0) } ?? "")\n"
            }
            if let error = analyzer.error { out += "      error: \(error)\n" }
        }
        return out
    }
}
