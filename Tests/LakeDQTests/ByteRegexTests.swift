@testable import LakeDQ
import LakeTestSupport
import Testing

/// The byte-level DFA regex against Swift `Regex` on random patterns and inputs.
@Suite("ByteRegex")
struct ByteRegexTests {
    struct PatternGenerator {
        var random: SeededRandom

        mutating func pick<T>(_ items: [T]) -> T { items[Int.random(in: 0..<items.count, using: &random)] }

        mutating func atom(depth: Int) -> String {
            switch Int.random(in: 0..<10, using: &random) {
            case 0: return "."
            case 1: return pick(["[a-c]", "[^ab]", "[\\d.]", "[-a]", "[a-]", "[\\w:]", "[]a]"])
            case 2: return pick(["\\d", "\\w", "\\s", "\\D", "\\W", "\\.", "\\-"])
            case 3 where depth < 2: return "(" + alternation(depth: depth + 1) + ")"
            case 4 where depth < 2: return "(?:" + alternation(depth: depth + 1) + ")"
            default: return pick(["a", "b", "c", "1", ":", "-", " "])
            }
        }

        mutating func quantified(depth: Int) -> String {
            let base = atom(depth: depth)
            switch Int.random(in: 0..<8, using: &random) {
            case 0: return base + "*"
            case 1: return base + "+"
            case 2: return base + "?"
            case 3: return base + pick(["{2}", "{1,3}", "{0,}", "{2,}", "{0,1}"])
            case 4: return base + pick(["*?", "+?"])
            default: return base
            }
        }

        mutating func sequence(depth: Int) -> String {
            (0..<Int.random(in: 1...4, using: &random)).map { _ in quantified(depth: depth) }.joined()
        }

        mutating func alternation(depth: Int) -> String {
            (0..<Int.random(in: 1...2, using: &random)).map { _ in sequence(depth: depth) }.joined(separator: "|")
        }

        mutating func input() -> String {
            String((0..<Int.random(in: 0...8, using: &random)).map { _ in pick(Array("abc1:- .xé\n")) })
        }
    }

    @Test("agrees with Swift Regex on whole matches", arguments: [UInt64(21), 22, 23])
    func differential(seed: UInt64) throws {
        var generator = PatternGenerator(random: SeededRandom(seed: seed))
        var compiled = 0
        for _ in 0..<300 {
            let pattern = generator.alternation(depth: 0)
            guard let reference = try? Regex(pattern) else { continue }
            guard let fast = ByteRegex(pattern) else { continue }
            compiled += 1
            for _ in 0..<40 {
                let input = generator.input()
                let bytes = Array(input.utf8)
                // Non-ASCII input with byte-semantics patterns goes to Swift Regex in LakeDQ.
                if fast.needsASCIIInput && !bytes.allSatisfy({ $0 < 0x80 }) { continue }
                let expected = input.wholeMatch(of: reference) != nil
                #expect(fast.matches(bytes) == expected, "/\(pattern)/ on \(input.debugDescription)")
            }
        }
        #expect(compiled > 200, "most generated patterns should be in the fast subset")
    }

    @Test("unsupported syntax falls back (returns nil)")
    func unsupported() {
        for pattern in ["(a)\\1", "(?=a)a", "(?i)abc", "\\p{L}+", "é+", "[[:alpha:]]", "a{2,1}", "\\bword"] {
            #expect(ByteRegex(pattern) == nil, "\(pattern)")
        }
        #expect(ByteRegex("^[0-9a-fA-F.:]+$") != nil)
    }
}
