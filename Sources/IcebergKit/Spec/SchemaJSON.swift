extension IcebergType {
    /// The type as metadata JSON.
    public var json: AvroJSON {
        switch self {
        case let .structure(fields):
            return .object([("type", .string("struct")), ("fields", .array(fields.map(\.json)))])
        case let .list(id, required, element):
            return .object([("type", .string("list")), ("element-id", .integer(Int64(id))), ("element", element.json),
                            ("element-required", .bool(required))])
        case let .map(keyID, key, valueID, valueRequired, value):
            return .object([("type", .string("map")), ("key-id", .integer(Int64(keyID))), ("key", key.json),
                            ("value-id", .integer(Int64(valueID))), ("value", value.json), ("value-required", .bool(valueRequired))])
        default:
            return .string(description)
        }
    }

    /// Parses metadata JSON (depth-limited).
    public init(json: AvroJSON, depth: Int = 0) throws(IcebergError) {
        guard depth < 64 else { throw IcebergError(.invalidMetadata("types nested too deeply")) }
        if case let .string(name) = json {
            self = try IcebergType.primitive(name)
            return
        }
        switch json["type"]?.stringValue {
        case "struct"?:
            guard case let .array(items)? = json["fields"] else { throw IcebergError(.invalidMetadata("struct without fields")) }
            var fields: [NestedField] = []
            for item in items { fields.append(try NestedField(json: item, depth: depth + 1)) }
            self = .structure(fields)
        case "list"?:
            guard let id = json["element-id"]?.intValue.flatMap({ Int32(exactly: $0) }), let element = json["element"] else {
                throw IcebergError(.invalidMetadata("list without element-id or element"))
            }
            self = .list(elementID: id, elementRequired: json["element-required"].flatMap(Self.bool) ?? false,
                         element: try IcebergType(json: element, depth: depth + 1))
        case "map"?:
            guard let keyID = json["key-id"]?.intValue.flatMap({ Int32(exactly: $0) }), let key = json["key"],
                  let valueID = json["value-id"]?.intValue.flatMap({ Int32(exactly: $0) }), let value = json["value"] else {
                throw IcebergError(.invalidMetadata("map without key/value ids or types"))
            }
            self = .map(keyID: keyID, key: try IcebergType(json: key, depth: depth + 1), valueID: valueID,
                        valueRequired: json["value-required"].flatMap(Self.bool) ?? false,
                        value: try IcebergType(json: value, depth: depth + 1))
        default:
            throw IcebergError(.invalidMetadata("unknown type \(JSONText.serialize(json))"))
        }
    }

    static func bool(_ j: AvroJSON) -> Bool? { if case let .bool(b) = j { return b } else { return nil } }
}

extension NestedField {
    public var json: AvroJSON {
        var pairs: [(String, AvroJSON)] = [("id", .integer(Int64(id))), ("name", .string(name)), ("required", .bool(required)),
                                           ("type", type.json)]
        if let doc { pairs.append(("doc", .string(doc))) }
        return .object(pairs)
    }

    init(json: AvroJSON, depth: Int) throws(IcebergError) {
        guard let id = json["id"]?.intValue.flatMap({ Int32(exactly: $0) }), let name = json["name"]?.stringValue,
              let type = json["type"] else {
            throw IcebergError(.invalidMetadata("field without id, name or type"))
        }
        self.init(id: id, name: name, required: json["required"].flatMap(IcebergType.bool) ?? false,
                  type: try IcebergType(json: type, depth: depth + 1), doc: json["doc"]?.stringValue)
    }
}

extension IcebergSchema {
    public var json: AvroJSON {
        .object([("type", .string("struct")), ("schema-id", .integer(Int64(schemaID))),
                 ("identifier-field-ids", .array(identifierFieldIDs.map { .integer(Int64($0)) })),
                 ("fields", .array(fields.map(\.json)))])
    }

    /// Parses a schema object of table metadata; field ids must be unique.
    public init(json: AvroJSON) throws(IcebergError) {
        guard case let .structure(fields) = try IcebergType(json: json) else { throw IcebergError(.invalidMetadata("schema is not a struct")) }
        self.init(schemaID: json["schema-id"]?.intValue.flatMap { Int32(exactly: $0) } ?? 0, fields: fields,
                  identifierFieldIDs: {
                      if case let .array(ids)? = json["identifier-field-ids"] { return ids.compactMap { $0.intValue.flatMap { Int32(exactly: $0) } } }
                      return []
                  }())
        var seen = Set<Int32>()
        func check(_ t: IcebergType) throws(IcebergError) {
            switch t {
            case let .structure(fs):
                for f in fs {
                    guard seen.insert(f.id).inserted else { throw IcebergError(.invalidMetadata("duplicate field id \(f.id)")) }
                    try check(f.type)
                }
            case let .list(id, _, e):
                guard seen.insert(id).inserted else { throw IcebergError(.invalidMetadata("duplicate field id \(id)")) }
                try check(e)
            case let .map(k, kt, v, _, vt):
                guard seen.insert(k).inserted, seen.insert(v).inserted else { throw IcebergError(.invalidMetadata("duplicate map ids")) }
                try check(kt)
                try check(vt)
            default: break
            }
        }
        try check(.structure(fields))
    }

    /// Parses schema JSON text.
    public init(jsonText: String) throws(IcebergError) {
        let json: AvroJSON
        do { json = try JSONText.parse(jsonText) } catch { throw IcebergError(.invalidMetadata("\(error)")) }
        try self.init(json: json)
    }

    /// The schema as JSON text.
    public var jsonText: String { JSONText.serialize(json) }
}
