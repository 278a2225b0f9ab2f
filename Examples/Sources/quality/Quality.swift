import ArgumentParser
import LakePipeline
import MedallionSupport

/// Write-audit-publish for silver (the staged branch is checked and published only when its
/// ruleset passes) and gold's ruleset; exits 1 when a ruleset failed.
@main
struct Quality: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Audit staged silver (publish on pass) and check gold.")
    enum Layer: String, ExpressibleByArgument { case silver, gold, all }
    @OptionGroup var warehouse: WarehouseOptions
    @OptionGroup var rules: RulesetOptions
    @Option(help: "silver, gold or all.") var layer: Layer = .all

    func run() async throws {
        let lake = try warehouse.open()
        var failed = false
        if layer != .gold {
            let outcome = try await SilverAudit(warehouse: lake, ruleset: try rules.silver(), alerts: LoggingAlertSink()).run()
            print(Summary.audit(outcome))
            failed = failed || (outcome.report != nil && !outcome.published)
        }
        if layer != .silver {
            let report = try await GoldQuality(warehouse: lake, ruleset: try rules.gold(), alerts: LoggingAlertSink()).run()
            print(Summary.goldQuality(report))
            failed = failed || !(report?.allPassed ?? true)
        }
        print("quality: results in \(lake.qualityDirectory)/results.jsonl")
        if failed { throw ExitCode(1) }
    }
}
