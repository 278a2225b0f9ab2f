import Foundation

/// The AWS JSON 1.1 protocol (Glue, Athena): `POST /` with `X-Amz-Target: <prefix>.<Operation>`.
struct JSONProtocol {
    let core: AWSServiceClient
    /// `AWSGlue`, `AmazonAthena`.
    let targetPrefix: String

    func call(_ operation: String, _ input: [String: Any]) async throws(AWSError) -> [String: Any] {
        let body: [UInt8]
        do {
            body = [UInt8](try JSONSerialization.data(withJSONObject: input, options: [.sortedKeys]))
        } catch {
            throw AWSError(.configuration, service: core.service.signingName, operation: operation, message: "cannot encode the request: \(error)")
        }
        let (scheme, host, base) = try core.endpointParts()
        let request = SignableRequest(method: "POST", scheme: scheme, host: host, path: base + "/", headers: [
            HeaderField("Content-Type", "application/x-amz-json-1.1"),
            HeaderField("X-Amz-Target", "\(targetPrefix).\(operation)"),
        ])
        let response = try await core.execute(operation: operation, request: request, body: body)
        if response.body.isEmpty { return [:] }
        guard let object = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any] else {
            throw AWSError(.malformedResponse, service: core.service.signingName, operation: operation, status: response.status,
                           message: "the response is not a JSON object")
        }
        return object
    }
}

/// The query protocol over a service client (SNS, STS, CloudWatch): returns the `<Op>Result` element.
struct QueryCaller {
    let core: AWSServiceClient
    let version: String

    func call(_ operation: String, _ parameters: [(String, String)]) async throws(AWSError) -> XMLNode {
        let (scheme, host, base) = try core.endpointParts()
        let request = SignableRequest(method: "POST", scheme: scheme, host: host, path: base + "/", headers: [
            HeaderField("Content-Type", "application/x-www-form-urlencoded; charset=utf-8"),
        ])
        let body = Array(QueryProtocol.encode(action: operation, version: version, parameters: parameters).utf8)
        let response = try await core.execute(operation: operation, request: request, body: body)
        guard let root = XMLNode.parse(response.body) else {
            if response.body.isEmpty { return XMLNode(name: operation + "Result", children: [], text: "") }
            throw AWSError(.malformedResponse, service: core.service.signingName, operation: operation, status: response.status,
                           message: "the response is not XML")
        }
        return root.child(operation + "Result") ?? root
    }
}
