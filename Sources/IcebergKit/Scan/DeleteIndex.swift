import LakeColumnar

/// The delete files of a snapshot, indexed by partition, matched to data files by the spec's
/// rules (as Java's `DeleteFileIndex`):
///
/// - a position delete file applies to data files of the same spec and partition whose data
///   sequence number is at most its own (deletes written in the same commit apply);
/// - an equality delete file applies to data files with a strictly lower data sequence number,
///   in the same partition, or in every partition when its spec is unpartitioned.
///
/// Delete kinds this library cannot apply (v3 deletion vectors, delete files in formats other
/// than Parquet) are refused with ``IcebergError/Kind/unsupported(_:)``: a scan never returns
/// rows a delete removed.
struct DeleteIndex {
    struct Entry {
        var file: DataFile
        var sequenceNumber: Int64
    }

    struct PartitionKey: Hashable {
        var specID: Int32
        var partition: [Scalar?]
    }

    private var positionDeletes: [PartitionKey: [Entry]] = [:]
    private var equalityDeletes: [PartitionKey: [Entry]] = [:]
    private var globalEqualityDeletes: [Entry] = []

    var isEmpty: Bool { positionDeletes.isEmpty && equalityDeletes.isEmpty && globalEqualityDeletes.isEmpty }

    mutating func add(_ file: DataFile, specID: Int32, unpartitioned: Bool, sequenceNumber: Int64) throws(IcebergError) {
        if file.contentOffset != nil || file.fileFormat.uppercased() == "PUFFIN" {
            throw IcebergError(.unsupported("deletion vectors (format v3) are not applied by this version"), path: file.filePath)
        }
        guard file.fileFormat.uppercased() == "PARQUET" else {
            throw IcebergError(.unsupported("delete file format \(file.fileFormat)"), path: file.filePath)
        }
        let entry = Entry(file: file, sequenceNumber: sequenceNumber)
        let key = PartitionKey(specID: specID, partition: file.partition)
        switch file.contentKind {
        case .positionDeletes?:
            positionDeletes[key, default: []].append(entry)
        case .equalityDeletes?:
            guard let ids = file.equalityIDs, !ids.isEmpty else {
                throw IcebergError(.invalidMetadata("equality delete file without equality_ids"), path: file.filePath)
            }
            if unpartitioned { globalEqualityDeletes.append(entry) } else { equalityDeletes[key, default: []].append(entry) }
        default:
            break
        }
    }

    /// The delete files that apply to `task`'s data file.
    func deletes(for task: FileScanTask) -> [DataFile] {
        let key = PartitionKey(specID: task.specID, partition: task.file.partition)
        let path = Array(task.file.filePath.utf8)
        var out: [DataFile] = []
        for e in positionDeletes[key] ?? [] where e.sequenceNumber >= task.dataSequenceNumber {
            // A delete file whose file_path bounds exclude this path holds none of its rows.
            let id = DeleteFileWriter.filePathFieldID
            if let lo = e.file.lowerBounds[id], let hi = e.file.upperBounds[id],
               path.lexicographicallyPrecedes(lo) || hi.lexicographicallyPrecedes(path.prefix(hi.count)) {
                continue
            }
            out.append(e.file)
        }
        for e in (equalityDeletes[key] ?? []) + globalEqualityDeletes where e.sequenceNumber > task.dataSequenceNumber {
            out.append(e.file)
        }
        return out
    }
}
