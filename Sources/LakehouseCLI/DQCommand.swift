import ArgumentParser
import Foundation
import IcebergKit
import LakeColumnar
import LakeDQ

/// `lakehouse dq check|run`: validate DQDL rulesets and run them on Parquet files or Iceberg tables.
struct DQCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dq", abstract: "AWS Glue Data Quality (DQDL) rulesets, run in-process.",
        subcommands: [Check.self, Run.self])

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Validate a ruleset; print its canonical form or the errors.")
        @Argument(help: "The DQDL ruleset file.") var rules: String

        func run() throws {
            let text = try readText(rules)
            do {
                let ruleset = try DQDLRuleset.parse(text)
                print(ruleset.description, terminator: "")
            } catch {
                for diagnostic in error.diagnostics { FileHandle.standardError.write(Data("\(rules): \(diagnostic)\n".utf8)) }
                throw ExitCode(2)
            }
        }
    }

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Evaluate a ruleset; exit 0 only when every rule passes.",
            discussion: """
                Data is Parquet files (--data) or an Iceberg table of the catalog (--table NS.NAME; --catalog as for lakehouse iceberg).
                Reference datasets for RowCountMatch, ReferentialIntegrity, DatasetMatch, SchemaMatch and
                AggregateMatch come as --ref ALIAS=FILE.parquet or --ref ALIAS=NS.TABLE.
                """)
        @Option(help: "The DQDL ruleset file.") var rules: String
        @Option(parsing: .upToNextOption, help: "Parquet files of the primary dataset.") var data: [String] = []
        @Option(help: "An Iceberg table (namespace.table) of the catalog as the primary dataset.") var table: String?
        @Option(name: .customLong("ref"), help: "ALIAS=FILE.parquet or ALIAS=NAMESPACE.TABLE (repeatable).") var references: [String] = []
        @OptionGroup(title: "Catalog (for --table and table references)") var catalog: CatalogOptions
        @Option(help: "Directory of the metric history (dynamic rules, DetectAnomalies).") var history: String?
        @Option(help: "Output format: json or text.") var format: OutputFormat = .text
        @Flag(help: "Exit 0 even when rules fail or error.") var allowFailures = false
        @Option(help: "Dataset name for the history (default: the table or first file name).") var name: String?

        enum OutputFormat: String, ExpressibleByArgument { case json, text }

        func run() async throws {
            let text = try readText(rules)
            let ruleset: DQDLRuleset
            do {
                ruleset = try DQDLRuleset.parse(text)
            } catch {
                for diagnostic in error.diagnostics { FileHandle.standardError.write(Data("\(rules): \(diagnostic)\n".utf8)) }
                throw ExitCode(2)
            }
            let primaryName = name ?? table ?? data.first.map { ($0 as NSString).lastPathComponent } ?? "primary"
            // Opened once, and only when a table is read.
            var opened: (any Catalog)?
            func tables() throws -> any Catalog {
                if let opened { return opened }
                let made = try catalog.open()
                opened = made
                return made
            }
            // References are held in memory; the primary dataset streams through the rules.
            var referenceSets: [String: DQDataset] = [:]
            for reference in references {
                guard let equals = reference.firstIndex(of: "=") else { throw CLIError("--ref takes ALIAS=SOURCE, got \(reference)") }
                let alias = String(reference[..<equals]), source = String(reference[reference.index(after: equals)...])
                referenceSets[alias] = source.hasSuffix(".parquet")
                    ? try DQDataset.parquet(paths: [source], name: alias)
                    : try await Self.icebergDataset(source, name: alias, catalog: try tables())
            }
            let options = DQEvaluationOptions(history: history.map { DQMetricHistory(directory: $0) })
            let evaluator = DQEvaluator(options: options)
            let report: DQReport
            if let table {
                let opened = try await tables().loadTable(try TableIdentifier(parsing: table))
                report = try await Self.evaluate(ruleset, table: opened, name: primaryName, evaluator: evaluator,
                                                 references: referenceSets)
            } else {
                guard !data.isEmpty else { throw CLIError("give --data FILE.parquet… or --table NAMESPACE.TABLE") }
                report = try evaluator.evaluate(ruleset, parquet: data, name: primaryName, references: referenceSets)
            }
            switch format {
            case .json: print(try report.glueJSON())
            case .text: print(report.text, terminator: "")
            }
            if !report.allPassed && !allowFailures { throw ExitCode(1) }
        }

        /// Evaluates `ruleset` on `table`'s current snapshot, streamed: scan batches go through the
        /// rules as they are decoded, so memory does not grow with the table.
        static func evaluate(_ ruleset: DQDLRuleset, table: Table, name: String, evaluator: DQEvaluator,
                             references: [String: DQDataset] = [:]) async throws -> DQReport {
            let schema = try table.schema.columnarSchema()
            // Decode only the columns the rules read (at least one, for the row count).
            let columns = ruleset.columnsRead(in: schema).map { $0.isEmpty ? Array(schema.fields.prefix(1).map(\.name)) : $0 }
            let scan = table.scan(columns: columns)
            return try await evaluator.evaluate(ruleset, schema: schema, batches: scan.batches(), name: name,
                                                files: try await dataFiles(of: scan, table: table), references: references)
        }

        /// A table read whole, as a reference dataset (references are held in memory).
        static func icebergDataset(_ table: String, name: String, catalog: any Catalog) async throws -> DQDataset {
            let opened = try await catalog.loadTable(try TableIdentifier(parsing: table))
            let scan = opened.scan()
            let batches = try await scan.readAll()
            let schema = try opened.schema.columnarSchema()
            return DQDataset(name: name, schema: batches.first?.schema ?? schema, batches: batches,
                             files: try await dataFiles(of: scan, table: opened))
        }

        /// The data files a scan reads, for the File* rules (local warehouse paths are file://
        /// URLs). A file in an object store is described by its manifest: its size, and as its
        /// modification time the commit time of the snapshot that added it.
        static func dataFiles(of scan: TableScan, table: Table) async throws -> [DQFile] {
            try await scan.planFiles().map { task in
                let path = task.file.filePath
                if path.hasPrefix("file://") { return try DQFile.local(String(path.dropFirst(7))) }
                if !path.contains("://") { return try DQFile.local(path) }
                let added = table.metadata.snapshots.first { $0.sequenceNumber == task.dataSequenceNumber }?.timestampMs ?? 0
                return DQFile(path: path, size: task.file.fileSizeInBytes, modifiedMicroseconds: added * 1000)
            }
        }
    }
}

/// The ruleset file's text; an error naming the file says why it cannot be read or is not
/// UTF-8 text (and where).
private func readText(_ path: String) throws -> String {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
        throw CLIError("\(path): cannot read: no such file")
    }
    if isDirectory.boolValue { throw CLIError("\(path): cannot read: is a directory") }
    guard let data = FileManager.default.contents(atPath: path) else {
        throw CLIError("\(path): cannot read: \(FileManager.default.isReadableFile(atPath: path) ? "I/O error" : "permission denied")")
    }
    let bytes = [UInt8](data)
    guard let text = String(validating: bytes, as: UTF8.self) else {
        throw CLIError("\(path): not UTF-8 text (invalid byte at offset \(firstInvalidUTF8Offset(bytes)))")
    }
    return text
}

/// The offset of the first byte that breaks UTF-8 decoding.
private func firstInvalidUTF8Offset(_ bytes: [UInt8]) -> Int {
    var decoder = UTF8()
    var iterator = bytes.makeIterator()
    var offset = 0
    while true {
        switch decoder.decode(&iterator) {
        case let .scalarValue(scalar): offset += UTF8.width(scalar)
        case .emptyInput: return offset
        case .error: return offset
        }
    }
}

