public import IcebergKit

/// What a REST call was doing, which decides what its error statuses mean.
enum RESTOperation: Sendable {
    /// Reads and drops: `404` is not found.
    case read
    /// Creates (namespace, table) and renames: `409` means the name is taken.
    case create
    /// Table commits: `409` is a conflict to retry on the new base; `500`/`502`/`503`/`504` and
    /// lost answers are an unknown outcome.
    case commit
    /// Dropping a namespace: `409` means it is not empty.
    case dropNamespace
}

/// The REST specification's `ErrorModel` (`{"error": {"message", "type", "code"}}`).
struct RESTErrorModel: Sendable {
    var message: String
    var type: String

    /// The error a response body carries; the body itself (shortened) when it is no ErrorModel.
    init(body: [UInt8]) {
        let text = String(decoding: body, as: UTF8.self)
        if let json = try? AvroJSON(parsing: text), let error = json["error"] {
            if let message = error["message"]?.stringValue {
                self.message = message
                self.type = error["type"]?.stringValue ?? ""
                return
            }
            if let message = error.stringValue {  // {"error": "text"}
                self.message = message
                self.type = ""
                return
            }
        }
        // An AWS front end's own error (`{"__type": "…#InvalidSignatureException", "message": "…"}`).
        if let json = try? AvroJSON(parsing: text), let message = (json["message"] ?? json["Message"])?.stringValue {
            self.message = message
            self.type = String((json["__type"]?.stringValue ?? "").split(separator: "#").last ?? "")
            return
        }
        self.message = String(text.prefix(1_000))
        self.type = ""
    }
}

extension IcebergError {
    /// The error of a REST catalog's non-2xx answer, keeping the server's message: `404` →
    /// ``IcebergError/Kind/notFound(_:)``; `409` → ``IcebergError/Kind/alreadyExists(_:)`` on a
    /// create, ``IcebergError/Kind/commitConflict(_:)`` on a commit; `401`/`403`/`419` →
    /// ``IcebergError/Kind/unauthorized(_:)``; `500`/`502`/`503`/`504` on a commit →
    /// ``IcebergError/Kind/commitStateUnknown(_:)``; `400`/`422` on a commit →
    /// ``IcebergError/Kind/validationFailed(_:)``; `406` → ``IcebergError/Kind/unsupported(_:)``;
    /// the rest ``IcebergError/Kind/io(_:)``.
    init(restStatus status: Int, body: [UInt8], call: String, subject: String, operation: RESTOperation) {
        let model = RESTErrorModel(body: body)
        let detail = "\(call): HTTP \(status)" + (model.type.isEmpty ? "" : " \(model.type)")
            + (model.message.isEmpty ? "" : ": \(model.message)")
        switch (status, operation) {
        case (404, _):
            self.init(.notFound("\(subject) (\(detail))"))
        case (409, .create):
            self.init(.alreadyExists("\(subject) (\(detail))"))
        case (409, .commit):
            self.init(.commitConflict("\(subject) (\(detail))"))
        case (401, _), (403, _), (419, _):
            self.init(.unauthorized("\(subject) (\(detail))"))
        case (500, .commit), (502, .commit), (503, .commit), (504, .commit):
            self.init(.commitStateUnknown("\(subject) (\(detail))"))
        case (400, .commit), (422, .commit):
            self.init(.validationFailed("\(subject) (\(detail))"))
        case (406, _):
            self.init(.unsupported("\(subject): the catalog does not support this (\(detail))"))
        default:
            self.init(.io("\(subject) (\(detail))"))
        }
    }
}
