/// The AWS query protocol (SNS, STS, CloudWatch): form-encoded `Action`, `Version` and
/// parameters, lists flattened as `Name.member.N`.
enum QueryProtocol {
    static func encode(action: String, version: String, parameters: [(String, String)]) -> String {
        ([("Action", action), ("Version", version)] + parameters)
            .map { URIEncoding.encode($0.0) + "=" + URIEncoding.encode($0.1) }
            .joined(separator: "&")
    }
}
