import LakeDQ
import Testing

@Suite("DQDL parser")
struct DQDLParserTests {
    private func parse(_ text: String) throws -> DQDLRuleset { try DQDLRuleset.parse(text) }

    private func messages(_ text: String) -> [String] {
        do {
            _ = try DQDLRuleset.parse(text)
            return []
        } catch {
            return error.diagnostics.map(\.message)
        }
    }

    @Test("the reference example document parses into every section")
    func exampleDocument() throws {
        let ruleset = try parse("""
            Metadata = { "Version": "1.0" }
            DataSources = { "Primary": "cf_logs", "AdditionalDataSources": ["edge_ref", "pops"] }
            methods = ["GET", "HEAD"]
            owner = "edge"
            DefaultLabels = [ "owner" = "edge-team" ]
            # a comment line
            Rules = [
                RowCount > 0,
                (IsComplete "x_edge_request_id") and (IsUnique "x_edge_request_id"),
                ColumnValues "cs_method" in $methods with threshold >= 0.98,
                Mean "time_taken" < 2.5 where "cs_protocol = 'https'" labels = [ "sla" = "latency" ],
                DataFreshness "log_ts" <= 26 hours
            ]
            Analyzers = [ Completeness "c_ip", AllStatistics "sc_bytes" ]
            """)
        #expect(ruleset.metadata == ["Version": "1.0"])
        #expect(ruleset.primarySource == "cf_logs")
        #expect(ruleset.additionalSources == ["edge_ref", "pops"])
        #expect(ruleset.variables.map(\.name) == ["methods", "owner"])
        #expect(ruleset.defaultLabels == [DQDLLabel(key: "owner", value: "edge-team")])
        #expect(ruleset.rules.count == 5)
        guard case let .composite(op, operands, _) = ruleset.rules[1] else {
            Issue.record("expected a composite")
            return
        }
        #expect(op == .and)
        #expect(operands.count == 2)
        let columnValues = ruleset.rules[2].leaves[0]
        guard case let .string(condition)? = columnValues.condition else {
            Issue.record("expected a string condition")
            return
        }
        #expect(condition.op == .in && condition.listVariable == "methods")
        #expect(columnValues.threshold?.op == .greaterEqual)
        let mean = ruleset.rules[3].leaves[0]
        #expect(mean.whereClause == "cs_protocol = 'https'")
        #expect(mean.labels == [DQDLLabel(key: "sla", value: "latency")])
        guard case let .duration(freshness)? = ruleset.rules[4].leaves[0].condition else {
            Issue.record("expected a duration condition")
            return
        }
        #expect(freshness.operands == [DQDLDuration(amount: 26, unit: .hours)])
        #expect(ruleset.analyzers?.map(\.type) == ["Completeness", "AllStatistics"])
    }

    /// One rule per grammar production; each must parse, and printing must be a fixed point.
    static let validRules: [String] = [
        "RowCount = 10", "RowCount != 10", "RowCount > -3", "RowCount >= 0.5", "RowCount < 7", "RowCount <= -0.25",
        "RowCount between 1 and 5", "RowCount not between 1 and 5", "RowCount in [1, 2, 3]",
        "RowCount not in [1, NULL]", "RowCount > (1 + 2) * 3", "RowCount > avg(last(7)) * 0.5",
        "RowCount > max(last(3), 10) - 1", "RowCount = index(last(3), 0)", "RowCount > min(last(2)) / 2",
        "RowCount > 10 where \"status = 200\"",
        "ColumnCount >= 33", "Completeness \"c_ip\" > 0.95", "Completeness of c_ip > 0.95",
        "IsComplete \"x\"", "IsComplete x_edge_id", "ColumnExists \"a-b\"",
        "ColumnNamesMatchPattern \"[a-z_]+\"", "ColumnCorrelation \"a\" and \"b\" > 0.8",
        "Uniqueness \"a\" \"b\" > 0.5", "IsUnique \"a\"", "IsPrimaryKey \"a\" \"b\"",
        "Mean \"t\" between 0.1 and 2", "Sum \"b\" > 0", "StandardDeviation \"t\" < 1", "Variance \"t\" < 1",
        "Entropy \"m\" > 1", "DistinctValuesCount \"m\" in [3, 4]", "UniqueValueRatio \"m\" < 0.1",
        "ColumnLength \"id\" = 20", "ColumnLength \"id\" between 0 and 21",
        "ColumnValues \"m\" = \"GET\"", "ColumnValues \"m\" != \"GET\"", "ColumnValues \"m\" in [\"GET\", NULL, EMPTY, WHITESPACES_ONLY]",
        "ColumnValues \"m\" not in [\"GET\"]", "ColumnValues \"m\" matches \"[A-Z]+\"", "ColumnValues \"m\" not matches \"x\\\\d\"",
        "ColumnValues \"s\" in [200, 304] with threshold > 0.9", "ColumnValues \"s\" between 199 and 600",
        "ColumnValues \"d\" > \"2024-05-01\"", "ColumnValues \"d\" <= now()", "ColumnValues \"d\" > (now() - 3 days)",
        "ColumnValues \"d\" < (now() + 2 hours)", "ColumnValues \"d\" between \"2024-01-01\" and now()",
        "ColumnValues \"d\" in [\"2024-01-01\", NULL]",
        "ColumnValues \"m\" = \"GET\" with threshold between 0.5 and 0.9",
        "DataFreshness \"ts\" <= 26 hours", "DataFreshness \"ts\" between 1 days and 30 minutes",
        "DataFreshness \"ts\" in [1 hours, 2 hours]",
        "ColumnDataType \"c\" = \"Integer\"", "ColumnDataType \"c\" in [\"Date\", \"Timestamp\"] with threshold > 0.9",
        "CustomSql \"select count(*) from primary\" > 10", "CustomSql \"select id from primary where x > 1\"",
        "CustomSql \"select id from primary where x > 1\" with threshold > 0.5",
        "RowCountMatch \"ref\" >= 0.9", "SchemaMatch \"ref\" = 1.0", "ReferentialIntegrity \"a,b\" \"ref.{x,y}\" = 1.0",
        "DatasetMatch \"ref\" \"id->rid\" >= 0.9", "DatasetMatch \"ref\" \"id\" \"a->b,c\" > 0.5",
        "AggregateMatch \"sum(b)\" \"sum(ref.b)\" > 0.99", "DetectAnomalies \"RowCount\"", "DetectAnomalies \"Completeness\" \"c\"",
        "FileFreshness \"/data\" > \"2024-07-15\"", "FileFreshness > \"9:30 PM\" with timeZone = \"Europe/Berlin\"",
        "FileFreshness \"/data\" >= \"21:45\"", "FileFreshness > (now() - 3 days) with threshold > 0.5",
        "FileSize \"/data\" <= 1 GB", "FileSize < 512 KB", "FileSize > 1024", "FileSize between 1 B and 2 TB with threshold >= 0.5",
        "FileUniqueness \"/data\" > 0.9", "FileUniqueness = 1.0", "FileMatch \"/a\" \"/b\"",
        "FileMatch \"/a\" in [\"0cc175b9c0f1b6a831c399e269772661\"] with hashAlgorithm = \"MD5\"",
        "FileMatch = \"0cc175b9c0f1b6a831c399e269772661\"",
        "RowCount > 0 labels = [\"a\" = \"b\", \"c\" = \"d\"]",
        "IsComplete \"x\" where \"y > 1\" labels = [\"k\" = \"v\"]",
        "(RowCount > 0) and (IsComplete \"x\")", "(RowCount > 0) or (IsComplete \"x\")",
        "(RowCount > 0) or (IsComplete \"x\") and (IsUnique \"x\")",
        "((RowCount > 0) and (IsComplete \"x\")) or (IsUnique \"x\")",
        "((RowCount > 0) or (IsUnique \"x\")) labels = [\"team\" = \"edge\"]",
        "(IsComplete \"x\") labels = [\"k\" = \"v\"]",
    ]

    @Test("every production parses and printing reaches a fixed point", arguments: validRules)
    func validRule(_ rule: String) throws {
        let first = try parse("Rules = [ \(rule) ]")
        let printed = first.description
        let second = try parse(printed)
        #expect(second == first, "reparsed \(printed)")
        #expect(second.description == printed)
    }

    @Test("and binds tighter than or; operands of one operator flatten")
    func precedence() throws {
        let ruleset = try parse("Rules = [ (RowCount > 0) or (ColumnCount > 1) and (IsComplete \"x\") and (IsUnique \"x\") ]")
        guard case let .composite(.or, operands, _) = ruleset.rules[0], operands.count == 2,
              case let .composite(.and, inner, _) = operands[1] else {
            Issue.record("unexpected shape \(ruleset.rules[0])")
            return
        }
        #expect(inner.count == 3)
    }

    @Test("number operators share one precedence and associate left, as the grammar")
    func arithmeticAssociativity() throws {
        let rule = try parse("Rules = [ RowCount > 1 + 2 * 3 ]").rules[0].leaves[0]
        guard case let .number(condition)? = rule.condition, case let .binary(lhs, op, rhs) = condition.operands[0] else {
            Issue.record("expected a binary operand")
            return
        }
        #expect(op == .multiply)
        #expect(rhs == .literal(value: 3, text: "3"))
        guard case .binary(_, .add, _) = lhs else {
            Issue.record("expected (1 + 2) on the left")
            return
        }
    }

    @Test("keywords in both cases, comments to end of input, CRLF and escaped quotes")
    func lexicalDetails() throws {
        let ruleset = try parse("Rules = [\r\n  (RowCount > 0) AND (IsComplete \"a\\\"b\\\\c\") OR (RowCount in [NULL])\r\n] # trailing")
        #expect(ruleset.rules.count == 1)
        #expect(ruleset.rules[0].leaves[1].parameters[0].text == "a\"b\\c")
        #expect(try parse(ruleset.description) == ruleset)
    }

    /// Documents the reference rejects, with the message (or a fragment) it gives.
    static let invalidDocuments: [(String, String)] = [
        ("", "mismatched input"),
        ("Metadata = { \"Version\": \"1.0\" }", "mismatched input"),
        ("Rules = [ ]", "No rules or analyzers provided."),
        ("Rules = { }", "mismatched input"),
        ("Rules = [ RowCount > 0", "mismatched input"),
        ("Metadata = {} Rules = [ RowCount > 0 ]", "Empty dictionary provided"),
        ("Metadata = { \"Owner\": \"me\" } Rules = [ RowCount > 0 ]", "Unsupported key provided in Metadata section"),
        ("DataSources = { \"Main\": \"x\" } Rules = [ RowCount > 0 ]", "Unsupported key provided in Sources section"),
        ("DataSources = { \"AdditionalDataSources\": \"x\" } Rules = [ RowCount > 0 ]", "Additional sources must be an array of values."),
        ("Rules = [ Completness \"a\" > 0.5 ]", "Rule Type: Completness is not valid"),
        ("Rules = [ 12RowCount > 0 ]", "Rule Type: 12RowCount is not valid"),
        ("Rules = [ Completeness > 0.5 ]", "Unexpected number of parameters: Completeness"),
        ("Rules = [ IsUnique ]", "VarArgs needs at least one parameter: IsUnique"),
        ("Rules = [ Completeness \"a\" ]", "Unexpected condition for rule of type Completeness with number return type"),
        ("Rules = [ IsComplete \"a\" > 0.5 ]", "Unexpected condition for rule of type IsComplete with boolean return type"),
        ("Rules = [ DataFreshness \"a\" <= 3 ]", "Unexpected condition for rule of type DataFreshness with duration return type"),
        ("Rules = [ ColumnValues \"a\" in [1, \"2\"] ]", "no viable condition at 'in'"),
        ("Rules = [ FileFreshness > 30 ]", "Unexpected condition for rule of type FileFreshness with date return type"),
        ("Rules = [ ColumnNamesMatchPattern \"a\" where \"x > 1\" ]", "Where clause is not supported for rule type: ColumnNamesMatchPattern"),
        ("Rules = [ RowCount > 0 where \"\" ]", "Empty where condition provided for rule type: RowCount"),
        ("Rules = [ Completeness \"a\" > 0.4 with threshold > 0.4 ]", "Threshold condition not supported for rule type: Completeness"),
        ("Rules = [ ColumnValues \"a\" = \"x\" with threshold > 0.9 with threshold > 0.7 ]", "Only one threshold condition at a time is supported."),
        ("Rules = [ FileSize > 1 KB with tag != \"x\" ]", "String tags only support the equality operator."),
        ("Rules = [ FileSize > 1 KB with tag > 3 ]", "Number tags only support the equality operator."),
        ("Rules = [ AllStatistics \"a\" > 0 ]", "Analyzer Type: AllStatistics is not supported in rules section"),
        ("Analyzers = [ IsComplete \"a\" ]", "Analyzer Type: IsComplete is not supported"),
        ("Analyzers = [ Averages \"a\" ]", "Analyzer Type: Averages is not valid"),
        ("Rules = [ RowCount > 0 labels = [] ]", "Labels must have at least one label"),
        ("Rules = [ RowCount > 0 labels = [\"a\" = \"1\", \"a\" = \"2\"] ]", "Duplicate label key. Key must be unique."),
        ("Rules = [ RowCount > 0 labels = [\"\" = \"1\"] ]", "Label key or value cannot be empty"),
        ("DefaultLabels = [\"a\" = \"1\", \"b\" = \"2\", \"c\" = \"3\", \"d\" = \"4\", \"e\" = \"5\", \"f\" = \"6\"]\nRules = [ RowCount > 0 labels = [\"g\" = \"1\", \"h\" = \"2\", \"i\" = \"3\", \"j\" = \"4\", \"k\" = \"5\"] ]",
         "Number of labels exceed maximum allowed (MAX: 10)"),
        ("Rules = [ RowCount > 0 labels = [\"\(String(repeating: "k", count: 129))\" = \"v\"] ]", "Label key has length 129 exceeding the maximum length of 128 characters"),
        ("Rules = [ RowCount > 0 labels = [\"k\" = \"\(String(repeating: "v", count: 257))\"] ]", "Label value has length 257 exceeding the maximum length of 256 characters"),
        ("_hidden = \"x\"\nRules = [ RowCount > 0 ]", "Variable name '_hidden' cannot start with '.' or '_'"),
        ("v = \"x\"\nv = \"y\"\nRules = [ RowCount > 0 ]", "Variable 'v' is already defined"),
        ("v = \"x\"\nw = [\"$v\"]\nRules = [ RowCount > 0 ]", "Nested variables are not supported in variable 'w'"),
        ("v = 100\nRules = [ RowCount > 0 ]", "mismatched input"),
        ("Rules = [ RowCount > $limit ]", "no viable condition"),
        ("Rules = [ ColumnValues \"a\" in $missing ]", "Variable 'missing' is not defined"),
        ("Rules = [ DataFreshness \"a\" > 9:30 ]", "mismatched input"),
        ("Rules = [ FileSize <= 1 ZB ]", "mismatched input"),
        ("Rules = [ ColumnValues \"a\" = (now() - 3 weeks) ]", "no viable condition"),
        ("Rules = [ (RowCount > 0) or (IsComplete \"a\")) ]", "mismatched input"),
        ("phone = 'x'\nRules = [ RowCount > 0 ]", "token recognition error at: '''"),
        ("Rules = [ FileMatch S3://bucket ]", "mismatched input"),
    ]

    @Test("invalid documents fail with the reference's message", arguments: 0..<invalidDocuments.count)
    func invalidDocument(_ index: Int) {
        let (text, expected) = Self.invalidDocuments[index]
        let found = messages(text)
        #expect(found.contains { $0.contains(expected) }, "for \(text.prefix(80)) got \(found)")
    }

    @Test("syntax errors carry line and column")
    func errorLocation() {
        do {
            _ = try DQDLRuleset.parse("Rules = [\n    RowCount > 0,\n    IsComplete \"a\" ?\n]")
            Issue.record("expected an error")
        } catch {
            let first = error.diagnostics[0]
            #expect(first.location == DQDLLocation(line: 3, column: 19))
            #expect(error.description.hasPrefix("line 3:19"))
        }
    }

    @Test("semantic errors from several rules are all reported, each at its rule")
    func collectsErrors() {
        do {
            _ = try DQDLRuleset.parse("Rules = [\n  Foo > 1,\n  RowCount > 0,\n  IsComplete \"a\" > 1\n]")
            Issue.record("expected errors")
        } catch {
            #expect(error.diagnostics.count == 2)
            #expect(error.diagnostics.map { $0.location?.line } == [2, 4])
        }
    }

    @Test("deep nesting is an error, not a crash; long rule lists parse")
    func limits() throws {
        let deep = "Rules = [ " + String(repeating: "(", count: 5_000) + "RowCount > 0" + String(repeating: ")", count: 5_000) + " ]"
        #expect(!messages(deep).isEmpty)
        let deepNumber = "Rules = [ RowCount > " + String(repeating: "(", count: 5_000) + "1" + String(repeating: ")", count: 5_000) + " ]"
        #expect(!messages(deepNumber).isEmpty)
        let many = "Rules = [ " + Array(repeating: "RowCount > 0", count: 5_000).joined(separator: ", ") + " ]"
        #expect(try parse(many).rules.count == 5_000)
    }

    @Test("date- and time-shaped strings lex as dates, as in the grammar")
    func dateTokens() throws {
        let rule = try parse("Rules = [ ColumnValues \"d\" = \"2024-05-01\" ]").rules[0].leaves[0]
        guard case let .date(condition)? = rule.condition else {
            Issue.record("expected a date condition, got \(String(describing: rule.condition))")
            return
        }
        #expect(condition.operands == [.date("2024-05-01")])
        let time = try parse("Rules = [ FileFreshness > \"7:05 PM\" ]").rules[0].leaves[0]
        #expect(time.condition == .date(DQDLDateCondition(op: .greater, operands: [.time("7:05 PM")])))
    }

    @Test("a size rule takes a plain number of bytes")
    func sizeFromNumber() throws {
        let rule = try parse("Rules = [ FileSize > 1024 ]").rules[0].leaves[0]
        #expect(rule.condition == .size(DQDLSizeCondition(op: .greater, operands: [DQDLSize(amount: 1024, unit: nil)])))
    }
}
