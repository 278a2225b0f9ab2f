/// The running state of one SQL aggregate call (`count`, `sum`, `avg`, `min`, `max`, `stddev`,
/// `variance`…), fed values a chunk of rows at a time and read once at the end, so an aggregate
/// over a streamed dataset equals the one over the dataset in memory.
struct SQLAggregateState {
    private enum Function {
        case countRows, count, countDistinct, sum, mean, minimum, maximum
        case sampleStandardDeviation, sampleVariance, populationStandardDeviation, populationVariance
    }

    private let function: Function
    private var count = 0
    private var moments = Moments()
    private var best: SQLValue?
    private var distinct: ValueCounter?

    /// The state of aggregate `name` (lower case); `star` for `count(*)`.
    init(name: String, distinct isDistinct: Bool, star: Bool) throws(SQLError) {
        switch name {
        case "count": function = star ? .countRows : (isDistinct ? .countDistinct : .count)
        case "sum": function = .sum
        case "avg", "mean": function = .mean
        case "min": function = .minimum
        case "max": function = .maximum
        case "stddev": function = .sampleStandardDeviation
        case "variance": function = .sampleVariance
        case "stddev_pop": function = .populationStandardDeviation
        case "var_pop": function = .populationVariance
        default: throw SQLError(message: "\(name) is not an aggregate", offset: 0)
        }
        if isDistinct, function != .countDistinct {
            throw SQLError(message: "DISTINCT is supported with count only", offset: 0)
        }
        if function == .countDistinct { distinct = ValueCounter() }
    }

    /// Whether the aggregate reads an argument (all but `count(*)`).
    var takesArgument: Bool { function != .countRows }

    /// Counts `rows` rows (for `count(*)`).
    mutating func addRows(_ rows: Int) { count += rows }

    /// Folds one argument value in; nulls are ignored, as SQL does.
    mutating func add(_ value: SQLValue) throws(SQLError) {
        if value.isNull { return }
        switch function {
        case .countRows, .count:
            count += 1
        case .countDistinct:
            let bytes = value.textBytes ?? []
            do {
                try bytes.withRuleErrorBytes { key throws(RuleError) in try distinct?.add(key, count: 1) }
            } catch {
                throw SQLError(message: error.message, offset: 0)
            }
        case .minimum, .maximum:
            guard let current = best else {
                best = value
                return
            }
            if let order = SQLCompiler.compare(value, current), function == .minimum ? order < 0 : order > 0 { best = value }
        default:
            if let number = value.number { moments.add(number) }
        }
    }

    /// The aggregate's value over everything added.
    func value() throws(SQLError) -> SQLValue {
        switch function {
        case .countRows, .count:
            return .number(Double(count))
        case .countDistinct:
            var values = 0
            do {
                try distinct?.forEachTotal { _ in values += 1 }
            } catch {
                throw SQLError(message: error.message, offset: 0)
            }
            return .number(Double(values))
        case .minimum, .maximum:
            return best ?? .null
        default:
            guard moments.count > 0 else { return .null }
            switch function {
            case .sum: return .number(moments.sum)
            case .mean: return .number(moments.mean)
            case .sampleStandardDeviation: return moments.count > 1 ? .number(moments.sampleVariance.squareRoot()) : .null
            case .sampleVariance: return moments.count > 1 ? .number(moments.sampleVariance) : .null
            case .populationStandardDeviation: return .number(moments.populationVariance.squareRoot())
            default: return .number(moments.populationVariance)
            }
        }
    }
}

/// An expression holding aggregates (`sum(bytes) / count(*)`), evaluated over a dataset a chunk
/// at a time: each aggregate call keeps a ``SQLAggregateState``; at the end the calls are
/// replaced by their values and the rest of the expression is computed once.
struct SQLAggregateExpression {
    let expression: SQLExpression
    /// The distinct aggregate calls of ``expression``, in first-appearance order.
    private let calls: [SQLExpression]
    private var states: [SQLAggregateState]

    init(_ expression: SQLExpression) throws(SQLError) {
        self.expression = expression
        var calls: [SQLExpression] = []
        Self.collectCalls(expression, into: &calls)
        var states: [SQLAggregateState] = []
        for call in calls {
            guard case let .function(name, arguments, distinct, star) = call else { continue }
            if !star {
                guard arguments.count == 1 else { throw SQLError(message: "\(name) takes one argument", offset: 0) }
                if arguments[0].containsAggregate { throw SQLError(message: "aggregates cannot be nested", offset: 0) }
            }
            states.append(try SQLAggregateState(name: name, distinct: distinct, star: star))
        }
        self.calls = calls
        self.states = states
    }

    private static func collectCalls(_ expression: SQLExpression, into calls: inout [SQLExpression]) {
        switch expression {
        case .column, .number, .string, .boolean, .null:
            return
        case let .negate(inner), let .not(inner), let .isNull(inner, _):
            collectCalls(inner, into: &calls)
        case let .binary(lhs, _, rhs):
            collectCalls(lhs, into: &calls)
            collectCalls(rhs, into: &calls)
        case let .between(value, low, high, _):
            for part in [value, low, high] { collectCalls(part, into: &calls) }
        case let .inList(value, list, _):
            for part in [value] + list { collectCalls(part, into: &calls) }
        case let .like(value, pattern, _):
            collectCalls(value, into: &calls)
            collectCalls(pattern, into: &calls)
        case let .function(name, arguments, _, _):
            if SQLExpression.aggregateNames.contains(name) {
                if !calls.contains(expression) { calls.append(expression) }
            } else {
                for argument in arguments { collectCalls(argument, into: &calls) }
            }
        }
    }

    /// Folds the rows `rows` (all rows when `nil`) of the chunk `compiler` reads.
    mutating func add(rows: [Int]?, compiler: SQLCompiler) throws(SQLError) {
        var inner = compiler
        inner.aggregateRows = nil
        for (index, call) in calls.enumerated() {
            guard case let .function(_, arguments, _, _) = call else { continue }
            guard states[index].takesArgument else {
                states[index].addRows(rows?.count ?? compiler.rowCount)
                continue
            }
            let argument = try inner.compile(arguments[0]).evaluate
            if let rows {
                for row in rows { try states[index].add(argument(row)) }
            } else {
                for row in 0..<compiler.rowCount { try states[index].add(argument(row)) }
            }
        }
    }

    /// The expression's value over every chunk added.
    func value(nowMicroseconds: Int64) throws(SQLError) -> SQLValue {
        var values: [SQLExpression: SQLExpression] = [:]
        for (index, call) in calls.enumerated() {
            switch try states[index].value() {
            case .null: values[call] = .null
            case let .number(number): values[call] = .number(number)
            case let .bool(flag): values[call] = .boolean(flag)
            case let .text(bytes): values[call] = .string(String(decoding: bytes, as: UTF8.self))
            }
        }
        let resolved = Self.replacing(expression, with: values)
        let compiler = SQLCompiler(source: NoColumns(), nowMicroseconds: nowMicroseconds, aggregateRows: nil, rowCount: 1)
        return try compiler.compile(resolved).evaluate(0)
    }

    private static func replacing(_ expression: SQLExpression, with values: [SQLExpression: SQLExpression]) -> SQLExpression {
        if let value = values[expression] { return value }
        func r(_ inner: SQLExpression) -> SQLExpression { replacing(inner, with: values) }
        switch expression {
        case .column, .number, .string, .boolean, .null: return expression
        case let .negate(inner): return .negate(r(inner))
        case let .not(inner): return .not(r(inner))
        case let .isNull(inner, negated): return .isNull(r(inner), negated: negated)
        case let .binary(lhs, op, rhs): return .binary(r(lhs), op, r(rhs))
        case let .between(value, low, high, negated): return .between(r(value), low: r(low), high: r(high), negated: negated)
        case let .inList(value, list, negated): return .inList(r(value), list.map(r), negated: negated)
        case let .like(value, pattern, negated): return .like(r(value), pattern: r(pattern), negated: negated)
        case let .function(name, arguments, distinct, star):
            return .function(name: name, arguments: arguments.map(r), distinct: distinct, star: star)
        }
    }

    /// The source of an expression whose column references were all inside aggregates.
    private struct NoColumns: SQLColumnSource {
        func column(qualifier: String?, name: String) throws(SQLError) -> DQColumnValues {
            throw SQLError(message: "column \(name) is outside an aggregate", offset: 0)
        }
    }
}
