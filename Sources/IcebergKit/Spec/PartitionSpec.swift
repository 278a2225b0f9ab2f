/// A field of a partition spec: a transform of a source column, with its own field id (≥ 1000).
public struct PartitionField: Sendable, Hashable {
    public var sourceID: Int32
    public var fieldID: Int32
    public var name: String
    public var transform: Transform

    public init(sourceID: Int32, fieldID: Int32, name: String, transform: Transform) {
        self.sourceID = sourceID
        self.fieldID = fieldID
        self.name = name
        self.transform = transform
    }
}

/// How a table's rows map to partitions (hidden partitioning: values are derived, never stored).
public struct PartitionSpec: Sendable, Hashable {
    public var specID: Int32
    public var fields: [PartitionField]

    public init(specID: Int32 = 0, fields: [PartitionField] = []) {
        self.specID = specID
        self.fields = fields
    }

    public static let unpartitioned = PartitionSpec()

    /// No field partitions anything (no fields, or only `void` ones, as Java judges).
    public var isUnpartitioned: Bool { fields.allSatisfy { $0.transform == .void } }

    /// The highest partition field id (999 when unpartitioned, as Java and pyiceberg write).
    public var lastAssignedFieldID: Int32 { fields.map(\.fieldID).max() ?? 999 }

    public var json: AvroJSON {
        .object([("spec-id", .integer(Int64(specID))), ("fields", .array(fields.map(Self.fieldJSON)))])
    }

    static func fieldJSON(_ f: PartitionField) -> AvroJSON {
        .object([("source-id", .integer(Int64(f.sourceID))), ("field-id", .integer(Int64(f.fieldID))),
                 ("name", .string(f.name)), ("transform", .string(f.transform.description))])
    }

    /// The fields array alone (the form manifests store under `partition-spec`).
    public var fieldsJSON: AvroJSON { .array(fields.map(Self.fieldJSON)) }

    public init(json: AvroJSON) throws(IcebergError) {
        guard case let .array(items)? = json["fields"] else { throw IcebergError(.invalidMetadata("partition spec without fields")) }
        var fields: [PartitionField] = []
        for (i, item) in items.enumerated() {
            guard let source = item["source-id"]?.intValue.flatMap({ Int32(exactly: $0) }), let name = item["name"]?.stringValue,
                  let transform = item["transform"]?.stringValue else {
                throw IcebergError(.invalidMetadata("partition field without source-id, name or transform"))
            }
            // v1 specs may omit field ids: they were assigned from 1000 in order.
            let id = item["field-id"]?.intValue.flatMap { Int32(exactly: $0) } ?? Int32(1000 + i)
            fields.append(PartitionField(sourceID: source, fieldID: id, name: name, transform: try Transform(parsing: transform)))
        }
        self.init(specID: json["spec-id"]?.intValue.flatMap { Int32(exactly: $0) } ?? 0, fields: fields)
    }
}

/// A sort order (order id 0 is "unsorted").
public struct SortOrder: Sendable, Hashable {
    public struct SortField: Sendable, Hashable {
        public var sourceID: Int32
        public var transform: Transform
        public var ascending: Bool
        public var nullsFirst: Bool

        public init(sourceID: Int32, transform: Transform = .identity, ascending: Bool = true, nullsFirst: Bool = true) {
            self.sourceID = sourceID
            self.transform = transform
            self.ascending = ascending
            self.nullsFirst = nullsFirst
        }
    }

    public var orderID: Int32
    public var fields: [SortField]

    public init(orderID: Int32 = 0, fields: [SortField] = []) {
        self.orderID = orderID
        self.fields = fields
    }

    public static let unsorted = SortOrder()

    public var json: AvroJSON {
        .object([("order-id", .integer(Int64(orderID))), ("fields", .array(fields.map { f in
            .object([("transform", .string(f.transform.description)), ("source-id", .integer(Int64(f.sourceID))),
                     ("direction", .string(f.ascending ? "asc" : "desc")), ("null-order", .string(f.nullsFirst ? "nulls-first" : "nulls-last"))])
        }))])
    }

    public init(json: AvroJSON) throws(IcebergError) {
        var fields: [SortField] = []
        if case let .array(items)? = json["fields"] {
            for item in items {
                guard let source = item["source-id"]?.intValue.flatMap({ Int32(exactly: $0) }),
                      let transform = item["transform"]?.stringValue else {
                    throw IcebergError(.invalidMetadata("sort field without source-id or transform"))
                }
                fields.append(SortField(sourceID: source, transform: try Transform(parsing: transform),
                                        ascending: item["direction"]?.stringValue != "desc",
                                        nullsFirst: item["null-order"]?.stringValue != "nulls-last"))
            }
        }
        self.init(orderID: json["order-id"]?.intValue.flatMap { Int32(exactly: $0) } ?? 0, fields: fields)
    }
}
