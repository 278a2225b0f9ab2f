public import Logging

/// Something a person should look at: a ruleset that failed, a job that failed.
public struct PipelineAlert: Sendable, Hashable {
    /// A one-line subject (an SNS subject, a page title).
    public var subject: String
    /// The details.
    public var message: String
    /// The table concerned, when there is one.
    public var table: String?

    /// An alert.
    public init(subject: String, message: String, table: String? = nil) {
        self.subject = subject
        self.message = message
        self.table = table
    }
}

/// Where alerts go. The pipeline calls it and carries on with its own outcome; an alert sink
/// that fails makes the job fail (an alert lost silently is worse).
public protocol AlertSink: Sendable {
    /// Delivers `alert`.
    func send(_ alert: PipelineAlert) async throws
}

/// Alerts as error-level log records (swift-log), for a laptop or a log-scraping setup.
public struct LoggingAlertSink: AlertSink {
    private let logger: Logger

    /// Logs through `logger` (label `lakehouse.pipeline.alert` by default).
    public init(logger: Logger = Logger(label: "lakehouse.pipeline.alert")) {
        self.logger = logger
    }

    /// Logs `alert` at error level.
    public func send(_ alert: PipelineAlert) async throws {
        logger.error("\(alert.subject)", metadata: ["message": "\(alert.message)", "table": "\(alert.table ?? "-")"])
    }
}
