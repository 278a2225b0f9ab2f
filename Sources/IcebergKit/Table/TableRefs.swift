public import LakeColumnar

/// Reading a table at a branch or tag.
extension Table {
    /// A scan of the snapshot branch or tag `ref` points at: a branch is read with the table's
    /// current schema, a tag with its snapshot's schema, as Java reads refs. Throws
    /// ``IcebergError/Kind/notFound(_:)`` for an unknown ref.
    public func scan(ref: String, filter: ColumnPredicate? = nil, columns: [String]? = nil) throws(IcebergError) -> TableScan {
        var scan = TableScan(table: self)
        scan.filter = filter
        scan.columns = columns
        try scan.useRef(ref)
        return scan
    }

    /// The snapshot branch or tag `ref` points at, or nil when there is no such ref.
    public func snapshot(ref: String) -> Snapshot? {
        metadata.refs[ref].flatMap { metadata.snapshot(id: $0.snapshotID) }
    }
}
