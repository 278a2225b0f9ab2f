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

    /// The path of another executable of this package that `swift build --build-tests` built
    /// next to `lakehouse` (a test-support tool), when built.
    public static func sibling(_ name: String) -> String? {
        guard let path else { return nil }
        let sibling = URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent(name).path
        return FileManager.default.isExecutableFile(atPath: sibling) ? sibling : nil
    }

    /// The result of one run.
    public struct Run: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
    }

    /// Runs the executable with `arguments` in `directory` (with `environment`, default: this
    /// process's) to its end (an hour at most); standard output and error are captured.
    public static func run(_ arguments: [String], in directory: String, environment: [String: String]? = nil) throws -> Run {
        let run = try run(arguments, in: directory, timeout: .seconds(3_600), environment: environment)
        return Run(status: run.status, stdout: run.stdout, stderr: run.stderr)
    }
}
