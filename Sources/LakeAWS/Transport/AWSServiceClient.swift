import Foundation
import Logging

/// The shared core of every service client: resolve credentials, sign, send, classify errors,
/// retry in standard mode and correct the clock once on `RequestTimeTooSkewed`.
public final class AWSServiceClient: Sendable {
    public let service: AWSService
    public let configuration: AWSConfiguration
    public let credentials: any CredentialProvider
    public let transport: any HTTPTransport
    public let retryPolicy: RetryPolicy
    public let timeout: Duration
    let quota = RetryQuota()
    let clock = ClockOffset()
    let logger = Logger(label: "LakeAWS")

    public init(service: AWSService, configuration: AWSConfiguration, credentials: any CredentialProvider,
                transport: any HTTPTransport = AsyncHTTPClientTransport(), retryPolicy: RetryPolicy? = nil,
                timeout: Duration = .seconds(60)) {
        self.service = service
        self.configuration = configuration
        self.credentials = credentials
        self.transport = transport
        self.retryPolicy = retryPolicy ?? RetryPolicy.fromEnvironment(configuration.environment)
        self.timeout = timeout
    }

    /// The endpoint split into scheme and host (with port), plus a base path.
    func endpointParts() throws(AWSError) -> (scheme: String, host: String, basePath: String) {
        let endpoint = configuration.endpoint(for: service)
        guard let components = URLComponents(string: endpoint), let scheme = components.scheme, let host = components.host else {
            throw AWSError(.configuration, service: service.signingName, message: "invalid endpoint \(endpoint)")
        }
        let port = components.port.map { ":\($0)" } ?? ""
        var base = components.path
        if base.hasSuffix("/") { base.removeLast() }
        return (scheme, host + port, base)
    }

    /// How the error body of this service is read.
    enum ErrorFormat {
        case xml, json
    }

    var errorFormat: ErrorFormat {
        switch service {
        case .glue, .athena: return .json
        default: return .xml
        }
    }

    /// Extracts code, message and request id from an error response.
    func error(from response: HTTPResponse, operation: String) -> AWSError {
        var code: String?
        var message = ""
        var requestID = response.header("x-amz-request-id") ?? response.header("x-amzn-requestid")
        switch errorFormat {
        case .xml:
            if let root = XMLNode.parse(response.body) {
                let error = root.name == "Error" ? root : (root.child("Error") ?? root)
                code = error.value("Code")
                message = error.value("Message") ?? ""
                requestID = requestID ?? root.value("RequestId") ?? error.value("RequestId")
            }
        case .json:
            if let object = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any] {
                if let type = object["__type"] as? String {
                    code = type.split(separator: "#").last.map(String.init)
                }
                message = (object["message"] as? String) ?? (object["Message"] as? String) ?? ""
            }
            if code == nil, let header = response.header("x-amzn-errortype") {
                code = header.split(separator: ":").first.map(String.init)
            }
        }
        if code == nil, response.body.isEmpty {
            // HEAD errors have no body.
            switch response.status {
            case 404: code = "NotFound"
            case 412: code = "PreconditionFailed"
            case 403: code = "Forbidden"
            default: break
            }
        }
        if message.isEmpty { message = "HTTP \(response.status)" }
        return AWSError.fromResponse(service: service.signingName, operation: operation, status: response.status, code: code,
                                     message: message, requestID: requestID)
    }

    /// Signs and sends `request`, retrying per the policy; returns the 2xx response or throws.
    ///
    /// - Parameters:
    ///   - download: stream a 2xx body to this path instead of collecting it.
    ///   - accept: statuses that count as success besides 2xx (e.g. 304).
    public func execute(operation: String, request: SignableRequest, body: [UInt8] = [], payload: PayloadSigning? = nil,
                        download: String? = nil, maximumBodySize: Int = 256 << 20) async throws(AWSError) -> HTTPResponse {
        var attempt = 0
        var lastCost: Int?
        var correctedClock = false
        while true {
            attempt += 1
            let current = try await credentials.credentials()
            let signer = SigV4Signer(credentials: current, region: configuration.region, service: service.signingName)
            var signed = request
            let now = Date().addingTimeInterval(await clock.offset)
            let payloadSigning = payload ?? .bytes(body)
            signer.sign(&signed, payload: payloadSigning, date: now)
            let outgoing = HTTPRequest(method: signed.method, url: signed.url, headers: signed.headers, body: body)
            logger.debug("\(service.signingName).\(operation) attempt \(attempt): \(signed.method) \(AsyncHTTPClientTransport.redacted(signed.url))")
            let failure: AWSError
            let retryAfter: Double?
            do {
                let response = if let download {
                    try await transport.download(outgoing, to: download, timeout: timeout)
                } else {
                    try await transport.send(outgoing, timeout: timeout, maximumBodySize: maximumBodySize)
                }
                if (200..<300).contains(response.status) {
                    await quota.refund(lastCost ?? 1)
                    return response
                }
                failure = error(from: response, operation: operation)
                retryAfter = response.header("x-amz-retry-after").flatMap(Double.init)
                // A skewed clock: adopt the server's time once and sign again.
                if !correctedClock, ["RequestTimeTooSkewed", "RequestExpired", "InvalidSignatureException"].contains(failure.code ?? ""),
                   failure.code != "InvalidSignatureException" || failure.message.lowercased().contains("signature expired"),
                   let dateHeader = response.header("date"), let serverDate = Self.parseHTTPDate(dateHeader) {
                    correctedClock = true
                    await clock.set(serverDate.timeIntervalSince(Date()))
                    logger.debug("\(service.signingName).\(operation): clock corrected by the server's Date header")
                    attempt -= 1
                    continue
                }
            } catch {
                failure = error
                retryAfter = nil
            }
            let decision = RetryPolicy.classify(failure)
            guard decision != .fail else { throw failure }
            guard attempt < retryPolicy.maxAttempts,
                  let cost = await quota.acquire(throttling: decision == .retryThrottling) else {
                throw AWSError(.retriesExhausted, service: failure.service, operation: operation, status: failure.status,
                               code: failure.code, message: "gave up after \(attempt) attempt(s): \(failure.message)",
                               requestID: failure.requestID)
            }
            lastCost = cost
            let delay = retryPolicy.delay(retry: attempt - 1, throttling: decision == .retryThrottling,
                                          retryAfterMilliseconds: retryAfter, random: Double.random(in: 0..<1))
            logger.debug("\(service.signingName).\(operation): retrying in \(delay) s after \(failure.code ?? "error")")
            try? await Task.sleep(for: .seconds(delay))
        }
    }

    /// RFC 7231 IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`).
    static func parseHTTPDate(_ text: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return formatter.date(from: text)
    }
}

/// The correction between the local clock and the servers' (seconds to add to `Date()`).
actor ClockOffset {
    private(set) var offset: Double = 0
    func set(_ value: Double) { offset = value }
}
