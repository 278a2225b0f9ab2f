public import LakeColumnar

/// Fields of a schema by dotted name, at any depth, as Java's `TypeUtil.indexByName` names them:
/// `point.x` for a struct's field, `locations.element.lat` for a list element's, `attrs.key` and
/// `attrs.value.unit` for a map's. The short forms without `element` / `value`
/// (`locations.lat`, `attrs.unit`) name the same fields when they are unambiguous.
struct SchemaIndex: Sendable {
    /// Full and short names → field id.
    private(set) var ids: [String: Int32] = [:]
    /// Field id → full name.
    private(set) var names: [Int32: String] = [:]
    /// Field id → the id of the struct-like field that holds it (nil: a top-level field).
    private(set) var parents: [Int32: Int32] = [:]
    /// Field id → the field (list elements and map keys and values as fields named
    /// `element`, `key`, `value`).
    private(set) var fields: [Int32: NestedField] = [:]

    init(_ schema: IcebergSchema) {
        var shortNames: [String: Int32] = [:]
        func visit(_ type: IcebergType, prefix: String, shortPrefix: String, parent: Int32?) {
            switch type {
            case let .structure(children):
                for f in children {
                    let full = prefix.isEmpty ? f.name : prefix + "." + f.name
                    let short = shortPrefix.isEmpty ? f.name : shortPrefix + "." + f.name
                    add(f, full: full, parent: parent)
                    if short != full { shortNames[short] = f.id }
                    visit(f.type, prefix: full, shortPrefix: short, parent: f.id)
                }
            case let .list(id, required, element):
                let full = prefix + ".element"
                add(NestedField(id: id, name: "element", required: required, type: element), full: full, parent: parent)
                // A list's element struct is reached through the list's own name too.
                visit(element, prefix: full, shortPrefix: shortPrefix, parent: id)
            case let .map(keyID, key, valueID, valueRequired, value):
                add(NestedField(id: keyID, name: "key", required: true, type: key), full: prefix + ".key", parent: parent)
                visit(key, prefix: prefix + ".key", shortPrefix: prefix + ".key", parent: keyID)
                let full = prefix + ".value"
                add(NestedField(id: valueID, name: "value", required: valueRequired, type: value), full: full, parent: parent)
                visit(value, prefix: full, shortPrefix: shortPrefix, parent: valueID)
            default:
                break
            }
        }
        func add(_ f: NestedField, full: String, parent: Int32?) {
            ids[full] = f.id
            names[f.id] = full
            fields[f.id] = f
            if let parent { parents[f.id] = parent }
        }
        visit(.structure(schema.fields), prefix: "", shortPrefix: "", parent: nil)
        for (name, id) in shortNames where ids[name] == nil { ids[name] = id }
    }

    /// The id of the field named `name` (full or short form), if any.
    func id(of name: String) -> Int32? { ids[name] }
}

extension IcebergSchema {
    /// The field named `name` at any depth: `a.b` for field `b` of struct `a`, list elements and
    /// map values as `list.element.x` or `list.x`, `map.value.y` or `map.y`.
    public func field(named name: String) -> NestedField? {
        let index = SchemaIndex(self)
        return index.id(of: name).flatMap { index.fields[$0] }
    }

    /// The full dotted name of field `id`, if it is in the schema.
    public func name(of id: Int32) -> String? { SchemaIndex(self).names[id] }

    /// The schema as one line per field, nested fields indented (what the CLI prints).
    public var outline: String {
        var lines: [String] = []
        func visit(_ fields: [NestedField], depth: Int) {
            for f in fields {
                let pad = String(repeating: "  ", count: depth)
                lines.append("\(pad)\(f.id): \(f.name) \(f.required ? "required" : "optional") \(f.type.outlineName)")
                visitType(f.type, depth: depth + 1)
            }
        }
        func visitType(_ type: IcebergType, depth: Int) {
            let pad = String(repeating: "  ", count: depth)
            switch type {
            case let .structure(fields): visit(fields, depth: depth)
            case let .list(id, required, element):
                lines.append("\(pad)\(id): element \(required ? "required" : "optional") \(element.outlineName)")
                visitType(element, depth: depth + 1)
            case let .map(keyID, key, valueID, valueRequired, value):
                lines.append("\(pad)\(keyID): key required \(key.outlineName)")
                visitType(key, depth: depth + 1)
                lines.append("\(pad)\(valueID): value \(valueRequired ? "required" : "optional") \(value.outlineName)")
                visitType(value, depth: depth + 1)
            default: break
            }
        }
        visit(fields, depth: 0)
        if !identifierFieldIDs.isEmpty { lines.append("identifier fields: " + identifierFieldIDs.map(String.init).joined(separator: ", ")) }
        return "schema \(schemaID)\n" + lines.joined(separator: "\n")
    }
}

extension IcebergType {
    /// `list<…>` / `map<…>` / `struct<…>` spelled out for outlines; primitives by their name.
    var outlineName: String {
        switch self {
        case .structure: return "struct"
        case let .list(_, _, e): return "list<\(e.outlineName)>"
        case let .map(_, k, _, _, v): return "map<\(k.outlineName), \(v.outlineName)>"
        default: return description
        }
    }

    /// Parses a type as the CLI and Java's type strings spell it: primitives (`int`, `long`,
    /// `decimal(9,2)`, `fixed[16]`, `timestamptz` …), `list<T>`, `map<K, V>` and
    /// `struct<name: T, …>`. Nested ids are placeholders (0): adding such a type to a schema
    /// assigns fresh ids (see ``UpdateSchema``).
    public init(parsing text: String) throws(IcebergError) {
        var parser = TypeTextParser(text: Array(text.unicodeScalars))
        let type = try parser.parseType()
        parser.skipSpaces()
        guard parser.atEnd else { throw IcebergError(.invalidMetadata("unexpected text after type in '\(text)'")) }
        self = type
    }
}

/// A recursive-descent reader of type text (see ``IcebergType/init(parsing:)``).
private struct TypeTextParser {
    let text: [Unicode.Scalar]
    var position = 0
    var depth = 0

    var atEnd: Bool { position >= text.count }

    mutating func skipSpaces() { while position < text.count, text[position] == " " { position += 1 } }

    mutating func expect(_ c: Unicode.Scalar) throws(IcebergError) {
        skipSpaces()
        guard position < text.count, text[position] == c else {
            throw IcebergError(.invalidMetadata("expected '\(c)' at offset \(position) of '\(String(String.UnicodeScalarView(text)))'"))
        }
        position += 1
    }

    mutating func word() -> String {
        skipSpaces()
        var out = String.UnicodeScalarView()
        while position < text.count, !"<>,:".unicodeScalars.contains(text[position]) {
            // Parentheses and brackets belong to the word (decimal(9,2), fixed[16]); a comma inside them too.
            if text[position] == "(" || text[position] == "[" {
                let close: Unicode.Scalar = text[position] == "(" ? ")" : "]"
                while position < text.count, text[position] != close { out.append(text[position]); position += 1 }
                if position < text.count { out.append(text[position]); position += 1 }
                continue
            }
            out.append(text[position])
            position += 1
        }
        return String(out).trimmingSpaces()
    }

    mutating func parseType() throws(IcebergError) -> IcebergType {
        depth += 1
        defer { depth -= 1 }
        guard depth < 32 else { throw IcebergError(.invalidMetadata("type nested too deeply")) }
        let name = word().lowercased()
        switch name {
        case "list":
            try expect("<")
            let element = try parseType()
            try expect(">")
            return .list(elementID: 0, elementRequired: false, element: element)
        case "map":
            try expect("<")
            let key = try parseType()
            try expect(",")
            let value = try parseType()
            try expect(">")
            return .map(keyID: 0, key: key, valueID: 0, valueRequired: false, value: value)
        case "struct":
            try expect("<")
            var fields: [NestedField] = []
            while true {
                let fieldName = word()
                guard !fieldName.isEmpty else { throw IcebergError(.invalidMetadata("struct field without a name")) }
                try expect(":")
                fields.append(NestedField(id: 0, name: fieldName, required: false, type: try parseType()))
                skipSpaces()
                if position < text.count, text[position] == "," { position += 1; continue }
                break
            }
            try expect(">")
            return .structure(fields)
        default:
            return try IcebergType.primitive(name)
        }
    }
}

extension IcebergSchema {
    /// The schema of columnar `fields` (a Parquet file's, say) with ids assigned afresh from 1,
    /// a struct's fields before their children (Java's `TypeUtil.assignFreshIds`): what a new
    /// table made from a file's schema gets, whatever ids the file had.
    public init(freshIDsFrom fields: [Field]) {
        var next: Int32 = 0
        guard case let .structure(assigned) = UpdateSchema.reassigned(.structure(fields.map(NestedField.init(columnar:))), &next) else {
            self.init(fields: [])
            return
        }
        self.init(fields: assigned)
    }
}
