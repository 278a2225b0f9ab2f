public import Foundation

/// The services LakeAWS talks to, with their signing names and endpoint prefixes.
public enum AWSService: String, Sendable, Hashable, CaseIterable {
    case s3, glue, athena, cloudWatch = "monitoring", sns, sts

    /// The SigV4 signing name.
    public var signingName: String { rawValue }

    /// The `AWS_ENDPOINT_URL_<SERVICE>` suffix and the key in a `[services]` section.
    public var configKey: String {
        switch self {
        case .s3: return "s3"
        case .glue: return "glue"
        case .athena: return "athena"
        case .cloudWatch: return "cloudwatch"
        case .sns: return "sns"
        case .sts: return "sts"
        }
    }
}

/// Region and endpoint resolution as the AWS SDKs define it.
public struct AWSConfiguration: Sendable {
    public var region: String
    /// Endpoints set in code win over everything else.
    public var endpointOverrides: [AWSService: String]
    /// Path-style S3 addressing (`https://host/bucket/key`), needed by emulators and custom endpoints.
    public var forcePathStyle: Bool
    public var environment: [String: String]
    public var profile: AWSProfile?

    public init(region: String? = nil, endpointOverrides: [AWSService: String] = [:], forcePathStyle: Bool? = nil,
                environment: [String: String] = ProcessInfo.processInfo.environment,
                profile: AWSProfile? = nil) throws(AWSError) {
        let loadedProfile: AWSProfile
        if let profile { loadedProfile = profile } else { loadedProfile = try AWSProfile.load(environment: environment) }
        guard let resolved = region ?? Self.region(environment: environment, profile: loadedProfile) else {
            throw AWSError(.configuration, message: "no region: set AWS_REGION or AWS_DEFAULT_REGION, or region in the profile")
        }
        self.region = resolved
        self.endpointOverrides = endpointOverrides
        self.environment = environment
        self.profile = loadedProfile
        self.forcePathStyle = forcePathStyle ?? (environment["AWS_S3_FORCE_PATH_STYLE"] == "true" || loadedProfile["s3.addressing_style"] == "path")
    }

    /// `AWS_REGION`, then `AWS_DEFAULT_REGION`, then the profile's `region`.
    public static func region(environment: [String: String], profile: AWSProfile?) -> String? {
        if let value = environment["AWS_REGION"], !value.isEmpty { return value }
        if let value = environment["AWS_DEFAULT_REGION"], !value.isEmpty { return value }
        return profile?["region"]
    }

    /// The endpoint of `service`: code, `AWS_ENDPOINT_URL_<SERVICE>`, `AWS_ENDPOINT_URL`, the
    /// profile's `services` section, its `endpoint_url`, then `https://<prefix>.<region>.amazonaws.com`.
    /// `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true` skips the environment and profile steps.
    public func endpoint(for service: AWSService) -> String {
        if let override = endpointOverrides[service] { return override }
        if environment["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"]?.lowercased() != "true" {
            if let value = environment["AWS_ENDPOINT_URL_" + service.configKey.uppercased()], !value.isEmpty { return value }
            if let value = environment["AWS_ENDPOINT_URL"], !value.isEmpty { return value }
            if let value = profile?.services["\(service.configKey).endpoint_url"] { return value }
            if let value = profile?["endpoint_url"] { return value }
        }
        return "https://\(service.signingName).\(region).amazonaws.com"
    }
}
