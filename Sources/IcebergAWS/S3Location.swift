import IcebergKit

/// An object's address in S3, parsed from a location `s3://bucket/key`.
///
/// `s3a://` and `s3n://` (the Hadoop schemes that tables written by Spark may carry) name the same
/// objects and are accepted too; the scheme is kept so that locations derived from one (listing
/// results) come back in the caller's form.
struct S3Location: Sendable, Hashable {
    /// The schemes that address S3 objects.
    static let schemes: Set<String> = ["s3", "s3a", "s3n"]
    /// S3's limit on a key's length in UTF-8 bytes.
    static let maximumKeyBytes = 1024

    /// `s3`, `s3a` or `s3n`.
    var scheme: String
    var bucket: String
    /// The object key (a key prefix for a listing; may then be empty).
    var key: String

    /// Parses an object location; the key must not be empty.
    init(object location: String) throws(IcebergError) {
        try self.init(location, allowEmptyKey: false)
        if key.isEmpty { throw Self.invalid(location, "no object key after the bucket") }
    }

    /// Parses a listing prefix: `s3://bucket` or `s3://bucket/` lists the whole bucket.
    init(prefix location: String) throws(IcebergError) {
        try self.init(location, allowEmptyKey: true)
    }

    private init(_ location: String, allowEmptyKey: Bool) throws(IcebergError) {
        guard let separator = location.range(of: "://") else {
            throw Self.invalid(location, "no scheme (expected s3://bucket/key)")
        }
        let scheme = String(location[..<separator.lowerBound])
        guard Self.schemes.contains(scheme) else {
            throw Self.invalid(location, "scheme \(scheme.isEmpty ? "(empty)" : scheme) is not s3, s3a or s3n")
        }
        let rest = location[separator.upperBound...]
        let slash = rest.firstIndex(of: "/")
        let bucket = String(rest[..<(slash ?? rest.endIndex)])
        guard !bucket.isEmpty else { throw Self.invalid(location, "no bucket name") }
        guard bucket.utf8.count <= 255, bucket.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "-" || $0 == "_") }) else {
            throw Self.invalid(location, "\(bucket) is not a bucket name")
        }
        let key = slash.map { String(rest[rest.index(after: $0)...]) } ?? ""
        guard key.utf8.count <= Self.maximumKeyBytes else {
            throw Self.invalid(location, "the key is longer than \(Self.maximumKeyBytes) bytes")
        }
        self.scheme = scheme
        self.bucket = bucket
        self.key = key
    }

    /// The location of `key` in this location's bucket, in this location's scheme.
    func location(ofKey key: String) -> String { scheme + "://" + bucket + "/" + key }

    /// The error for a location S3FileIO cannot address, naming it.
    static func invalid(_ location: String, _ reason: String) -> IcebergError {
        IcebergError(.unsupported("not an S3 location: \(reason)"), path: location)
    }
}
