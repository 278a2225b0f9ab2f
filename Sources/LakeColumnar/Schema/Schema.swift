/// An ordered list of fields with unique ids, plus schema-level metadata.
public struct Schema: Sendable, Hashable {
    /// The top-level fields, in column order.
    public private(set) var fields: [Field]
    /// Schema-level key/value metadata.
    public var metadata: [String: String]

    /// Creates a schema, checking that field ids are unique at every nesting level.
    public init(fields: [Field], metadata: [String: String] = [:]) throws(ColumnarError) {
        var seen = Set<Int32>()
        func visit(_ field: Field) throws(ColumnarError) {
            guard seen.insert(field.id).inserted else { throw ColumnarError(.duplicateFieldID(field.id), field: field.name) }
            for child in field.children { try visit(child) }
        }
        for field in fields { try visit(field) }
        self.fields = fields
        self.metadata = metadata
    }

    /// A schema whose ids the caller knows to be unique (derived from a checked schema).
    init(unchecked fields: [Field], metadata: [String: String]) {
        self.fields = fields
        self.metadata = metadata
    }

    /// The number of top-level fields.
    public var count: Int { fields.count }

    /// The position of the top-level field named `name`, or `nil`.
    public func index(ofField name: String) -> Int? {
        fields.firstIndex { $0.name == name }
    }

    /// The position of the top-level field with id `id`, or `nil`.
    public func index(ofFieldID id: Int32) -> Int? {
        fields.firstIndex { $0.id == id }
    }

    /// The top-level field named `name`, or `nil`.
    public func field(named name: String) -> Field? {
        index(ofField: name).map { fields[$0] }
    }

    /// The highest field id used anywhere in the schema (0 when empty).
    public var highestFieldID: Int32 {
        func maxID(_ field: Field) -> Int32 { field.children.reduce(field.id) { max($0, maxID($1)) } }
        return fields.reduce(0) { max($0, maxID($1)) }
    }

    /// A schema of the fields at `indices`, in that order.
    public func projected(_ indices: [Int]) -> Schema {
        // Ids stay unique: a subset of unique ids.
        var copy = self
        copy.fields = indices.map { fields[$0] }
        return copy
    }
}
