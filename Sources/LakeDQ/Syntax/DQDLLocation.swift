/// A position in a DQDL document: 1-based line, 0-based column in Unicode scalars (as ANTLR and
/// AWS report them).
public struct DQDLLocation: Sendable, Hashable, CustomStringConvertible {
    public var line: Int
    public var column: Int

    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    public var description: String { "line \(line):\(column)" }
}
