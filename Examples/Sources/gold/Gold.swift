import ArgumentParser
import LakePipeline
import MedallionSupport

/// Silver → gold.daily and gold.daily_top, recomputing only the days silver's new snapshots touched.
@main
struct Gold: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Bring gold.daily and gold.daily_top up to silver, incrementally.")
    @OptionGroup var warehouse: WarehouseOptions
    @Option(help: "Keys per day and dimension in gold.daily_top.") var top = 20

    func run() async throws {
        var job = GoldJob(warehouse: try warehouse.open())
        job.topN = top
        print(Summary.gold(try await job.run()))
    }
}
