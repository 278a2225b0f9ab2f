/// CustomSql, AggregateMatch, RowCountMatch, SchemaMatch, ReferentialIntegrity, DatasetMatch.
extension RuleRunner {
    /// Column references resolved against one dataset; `aliases` name that dataset in SQL.
    struct DatasetSource: SQLColumnSource {
        let context: DQEvaluationContext
        let dataset: DQDataset
        let aliases: Set<String>

        func column(qualifier: String?, name: String) throws(SQLError) -> DQColumnValues {
            if let qualifier, !aliases.contains(qualifier) {
                throw SQLError(message: "table '\(qualifier)' is not available here", offset: 0)
            }
            do {
                return try context.column(name, in: dataset)
            } catch {
                throw SQLError(message: error.message, offset: 0)
            }
        }
    }

    // MARK: CustomSql

    /// The statement of a CustomSql rule, checked against the subset.
    private func customSelect(_ rule: DQDLRule) throws(RuleError) -> SQLSelect {
        let text = try parameter(rule, 0)
        let select: SQLSelect
        do {
            select = try SQLParser.parseSelect(text)
        } catch {
            throw RuleError("CustomSql statement is outside LakeDQ's SQL subset: \(error)")
        }
        guard select.table.lowercased() == "primary" else {
            throw RuleError("CustomSql reads the table 'primary'; found '\(select.table)'")
        }
        return select
    }

    /// With a number condition the statement computes one aggregate value over the selected
    /// rows; without one it returns the rows that pass (a compliance ratio).
    func accumulateCustomSql(_ rule: DQDLRule, _ state: RuleState?) throws(RuleError) -> RuleState {
        let select = try customSelect(rule)
        var aliases: Set<String> = ["primary"]
        if let alias = select.alias { aliases.insert(alias) }
        let source = DatasetSource(context: context, dataset: context.primary, aliases: aliases)
        let compiler = SQLCompiler(source: source, nowMicroseconds: context.now, aggregateRows: nil, rowCount: context.rowCount)

        var selectedRows: [Int]?
        do {
            if let predicate = select.predicate {
                guard !predicate.containsAggregate else {
                    throw SQLError(message: "aggregates are not allowed in WHERE", offset: 0)
                }
                let test = try compiler.predicate(predicate)
                selectedRows = (0..<context.rowCount).filter { test($0) == 1 }
            }
        } catch {
            throw RuleError("CustomSql: \(error)")
        }

        if case .number? = rule.condition {
            guard select.items.count == 1, case let .expression(expression, _) = select.items[0] else {
                throw RuleError("CustomSql with a number condition must select exactly one value")
            }
            guard expression.containsAggregate || expression.qualifiers.isEmpty && !Self.referencesColumns(expression) else {
                throw RuleError("CustomSql with a number condition must return one value; use an aggregate such as COUNT(*)")
            }
            do {
                let aggregate = try self.state(state) { () throws(RuleError) -> AggregateState in
                    do {
                        return AggregateState(try SQLAggregateExpression(expression))
                    } catch {
                        throw RuleError("CustomSql: \(error)")
                    }
                }
                try aggregate.expression.add(rows: selectedRows, compiler: compiler)
                return aggregate
            } catch let error as SQLError {
                throw RuleError("CustomSql: \(error)")
            } catch {
                throw error as? RuleError ?? RuleError("CustomSql: \(error)")
            }
        }

        // Row-level form: the query returns the rows that pass.
        for item in select.items {
            if case let .expression(expression, _) = item, expression.containsAggregate {
                throw RuleError("CustomSql without a condition must return rows, not aggregates")
            }
        }
        let tally = try self.state(state) { TallyState() }
        tally.compliant += selectedRows?.count ?? context.rowCount
        tally.total += context.rowCount
        if context.keepRows {
            var rows = [Int8](repeating: selectedRows == nil ? 1 : 0, count: context.rowCount)
            for row in selectedRows ?? [] { rows[row] = 1 }
            tally.rows.append(rows)
        } else {
            tally.rows.append(nil)
        }
        return tally
    }

    func finishCustomSql(_ rule: DQDLRule, _ state: RuleState?) throws(RuleError) -> RuleEvaluation {
        if let tally = state as? TallyState {
            return try complianceRule(rule, compliant: tally.compliant, total: tally.total,
                                      metricKey: "Dataset.*.CustomSQL", rows: tally.rows.values)
        }
        let aggregate = try finished(state, AggregateState.self)
        let value: SQLValue
        do {
            value = try aggregate.expression.value(nowMicroseconds: context.now)
        } catch {
            throw RuleError("CustomSql: \(error)")
        }
        guard let number = value.number else {
            return RuleEvaluation(outcome: .failed, failureReason: "Value could not be computed: the query returned NULL")
        }
        return try numberRule(rule, value: number, metrics: ["Dataset.*.CustomSQL": number])
    }

    private static func referencesColumns(_ expression: SQLExpression) -> Bool {
        switch expression {
        case .column: return true
        case .number, .string, .boolean, .null: return false
        case let .negate(inner), let .not(inner), let .isNull(inner, _): return referencesColumns(inner)
        case let .binary(lhs, _, rhs): return referencesColumns(lhs) || referencesColumns(rhs)
        case let .between(value, low, high, _):
            return referencesColumns(value) || referencesColumns(low) || referencesColumns(high)
        case let .inList(value, list, _): return referencesColumns(value) || list.contains(where: referencesColumns)
        case let .like(value, pattern, _): return referencesColumns(value) || referencesColumns(pattern)
        case let .function(_, arguments, _, _): return arguments.contains(where: referencesColumns)
        }
    }

    // MARK: AggregateMatch

    /// An aggregate expression such as `sum(ref.bytes)` and the alias of the dataset it reads.
    private func aggregateExpression(_ text: String) throws(RuleError) -> (SQLAggregateExpression, String) {
        let expression: SQLExpression
        do {
            expression = try SQLParser.parseExpression(text)
        } catch {
            throw RuleError("Invalid aggregate expression \"\(text)\": \(error)")
        }
        guard expression.containsAggregate else { throw RuleError("\"\(text)\" is not an aggregate expression") }
        let qualifiers = expression.qualifiers
        guard qualifiers.count <= 1 else { throw RuleError("\"\(text)\" reads more than one dataset") }
        do {
            return (try SQLAggregateExpression(expression), qualifiers.first ?? "primary")
        } catch {
            throw RuleError("Invalid aggregate expression \"\(text)\": \(error)")
        }
    }

    /// Whether `alias` names the primary dataset.
    private func isPrimary(_ alias: String) -> Bool { alias == "primary" || alias == context.primary.name }

    /// Folds this chunk into `aggregate` when it reads the primary dataset; a reference's
    /// aggregate is computed once, on the first chunk.
    private func fold(_ aggregate: inout SQLAggregateExpression, alias: String, text: String, first: Bool) throws(RuleError) {
        let dataset = try context.dataset(alias)
        guard isPrimary(alias) || first else { return }
        let source = DatasetSource(context: context, dataset: dataset, aliases: [alias, "primary"])
        let compiler = SQLCompiler(source: source, nowMicroseconds: context.now, aggregateRows: nil,
                                   rowCount: isPrimary(alias) ? context.rowCount : dataset.rowCount)
        do {
            try aggregate.add(rows: nil, compiler: compiler)
        } catch {
            throw RuleError("Invalid aggregate expression \"\(text)\": \(error)")
        }
    }

    func accumulateAggregateMatch(_ rule: DQDLRule, _ state: RuleState?) throws(RuleError) -> RuleState {
        let firstText = try parameter(rule, 0), secondText = try parameter(rule, 1)
        let (firstExpression, firstAlias) = try aggregateExpression(firstText)
        let (secondExpression, secondAlias) = try aggregateExpression(secondText)
        let isFirstChunk = state == nil
        let pair = try self.state(state) { AggregatePairState(first: firstExpression, second: secondExpression) }
        try fold(&pair.first, alias: firstAlias, text: firstText, first: isFirstChunk)
        try fold(&pair.second, alias: secondAlias, text: secondText, first: isFirstChunk)
        return pair
    }

    func finishAggregateMatch(_ rule: DQDLRule, _ state: RuleState?) throws(RuleError) -> RuleEvaluation {
        let pair = try finished(state, AggregatePairState.self)
        let firstText = try parameter(rule, 0), secondText = try parameter(rule, 1)
        let (_, alias) = try aggregateExpression(secondText)
        func number(_ expression: SQLAggregateExpression, _ text: String) throws(RuleError) -> Double {
            let value: SQLValue
            do {
                value = try expression.value(nowMicroseconds: context.now)
            } catch {
                throw RuleError("Invalid aggregate expression \"\(text)\": \(error)")
            }
            guard let number = value.number else { throw RuleError("\"\(text)\" evaluated to NULL") }
            return number
        }
        let first = try number(pair.first, firstText), second = try number(pair.second, secondText)
        let ratio: Double? = second == 0 ? (first == 0 ? 1 : nil) : first / second
        var metrics: [String: Double] = [:]
        if let ratio { metrics["Column.\(alias).AggregateMatch"] = ratio }
        return try numberRule(rule, value: ratio, metrics: metrics, undefinedReason: "the second aggregate is zero")
    }

    // MARK: Dataset comparisons

    func rowCountMatch(_ rule: DQDLRule) throws(RuleError) -> RuleEvaluation {
        let alias = try parameter(rule, 0)
        let reference = try context.dataset(alias)
        let primaryRows = Double(context.rowCount), referenceRows = Double(reference.rowCount)
        let ratio: Double? = referenceRows == 0 ? (primaryRows == 0 ? 1 : nil) : primaryRows / referenceRows
        var metrics: [String: Double] = [:]
        if let ratio { metrics["Dataset.\(alias).RowCountMatch"] = ratio }
        return try numberRule(rule, value: ratio, metrics: metrics, undefinedReason: "the reference dataset is empty")
    }

    func schemaMatch(_ rule: DQDLRule) throws(RuleError) -> RuleEvaluation {
        let alias = try parameter(rule, 0)
        let reference = try context.dataset(alias)
        let ours = context.primary.schema.fields, theirs = reference.schema.fields
        var matching = 0
        for field in ours {
            if let index = DQEvaluationContext.fieldIndex(field.name, in: reference.schema), theirs[index].type == field.type {
                matching += 1
            }
        }
        let total = max(ours.count, theirs.count)
        let ratio = total == 0 ? 1 : Double(matching) / Double(total)
        return try numberRule(rule, value: ratio, metrics: ["Dataset.\(alias).SchemaMatch": ratio])
    }

    /// The value of `row` as comparable bytes (`nil` for null).
    private static func key(_ column: DQColumnValues, _ row: Int) -> [UInt8]? {
        switch column {
        case let .text(codes, dictionary): return codes[row] < 0 ? nil : dictionary[Int(codes[row])]
        case let .numeric(values, valid, _): return valid[row] ? Array(formatMetric(values[row]).utf8) : nil
        case let .boolean(values): return values[row] < 0 ? nil : [values[row] == 1 ? 1 : 0]
        case .nested: return nil
        }
    }

    /// The joined key of several columns (`nil` if any part is null).
    private static func key(_ columns: [DQColumnValues], _ row: Int) -> [UInt8]? {
        var joined: [UInt8] = []
        for (index, column) in columns.enumerated() {
            guard let part = key(column, row) else { return nil }
            if index > 0 { joined.append(0x1F) }
            joined += part
        }
        return joined
    }

    /// `"a,b"` → `[a, b]`; `"ref.{x,y}"` / `"ref.x"` → (`ref`, `[x, y]`).
    static func splitColumns(_ text: String) -> [String] {
        text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    func accumulateReferentialIntegrity(_ rule: DQDLRule, _ state: RuleState?) throws(RuleError) -> RuleState {
        let primaryNames = Self.splitColumns(try parameter(rule, 0))
        let target = try parameter(rule, 1)
        guard let dot = target.firstIndex(of: ".") else {
            throw RuleError("ReferentialIntegrity needs the reference as \"alias.column\" or \"alias.{a,b}\"")
        }
        let alias = String(target[..<dot])
        var rest = String(target[target.index(after: dot)...])
        if rest.hasPrefix("{"), rest.hasSuffix("}") { rest = String(rest.dropFirst().dropLast()) }
        let referenceNames = Self.splitColumns(rest)
        guard primaryNames.count == referenceNames.count, !primaryNames.isEmpty else {
            throw RuleError("ReferentialIntegrity needs as many reference columns as primary columns")
        }
        let reference = try context.dataset(alias)
        let keys = try context.references.derived("keys\u{1}\(alias)\u{1}\(referenceNames.joined(separator: "\u{2}"))") {
            () throws(RuleError) -> Set<[UInt8]> in
            var referenceColumns: [DQColumnValues] = []
            for name in referenceNames { referenceColumns.append(try context.column(name, in: reference)) }
            var keys: Set<[UInt8]> = []
            for row in 0..<reference.rowCount {
                if let key = Self.key(referenceColumns, row) { keys.insert(key) }
            }
            return keys
        }
        var primaryColumns: [DQColumnValues] = []
        for name in primaryNames { primaryColumns.append(try context.column(name)) }
        let match = try self.state(state) { MatchState() }
        var rows = [Int8](repeating: 0, count: context.keepRows ? context.rowCount : 0)
        for row in 0..<context.rowCount {
            if let key = Self.key(primaryColumns, row), keys.contains(key) {
                match.matched += 1
                if !rows.isEmpty { rows[row] = 1 }
            }
        }
        match.total += context.rowCount
        match.rows.append(context.keepRows ? rows : nil)
        return match
    }

    /// ReferentialIntegrity, DatasetMatch: the share of primary rows matched in the reference.
    func finishMatch(_ rule: DQDLRule, _ state: RuleState?) throws(RuleError) -> RuleEvaluation {
        let match = try finished(state, MatchState.self)
        let ratio: Double? = match.total > 0 ? Double(match.matched) / Double(match.total) : nil
        var metrics: [String: Double] = [:]
        if let ratio {
            if rule.type == "DatasetMatch" {
                metrics["Dataset.\(try parameter(rule, 0)).DatasetMatch"] = ratio
            } else {
                let target = try parameter(rule, 1)
                let alias = target.firstIndex(of: ".").map { String(target[..<$0]) } ?? target
                metrics["Column.\(alias).ReferentialIntegrity"] = ratio
            }
        }
        return try numberRule(rule, value: ratio, metrics: metrics, rows: match.rows.values)
    }

    /// `"a->b,c"` → `[(a, b), (c, c)]`.
    private static func mappings(_ text: String) throws(RuleError) -> [(String, String)] {
        var pairs: [(String, String)] = []
        for part in splitColumns(text) {
            let sides = part.components(separatedBy: "->").map { $0.trimmingCharacters(in: .whitespaces) }
            switch sides.count {
            case 1: pairs.append((sides[0], sides[0]))
            case 2 where !sides[0].isEmpty && !sides[1].isEmpty: pairs.append((sides[0], sides[1]))
            default: throw RuleError("Invalid column mapping \"\(part)\"; use \"primary->reference\"")
            }
        }
        guard !pairs.isEmpty else { throw RuleError("Empty column mapping") }
        return pairs
    }

    func accumulateDatasetMatch(_ rule: DQDLRule, _ state: RuleState?) throws(RuleError) -> RuleState {
        let alias = try parameter(rule, 0)
        let reference = try context.dataset(alias)
        let keyPairs = try Self.mappings(try parameter(rule, 1))
        var valuePairs: [(String, String)]
        if rule.parameters.count > 2 {
            valuePairs = try Self.mappings(try parameter(rule, 2))
        } else {
            let keyNames = Set(keyPairs.map(\.0))
            valuePairs = context.primary.schema.fields.map(\.name)
                .filter { !keyNames.contains($0) && DQEvaluationContext.fieldIndex($0, in: reference.schema) != nil }
                .map { ($0, $0) }
        }
        var primaryKeys: [DQColumnValues] = []
        for (ours, _) in keyPairs { primaryKeys.append(try context.column(ours)) }
        var primaryValues: [DQColumnValues] = [], referenceValues: [DQColumnValues] = []
        for (ours, theirs) in valuePairs {
            primaryValues.append(try context.column(ours))
            referenceValues.append(try context.column(theirs, in: reference))
        }
        let indexKey = "index\u{1}\(alias)\u{1}\(keyPairs.map(\.1).joined(separator: "\u{2}"))"
        let index = try context.references.derived(indexKey) { () throws(RuleError) -> [[UInt8]: Int] in
            var referenceKeys: [DQColumnValues] = []
            for (_, theirs) in keyPairs { referenceKeys.append(try context.column(theirs, in: reference)) }
            var index: [[UInt8]: Int] = [:]
            for row in 0..<reference.rowCount {
                if let key = Self.key(referenceKeys, row), index[key] == nil { index[key] = row }
            }
            return index
        }
        let match = try self.state(state) { MatchState() }
        var rows = [Int8](repeating: 0, count: context.keepRows ? context.rowCount : 0)
        for row in 0..<context.rowCount {
            guard let key = Self.key(primaryKeys, row), let other = index[key] else { continue }
            let same = zip(primaryValues, referenceValues).allSatisfy { Self.key($0, row) == Self.key($1, other) }
            if same {
                match.matched += 1
                if !rows.isEmpty { rows[row] = 1 }
            }
        }
        match.total += context.rowCount
        match.rows.append(context.keepRows ? rows : nil)
        return match
    }
}
