import IcebergKit
import LakeColumnar
import Testing

/// Expected values here are worked out by hand from the spec's transform definitions (floor
/// semantics before 1970) and its Appendix B hash vectors, never from the code under test.
@Suite("Inclusive projection of row filters onto partition transforms")
struct InclusiveProjectionTests {
    static let schema = IcebergSchema(fields: [
        NestedField(id: 1, name: "x", required: false, type: .int),
        NestedField(id: 2, name: "l", required: false, type: .long),
        NestedField(id: 3, name: "s", required: false, type: .string),
        NestedField(id: 4, name: "d", required: false, type: .date),
        NestedField(id: 5, name: "ts", required: false, type: .timestamp),
        NestedField(id: 6, name: "tz", required: false, type: .timestamptz),
        NestedField(id: 7, name: "dec", required: false, type: .decimal(precision: 9, scale: 2)),
        NestedField(id: 8, name: "t", required: false, type: .time),
        NestedField(id: 9, name: "u", required: false, type: .uuid),
        NestedField(id: 10, name: "f", required: false, type: .fixed(4)),
        NestedField(id: 11, name: "b", required: false, type: .binary),
    ])
    static let hour: Int64 = 3_600_000_000
    static let day: Int64 = 86_400_000_000

    /// `p` projected onto a spec of one field `p` = `transform(column)`.
    func project(_ p: ColumnPredicate, _ column: String, _ transform: Transform) -> ColumnPredicate {
        let source = Self.schema.fields.first { $0.name == column }?.id ?? -1
        let spec = PartitionSpec(specID: 0, fields: [PartitionField(sourceID: source, fieldID: 1000, name: "p", transform: transform)])
        return InclusiveProjection.project(p, spec: spec, schema: Self.schema)
    }

    func str(_ s: String) -> Scalar { ColumnPredicate.string(s) }

    @Test("hour: < and > move one microsecond before projecting; negative timestamps floor to the earlier hour")
    func hourBoundaries() {
        let h = Self.hour
        #expect(project(.greaterThanOrEqual("ts", .int64(5 * h + 1)), "ts", .hour) == .greaterThanOrEqual("p", .int32(5)))
        #expect(project(.greaterThan("ts", .int64(6 * h - 1)), "ts", .hour) == .greaterThanOrEqual("p", .int32(6)))
        #expect(project(.greaterThan("ts", .int64(6 * h - 2)), "ts", .hour) == .greaterThanOrEqual("p", .int32(5)))
        #expect(project(.lessThan("ts", .int64(6 * h)), "ts", .hour) == .lessThanOrEqual("p", .int32(5)))
        #expect(project(.lessThan("ts", .int64(6 * h + 1)), "ts", .hour) == .lessThanOrEqual("p", .int32(6)))
        #expect(project(.lessThanOrEqual("ts", .int64(6 * h)), "ts", .hour) == .lessThanOrEqual("p", .int32(6)))
        #expect(project(.equal("ts", .int64(6 * h + 59)), "ts", .hour) == .equal("p", .int32(6)))
        // Before 1970: -1 µs is in hour -1 (1969-12-31T23:00), -h-1 in hour -2.
        #expect(project(.lessThan("ts", .int64(0)), "ts", .hour) == .lessThanOrEqual("p", .int32(-1)))
        #expect(project(.lessThanOrEqual("ts", .int64(-1)), "ts", .hour) == .lessThanOrEqual("p", .int32(-1)))
        #expect(project(.greaterThan("ts", .int64(-1)), "ts", .hour) == .greaterThanOrEqual("p", .int32(0)))
        #expect(project(.greaterThanOrEqual("ts", .int64(-h)), "ts", .hour) == .greaterThanOrEqual("p", .int32(-1)))
        #expect(project(.greaterThanOrEqual("ts", .int64(-h - 1)), "ts", .hour) == .greaterThanOrEqual("p", .int32(-2)))
        #expect(project(.equal("ts", .int64(-1)), "ts", .hour) == .equal("p", .int32(-1)))
        // An int literal on a timestamp column is microseconds all the same.
        #expect(project(.lessThan("ts", .int32(0)), "ts", .hour) == .lessThanOrEqual("p", .int32(-1)))
        #expect(project(.isIn("tz", [.int64(-1), .int64(0), .int64(h - 1)]), "tz", .hour) == .isIn("p", [.int32(-1), .int32(0)]))
    }

    @Test("day, month and year of dates and timestamps before and after 1970")
    func dateBoundaries() {
        let d = Self.day
        // Dates: day -1 is 1969-12-31, -31 is 1969-12-01, -32 1969-11-30, -365 1969-01-01, -366 1968-12-31.
        #expect(project(.lessThan("d", .int32(-1)), "d", .day) == .lessThanOrEqual("p", .int32(-2)))
        #expect(project(.equal("d", .int32(-1)), "d", .day) == .equal("p", .int32(-1)))
        #expect(project(.lessThanOrEqual("d", .int32(-1)), "d", .month) == .lessThanOrEqual("p", .int32(-1)))
        #expect(project(.greaterThan("d", .int32(-32)), "d", .month) == .greaterThanOrEqual("p", .int32(-1)))
        #expect(project(.lessThan("d", .int32(-31)), "d", .month) == .lessThanOrEqual("p", .int32(-2)))
        #expect(project(.greaterThanOrEqual("d", .int32(-365)), "d", .year) == .greaterThanOrEqual("p", .int32(-1)))
        #expect(project(.greaterThan("d", .int32(-366)), "d", .year) == .greaterThanOrEqual("p", .int32(-1)))
        #expect(project(.lessThan("d", .int32(-365)), "d", .year) == .lessThanOrEqual("p", .int32(-2)))
        #expect(project(.greaterThanOrEqual("d", .int32(0)), "d", .year) == .greaterThanOrEqual("p", .int32(0)))
        // Timestamps: -1 µs is 1969-12-31T23:59:59.999999.
        #expect(project(.lessThan("ts", .int64(0)), "ts", .day) == .lessThanOrEqual("p", .int32(-1)))
        #expect(project(.greaterThan("ts", .int64(-1)), "ts", .day) == .greaterThanOrEqual("p", .int32(0)))
        #expect(project(.greaterThanOrEqual("ts", .int64(-d)), "ts", .day) == .greaterThanOrEqual("p", .int32(-1)))
        #expect(project(.lessThan("ts", .int64(0)), "ts", .month) == .lessThanOrEqual("p", .int32(-1)))
        #expect(project(.lessThan("ts", .int64(0)), "ts", .year) == .lessThanOrEqual("p", .int32(-1)))
        // 2017-11-16T22:31:08 → day 17486, month 47 * 12 + 10, year 47.
        let ts = 17_486 * d + (22 * 3600 + 31 * 60 + 8) * 1_000_000
        #expect(project(.equal("ts", .int64(ts)), "ts", .day) == .equal("p", .int32(17_486)))
        #expect(project(.equal("ts", .int64(ts)), "ts", .month) == .equal("p", .int32(47 * 12 + 10)))
        #expect(project(.equal("ts", .int64(ts)), "ts", .year) == .equal("p", .int32(47)))
    }

    @Test("truncate of ints, longs and decimals floors towards negative infinity at the boundaries")
    func truncateNumbers() {
        #expect(project(.lessThan("x", .int32(-10)), "x", .truncate(10)) == .lessThanOrEqual("p", .int32(-20)))
        #expect(project(.lessThanOrEqual("x", .int32(-10)), "x", .truncate(10)) == .lessThanOrEqual("p", .int32(-10)))
        #expect(project(.greaterThan("x", .int32(-1)), "x", .truncate(10)) == .greaterThanOrEqual("p", .int32(0)))
        #expect(project(.greaterThanOrEqual("x", .int32(-1)), "x", .truncate(10)) == .greaterThanOrEqual("p", .int32(-10)))
        #expect(project(.greaterThan("x", .int32(9)), "x", .truncate(10)) == .greaterThanOrEqual("p", .int32(10)))
        #expect(project(.equal("x", .int32(-1)), "x", .truncate(10)) == .equal("p", .int32(-10)))
        #expect(project(.isIn("x", [.int32(-1), .int32(5), .int32(9), .int32(-10)]), "x", .truncate(10)) == .isIn("p", [.int32(-10), .int32(0)]))
        #expect(project(.lessThan("l", .int64(-100)), "l", .truncate(100)) == .lessThanOrEqual("p", .int64(-200)))
        #expect(project(.greaterThan("l", .int32(-101)), "l", .truncate(100)) == .greaterThanOrEqual("p", .int64(-100)))
        #expect(project(.lessThan("dec", .decimal128(1050)), "dec", .truncate(50)) == .lessThanOrEqual("p", .decimal128(1000)))
        #expect(project(.greaterThanOrEqual("dec", .decimal128(-1)), "dec", .truncate(50)) == .greaterThanOrEqual("p", .decimal128(-50)))
        // At the type's edge, or a literal that is not a value of the column: no projection, never a wrong one.
        #expect(project(.greaterThan("x", .int32(.max)), "x", .truncate(10)) == .alwaysTrue)
        #expect(project(.lessThan("x", .int32(.min)), "x", .truncate(10)) == .alwaysTrue)
        #expect(project(.lessThan("x", .int64(5_000_000_000)), "x", .truncate(10)) == .alwaysTrue)
        #expect(project(.lessThan("x", .float64(2.5)), "x", .truncate(10)) == .alwaysTrue)
        #expect(project(.notEqual("x", .int32(5)), "x", .truncate(10)) == .alwaysTrue)
        #expect(project(.not(.isIn("x", [.int32(5)])), "x", .truncate(10)) == .alwaysTrue)
    }

    @Test("truncate of strings: ranges, equality and prefixes, counted in code points")
    func truncateStrings() {
        #expect(project(.lessThan("s", str("abcz")), "s", .truncate(3)) == .lessThanOrEqual("p", str("abc")))
        #expect(project(.lessThanOrEqual("s", str("ab")), "s", .truncate(3)) == .lessThanOrEqual("p", str("ab")))
        #expect(project(.greaterThan("s", str("abcd")), "s", .truncate(3)) == .greaterThanOrEqual("p", str("abc")))
        #expect(project(.equal("s", str("abcdef")), "s", .truncate(3)) == .equal("p", str("abc")))
        #expect(project(.startsWith("s", Array("ab".utf8)), "s", .truncate(3)) == .startsWith("p", Array("ab".utf8)))
        #expect(project(.startsWith("s", Array("abc".utf8)), "s", .truncate(3)) == .equal("p", str("abc")))
        #expect(project(.startsWith("s", Array("abcd".utf8)), "s", .truncate(3)) == .equal("p", str("abc")))
        #expect(project(.startsWith("s", Array("日本語".utf8)), "s", .truncate(2)) == .equal("p", str("日本")))
        #expect(project(.startsWith("s", Array("日".utf8)), "s", .truncate(2)) == .startsWith("p", Array("日".utf8)))
        #expect(project(.startsWith("b", [1, 2, 3]), "b", .truncate(2)) == .equal("p", .binary([1, 2])))
        #expect(project(.notEqual("s", str("abc")), "s", .truncate(3)) == .alwaysTrue)
        #expect(project(.not(.startsWith("s", Array("ab".utf8))), "s", .truncate(3)) == .alwaysTrue)
    }

    @Test("bucket: equality and IN of every type hash as the spec's Appendix B vectors; ranges do not project")
    func bucketVectors() {
        // bucket[Int32.max] keeps the 31 low bits of the hash, so the projected value is the spec's hash & Int32.max.
        func bucket(_ hash: Int32) -> ColumnPredicate { .equal("p", .int32(hash & .max)) }
        let b = Transform.bucket(Int(Int32.max))
        let day = Int32(17_486)  // 2017-11-16
        let time: Int64 = (22 * 3600 + 31 * 60 + 8) * 1_000_000
        let ts = Int64(day) * Self.day + time
        #expect(project(.equal("x", .int32(34)), "x", b) == bucket(2_017_239_379))
        #expect(project(.equal("l", .int64(34)), "l", b) == bucket(2_017_239_379))
        #expect(project(.equal("l", .int32(34)), "l", b) == bucket(2_017_239_379), "an int literal on a long column")
        #expect(project(.equal("dec", .decimal128(1420)), "dec", b) == bucket(-500_754_589))
        #expect(project(.equal("d", .int32(day)), "d", b) == bucket(-653_330_422))
        #expect(project(.equal("t", .int64(time)), "t", b) == bucket(-662_762_989))
        #expect(project(.equal("ts", .int64(ts)), "ts", b) == bucket(-2_047_944_441))
        #expect(project(.equal("tz", .int64(ts)), "tz", b) == bucket(-2_047_944_441), "2017-11-16T14:31:08-08:00")
        #expect(project(.equal("s", str("iceberg")), "s", b) == bucket(1_210_000_089))
        let uuid: [UInt8] = [0xF7, 0x9C, 0x3E, 0x09, 0x67, 0x7C, 0x4B, 0xBD, 0xA4, 0x79, 0x3F, 0x34, 0x9C, 0xB7, 0x85, 0xE7]
        #expect(project(.equal("u", .binary(uuid)), "u", b) == bucket(1_488_055_340))
        #expect(project(.equal("f", .binary([0, 1, 2, 3])), "f", b) == bucket(-188_683_207))
        #expect(project(.equal("b", .binary([0, 1, 2, 3])), "b", b) == bucket(-188_683_207))
        // bucket[16]: 34 → 2017239379 % 16 = 3; "iceberg" → 1210000089 % 16 = 9.
        #expect(project(.isIn("x", [.int32(34), .int32(34)]), "x", .bucket(16)) == .isIn("p", [.int32(3)]))
        #expect(project(.isIn("s", [str("iceberg"), ColumnPredicate.string("iceberg")]), "s", .bucket(16)) == .isIn("p", [.int32(9)]))
        for p in [ColumnPredicate.lessThan("x", .int32(34)), .greaterThanOrEqual("x", .int32(34)), .notEqual("x", .int32(34)),
                  .not(.isIn("x", [.int32(34)]))] {
            #expect(project(p, "x", .bucket(16)) == .alwaysTrue, "\(p)")
        }
        #expect(project(.startsWith("s", Array("ice".utf8)), "s", .bucket(16)) == .alwaysTrue)
    }

    @Test("identity keeps every operator; nulls carry through; NOT is pushed to the leaves; fields of one source are ANDed")
    func structure() {
        #expect(project(.notEqual("x", .int32(5)), "x", .identity) == .notEqual("p", .int32(5)))
        #expect(project(.not(.isIn("x", [.int32(5)])), "x", .identity) == .not(.isIn("p", [.int32(5)])))
        #expect(project(.startsWith("s", Array("ab".utf8)), "s", .identity) == .startsWith("p", Array("ab".utf8)))
        #expect(project(.isNull("ts"), "ts", .hour) == .isNull("p"))
        #expect(project(.isNotNull("x"), "x", .bucket(4)) == .isNotNull("p"))
        #expect(project(.isNull("x"), "x", .void) == .alwaysTrue)
        #expect(project(.not(.lessThan("ts", .int64(6 * Self.hour))), "ts", .hour) == .greaterThanOrEqual("p", .int32(6)))
        #expect(project(.not(.isNotNull("ts")), "ts", .hour) == .isNull("p"))
        // NOT (ts < 0 AND x = 1) = ts >= 0 OR x != 1; the second side does not project, so neither does the OR.
        #expect(project(.not(.and(.lessThan("ts", .int64(0)), .equal("x", .int32(1)))), "ts", .hour) == .alwaysTrue)
        #expect(project(.and(.lessThan("ts", .int64(0)), .equal("x", .int32(1))), "ts", .hour) == .lessThanOrEqual("p", .int32(-1)))
        #expect(project(.equal("nope", .int32(1)), "x", .identity) == .alwaysTrue)
        let spec = PartitionSpec(specID: 0, fields: [PartitionField(sourceID: 5, fieldID: 1000, name: "a", transform: .day),
                                                     PartitionField(sourceID: 5, fieldID: 1001, name: "b", transform: .bucket(16))])
        let ts = Int64(17_486) * Self.day + (22 * 3600 + 31 * 60 + 8) * 1_000_000
        // bucket[16] of that timestamp: -2047944441 & Int32.max = 99539207, % 16 = 7.
        #expect(InclusiveProjection.project(.equal("ts", .int64(ts)), spec: spec, schema: Self.schema)
                == .and(.equal("a", .int32(17_486)), .equal("b", .int32(7))))
    }

    @Test("a partition filter prunes by a file's partition values and by a manifest's partition summaries")
    func partitionFilter() throws {
        let spec = PartitionSpec(specID: 0, fields: [PartitionField(sourceID: 5, fieldID: 1000, name: "ts_day", transform: .day)])
        let d = Self.day
        func filter(_ p: ColumnPredicate) throws -> PartitionFilter {
            try #require(PartitionFilter(p, spec: spec, schema: Self.schema))
        }
        func summary(_ lo: Int32?, _ hi: Int32?, null: Bool) -> [ManifestFile.FieldSummary] {
            [ManifestFile.FieldSummary(containsNull: null, containsNaN: false,
                                       lowerBound: lo.flatMap { SingleValue.serialize(.int32($0), type: .date) },
                                       upperBound: hi.flatMap { SingleValue.serialize(.int32($0), type: .date) })]
        }
        // Files of days 10 and 20, and of null timestamps.
        #expect(try filter(.greaterThanOrEqual("ts", .int64(11 * d))).mightMatch(partition: [.int32(10)]) == false)
        #expect(try filter(.greaterThanOrEqual("ts", .int64(11 * d - 1))).mightMatch(partition: [.int32(10)]))
        #expect(try filter(.lessThan("ts", .int64(10 * d))).mightMatch(partition: [.int32(10)]) == false)
        #expect(try filter(.isNull("ts")).mightMatch(partition: [.int32(10)]) == false)
        #expect(try filter(.isNull("ts")).mightMatch(partition: [nil]))
        #expect(try filter(.greaterThan("ts", .int64(0))).mightMatch(partition: [nil]) == false)
        // A manifest of days 10 … 20.
        #expect(try filter(.greaterThanOrEqual("ts", .int64(21 * d))).mightMatch(summaries: summary(10, 20, null: false)) == false)
        #expect(try filter(.greaterThanOrEqual("ts", .int64(21 * d - 1))).mightMatch(summaries: summary(10, 20, null: false)))
        #expect(try filter(.lessThan("ts", .int64(10 * d))).mightMatch(summaries: summary(10, 20, null: false)) == false)
        #expect(try filter(.equal("ts", .int64(15 * d))).mightMatch(summaries: summary(10, 20, null: false)))
        #expect(try filter(.isNull("ts")).mightMatch(summaries: summary(10, 20, null: false)) == false)
        #expect(try filter(.isNull("ts")).mightMatch(summaries: summary(10, 20, null: true)))
        // A manifest whose files all have a null partition value.
        #expect(try filter(.isNotNull("ts")).mightMatch(summaries: summary(nil, nil, null: true)) == false)
        #expect(try filter(.equal("ts", .int64(0))).mightMatch(summaries: summary(nil, nil, null: true)) == false)
        #expect(try filter(.isNull("ts")).mightMatch(summaries: summary(nil, nil, null: true)))
        // Summaries of another length (another spec) are never used to prune.
        #expect(try filter(.equal("ts", .int64(0))).mightMatch(summaries: []))
        // Nothing projects: no filter at all.
        #expect(PartitionFilter(.notEqual("ts", .int64(0)), spec: spec, schema: Self.schema) == nil)
        #expect(PartitionFilter(.equal("ts", .int64(0)), spec: .unpartitioned, schema: Self.schema) == nil)
    }
}
