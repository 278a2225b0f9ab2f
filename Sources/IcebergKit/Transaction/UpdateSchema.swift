/// Schema evolution (Java's `UpdateSchema`): add, drop, rename, reorder, make optional and
/// promote columns, at the top level or nested in structs, list elements and map values.
///
/// Changes are checked as they are made, against the schema with the changes so far (an
/// illegal one throws ``IcebergError/Kind/validationFailed(_:)`` and is not recorded), and once
/// more on the table's newest metadata when the commit lands. The commit is the updates
/// `add-schema` + `set-current-schema` under `assert-current-schema-id` and
/// `assert-last-assigned-field-id`; when another writer changed the schema first, the changes
/// are re-applied on its schema (new columns then get ids above its last one).
///
/// The spec's rules, as Java applies them for format v2:
/// - new columns get ids above the table's `last-column-id` (nested types' ids too);
///   a required column cannot be added (v2 has no initial default to give existing rows);
/// - a name must be unique among its siblings (adds and renames);
/// - an identifier field, or the source column of a field of the current partition spec or
///   sort order, cannot be dropped;
/// - types only widen: `int` → `long`, `float` → `double`, `decimal(P,S)` → `decimal(P',S)` with
///   P' ≥ P.
///
/// When the table has `schema.name-mapping.default`, the commit updates it too (renamed fields
/// keep their old names as aliases and get the new one; added fields are mapped), as Java does.
///
/// ```swift
/// var update = table.updateSchema()
/// try update.addColumn("region", .string)
/// try update.renameColumn("name", to: "label")
/// try update.updateColumn("id", to: .long)
/// try update.moveFirst("region")
/// let evolved = try await update.commit()
/// ```
public struct UpdateSchema: Sendable {
    public private(set) var table: Table

    private static let root: Int32 = -1

    /// A column added under `parent` (``root`` for the top level).
    private struct Added: Sendable {
        var parent: Int32
        var field: NestedField
    }

    private enum Move: Sendable {
        case first(Int32)
        case before(Int32, Int32)
        case after(Int32, Int32)
    }

    private var deletes: Set<Int32> = []
    /// Changed fields by id (name, type, required, doc); children come from the type as built.
    private var updates: [Int32: NestedField] = [:]
    private var adds: [Added] = []
    private var moves: [Int32: [Move]] = [:]
    private var identifierNames: [String]?
    /// Ids assigned to added fields so far (from the base's last column id).
    private var lastColumnID: Int32

    init(table: Table) {
        self.table = table
        lastColumnID = table.metadata.lastColumnID
    }

    private var base: IcebergSchema { table.schema }

    private func invalid(_ text: String) -> IcebergError { IcebergError(.validationFailed(text)) }

    /// Runs `change` on a copy, checks the result applies to the base, and keeps it only then.
    private mutating func record(_ change: (inout UpdateSchema) throws(IcebergError) -> Void) throws(IcebergError) {
        var next = self
        try change(&next)
        _ = try next.apply(to: table.metadata)
        self = next
    }

    /// The id of the field named `name` in the base schema or among the columns added so far.
    private func resolve(_ name: String) throws(IcebergError) -> Int32 {
        if let id = SchemaIndex(base).id(of: name) { return id }
        if let id = addedIDs()[name] { return id }
        throw IcebergError(.notFound("column '\(name)'"))
    }

    /// Added fields by full name (parent's name + "." + name).
    private func addedIDs() -> [String: Int32] {
        let index = SchemaIndex(base)
        var out: [String: Int32] = [:]
        for a in adds {
            let parentName = a.parent == Self.root ? nil : (index.names[a.parent] ?? out.first { $0.value == a.parent }?.key)
            let full = parentName.map { $0 + "." + a.field.name } ?? a.field.name
            out[full] = a.field.id
            // Nested fields of an added struct.
            func visit(_ t: IcebergType, _ prefix: String) {
                if case let .structure(fs) = t { for f in fs { out[prefix + "." + f.name] = f.id; visit(f.type, prefix + "." + f.name) } }
            }
            visit(a.field.type, full)
        }
        return out
    }

    // MARK: Changes

    /// Adds an optional top-level column (or, with a dotted `name`, a column of the struct the
    /// prefix names: `point.z`). Nested ids in `type` are assigned here.
    public mutating func addColumn(_ name: String, _ type: IcebergType, doc: String? = nil, required: Bool = false) throws(IcebergError) {
        if let dot = name.lastIndex(of: ".") {
            try addColumn(parent: String(name[..<dot]), name: String(name[name.index(after: dot)...]), type, doc: doc, required: required)
        } else {
            try addColumn(parent: nil, name: name, type, doc: doc, required: required)
        }
    }

    /// Adds a column named `name` to the struct `parent` names (a struct column, a list whose
    /// elements are structs, or a map whose values are; nil: the top level).
    public mutating func addColumn(parent: String?, name: String, _ type: IcebergType, doc: String? = nil,
                                   required: Bool = false) throws(IcebergError) {
        guard !name.isEmpty, !name.contains(".") else { throw invalid("cannot add column '\(name)': a name must be non-empty and without dots") }
        guard !required else {
            throw invalid("cannot add required column '\(name)': format v2 has no initial default for existing rows")
        }
        try record { (u: inout UpdateSchema) throws(IcebergError) in
            var parentID = Self.root
            if let parent {
                let id = try u.resolve(parent)
                // A list's element or a map's value holds the struct.
                let found = SchemaIndex(u.base).fields[id]?.type ?? u.adds.first { $0.field.id == id }?.field.type
                switch found {
                case .structure?: parentID = id
                case let .list(elementID, _, .structure)?: parentID = elementID
                case let .map(_, _, valueID, _, .structure)?: parentID = valueID
                default: throw u.invalid("cannot add '\(name)' to '\(parent)': it is not a struct")
                }
                if u.deletes.contains(id) { throw u.invalid("cannot add '\(name)' to '\(parent)', which is being dropped") }
            }
            var next = u.lastColumnID
            let field = NestedField(id: Self.assign(&next), name: name, required: false, type: Self.reassigned(type, &next), doc: doc)
            u.lastColumnID = next
            u.adds.append(Added(parent: parentID, field: field))
        }
    }

    /// Drops a column (a struct's fields go with it).
    public mutating func deleteColumn(_ name: String) throws(IcebergError) {
        try record { (u: inout UpdateSchema) throws(IcebergError) in
            let id = try u.resolve(name)
            guard u.adds.allSatisfy({ $0.field.id != id }) else { throw u.invalid("cannot drop '\(name)': it is added in this update") }
            guard u.updates[id] == nil else { throw u.invalid("cannot drop '\(name)': it is changed in this update") }
            if u.isCollectionMember(id) {
                throw u.invalid("cannot drop '\(name)': a list's element or a map's key or value is not a column")
            }
            u.deletes.insert(id)
        }
    }

    /// Renames a column; `newName` is the last part only (`point.x` → `x2` renames it to `point.x2`).
    public mutating func renameColumn(_ name: String, to newName: String) throws(IcebergError) {
        guard !newName.isEmpty, !newName.contains(".") else { throw invalid("cannot rename '\(name)' to '\(newName)': a name must be non-empty and without dots") }
        try record { (u: inout UpdateSchema) throws(IcebergError) in
            let id = try u.resolve(name)
            guard !u.deletes.contains(id) else { throw u.invalid("cannot rename '\(name)': it is being dropped") }
            guard !u.isCollectionMember(id) else { throw u.invalid("cannot rename '\(name)': a list's element or a map's key or value has a fixed name") }
            if let i = u.adds.firstIndex(where: { $0.field.id == id }) {
                u.adds[i].field.name = newName
            } else {
                var f = try u.current(id)
                f.name = newName
                u.updates[id] = f
            }
        }
    }

    /// Makes a required column optional.
    public mutating func makeColumnOptional(_ name: String) throws(IcebergError) {
        try record { (u: inout UpdateSchema) throws(IcebergError) in
            let id = try u.resolve(name)
            guard !u.deletes.contains(id) else { throw u.invalid("cannot change '\(name)': it is being dropped") }
            guard !u.base.identifierFieldIDs.contains(id) || u.identifierNames != nil else {
                throw u.invalid("cannot make identifier field '\(name)' optional")
            }
            if let i = u.adds.firstIndex(where: { $0.field.id == id }) { u.adds[i].field.required = false; return }
            var f = try u.current(id)
            if u.isCollectionMember(id) {
                guard f.name != "key" else { throw u.invalid("a map's keys are always required") }
            }
            f.required = false
            u.updates[id] = f
        }
    }

    /// Widens a primitive column's type: `int` → `long`, `float` → `double`, or a decimal to a
    /// larger precision at the same scale. Any other change is refused.
    public mutating func updateColumn(_ name: String, to type: IcebergType) throws(IcebergError) {
        try record { (u: inout UpdateSchema) throws(IcebergError) in
            let id = try u.resolve(name)
            guard !u.deletes.contains(id) else { throw u.invalid("cannot change '\(name)': it is being dropped") }
            var f = try u.current(id)
            guard f.type.isPrimitive else { throw u.invalid("cannot change the type of '\(name)': it is a \(f.type)") }
            guard Self.canPromote(f.type, to: type) else {
                throw u.invalid("cannot change '\(name)' from \(f.type) to \(type): not a type promotion")
            }
            if f.type == type { return }
            if let i = u.adds.firstIndex(where: { $0.field.id == id }) { u.adds[i].field.type = type; return }
            f.type = type
            u.updates[id] = f
        }
    }

    /// Sets a column's doc string.
    public mutating func updateColumnDoc(_ name: String, doc: String?) throws(IcebergError) {
        try record { (u: inout UpdateSchema) throws(IcebergError) in
            let id = try u.resolve(name)
            if let i = u.adds.firstIndex(where: { $0.field.id == id }) { u.adds[i].field.doc = doc; return }
            var f = try u.current(id)
            f.doc = doc
            u.updates[id] = f
        }
    }

    /// Moves a column to the start of its struct.
    public mutating func moveFirst(_ name: String) throws(IcebergError) {
        try record { (u: inout UpdateSchema) throws(IcebergError) in
            let id = try u.resolve(name)
            u.moves[try u.parent(of: id), default: []].append(.first(id))
        }
    }

    /// Moves a column to just before `other` (a field of the same struct).
    public mutating func moveBefore(_ name: String, _ other: String) throws(IcebergError) {
        try record { (u: inout UpdateSchema) throws(IcebergError) in
            let (id, ref, parent) = try u.siblings(name, other)
            u.moves[parent, default: []].append(.before(id, ref))
        }
    }

    /// Moves a column to just after `other` (a field of the same struct).
    public mutating func moveAfter(_ name: String, _ other: String) throws(IcebergError) {
        try record { (u: inout UpdateSchema) throws(IcebergError) in
            let (id, ref, parent) = try u.siblings(name, other)
            u.moves[parent, default: []].append(.after(id, ref))
        }
    }

    /// Sets the schema's identifier fields (required primitive columns, by name).
    public mutating func setIdentifierFields(_ names: [String]) throws(IcebergError) {
        try record { (u: inout UpdateSchema) throws(IcebergError) in u.identifierNames = names }
    }

    // MARK: Applying

    /// The schema these changes make of `metadata`'s current schema (the id is the one it will
    /// get, or the id of an identical schema the table already has).
    public func apply(to metadata: TableMetadata) throws(IcebergError) -> IcebergSchema {
        guard let schema = metadata.currentSchema else { throw invalid("table has no current schema") }
        let index = SchemaIndex(schema)
        for id in deletes.union(updates.keys) where index.fields[id] == nil {
            throw invalid("column id \(id) is no longer in the table's schema")
        }
        for id in deletes {
            if schema.identifierFieldIDs.contains(id) && identifierNames == nil {
                throw invalid("cannot drop identifier field '\(index.names[id] ?? String(id))'")
            }
            if let spec = metadata.defaultSpec, let f = spec.fields.first(where: { Self.covers(id, $0.sourceID, index) }) {
                throw invalid("cannot drop '\(index.names[id] ?? String(id))': it is the source of partition field '\(f.name)' of the current spec")
            }
            let order = metadata.sortOrders.first { $0.orderID == metadata.defaultSortOrderID }
            if order?.fields.contains(where: { Self.covers(id, $0.sourceID, index) }) == true {
                throw invalid("cannot drop '\(index.names[id] ?? String(id))': the table's sort order sorts by it")
            }
        }
        // Added ids must be above the table's (a concurrent schema change took the ones assigned here).
        var next = metadata.lastColumnID
        var renumber: [Int32: Int32] = [:]
        var added = adds
        if let firstAdded = adds.map(\.field.id).min(), firstAdded <= metadata.lastColumnID {
            for i in added.indices {
                let old = added[i].field
                added[i].field = NestedField(id: Self.assign(&next), name: old.name, required: old.required,
                                             type: Self.reassigned(old.type, &next), doc: old.doc)
                renumber[old.id] = added[i].field.id
            }
            for i in added.indices { if let n = renumber[added[i].parent] { added[i].parent = n } }
        }
        var renumberedMoves: [Int32: [Move]] = [:]
        for (parent, list) in moves {
            renumberedMoves[renumber[parent] ?? parent] = list.map { m in
                switch m {
                case let .first(a): return .first(renumber[a] ?? a)
                case let .before(a, b): return .before(renumber[a] ?? a, renumber[b] ?? b)
                case let .after(a, b): return .after(renumber[a] ?? a, renumber[b] ?? b)
                }
            }
        }
        let fields = try applyStruct(schema.fields, parent: Self.root, added: added, moves: renumberedMoves)
        var result = IcebergSchema(schemaID: schema.schemaID, fields: fields, identifierFieldIDs: schema.identifierFieldIDs)
        if let identifierNames {
            let resultIndex = SchemaIndex(result)
            var ids: [Int32] = []
            for name in identifierNames {
                guard let id = resultIndex.id(of: name), let f = resultIndex.fields[id] else { throw invalid("identifier field '\(name)' is not a column") }
                guard f.type.isPrimitive, f.required else { throw invalid("identifier field '\(name)' must be a required primitive column") }
                ids.append(id)
            }
            result.identifierFieldIDs = ids
        }
        try Self.checkNames(.structure(result.fields), path: "")
        if result.fields.isEmpty { throw invalid("a schema needs at least one column") }
        if let same = metadata.schemas.first(where: { $0.fields == result.fields && $0.identifierFieldIDs == result.identifierFieldIDs }) {
            result.schemaID = same.schemaID
        } else {
            result.schemaID = (metadata.schemas.map(\.schemaID).max() ?? -1) + 1
        }
        return result
    }

    private func applyStruct(_ fields: [NestedField], parent: Int32, added: [Added], moves: [Int32: [Move]]) throws(IcebergError) -> [NestedField] {
        var out: [NestedField] = []
        for f in fields where !deletes.contains(f.id) {
            var field = updates[f.id].map { u in NestedField(id: f.id, name: u.name, required: u.required, type: u.type.isPrimitive ? u.type : f.type, doc: u.doc) } ?? f
            field.type = try applyType(field.type, owner: f.id, added: added, moves: moves)
            out.append(field)
        }
        for a in added where a.parent == parent {
            var field = a.field
            field.type = try applyType(field.type, owner: field.id, added: added, moves: moves)
            out.append(field)
        }
        for m in moves[parent] ?? [] {
            func take(_ id: Int32) throws(IcebergError) -> NestedField {
                guard let i = out.firstIndex(where: { $0.id == id }) else { throw invalid("cannot move column id \(id): it is not in its struct") }
                return out.remove(at: i)
            }
            switch m {
            case let .first(id): out.insert(try take(id), at: 0)
            case let .before(id, ref):
                let f = try take(id)
                guard let i = out.firstIndex(where: { $0.id == ref }) else { throw invalid("cannot move before column id \(ref): it was dropped") }
                out.insert(f, at: i)
            case let .after(id, ref):
                let f = try take(id)
                guard let i = out.firstIndex(where: { $0.id == ref }) else { throw invalid("cannot move after column id \(ref): it was dropped") }
                out.insert(f, at: i + 1)
            }
        }
        return out
    }

    private func applyType(_ type: IcebergType, owner: Int32, added: [Added], moves: [Int32: [Move]]) throws(IcebergError) -> IcebergType {
        switch type {
        case let .structure(fields):
            return .structure(try applyStruct(fields, parent: owner, added: added, moves: moves))
        case let .list(id, required, element):
            let u = updates[id]
            let elementType = u.map { $0.type.isPrimitive ? $0.type : element } ?? element
            return .list(elementID: id, elementRequired: u?.required ?? required,
                         element: try applyType(elementType, owner: id, added: added, moves: moves))
        case let .map(keyID, key, valueID, valueRequired, value):
            let v = updates[valueID]
            let valueType = v.map { $0.type.isPrimitive ? $0.type : value } ?? value
            return .map(keyID: keyID, key: try applyType(key, owner: keyID, added: added, moves: moves), valueID: valueID,
                        valueRequired: v?.required ?? valueRequired, value: try applyType(valueType, owner: valueID, added: added, moves: moves))
        default:
            return type
        }
    }

    /// Sibling names must be unique at every level.
    private static func checkNames(_ type: IcebergType, path: String) throws(IcebergError) {
        switch type {
        case let .structure(fields):
            var seen = Set<String>()
            for f in fields {
                guard seen.insert(f.name).inserted else {
                    throw IcebergError(.validationFailed("duplicate column name '\(path.isEmpty ? f.name : path + "." + f.name)'"))
                }
                try checkNames(f.type, path: path.isEmpty ? f.name : path + "." + f.name)
            }
        case let .list(_, _, e): try checkNames(e, path: path + ".element")
        case let .map(_, k, _, _, v):
            try checkNames(k, path: path + ".key")
            try checkNames(v, path: path + ".value")
        default: break
        }
    }

    /// Whether dropping `id` drops `source` (itself, or a field nested in it).
    private static func covers(_ id: Int32, _ source: Int32, _ index: SchemaIndex) -> Bool {
        var current: Int32? = source
        while let c = current {
            if c == id { return true }
            current = index.parents[c]
        }
        return false
    }

    /// Whether `id` is a list's element or a map's key or value.
    private func isCollectionMember(_ id: Int32) -> Bool {
        func visit(_ t: IcebergType) -> Bool {
            switch t {
            case let .structure(fs): return fs.contains { visit($0.type) }
            case let .list(e, _, et): return e == id || visit(et)
            case let .map(k, kt, v, _, vt): return k == id || v == id || visit(kt) || visit(vt)
            default: return false
            }
        }
        return visit(.structure(base.fields)) || adds.contains { visit($0.field.type) }
    }

    /// Field `id` as changed so far.
    private func current(_ id: Int32) throws(IcebergError) -> NestedField {
        if let f = updates[id] { return f }
        if let f = SchemaIndex(base).fields[id] { return f }
        throw IcebergError(.notFound("column id \(id)"))
    }

    /// The struct-like field holding `id` (``root`` at the top level).
    private func parent(of id: Int32) throws(IcebergError) -> Int32 {
        if let a = adds.first(where: { $0.field.id == id }) { return a.parent }
        let index = SchemaIndex(base)
        guard index.fields[id] != nil else { throw IcebergError(.notFound("column id \(id)")) }
        if isCollectionMember(id) { throw invalid("cannot move a list's element or a map's key or value") }
        return index.parents[id] ?? Self.root
    }

    private func siblings(_ name: String, _ other: String) throws(IcebergError) -> (Int32, Int32, Int32) {
        let id = try resolve(name), ref = try resolve(other)
        guard id != ref else { throw invalid("cannot move '\(name)' relative to itself") }
        let parent = try parent(of: id)
        guard try self.parent(of: ref) == parent else { throw invalid("cannot move '\(name)' next to '\(other)': they are in different structs") }
        return (id, ref, parent)
    }

    static func assign(_ next: inout Int32) -> Int32 {
        next += 1
        return next
    }

    /// `type` with every nested id assigned afresh, depth first (as Java's `TypeUtil.assignFreshIds`).
    static func reassigned(_ type: IcebergType, _ next: inout Int32) -> IcebergType {
        switch type {
        case let .structure(fields):
            // Ids of a struct's fields first, then their children (Java's order).
            let ids = fields.map { _ in assign(&next) }
            return .structure(zip(fields, ids).map { f, id in
                NestedField(id: id, name: f.name, required: f.required, type: reassigned(f.type, &next), doc: f.doc)
            })
        case let .list(_, required, element):
            let id = assign(&next)
            return .list(elementID: id, elementRequired: required, element: reassigned(element, &next))
        case let .map(_, key, _, valueRequired, value):
            let k = assign(&next), v = assign(&next)
            return .map(keyID: k, key: reassigned(key, &next), valueID: v, valueRequired: valueRequired, value: reassigned(value, &next))
        default:
            return type
        }
    }

    /// Whether a column of type `from` can be read as `to` (the spec's type promotions).
    public static func canPromote(_ from: IcebergType, to: IcebergType) -> Bool {
        switch (from, to) {
        case (.int, .long), (.float, .double): return true
        case let (.decimal(p1, s1), .decimal(p2, s2)): return s1 == s2 && p2 >= p1
        default: return from == to
        }
    }

    // MARK: Committing

    /// The renames and adds of these changes, for the name mapping (ids as applied on `metadata`).
    private func mappingChanges(_ result: IcebergSchema) -> (renamed: [Int32: String], added: [Int32]) {
        var renamed: [Int32: String] = [:]
        for (id, f) in updates { renamed[id] = f.name }
        let baseIDs = Set(SchemaIndex(base).fields.keys)
        let added = SchemaIndex(result).fields.keys.filter { !baseIDs.contains($0) }
        return (renamed, added)
    }

    /// Commits the new schema and makes it current; returns the table as committed. Nothing is
    /// committed when the changes leave the schema as it is.
    @discardableResult
    public func commit(attempts: Int = 30) async throws(IcebergError) -> Table {
        let this = self
        return try await CommitRetry.run(table, attempts: attempts) { (current) throws(IcebergError) -> Table in
            let metadata = current.metadata
            let schema = try this.apply(to: metadata)
            if schema.schemaID == metadata.currentSchemaID { return current }
            var updates: [TableUpdate] = [.addSchema(schema), .setCurrentSchema(-1)]
            if let text = metadata.properties[NameMapping.propertyKey] {
                var mapping = try NameMapping(jsonText: text)
                let changes = this.mappingChanges(schema)
                mapping.update(schema: schema, renamed: changes.renamed, added: changes.added)
                updates.append(.setProperties([NameMapping.propertyKey: mapping.jsonText]))
            }
            return try await current.commit(requirements: [.assertTableUUID(metadata.tableUUID),
                                                           .assertCurrentSchemaID(metadata.currentSchemaID),
                                                           .assertLastAssignedFieldID(metadata.lastColumnID)],
                                            updates: updates)
        }
    }
}

extension Table {
    /// Starts a schema change (see ``UpdateSchema``).
    public func updateSchema() -> UpdateSchema { UpdateSchema(table: self) }
}
