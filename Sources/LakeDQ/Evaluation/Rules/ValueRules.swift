import Foundation

/// Row-by-row rules: ColumnValues, DataFreshness, ColumnLength, ColumnDataType.
///
/// Text columns are tested once per distinct value and the verdict looked up per row.
extension RuleRunner {
    /// Counts compliant rows among the selection and builds the row results.
    private func tally(_ selection: RowSelection, _ compliant: (Int) -> Bool) -> (Int, [Int8]?) {
        var count = 0
        guard context.keepRows else {
            for row in 0..<context.rowCount where selection.contains(row) && compliant(row) { count += 1 }
            return (count, nil)
        }
        var rows = [Int8](repeating: 1, count: context.rowCount)
        for row in 0..<context.rowCount where selection.contains(row) {
            if compliant(row) { count += 1 } else { rows[row] = 0 }
        }
        return (count, rows)
    }

    /// Folds one chunk's compliant and selected counts into the rule's tally.
    private func fold(_ state: RuleState?, compliant: Int, total: Int, rows: [Int8]?) throws(RuleError) -> RuleState {
        let tally = try self.state(state) { TallyState() }
        tally.compliant += compliant
        tally.total += total
        tally.rows.append(rows)
        return tally
    }

    /// ColumnValues, DataFreshness, ColumnDataType: the compliance ratio against the threshold.
    func finishCompliance(_ rule: DQDLRule, _ state: RuleState?) throws(RuleError) -> RuleEvaluation {
        let tally = try finished(state, TallyState.self)
        let name = try parameter(rule, 0)
        return try complianceRule(rule, compliant: tally.compliant, total: tally.total,
                                  metricKey: "Column.\(name).\(rule.type).Compliance", rows: tally.rows.values)
    }

    /// Per-row compliance from a per-distinct-value verdict (text) or a per-row test.
    private func compliance(of column: DQColumnValues, nullCompliant: Bool,
                            text: (([UInt8]) -> Bool)?, number: ((Double) -> Bool)?,
                            boolean: ((Bool) -> Bool)? = nil) throws(RuleError) -> (Int) -> Bool {
        switch column {
        case let .text(codes, dictionary):
            if let text {
                let verdicts = dictionary.map(text)
                return { row in codes[row] < 0 ? nullCompliant : verdicts[Int(codes[row])] }
            }
            if let number {
                let verdicts = dictionary.map { bytes in
                    Double(String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespaces)).map(number) ?? false
                }
                return { row in codes[row] < 0 ? nullCompliant : verdicts[Int(codes[row])] }
            }
        case let .numeric(values, valid, _):
            if let number { return { row in valid[row] ? number(values[row]) : nullCompliant } }
            if let text {
                // A string condition on a number compares its text form (`200`, `0.5`).
                return { row in valid[row] ? text(Array(formatMetric(values[row]).utf8)) : nullCompliant }
            }
        case let .boolean(values):
            if let boolean { return { row in values[row] < 0 ? nullCompliant : boolean(values[row] == 1) } }
            if let text { return { row in values[row] < 0 ? nullCompliant : text(Array((values[row] == 1 ? "true" : "false").utf8)) } }
            if let number { return { row in values[row] < 0 ? nullCompliant : number(Double(values[row])) } }
        case .nested:
            break
        }
        throw RuleError("The condition does not apply to this column's type")
    }

    // MARK: ColumnValues

    func accumulateColumnValues(_ rule: DQDLRule, _ state: RuleState?) throws(RuleError) -> RuleState {
        let name = try parameter(rule, 0)
        let selection = try context.selection(rule.whereClause)
        let test: (Int) -> Bool
        switch rule.condition {
        case let .number(condition)?:
            let column = try context.column(name)
            var operands: [Double?] = []
            let check = try checker(rule)
            for operand in condition.operands { operands.append(try check.scalar(operand)) }
            let listsNull = operands.contains { $0 == nil }
            let concrete = operands.compactMap { $0 }
            let nullCompliant = condition.op.isNegative ? !listsNull : listsNull
            let op = condition.op
            let values: [Double?] = op == .in || op == .notIn ? concrete : operands
            test = try compliance(of: column, nullCompliant: nullCompliant, text: nil,
                                  number: { ConditionCheck.holds($0, op, values) })
        case let .string(condition)?:
            let operands = try stringOperands(condition)
            let listsNull = operands.contains(.null)
            let op = condition.op
            let nullCompliant: Bool
            switch op {
            case .matches: nullCompliant = false
            case .notMatches: nullCompliant = true
            default: nullCompliant = op.isNegative ? !listsNull : listsNull
            }
            let matcher = try StringMatcher(op: op, operands: operands)
            if let raw = try rawTextCompliance(name, selection: selection, nullCompliant: nullCompliant, matcher: matcher) {
                return try fold(state, compliant: raw.0, total: selection.count, rows: raw.1)
            }
            let column = try context.column(name)
            test = try compliance(of: column, nullCompliant: nullCompliant, text: matcher.matches, number: nil,
                                  boolean: { matcher.matches(Array(($0 ? "true" : "false").utf8)) })
        case let .date(condition)?:
            let column = try context.column(name)
            let check = try checker(rule)
            var operands: [Double?] = []
            for operand in condition.operands { operands.append(try check.microseconds(operand).map(Double.init)) }
            let listsNull = operands.contains { $0 == nil }
            let op = condition.op
            let values: [Double?] = op == .in || op == .notIn ? operands.compactMap { $0 } : operands
            let nullCompliant = op.isNegative ? !listsNull : listsNull
            test = try temporalCompliance(column, nullCompliant: nullCompliant) { ConditionCheck.holds($0, op, values) }
        default:
            throw RuleError("ColumnValues needs a string, number or date condition")
        }
        let (compliant, rows) = tally(selection, test)
        return try fold(state, compliant: compliant, total: selection.count, rows: rows)
    }

    /// Compliance of a date/timestamp column (or text holding dates) by its microseconds.
    private func temporalCompliance(_ column: DQColumnValues, nullCompliant: Bool,
                                    _ body: @escaping (Double) -> Bool) throws(RuleError) -> (Int) -> Bool {
        switch column {
        case let .numeric(values, valid, kind):
            guard kind == .date || kind == .timestamp else { throw RuleError("A date condition needs a date or timestamp column") }
            let scale = kind == .date ? 86_400_000_000.0 : 1
            return { row in valid[row] ? body(values[row] * scale) : nullCompliant }
        case let .text(codes, dictionary):
            let verdicts = dictionary.map { bytes in
                TemporalParsing.microseconds(String(decoding: bytes, as: UTF8.self)).map { body(Double($0)) } ?? false
            }
            return { row in codes[row] < 0 ? nullCompliant : verdicts[Int(codes[row])] }
        default:
            throw RuleError("A date condition needs a date or timestamp column")
        }
    }

    /// String conditions on plain (non-dictionary) text straight from the batches' bytes, when
    /// the column has not been interned already: for high-cardinality columns (IPs, ids) one
    /// pass over the bytes is cheaper than interning every value first.
    private func rawTextCompliance(_ name: String, selection: RowSelection, nullCompliant: Bool,
                                   matcher: StringMatcher) throws(RuleError) -> (Int, [Int8]?)? {
        guard !context.isPrepared(name), let index = DQEvaluationContext.fieldIndex(name, in: context.primary.schema),
              context.primary.schema.fields[index].type.isString || context.primary.schema.fields[index].type == .binary
        else { return nil }
        var compliant = 0
        var rows = [Int8](repeating: 1, count: context.keepRows ? context.rowCount : 0)
        var base = 0
        for batch in context.primary.batches {
            switch batch.columns[index] {
            case let .binary(column):
                column.withUnsafeBytes { all in
                    for row in 0..<column.count where selection.contains(base + row) {
                        let ok = column.isValid(row)
                            ? matcher.matches(raw: UnsafeRawBufferPointer(rebasing: all[column.byteRange(at: row)]))
                            : nullCompliant
                        if ok { compliant += 1 } else if !rows.isEmpty { rows[base + row] = 0 }
                    }
                }
            case let .dictionary(column):
                let dictionary = column.dictionary
                let verdicts = dictionary.withUnsafeBytes { all in
                    (0..<dictionary.count).map { matcher.matches(raw: UnsafeRawBufferPointer(rebasing: all[dictionary.byteRange(at: $0)])) }
                }
                column.indices.withUnsafeBufferPointer { indices in
                    for row in 0..<column.count where selection.contains(base + row) {
                        let entry = Int(indices[row])
                        let ok = column.isValid(row) && entry >= 0 && entry < verdicts.count ? verdicts[entry] : nullCompliant
                        if ok { compliant += 1 } else if !rows.isEmpty { rows[base + row] = 0 }
                    }
                }
            default:
                return nil
            }
            base += batch.rowCount
        }
        return (compliant, context.keepRows ? rows : nil)
    }

    // MARK: DataFreshness

    func accumulateDataFreshness(_ rule: DQDLRule, _ state: RuleState?) throws(RuleError) -> RuleState {
        let name = try parameter(rule, 0)
        guard case let .duration(condition)? = rule.condition else { throw RuleError("DataFreshness needs a duration condition") }
        let selection = try context.selection(rule.whereClause)
        let column = try context.column(name)
        let now = Double(context.now)
        let limits: [Double?] = condition.operands.map { $0.seconds * 1_000_000 }
        let op = condition.op
        // Age = now − value; a null value is not fresh.
        let test = try temporalCompliance(column, nullCompliant: false) { ConditionCheck.holds(now - $0, op, limits) }
        let (compliant, rows) = tally(selection, test)
        return try fold(state, compliant: compliant, total: selection.count, rows: rows)
    }

    // MARK: ColumnLength

    func accumulateColumnLength(_ rule: DQDLRule, _ state: RuleState?) throws(RuleError) -> RuleState {
        let lengthState = try self.state(state) { LengthState() }
        let name = try parameter(rule, 0)
        guard case let .number(condition)? = rule.condition else { throw RuleError("ColumnLength needs a number condition") }
        let selection = try context.selection(rule.whereClause)
        let lengths = try context.characterLengths(name)
        let check = try checker(rule)
        var operands: [Double?] = []
        for operand in condition.operands { operands.append(try check.scalar(operand)) }
        let op = condition.op
        var rows = [Int8](repeating: 1, count: context.keepRows ? context.rowCount : 0)
        // Lengths repeat a lot: decide each distinct length once.
        var verdicts: [Int32: Bool] = [:]
        for row in 0..<context.rowCount where selection.contains(row) {
            let length = lengths[row]
            guard length >= 0 else {
                // Nulls have no length; they neither pass nor fail.
                if !rows.isEmpty { rows[row] = -1 }
                continue
            }
            lengthState.present += 1
            let value = Double(length)
            lengthState.minimum = min(lengthState.minimum, value)
            lengthState.maximum = max(lengthState.maximum, value)
            let verdict: Bool
            if let known = verdicts[length] {
                verdict = known
            } else {
                verdict = ConditionCheck.holds(value, op, operands)
                verdicts[length] = verdict
            }
            if verdict { lengthState.compliant += 1 } else if !rows.isEmpty { rows[row] = 0 }
        }
        lengthState.rows.append(context.keepRows ? rows : nil)
        return lengthState
    }

    func finishColumnLength(_ rule: DQDLRule, _ state: RuleState?) throws(RuleError) -> RuleEvaluation {
        let lengths = try finished(state, LengthState.self)
        let name = try parameter(rule, 0)
        guard lengths.present > 0 else {
            return RuleEvaluation(outcome: .failed, failureReason: "Value could not be computed: column '\(name)' has no non-null values",
                                  rows: lengths.rows.values)
        }
        let metrics = ["Column.\(name).MinimumLength": lengths.minimum, "Column.\(name).MaximumLength": lengths.maximum]
        let holds = lengths.compliant == lengths.present
        return RuleEvaluation(outcome: holds ? .passed : .failed,
                              failureReason: holds ? nil : "\(lengths.present - lengths.compliant) of \(lengths.present) values have a length that does not meet the constraint requirement.",
                              metrics: metrics, primaryMetric: Double(lengths.compliant) / Double(lengths.present),
                              rows: lengths.rows.values)
    }

    // MARK: ColumnDataType

    func accumulateColumnDataType(_ rule: DQDLRule, _ state: RuleState?) throws(RuleError) -> RuleState {
        let name = try parameter(rule, 0)
        guard case let .string(condition)? = rule.condition else { throw RuleError("ColumnDataType needs a string condition") }
        let selection = try context.selection(rule.whereClause)
        let column = try context.column(name)
        var types: [DataTypeName] = []
        for operand in try stringOperands(condition) {
            guard case let .text(text) = operand, let type = DataTypeName(rawValue: text.lowercased()) else {
                throw RuleError("Unsupported data type in ColumnDataType; use Boolean, Date, Timestamp, Integer, Long, Float, Double, Decimal or String")
            }
            types.append(type)
        }
        let negated = condition.op.isNegative
        let test: (Int) -> Bool
        switch column {
        case let .text(codes, dictionary):
            let verdicts = dictionary.map { bytes in
                let text = String(decoding: bytes, as: UTF8.self)
                return types.contains { $0.accepts(text) } != negated
            }
            test = { row in codes[row] < 0 ? true : verdicts[Int(codes[row])] }
        case let .numeric(values, valid, kind):
            test = { row in
                guard valid[row] else { return true }
                return types.contains { $0.accepts(values[row], kind: kind) } != negated
            }
        case let .boolean(values):
            test = { row in values[row] < 0 ? true : types.contains { $0 == .boolean || $0 == .string } != negated }
        case .nested:
            throw RuleError("ColumnDataType does not apply to nested column '\(name)'")
        }
        let (compliant, rows) = tally(selection, test)
        return try fold(state, compliant: compliant, total: selection.count, rows: rows)
    }
}

/// The type names ColumnDataType accepts, and whether a value can be read as each.
enum DataTypeName: String {
    case boolean, date, timestamp, integer, long, float, double, decimal, string

    func accepts(_ text: String) -> Bool {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        switch self {
        case .boolean: return ["true", "false"].contains(trimmed.lowercased())
        case .date: return trimmed.utf8.count == 10 && TemporalParsing.microseconds(trimmed) != nil
        case .timestamp: return TemporalParsing.microseconds(trimmed) != nil
        case .integer: return Int32(trimmed) != nil
        case .long: return Int64(trimmed) != nil
        case .float, .double: return Double(trimmed).map { $0.isFinite } ?? false
        case .decimal:
            guard !trimmed.isEmpty, !trimmed.contains("e"), !trimmed.contains("E") else { return false }
            return Double(trimmed) != nil
        case .string: return true
        }
    }

    func accepts(_ value: Double, kind: DQColumnValues.NumericKind) -> Bool {
        switch self {
        case .string: return true
        case .boolean: return false
        case .date: return kind == .date
        case .timestamp: return kind == .timestamp || kind == .date
        case .integer: return kind == .integer && value >= Double(Int32.min) && value <= Double(Int32.max)
        case .long: return kind == .integer
        case .float, .double: return kind != .date && kind != .timestamp
        case .decimal: return kind != .date && kind != .timestamp
        }
    }
}

/// A string condition compiled once: equality sets, EMPTY / WHITESPACES_ONLY, regex.
struct StringMatcher {
    private var values = ByteInterner(capacity: 16)
    private var empty = false
    private var whitespace = false
    private var regex: Regex<AnyRegexOutput>?
    /// The fast path for the common regex subset; `regex` handles the rest.
    private var byteRegex: ByteRegex?
    private var negated: Bool

    init(op: DQDLOperator, operands: [RuleRunner.StringOperand]) throws(RuleError) {
        negated = op.isNegative
        switch op {
        case .matches, .notMatches:
            guard case let .text(pattern)? = operands.first else { throw RuleError("matches needs a pattern") }
            do {
                regex = try Regex(pattern)
            } catch {
                throw RuleError("Invalid regular expression \"\(pattern)\": \(error)")
            }
            byteRegex = ByteRegex(pattern)
        case .equal, .notEqual, .in, .notIn:
            for operand in operands {
                switch operand {
                case let .text(text):
                    let bytes = Array(text.utf8)
                    _ = bytes.withUnsafeBytes { values.intern($0) }
                case .empty: empty = true
                case .whitespacesOnly: whitespace = true
                case .null: break
                }
            }
        default:
            throw RuleError("String conditions support =, !=, in, not in and matches")
        }
    }

    func matches(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { matches(raw: $0) }
    }

    /// Whether `bytes` complies, without copying them.
    func matches(raw bytes: UnsafeRawBufferPointer) -> Bool {
        let found: Bool
        if let fast = byteRegex, !fast.needsASCIIInput || bytes.allSatisfy({ $0 < 0x80 }) {
            found = fast.matches(raw: bytes)
        } else if let regex {
            found = String(decoding: bytes, as: UTF8.self).wholeMatch(of: regex) != nil
        } else {
            found = values.find(bytes) != nil || (empty && bytes.isEmpty)
                || (whitespace && !bytes.isEmpty && bytes.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D })
        }
        return found != negated
    }
}
