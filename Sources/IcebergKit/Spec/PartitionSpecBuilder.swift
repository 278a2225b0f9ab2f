/// Builds a ``PartitionSpec`` by column name and transform, so that nobody writes raw field ids
/// (Java's `PartitionSpec.builderFor(schema)`):
///
/// ```swift
/// let spec = try PartitionSpec.builder(schema).day("timestamp").identity("region").bucket(16, "id").build()
/// ```
///
/// Partition field ids are assigned from 1000 in order; names default to Java's and pyiceberg's
/// (`timestamp_day`, `region`, `id_bucket_16`, `name_trunc_4`, …). Mistakes (an unknown column, a
/// transform the column's type does not take, a duplicate name or field) are reported by
/// ``build()``.
public struct PartitionSpecBuilder: Sendable {
    public let schema: IcebergSchema
    private var terms: [(column: String, transform: Transform, name: String?)] = []

    public init(schema: IcebergSchema) {
        self.schema = schema
    }

    /// Adds a field: `transform` of `column` (a dotted name reaches a struct's field).
    public func add(_ column: String, _ transform: Transform, name: String? = nil) -> Self {
        var next = self
        next.terms.append((column, transform, name))
        return next
    }

    public func identity(_ column: String, name: String? = nil) -> Self { add(column, .identity, name: name) }
    public func bucket(_ count: Int, _ column: String, name: String? = nil) -> Self { add(column, .bucket(count), name: name) }
    public func truncate(_ width: Int, _ column: String, name: String? = nil) -> Self { add(column, .truncate(width), name: name) }
    public func year(_ column: String, name: String? = nil) -> Self { add(column, .year, name: name) }
    public func month(_ column: String, name: String? = nil) -> Self { add(column, .month, name: name) }
    public func day(_ column: String, name: String? = nil) -> Self { add(column, .day, name: name) }
    public func hour(_ column: String, name: String? = nil) -> Self { add(column, .hour, name: name) }

    /// The spec (id 0), checked against the schema.
    public func build(specID: Int32 = 0) throws(IcebergError) -> PartitionSpec {
        var fields: [PartitionField] = []
        for (i, term) in terms.enumerated() {
            guard let source = schema.field(named: term.column) else {
                throw IcebergError(.validationFailed("cannot partition by unknown column '\(term.column)'"))
            }
            fields.append(PartitionField(sourceID: source.id, fieldID: 1000 + Int32(i),
                                         name: term.name ?? term.transform.partitionName(term.column), transform: term.transform))
        }
        let spec = PartitionSpec(specID: specID, fields: fields)
        try spec.validate(against: schema)
        return spec
    }
}

extension PartitionSpec {
    /// A builder of a spec for `schema` (see ``PartitionSpecBuilder``).
    public static func builder(_ schema: IcebergSchema) -> PartitionSpecBuilder { PartitionSpecBuilder(schema: schema) }

    /// Checks the spec's rules against `schema`, as Java's builder does: each source column exists
    /// and takes its transform, names are unique and non-empty, a name that is a column's is only
    /// the identity partition of that column, and a source has one field per transform.
    public func validate(against schema: IcebergSchema) throws(IcebergError) {
        var names = Set<String>()
        var terms = Set<String>()
        for f in fields {
            guard !f.name.isEmpty else { throw IcebergError(.validationFailed("partition field \(f.fieldID) has an empty name")) }
            guard names.insert(f.name).inserted else { throw IcebergError(.validationFailed("duplicate partition field name '\(f.name)'")) }
            if f.transform == .void { continue }
            guard let source = schema.field(id: f.sourceID) else {
                throw IcebergError(.validationFailed("partition field '\(f.name)' has unknown source column \(f.sourceID)"))
            }
            guard f.transform.canTransform(source.type) else {
                throw IcebergError(.validationFailed("cannot partition by \(f.transform) of '\(schema.name(of: f.sourceID) ?? source.name)', a \(source.type)"))
            }
            if let column = schema.field(named: f.name), !(column.id == f.sourceID && f.transform == .identity) {
                throw IcebergError(.validationFailed("partition field name '\(f.name)' is the name of another column"))
            }
            // Two time transforms of one column are redundant (Java's dedup name "time").
            let term = [.year, .month, .day, .hour].contains(f.transform) ? "time" : f.transform.description
            guard terms.insert("\(f.sourceID):\(term)").inserted else {
                throw IcebergError(.validationFailed("redundant partition field '\(f.name)': column \(schema.name(of: f.sourceID) ?? String(f.sourceID)) is already partitioned by \(term)"))
            }
        }
    }

    /// The spec as one line per field (what the CLI prints).
    public func outline(_ schema: IcebergSchema) -> String {
        let lines = fields.map { f in
            "\(f.fieldID): \(f.name) = \(f.transform)(\(schema.name(of: f.sourceID) ?? "column \(f.sourceID)"))"
        }
        return "spec \(specID)" + (lines.isEmpty ? " (unpartitioned)" : "\n" + lines.joined(separator: "\n"))
    }
}

extension Transform {
    /// The default partition field name for this transform of `column` (Java's and pyiceberg's).
    public func partitionName(_ column: String) -> String {
        switch self {
        case .identity: return column
        case let .bucket(n): return "\(column)_bucket_\(n)"
        case let .truncate(w): return "\(column)_trunc_\(w)"
        case .year: return "\(column)_year"
        case .month: return "\(column)_month"
        case .day: return "\(column)_day"
        case .hour: return "\(column)_hour"
        case .void: return "\(column)_null"
        }
    }

    /// Whether this transform applies to a column of `type` (the spec's transform table).
    public func canTransform(_ type: IcebergType) -> Bool {
        guard type.isPrimitive else { return self == .void }
        switch self {
        case .identity, .void: return true
        case .bucket:
            switch type {
            case .int, .long, .decimal, .date, .time, .timestamp, .timestamptz, .timestampNs, .timestamptzNs, .string, .uuid, .fixed, .binary: return true
            default: return false
            }
        case .truncate:
            switch type {
            case .int, .long, .decimal, .string, .binary: return true
            default: return false
            }
        case .year, .month, .day:
            switch type {
            case .date, .timestamp, .timestamptz, .timestampNs, .timestamptzNs: return true
            default: return false
            }
        case .hour:
            switch type {
            case .timestamp, .timestamptz, .timestampNs, .timestamptzNs: return true
            default: return false
            }
        }
    }

    /// Parses a partition term as SQL and the CLI write it: `day(ts)`, `hour(ts)`, `month(ts)`,
    /// `year(ts)`, `bucket(16, id)`, `truncate(4, name)`, `identity(region)` or a bare column
    /// name (identity); returns the column and the transform.
    public static func parseTerm(_ text: String) throws(IcebergError) -> (column: String, transform: Transform) {
        let t = text.trimmingSpaces()
        guard let open = t.firstIndex(of: "(") else {
            guard !t.isEmpty, !t.contains(")"), !t.contains(",") else { throw IcebergError(.invalidMetadata("cannot read partition term '\(text)'")) }
            return (t, .identity)
        }
        guard t.hasSuffix(")") else { throw IcebergError(.invalidMetadata("partition term '\(text)' does not end with ')'")) }
        let name = String(t[..<open]).trimmingSpaces().lowercased()
        let arguments = t[t.index(after: open)..<t.index(before: t.endIndex)].split(separator: ",", omittingEmptySubsequences: false)
            .map { String($0).trimmingSpaces() }
        func column(_ s: String) throws(IcebergError) -> String {
            guard !s.isEmpty, !s.contains("("), !s.contains(")") else { throw IcebergError(.invalidMetadata("partition term '\(text)' has no column")) }
            return s
        }
        switch (name, arguments.count) {
        case ("identity", 1): return (try column(arguments[0]), .identity)
        case ("year", 1), ("years", 1): return (try column(arguments[0]), .year)
        case ("month", 1), ("months", 1): return (try column(arguments[0]), .month)
        case ("day", 1), ("days", 1): return (try column(arguments[0]), .day)
        case ("hour", 1), ("hours", 1): return (try column(arguments[0]), .hour)
        case ("void", 1): return (try column(arguments[0]), .void)
        case ("bucket", 2), ("truncate", 2):
            guard let n = Int(arguments[0]), n > 0 else {
                throw IcebergError(.invalidMetadata("partition term '\(text)': \(name) takes a positive count first"))
            }
            return (try column(arguments[1]), name == "bucket" ? .bucket(n) : .truncate(n))
        default:
            throw IcebergError(.invalidMetadata("unknown partition term '\(text)' (day(col), hour(col), month(col), year(col), bucket(n, col), truncate(w, col), identity(col))"))
        }
    }
}
