/// A whole-match regular expression on UTF-8 bytes (a class: its DFA cache fills as it runs) for the common subset of patterns, run as a
/// lazily built DFA so `ColumnValues … matches` costs one table lookup per byte.
///
/// Supported: literals and escapes, `.`, classes `[a-z_\d]` and `[^…]`, `\d \w \s \D \W \S`,
/// groups `( … )` / `(?: … )`, `|`, `* + ?` (lazy forms too: for a whole match they accept the
/// same strings) and `{m}`, `{m,}`, `{m,n}`, and `^` / `$` at the ends. Anything else
/// (backreferences, lookaround, flags, Unicode properties, non-ASCII pattern text) makes
/// ``init(_:)`` return `nil` and callers use Swift `Regex`. Because `.`, negated classes and class
/// escapes see bytes, inputs with non-ASCII bytes go to Swift `Regex` when the pattern has them.
final class ByteRegex {
    private struct ByteSet {
        var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

        mutating func insert(_ byte: UInt8) {
            let bit = UInt64(1) << UInt64(byte & 63)
            switch byte >> 6 {
            case 0: words.0 |= bit
            case 1: words.1 |= bit
            case 2: words.2 |= bit
            default: words.3 |= bit
            }
        }

        mutating func insert(_ range: ClosedRange<UInt8>) { for byte in range { insert(byte) } }

        func contains(_ byte: UInt8) -> Bool {
            let bit = UInt64(1) << UInt64(byte & 63)
            switch byte >> 6 {
            case 0: return words.0 & bit != 0
            case 1: return words.1 & bit != 0
            case 2: return words.2 & bit != 0
            default: return words.3 & bit != 0
            }
        }

        var inverted: ByteSet {
            var copy = self
            copy.words = (~words.0, ~words.1, ~words.2, ~words.3)
            return copy
        }

        mutating func formUnion(_ other: ByteSet) {
            words = (words.0 | other.words.0, words.1 | other.words.1, words.2 | other.words.2, words.3 | other.words.3)
        }
    }

    private indirect enum Node {
        case set(ByteSet)
        case sequence([Node])
        case alternation([Node])
        case repeated(Node, min: Int, max: Int?)
    }

    private enum State {
        case consume(ByteSet, next: Int)
        case split(Int, Int)
        case match
    }

    private var states: [State] = []
    private let start: Int
    /// Whether the pattern has `.`, a negated class or a class escape (`\d \w \s` and their
    /// negations): there byte semantics differ from Swift Regex's character semantics on
    /// non-ASCII input.
    let needsASCIIInput: Bool

    // Lazily built DFA over sets of NFA states (at most 64 NFA states: one word per set).
    private var dfaSets: [UInt64] = []
    private var dfaIndex: [UInt64: Int32] = [:]
    private var transitions: [Int32] = []
    private var accepting: [Bool] = []

    init?(_ pattern: String) {
        var bytes = Array(pattern.utf8)
        guard bytes.allSatisfy({ $0 < 0x80 }) else { return nil }
        if bytes.first == UInt8(ascii: "^") { bytes.removeFirst() }
        if bytes.last == UInt8(ascii: "$"), bytes.count < 2 || bytes[bytes.count - 2] != UInt8(ascii: "\\") { bytes.removeLast() }
        var parser = Parser(bytes: bytes)
        guard let node = parser.parseAlternation(depth: 0), parser.index == bytes.count else { return nil }
        needsASCIIInput = parser.usesByteSemantics
        var builder = Builder()
        let match = builder.add(.match)
        guard let entry = builder.compile(node, next: match), builder.states.count <= 64 else { return nil }
        states = builder.states
        start = entry
        let initial = closure(of: [start])
        _ = dfaState(initial)
    }

    // MARK: Parsing

    private struct Parser {
        let bytes: [UInt8]
        var index = 0
        var usesByteSemantics = false

        var current: UInt8? { index < bytes.count ? bytes[index] : nil }

        mutating func parseAlternation(depth: Int) -> Node? {
            guard depth < 50 else { return nil }
            var branches: [Node] = []
            repeat {
                if current == UInt8(ascii: "|") { index += 1 }
                guard let branch = parseSequence(depth: depth) else { return nil }
                branches.append(branch)
            } while current == UInt8(ascii: "|")
            return branches.count == 1 ? branches[0] : .alternation(branches)
        }

        mutating func parseSequence(depth: Int) -> Node? {
            var items: [Node] = []
            while let byte = current, byte != UInt8(ascii: "|"), byte != UInt8(ascii: ")") {
                guard var atom = parseAtom(depth: depth) else { return nil }
                guard let quantified = parseQuantifier(&atom) else { return nil }
                items.append(quantified)
            }
            return .sequence(items)
        }

        mutating func parseQuantifier(_ atom: inout Node) -> Node? {
            guard let byte = current else { return atom }
            var result: Node
            switch byte {
            case UInt8(ascii: "*"): index += 1; result = .repeated(atom, min: 0, max: nil)
            case UInt8(ascii: "+"): index += 1; result = .repeated(atom, min: 1, max: nil)
            case UInt8(ascii: "?"): index += 1; result = .repeated(atom, min: 0, max: 1)
            case UInt8(ascii: "{"):
                guard let (low, high) = parseBraces() else { return nil }
                result = .repeated(atom, min: low, max: high)
            default:
                return atom
            }
            if current == UInt8(ascii: "?") { index += 1 }  // lazy: same strings for a whole match
            if let next = current, [UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "{")].contains(next) { return nil }
            return result
        }

        mutating func parseBraces() -> (Int, Int?)? {
            index += 1
            func number() -> Int? {
                var value: Int?
                while let byte = current, byte >= 0x30, byte <= 0x39 {
                    value = (value ?? 0) * 10 + Int(byte - 0x30)
                    guard value ?? 0 <= 100 else { return nil }
                    index += 1
                }
                return value
            }
            guard let low = number() else { return nil }
            var high: Int? = low
            if current == UInt8(ascii: ",") {
                index += 1
                high = number()
                if let high, high < low { return nil }
            }
            guard current == UInt8(ascii: "}") else { return nil }
            index += 1
            return (low, high)
        }

        mutating func parseAtom(depth: Int) -> Node? {
            guard let byte = current else { return nil }
            index += 1
            switch byte {
            case UInt8(ascii: "("):
                if current == UInt8(ascii: "?") {
                    guard index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: ":") else { return nil }
                    index += 2
                }
                guard let inner = parseAlternation(depth: depth + 1), current == UInt8(ascii: ")") else { return nil }
                index += 1
                return inner
            case UInt8(ascii: "."):
                usesByteSemantics = true
                var set = ByteSet()
                set.insert(UInt8(ascii: "\n"))
                return .set(set.inverted)
            case UInt8(ascii: "["):
                return parseClass()
            case UInt8(ascii: "\\"):
                guard let set = parseEscape(inClass: false) else { return nil }
                return .set(set)
            case UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "?"), UInt8(ascii: "{"), UInt8(ascii: ")"),
                 UInt8(ascii: "^"), UInt8(ascii: "$"), UInt8(ascii: "]"), UInt8(ascii: "}"):
                return nil
            default:
                var set = ByteSet()
                set.insert(byte)
                return .set(set)
            }
        }

        mutating func parseEscape(inClass: Bool) -> ByteSet? {
            guard let byte = current else { return nil }
            index += 1
            var set = ByteSet()
            // Swift Regex's \d \w \s are Unicode-aware: non-ASCII input must go to it.
            if [UInt8(ascii: "d"), UInt8(ascii: "w"), UInt8(ascii: "s")].contains(byte) { usesByteSemantics = true }
            switch byte {
            case UInt8(ascii: "d"): set.insert(0x30...0x39)
            case UInt8(ascii: "w"):
                set.insert(0x30...0x39); set.insert(0x41...0x5A); set.insert(0x61...0x7A); set.insert(UInt8(ascii: "_"))
            case UInt8(ascii: "s"): for b in [0x20, 0x09, 0x0A, 0x0D, 0x0B, 0x0C] as [UInt8] { set.insert(b) }
            case UInt8(ascii: "D"), UInt8(ascii: "W"), UInt8(ascii: "S"):
                usesByteSemantics = true
                guard let positive = Parser.namedClass(byte | 0x20) else { return nil }
                return positive.inverted
            case UInt8(ascii: "t"): set.insert(0x09)
            case UInt8(ascii: "n"): set.insert(0x0A)
            case UInt8(ascii: "r"): set.insert(0x0D)
            default:
                // Only punctuation escapes; letters and digits are classes or backreferences we do not support.
                guard !(byte >= 0x30 && byte <= 0x39), !(byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A) else { return nil }
                set.insert(byte)
            }
            return set
        }

        static func namedClass(_ lower: UInt8) -> ByteSet? {
            var set = ByteSet()
            switch lower {
            case UInt8(ascii: "d"): set.insert(0x30...0x39)
            case UInt8(ascii: "w"):
                set.insert(0x30...0x39); set.insert(0x41...0x5A); set.insert(0x61...0x7A); set.insert(UInt8(ascii: "_"))
            case UInt8(ascii: "s"): for b in [0x20, 0x09, 0x0A, 0x0D, 0x0B, 0x0C] as [UInt8] { set.insert(b) }
            default: return nil
            }
            return set
        }

        mutating func parseClass() -> Node? {
            var negated = false
            if current == UInt8(ascii: "^") {
                negated = true
                index += 1
            }
            var set = ByteSet()
            var first = true
            while let byte = current, byte != UInt8(ascii: "]") || first {
                first = false
                index += 1
                var low: UInt8
                if byte == UInt8(ascii: "\\") {
                    guard let escaped = parseEscape(inClass: true) else { return nil }
                    // A single-byte escape can start a range; a class escape cannot.
                    var single: UInt8?
                    var count = 0
                    for b in 0...255 where escaped.contains(UInt8(b)) {
                        count += 1
                        single = UInt8(b)
                        if count > 1 { break }
                    }
                    guard count == 1, let only = single else {
                        set.formUnion(escaped)
                        continue
                    }
                    low = only
                } else if byte == UInt8(ascii: "[") {
                    return nil  // POSIX classes and nested sets
                } else {
                    low = byte
                }
                if current == UInt8(ascii: "-"), index + 1 < bytes.count, bytes[index + 1] != UInt8(ascii: "]") {
                    index += 1
                    guard let high = current, high != UInt8(ascii: "\\"), high >= low else { return nil }
                    index += 1
                    set.insert(low...high)
                } else {
                    set.insert(low)
                }
            }
            guard current == UInt8(ascii: "]") else { return nil }
            index += 1
            if negated { usesByteSemantics = true }
            return .set(negated ? set.inverted : set)
        }
    }

    // MARK: NFA

    private struct Builder {
        var states: [State] = []

        mutating func add(_ state: State) -> Int {
            states.append(state)
            return states.count - 1
        }

        /// Compiles `node` so that it continues at `next`; returns the entry state.
        mutating func compile(_ node: Node, next: Int) -> Int? {
            guard states.count <= 64 else { return nil }
            switch node {
            case let .set(set):
                return add(.consume(set, next: next))
            case let .sequence(items):
                var entry = next
                for item in items.reversed() {
                    guard let compiled = compile(item, next: entry) else { return nil }
                    entry = compiled
                }
                return entry
            case let .alternation(branches):
                var entries: [Int] = []
                for branch in branches {
                    guard let compiled = compile(branch, next: next) else { return nil }
                    entries.append(compiled)
                }
                var entry = entries[entries.count - 1]
                for other in entries.dropLast().reversed() { entry = add(.split(other, entry)) }
                return entry
            case let .repeated(inner, minimum, maximum):
                var entry = next
                if let maximum {
                    // Optional copies, chained so that skipping one skips the rest.
                    for _ in 0..<(maximum - minimum) {
                        guard let body = compile(inner, next: entry) else { return nil }
                        entry = add(.split(body, next))
                    }
                } else {
                    // Kleene star: a loop state.
                    let loop = add(.split(0, 0))
                    guard let body = compile(inner, next: loop) else { return nil }
                    states[loop] = .split(body, next)
                    entry = loop
                }
                for _ in 0..<minimum {
                    guard let body = compile(inner, next: entry) else { return nil }
                    entry = body
                }
                return entry
            }
        }
    }

    private func closure(of roots: [Int]) -> UInt64 {
        var set: UInt64 = 0
        var stack = roots
        while let state = stack.popLast() {
            let bit = UInt64(1) << UInt64(state)
            if set & bit != 0 { continue }
            set |= bit
            if case let .split(a, b) = states[state] {
                stack.append(a)
                stack.append(b)
            }
        }
        return set
    }

    private func dfaState(_ set: UInt64) -> Int32 {
        if let index = dfaIndex[set] { return index }
        let index = Int32(dfaSets.count)
        dfaSets.append(set)
        dfaIndex[set] = index
        transitions.append(contentsOf: repeatElement(-1, count: 256))
        var accepts = false
        for state in 0..<states.count where set & (UInt64(1) << UInt64(state)) != 0 {
            if case .match = states[state] { accepts = true }
        }
        accepting.append(accepts)
        return index
    }

    private func step(_ from: Int32, _ byte: UInt8) -> Int32 {
        let set = dfaSets[Int(from)]
        var targets: [Int] = []
        for state in 0..<states.count where set & (UInt64(1) << UInt64(state)) != 0 {
            if case let .consume(bytes, next) = states[state], bytes.contains(byte) { targets.append(next) }
        }
        let next = dfaState(closure(of: targets))
        transitions[Int(from) * 256 + Int(byte)] = next
        return next
    }

    /// The most DFA states cached; beyond it inputs are matched by stepping NFA state sets.
    private static let dfaLimit = 4096

    /// Whether the whole of `bytes` matches.
    func matches(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { matches(raw: $0) }
    }

    /// Whether the whole of `bytes` matches.
    func matches(raw bytes: UnsafeRawBufferPointer) -> Bool {
        if dfaSets.count > Self.dfaLimit { return simulate(bytes) }
        var state: Int32 = 0
        for byte in bytes {
            var next = transitions[Int(state) * 256 + Int(byte)]
            if next < 0 { next = step(state, byte) }
            state = next
        }
        return accepting[Int(state)]
    }

    private func simulate(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var set = closure(of: [start])
        for byte in bytes {
            var targets: [Int] = []
            for state in 0..<states.count where set & (UInt64(1) << UInt64(state)) != 0 {
                if case let .consume(accepted, next) = states[state], accepted.contains(byte) { targets.append(next) }
            }
            set = closure(of: targets)
            if set == 0 { return false }
        }
        for state in 0..<states.count where set & (UInt64(1) << UInt64(state)) != 0 {
            if case .match = states[state] { return true }
        }
        return false
    }
}
