extension LineParser {
    /// Parses one standard-logging-v2 JSON record: a flat object whose keys are field names and
    /// whose values are strings, numbers, booleans or null.
    mutating func consumeJSON(_ line: UnsafeRawBufferPointer, lineNumber: Int) throws(CloudFrontParseError) {
        // Unescaped values are copied into `jsonScratch`, and the row's fields point into it.
        jsonScratch.removeAll(keepingCapacity: true)
        var pairs: [(key: [UInt8], start: Int, length: Int)] = []
        do {
            try Self.parseFlatObject(line, values: &jsonScratch, pairs: &pairs)
        } catch {
            try reject(line, lineNumber: lineNumber, reason: .invalidJSON(error.message), fatalToo: true)
            return
        }
        // An empty record still needs a base pointer.
        if jsonScratch.isEmpty { jsonScratch.append(0) }
        let scratch = jsonScratch
        let nullFill = self.nullFill
        var failure: RejectReason?
        scratch.withUnsafeBufferPointer { buffer in
            let base = buffer.baseAddress!
            for pair in pairs where pair.start >= 0 {  // a JSON null leaves the field null
                let name = String(decoding: pair.key, as: UTF8.self)
                if name.lowercased() == "timestamp" {
                    assembler.setEpoch(base + pair.start, pair.length)
                } else if let field = CloudFrontField(name: name), let slot = assembler.slot(of: field) {
                    if !assembler.set(slot: slot, base + pair.start, pair.length, nullOnError: nullFill) {
                        failure = assembler.failure
                        return
                    }
                } else {
                    assembler.addExtra(key: pair.key, base + pair.start, pair.length)
                }
            }
        }
        if let failure {
            assembler.abandonRow()
            try reject(line, lineNumber: lineNumber, reason: failure)
            return
        }
        try commit(line, lineNumber: lineNumber, truncated: false)
    }

    struct JSONError: Error {
        var message: String
    }

    /// Parses `{"k": v, ...}`; string values are unescaped into `values`, other scalars copied
    /// as text; `null` gets start -1.
    static func parseFlatObject(_ s: UnsafeRawBufferPointer, values: inout [UInt8],
                                pairs: inout [(key: [UInt8], start: Int, length: Int)]) throws(JSONError) {
        var i = 0
        let n = s.count
        func skipSpace() { while i < n, s[i] == 0x20 || s[i] == 0x09 || s[i] == 0x0D || s[i] == 0x0A { i += 1 } }
        func expect(_ c: UInt8) throws(JSONError) {
            skipSpace()
            guard i < n, s[i] == c else { throw JSONError(message: "expected '\(Character(Unicode.Scalar(c)))' at column \(i + 1)") }
            i += 1
        }
        func string(into out: inout [UInt8]) throws(JSONError) {
            try expect(UInt8(ascii: "\""))
            while true {
                guard i < n else { throw JSONError(message: "unterminated string") }
                let c = s[i]
                i += 1
                if c == UInt8(ascii: "\"") { return }
                if c < 0x20 { throw JSONError(message: "control character in string at column \(i)") }
                if c != UInt8(ascii: "\\") {
                    out.append(c)
                    continue
                }
                guard i < n else { throw JSONError(message: "unterminated escape") }
                let e = s[i]
                i += 1
                switch e {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try hex4()
                    if scalar >= 0xD800 && scalar < 0xDC00 {
                        guard i + 1 < n, s[i] == UInt8(ascii: "\\"), s[i + 1] == UInt8(ascii: "u") else {
                            throw JSONError(message: "unpaired surrogate")
                        }
                        i += 2
                        let low = try hex4()
                        guard low >= 0xDC00 && low < 0xE000 else { throw JSONError(message: "invalid surrogate pair") }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let u = Unicode.Scalar(scalar) else { throw JSONError(message: "invalid \\u escape") }
                    out.append(contentsOf: Array(String(Character(u)).utf8))
                default:
                    throw JSONError(message: "invalid escape at column \(i)")
                }
            }
        }
        func hex4() throws(JSONError) -> UInt32 {
            guard i + 4 <= n else { throw JSONError(message: "truncated \\u escape") }
            var v: UInt32 = 0
            for _ in 0..<4 {
                guard let h = PercentDecoding.hexValue(s[i]) else { throw JSONError(message: "invalid \\u escape") }
                v = v << 4 | UInt32(h)
                i += 1
            }
            return v
        }
        try expect(UInt8(ascii: "{"))
        skipSpace()
        if i < n, s[i] == UInt8(ascii: "}") {
            i += 1
        } else {
            while true {
                var key: [UInt8] = []
                try string(into: &key)
                try expect(UInt8(ascii: ":"))
                skipSpace()
                guard i < n else { throw JSONError(message: "missing value") }
                let start = values.count
                switch s[i] {
                case UInt8(ascii: "\""):
                    try string(into: &values)
                    pairs.append((key, start, values.count - start))
                case UInt8(ascii: "n"):
                    guard i + 4 <= n, s[i + 1] == UInt8(ascii: "u"), s[i + 2] == UInt8(ascii: "l"), s[i + 3] == UInt8(ascii: "l") else {
                        throw JSONError(message: "invalid literal at column \(i + 1)")
                    }
                    i += 4
                    pairs.append((key, -1, 0))
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    throw JSONError(message: "nested value for key '\(String(decoding: key, as: UTF8.self))'")
                default:
                    // Number or boolean: copy its text.
                    while i < n, s[i] != UInt8(ascii: ","), s[i] != UInt8(ascii: "}"), s[i] != 0x20, s[i] != 0x09 {
                        values.append(s[i])
                        i += 1
                    }
                    guard values.count > start else { throw JSONError(message: "missing value at column \(i + 1)") }
                    pairs.append((key, start, values.count - start))
                }
                skipSpace()
                guard i < n else { throw JSONError(message: "unterminated object") }
                if s[i] == UInt8(ascii: ",") {
                    i += 1
                    continue
                }
                try expect(UInt8(ascii: "}"))
                break
            }
        }
        skipSpace()
        guard i == n else { throw JSONError(message: "unexpected text after the object at column \(i + 1)") }
    }
}
