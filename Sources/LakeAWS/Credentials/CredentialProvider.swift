public import Foundation

/// Supplies credentials for signing; implementations cache and refresh as needed.
public protocol CredentialProvider: Sendable {
    func credentials() async throws(AWSError) -> AWSCredentials
}

/// One source of a credential chain: `nil` when it is not configured here, credentials when it
/// is, an error when it is configured but failed (the chain stops: a misconfiguration should not
/// silently fall through to other credentials).
public protocol CredentialSource: Sendable {
    /// Shown in errors and logs.
    var name: String { get }
    func load() async throws(AWSError) -> AWSCredentials?
}

/// Fixed credentials (set in code).
public struct StaticCredentials: CredentialSource, CredentialProvider {
    public let value: AWSCredentials
    public var name: String { "static" }

    public init(_ value: AWSCredentials) {
        self.value = value
    }

    public func load() async throws(AWSError) -> AWSCredentials? { value }
    public func credentials() async throws(AWSError) -> AWSCredentials { value }
}

/// `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, optional `AWS_SESSION_TOKEN`.
public struct EnvironmentCredentials: CredentialSource {
    public let environment: [String: String]
    public var name: String { "environment" }

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.environment = environment
    }

    public func load() async throws(AWSError) -> AWSCredentials? {
        guard let key = environment["AWS_ACCESS_KEY_ID"], !key.isEmpty else { return nil }
        guard let secret = environment["AWS_SECRET_ACCESS_KEY"], !secret.isEmpty else {
            throw AWSError(.credentials, message: "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not")
        }
        let token = environment["AWS_SESSION_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
        return AWSCredentials(accessKeyID: key, secretAccessKey: secret, sessionToken: token)
    }
}

/// The chain the SDKs use, cached and refreshed five minutes before expiry.
///
/// Order: explicit credentials, environment, web identity (`AWS_WEB_IDENTITY_TOKEN_FILE` +
/// `AWS_ROLE_ARN`), the shared files' profile, container credentials (ECS / EKS Pod Identity),
/// EC2 instance metadata (IMDSv2).
public actor CredentialChain: CredentialProvider {
    public let sources: [any CredentialSource]
    private var cached: AWSCredentials?
    /// Refresh this long before `expiration`.
    public let refreshMargin: Double

    public init(sources: [any CredentialSource], refreshMargin: Double = 300) {
        self.sources = sources
        self.refreshMargin = refreshMargin
    }

    /// The default chain for `environment` and `transport`.
    public static func standard(explicit: AWSCredentials? = nil,
                                environment: [String: String] = ProcessInfo.processInfo.environment,
                                transport: any HTTPTransport = AsyncHTTPClientTransport()) -> CredentialChain {
        var sources: [any CredentialSource] = []
        if let explicit { sources.append(StaticCredentials(explicit)) }
        sources.append(EnvironmentCredentials(environment: environment))
        sources.append(WebIdentityCredentials(environment: environment, transport: transport))
        sources.append(ProfileCredentials(environment: environment, transport: transport))
        sources.append(ContainerCredentials(environment: environment, transport: transport))
        sources.append(InstanceMetadataCredentials(environment: environment, transport: transport))
        return CredentialChain(sources: sources)
    }

    public func credentials() async throws(AWSError) -> AWSCredentials {
        if let cached, !needsRefresh(cached) { return cached }
        for source in sources {
            if let found = try await source.load() {
                cached = found
                return found
            }
        }
        throw AWSError(.credentials, message: "no credentials found (tried \(sources.map(\.name).joined(separator: ", ")))")
    }

    private func needsRefresh(_ credentials: AWSCredentials) -> Bool {
        guard let expiration = credentials.expiration else { return false }
        return Date().timeIntervalSince1970 >= expiration - refreshMargin
    }
}

/// Reads `AccessKeyId`, `SecretAccessKey`, `Token`, `Expiration` from a container/IMDS JSON body.
func credentialsFromJSON(_ body: [UInt8], source: String) throws(AWSError) -> AWSCredentials {
    guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
          let key = object["AccessKeyId"] as? String, let secret = object["SecretAccessKey"] as? String else {
        throw AWSError(.credentials, message: "\(source) returned no credentials")
    }
    let expiration = (object["Expiration"] as? String).flatMap(parseISO8601)
    return AWSCredentials(accessKeyID: key, secretAccessKey: secret, sessionToken: object["Token"] as? String,
                          expiration: expiration)
}

/// `2024-03-07T12:34:56Z` (fractional seconds allowed) as seconds since the epoch.
func parseISO8601(_ text: String) -> Double? {
    let formatter = ISO8601DateFormatter()
    if let date = formatter.date(from: text) { return date.timeIntervalSince1970 }
    formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    return formatter.date(from: text)?.timeIntervalSince1970
}
