public import LakeColumnar

/// Partition values at the storage type of their spec's partition types.
///
/// Manifests keep each value in the Avro type its writer used: after an int → long promotion of
/// an identity partition's source, older manifests hold `.int32(5)` where newer ones hold
/// `.int64(5)`. Values are widened to the partition type before they are compared or written, and
/// a value that fits no promotion is an error rather than a silent null.
public enum PartitionValues {
    public static func normalized(_ values: [Scalar?], types: [IcebergType], path: String) throws(IcebergError) -> [Scalar?] {
        guard values.count == types.count else {
            throw IcebergError(.invalidMetadata("\(values.count) partition values for \(types.count) partition fields"), path: path)
        }
        var out = values
        for i in values.indices {
            guard let v = values[i] else { continue }
            switch (types[i], v) {
            case let (.long, .int32(x)), let (.timestamp, .int32(x)), let (.timestamptz, .int32(x)): out[i] = .int64(Int64(x))
            case let (.double, .float32(x)): out[i] = .float64(Double(x))
            case (.boolean, .boolean), (.int, .int32), (.date, .int32), (.long, .int64), (.time, .int64), (.timestamp, .int64),
                 (.timestamptz, .int64), (.timestampNs, .int64), (.timestamptzNs, .int64), (.float, .float32), (.double, .float64), (.decimal, .decimal128), (.string, .binary),
                 (.binary, .binary), (.fixed, .binary), (.uuid, .binary):
                break
            case let (.decimal, .binary(bytes)):
                out[i] = .decimal128(ManifestReader.signedBigEndian(bytes))
            default:
                throw IcebergError(.invalidMetadata("partition value \(v) does not fit partition type \(types[i])"), path: path)
            }
        }
        return out
    }
}
