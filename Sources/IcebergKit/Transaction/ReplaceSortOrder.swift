/// Sets the table's default sort order (Java's `ReplaceSortOrder`): columns, each with a
/// transform, a direction and a null order. ``TableWriter`` sorts the rows of the files it
/// writes by it (see ``TableWriter/sortBufferRows`` for how far).
///
/// The commit is `add-sort-order` + `set-default-sort-order` under
/// `assert-default-sort-order-id`, re-applied on the newest metadata when another writer
/// committed first; an order equal to one the table has is reused (order id 0 is "unsorted").
///
/// ```swift
/// var order = table.replaceSortOrder()
/// try order.asc("timestamp", .hour)
/// try order.desc("sc_status")
/// let sorted = try await order.commit()
/// ```
public struct ReplaceSortOrder: Sendable {
    public private(set) var table: Table
    public private(set) var fields: [SortOrder.SortField] = []

    init(table: Table) {
        self.table = table
    }

    /// Sorts by `transform` of `column` ascending (nulls first unless said otherwise, as Java).
    public mutating func asc(_ column: String, _ transform: Transform = .identity, nullsFirst: Bool = true) throws(IcebergError) {
        try add(column, transform, ascending: true, nullsFirst: nullsFirst)
    }

    /// Sorts by `transform` of `column` descending (nulls last unless said otherwise, as Java).
    public mutating func desc(_ column: String, _ transform: Transform = .identity, nullsFirst: Bool = false) throws(IcebergError) {
        try add(column, transform, ascending: false, nullsFirst: nullsFirst)
    }

    /// Sorts by a term as SQL writes it (`timestamp`, `day(timestamp)`, `bucket(16, id)`); the
    /// null order defaults to first when ascending, last when descending.
    public mutating func add(term: String, ascending: Bool = true, nullsFirst: Bool? = nil) throws(IcebergError) {
        let (column, transform) = try Transform.parseTerm(term)
        try add(column, transform, ascending: ascending, nullsFirst: nullsFirst ?? ascending)
    }

    public mutating func add(_ column: String, _ transform: Transform, ascending: Bool, nullsFirst: Bool) throws(IcebergError) {
        guard let field = table.schema.field(named: column) else { throw IcebergError(.notFound("column '\(column)'")) }
        guard field.type.isPrimitive, transform.canTransform(field.type), transform != .void else {
            throw IcebergError(.validationFailed("cannot sort by \(transform) of '\(column)', a \(field.type)"))
        }
        guard !fields.contains(where: { $0.sourceID == field.id && $0.transform == transform }) else {
            throw IcebergError(.validationFailed("'\(column)' is already in the sort order with \(transform)"))
        }
        fields.append(SortOrder.SortField(sourceID: field.id, transform: transform, ascending: ascending, nullsFirst: nullsFirst))
    }

    /// The order these fields make on `metadata` (the id of an equal existing order, else the next one).
    public func apply(to metadata: TableMetadata) throws(IcebergError) -> SortOrder {
        guard let schema = metadata.currentSchema else { throw IcebergError(.validationFailed("table has no current schema")) }
        for f in fields where schema.field(id: f.sourceID) == nil {
            throw IcebergError(.validationFailed("sort column \(f.sourceID) is no longer in the table's schema"))
        }
        if fields.isEmpty { return .unsorted }
        if let same = metadata.sortOrders.first(where: { $0.fields == fields }) { return same }
        return SortOrder(orderID: max(1, (metadata.sortOrders.map(\.orderID).max() ?? 0) + 1), fields: fields)
    }

    /// Commits the order and makes it the default; returns the table as committed.
    @discardableResult
    public func commit(attempts: Int = 30) async throws(IcebergError) -> Table {
        let this = self
        return try await CommitRetry.run(table, attempts: attempts) { (current) throws(IcebergError) -> Table in
            let metadata = current.metadata
            let order = try this.apply(to: metadata)
            if order.orderID == metadata.defaultSortOrderID { return current }
            return try await current.commit(requirements: [.assertTableUUID(metadata.tableUUID),
                                                           .assertDefaultSortOrderID(metadata.defaultSortOrderID)],
                                            updates: [.addSortOrder(order), .setDefaultSortOrder(-1)])
        }
    }
}

extension Table {
    /// Starts replacing the table's sort order (see ``ReplaceSortOrder``).
    public func replaceSortOrder() -> ReplaceSortOrder { ReplaceSortOrder(table: self) }

    /// The default sort order.
    public var sortOrder: SortOrder { metadata.sortOrders.first { $0.orderID == metadata.defaultSortOrderID } ?? .unsorted }
}

extension SortOrder {
    /// The order as one line per field (what the CLI prints).
    public func outline(_ schema: IcebergSchema) -> String {
        let lines = fields.map { f in
            let column = schema.name(of: f.sourceID) ?? "column \(f.sourceID)"
            let term = f.transform == .identity ? column : "\(f.transform)(\(column))"
            return "\(term) \(f.ascending ? "ASC" : "DESC") \(f.nullsFirst ? "NULLS FIRST" : "NULLS LAST")"
        }
        return "sort order \(orderID)" + (lines.isEmpty ? " (unsorted)" : "\n" + lines.joined(separator: "\n"))
    }
}
