import LakeColumnar
import LakeTestSupport
import Testing

/// Whole-batch predicate evaluation must agree with the row-at-a-time `evaluate(batch, row)`
/// on every row, for random batches (nulls, NaN, sliced columns) and random predicates.
@Suite("Vectorised predicate evaluation")
struct PredicateSelectionTests {
    static let schema = try! Schema(fields: [
        Field(name: "i32", id: 1, type: .int32),
        Field(name: "i64", id: 2, type: .int64),
        Field(name: "f64", id: 3, type: .float64),
        Field(name: "f32", id: 4, type: .float32),
        Field(name: "dec", id: 5, type: .decimal(precision: 9, scale: 2)),
        Field(name: "s", id: 6, type: .string),
        Field(name: "d", id: 7, type: .dictionaryString),
        Field(name: "b", id: 8, type: .boolean),
        Field(name: "fx", id: 9, type: .fixedSizeBinary(byteWidth: 2)),
    ])
    static let names = ["i32", "i64", "f64", "f32", "dec", "s", "d", "b", "fx", "missing"]
    static let words = ["", "a", "ab", "abc", "b", "/img/x", "/img/", "/im", "\u{e9}"]

    func batch(_ rows: Int, _ rng: inout SeededRandom) throws -> RecordBatch {
        func null() -> Bool { Int.random(in: 0..<5, using: &rng) == 0 }
        var i32 = PrimitiveColumnBuilder<Int32>(), i64 = PrimitiveColumnBuilder<Int64>()
        var f64 = PrimitiveColumnBuilder<Double>(), f32 = PrimitiveColumnBuilder<Float>()
        var dec = PrimitiveColumnBuilder<Int128>()
        var s = BinaryColumnBuilder(), d = DictionaryColumnBuilder(), b = BooleanColumnBuilder()
        var fx: [UInt8] = [], fxValid: [Bool] = []
        for _ in 0..<rows {
            i32.append(null() ? nil : Int32.random(in: -3...3, using: &rng))
            i64.append(null() ? nil : Int64.random(in: -3...3, using: &rng))
            f64.append(null() ? nil : (Int.random(in: 0..<8, using: &rng) == 0 ? .nan : Double(Int.random(in: -6...6, using: &rng)) / 2))
            f32.append(null() ? nil : Float(Int.random(in: -6...6, using: &rng)) / 2)
            dec.append(null() ? nil : Int128(Int.random(in: -300...300, using: &rng)))
            s.append(null() ? nil : Self.words.randomElement(using: &rng))
            d.append(null() ? nil : Self.words.randomElement(using: &rng))
            b.append(null() ? nil : Bool.random(using: &rng))
            fx += [UInt8.random(in: 0x61...0x62, using: &rng), UInt8.random(in: 0x61...0x62, using: &rng)]
            fxValid.append(!null())
        }
        let full = try RecordBatch(schema: Self.schema, columns: [
            .int32(i32.finish()), .int64(i64.finish()), .float64(f64.finish()), .float32(f32.finish()),
            .decimal128(dec.finish()), .binary(s.finish()), .dictionary(d.finish()), .boolean(b.finish()),
            .fixedSizeBinary(try FixedSizeBinaryColumn(byteWidth: 2, bytes: fx, validity: Bitmap(fxValid))),
        ])
        // Slices start mid-word so that validity offsets are exercised.
        let start = Int.random(in: 0...min(70, rows), using: &rng)
        return full.slice(start..<rows)
    }

    func literal(_ rng: inout SeededRandom) -> Scalar {
        switch Int.random(in: 0..<8, using: &rng) {
        case 0: return .int32(Int32.random(in: -3...3, using: &rng))
        case 1: return .int64(Int64.random(in: -3...3, using: &rng))
        case 2: return .float64(Int.random(in: 0..<6, using: &rng) == 0 ? .nan : Double(Int.random(in: -6...6, using: &rng)) / 2)
        case 3: return .float32(Float(Int.random(in: -6...6, using: &rng)) / 2)
        case 4: return .decimal128(Int128(Int.random(in: -300...300, using: &rng)))
        case 5: return .boolean(Bool.random(using: &rng))
        default:
            let w = Self.words + ["aa", "ba", "bb"]
            return .binary(Array(w.randomElement(using: &rng)!.utf8))
        }
    }

    func predicate(_ depth: Int, _ rng: inout SeededRandom) -> ColumnPredicate {
        let c = Self.names.randomElement(using: &rng)!
        let choice = Int.random(in: 0..<(depth > 0 ? 16 : 12), using: &rng)
        switch choice {
        case 0: return .equal(c, literal(&rng))
        case 1: return .notEqual(c, literal(&rng))
        case 2: return .lessThan(c, literal(&rng))
        case 3: return .lessThanOrEqual(c, literal(&rng))
        case 4: return .greaterThan(c, literal(&rng))
        case 5: return .greaterThanOrEqual(c, literal(&rng))
        case 6: return .isIn(c, (0..<Int.random(in: 0...3, using: &rng)).map { _ in literal(&rng) })
        case 7: return .isNull(c)
        case 8: return .isNotNull(c)
        case 9: return .startsWith(c, Array((Self.words.randomElement(using: &rng)!).utf8))
        case 10: return .alwaysTrue
        case 11: return .alwaysFalse
        case 12, 13: return Bool.random(using: &rng) ? .and(predicate(depth - 1, &rng), predicate(depth - 1, &rng))
            : .or(predicate(depth - 1, &rng), predicate(depth - 1, &rng))
        default: return .not(predicate(depth - 1, &rng))
        }
    }

    @Test func agreesWithRowEvaluationOnRandomBatchesAndPredicates() throws {
        var rng = SeededRandom(seed: 0x5EEC7)
        for round in 0..<60 {
            let b = try batch(Int.random(in: 1...300, using: &rng), &rng)
            for _ in 0..<40 {
                let p = predicate(3, &rng)
                let result = p.evaluate(b)
                #expect(result.count == b.rowCount)
                let expected = (0..<b.rowCount).map { p.evaluate(b, $0) }
                let actual = (0..<b.rowCount).map { result[$0] }
                #expect(actual == expected, "round \(round): \(p)")
                #expect(result.selection.setCount == expected.filter { $0 == true }.count)
                if actual != expected { return }
            }
        }
    }

    @Test func knownValues() throws {
        let schema = try Schema(fields: [Field(name: "x", id: 1, type: .int32), Field(name: "u", id: 2, type: .dictionaryString)])
        let b = try RecordBatch(schema: schema, columns: [
            .int32(PrimitiveColumn<Int32>([1, nil, 5, 3])),
            .dictionary({ var d = DictionaryColumnBuilder(); for s in ["/img/a", "/x", nil, "/img/"] { d.append(s) }; return d.finish() }()),
        ])
        let p = try ColumnPredicate.parse("x >= 3 OR u LIKE '/img/%'", schema: schema)
        #expect((0..<4).map { p.evaluate(b)[$0] } == [true, nil, true, true])
        #expect(p.selection(b).bits == [true, false, true, true])
        let q = ColumnPredicate.not(.isIn("x", [.int32(1), .int32(3)]))
        #expect((0..<4).map { q.evaluate(b)[$0] } == [false, nil, true, false])
    }
}

extension PredicateSelection {
    /// The selection bitmap (true rows).
    var selection: Bitmap { isTrue }
}
