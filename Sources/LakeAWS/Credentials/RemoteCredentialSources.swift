public import Foundation

/// The shared files' profile: static keys, or `role_arn` + `web_identity_token_file`.
public struct ProfileCredentials: CredentialSource {
    public let environment: [String: String]
    public let profileName: String?
    public let transport: any HTTPTransport
    public var name: String { "profile \(profileName ?? environment["AWS_PROFILE"] ?? "default")" }

    public init(profile: String? = nil, environment: [String: String] = ProcessInfo.processInfo.environment,
                transport: any HTTPTransport = AsyncHTTPClientTransport()) {
        self.profileName = profile
        self.environment = environment
        self.transport = transport
    }

    public func load() async throws(AWSError) -> AWSCredentials? {
        let profile = try AWSProfile.load(name: profileName, environment: environment)
        if let key = profile["aws_access_key_id"] {
            guard let secret = profile["aws_secret_access_key"] else {
                throw AWSError(.credentials, message: "profile \(profile.name) has aws_access_key_id but no aws_secret_access_key")
            }
            return AWSCredentials(accessKeyID: key, secretAccessKey: secret, sessionToken: profile["aws_session_token"])
        }
        if let role = profile["role_arn"], let tokenFile = profile["web_identity_token_file"] {
            var env = environment
            env["AWS_ROLE_ARN"] = role
            env["AWS_WEB_IDENTITY_TOKEN_FILE"] = tokenFile
            if let session = profile["role_session_name"] { env["AWS_ROLE_SESSION_NAME"] = session }
            if env["AWS_REGION"] == nil, let region = profile["region"] { env["AWS_REGION"] = region }
            return try await WebIdentityCredentials(environment: env, transport: transport).load()
        }
        if profileName != nil || environment["AWS_PROFILE"] != nil, profile.settings.isEmpty {
            throw AWSError(.credentials, message: "profile \(profile.name) not found in the shared config or credentials files")
        }
        return nil
    }
}

/// EKS IRSA: STS `AssumeRoleWithWebIdentity` (unsigned) with the token file's JWT.
public struct WebIdentityCredentials: CredentialSource {
    public let environment: [String: String]
    public let transport: any HTTPTransport
    public var name: String { "web identity" }

    public init(environment: [String: String] = ProcessInfo.processInfo.environment,
                transport: any HTTPTransport = AsyncHTTPClientTransport()) {
        self.environment = environment
        self.transport = transport
    }

    public func load() async throws(AWSError) -> AWSCredentials? {
        guard let tokenFile = environment["AWS_WEB_IDENTITY_TOKEN_FILE"], let role = environment["AWS_ROLE_ARN"] else { return nil }
        let token = try readToken(tokenFile, what: "the web identity token file")
        let session = environment["AWS_ROLE_SESSION_NAME"] ?? "lakehouse-\(Int(Date().timeIntervalSince1970))"
        let region = environment["AWS_REGION"] ?? environment["AWS_DEFAULT_REGION"] ?? "us-east-1"
        let endpoint = environment["AWS_ENDPOINT_URL_STS"] ?? environment["AWS_ENDPOINT_URL"] ?? "https://sts.\(region).amazonaws.com"
        let body = QueryProtocol.encode(action: "AssumeRoleWithWebIdentity", version: "2011-06-15", parameters: [
            ("RoleArn", role), ("RoleSessionName", session), ("WebIdentityToken", token),
        ])
        let request = HTTPRequest(method: "POST", url: endpoint.hasSuffix("/") ? endpoint : endpoint + "/",
                                  headers: [HeaderField("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")],
                                  body: Array(body.utf8))
        let response = try await transport.send(request, timeout: .seconds(10), maximumBodySize: 1 << 20)
        guard let root = XMLNode.parse(response.body) else {
            throw AWSError(.credentials, service: "sts", operation: "AssumeRoleWithWebIdentity", status: response.status,
                           message: "unreadable response")
        }
        guard response.status == 200, let credentials = root.child("AssumeRoleWithWebIdentityResult")?.child("Credentials"),
              let key = credentials.value("AccessKeyId"), let secret = credentials.value("SecretAccessKey") else {
            let error = root.child("Error")
            throw AWSError(.credentials, service: "sts", operation: "AssumeRoleWithWebIdentity", status: response.status,
                           code: error?.value("Code"), message: error?.value("Message") ?? "no credentials in the response")
        }
        return AWSCredentials(accessKeyID: key, secretAccessKey: secret, sessionToken: credentials.value("SessionToken"),
                              expiration: credentials.value("Expiration").flatMap(parseISO8601))
    }
}

/// ECS (`AWS_CONTAINER_CREDENTIALS_RELATIVE_URI`) and EKS Pod Identity
/// (`AWS_CONTAINER_CREDENTIALS_FULL_URI` with `AWS_CONTAINER_AUTHORIZATION_TOKEN[_FILE]`).
public struct ContainerCredentials: CredentialSource {
    public let environment: [String: String]
    public let transport: any HTTPTransport
    public var name: String { "container" }

    public init(environment: [String: String] = ProcessInfo.processInfo.environment,
                transport: any HTTPTransport = AsyncHTTPClientTransport()) {
        self.environment = environment
        self.transport = transport
    }

    /// Full URIs over plain HTTP may only point at loopback or the ECS/EKS agent addresses.
    static func isAllowed(_ url: String) -> Bool {
        guard let components = URLComponents(string: url), let host = components.host?.lowercased() else { return false }
        if components.scheme == "https" { return true }
        return host == "localhost" || host.hasPrefix("127.") || host == "::1" || host == "[::1]"
            || host == "169.254.170.2" || host == "169.254.170.23" || host == "fd00:ec2::23" || host == "[fd00:ec2::23]"
    }

    public func load() async throws(AWSError) -> AWSCredentials? {
        let url: String
        if let relative = environment["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"], !relative.isEmpty {
            url = "http://169.254.170.2" + relative
        } else if let full = environment["AWS_CONTAINER_CREDENTIALS_FULL_URI"], !full.isEmpty {
            guard Self.isAllowed(full) else {
                throw AWSError(.credentials, message: "AWS_CONTAINER_CREDENTIALS_FULL_URI must use https or a loopback/agent address")
            }
            url = full
        } else {
            return nil
        }
        var headers: [HeaderField] = []
        if let file = environment["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"], !file.isEmpty {
            headers.append(HeaderField("Authorization", try readToken(file, what: "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")))
        } else if let token = environment["AWS_CONTAINER_AUTHORIZATION_TOKEN"], !token.isEmpty {
            headers.append(HeaderField("Authorization", token))
        }
        let response = try await transport.send(HTTPRequest(method: "GET", url: url, headers: headers), timeout: .seconds(5),
                                                 maximumBodySize: 1 << 16)
        guard response.status == 200 else {
            throw AWSError(.credentials, status: response.status, message: "container credentials endpoint answered \(response.status)")
        }
        return try credentialsFromJSON(response.body, source: "the container credentials endpoint")
    }
}

/// EC2 instance metadata, IMDSv2 (session token) with a fallback to v1 on 403/404/405.
/// `AWS_EC2_METADATA_DISABLED=true` turns it off; `AWS_EC2_METADATA_SERVICE_ENDPOINT` moves it.
public struct InstanceMetadataCredentials: CredentialSource {
    public let environment: [String: String]
    public let transport: any HTTPTransport
    public var name: String { "instance metadata" }

    public init(environment: [String: String] = ProcessInfo.processInfo.environment,
                transport: any HTTPTransport = AsyncHTTPClientTransport()) {
        self.environment = environment
        self.transport = transport
    }

    public func load() async throws(AWSError) -> AWSCredentials? {
        if environment["AWS_EC2_METADATA_DISABLED"]?.lowercased() == "true" { return nil }
        var endpoint = environment["AWS_EC2_METADATA_SERVICE_ENDPOINT"] ?? "http://169.254.169.254"
        if endpoint.hasSuffix("/") { endpoint.removeLast() }
        let timeout = Duration.seconds(1)
        var headers: [HeaderField] = []
        do {
            let tokenResponse = try await transport.send(
                HTTPRequest(method: "PUT", url: endpoint + "/latest/api/token",
                            headers: [HeaderField("X-aws-ec2-metadata-token-ttl-seconds", "21600")]),
                timeout: timeout, maximumBodySize: 4096)
            if tokenResponse.status == 200 {
                headers.append(HeaderField("X-aws-ec2-metadata-token", String(decoding: tokenResponse.body, as: UTF8.self)))
            } else if ![403, 404, 405].contains(tokenResponse.status) {
                return nil
            }
        } catch {
            // Not on EC2 (nothing listens): this source does not apply.
            return nil
        }
        let base = endpoint + "/latest/meta-data/iam/security-credentials/"
        let roles = try await transport.send(HTTPRequest(method: "GET", url: base, headers: headers), timeout: timeout,
                                             maximumBodySize: 4096)
        guard roles.status == 200,
              let role = String(decoding: roles.body, as: UTF8.self).split(whereSeparator: \.isNewline).first.map(String.init),
              !role.isEmpty else {
            return nil
        }
        let response = try await transport.send(HTTPRequest(method: "GET", url: base + role, headers: headers),
                                                timeout: timeout, maximumBodySize: 1 << 16)
        guard response.status == 200 else {
            throw AWSError(.credentials, status: response.status, message: "instance metadata answered \(response.status) for role \(role)")
        }
        return try credentialsFromJSON(response.body, source: "instance metadata")
    }
}

/// A token file's content without surrounding whitespace; its path (never its content) in errors.
func readToken(_ path: String, what: String) throws(AWSError) -> String {
    guard let data = FileManager.default.contents(atPath: path) else {
        throw AWSError(.credentials, message: "cannot read \(what) \(path)")
    }
    return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
}
