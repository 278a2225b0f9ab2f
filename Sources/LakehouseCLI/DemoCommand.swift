import ArgumentParser
import CloudFrontLogs
import LakeColumnar
import LakeDQ
import LakePipeline

/// The medallion on generated CloudFront logs in a local warehouse: generated bronze objects →
/// de-duplicated silver on an audit branch → silver's ruleset, then publish → incremental gold
/// tables → gold's ruleset → dashboard JSON and HTML. Argument parsing over LakePipeline's
/// ``Medallion``, as the `Examples/` package's `medallion` is.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo", abstract: "Run the medallion demo on generated CloudFront logs in a local warehouse.")

    @Option(help: "Warehouse directory.") var warehouse: String = "demo-warehouse"
    @Option(help: "Hourly log files to generate.") var files: Int = 6
    @Option(help: "Requests per file.") var rows: Int = 20_000
    @Option(help: "Generator seed.") var seed: UInt64 = 2024

    func run() async throws {
        let lake = try MedallionWarehouse.local(warehouse)
        // Bronze: gzip'd objects as CloudFront names them; the first gets two damaged lines so the
        // run shows the rejects path. The same seed names the same objects: a rerun adds nothing.
        let bronze = lake.directory + "/bronze/cloudfront"
        var generator = BronzeGenerator(seed: seed)
        let firstHour = Int64(CivilCalendar.days(year: 2024, month: 3, day: 7)) * 86_400_000_000 + 20 * 3_600_000_000
        _ = try generator.write(directory: bronze, objects: files, rows: rows, firstHourMicros: firstHour,
                                extraLines: BronzeGenerator.malformedLines)
        print("bronze: \(files) log files in \(bronze)")

        var medallion = Medallion(warehouse: lake, silverRuleset: try DQDLRuleset.parse(Self.silverRuleset),
                                  goldRuleset: try DQDLRuleset.parse(Self.goldRuleset))
        medallion.ingestOptions.rejectsDirectory = lake.directory + "/rejects/cloudfront"
        medallion.dashboardDirectory = lake.directory + "/gold"
        medallion.maintain = false
        let report = try await medallion.run(try BronzeObject.list(directory: bronze))

        let ingest = report.ingest
        if ingest.ingested.isEmpty {
            print("silver: nothing new: all \(ingest.objects.count) log files are already in silver.cloudfront")
        } else {
            let accepted = ingest.appendedRows + ingest.duplicateRows
            print("silver: \(accepted) typed rows from \(ingest.dataLines) data lines → silver.cloudfront (branch audit), "
                  + "\(ingest.duplicateRows) duplicates dropped, \(ingest.rejectedLines) rejected → \(lake.directory)/rejects/cloudfront "
                  + "(\(Int(Double(ingest.dataLines) / max(ingest.seconds, 1e-9))) lines/s)")
        }
        if let dq = report.audit.report {
            print("dq: silver: \(dq.results.count) rules over \(dq.rowCount) staged rows — \(dq.passedCount) passed, \(dq.failedCount) failed, "
                  + "\(dq.errorCount) errors → " + (report.audit.published ? "published to main" : "NOT published: \(report.audit.failure ?? "")"))
        }
        let days = report.gold.recomputedDays.map { CivilCalendar.isoDate(days: Int($0)) }
        print(days.isEmpty ? "gold: up to date" : "gold: \(days.joined(separator: ", ")) recomputed from \(report.gold.silverRowsRead) silver rows")
        if let dq = report.goldQuality { print("dq: gold: \(dq.passedCount) of \(dq.results.count) rules passed") }
        print("dashboard: \(report.dashboard.html) and \(report.dashboard.json)")
    }

    /// The silver ruleset (also in Sources/LakehouseCLI/Rulesets for `lakehouse dq run`).
    static let silverRuleset = String(decoding: PackageResources.silver_dqdl, as: UTF8.self)
    /// The gold ruleset, over `gold.daily`.
    static let goldRuleset = String(decoding: PackageResources.gold_dqdl, as: UTF8.self)
}
