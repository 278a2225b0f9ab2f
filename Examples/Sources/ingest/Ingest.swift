import ArgumentParser
import LakePipeline
import MedallionSupport

/// Bronze → silver: the log objects of `--bronze` not yet in silver, de-duplicated, staged on
/// the audit branch (run `quality` to publish them).
@main
struct Ingest: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Ingest new bronze log objects into silver.cloudfront (staged).")
    @OptionGroup var warehouse: WarehouseOptions
    @Option(help: "Bronze directory of CloudFront log objects (DIST.YYYY-MM-DD-HH.ID.gz).") var bronze: String
    @Option(help: "Branch to stage on ('main' publishes without an audit).") var branch = "audit"
    @Option(help: "Threads (default: the cores available).") var threads: Int?

    func run() async throws {
        var options = SilverIngest.Options()
        options.branch = branch
        if let threads { options.threads = threads }
        let report = try await SilverIngest(warehouse: try warehouse.open(), options: options).run(try BronzeObject.list(directory: bronze))
        print(Summary.ingest(report))
    }
}
