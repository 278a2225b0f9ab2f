import ArgumentParser
import Foundation
import IcebergKit
import LakeColumnar

/// A length of time given as a number and a unit: `500ms`, `90s`, `30m`, `12h`, `7d`.
struct RetentionDuration: ExpressibleByArgument {
    var milliseconds: Int64

    init?(argument: String) {
        let units: [(suffix: String, ms: Int64)] = [("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000)]
        for (suffix, ms) in units where argument.hasSuffix(suffix) {
            guard let n = Int64(argument.dropLast(suffix.count)), n >= 0 else { continue }
            let (product, overflow) = n.multipliedReportingOverflow(by: ms)
            guard !overflow else { return nil }
            milliseconds = product
            return
        }
        return nil
    }
}

extension IcebergCommand {
    struct ExpireSnapshotsCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "expire-snapshots",
            abstract: "Remove old snapshots and delete the files only they referenced.",
            discussion: "Without options, the table's history.expire.* properties decide (default: older than 5 days, keep 1). "
                + "Sources recorded for exactly-once ingestion are kept in the table's source ledger.")
        @OptionGroup var options: CatalogOptions
        @Argument(help: "namespace.table") var table: String
        @Option(help: "Expire snapshots older than this (e.g. 7d, 12h, 30m, 0s).") var olderThan: RetentionDuration?
        @Option(help: "Keep at least this many of each branch's newest snapshots.") var retainLast: Int?
        @Flag(help: "Print what would be expired and deleted; commit and delete nothing.") var dryRun = false

        func run() async throws {
            let t = try await options.open().loadTable(try TableIdentifier(parsing: table))
            var expiry = t.expireSnapshots()
            if let olderThan { expiry = expiry.expireOlderThan(currentTimeMs() - olderThan.milliseconds) }
            if let retainLast {
                guard retainLast >= 1 else { throw ValidationError("--retain-last must be at least 1") }
                expiry = expiry.retainLast(retainLast)
            }
            let result = dryRun ? try await expiry.dryRun() : try await expiry.commit()
            let after = dryRun ? t.metadata.snapshots.count - result.expiredSnapshotIDs.count : result.table.metadata.snapshots.count
            if dryRun {
                for id in result.expiredSnapshotIDs { print("would expire snapshot \(id)") }
            }
            print("snapshots: \(t.metadata.snapshots.count) → \(after) (\(dryRun ? "would expire" : "expired") \(result.expiredSnapshotIDs.count))")
            if !result.removedRefs.isEmpty { print("refs \(dryRun ? "to remove" : "removed"): \(result.removedRefs.joined(separator: ", "))") }
            print("\(dryRun ? "would delete" : "deleted"): \(result.deletedDataFiles) data files, \(result.deletedDeleteFiles) delete files, "
                  + "\(result.deletedManifests) manifests, \(result.deletedManifestLists) manifest lists, "
                  + "\(result.deletedStatisticsFiles) statistics files, \(result.deletedBytes) bytes")
            for failed in result.failedDeletes { FileHandle.standardError.write(Data("could not delete \(failed)\n".utf8)) }
        }
    }

    struct RemoveOrphansCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "remove-orphans",
            abstract: "Delete files under the table location that no metadata references.",
            discussion: "Only files older than --older-than (default 3d) are removed: a younger one may belong to a commit in flight. "
                + "A file the metadata names under another scheme or authority is an error and nothing is deleted.")
        @OptionGroup var options: CatalogOptions
        @Argument(help: "namespace.table") var table: String
        @Option(help: "Only files last modified longer ago than this (e.g. 3d, 12h).") var olderThan: RetentionDuration?
        @Flag(help: "List what would be deleted, delete nothing.") var dryRun = false

        func run() async throws {
            let t = try await options.open().loadTable(try TableIdentifier(parsing: table))
            var removal = t.removeOrphanFiles().dryRun(dryRun)
            if let olderThan { removal = removal.olderThan(currentTimeMs() - olderThan.milliseconds) }
            let result = try await removal.execute()
            for file in result.orphans { print(file.location) }
            print("\(dryRun ? "would delete" : "deleted") \(result.orphans.count) orphan files, \(result.bytes) bytes")
            for failed in result.failedDeletes { FileHandle.standardError.write(Data("could not delete \(failed)\n".utf8)) }
            if !result.incompleteWrites.isEmpty || !result.failedAborts.isEmpty {
                for write in result.incompleteWrites { print("incomplete upload \(write.location) (\(write.id))") }
                print("\(dryRun ? "would abort" : "aborted") \(result.incompleteWrites.count) incomplete uploads")
            }
            for write in result.failedAborts { FileHandle.standardError.write(Data("could not abort the upload of \(write.location) (\(write.id))\n".utf8)) }
        }
    }

    struct RewriteManifestsCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rewrite-manifests",
            abstract: "Merge the current snapshot's small manifests into few, clustered by partition (commit.manifest.target-size-bytes).")
        @OptionGroup var options: CatalogOptions
        @Argument(help: "namespace.table") var table: String
        @Option(help: "Target manifest size in bytes (default: the table's commit.manifest.target-size-bytes, else 8 MB).") var targetBytes: Int64?
        @Flag(help: "Print what would be rewritten; write and commit nothing.") var dryRun = false

        func run() async throws {
            let t = try await options.open().loadTable(try TableIdentifier(parsing: table))
            var rewrite = t.rewriteManifests()
            if let targetBytes { rewrite = rewrite.targetSizeBytes(targetBytes) }
            if dryRun {
                let result = try await rewrite.dryRun()
                print("manifests: \(result.manifestsBefore) → \(result.manifestsAfter) (would replace \(result.replaced), write \(result.created)), "
                      + "bytes now: \(result.bytesBefore)")
                return
            }
            let result = try await rewrite.commit()
            print("manifests: \(result.manifestsBefore) → \(result.manifestsAfter) (replaced \(result.replaced), wrote \(result.created)), "
                  + "bytes: \(result.bytesBefore) → \(result.bytesAfter)")
        }
    }

    struct CompactCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "compact",
            abstract: "Bin-pack small data files per partition into files of the target size (or --sort them), applying and dropping their deletes.",
            discussion: "Appends committed meanwhile are kept; a group a concurrent delete touched is skipped and reported (run again).")
        @OptionGroup var options: CatalogOptions
        @Argument(help: "namespace.table") var table: String
        @Option(name: .customLong("where"), help: "Only files that may hold rows matching this SQL predicate (e.g. \"day = DATE '2024-03-07'\").")
        var predicate: String?
        @Option(help: "Target file size in MB (default: the table's write.target-file-size-bytes, else 128).") var targetFileMegabytes: Int64?
        @Option(help: "Commit the partitions in up to this many commits as they finish (partial progress).") var maxCommits: Int = 1
        @Flag(help: "List the groups that would be rewritten, rewrite nothing.") var dryRun = false
        @Flag(help: "Sort strategy: rewrite the files not in the table's sort order (or --sort-by's), each output file sorted.")
        var sort = false
        @Option(name: .customLong("sort-by"), parsing: .upToNextOption,
                help: "Sort by these terms instead of the table's order: COL [ASC|DESC] [NULLS FIRST|LAST]..., e.g. status DESC id (implies --sort).")
        var sortBy: [String] = []
        @Option(help: "With --sort: rows per sorted run spilled before the runs are merged (the memory sorting takes).") var sortBufferRows: Int?

        func run() async throws {
            let t = try await options.open().loadTable(try TableIdentifier(parsing: table))
            var compaction = t.rewriteDataFiles().partialProgress(maxCommits: maxCommits)
            if sort || !sortBy.isEmpty {
                let words = sortBy.flatMap { $0.split(whereSeparator: { $0 == " " || $0 == "," }).map(String.init) }
                let fields = try SortTerms.fields(words, schema: t.schema)
                compaction = compaction.sort(by: fields.isEmpty ? nil : fields)
                if let sortBufferRows {
                    guard sortBufferRows > 0 else { throw ValidationError("--sort-buffer-rows must be positive") }
                    compaction = compaction.sortBufferRows(sortBufferRows)
                }
            }
            if let targetFileMegabytes {
                guard targetFileMegabytes > 0 else { throw ValidationError("--target-file-megabytes must be positive") }
                compaction = compaction.targetFileSizeBytes(targetFileMegabytes << 20)
            }
            if let predicate {
                do {
                    compaction = compaction.filter(try ColumnPredicate.parse(predicate, schema: try t.schema.columnarSchema()))
                } catch {
                    throw ValidationError("--where: \(error)")
                }
            }
            if dryRun {
                let bins = try await compaction.plan()
                let files = bins.reduce(0) { $0 + $1.count }
                let bytes = bins.reduce(Int64(0)) { $0 + $1.reduce(0) { $0 + $1.file.fileSizeInBytes } }
                print("would rewrite \(files) data files, \(bytes) bytes, in \(bins.count) groups")
                return
            }
            let result = try await compaction.execute(progress: { line in FileHandle.standardError.write(Data((line + "\n").utf8)) })
            print("data files: \(result.rewrittenDataFiles) → \(result.addedDataFiles), bytes: \(result.rewrittenBytes) → \(result.addedBytes), "
                  + "\(result.removedDeleteFiles) delete files dropped, \(result.commits) commits")
            for failed in result.failedCommits { FileHandle.standardError.write(Data("skipped: \(failed)\n".utf8)) }
        }
    }
}
