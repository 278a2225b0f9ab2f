import Foundation

/// Resolves DQDL operands to numbers and checks values against conditions.
struct ConditionCheck {
    /// This rule's past primary metrics, most recent first (for `last(k)`).
    var history: [Double]
    var now: Int64
    var timeZone: TimeZone

    /// A number operand's value: a number, a list (from `last(k)`) or NULL.
    enum Value {
        case number(Double)
        case list([Double])
        case null
    }

    func evaluate(_ number: DQDLNumber) throws(RuleError) -> Value {
        switch number {
        case let .literal(value, _): return .number(value)
        case .null: return .null
        case let .parenthesized(inner): return try evaluate(inner)
        case let .binary(lhs, op, rhs):
            let a = try scalar(lhs), b = try scalar(rhs)
            guard let a, let b else { return .null }
            switch op {
            case .add: return .number(a + b)
            case .subtract: return .number(a - b)
            case .multiply: return .number(a * b)
            case .divide:
                guard b != 0 else { throw RuleError("Division by zero in the rule's condition") }
                return .number(a / b)
            }
        case let .call(name, arguments):
            return try call(name, arguments)
        }
    }

    /// An operand that must collapse to one number (`nil` for NULL).
    func scalar(_ number: DQDLNumber) throws(RuleError) -> Double? {
        switch try evaluate(number) {
        case let .number(value): return value
        case .null: return nil
        case let .list(values):
            guard values.count == 1 else {
                throw RuleError("Use aggregation functions to produce a single value from a list of \(values.count) values")
            }
            return values[0]
        }
    }

    private func list(_ number: DQDLNumber) throws(RuleError) -> [Double] {
        switch try evaluate(number) {
        case let .list(values): return values
        case let .number(value): return [value]
        case .null: return []
        }
    }

    private func call(_ name: String, _ arguments: [DQDLNumber]) throws(RuleError) -> Value {
        switch name {
        case "last":
            guard arguments.count <= 1 else { throw RuleError("last takes at most one argument") }
            let k = try arguments.first.map { (argument: DQDLNumber) throws(RuleError) in try scalar(argument) } ?? 1
            guard let k, k >= 1, k == k.rounded() else { throw RuleError("last(k) needs a positive whole k") }
            guard !history.isEmpty else {
                throw RuleError("No metric history for this rule yet; dynamic rules need at least one earlier run")
            }
            return .list(Array(history.prefix(Int(k))))
        case "avg", "min", "max", "sum", "std", "stddev":
            var values: [Double] = []
            for argument in arguments { values += try list(argument) }
            guard !values.isEmpty else { throw RuleError("\(name) of no values") }
            switch name {
            case "avg": return .number(values.reduce(0, +) / Double(values.count))
            case "min": return .number(values.min() ?? 0)
            case "max": return .number(values.max() ?? 0)
            case "sum": return .number(values.reduce(0, +))
            default:
                var moments = Moments()
                for value in values { moments.add(value) }
                return .number(moments.populationVariance.squareRoot())
            }
        case "index":
            guard arguments.count == 2 else { throw RuleError("index takes a list and a position") }
            let values = try list(arguments[0])
            guard let position = try scalar(arguments[1]), position >= 0, position == position.rounded(),
                  Int(position) < values.count else {
                throw RuleError("index position out of range for a list of \(values.count) values")
            }
            return .number(values[Int(position)])
        default:
            throw RuleError("Unknown function '\(name)' in dynamic rule")
        }
    }

    /// Whether `value` satisfies `op` against `operands` (already resolved; `nil` = NULL).
    static func holds(_ value: Double, _ op: DQDLOperator, _ operands: [Double?]) -> Bool {
        func at(_ index: Int) -> Double? { index < operands.count ? operands[index] : nil }
        switch op {
        case .equal: return at(0).map { value == $0 } ?? false
        case .notEqual: return at(0).map { value != $0 } ?? true
        case .greater: return at(0).map { value > $0 } ?? false
        case .greaterEqual: return at(0).map { value >= $0 } ?? false
        case .less: return at(0).map { value < $0 } ?? false
        case .lessEqual: return at(0).map { value <= $0 } ?? false
        case .between:
            guard let low = at(0), let high = at(1) else { return false }
            return value > low && value < high
        case .notBetween:
            guard let low = at(0), let high = at(1) else { return false }
            return value <= low || value >= high
        case .in: return operands.contains { $0 == value }
        case .notIn: return !operands.contains { $0 == value }
        case .matches, .notMatches: return false
        }
    }

    /// Checks a metric against a number condition; returns the resolved operands too.
    func check(_ value: Double, _ condition: DQDLNumberCondition) throws(RuleError) -> (Bool, [Double?]) {
        var operands: [Double?] = []
        for operand in condition.operands { operands.append(try scalar(operand)) }
        return (Self.holds(value, condition.op, operands), operands)
    }

    /// A date operand as microseconds since the epoch (`nil` for NULL).
    func microseconds(_ date: DQDLDate) throws(RuleError) -> Int64? {
        switch date {
        case let .date(text):
            guard let micros = TemporalParsing.microseconds(text) else { throw RuleError("Invalid date \"\(text)\"") }
            // A bare date is midnight in the rule's time zone.
            let offset = Int64(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(micros) / 1_000_000)))
            return micros - offset * 1_000_000
        case .now: return now
        case let .nowOffset(op, duration):
            let delta = duration.amount * duration.unit.seconds * 1_000_000
            return op == .subtract ? now - delta : now + delta
        case let .time(text):
            guard let (hour, minute) = Self.parseTime(text) else { throw RuleError("Invalid time \"\(text)\"") }
            return TemporalParsing.todayAt(hour: hour, minute: minute, now: now, timeZone: timeZone)
        case .null: return nil
        }
    }

    /// `"h:mm AM"`, `"h:mm PM"` or `"HH:mm"`.
    static func parseTime(_ text: String) -> (Int, Int)? {
        let parts = text.split(separator: " ")
        let clock = parts.first.map(String.init) ?? ""
        let pieces = clock.split(separator: ":")
        guard pieces.count == 2, var hour = Int(pieces[0]), let minute = Int(pieces[1]), (0..<60).contains(minute) else {
            return nil
        }
        if parts.count == 2 {
            guard (1...12).contains(hour) else { return nil }
            if parts[1] == "AM" { hour = hour == 12 ? 0 : hour } else if parts[1] == "PM" { hour = hour == 12 ? 12 : hour + 12 } else { return nil }
        } else {
            guard parts.count == 1, (0..<24).contains(hour) else { return nil }
        }
        return (hour, minute)
    }

    /// The rule's `timeZone` tag as a time zone (UTC without one).
    static func timeZone(for rule: DQDLRule) throws(RuleError) -> TimeZone {
        guard let name = rule.tag("timeZone") else { return TimeZone(identifier: "UTC") ?? TimeZone.current }
        guard let zone = TimeZone(identifier: name) else { throw RuleError("Error Parsing Time Zone: \(name)") }
        return zone
    }
}
