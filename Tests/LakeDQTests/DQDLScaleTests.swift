import LakeDQ
import Testing

/// Hostile sizes and shapes of DQDL: a 1 MB ruleset must parse in linear time, deep nesting must
/// end in a located error rather than a stack overflow.
@Suite("DQDL parser at scale")
struct DQDLScaleTests {
    /// 60,000 rules of three shapes, all on one line (the case that was quadratic: columns were
    /// counted from the start of the line for every token), with the column of every rule.
    private func generated(_ count: Int) -> (text: String, columns: [Int]) {
        var text = "Rules = [ "
        var columns: [Int] = []
        columns.reserveCapacity(count)
        for k in 0..<count {
            if k > 0 { text += ", " }
            columns.append(text.utf8.count)  // ASCII: bytes are scalars (and utf8.count is O(1))
            switch k % 3 {
            case 0: text += "IsComplete \"c\(k)\""
            case 1: text += "ColumnValues \"s\(k)\" between \(k) and \(k + 1)"
            default: text += "ColumnLength \"n\(k)\" <= \(k % 97)"
            }
        }
        return (text + " ]\n", columns)
    }

    @Test("a 1 MB ruleset of 60,000 rules on one line parses whole, each rule at its column")
    func sixtyThousandRules() throws {
        let (text, columns) = generated(60_000)
        #expect(text.utf8.count > 1_000_000)
        let clock = ContinuousClock()
        let started = clock.now
        let ruleset = try DQDLRuleset.parse(text)
        let elapsed = clock.now - started
        // A hang guard only (quadratic parsing took minutes); speed is measured with the release CLI.
        #expect(elapsed < .seconds(20), "parsing 60,000 rules took \(elapsed)")

        #expect(ruleset.rules.count == 60_000)
        for k in [0, 1, 2, 31_337, 45_001, 59_999] {
            guard case let .rule(rule) = ruleset.rules[k] else {
                Issue.record("rule \(k) is not a plain rule")
                continue
            }
            #expect(rule.location == DQDLLocation(line: 1, column: columns[k]), "rule \(k)")
            switch k % 3 {
            case 0:
                #expect(rule.type == "IsComplete" && rule.parameters.map(\.text) == ["c\(k)"])
                #expect(rule.condition == nil)
            case 1:
                #expect(rule.type == "ColumnValues" && rule.parameters.map(\.text) == ["s\(k)"])
                #expect(rule.description == "ColumnValues \"s\(k)\" between \(k) and \(k + 1)")
            default:
                #expect(rule.type == "ColumnLength" && rule.parameters.map(\.text) == ["n\(k)"])
                #expect(rule.description == "ColumnLength \"n\(k)\" <= \(k % 97)")
            }
        }
    }

    @Test("20,000 variables and rules that use them parse whole")
    func manyVariables() throws {
        let count = 20_000
        var text = ""
        for k in 0..<count { text += "v\(k) = \"x\(k)\"\n" }
        text += "Rules = [\n" + (0..<count).map { "    ColumnValues \"c\" = $v\($0)" }.joined(separator: ",\n") + "\n]\n"
        let clock = ContinuousClock()
        let started = clock.now
        let ruleset = try DQDLRuleset.parse(text)
        #expect(clock.now - started < .seconds(20))
        #expect(ruleset.variables.count == count)
        #expect(ruleset.variable("v19999")?.value == .single(.quoted("x19999")))
        #expect(ruleset.rules.count == count)
        #expect(ruleset.rules.last?.description == "ColumnValues \"c\" = $v19999")
    }

    @Test("columns count Unicode scalars after non-ASCII text, lines after multi-line strings")
    func locationsAfterNonASCII() {
        let text = "Rules = [ ColumnValues \"naïve 日本\" = \"x\", NoSuchRule,\n  ColumnValues \"a\nb\" = \"y\", AlsoNot ]"
        do {
            _ = try DQDLRuleset.parse(text)
            Issue.record("unknown rule types must not validate")
        } catch {
            let located = error.diagnostics.map { "\($0.location.map(\.description) ?? "-") \($0.message)" }
            // `NoSuchRule` follows 41 scalars (46 bytes of UTF-8); `AlsoNot` is on line 3, after
            // the string that spans lines 2 and 3.
            #expect(located == ["line 1:41 Rule Type: NoSuchRule is not valid", "line 3:10 Rule Type: AlsoNot is not valid"])
        }
    }

    @Test("10,000 levels of nesting give a located DQDLError, not a stack overflow",
          arguments: [
              ("parentheses", String(repeating: "(", count: 10_000) + "IsComplete \"a\"" + String(repeating: ")", count: 10_000)),
              ("composite rules", (0..<10_000).map { "(IsComplete \"a\($0)\" and " }.joined() + "IsComplete \"z\""
                  + String(repeating: ")", count: 10_000)),
              ("number expressions", "RowCount > " + String(repeating: "(", count: 10_000) + "1" + String(repeating: ")", count: 10_000)),
              ("unclosed parentheses", String(repeating: "(", count: 10_000)),
          ])
    func deepNesting(shape: String, rules: String) {
        do {
            _ = try DQDLRuleset.parse("Rules = [ " + rules + " ]")
            Issue.record("\(shape): 10,000 levels must not parse")
        } catch {
            #expect(error.diagnostics.count == 1, "\(shape)")
            let diagnostic = error.diagnostics.first
            #expect(diagnostic?.message.contains("nested deeper than 100 levels") == true, "\(shape): \(error)")
            // The error points at the parenthesis that goes one level too deep, on line 1.
            #expect(diagnostic?.location?.line == 1, "\(shape)")
            #expect((diagnostic?.location?.column ?? 0) > 100, "\(shape)")
        }
    }
}
