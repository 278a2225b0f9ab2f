/// A header layout compiled for the row loop: for each column kind, the line positions that
/// feed it and the memory they go to.
///
/// Typing a row field by field would branch on every field's kind, in an order the branch
/// predictor cannot learn once null values vary from row to row. Grouped by kind, each group is
/// a short loop with one body, so a well-formed line costs little more than its copies and
/// number parsing. Lines that do not fit the plan exactly (another field count, a value that
/// does not parse) take the general path, field by field in line order.
///
/// The steps live in plain buffers of a class instance, so that using a plan per line retains
/// nothing.
final class FieldPlan {
    struct Step {
        /// The value's position in the line.
        var position: Int
        var slot: Int
        var values: UnsafeMutableRawPointer
        var valid: UnsafeMutablePointer<UInt8>
    }

    /// The number of values a line must have to take the plan.
    let valueCount: Int
    let dictionaries: UnsafeMutableBufferPointer<Step>
    let strings: UnsafeMutableBufferPointer<Step>
    let int64s: UnsafeMutableBufferPointer<Step>
    let int32s: UnsafeMutableBufferPointer<Step>
    let floats: UnsafeMutableBufferPointer<Step>
    let dates: UnsafeMutableBufferPointer<Step>
    let times: UnsafeMutableBufferPointer<Step>
    let absentSlots: UnsafeMutableBufferPointer<Int>
    /// Positions handled one by one, in line order: the real-time epoch, unknown fields, and
    /// fields with a percent-decoded column (`slot` is then a catalogue slot or one of
    /// ``RowAssembler/epochSlot`` and ``RowAssembler/extraSlot``).
    let general: [(position: Int, slot: Int)]
    /// Slots a row may or may not write (decoded columns, written only for present values):
    /// checked at commit.
    let conditionalSlots: [Int]

    /// The plan for a layout that maps line positions to `positionSlots`.
    init(positionSlots: [Int], raw: RawSlots, slotCount: Int) {
        var written = Set<Int>()
        var conditional: [Int] = []
        var dictionaries: [Step] = [], strings: [Step] = [], int64s: [Step] = [], int32s: [Step] = []
        var floats: [Step] = [], dates: [Step] = [], times: [Step] = []
        var general: [(position: Int, slot: Int)] = []
        for (position, slot) in positionSlots.enumerated() {
            guard slot >= 0 else {
                general.append((position, slot))
                continue
            }
            written.insert(slot)
            let target = raw.decodeTargets[slot]
            if target >= 0 {
                general.append((position, slot))
                conditional.append(target)
                written.insert(target)
                continue
            }
            let step = Step(position: position, slot: slot, values: raw.values[slot], valid: raw.valid[slot])
            switch raw.kinds[slot] {
            case .dictionary: dictionaries.append(step)
            case .string: strings.append(step)
            case .int64: int64s.append(step)
            case .int32: int32s.append(step)
            case .float32: floats.append(step)
            case .date: dates.append(step)
            case .time: times.append(step)
            }
        }
        valueCount = positionSlots.count
        self.dictionaries = Self.buffer(dictionaries)
        self.strings = Self.buffer(strings)
        self.int64s = Self.buffer(int64s)
        self.int32s = Self.buffer(int32s)
        self.floats = Self.buffer(floats)
        self.dates = Self.buffer(dates)
        self.times = Self.buffer(times)
        self.general = general
        absentSlots = Self.buffer((0..<slotCount).filter { !written.contains($0) })
        conditionalSlots = conditional
    }

    /// A plan no line matches (before any layout is known).
    init() {
        valueCount = -1
        dictionaries = Self.buffer([])
        strings = Self.buffer([])
        int64s = Self.buffer([])
        int32s = Self.buffer([])
        floats = Self.buffer([])
        dates = Self.buffer([])
        times = Self.buffer([])
        absentSlots = Self.buffer([])
        general = []
        conditionalSlots = []
    }

    deinit {
        for b in [dictionaries, strings, int64s, int32s, floats, dates, times] { b.deallocate() }
        absentSlots.deallocate()
    }

    private static func buffer<T>(_ items: [T]) -> UnsafeMutableBufferPointer<T> {
        let b = UnsafeMutableBufferPointer<T>.allocate(capacity: max(items.count, 1))
        _ = b.initialize(from: items)
        return UnsafeMutableBufferPointer(rebasing: b[0..<items.count])
    }
}

/// The value boundaries of one line: value `k` is `base[start(k)..<end(k)]`.
struct LineFields {
    let base: UnsafePointer<UInt8>
    let lineStart: Int
    let lineEnd: Int
    let delimiters: UnsafePointer<UInt32>
    let delimiterCount: Int

    @inline(__always)
    func start(_ k: Int) -> Int { k == 0 ? lineStart : Int(delimiters[k &- 1]) &+ 1 }

    @inline(__always)
    func end(_ k: Int) -> Int { k < delimiterCount ? Int(delimiters[k]) : lineEnd }
}
