/// The semantic version of the `LakeColumnar` module, versioned independently of the other products.
///
/// See `Documentation/Versioning.md` for what counts as a breaking change.
public enum LakeColumnarVersion {
    /// The current version as `major.minor.patch`.
    public static let string = "0.2.0"
}
