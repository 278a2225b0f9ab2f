import Foundation
import LakeAWS
import LakeTestSupport
import Testing

/// A scripted HTTP server on 127.0.0.1 (python from the test venv) standing in for the EC2
/// metadata service, the container credentials endpoint and STS.
final class StandInServer: @unchecked Sendable {
    let process = Process()
    let port: Int
    let output = Pipe()

    /// `routes`: "METHOD /path" → [status, body, required header name (or ""), required value].
    init(routes: [String: [String]]) throws {
        let python = try #require(Interop.python, "the stand-in server needs the test venv's python")
        let script = #"""
            import http.server, json, sys
            routes = json.loads(sys.argv[1])
            class Handler(http.server.BaseHTTPRequestHandler):
                def handle_any(self):
                    length = int(self.headers.get("Content-Length") or 0)
                    body = self.rfile.read(length) if length else b""
                    key = f"{self.command} {self.path.split('?')[0]}"
                    route = routes.get(key)
                    if route is None:
                        self.send_response(404); self.end_headers(); return
                    status, text, header, value = route
                    if header and self.headers.get(header) != value:
                        self.send_response(401); self.end_headers(); return
                    if key.startswith("POST") and b"WebIdentityToken=" not in body:
                        self.send_response(400); self.end_headers(); return
                    data = text.encode()
                    self.send_response(int(status)); self.send_header("Content-Length", str(len(data))); self.end_headers()
                    self.wfile.write(data)
                do_GET = do_PUT = do_POST = handle_any
                def log_message(self, *args): pass
            server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
            print(server.server_address[1], flush=True)
            server.serve_forever()
            """#
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-c", script, String(decoding: try JSONSerialization.data(withJSONObject: routes), as: UTF8.self)]
        process.standardOutput = output
        // Not the test runner's own pipes: a child holding them would keep `swift test` waiting.
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        var line = [UInt8]()
        while true {
            let byte = output.fileHandleForReading.readData(ofLength: 1)
            guard let first = byte.first else { break }
            if first == UInt8(ascii: "\n") { break }
            line.append(first)
        }
        port = try #require(Int(String(decoding: line, as: UTF8.self)))
    }

    var url: String { "http://127.0.0.1:\(port)" }

    /// Terminates the server and polls for its exit (`waitUntilExit` can stall the test's
    /// cooperative threads on Linux).
    func stop() {
        // SIGKILL: the server holds no state worth a graceful exit.
        kill(process.processIdentifier, SIGKILL)
        for _ in 0..<200 where process.isRunning { usleep(10_000) }
    }
}

@Suite("Credential chain", .serialized)
struct CredentialChainTests {
    static let credentialJSON = #"{"AccessKeyId": "ASIAFROMHTTP", "SecretAccessKey": "http-secret", "Token": "http-token", "Expiration": "2099-01-01T00:00:00Z"}"#

    @Test("environment variables come first; a half-set pair is an error")
    func environment() async throws {
        let chain = CredentialChain(sources: [EnvironmentCredentials(environment: [
            "AWS_ACCESS_KEY_ID": "AKIAENV", "AWS_SECRET_ACCESS_KEY": "env-secret", "AWS_SESSION_TOKEN": "env-token"])])
        let found = try await chain.credentials()
        #expect(found == AWSCredentials(accessKeyID: "AKIAENV", secretAccessKey: "env-secret", sessionToken: "env-token"))
        await #expect(throws: AWSError.self) {
            try await CredentialChain(sources: [EnvironmentCredentials(environment: ["AWS_ACCESS_KEY_ID": "AKIA"])]).credentials()
        }
        await #expect(throws: AWSError.self) { try await CredentialChain(sources: [EnvironmentCredentials(environment: [:])]).credentials() }
    }

    @Test("profiles from the shared files: AWS_PROFILE, file overrides, config [profile x], services endpoints")
    func profiles() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let credentials = directory.path + "/credentials", config = directory.path + "/config"
        try """
            [default]
            aws_access_key_id = AKIADEFAULT
            aws_secret_access_key = default-secret
            # a comment
            [lake]
            aws_access_key_id=AKIALAKE
            aws_secret_access_key = lake-secret ; inline comment
            aws_session_token = lake-token
            """.write(toFile: credentials, atomically: true, encoding: .utf8)
        try """
            [default]
            region = eu-west-1
            [profile lake]
            region = eu-central-1
            services = local
            [services local]
            s3 =
              endpoint_url = http://127.0.0.1:9000
            """.write(toFile: config, atomically: true, encoding: .utf8)
        let environment = ["AWS_SHARED_CREDENTIALS_FILE": credentials, "AWS_CONFIG_FILE": config, "HOME": directory.path]
        let byDefault = try await ProfileCredentials(environment: environment).load()
        #expect(byDefault?.accessKeyID == "AKIADEFAULT")
        var lakeEnvironment = environment
        lakeEnvironment["AWS_PROFILE"] = "lake"
        let lake = try await ProfileCredentials(environment: lakeEnvironment).load()
        #expect(lake == AWSCredentials(accessKeyID: "AKIALAKE", secretAccessKey: "lake-secret", sessionToken: "lake-token"))
        let configuration = try AWSConfiguration(environment: lakeEnvironment)
        #expect(configuration.region == "eu-central-1")
        #expect(configuration.endpoint(for: .s3) == "http://127.0.0.1:9000")
        #expect(configuration.endpoint(for: .glue) == "https://glue.eu-central-1.amazonaws.com")
        var missing = environment
        missing["AWS_PROFILE"] = "nope"
        await #expect(throws: AWSError.self) { try await ProfileCredentials(environment: missing).load() }
    }

    @Test("region and endpoint precedence")
    func endpoints() throws {
        let profile = AWSProfile(name: "p", settings: ["region": "ap-south-1", "endpoint_url": "http://profile:1"],
                                 services: ["glue.endpoint_url": "http://profile-glue:2"])
        let environment = ["AWS_DEFAULT_REGION": "us-west-2", "AWS_ENDPOINT_URL": "http://all:3", "AWS_ENDPOINT_URL_S3": "http://s3:4"]
        let configuration = try AWSConfiguration(environment: environment, profile: profile)
        #expect(configuration.region == "us-west-2")
        #expect(configuration.endpoint(for: .s3) == "http://s3:4")
        #expect(configuration.endpoint(for: .glue) == "http://all:3")
        let inCode = try AWSConfiguration(region: "eu-north-1", endpointOverrides: [.s3: "http://code:5"], environment: environment, profile: profile)
        #expect(inCode.region == "eu-north-1" && inCode.endpoint(for: .s3) == "http://code:5")
        let profileOnly = try AWSConfiguration(environment: [:], profile: profile)
        #expect(profileOnly.region == "ap-south-1")
        #expect(profileOnly.endpoint(for: .glue) == "http://profile-glue:2")
        #expect(profileOnly.endpoint(for: .athena) == "http://profile:1")
        let ignoring = try AWSConfiguration(environment: environment.merging(["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true"]) { $1 }, profile: profile)
        #expect(ignoring.endpoint(for: .s3) == "https://s3.us-west-2.amazonaws.com")
        #expect(ignoring.endpoint(for: .cloudWatch) == "https://monitoring.us-west-2.amazonaws.com")
        #expect(throws: AWSError.self) { try AWSConfiguration(environment: [:], profile: AWSProfile(name: "x", settings: [:])) }
    }

    @Test("IMDSv2: token, role, credentials; disabled by AWS_EC2_METADATA_DISABLED", .enabled(if: Interop.enabled))
    func instanceMetadata() async throws {
        let server = try StandInServer(routes: [
            "PUT /latest/api/token": ["200", "imds-session-token", "X-aws-ec2-metadata-token-ttl-seconds", "21600"],
            "GET /latest/meta-data/iam/security-credentials/": ["200", "lake-role\n", "X-aws-ec2-metadata-token", "imds-session-token"],
            "GET /latest/meta-data/iam/security-credentials/lake-role": ["200", Self.credentialJSON, "X-aws-ec2-metadata-token", "imds-session-token"],
        ])
        defer { server.stop() }
        let environment = ["AWS_EC2_METADATA_SERVICE_ENDPOINT": server.url]
        let found = try await InstanceMetadataCredentials(environment: environment).load()
        #expect(found?.accessKeyID == "ASIAFROMHTTP" && found?.sessionToken == "http-token")
        #expect(found?.expiration == 4_070_908_800)
        let disabled = try await InstanceMetadataCredentials(environment: environment.merging(["AWS_EC2_METADATA_DISABLED": "true"]) { $1 }).load()
        #expect(disabled == nil)
        // Nothing listening: the source does not apply.
        let absent = try await InstanceMetadataCredentials(environment: ["AWS_EC2_METADATA_SERVICE_ENDPOINT": "http://127.0.0.1:9"]).load()
        #expect(absent == nil)
    }

    @Test("IMDSv1 fallback when the token call is refused", .enabled(if: Interop.enabled))
    func instanceMetadataV1() async throws {
        let server = try StandInServer(routes: [
            "GET /latest/meta-data/iam/security-credentials/": ["200", "role-v1", "", ""],
            "GET /latest/meta-data/iam/security-credentials/role-v1": ["200", Self.credentialJSON, "", ""],
        ])
        defer { server.stop() }
        let found = try await InstanceMetadataCredentials(environment: ["AWS_EC2_METADATA_SERVICE_ENDPOINT": server.url]).load()
        #expect(found?.accessKeyID == "ASIAFROMHTTP")
    }

    @Test("container credentials: full URI with a token file; only loopback/agent hosts over http", .enabled(if: Interop.enabled))
    func container() async throws {
        let server = try StandInServer(routes: ["GET /v1/credentials": ["200", Self.credentialJSON, "Authorization", "pod-identity-token"]])
        defer { server.stop() }
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        try "pod-identity-token\n".write(toFile: directory.path + "/token", atomically: true, encoding: .utf8)
        let found = try await ContainerCredentials(environment: [
            "AWS_CONTAINER_CREDENTIALS_FULL_URI": server.url + "/v1/credentials",
            "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": directory.path + "/token"]).load()
        #expect(found?.secretAccessKey == "http-secret")
        await #expect(throws: AWSError.self) {
            try await ContainerCredentials(environment: ["AWS_CONTAINER_CREDENTIALS_FULL_URI": server.url + "/v1/credentials",
                                                         "AWS_CONTAINER_AUTHORIZATION_TOKEN": "wrong"]).load()
        }
        await #expect(throws: AWSError.self) {
            try await ContainerCredentials(environment: ["AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://example.com/creds"]).load()
        }
    }

    @Test("web identity: STS AssumeRoleWithWebIdentity, unsigned, token from the file", .enabled(if: Interop.enabled))
    func webIdentity() async throws {
        let response = """
            <AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
              <AssumeRoleWithWebIdentityResult>
                <Credentials>
                  <AccessKeyId>ASIAWEBIDENTITY</AccessKeyId><SecretAccessKey>web-secret</SecretAccessKey>
                  <SessionToken>web&amp;token</SessionToken><Expiration>2099-01-01T00:00:00Z</Expiration>
                </Credentials>
              </AssumeRoleWithWebIdentityResult>
            </AssumeRoleWithWebIdentityResponse>
            """
        let server = try StandInServer(routes: ["POST /": ["200", response, "", ""]])
        defer { server.stop() }
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        try "eyJhbGciOi.jwt.token".write(toFile: directory.path + "/jwt", atomically: true, encoding: .utf8)
        let environment = ["AWS_WEB_IDENTITY_TOKEN_FILE": directory.path + "/jwt", "AWS_ROLE_ARN": "arn:aws:iam::123456789012:role/lake",
                           "AWS_ENDPOINT_URL_STS": server.url, "AWS_REGION": "eu-west-1"]
        let chain = CredentialChain.standard(environment: environment)
        let found = try await chain.credentials()
        #expect(found.accessKeyID == "ASIAWEBIDENTITY" && found.sessionToken == "web&token")
        #expect(found.expiration == 4_070_908_800)
    }

    @Test("expiring credentials are refreshed before they expire")
    func refresh() async throws {
        final class Counter: CredentialSource, @unchecked Sendable {
            let lock = NSLock()
            var calls = 0
            let lifetime: Double
            init(lifetime: Double) { self.lifetime = lifetime }
            var name: String { "counter" }
            func load() async throws(AWSError) -> AWSCredentials? {
                let n = lock.withLock { calls += 1; return calls }
                return AWSCredentials(accessKeyID: "AKIA\(n)", secretAccessKey: "s", expiration: Date().timeIntervalSince1970 + lifetime)
            }
        }
        let longLived = Counter(lifetime: 3600)
        let chain = CredentialChain(sources: [longLived])
        _ = try await chain.credentials()
        _ = try await chain.credentials()
        #expect(longLived.calls == 1)
        let shortLived = Counter(lifetime: 60)  // inside the 5-minute refresh margin
        let refreshing = CredentialChain(sources: [shortLived])
        let first = try await refreshing.credentials()
        let second = try await refreshing.credentials()
        #expect(shortLived.calls == 2 && first.accessKeyID != second.accessKeyID)
    }
}
