/// A failed AWS call, typed by what went wrong, with the service context — never secrets.
public struct AWSError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        /// No credentials could be found or loaded.
        case credentials
        /// Configuration is missing or invalid (region, endpoint, profile file).
        case configuration
        /// The connection failed or timed out.
        case transport
        /// The service answered with an error status.
        case service
        /// The response could not be understood.
        case malformedResponse
        /// `412 PreconditionFailed`: an `If-Match` / `If-None-Match` condition was false.
        case preconditionFailed
        /// `409 ConditionalRequestConflict` (S3) or Glue `ConcurrentModificationException`.
        case conflict
        /// The object, table or resource does not exist.
        case notFound
        /// `403`: wrong keys, signature mismatch, access denied, expired request.
        case accessDenied
        /// Retries ran out (the last error is in `message`).
        case retriesExhausted
    }

    public var kind: Kind
    /// `s3`, `glue`, … (empty when not service-specific).
    public var service: String
    /// The operation, e.g. `PutObject`.
    public var operation: String
    /// The HTTP status, when there was a response.
    public var status: Int?
    /// The AWS error code, e.g. `NoSuchKey`, `SignatureDoesNotMatch`.
    public var code: String?
    public var message: String
    public var requestID: String?

    public init(_ kind: Kind, service: String = "", operation: String = "", status: Int? = nil, code: String? = nil,
                message: String, requestID: String? = nil) {
        self.kind = kind
        self.service = service
        self.operation = operation
        self.status = status
        self.code = code
        self.message = message
        self.requestID = requestID
    }

    public var description: String {
        var parts: [String] = []
        if !service.isEmpty { parts.append(operation.isEmpty ? service : "\(service).\(operation)") }
        if let status { parts.append("HTTP \(status)") }
        if let code { parts.append(code) }
        parts.append(message)
        return parts.joined(separator: ": ") + (requestID.map { " (request id \($0))" } ?? "")
    }

    /// Classifies an error response.
    static func fromResponse(service: String, operation: String, status: Int, code: String?, message: String,
                             requestID: String?) -> AWSError {
        let kind: Kind
        switch (status, code) {
        case (412, _), (_, "PreconditionFailed"?): kind = .preconditionFailed
        case (409, "ConditionalRequestConflict"?), (_, "ConcurrentModificationException"?): kind = .conflict
        case (404, _), (_, "NoSuchKey"?), (_, "NoSuchBucket"?), (_, "EntityNotFoundException"?), (_, "NoSuchUpload"?):
            kind = .notFound
        case (403, _), (_, "AccessDenied"?), (_, "SignatureDoesNotMatch"?), (_, "InvalidAccessKeyId"?),
             (_, "InvalidSignatureException"?), (_, "UnrecognizedClientException"?), (_, "ExpiredToken"?):
            kind = .accessDenied
        case (409, _): kind = .conflict
        default: kind = .service
        }
        return AWSError(kind, service: service, operation: operation, status: status, code: code, message: message,
                        requestID: requestID)
    }
}
