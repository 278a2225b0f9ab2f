public import IcebergKit

/// One table's part of a multi-table commit (``RESTCatalog/commitTransaction(_:)``).
public struct RESTTableChange: Sendable {
    public var identifier: TableIdentifier
    public var requirements: [TableRequirement]
    public var updates: [TableUpdate]

    public init(identifier: TableIdentifier, requirements: [TableRequirement], updates: [TableUpdate]) {
        self.identifier = identifier
        self.requirements = requirements
        self.updates = updates
    }
}
