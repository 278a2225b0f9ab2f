#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Turns log lines into rows: header handling, field mapping, policy, rejects and counts.
///
/// One instance per input; it keeps the current `#Fields` mapping across lines, so a new
/// header mid-stream switches the mapping from the next line on.
struct LineParser {
    let options: CloudFrontParserOptions
    let source: [UInt8]
    let sourceName: String
    let distribution: [UInt8]?
    var assembler: RowAssembler
    var statistics = ParseStatistics()
    var rejects: [RejectRecord] = []

    /// Per position of the current layout: the slot, and the field name (for extras).
    var positionSlots: [Int] = []
    var positionNames: [[UInt8]] = []
    var hasLayout = false
    let delimiter: UInt8
    let isJSON: Bool
    /// Standard logs without a header pick a canonical prefix by value count.
    let fallbackByCount: Bool

    let bounds = FieldBounds()
    var jsonScratch: [UInt8] = []

    /// Value counts of the historical standard layouts.
    static let historicalCounts: Set<Int> = [12, 15, 18, 19, 23, 24, 26, 33]

    init(options: CloudFrontParserOptions, sourceName: String, distribution: String?) {
        self.options = options
        self.sourceName = sourceName
        source = Array(sourceName.utf8)
        self.distribution = distribution.map { Array($0.utf8) }
        assembler = RowAssembler(layout: options.schema)
        assembler.reservedRows = min(options.batchSize, 1 << 16)
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
            delimiter = 0
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
        hasLayout = true
    }

    /// Parses one line (without its terminator).
    mutating func consume(_ line: UnsafeRawBufferPointer, lineNumber: Int) throws(CloudFrontParseError) {
        var count = line.count
        if count > 0 && line[count - 1] == UInt8(ascii: "\r") { count -= 1 }
        guard count > 0, let base = line.baseAddress?.assumingMemoryBound(to: UInt8.self) else {
            statistics.blankLines += 1
            return
        }
        let body = UnsafeRawBufferPointer(start: base, count: count)
        if base[0] == UInt8(ascii: "#") && !isJSON {
            statistics.directiveLines += 1
            handleDirective(body)
            return
        }
        statistics.dataLines += 1
        if !Self.isASCII(body) && !Self.isValidUTF8(body) {
            try reject(body, lineNumber: lineNumber, reason: .invalidUTF8, fatalToo: true)
            return
        }
        if isJSON {
            try consumeJSON(body, lineNumber: lineNumber)
        } else {
            try consumeDelimited(base, count, lineNumber: lineNumber)
        }
    }

    mutating func handleDirective(_ line: UnsafeRawBufferPointer) {
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
    }

    @inline(__always)
    static func lower(_ c: UInt8) -> UInt8 { c >= 65 && c <= 90 ? c | 0x20 : c }

    mutating func consumeDelimited(_ base: UnsafePointer<UInt8>, _ count: Int, lineNumber: Int) throws(CloudFrontParseError) {
        splitFields(base, count)
        let fieldStarts = bounds.starts, fieldEnds = bounds.ends
        var valueCount = bounds.count
        let body = UnsafeRawBufferPointer(start: base, count: count)

        if !hasLayout {
            // Headerless: drop empty surplus values (a trailing tab), then match a known layout.
            while valueCount > 0, !Self.historicalCounts.contains(valueCount),
                  fieldEnds[valueCount - 1] == fieldStarts[valueCount - 1] { valueCount -= 1 }
            guard fallbackByCount, Self.historicalCounts.contains(valueCount) else {
                try reject(body, lineNumber: lineNumber, reason: .unknownLayout(valueCount: bounds.count), fatalToo: true)
                return
            }
            let names = CloudFrontField.standard.prefix(valueCount).map { Array($0.logName.utf8) }
            setLayout(names: names, realtime: false)
            hasLayout = false  // keep choosing by count until a header arrives
        }
        let expected = positionSlots.count
        var truncated = false
        if valueCount < expected {
            guard options.policy == .nullFill else {
                try reject(body, lineNumber: lineNumber, reason: .truncatedRow(expected: expected, actual: valueCount))
                return
            }
            truncated = true
        }
        assembler.beginRow()
        for i in 0..<min(valueCount, expected) {
            let slot = positionSlots[i]
            let s = fieldStarts[i], l = fieldEnds[i] - fieldStarts[i]
            if slot >= 0 {
                assembler.set(slot: slot, start: s, length: l)
            } else if slot == RowAssembler.epochSlot {
                assembler.setEpoch(start: s, length: l)
            } else {
                assembler.addExtra(key: positionNames[i], start: s, length: l)
            }
        }
        if valueCount > expected {
            // Surplus values: empty ones (a trailing tab) are dropped; others are kept as
            // unnamed extras keyed by their 1-based position.
            for i in expected..<valueCount where fieldEnds[i] > fieldStarts[i] {
                assembler.addExtra(key: Array("_\(i + 1)".utf8), start: fieldStarts[i], length: fieldEnds[i] - fieldStarts[i])
            }
        }
        try commit(base, body, lineNumber: lineNumber, truncated: truncated)
    }

    mutating func commit(_ base: UnsafePointer<UInt8>, _ body: UnsafeRawBufferPointer, lineNumber: Int,
                         truncated: Bool) throws(CloudFrontParseError) {
        if let reason = assembler.commit(base: base, distribution: distribution, source: source, lineNumber: lineNumber,
                                         truncated: truncated, nullOnError: false) {
            guard options.policy == .nullFill else {
                try reject(body, lineNumber: lineNumber, reason: reason)
                return
            }
            // Phase 1 refused before appending anything: retry, nulling what does not parse.
            _ = assembler.commit(base: base, distribution: distribution, source: source, lineNumber: lineNumber,
                                 truncated: truncated, nullOnError: true)
        }
        statistics.acceptedRows += 1
        if truncated { statistics.truncatedRows += 1 }
    }

    /// Splits the line at every delimiter into `fieldStarts`/`fieldEnds`, eight bytes at a time
    /// (SWAR: a word's delimiter bytes become set high bits, walked with trailing-zero counts).
    @inline(__always)
    mutating func splitFields(_ base: UnsafePointer<UInt8>, _ count: Int) {
        bounds.count = 0
        let ones: UInt64 = 0x0101_0101_0101_0101
        let lows: UInt64 = 0x7F7F_7F7F_7F7F_7F7F
        let pattern = ones &* UInt64(delimiter)
        var fieldStart = 0
        var i = 0
        let raw = UnsafeRawPointer(base)
        while i + 8 <= count {
            let word = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)) ^ pattern
            // Exact zero-byte test (no borrow between bytes): 0x80 where a byte of `word` is 0.
            var hits = ~(((word & lows) &+ lows) | word | lows)
            while hits != 0 {
                let at = i + hits.trailingZeroBitCount >> 3
                bounds.append(fieldStart, at)
                fieldStart = at + 1
                hits &= hits &- 1
            }
            i += 8
        }
        while i < count {
            if base[i] == delimiter {
                bounds.append(fieldStart, i)
                fieldStart = i + 1
            }
            i += 1
        }
        bounds.append(fieldStart, count)
    }

    /// Records a reject, or throws under the fail policy. `fatalToo`: also rejected under null-fill.
    mutating func reject(_ line: UnsafeRawBufferPointer, lineNumber: Int, reason: RejectReason,
                         fatalToo: Bool = false) throws(CloudFrontParseError) {
        if options.policy == .fail {
            throw CloudFrontParseError(source: sourceName, lineNumber: lineNumber, message: reason.description)
        }
        statistics.rejectedLines += 1
        rejects.append(RejectRecord(source: sourceName, lineNumber: lineNumber, reason: reason, rawLine: Array(line)))
    }

    static func isASCII(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var i = 0
        let n = bytes.count
        while i + 8 <= n {
            if bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self) & 0x8080_8080_8080_8080 != 0 { return false }
            i += 8
        }
        while i < n {
            if bytes[i] >= 0x80 { return false }
            i += 1
        }
        return true
    }

    static func isValidUTF8(_ bytes: UnsafeRawBufferPointer) -> Bool {
        String(validating: bytes, as: UTF8.self) != nil
    }
}
