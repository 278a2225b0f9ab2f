// libFuzzer target: the DQDL parser and the SQL-subset parser must never trap, and any ruleset
// that parses must print to text that parses back to an equal ruleset.
// Build and run with Scripts/fuzz.sh dqdl (compiled together with the parser sources).

@_cdecl("LLVMFuzzerTestOneInput")
public func dqdlFuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let text = String(decoding: UnsafeBufferPointer(start: data + 1, count: size - 1), as: UTF8.self)
    if data[0] & 1 == 0 {
        guard let ruleset = try? DQDLRuleset.parse(text) else { return 0 }
        let printed = ruleset.description
        let reparsed: DQDLRuleset
        do {
            reparsed = try DQDLRuleset.parse(printed)
        } catch {
            fatalError("canonical text does not parse: \(error)\n\(printed)")
        }
        guard reparsed == ruleset, reparsed.description == printed else {
            fatalError("print/parse is not stable:\n\(printed)\n\(reparsed.description)")
        }
        for rule in ruleset.rules.flatMap(\.leaves) {
            if let whereClause = rule.whereClause { _ = try? SQLParser.parseExpression(whereClause) }
        }
    } else {
        _ = try? SQLParser.parseExpression(text)
        _ = try? SQLParser.parseSelect(text)
    }
    return 0
}
