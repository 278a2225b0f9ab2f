import Foundation

extension BuiltCLI {
    /// The result of one run under a time limit.
    public struct BoundedRun: Sendable {
        /// The exit status, or the signal number when ``signalled``.
        public var status: Int32
        /// The process was ended by a signal (a crash, or the kill after a time-out).
        public var signalled: Bool
        /// The process outlived the time limit and was killed.
        public var timedOut: Bool
        public var elapsed: Duration
        public var stdout: String
        public var stderr: String

        /// The non-empty lines of standard error.
        public var errorLines: [String] {
            stderr.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
        }
    }

    /// Runs the executable (`executable`, default: `lakehouse`) with `arguments` in `directory`
    /// (with `environment`, default: this process's), killing it (SIGKILL) if it runs longer
    /// than `timeout`; standard output and
    /// error are captured through files, so that large outputs cannot block the child.
    public static func run(_ arguments: [String], in directory: String, timeout: Duration,
                           environment: [String: String]? = nil, executable: String? = nil) throws -> BoundedRun {
        guard let path = executable ?? path else {
            throw Interop.Failure(status: -1, stderr: "the lakehouse executable is not built (swift build --build-tests)")
        }
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
        let clock = ContinuousClock()
        let started = clock.now
        try process.run()
        var timedOut = false
        while process.isRunning {
            if clock.now - started > timeout {
                timedOut = true
                kill(process.processIdentifier, SIGKILL)
                break
            }
            usleep(10_000)
        }
        process.waitUntilExit()
        let elapsed = clock.now - started
        try outHandle.close()
        try errHandle.close()
        return BoundedRun(status: process.terminationStatus, signalled: process.terminationReason == .uncaughtSignal,
                          timedOut: timedOut, elapsed: elapsed,
                          stdout: String(decoding: (try? Data(contentsOf: URL(fileURLWithPath: out))) ?? Data(), as: UTF8.self),
                          stderr: String(decoding: (try? Data(contentsOf: URL(fileURLWithPath: err))) ?? Data(), as: UTF8.self))
    }
}
