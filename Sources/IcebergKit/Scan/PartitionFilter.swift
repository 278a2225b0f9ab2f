public import LakeColumnar

/// A row filter projected onto one partition spec (``InclusiveProjection``), evaluated against
/// what manifests say of partitions: a file's partition values, or a manifest list's partition
/// summaries (lower and upper bound, contains-null, contains-NaN per field) before the manifest
/// is opened. `false` means no row of the file (or manifest) can match; `true` may be wrong the
/// other way only.
public struct PartitionFilter: Sendable {
    /// The projected predicate, over the spec's partition field names.
    public let projection: ColumnPredicate
    let spec: PartitionSpec
    let types: [IcebergType]

    /// `filter` projected onto `spec`; nil when the spec's partition types cannot be derived from
    /// `schema` (a source column no longer in it) or nothing of the filter projects, so nothing
    /// can be pruned by partition.
    public init?(_ filter: ColumnPredicate, spec: PartitionSpec, schema: IcebergSchema) {
        guard !spec.fields.isEmpty, let types = try? ManifestCodec.partitionTypes(spec, schema) else { return nil }
        let projection = InclusiveProjection.project(filter, spec: spec, schema: schema)
        if projection == .alwaysTrue { return nil }
        self.projection = projection
        self.spec = spec
        self.types = types
    }

    /// Whether a file with these partition values (normalised to the spec's types) may hold a matching row.
    public func mightMatch(partition: [Scalar?]) -> Bool {
        guard partition.count == types.count else { return true }
        return projection.mightMatch { name -> ColumnBounds? in
            guard let i = spec.fields.firstIndex(where: { $0.name == name }) else { return nil }
            let value = partition[i]
            return ColumnBounds(lower: value, upper: value, nullCount: value == nil ? 1 : 0, valueCount: 1, type: types[i].columnarType)
        }
    }

    /// Whether a manifest whose partition summaries are `summaries` may list a matching file.
    public func mightMatch(summaries: [ManifestFile.FieldSummary]) -> Bool {
        guard summaries.count == types.count else { return true }
        return projection.mightMatch { name -> ColumnBounds? in
            guard let i = spec.fields.firstIndex(where: { $0.name == name }) else { return nil }
            let s = summaries[i], type = types[i]
            let floating: Bool
            switch type { case .float, .double: floating = true; default: floating = false }
            // No bound with a null seen means every value is null, unless a NaN (never a bound) was seen.
            let onlyNulls = s.containsNull && s.lowerBound == nil && s.upperBound == nil && (!floating || s.containsNaN == false)
            if onlyNulls {
                return ColumnBounds(lower: nil, upper: nil, nullCount: 1, valueCount: 1, type: type.columnarType)
            }
            return ColumnBounds(lower: s.lowerBound.flatMap { SingleValue.deserialize($0, type: type) },
                                upper: s.upperBound.flatMap { SingleValue.deserialize($0, type: type) },
                                nullCount: s.containsNull ? 1 : 0, valueCount: 2, type: type.columnarType)
        }
    }
}
