public import ParquetWriter

/// The table property `schema.name-mapping.default`: how to find field ids for data files
/// written without them (files registered with `add_files`, written by tools that know no
/// Iceberg), by column name, as the spec's "Column Projection" section describes.
///
/// The JSON is an array of mapped fields, each `{"field-id": 1, "names": ["id", "record_id"],
/// "fields": [...]}` (`field-id` may be absent: such names map to no column; `fields` maps the
/// children of a struct, a list's `element`, a map's `key` and `value`).
///
/// ```swift
/// let mapping = NameMapping(schema: table.schema)        // as Java's MappingUtil.create
/// try await table.setNameMapping(mapping)
/// ```
public struct NameMapping: Sendable, Hashable {
    /// The table property that holds the default mapping.
    public static let propertyKey = "schema.name-mapping.default"

    /// One mapped field: the names that map to `fieldID`, and the mapping of its children.
    public struct MappedField: Sendable, Hashable {
        public var fieldID: Int32?
        public var names: [String]
        public var fields: [MappedField]

        public init(fieldID: Int32?, names: [String], fields: [MappedField] = []) {
            self.fieldID = fieldID
            self.names = names
            self.fields = fields
        }
    }

    public var fields: [MappedField]

    public init(fields: [MappedField]) {
        self.fields = fields
    }

    /// The mapping of `schema`'s current names to its ids, at every depth (Java's
    /// `MappingUtil.create`): list elements are named `element`, map entries `key` and `value`.
    public init(schema: IcebergSchema) {
        fields = schema.fields.map { Self.mapped($0.id, $0.name, $0.type) }
    }

    static func mapped(_ id: Int32, _ name: String, _ type: IcebergType) -> MappedField {
        MappedField(fieldID: id, names: [name], fields: children(type))
    }

    static func children(_ type: IcebergType) -> [MappedField] {
        switch type {
        case let .structure(fs): return fs.map { mapped($0.id, $0.name, $0.type) }
        case let .list(id, _, e): return [mapped(id, "element", e)]
        case let .map(k, kt, v, _, vt): return [mapped(k, "key", kt), mapped(v, "value", vt)]
        default: return []
        }
    }

    // MARK: JSON

    /// Parses the property's JSON.
    public init(jsonText: String) throws(IcebergError) {
        let json = try AvroJSON(parsing: jsonText)
        fields = try Self.parseFields(json, depth: 0)
    }

    private static func parseFields(_ json: AvroJSON, depth: Int) throws(IcebergError) -> [MappedField] {
        guard depth < 64 else { throw IcebergError(.invalidMetadata("name mapping nested too deeply")) }
        guard case let .array(items) = json else { throw IcebergError(.invalidMetadata("name mapping is not a JSON array")) }
        var out: [MappedField] = []
        for item in items {
            guard case .object = item else { throw IcebergError(.invalidMetadata("name mapping entry is not an object")) }
            var id: Int32?
            if let raw = item["field-id"], raw != .null {
                guard let value = raw.intValue.flatMap({ Int32(exactly: $0) }) else {
                    throw IcebergError(.invalidMetadata("name mapping field-id \(raw.text) is not an integer"))
                }
                id = value
            }
            guard case let .array(nameItems)? = item["names"] else { throw IcebergError(.invalidMetadata("name mapping entry without names")) }
            var names: [String] = []
            for n in nameItems {
                guard let s = n.stringValue else { throw IcebergError(.invalidMetadata("name mapping name \(n.text) is not a string")) }
                names.append(s)
            }
            var children: [MappedField] = []
            if let nested = item["fields"], nested != .null { children = try parseFields(nested, depth: depth + 1) }
            out.append(MappedField(fieldID: id, names: names, fields: children))
        }
        return out
    }

    public var json: AvroJSON { Self.fieldsJSON(fields) }

    private static func fieldsJSON(_ fields: [MappedField]) -> AvroJSON {
        .array(fields.map { f in
            var pairs: [(String, AvroJSON)] = []
            if let id = f.fieldID { pairs.append(("field-id", .integer(Int64(id)))) }
            pairs.append(("names", .array(f.names.map { .string($0) })))
            if !f.fields.isEmpty { pairs.append(("fields", fieldsJSON(f.fields))) }
            return .object(pairs)
        })
    }

    /// The mapping as the property's JSON text.
    public var jsonText: String { json.text }

    // MARK: Lookup

    /// The mapped field at `path` (names from the top level down), if any.
    public func find(_ path: [String]) -> MappedField? {
        var level = fields
        var found: MappedField?
        for name in path {
            guard let f = level.first(where: { $0.names.contains(name) }) else { return nil }
            found = f
            level = f.fields
        }
        return found
    }

    /// Brings the mapping up to date after a schema change (Java's `MappingUtil.update`): a
    /// renamed field gains its new name (the old ones stay, so older files still map); added
    /// fields are mapped under their parent.
    mutating func update(schema: IcebergSchema, renamed: [Int32: String], added: [Int32]) {
        let index = SchemaIndex(schema)
        let addedSet = Set(added)
        func visit(_ level: inout [MappedField], parentType: IcebergType) {
            for i in level.indices {
                if let id = level[i].fieldID, let name = renamed[id], !level[i].names.contains(name) {
                    // The new name takes precedence: no other field of this level keeps it.
                    for j in level.indices where j != i { level[j].names.removeAll { $0 == name } }
                    level[i].names.append(name)
                }
                if let id = level[i].fieldID, let f = index.fields[id] { visit(&level[i].fields, parentType: f.type) }
            }
            // Fields of this struct the mapping does not have yet.
            let known = Set(level.compactMap(\.fieldID))
            for child in Self.children(parentType) where child.fieldID.map({ addedSet.contains($0) && !known.contains($0) }) == true {
                level.append(child)
            }
        }
        visit(&fields, parentType: .structure(schema.fields))
    }

    // MARK: Applying to Parquet

    /// Ids given to Parquet nodes the mapping does not name: far above any column id, so they
    /// never match a table column.
    static let unmappedIDBase: Int32 = 2_000_000_000

    /// `elements` (a flattened Parquet schema without field ids) with the field ids this mapping
    /// gives their names, as Java's `ApplyNameMapping` does: struct fields by name, a list's
    /// element and a map's key and value by position. Nodes the mapping does not name (and the
    /// repeated groups of lists and maps) get ids that match no column, so they read as absent.
    public func applied(to elements: [SchemaElement]) -> [SchemaElement] {
        var out = elements
        var index = 1
        var nextUnmapped = Self.unmappedIDBase
        func unmapped() -> Int32 {
            nextUnmapped += 1
            return nextUnmapped
        }
        /// Assigns ids to the node at `index` and its subtree, given its mapped field.
        func visit(mapped: MappedField?, depth: Int) {
            guard index < out.count, depth < 64 else { return }
            let me = index
            index += 1
            out[me].fieldID = mapped?.fieldID ?? unmapped()
            let childCount = Int(max(0, out[me].numChildren ?? 0))
            guard childCount > 0 else { return }
            // A LIST or MAP annotated group: one repeated child holding the element, or the key and value.
            let isCollection = childCount == 1 && index < out.count && out[index].repetition == .repeated
                && (out[me].convertedType == .list || out[me].convertedType == .map || out[me].convertedType == .mapKeyValue
                    || ["list", "key_value", "map", "array", "bag"].contains(out[index].name))
            if isCollection {
                let repeated = index
                let inner = Int(max(0, out[repeated].numChildren ?? 0))
                if inner == 0 {
                    // Two-level list: the repeated node is the element.
                    visit(mapped: mapped?.fields.first, depth: depth + 1)
                    return
                }
                index += 1
                out[repeated].fieldID = unmapped()
                let children = mapped?.fields ?? []
                for k in 0..<inner {
                    // Element (lists), key then value (maps), by position.
                    let child = inner == 1 ? children.first { $0.names.contains("element") } ?? children.first
                        : (k < children.count ? children.first { $0.names.contains(k == 0 ? "key" : "value") } ?? children[k] : nil)
                    visit(mapped: child, depth: depth + 1)
                }
                return
            }
            let children = mapped?.fields ?? []
            for _ in 0..<childCount {
                let name = index < out.count ? out[index].name : ""
                visit(mapped: children.first { $0.names.contains(name) }, depth: depth + 1)
            }
        }
        guard !out.isEmpty else { return out }
        let rootChildren = Int(max(0, out[0].numChildren ?? 0))
        for _ in 0..<rootChildren {
            let name = index < out.count ? out[index].name : ""
            visit(mapped: fields.first { $0.names.contains(name) }, depth: 0)
        }
        return out
    }
}

extension Table {
    /// The table's name mapping (`schema.name-mapping.default`), if set.
    public func nameMapping() throws(IcebergError) -> NameMapping? {
        try metadata.properties[NameMapping.propertyKey].map { (text) throws(IcebergError) in try NameMapping(jsonText: text) }
    }

    /// Sets the table's name mapping (`schema.name-mapping.default`; by default the mapping of
    /// the current schema, as Java's `MappingUtil.create` builds it).
    @discardableResult
    public func setNameMapping(_ mapping: NameMapping? = nil) async throws(IcebergError) -> Table {
        let mapping = mapping ?? NameMapping(schema: schema)
        return try await setProperties([NameMapping.propertyKey: mapping.jsonText])
    }
}
