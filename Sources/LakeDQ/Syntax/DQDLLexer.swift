/// Splits a DQDL document into tokens, following `CommonLexerRules.g4`.
///
/// Works on the UTF-8 bytes, in time linear in their count: columns are counted on from the
/// last token's, never again from the start of the line (a 1 MB ruleset on one line used to take
/// minutes). Columns count Unicode scalars, as ANTLR counts code points. Deviations from the
/// reference, all lenient: `\r` counts as whitespace and a comment may end at the end of the
/// input.
struct DQDLLexer {
    private let bytes: [UInt8]
    private var index = 0
    private var line = 1
    private var lineStart = 0
    /// The column of byte offset `columnIndex` (on the current line once `columnIndex >= lineStart`).
    private var column = 0
    private var columnIndex = 0

    init(_ source: String) {
        self.bytes = Array(source.utf8)
    }

    /// Every token up to and including `endOfInput`, or the first lexical error.
    static func tokenize(_ source: String) -> Result<[DQDLToken], DQDLDiagnostic> {
        var lexer = DQDLLexer(source)
        var tokens: [DQDLToken] = []
        while true {
            switch lexer.next() {
            case let .success(token):
                tokens.append(token)
                if token.kind == .endOfInput { return .success(tokens) }
            case let .failure(error):
                return .failure(error)
            }
        }
    }

    /// The location of `index`: the column is counted from the last location asked for, or from
    /// the line's start when a line feed came since, so each byte is counted once.
    private mutating func location() -> DQDLLocation {
        if columnIndex < lineStart {
            columnIndex = lineStart
            column = 0
        }
        while columnIndex < index {
            // Every byte but a UTF-8 continuation byte starts a scalar.
            if bytes[columnIndex] & 0xC0 != 0x80 { column += 1 }
            columnIndex += 1
        }
        return DQDLLocation(line: line, column: column)
    }

    private mutating func skipTrivia() {
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\n") {
                index += 1
                line += 1
                lineStart = index
            } else if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\r") {
                index += 1
            } else if byte == UInt8(ascii: "#") {
                while index < bytes.count, bytes[index] != UInt8(ascii: "\n") { index += 1 }
            } else {
                return
            }
        }
    }

    private static func isWordByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "."):
            return true
        default:
            return false
        }
    }

    private static func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    mutating func next() -> Result<DQDLToken, DQDLDiagnostic> {
        skipTrivia()
        let start = location()
        guard index < bytes.count else { return .success(DQDLToken(kind: .endOfInput, text: "", location: start)) }
        let byte = bytes[index]

        func single(_ kind: DQDLToken.Kind, _ length: Int = 1) -> Result<DQDLToken, DQDLDiagnostic> {
            let text = String(decoding: bytes[index..<index + length], as: UTF8.self)
            index += length
            return .success(DQDLToken(kind: kind, text: text, location: start))
        }
        let following: UInt8? = index + 1 < bytes.count ? bytes[index + 1] : nil

        switch byte {
        case UInt8(ascii: ":"): return single(.colon)
        case UInt8(ascii: ","): return single(.comma)
        case UInt8(ascii: "{"): return single(.lcurl)
        case UInt8(ascii: "}"): return single(.rcurl)
        case UInt8(ascii: "["): return single(.lbrac)
        case UInt8(ascii: "]"): return single(.rbrac)
        case UInt8(ascii: "("): return single(.lparen)
        case UInt8(ascii: ")"): return single(.rparen)
        case UInt8(ascii: "$"): return single(.dollar)
        case UInt8(ascii: "="): return single(.equal)
        case UInt8(ascii: "!"): return single(.bang)
        case UInt8(ascii: "-"): return single(.minus)
        case UInt8(ascii: "+"): return single(.plus)
        case UInt8(ascii: "*"): return single(.star)
        case UInt8(ascii: "/"): return single(.slash)
        case UInt8(ascii: ">"): return following == UInt8(ascii: "=") ? single(.greaterEqual, 2) : single(.greater)
        case UInt8(ascii: "<"): return following == UInt8(ascii: "=") ? single(.lessEqual, 2) : single(.less)
        case UInt8(ascii: "\""): return lexString(start)
        default: break
        }

        guard Self.isWordByte(byte) else {
            // Report the whole character, not a UTF-8 fragment.
            var end = index + 1
            while end < bytes.count, bytes[end] & 0xC0 == 0x80 { end += 1 }
            let text = String(decoding: bytes[index..<end], as: UTF8.self)
            return .failure(DQDLDiagnostic(location: start, message: "token recognition error at: '\(text)'"))
        }
        var end = index
        while end < bytes.count, Self.isWordByte(bytes[end]) { end += 1 }
        let word = Array(bytes[index..<end])
        let text = String(decoding: word, as: UTF8.self)
        // `now()` is one token; it outranks the identifier `now` by being longer.
        if text == "now", end + 1 < bytes.count, bytes[end] == UInt8(ascii: "("), bytes[end + 1] == UInt8(ascii: ")") {
            index = end + 2
            return .success(DQDLToken(kind: .now, text: "now()", location: start))
        }
        index = end
        return .success(DQDLToken(kind: Self.classifyWord(word), text: text, location: start))
    }

    /// Numbers win over identifiers of the same length, as the grammar lists them first.
    private static func classifyWord(_ word: [UInt8]) -> DQDLToken.Kind {
        if word.allSatisfy(isDigit) { return .integer }
        if let dot = word.firstIndex(of: UInt8(ascii: ".")), dot > 0, dot < word.count - 1,
           word[..<dot].allSatisfy(isDigit), word[(dot + 1)...].allSatisfy(isDigit) {
            return .decimal
        }
        return .identifier
    }

    private mutating func lexString(_ start: DQDLLocation) -> Result<DQDLToken, DQDLDiagnostic> {
        var content: [UInt8] = []
        var cursor = index + 1
        while cursor < bytes.count {
            let byte = bytes[cursor]
            if byte == UInt8(ascii: "\\"), cursor + 1 < bytes.count,
               bytes[cursor + 1] == UInt8(ascii: "\"") || bytes[cursor + 1] == UInt8(ascii: "\\") {
                content.append(bytes[cursor + 1])
                cursor += 2
                continue
            }
            if byte == UInt8(ascii: "\"") {
                // Strings may span lines; keep the line count right.
                for position in (index + 1)..<cursor where bytes[position] == UInt8(ascii: "\n") {
                    line += 1
                    lineStart = position + 1
                }
                index = cursor + 1
                let text = String(decoding: content, as: UTF8.self)
                return .success(DQDLToken(kind: Self.classifyQuoted(content), text: text, location: start))
            }
            content.append(byte)
            cursor += 1
        }
        return .failure(DQDLDiagnostic(location: start, message: "token recognition error at: unterminated string"))
    }

    /// The grammar's DATE, TIME and MIL_TIME tokens are quoted strings of a fixed shape.
    private static func classifyQuoted(_ content: [UInt8]) -> DQDLToken.Kind {
        func digits(_ range: Range<Int>) -> Bool { content[range].allSatisfy(isDigit) }
        let count = content.count
        if count == 10, digits(0..<4), content[4] == UInt8(ascii: "-"), digits(5..<7),
           content[7] == UInt8(ascii: "-"), digits(8..<10) {
            return .date
        }
        if count == 5, digits(0..<2), content[2] == UInt8(ascii: ":"), digits(3..<5) { return .militaryTime }
        for hourDigits in 1...2 where count == hourDigits + 6 {
            if digits(0..<hourDigits), content[hourDigits] == UInt8(ascii: ":"),
               digits(hourDigits + 1..<hourDigits + 3) {
                let suffix = String(decoding: content[(hourDigits + 3)...], as: UTF8.self)
                if suffix == " AM" || suffix == " PM" { return .time }
            }
        }
        return .string
    }
}
