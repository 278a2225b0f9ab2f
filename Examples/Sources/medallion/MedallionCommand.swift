import ArgumentParser
import LakePipeline
import MedallionSupport

/// Every job in order: ingest → quality (silver, publish) → gold → quality (gold) → maintain →
/// dashboard, over every bronze object not yet ingested.
@main
struct MedallionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "medallion", abstract: "Run the whole medallion pipeline once.")
    @OptionGroup var warehouse: WarehouseOptions
    @OptionGroup var rules: RulesetOptions
    @Option(help: "Bronze directory of CloudFront log objects (DIST.YYYY-MM-DD-HH.ID.gz).") var bronze: String
    @Flag(help: "Skip maintenance.") var noMaintain = false

    func run() async throws {
        var medallion = Medallion(warehouse: try warehouse.open(), silverRuleset: try rules.silver(), goldRuleset: try rules.gold())
        medallion.maintain = !noMaintain
        let report = try await medallion.run(try BronzeObject.list(directory: bronze))
        print(Summary.ingest(report.ingest))
        print(Summary.audit(report.audit))
        print(Summary.gold(report.gold))
        print(Summary.goldQuality(report.goldQuality))
        print(Summary.maintenance(report.maintenance))
        print(Summary.dashboard(report.dashboard))
    }
}
