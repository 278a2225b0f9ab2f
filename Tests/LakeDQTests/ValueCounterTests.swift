import Foundation
import LakeColumnar
@testable import LakeDQ
import LakeTestSupport
import Testing

/// The exact value counter against a naive dictionary of every key, with budgets small enough
/// that it spills and splits its partitions again.
@Suite("DQ value counter")
struct ValueCounterTests {
    /// Random keys: a few short ones that repeat (including the empty key and keys that are
    /// prefixes of others) and many long, nearly unique ones.
    static func key(_ random: inout SeededRandom) -> [UInt8] {
        if Int.random(in: 0..<3, using: &random) == 0 {
            return Array([[], [0], [0, 0], [1], [1, 2], [255]][Int.random(in: 0..<6, using: &random)])
        }
        return random.bytes(Int.random(in: 1...40, using: &random))
    }

    static func totals(_ counter: ValueCounter) throws -> [UInt64] {
        var totals: [UInt64] = []
        try counter.forEachTotal { totals.append($0) }
        return totals.sorted()
    }

    @Test("totals equal a dictionary of every key: in memory, spilled, and spilled with partitions split again; more counts after reading",
          arguments: [(UInt64(1), 400), (UInt64(2), 60_000), (UInt64(3), 150_000)])
    func exactTotals(seed: UInt64, values: Int) throws {
        var random = SeededRandom(seed: seed)
        let counter = ValueCounter(memoryBudget: 64 << 10)
        var model: [[UInt8]: UInt64] = [:]
        func add(_ n: Int) throws {
            for _ in 0..<n {
                let key = Self.key(&random)
                let count = Int.random(in: 1...3, using: &random)
                try key.withUnsafeBytes { try counter.add($0, count: count) }
                model[key, default: 0] += UInt64(count)
            }
        }
        try add(values)
        if values > 10_000 { #expect(counter.spills > 0) } else { #expect(counter.spills == 0) }
        #expect(try Self.totals(counter) == model.values.sorted())
        if values > 100_000 { #expect(counter.splits > 0) }
        // Read twice, then counted on: the same totals as the model.
        #expect(try Self.totals(counter) == model.values.sorted())
        try add(values / 2)
        #expect(try Self.totals(counter) == model.values.sorted())
    }

    @Test("keys whose hashes collide (a hash of the length and first byte only) still count apart: keys compare byte for byte, in memory and spilled",
          arguments: [400, 30_000])
    func collidingHashes(values: Int) throws {
        var random = SeededRandom(seed: UInt64(values))
        let counter = ValueCounter(memoryBudget: 64 << 10) { key in
            (UInt64(key.count) << 56) | UInt64(key.first ?? 0) &* 0x9E37_79B9
        }
        var model: [[UInt8]: UInt64] = [:]
        for _ in 0..<values {
            // Short keys over a small alphabet: thousands share a length and a first byte.
            let key = (0..<Int.random(in: 0...6, using: &random)).map { _ in UInt8.random(in: 0..<4, using: &random) }
            let count = Int.random(in: 1...2, using: &random)
            try key.withUnsafeBytes { try counter.add($0, count: count) }
            model[key, default: 0] += UInt64(count)
        }
        if values > 10_000 { #expect(counter.spills > 0) }
        #expect(try Self.totals(counter) == model.values.sorted())
    }

    @Test("distinct counts and uniqueness over values spilled with a tiny budget equal a Set of the values (text, numbers, -0 and 0 alike)")
    func metricsAgainstASet() throws {
        var random = SeededRandom(seed: 7)
        let rows = 40_000
        var keys: [String?] = [], numbers: [Double?] = []
        for row in 0..<rows {
            let r = Int.random(in: 0..<10, using: &random)
            keys.append(r == 0 ? nil : (r < 3 ? "dup\(Int.random(in: 0..<50, using: &random))" : "id-\(row)-\(Int.random(in: 0..<1_000_000, using: &random))"))
            numbers.append(r == 0 ? nil : [0.0, -0.0, 1.5, Double(row % 5_000)][Int.random(in: 0..<4, using: &random)])
        }
        let schema = try Schema(fields: [.init(name: "k", id: 1, type: .string), .init(name: "x", id: 2, type: .float64)])
        let batch = try RecordBatch(schema: schema, columns: [.binary(BinaryColumn(keys)),
                                                                           .float64(PrimitiveColumn(numbers))])
        let ruleset = try DQDLRuleset.parse("""
            Rules = [ DistinctValuesCount "k" > 0, Uniqueness "k" > 0, DistinctValuesCount "x" > 0, Uniqueness "k" "x" > 0 ]
            """)
        let evaluation = try DQStreamingEvaluation(ruleset, schema: schema,
                                                   options: DQEvaluationOptions(chunkRows: 1_000, counterEntries: 16))
        for start in stride(from: 0, to: rows, by: 777) { try evaluation.add(batch.slice(start..<min(start + 777, rows))) }
        let report = try evaluation.finish()

        // The model: Sets and counts of the values themselves (nulls dropped, as Deequ does).
        var counts: [String: Int] = [:], pairs: [String: Int] = [:]
        var distinctNumbers = Set<Double>()
        for row in 0..<rows {
            if let k = keys[row] { counts[k, default: 0] += 1 }
            if let x = numbers[row] { distinctNumbers.insert(x == 0 ? 0 : x) }
            if keys[row] != nil || numbers[row] != nil { pairs["\(keys[row] ?? "∅")|\(numbers[row].map { $0 == 0 ? 0 : $0 }.map { "\($0)" } ?? "∅")", default: 0] += 1 }
        }
        #expect(report.results[0].evaluatedMetrics["Column.k.DistinctValuesCount"] == Double(counts.count))
        #expect(report.results[1].evaluatedMetrics["Column.k.Uniqueness"] == Double(counts.values.filter { $0 == 1 }.count) / Double(rows))
        #expect(report.results[2].evaluatedMetrics["Column.x.DistinctValuesCount"] == Double(distinctNumbers.count))
        let pairMetric = report.results[3].evaluatedMetrics.first { $0.key.contains("Uniqueness") }?.value
        #expect(pairMetric == Double(pairs.values.filter { $0 == 1 }.count) / Double(rows))
    }
}
