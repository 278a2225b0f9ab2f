import Foundation
import LakeTestSupport
import Testing

/// Commands meeting exhausted or unreachable resources: a file size limit (`ulimit -f`, the
/// closest an unprivileged test gets to a full disk: writes fail with EFBIG), an AWS endpoint
/// that refuses connections, no AWS credentials, a read-only warehouse or catalog. Each must fail within seconds with one line
/// saying what and where, and publish nothing: no output file, no snapshot.
@Suite("lakehouse under resource faults", .enabled(if: BuiltCLI.path != nil || Interop.required), .serialized)
struct ResourceFaultTests {
    static let limitBlocks = 512  // 1-KiB blocks: 512 KiB per file

    /// Runs the CLI under a file size limit, SIGXFSZ ignored so that writes fail with EFBIG
    /// (as on a full disk) instead of killing the process.
    static func limited(_ arguments: [String], in directory: String) throws -> BuiltCLI.BoundedRun {
        let cli = try #require(BuiltCLI.path)
        let quoted = ([cli] + arguments).map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
        return try BuiltCLI.run(["-c", "trap '' XFSZ; ulimit -f \(limitBlocks); exec \(quoted)"], in: directory,
                                timeout: .seconds(120), executable: "/bin/bash")
    }

    static func mustSucceed(_ arguments: [String], in directory: String) throws -> String {
        let run = try BuiltCLI.run(arguments, in: directory)
        try #require(run.status == 0, "\(arguments): \(run.stderr)")
        return run.stdout + run.stderr
    }

    @Test("a full disk (EFBIG) during convert, append and compaction: one-line error naming the file, no output, no snapshot; the same commands then succeed",
          .timeLimit(.minutes(10)))
    func fileSizeLimit() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let root = directory.path
        // Two logs whose Parquet and Iceberg data files exceed the limit (≈ 0.7 MB each).
        _ = try Self.mustSucceed(["cloudfront", "generate", "--rows", "10000", "--files", "2", "--out", "logs", "--seed", "4"], in: root)
        let logs = try FileManager.default.contentsOfDirectory(atPath: directory.file("logs")).sorted().map { "logs/" + $0 }
        let catalog = ["--catalog", "wh/catalog.db", "--warehouse", "wh"]

        let convert = try Self.limited(["cloudfront", "convert"] + logs + ["--out", "out.parquet"], in: root)
        #expect(convert.status != 0 && !convert.signalled && !convert.timedOut)
        #expect(convert.errorLines.count == 1 && convert.stderr.contains("out.parquet") && convert.stderr.contains("File too large"), "\(convert.stderr)")
        #expect(!FileManager.default.fileExists(atPath: directory.file("out.parquet")), "no half-written Parquet file")

        _ = try Self.mustSucceed(["iceberg", "create", "silver.cf"] + catalog, in: root)
        let append = try Self.limited(["iceberg", "append", "silver.cf"] + logs + catalog, in: root)
        #expect(append.status != 0 && !append.signalled && !append.timedOut)
        #expect(append.errorLines.count == 1 && append.stderr.contains(".parquet") && append.stderr.contains("File too large"), "\(append.stderr)")
        #expect(try Self.mustSucceed(["iceberg", "snapshots", "silver.cf"] + catalog, in: root).isEmpty, "the failed append committed nothing")

        // Small appends fit; compacting them into one file per day does not.
        for log in logs {
            _ = try Self.mustSucceed(["iceberg", "append", "silver.cf", log] + catalog, in: root)
        }
        let before = try Self.mustSucceed(["iceberg", "snapshots", "silver.cf"] + catalog, in: root)
        let compact = try Self.limited(["iceberg", "compact", "silver.cf"] + catalog, in: root)
        #expect(compact.status != 0 && !compact.signalled && !compact.timedOut)
        #expect(compact.stderr.contains("File too large"), "\(compact.stderr)")
        #expect(try Self.mustSucceed(["iceberg", "snapshots", "silver.cf"] + catalog, in: root) == before, "the failed compaction committed nothing")
        let count = try Self.mustSucceed(["iceberg", "scan", "silver.cf", "--discard"] + catalog, in: root)
        #expect(count.contains("20000 rows"), "every row still reads: \(count)")

        // Without the limit the same commands succeed.
        _ = try Self.mustSucceed(["iceberg", "compact", "silver.cf"] + catalog, in: root)
        _ = try Self.mustSucceed(["cloudfront", "convert"] + logs + ["--out", "out.parquet"], in: root)
    }

    /// Whether this process may mount (root with CAP_SYS_ADMIN, as in the test container): a
    /// read-only bind mount in a private mount namespace (`unshare -m`) is the only read-only
    /// warehouse root cannot write to (it ignores mode bits).
    static let canMountReadOnly: Bool = {
        guard let directory = try? TemporaryDirectory() else { return false }
        defer { directory.cleanup() }
        let d = directory.path
        let run = try? BuiltCLI.run(["-m", "/bin/sh", "-c", "mount --bind '\(d)' '\(d)' && mount -o remount,ro,bind '\(d)' && ! touch '\(d)/x' 2>/dev/null"],
                                    in: d, timeout: .seconds(10), executable: "/usr/bin/unshare")
        return run?.status == 0
    }()

    /// Runs the CLI with `readOnly` bind-mounted read-only over itself, for this process only.
    static func readOnly(_ readOnly: String, _ arguments: [String], in directory: String) throws -> BuiltCLI.BoundedRun {
        let cli = try #require(BuiltCLI.path)
        let quoted = ([cli] + arguments).map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
        return try BuiltCLI.run(["-m", "/bin/sh", "-c", "mount --bind '\(readOnly)' '\(readOnly)' && mount -o remount,ro,bind '\(readOnly)' && exec \(quoted)"],
                                in: directory, timeout: .seconds(60), executable: "/usr/bin/unshare")
    }

    static func files(under path: String) -> [String] {
        ((FileManager.default.enumerator(atPath: path)?.allObjects as? [String]) ?? []).sorted()
    }

    /// Two generated logs appended to `silver.cf` on a SQLite catalog in `catalog/` (warehouse
    /// `wh`): the logs, the catalog arguments, and the table's snapshot listing.
    static func tableOfTwoAppends(in directory: TemporaryDirectory) throws -> (logs: [String], catalog: [String], snapshots: String) {
        let root = directory.path
        _ = try mustSucceed(["cloudfront", "generate", "--rows", "2000", "--files", "2", "--out", "logs", "--seed", "4"], in: root)
        let logs = try FileManager.default.contentsOfDirectory(atPath: directory.file("logs")).sorted().map { "logs/" + $0 }
        try FileManager.default.createDirectory(atPath: directory.file("catalog"), withIntermediateDirectories: true)
        let catalog = ["--catalog", "catalog/catalog.db", "--warehouse", "wh"]
        _ = try mustSucceed(["iceberg", "create", "silver.cf"] + catalog, in: root)
        for log in logs { _ = try mustSucceed(["iceberg", "append", "silver.cf", log] + catalog, in: root) }
        return (logs, catalog, try mustSucceed(["iceberg", "snapshots", "silver.cf"] + catalog, in: root))
    }

    @Test("a read-only warehouse: append and compaction fail with one line naming the file and the read-only filesystem, commit nothing, write nothing; reads work",
          .enabled(if: canMountReadOnly, "needs mount privileges (unshare -m, mount --bind -o ro)"), .timeLimit(.minutes(5)))
    func readOnlyWarehouse() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let root = directory.path
        // The catalog beside the warehouse, writable: only the warehouse is read-only.
        let (logs, catalog, snapshots) = try Self.tableOfTwoAppends(in: directory)
        let before = Self.files(under: directory.file("wh"))

        for command in [["iceberg", "append", "silver.cf"] + logs, ["iceberg", "compact", "silver.cf"]] {
            let run = try Self.readOnly(directory.file("wh"), command + catalog, in: root)
            #expect(run.status != 0 && !run.signalled && !run.timedOut, "\(command): \(run.status) \(run.stderr)")
            #expect(run.errorLines.count == 1 && run.stderr.contains(directory.file("wh/silver.db/cf/"))
                    && run.stderr.contains("Read-only file system") && !run.stderr.contains(".tmp-"), "\(command): \(run.stderr)")
            #expect(try Self.mustSucceed(["iceberg", "snapshots", "silver.cf"] + catalog, in: root) == snapshots, "\(command) committed")
            #expect(Self.files(under: directory.file("wh")) == before, "\(command) left files")
        }
        let scan = try Self.readOnly(directory.file("wh"), ["iceberg", "scan", "silver.cf", "--discard"] + catalog, in: root)
        #expect(scan.status == 0 && (scan.stdout + scan.stderr).contains("4000 rows"), "reads need no write: \(scan.stdout) \(scan.stderr)")
    }

    @Test("a read-only SQLite catalog (WAL mode, no -shm file can be made): scan, snapshots and describe work; create, append and compaction fail with one line naming the catalog, commit nothing, leave nothing",
          .enabled(if: canMountReadOnly, "needs mount privileges (unshare -m, mount --bind -o ro)"), .timeLimit(.minutes(5)))
    func readOnlyCatalog() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let root = directory.path
        let (logs, catalog, snapshots) = try Self.tableOfTwoAppends(in: directory)
        let catalogFiles = Self.files(under: directory.file("catalog")), warehouseFiles = Self.files(under: directory.file("wh"))

        // Only the catalog's directory read-only (the warehouse writable), then both.
        for readOnly in [directory.file("catalog"), root] {
            let scan = try Self.readOnly(readOnly, ["iceberg", "scan", "silver.cf", "--discard"] + catalog, in: root)
            #expect(scan.status == 0 && (scan.stdout + scan.stderr).contains("4000 rows"), "reads need no write: \(scan.stdout) \(scan.stderr)")
            let listed = try Self.readOnly(readOnly, ["iceberg", "snapshots", "silver.cf"] + catalog, in: root)
            #expect(listed.status == 0 && listed.stdout + listed.stderr == snapshots, "\(listed.stderr)")
            let described = try Self.readOnly(readOnly, ["iceberg", "describe", "silver.cf"] + catalog, in: root)
            #expect(described.status == 0, "\(described.stderr)")

            for command in [["iceberg", "create", "silver.other"], ["iceberg", "append", "silver.cf"] + logs, ["iceberg", "compact", "silver.cf"]] {
                let run = try Self.readOnly(readOnly, command + catalog, in: root)
                #expect(run.status != 0 && !run.signalled && !run.timedOut, "\(command): \(run.status) \(run.stderr)")
                // With the warehouse writable the catalog refuses the change; with both read-only
                // the first file written may be a data file: either way one line, read-only.
                let named = readOnly == root ? run.stderr.contains("wh/silver.db/cf/") || run.stderr.contains("catalog/catalog.db")
                    : run.stderr.contains("catalog/catalog.db")
                // (A compaction logs its rewrite before the commit is refused: one `Error:` line.)
                #expect(run.errorLines.filter { $0.hasPrefix("Error") }.count == 1 && named && run.stderr.lowercased().contains("read-only"),
                        "\(command): \(run.stderr)")
                #expect(try Self.mustSucceed(["iceberg", "snapshots", "silver.cf"] + catalog, in: root) == snapshots, "\(command) committed")
                #expect(Self.files(under: directory.file("wh")) == warehouseFiles, "\(command) left files")
                #expect(Self.files(under: directory.file("catalog")) == catalogFiles, "\(command) changed the catalog's directory")
            }
        }
    }

    /// An environment with no AWS configuration but what is given.
    static func awsEnvironment(_ extra: [String: String], home: String) -> [String: String] {
        var environment = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "HOME": home,
                           "AWS_EC2_METADATA_DISABLED": "true"]
        environment.merge(extra) { _, new in new }
        return environment
    }

    @Test("an endpoint that refuses connections fails in seconds after the retry policy's attempts (it took 3 minutes), AWS_MAX_ATTEMPTS=1 at once; no credentials is an immediate error")
    func unreachableEndpointAndNoCredentials() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        // A port nothing listens on: bound, then closed.
        let port = try closedPort()
        let arguments = ["aws", "s3", "ls", "s3://bucket/prefix", "--region", "us-east-1", "--endpoint-url", "http://127.0.0.1:\(port)"]
        let credentials = ["AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "secret"]

        let refused = try BuiltCLI.run(arguments, in: directory.path, timeout: .seconds(60),
                                       environment: Self.awsEnvironment(credentials, home: directory.path))
        #expect(refused.status != 0 && !refused.timedOut)
        #expect(refused.elapsed < .seconds(15), "\(refused.elapsed)")
        #expect(refused.errorLines.count == 1 && refused.stderr.contains("3 attempt") && refused.stderr.contains("127.0.0.1:\(port)"), "\(refused.stderr)")

        let once = try BuiltCLI.run(arguments, in: directory.path, timeout: .seconds(60),
                                    environment: Self.awsEnvironment(credentials.merging(["AWS_MAX_ATTEMPTS": "1"]) { _, b in b }, home: directory.path))
        #expect(once.status != 0 && once.elapsed < .seconds(5) && once.stderr.contains("1 attempt"), "\(once.elapsed): \(once.stderr)")

        let anonymous = try BuiltCLI.run(arguments, in: directory.path, timeout: .seconds(60),
                                         environment: Self.awsEnvironment([:], home: directory.path))
        #expect(anonymous.status != 0 && anonymous.elapsed < .seconds(5))
        #expect(anonymous.errorLines.count == 1 && anonymous.stderr.contains("no credentials"), "\(anonymous.stderr)")
    }

    func closedPort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        try #require(fd >= 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        try #require(bound == 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
