import ArgumentParser
import LakePipeline
import MedallionSupport

/// gold → dashboard/daily.json and a self-contained dashboard/index.html.
@main
struct DashboardCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "dashboard", abstract: "Write daily.json and index.html from the gold tables.")
    @OptionGroup var warehouse: WarehouseOptions
    @Option(help: "Output directory (default: WAREHOUSE/dashboard).") var out: String?

    func run() async throws {
        print(Summary.dashboard(try await Dashboard(warehouse: try warehouse.open(), directory: out).write()))
    }
}
