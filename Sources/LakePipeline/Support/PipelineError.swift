/// A pipeline failure that is not an error of the products it calls (those are thrown as they
/// are: ``IcebergKit/IcebergError``, ``LakeDQ`` and parser errors), with a message for people.
public struct PipelineError: Error, CustomStringConvertible, Sendable {
    /// What went wrong.
    public var description: String

    /// An error saying `description`.
    public init(_ description: String) { self.description = description }
}
