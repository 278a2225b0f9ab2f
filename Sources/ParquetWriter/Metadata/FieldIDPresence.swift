extension FileMetaData {
    /// Whether every top-level column of the file carries a `field_id`.
    ///
    /// Iceberg matches columns by field id. A file written by a tool that knows no Iceberg has
    /// none, and the ids a reader assigns to such a file mean nothing: it must be read through a
    /// name mapping, or refused.
    public var topLevelFieldsHaveIDs: Bool {
        guard let root = schema.first else { return false }
        var index = 1
        for _ in 0..<Int(root.numChildren ?? 0) {
            guard index < schema.count, schema[index].fieldID != nil else { return false }
            // Skip the field's subtree.
            var pending = 1
            while pending > 0 && index < schema.count {
                pending += Int(schema[index].numChildren ?? 0) - 1
                index += 1
            }
        }
        return true
    }
}
