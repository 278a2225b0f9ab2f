import Foundation

/// The debug `lakehouse` executable that `swift build --build-tests` produces, for tests that
/// run the command line as users do.
public enum BuiltCLI {
    /// Its path, when built.
    public static var path: String? {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let path = root.appendingPathComponent(".build/debug/lakehouse").path
        return FileManager.default.isExecutableFile(atPath: path) ? path : nil
    }

    /// The result of one run.
    public struct Run: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
    }

    /// Runs the executable with `arguments` in `directory` (with `environment`, default: this
    /// process's); standard output and error are captured (through files, so that large outputs
    /// cannot block the child).
    public static func run(_ arguments: [String], in directory: String, environment: [String: String]? = nil) throws -> Run {
        guard let path else { throw Interop.Failure(status: -1, stderr: "the lakehouse executable is not built (swift build --build-tests)") }
        let out = directory + "/.cli-stdout-\(UUID().uuidString)", err = directory + "/.cli-stderr-\(UUID().uuidString)"
        _ = FileManager.default.createFile(atPath: out, contents: nil)
        _ = FileManager.default.createFile(atPath: err, contents: nil)
        defer {
            try? FileManager.default.removeItem(atPath: out)
            try? FileManager.default.removeItem(atPath: err)
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        if let environment { process.environment = environment }
        let outHandle = try FileHandle(forWritingTo: URL(fileURLWithPath: out))
        let errHandle = try FileHandle(forWritingTo: URL(fileURLWithPath: err))
        process.standardOutput = outHandle
        process.standardError = errHandle
        try process.run()
        process.waitUntilExit()
        try outHandle.close()
        try errHandle.close()
        return Run(status: process.terminationStatus,
                   stdout: (try? String(contentsOfFile: out, encoding: .utf8)) ?? "",
                   stderr: (try? String(contentsOfFile: err, encoding: .utf8)) ?? "")
    }
}
