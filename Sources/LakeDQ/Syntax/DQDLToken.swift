/// A lexical token of DQDL (see `CommonLexerRules.g4` in awslabs/dqdl).
struct DQDLToken: Sendable, Hashable {
    enum Kind: Sendable, Hashable {
        case colon, comma, lcurl, rcurl, lbrac, rbrac, lparen, rparen
        case dollar, equal, greater, greaterEqual, less, lessEqual, bang
        case minus, plus, star, slash
        /// `[0-9]+`.
        case integer
        /// `[0-9]+.[0-9]+`.
        case decimal
        /// `[A-Za-z0-9_.]+` that is not a number; keywords are identifiers checked by text.
        case identifier
        /// A double-quoted string; `text` holds the unescaped content.
        case string
        /// A quoted `"YYYY-MM-DD"`; `text` holds the content.
        case date
        /// A quoted `"h:mm AM"`/`"h:mm PM"`; `text` holds the content.
        case time
        /// A quoted `"HH:mm"`; `text` holds the content.
        case militaryTime
        /// The literal `now()`.
        case now
        case endOfInput
    }

    var kind: Kind
    /// The source text (unescaped content for strings).
    var text: String
    var location: DQDLLocation

    /// Whether this is the identifier `word` (keywords are case-sensitive).
    func isWord(_ word: String) -> Bool { kind == .identifier && text == word }

    /// Whether this is the identifier `lower` or its all-uppercase spelling (`and`/`AND`, …).
    func isKeyword(_ lower: String) -> Bool {
        kind == .identifier && (text == lower || text == lower.uppercased())
    }

    /// A quoted string of any shape: the lexer's date and time tokens are quoted strings too.
    var isQuoted: Bool {
        switch kind {
        case .string, .date, .time, .militaryTime: return true
        default: return false
        }
    }

    /// How the token reads in an error message.
    var display: String {
        switch kind {
        case .endOfInput: return "<EOF>"
        case .string, .date, .time, .militaryTime: return "\"\(text)\""
        default: return text
        }
    }
}
