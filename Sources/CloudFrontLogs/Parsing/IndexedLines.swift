/// Where the line loop stands in the current window: the next line's start, its first entry in
/// the ``StructuralIndex``, and the last line number given out.
struct LineCursor {
    var line = 0
    var entry = 0
    var lineStart = 0
    var lineNumber = 0

    /// Back to the start of a freshly indexed window (line numbers go on).
    mutating func rewind() {
        line = 0
        entry = 0
        lineStart = 0
    }
}

extension LineParser {
    /// Parses the complete lines of an indexed window, from `cursor` on, until the batch is
    /// full or `rejectLimit` rejects are pending.
    mutating func consumeIndexedLines(_ base: UnsafePointer<UInt8>, index: StructuralIndex, cursor: inout LineCursor,
                                      rejectLimit: Int) throws(CloudFrontParseError) {
        let positions = index.positions, lineEnds = index.lineEnds
        let lines = index.lineCount
        let checkUTF8 = index.sawNonASCII
        var c = cursor
        defer { cursor = c }
        while c.line < lines && !assembler.isFull && rejects.count < rejectLimit {
            let last = Int(lineEnds[c.line])
            let end = Int(positions[last])
            c.lineNumber += 1
            try consume(base, start: c.lineStart, end: end, delimiters: positions + c.entry, delimiterCount: last &- c.entry,
                        checkUTF8: checkUTF8, lineNumber: c.lineNumber)
            c.entry = last &+ 1
            c.lineStart = end &+ 1
            c.line &+= 1
        }
    }

    /// Parses the last line of the input, which has no line feed: `base[cursor.lineStart..<end]`.
    mutating func consumeFinalLine(_ base: UnsafePointer<UInt8>, end: Int, index: StructuralIndex,
                                   cursor: inout LineCursor) throws(CloudFrontParseError) {
        cursor.lineNumber += 1
        try consume(base, start: cursor.lineStart, end: end, delimiters: index.positions + cursor.entry,
                    delimiterCount: index.count - cursor.entry, checkUTF8: index.sawNonASCII, lineNumber: cursor.lineNumber)
        cursor.lineStart = end
        cursor.entry = index.count
    }
}
