public import LakeColumnar

extension DQDLRuleset {
    /// The columns of `schema` the rules and analyzers read, in schema order, so a reader can
    /// decode only those (`RowCount` alone reads none); `nil` when every column is needed
    /// (DatasetMatch without a value mapping compares all of them).
    ///
    /// A superset is safe and cheap: every word of a rule's parameters, `where` clause and SQL
    /// that names a column (case-insensitively, as columns resolve) counts. Rules decided from
    /// the schema alone (ColumnCount, ColumnExists, SchemaMatch…) read no data.
    public func columnsRead(in schema: Schema) -> [String]? {
        var words: Set<String> = []
        var needsAll = false
        func note(_ text: String) {
            for word in Self.words(in: text) { words.insert(word.lowercased()) }
        }
        func visit(_ rule: DQDLRule) {
            switch rule.type {
            case "ColumnCount", "ColumnExists", "ColumnNamesMatchPattern", "SchemaMatch", "RowCountMatch",
                 "FileFreshness", "FileSize", "FileUniqueness", "FileMatch":
                return
            case "DatasetMatch" where rule.parameters.count < 3:
                needsAll = true
            default:
                break
            }
            for parameter in rule.parameters {
                note(parameter.text)
                if parameter.form == .variable, let variable = variable(parameter.text), case let .single(value) = variable.value,
                   case let .quoted(text) = value {
                    note(text)
                }
            }
            if let whereClause = rule.whereClause { note(whereClause) }
        }
        for node in rules { for rule in node.leaves { visit(rule) } }
        for analyzer in analyzers ?? [] {
            visit(DQDLRule(type: analyzer.type, parameters: analyzer.parameters))
        }
        if needsAll { return nil }
        return schema.fields.map(\.name).filter { words.contains($0.lowercased()) }
    }

    /// Identifier-like words of `text`: runs of letters, digits and `_`, and the insides of
    /// double quotes and backticks (quoted column names may hold other characters).
    static func words(in text: String) -> [String] {
        var words: [String] = []
        var current = ""
        var quote: Character?
        var quoted = ""
        for character in text {
            if let open = quote {
                if character == open {
                    words.append(quoted)
                    quoted = ""
                    quote = nil
                } else {
                    quoted.append(character)
                }
                continue
            }
            if character == "\"" || character == "`" {
                if !current.isEmpty { words.append(current) }
                current = ""
                quote = character
            } else if character.isLetter || character.isNumber || character == "_" {
                current.append(character)
            } else {
                if !current.isEmpty { words.append(current) }
                current = ""
            }
        }
        if !current.isEmpty { words.append(current) }
        if !quoted.isEmpty { words.append(quoted) }
        return words
    }
}
