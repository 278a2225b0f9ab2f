import Foundation

/// Runs independent reference implementations (pyarrow, DuckDB, cramjam, …) from the test venv.
///
/// The README's test command creates the venv and exports `LAKEHOUSE_PYTHON` plus
/// `LAKEHOUSE_REQUIRE_INTEROP=1`. A plain `swift test` without the venv skips interop tests;
/// with `LAKEHOUSE_REQUIRE_INTEROP=1` a missing venv is a failure, so CI can never skip them.
public enum Interop {
    /// The venv's python, when configured.
    public static var python: String? {
        guard let path = ProcessInfo.processInfo.environment["LAKEHOUSE_PYTHON"], !path.isEmpty,
              FileManager.default.isExecutableFile(atPath: path) else { return nil }
        return path
    }

    /// Whether interop tests must run (set by the README's test command).
    public static var required: Bool {
        ProcessInfo.processInfo.environment["LAKEHOUSE_REQUIRE_INTEROP"] == "1"
    }

    /// Whether interop tests should run: the venv exists, or it is required (and then fails loudly).
    public static var enabled: Bool { python != nil || required }

    /// The failure of a reference script.
    public struct Failure: Error, CustomStringConvertible {
        public var status: Int32
        public var stderr: String
        public var description: String { "reference script exited \(status): \(stderr)" }
    }

    /// Runs `script` with the venv's python, feeding `input` on stdin; returns stdout.
    public static func run(_ script: String, arguments: [String] = [], input: [UInt8] = []) throws -> [UInt8] {
        guard let python else {
            throw Failure(status: -1, stderr: "LAKEHOUSE_PYTHON is not set to the interop venv's python; run Scripts/test.sh")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-c", script] + arguments
        let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        // Write stdin and read both pipes concurrently so that large payloads cannot deadlock.
        let writer = Thread {
            stdin.fileHandleForWriting.write(Data(input))
            try? stdin.fileHandleForWriting.close()
        }
        writer.start()
        let errBox = DataBox()
        let errReader = Thread { errBox.data = stderr.fileHandleForReading.readDataToEndOfFile() }
        errReader.start()
        let out = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        while !errBox.done { usleep(1000) }
        guard process.terminationStatus == 0 else {
            throw Failure(status: process.terminationStatus, stderr: String(decoding: errBox.data, as: UTF8.self))
        }
        return [UInt8](out)
    }

    /// Runs `script` and decodes its stdout as UTF-8.
    public static func runText(_ script: String, arguments: [String] = [], input: [UInt8] = []) throws -> String {
        String(decoding: try run(script, arguments: arguments, input: input), as: UTF8.self)
    }
}

private final class DataBox: @unchecked Sendable {
    private let lock = NSLock()
    private var _data = Data()
    private var _done = false
    var data: Data {
        get { lock.withLock { _data } }
        set { lock.withLock { _data = newValue; _done = true } }
    }
    var done: Bool { lock.withLock { _done } }
}

/// A fresh temporary directory, removed by `cleanup()`.
public struct TemporaryDirectory: Sendable {
    public let path: String

    public init() throws {
        let base = FileManager.default.temporaryDirectory.path
        path = base + "/lakehouse-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    public func file(_ name: String) -> String { path + "/" + name }

    public func cleanup() { try? FileManager.default.removeItem(atPath: path) }
}
