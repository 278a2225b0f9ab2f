import LakeColumnar

// libFuzzer target: the SQL predicate parser must never trap on any text, and what it accepts
// must name only columns of the schema. Build and run with Scripts/fuzz.sh predicate.

/// Built per input: a global would be reported as a leak by LeakSanitizer.
func predicateFuzzSchema() -> Schema {
    do {
        return try Schema(fields: [
            Field(name: "sc_status", id: 1, type: .int32),
            Field(name: "cs_method", id: 2, type: .dictionaryString),
            Field(name: "cs_uri_stem", id: 3, type: .string),
            Field(name: "sc_bytes", id: 4, type: .int64),
            Field(name: "time_taken", id: 5, type: .float64),
            Field(name: "date", id: 6, type: .date32),
            Field(name: "timestamp", id: 7, type: .timestampMicroseconds(utc: true)),
            Field(name: "cached", id: 8, type: .boolean),
            Field(name: "price", id: 9, type: .decimal(precision: 38, scale: 4)),
            Field(name: "tags", id: 10, type: .list(Field(name: "element", id: 11, type: .string))),
        ])
    } catch {
        fatalError("fuzz schema: \(error)")
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func predicateFuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let schema = predicateFuzzSchema()
    let predicate: ColumnPredicate
    do {
        predicate = try ColumnPredicate.parse(text, schema: schema)
    } catch {
        // A refusal must point inside the text (or just past its end).
        guard error.position >= 1, error.position <= text.count + 1 else { fatalError("error position out of range: \(error)") }
        _ = error.description
        return 0
    }
    for column in predicate.columns where schema.field(named: column) == nil {
        fatalError("accepted an unknown column \(column) from \(text)")
    }
    return 0
}
