import Foundation

/// One CloudWatch metric value.
public struct MetricDatum: Sendable, Hashable {
    public var name: String
    public var value: Double
    /// `Count`, `Seconds`, `Bytes`, … (CloudWatch's unit names).
    public var unit: String?
    public var dimensions: [(name: String, value: String)] {
        get { dimensionPairs.map { ($0.name, $0.value) } }
        set { dimensionPairs = newValue.map { HeaderField($0.name, $0.value) } }
    }
    var dimensionPairs: [HeaderField]
    /// Seconds since the Unix epoch (default: now).
    public var timestamp: Double?

    public init(name: String, value: Double, unit: String? = nil, dimensions: [(name: String, value: String)] = [], timestamp: Double? = nil) {
        self.name = name
        self.value = value
        self.unit = unit
        self.dimensionPairs = dimensions.map { HeaderField($0.name, $0.value) }
        self.timestamp = timestamp
    }
}

/// CloudWatch `PutMetricData` (query protocol), batched.
public final class CloudWatchClient: Sendable {
    public let core: AWSServiceClient
    /// Data per request.
    public let batchSize: Int

    public init(configuration: AWSConfiguration, credentials: any CredentialProvider, transport: any HTTPTransport = AsyncHTTPClientTransport(),
                batchSize: Int = 1000) {
        self.core = AWSServiceClient(service: .cloudWatch, configuration: configuration, credentials: credentials, transport: transport)
        self.batchSize = max(1, min(batchSize, 1000))
    }

    public func putMetricData(namespace: String, _ data: [MetricDatum]) async throws(AWSError) {
        let caller = QueryCaller(core: core, version: "2010-08-01")
        var start = 0
        let formatter = ISO8601DateFormatter()
        while start < data.count {
            let batch = data[start..<min(start + batchSize, data.count)]
            start += batch.count
            var parameters: [(String, String)] = [("Namespace", namespace)]
            for (index, datum) in batch.enumerated() {
                let prefix = "MetricData.member.\(index + 1)."
                parameters.append((prefix + "MetricName", datum.name))
                parameters.append((prefix + "Value", String(datum.value)))
                if let unit = datum.unit { parameters.append((prefix + "Unit", unit)) }
                if let timestamp = datum.timestamp {
                    parameters.append((prefix + "Timestamp", formatter.string(from: Date(timeIntervalSince1970: timestamp))))
                }
                for (dimension, pair) in datum.dimensionPairs.enumerated() {
                    parameters.append((prefix + "Dimensions.member.\(dimension + 1).Name", pair.name))
                    parameters.append((prefix + "Dimensions.member.\(dimension + 1).Value", pair.value))
                }
            }
            _ = try await caller.call("PutMetricData", parameters)
        }
    }
}

/// SNS `Publish` (and `CreateTopic` for setup), query protocol.
public final class SNSClient: Sendable {
    public let core: AWSServiceClient

    public init(configuration: AWSConfiguration, credentials: any CredentialProvider, transport: any HTTPTransport = AsyncHTTPClientTransport()) {
        self.core = AWSServiceClient(service: .sns, configuration: configuration, credentials: credentials, transport: transport)
    }

    public func createTopic(_ name: String) async throws(AWSError) -> String {
        let result = try await QueryCaller(core: core, version: "2010-03-31").call("CreateTopic", [("Name", name)])
        guard let arn = result.value("TopicArn") else {
            throw AWSError(.malformedResponse, service: "sns", operation: "CreateTopic", message: "no TopicArn")
        }
        return arn
    }

    /// Publishes `message`; returns the message id.
    public func publish(topicARN: String, message: String, subject: String? = nil) async throws(AWSError) -> String {
        var parameters = [("TopicArn", topicARN), ("Message", message)]
        if let subject { parameters.append(("Subject", subject)) }
        let result = try await QueryCaller(core: core, version: "2010-03-31").call("Publish", parameters)
        guard let id = result.value("MessageId") else {
            throw AWSError(.malformedResponse, service: "sns", operation: "Publish", message: "no MessageId")
        }
        return id
    }
}

/// STS `GetCallerIdentity`.
public final class STSClient: Sendable {
    public let core: AWSServiceClient

    public init(configuration: AWSConfiguration, credentials: any CredentialProvider, transport: any HTTPTransport = AsyncHTTPClientTransport()) {
        self.core = AWSServiceClient(service: .sts, configuration: configuration, credentials: credentials, transport: transport)
    }

    public func callerIdentity() async throws(AWSError) -> (account: String, arn: String, userID: String) {
        let result = try await QueryCaller(core: core, version: "2011-06-15").call("GetCallerIdentity", [])
        return (result.value("Account") ?? "", result.value("Arn") ?? "", result.value("UserId") ?? "")
    }
}
