import Foundation
import IcebergKit
import CloudFrontLogs
import LakeColumnar
import Logging
import ParquetWriter

/// Bronze → silver: every bronze object not yet in silver's exactly-once ledger is parsed,
/// de-duplicated by `x_edge_request_id` and appended, with its rejects written beside.
///
/// Each object is one snapshot on the staging branch (``Options/branch``, `audit` by default;
/// ``SilverAudit`` publishes it to `main` once silver's ruleset passes) that records the object's
/// key (`AppendTransaction.recordSource`: a second ingest of the object, or two racing workers,
/// commit it once; the record outlives snapshot expiry in the table's `SourceLedger`), and in its
/// summary the rows, duplicates and rejects it accounted for. Rows keep their lineage
/// (`source_object` = the key, `source_line`). Memory: the batches in flight, the writer's open
/// files and the ``DeduplicationIndex``'s hours of the object in hand.
public struct SilverIngest: Sendable {
    /// How an ingest runs.
    public struct Options: Sendable {
        /// The branch commits land on (`main` to publish directly, without an audit).
        public var branch = "audit"
        /// Threads for inflating, parsing and encoding (see ``ThreadPlan``).
        public var threads = availableCores()
        /// Rows per parsed batch. The batches in flight — parsed ahead, being de-duplicated,
        /// waiting in the writer's sort buffer (rows, so not changed by this) — are a fifth of an
        /// ingest's memory: 4,096 rows (≈ 1.5 MB) rather than 8,192 took 6 MB off its peak.
        public var batchSize = 4_096
        /// Where rejects go, one `<key>.rejects.jsonl` per object (default: the warehouse's).
        public var rejectsDirectory: String?

        /// The defaults.
        public init() {}
    }

    /// What happened to one bronze object.
    public struct ObjectOutcome: Sendable {
        /// The object's key.
        public var key: String
        /// Whether it was already in silver (then nothing else was done).
        public var skipped: Bool
        /// Data lines read, rows appended, rows dropped as duplicates, lines rejected.
        public var dataLines = 0, appendedRows = 0, duplicateRows = 0, rejectedLines = 0
        /// The snapshot committed for it.
        public var snapshotID: Int64?
        /// The rejects file.
        public var rejectsPath: String?
    }

    /// What an ingest did.
    public struct Report: Sendable {
        /// One entry per object offered, in order.
        public var objects: [ObjectOutcome] = []
        /// Seconds spent.
        public var seconds = 0.0
        /// The branch committed to.
        public var branch = "audit"
        /// Objects ingested by this run.
        public var ingested: [ObjectOutcome] { objects.filter { !$0.skipped } }
        /// Totals over the objects ingested.
        public var dataLines: Int { ingested.reduce(0) { $0 + $1.dataLines } }
        /// Rows appended to silver.
        public var appendedRows: Int { ingested.reduce(0) { $0 + $1.appendedRows } }
        /// Rows left out as duplicates of rows silver holds.
        public var duplicateRows: Int { ingested.reduce(0) { $0 + $1.duplicateRows } }
        /// Lines rejected by the parser.
        public var rejectedLines: Int { ingested.reduce(0) { $0 + $1.rejectedLines } }
    }

    /// Summary keys of an ingest snapshot (besides `lakehouse.source`).
    public static let appendedRowsKey = "lakehouse.ingest.appended-rows"
    /// Rows dropped as duplicates.
    public static let duplicateRowsKey = "lakehouse.ingest.duplicate-rows"
    /// Lines rejected.
    public static let rejectedLinesKey = "lakehouse.ingest.rejected-lines"

    /// The warehouse written to.
    public let warehouse: MedallionWarehouse
    /// The options.
    public let options: Options
    private let logger = Logger(label: "lakehouse.pipeline.ingest")

    /// An ingest into `warehouse`'s silver table.
    public init(warehouse: MedallionWarehouse, options: Options = Options()) {
        self.warehouse = warehouse
        self.options = options
    }

    /// Ingests `objects` in order (see ``BronzeObject/list(directory:)``).
    public func run(_ objects: [BronzeObject]) async throws -> Report {
        let clock = ContinuousClock(), started = clock.now
        var report = Report(branch: options.branch)
        let index = DeduplicationIndex()
        let rejectsDirectory = options.rejectsDirectory ?? warehouse.rejectsDirectory
        for object in objects {
            let table = try await warehouse.silver()
            if try await table.hasCommitted(source: object.key, onBranch: options.branch) {
                report.objects.append(ObjectOutcome(key: object.key, skipped: true))
                continue
            }
            do {
                let outcome = try await ingest(object, into: table, index: index, rejectsDirectory: rejectsDirectory)
                logger.info("ingested", metadata: ["object": "\(object.key)", "rows": "\(outcome.appendedRows)",
                                                   "duplicates": "\(outcome.duplicateRows)", "rejects": "\(outcome.rejectedLines)"])
                report.objects.append(outcome)
                // The object's batches, row groups and keys are gone: their memory goes back to
                // the kernel before the next object, not on top of it.
                FreeMemory.release()
            } catch let error as IcebergError {
                try? index.release()
                // Another worker committed the object first: it is in silver once, as wanted.
                if case .validationFailed = error.kind,
                   try await warehouse.silver().hasCommitted(source: object.key, onBranch: options.branch) {
                    report.objects.append(ObjectOutcome(key: object.key, skipped: true))
                    continue
                }
                throw error
            }
        }
        report.seconds = (clock.now - started).seconds
        return report
    }

    /// The row-group size of silver's data files written by the ingest: the writer holds a row
    /// group's compressed pages until it is complete.
    static let rowGroupBytes = 6 << 20

    private func ingest(_ object: BronzeObject, into table: Table, index: DeduplicationIndex,
                        rejectsDirectory: String) async throws -> ObjectOutcome {
        let plan = ThreadPlan(threads: options.threads, gzipInput: isGzipFile(object.path))
        var properties = WriterProperties()
        properties.encodeLineNumbersAsDeltas()
        properties.encodingThreads = plan.encodingThreads
        // A row group is held compressed until complete (then handed to the file page by page):
        // 6 MiB (not the writer's 16) keeps an hourly million-line object's ingest under the
        // memory goal.
        properties.rowGroupBytes = Self.rowGroupBytes
        let append = try table.newAppend(properties: properties).toBranch(options.branch)
        append.recordSource(object.key)
        let safeName = object.key.replacingOccurrences(of: "/", with: "_")
        let rejects = try RejectsSink(path: rejectsDirectory + "/" + safeName + ".rejects.jsonl")
        var outcome = ObjectOutcome(key: object.key, skipped: false, rejectsPath: rejects.path)
        do {
            let batches = try LogBatches(path: object.path, name: object.key, options: CloudFrontParserOptions(batchSize: options.batchSize),
                                         prefetch: plan.parseAhead, inflateAhead: plan.inflateAhead)
            while let next = try batches.next() {
                for reject in next.rejects { try rejects.write(reject) }
                guard next.batch.rowCount > 0 else { continue }
                let (fresh, duplicates) = try await index.filter(next.batch, table: table, branch: options.branch)
                outcome.duplicateRows += duplicates
                guard fresh.rowCount > 0 else { continue }
                try await append.write(try fresh.conformed(to: append.schema))
                outcome.appendedRows += fresh.rowCount
            }
            let statistics = batches.statistics
            outcome.dataLines = statistics.dataLines
            outcome.rejectedLines = statistics.rejectedLines
            guard statistics.acceptedRows + statistics.rejectedLines == statistics.dataLines,
                  outcome.appendedRows + outcome.duplicateRows == statistics.acceptedRows else {
                throw PipelineError("\(object.key): accounting error: \(statistics.dataLines) data lines, \(statistics.acceptedRows) rows "
                                    + "(\(outcome.appendedRows) appended, \(outcome.duplicateRows) duplicates), \(statistics.rejectedLines) rejected")
            }
            append.setSummaryProperty(Self.appendedRowsKey, String(outcome.appendedRows))
            append.setSummaryProperty(Self.duplicateRowsKey, String(outcome.duplicateRows))
            append.setSummaryProperty(Self.rejectedLinesKey, String(outcome.rejectedLines))
            try rejects.close()
            let committed = try await append.commit()
            // The next object loads its hours from silver, which now holds this one's keys.
            try index.release()
            outcome.snapshotID = committed.metadata.refs[options.branch]?.snapshotID
            return outcome
        } catch {
            await append.abort()
            throw error
        }
    }
}

extension Duration {
    /// The duration in seconds.
    var seconds: Double {
        let (s, attoseconds) = components
        return Double(s) + Double(attoseconds) / 1e18
    }
}
