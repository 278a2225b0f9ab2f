/// One problem found in a DQDL document.
///
/// Syntax problems carry the location of the offending token. Semantic problems (an unknown rule
/// type, a condition of the wrong kind) keep the wording of the reference implementation so they
/// can be compared with what AWS Glue reports, and carry the location of the rule they concern.
public struct DQDLDiagnostic: Error, Sendable, Hashable, CustomStringConvertible {
    public var location: DQDLLocation?
    public var message: String

    public init(location: DQDLLocation?, message: String) {
        self.location = location
        self.message = message
    }

    public var description: String {
        if let location { return "\(location) \(message)" }
        return message
    }
}

/// A DQDL document that could not be parsed or failed validation; lists every problem found.
public struct DQDLError: Error, Sendable, Hashable, CustomStringConvertible {
    public var diagnostics: [DQDLDiagnostic]

    public init(_ diagnostics: [DQDLDiagnostic]) {
        self.diagnostics = diagnostics
    }

    public var description: String {
        diagnostics.map(\.description).joined(separator: "\n")
    }
}
