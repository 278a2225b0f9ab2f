extension Table {
    /// Starts an overwrite of files (see ``OverwriteFiles``).
    public func newOverwrite() -> OverwriteFiles { OverwriteFiles(table: self) }

    /// Starts a dynamic partition overwrite (see ``ReplacePartitions``).
    public func newReplacePartitions() -> ReplacePartitions { ReplacePartitions(table: self) }

    /// Starts a removal of whole files (see ``DeleteFiles``).
    public func newDelete() -> DeleteFiles { DeleteFiles(table: self) }

    /// Starts a rewrite of files (see ``RewriteFiles``).
    public func newRewrite() -> RewriteFiles { RewriteFiles(table: self) }
}
