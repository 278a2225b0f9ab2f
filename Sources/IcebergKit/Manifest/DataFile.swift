public import LakeColumnar

/// A data or delete file as a manifest describes it (field 2 of `manifest_entry`).
public struct DataFile: Sendable, Hashable {
    /// What a file holds (the manifest's `content` field).
    public enum Content: Int32, Sendable, Hashable {
        case data = 0
        case positionDeletes = 1
        case equalityDeletes = 2
    }

    /// 0 data, 1 position deletes, 2 equality deletes (see ``Content``).
    public var content: Int32 = 0
    public var filePath: String
    public var fileFormat: String = "PARQUET"
    /// Partition values in spec-field order (storage scalars of the transform result types).
    public var partition: [Scalar?]
    public var recordCount: Int64
    public var fileSizeInBytes: Int64
    public var columnSizes: [Int32: Int64] = [:]
    public var valueCounts: [Int32: Int64] = [:]
    public var nullValueCounts: [Int32: Int64] = [:]
    public var nanValueCounts: [Int32: Int64] = [:]
    /// Single-value serialised bounds by field id.
    public var lowerBounds: [Int32: [UInt8]] = [:]
    public var upperBounds: [Int32: [UInt8]] = [:]
    public var splitOffsets: [Int64]? = nil
    public var sortOrderID: Int32? = nil
    /// The columns an equality delete file matches rows on.
    public var equalityIDs: [Int32]? = nil
    /// The data file a position delete file applies to (when it applies to one only).
    public var referencedDataFile: String? = nil
    /// Set for v3 deletion vectors (a blob in a Puffin file).
    public var contentOffset: Int64? = nil

    /// The kind of file, when it is one this library knows.
    public var contentKind: Content? { Content(rawValue: content) }

    public init(filePath: String, partition: [Scalar?], recordCount: Int64, fileSizeInBytes: Int64) {
        self.filePath = filePath
        self.partition = partition
        self.recordCount = recordCount
        self.fileSizeInBytes = fileSizeInBytes
    }
}

/// One entry of a manifest.
public struct ManifestEntry: Sendable, Hashable {
    public enum Status: Int32, Sendable, Hashable { case existing = 0, added = 1, deleted = 2 }
    public var status: Status
    /// Null for ADDED entries: inherited from the manifest list.
    public var snapshotID: Int64?
    public var sequenceNumber: Int64?
    public var fileSequenceNumber: Int64?
    public var dataFile: DataFile

    public init(status: Status, snapshotID: Int64?, sequenceNumber: Int64?, fileSequenceNumber: Int64?, dataFile: DataFile) {
        self.status = status
        self.snapshotID = snapshotID
        self.sequenceNumber = sequenceNumber
        self.fileSequenceNumber = fileSequenceNumber
        self.dataFile = dataFile
    }
}

/// A manifest list entry.
public struct ManifestFile: Sendable, Hashable {
    public var manifestPath: String
    public var manifestLength: Int64
    public var partitionSpecID: Int32
    public var content: Int32 = 0
    public var sequenceNumber: Int64
    public var minSequenceNumber: Int64
    public var addedSnapshotID: Int64
    public var addedFilesCount: Int32
    public var existingFilesCount: Int32
    public var deletedFilesCount: Int32
    public var addedRowsCount: Int64
    public var existingRowsCount: Int64
    public var deletedRowsCount: Int64
    /// Per partition field: contains null, contains NaN, lower and upper bound.
    public var partitions: [FieldSummary]
    /// Encryption key metadata (kept as read when a manifest list is carried forward).
    public var keyMetadata: [UInt8]? = nil

    public struct FieldSummary: Sendable, Hashable {
        public var containsNull: Bool
        public var containsNaN: Bool?
        public var lowerBound: [UInt8]?
        public var upperBound: [UInt8]?

        public init(containsNull: Bool, containsNaN: Bool?, lowerBound: [UInt8]?, upperBound: [UInt8]?) {
            self.containsNull = containsNull
            self.containsNaN = containsNaN
            self.lowerBound = lowerBound
            self.upperBound = upperBound
        }
    }

    public init(manifestPath: String, manifestLength: Int64, partitionSpecID: Int32, content: Int32 = 0, sequenceNumber: Int64,
                minSequenceNumber: Int64, addedSnapshotID: Int64, addedFilesCount: Int32, existingFilesCount: Int32,
                deletedFilesCount: Int32, addedRowsCount: Int64, existingRowsCount: Int64, deletedRowsCount: Int64,
                partitions: [FieldSummary]) {
        self.manifestPath = manifestPath
        self.manifestLength = manifestLength
        self.partitionSpecID = partitionSpecID
        self.content = content
        self.sequenceNumber = sequenceNumber
        self.minSequenceNumber = minSequenceNumber
        self.addedSnapshotID = addedSnapshotID
        self.addedFilesCount = addedFilesCount
        self.existingFilesCount = existingFilesCount
        self.deletedFilesCount = deletedFilesCount
        self.addedRowsCount = addedRowsCount
        self.existingRowsCount = existingRowsCount
        self.deletedRowsCount = deletedRowsCount
        self.partitions = partitions
    }
}
