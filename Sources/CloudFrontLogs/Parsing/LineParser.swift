#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import LakeColumnar

/// Turns log lines into rows: header handling, field mapping, policy, rejects and counts.
///
/// One instance per input; it keeps the current `#Fields` mapping across lines, so a new
/// header mid-stream switches the mapping from the next line on. Lines arrive with their field
/// boundaries already found (``StructuralIndex``); values go straight into the
/// ``RowAssembler``'s columns.
struct LineParser {
    let options: CloudFrontParserOptions
    let sourceName: String
    let distribution: String?
    var assembler: RowAssembler
    var statistics = ParseStatistics()
    var rejects: [RejectRecord] = []

    /// Per position of the current layout: the slot, and the field name (for extras).
    var positionSlots: [Int] = []
    var positionNames: [[UInt8]] = []
    /// The layout compiled for the row loop.
    var plan = FieldPlan()
    var hasLayout = false
    /// A `#Fields` header naming `date` and `time` has been read: the input is a log whatever
    /// its lines hold.
    var sawUsableHeader = false
    /// The line of the last `#Fields` header, if any.
    var fieldsHeaderLine: Int?
    /// The value count whose canonical layout is in use for headerless lines (0: none).
    var headerlessCount = 0
    let delimiter: UInt8
    let isJSON: Bool
    /// Standard logs without a header pick a canonical prefix by value count.
    let fallbackByCount: Bool
    let nullFill: Bool

    var jsonScratch: [UInt8] = []

    /// Value counts of the historical standard layouts.
    static let historicalCounts: Set<Int> = [12, 15, 18, 19, 23, 24, 26, 33]

    init(options: CloudFrontParserOptions, sourceName: String, distribution: String?) {
        self.options = options
        self.sourceName = sourceName
        self.distribution = distribution
        nullFill = options.policy == .nullFill
        assembler = RowAssembler(layout: options.schema, rowCapacity: options.batchSize)
        switch options.format {
        case let .standard(d):
            delimiter = d
            isJSON = false
            fallbackByCount = true
        case let .realtime(names):
            delimiter = UInt8(ascii: "\t")
            isJSON = false
            fallbackByCount = false
            setLayout(names: names.map { Array($0.utf8) }, realtime: true)
        case let .plain(names, d):
            delimiter = d
            isJSON = false
            fallbackByCount = false
            setLayout(names: names.map { Array($0.utf8) }, realtime: false)
        case .jsonLines:
            // Records are whole lines: the index only needs line feeds.
            delimiter = UInt8(ascii: "\n")
            isJSON = true
            fallbackByCount = false
        }
    }

    mutating func setLayout(names: [[UInt8]], realtime: Bool) {
        positionSlots = names.map { name in
            let text = String(decoding: name, as: UTF8.self)
            if realtime && text.lowercased() == "timestamp" { return RowAssembler.epochSlot }
            let field = realtime ? RealtimeFieldNames.field(for: text) : CloudFrontField(name: text)
            return field.flatMap { assembler.slot(of: $0) } ?? RowAssembler.extraSlot
        }
        positionNames = names
        plan = FieldPlan(positionSlots: positionSlots, raw: assembler.raw, slotCount: assembler.slotCount)
        hasLayout = true
    }

    /// Parses one line: `base[start..<end]` without its line feed, with `delimiterCount`
    /// delimiter offsets (in `base`) at `delimiters`. `checkUTF8`: the line may hold non-ASCII
    /// bytes and must be validated.
    @inline(__always)
    mutating func consume(_ base: UnsafePointer<UInt8>, start: Int, end: Int, delimiters: UnsafePointer<UInt32>,
                          delimiterCount: Int, checkUTF8: Bool, lineNumber: Int) throws(CloudFrontParseError) {
        var lineEnd = end
        var count = delimiterCount
        if lineEnd > start && base[lineEnd &- 1] == UInt8(ascii: "\r") {
            lineEnd &-= 1
            // A delimiter that was the '\r' itself (a custom delimiter) no longer ends a field.
            if count > 0 && Int(delimiters[count &- 1]) == lineEnd { count &-= 1 }
        }
        guard lineEnd > start else {
            statistics.blankLines += 1
            return
        }
        let body = UnsafeRawBufferPointer(start: base + start, count: lineEnd &- start)
        if base[start] == UInt8(ascii: "#") && !isJSON {
            statistics.directiveLines += 1
            handleDirective(body, lineNumber: lineNumber)
            return
        }
        statistics.dataLines += 1
        if checkUTF8 && !RawBytes.isValidUTF8(body) {
            try reject(body, lineNumber: lineNumber, reason: .invalidUTF8, fatalToo: true)
            return
        }
        if isJSON {
            try consumeJSON(body, lineNumber: lineNumber)
        } else {
            try consumeDelimited(base, start: start, end: lineEnd, delimiters: delimiters, delimiterCount: count,
                                 lineNumber: lineNumber)
        }
    }

    /// Parses a line that is too long to hold in memory: it is rejected with its first bytes.
    mutating func consumeOverlongLine(prefix: UnsafeRawBufferPointer, lineNumber: Int) throws(CloudFrontParseError) {
        statistics.dataLines += 1
        try reject(prefix, lineNumber: lineNumber, reason: .lineTooLong(limit: options.maximumLineLength), fatalToo: true)
    }

    mutating func handleDirective(_ line: UnsafeRawBufferPointer, lineNumber: Int) {
        let prefix = Array("#fields:".utf8)
        guard line.count >= prefix.count else { return }
        for i in 0..<prefix.count where Self.lower(line[i]) != prefix[i] { return }
        var names: [[UInt8]] = []
        var current: [UInt8] = []
        for byte in line[prefix.count...] {
            if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") {
                if !current.isEmpty { names.append(current); current = [] }
            } else {
                current.append(byte)
            }
        }
        if !current.isEmpty { names.append(current) }
        setLayout(names: names, realtime: false)
        headerlessCount = 0
        fieldsHeaderLine = lineNumber
        let fields = names.compactMap { CloudFrontField(name: String(decoding: $0, as: UTF8.self)) }
        if fields.contains(.date) && fields.contains(.time) { sawUsableHeader = true }
    }

    @inline(__always)
    static func lower(_ c: UInt8) -> UInt8 { c >= 65 && c <= 90 ? c | 0x20 : c }

    @inline(__always)
    mutating func consumeDelimited(_ base: UnsafePointer<UInt8>, start: Int, end: Int, delimiters: UnsafePointer<UInt32>,
                                   delimiterCount: Int, lineNumber: Int) throws(CloudFrontParseError) {
        let valueCount = delimiterCount &+ 1
        @inline(__always) func fieldStart(_ k: Int) -> Int { k == 0 ? start : Int(delimiters[k &- 1]) &+ 1 }
        @inline(__always) func fieldEnd(_ k: Int) -> Int { k < delimiterCount ? Int(delimiters[k]) : end }

        if !hasLayout {
            // Headerless: drop empty surplus values (a trailing tab), then match a known layout.
            var used = valueCount
            while used > 0, !Self.historicalCounts.contains(used), fieldEnd(used - 1) == fieldStart(used - 1) { used -= 1 }
            guard fallbackByCount, Self.historicalCounts.contains(used) else {
                try reject(UnsafeRawBufferPointer(start: base + start, count: end - start), lineNumber: lineNumber,
                           reason: .unknownLayout(valueCount: valueCount), fatalToo: true)
                return
            }
            if used != headerlessCount {
                setLayout(names: CloudFrontField.standard.prefix(used).map { Array($0.logName.utf8) }, realtime: false)
                headerlessCount = used
            }
            hasLayout = false  // keep choosing by count until a header arrives
        }
        if plan.valueCount == valueCount,
           try consumePlanned(plan, LineFields(base: base, lineStart: start, lineEnd: end, delimiters: delimiters,
                                               delimiterCount: delimiterCount), lineNumber: lineNumber) {
            return
        }
        let expected = positionSlots.count
        var truncated = false
        if valueCount < expected {
            guard nullFill else {
                try reject(UnsafeRawBufferPointer(start: base + start, count: end - start), lineNumber: lineNumber,
                           reason: .truncatedRow(expected: expected, actual: valueCount))
                return
            }
            truncated = true
        }
        let mapped = min(valueCount, expected)
        let slots = positionSlots
        var failed = false
        var from = start
        for k in 0..<mapped {
            let to = fieldEnd(k)
            let slot = slots[k]
            if slot >= 0 {
                if !assembler.set(slot: slot, base + from, to &- from, nullOnError: nullFill) {
                    failed = true
                    break
                }
            } else if slot == RowAssembler.epochSlot {
                assembler.setEpoch(base + from, to &- from)
            } else {
                assembler.addExtra(key: positionNames[k], base + from, to &- from)
            }
            from = to &+ 1
        }
        if failed {
            let reason = assembler.failure ?? .missingTimestamp
            assembler.abandonRow()
            try reject(UnsafeRawBufferPointer(start: base + start, count: end - start), lineNumber: lineNumber, reason: reason)
            return
        }
        if valueCount > expected {
            // Surplus values: empty ones (a trailing tab) are dropped; others are kept as
            // unnamed extras keyed by their 1-based position.
            for k in expected..<valueCount where fieldEnd(k) > fieldStart(k) {
                assembler.addExtra(key: Array("_\(k + 1)".utf8), base + fieldStart(k), fieldEnd(k) - fieldStart(k))
            }
        }
        try commit(UnsafeRawBufferPointer(start: base + start, count: end - start), lineNumber: lineNumber, truncated: truncated)
    }

    /// Parses a line whose value count matches the layout through its ``FieldPlan``. Returns
    /// false, leaving no trace, when a value does not parse and the policy does not null it: the
    /// line then goes through the general path, which reports the first bad value in line order.
    @inline(__always)
    mutating func consumePlanned(_ plan: FieldPlan, _ fields: LineFields, lineNumber: Int) throws(CloudFrontParseError) -> Bool {
        guard assembler.setPlanned(plan, fields, nullOnError: nullFill) else {
            assembler.abandonRow()
            return false
        }
        for step in plan.general {
            let from = fields.start(step.position), to = fields.end(step.position)
            if step.slot >= 0 {
                if !assembler.set(slot: step.slot, fields.base + from, to &- from, nullOnError: nullFill) {
                    assembler.abandonRow()
                    return false
                }
            } else if step.slot == RowAssembler.epochSlot {
                assembler.setEpoch(fields.base + from, to &- from)
            } else {
                assembler.addExtra(key: positionNames[step.position], fields.base + from, to &- from)
            }
        }
        let body = UnsafeRawBufferPointer(start: fields.base + fields.lineStart, count: fields.lineEnd &- fields.lineStart)
        if let reason = assembler.commit(lineNumber: lineNumber, truncated: false, nullFill: nullFill,
                                         checking: plan.conditionalSlots) {
            try reject(body, lineNumber: lineNumber, reason: reason)
            return true
        }
        statistics.acceptedRows += 1
        return true
    }

    /// Completes the assembled row, or rejects the line when it has no usable timestamp.
    mutating func commit(_ body: UnsafeRawBufferPointer, lineNumber: Int, truncated: Bool) throws(CloudFrontParseError) {
        if let reason = assembler.commit(lineNumber: lineNumber, truncated: truncated, nullFill: nullFill) {
            try reject(body, lineNumber: lineNumber, reason: reason)
            return
        }
        statistics.acceptedRows += 1
        if truncated { statistics.truncatedRows += 1 }
    }

    /// Records a reject, or throws under the fail policy. `fatalToo`: also rejected under null-fill.
    mutating func reject(_ line: UnsafeRawBufferPointer, lineNumber: Int, reason: RejectReason,
                         fatalToo: Bool = false) throws(CloudFrontParseError) {
        if options.policy == .fail {
            throw CloudFrontParseError(source: sourceName, lineNumber: lineNumber, message: reason.description,
                                       kind: .malformedLine)
        }
        statistics.rejectedLines += 1
        rejects.append(RejectRecord(source: sourceName, lineNumber: lineNumber, reason: reason, rawLine: Array(line)))
    }

    /// The rows parsed so far as a batch.
    mutating func finishBatch() -> RecordBatch {
        assembler.finish(source: sourceName, distribution: distribution)
    }
}
