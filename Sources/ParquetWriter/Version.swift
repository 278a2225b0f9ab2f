/// The semantic version of the `ParquetWriter` product, versioned independently of the other products.
///
/// See `Documentation/Versioning.md` for what counts as a breaking change.
public enum ParquetWriterVersion {
    /// The current version as `major.minor.patch`.
    public static let string = "0.3.1"
}
