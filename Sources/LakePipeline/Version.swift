/// The semantic version of the `LakePipeline` product, versioned independently of the other products.
///
/// See `Documentation/Versioning.md` for what counts as a breaking change.
public enum LakePipelineVersion {
    /// The current version as `major.minor.patch`.
    public static let string = "0.1.0"
}
