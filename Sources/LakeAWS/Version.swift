/// The semantic version of the `LakeAWS` product, versioned independently of the other products.
///
/// See `Documentation/Versioning.md` for what counts as a breaking change.
public enum LakeAWSVersion {
    /// The current version as `major.minor.patch`.
    public static let string = "0.4.0"
}
