import ArgumentParser
import Foundation
import IcebergKit
import LakeColumnar

/// `lakehouse iceberg branch|tag|refs`: branches and tags of a table, through ``ManageSnapshots``.
extension IcebergCommand {
    /// Retention options of a branch or tag (unset: left as they are, or the table defaults).
    struct RefRetention: ParsableArguments {
        @Option(help: "Branches: keep at least this many of the branch's snapshots when expiring.") var minSnapshotsToKeep: Int32?
        @Option(help: "Branches: snapshots older than this many milliseconds may be expired.") var maxSnapshotAgeMs: Int64?
        @Option(help: "The ref itself expires when older than this many milliseconds (never for main).") var maxRefAgeMs: Int64?

        var isEmpty: Bool { minSnapshotsToKeep == nil && maxSnapshotAgeMs == nil && maxRefAgeMs == nil }

        func apply(to change: ManageSnapshots, name: String, branch: Bool) throws {
            if !branch, minSnapshotsToKeep != nil || maxSnapshotAgeMs != nil {
                throw ValidationError("a tag takes only --max-ref-age-ms")
            }
            if let minSnapshotsToKeep { change.setMinSnapshotsToKeep(name, minSnapshotsToKeep) }
            if let maxSnapshotAgeMs { change.setMaxSnapshotAgeMs(name, maxSnapshotAgeMs) }
            if let maxRefAgeMs { change.setMaxRefAgeMs(name, maxRefAgeMs) }
        }
    }

    struct BranchCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "branch",
            abstract: "Create, remove, fast-forward, replace or set the retention of a branch.",
            discussion: """
                lakehouse iceberg branch NS.T create NAME [--snapshot ID]   (default: the current snapshot)
                lakehouse iceberg branch NS.T remove NAME                   (main cannot be removed)
                lakehouse iceberg branch NS.T fast-forward NAME --to OTHER  (refused unless OTHER descends from NAME)
                lakehouse iceberg branch NS.T replace NAME (--snapshot ID | --to OTHER)
                lakehouse iceberg branch NS.T retention NAME [--min-snapshots-to-keep N] [--max-snapshot-age-ms MS] [--max-ref-age-ms MS]
                Write-audit-publish: append with --branch audit, check it with scan --branch audit, then fast-forward main --to audit.
                """)
        enum Action: String, ExpressibleByArgument, CaseIterable {
            case create, remove, fastForward = "fast-forward", replace, retention
        }
        @OptionGroup var options: CatalogOptions
        @Argument(help: "namespace.table") var table: String
        @Argument(help: "create, remove, fast-forward, replace or retention") var action: Action
        @Argument(help: "The branch.") var name: String
        @Option(help: "The snapshot id (create, replace).") var snapshot: Int64?
        @Option(help: "The branch or tag to move to (fast-forward, replace).") var to: String?
        @OptionGroup(title: "Retention") var retention: RefRetention

        func validate() throws {
            switch action {
            case .create:
                guard to == nil else { throw ValidationError("create takes --snapshot, not --to") }
            case .remove:
                guard snapshot == nil, to == nil, retention.isEmpty else { throw ValidationError("remove takes no options") }
            case .fastForward:
                guard to != nil, snapshot == nil else { throw ValidationError("fast-forward needs --to OTHER (and no --snapshot)") }
            case .replace:
                guard (snapshot == nil) != (to == nil) else { throw ValidationError("replace needs exactly one of --snapshot ID and --to OTHER") }
            case .retention:
                guard snapshot == nil, to == nil, !retention.isEmpty else { throw ValidationError("retention needs a retention option and nothing else") }
            }
        }

        func run() async throws {
            let t = try await options.open().loadTable(try TableIdentifier(parsing: table))
            let change = t.manageSnapshots()
            switch action {
            case .create: change.createBranch(name, snapshotID: snapshot)
            case .remove: change.removeBranch(name)
            case .fastForward: change.fastForwardBranch(name, to: to ?? "")
            case .replace:
                if let snapshot { change.replaceBranch(name, snapshotID: snapshot) } else { change.replaceBranch(name, with: to ?? "") }
            case .retention: break
            }
            if action != .remove { try retention.apply(to: change, name: name, branch: true) }
            let committed = try await change.commit()
            print(RefsCommand.describe(name, committed.metadata.refs[name]))
        }
    }

    struct TagCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "tag",
            abstract: "Create, remove or replace a tag.",
            discussion: """
                lakehouse iceberg tag NS.T create NAME [--snapshot ID] [--max-ref-age-ms MS]   (default: the current snapshot)
                lakehouse iceberg tag NS.T remove NAME
                lakehouse iceberg tag NS.T replace NAME --snapshot ID
                """)
        enum Action: String, ExpressibleByArgument, CaseIterable {
            case create, remove, replace
        }
        @OptionGroup var options: CatalogOptions
        @Argument(help: "namespace.table") var table: String
        @Argument(help: "create, remove or replace") var action: Action
        @Argument(help: "The tag.") var name: String
        @Option(help: "The snapshot id (create, replace).") var snapshot: Int64?
        @Option(help: "The tag itself expires when older than this many milliseconds.") var maxRefAgeMs: Int64?

        func validate() throws {
            switch action {
            case .create: break
            case .remove: guard snapshot == nil, maxRefAgeMs == nil else { throw ValidationError("remove takes no options") }
            case .replace: guard snapshot != nil else { throw ValidationError("replace needs --snapshot ID") }
            }
        }

        func run() async throws {
            let t = try await options.open().loadTable(try TableIdentifier(parsing: table))
            let change = t.manageSnapshots()
            switch action {
            case .create: change.createTag(name, snapshotID: snapshot)
            case .remove: change.removeTag(name)
            case .replace: change.replaceTag(name, snapshotID: snapshot ?? -1)
            }
            if let maxRefAgeMs { change.setMaxRefAgeMs(name, maxRefAgeMs) }
            let committed = try await change.commit()
            print(RefsCommand.describe(name, committed.metadata.refs[name]))
        }
    }

    struct RefsCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "refs", abstract: "List a table's branches and tags.")
        @OptionGroup var options: CatalogOptions
        @Argument(help: "namespace.table") var table: String

        func run() async throws {
            let t = try await options.open().loadTable(try TableIdentifier(parsing: table))
            for name in t.metadata.refs.keys.sorted() { print(Self.describe(name, t.metadata.refs[name])) }
        }

        /// One line per ref: name, type, snapshot id, retention settings that are set.
        static func describe(_ name: String, _ ref: SnapshotRef?) -> String {
            guard let ref else { return "\(name)\tremoved" }
            var line = "\(name)\t\(ref.isBranch ? "branch" : "tag")\t\(ref.snapshotID)"
            if let v = ref.minSnapshotsToKeep { line += "\tmin-snapshots-to-keep=\(v)" }
            if let v = ref.maxSnapshotAgeMs { line += "\tmax-snapshot-age-ms=\(v)" }
            if let v = ref.maxRefAgeMs { line += "\tmax-ref-age-ms=\(v)" }
            return line
        }
    }
}

/// What `lakehouse iceberg scan` reads: a snapshot, branch or tag, the rows appended in a range,
/// or the changelog of a range, as one stream of batches.
struct IcebergScanSource {
    private var table: ScanBatches.AsyncIterator?
    private var appended: IncrementalAppendBatches.AsyncIterator?
    private var changelog: ChangelogBatches.AsyncIterator?

    /// Checks the options' combination before anything is read.
    static func validate(snapshot: Int64?, branch: String?, tag: String?, fromSnapshot: Int64?, toSnapshot: Int64?, changelog: Bool) throws {
        if [snapshot != nil, branch != nil, tag != nil].filter({ $0 }).count > 1 {
            throw ValidationError("--snapshot, --branch and --tag each choose what is read: give one")
        }
        if fromSnapshot != nil || changelog {
            guard snapshot == nil, tag == nil else { throw ValidationError("--from-snapshot and --changelog read a range: use --to-snapshot or --branch for its end") }
            guard branch == nil || toSnapshot == nil else { throw ValidationError("--to-snapshot and --branch both choose the range's end: give one") }
        } else if toSnapshot != nil {
            throw ValidationError("--to-snapshot needs --from-snapshot or --changelog")
        }
    }

    init(table t: Table, snapshot: Int64?, branch: String?, tag: String?, fromSnapshot: Int64?, toSnapshot: Int64?, changelog: Bool,
         columns: [String]?, batchRows: Int, decodeThreads: Int? = nil) throws {
        if fromSnapshot != nil || changelog {
            var end = toSnapshot
            if let branch {
                guard let ref = t.metadata.refs[branch], ref.isBranch else { throw IcebergError(.notFound("branch '\(branch)'")) }
                end = ref.snapshotID
            }
            if changelog {
                var scan = t.changelogScan(fromSnapshotExclusive: fromSnapshot, toSnapshotInclusive: end, columns: columns)
                scan.batchSize = batchRows
                self.changelog = scan.batches().makeAsyncIterator()
            } else {
                var scan = t.incrementalAppendScan(fromSnapshotExclusive: fromSnapshot, toSnapshotInclusive: end, columns: columns)
                scan.batchSize = batchRows
                appended = scan.batches().makeAsyncIterator()
            }
            return
        }
        var scan: TableScan
        if let name = branch ?? tag {
            guard let ref = t.metadata.refs[name] else { throw IcebergError(.notFound("\(branch != nil ? "branch" : "tag") '\(name)'")) }
            guard ref.isBranch == (branch != nil) else { throw ValidationError("'\(name)' is a \(ref.isBranch ? "branch: use --branch" : "tag: use --tag")") }
            scan = try t.scan(ref: name, columns: columns)
        } else {
            scan = t.scan(columns: columns, snapshotID: snapshot)
        }
        scan.batchSize = batchRows
        scan.decodeThreads = decodeThreads
        table = scan.batches().makeAsyncIterator()
    }

    mutating func next() async throws -> RecordBatch? {
        if table != nil { return try await table?.next() }
        if appended != nil { return try await appended?.next() }
        return try await changelog?.next()
    }
}
