import LakeColumnar
import Testing

@Suite("SQL predicate parser")
struct PredicateParserTests {
    static let schema = try! Schema(fields: [
        Field(name: "sc_status", id: 1, type: .int32),
        Field(name: "cs_method", id: 2, type: .dictionaryString),
        Field(name: "cs_uri_stem", id: 3, type: .string),
        Field(name: "sc_bytes", id: 4, type: .int64),
        Field(name: "time_taken", id: 5, type: .float64),
        Field(name: "date", id: 6, type: .date32),
        Field(name: "timestamp", id: 7, type: .timestampMicroseconds(utc: true)),
        Field(name: "local_ts", id: 8, type: .timestampMicroseconds(utc: false)),
        Field(name: "cached", id: 9, type: .boolean),
        Field(name: "price", id: 10, type: .decimal(precision: 9, scale: 2)),
        Field(name: "tags", id: 11, type: .list(Field(name: "element", id: 12, type: .string))),
        Field(name: "Mixed Case", id: 13, type: .int32),
    ])

    func parse(_ text: String) throws(PredicateParseError) -> ColumnPredicate {
        try ColumnPredicate.parse(text, schema: Self.schema)
    }

    func failure(_ text: String) -> PredicateParseError? {
        do {
            _ = try parse(text)
            return nil
        } catch {
            return error
        }
    }

    static func s(_ text: String) -> Scalar { .binary(Array(text.utf8)) }

    @Test func comparisonsAndBooleanStructure() throws {
        #expect(try parse("sc_status >= 500 AND cs_method = 'GET'")
            == .and(.greaterThanOrEqual("sc_status", .int32(500)), .equal("cs_method", Self.s("GET"))))
        // AND binds tighter than OR; NOT tighter than AND.
        #expect(try parse("sc_status = 1 OR sc_status = 2 AND NOT sc_bytes < 3")
            == .or(.equal("sc_status", .int32(1)), .and(.equal("sc_status", .int32(2)), .not(.lessThan("sc_bytes", .int64(3))))))
        #expect(try parse("(sc_status = 1 OR sc_status = 2) and sc_bytes <> -3")
            == .and(.or(.equal("sc_status", .int32(1)), .equal("sc_status", .int32(2))), .notEqual("sc_bytes", .int64(-3))))
        #expect(try parse("sc_status != 4") == .notEqual("sc_status", .int32(4)))
        #expect(try parse("sc_status <= 4") == .lessThanOrEqual("sc_status", .int32(4)))
        #expect(try parse("sc_status > 4") == .greaterThan("sc_status", .int32(4)))
        // A literal on the left is read from the column's side.
        #expect(try parse("500 <= sc_status") == .greaterThanOrEqual("sc_status", .int32(500)))
        #expect(try parse("'x' = cs_uri_stem") == .equal("cs_uri_stem", Self.s("x")))
        #expect(try parse("TRUE") == .alwaysTrue)
        #expect(try parse("false or cached = true") == .or(.alwaysFalse, .equal("cached", .boolean(true))))
        #expect(try parse("\"Mixed Case\" = 3") == .equal("Mixed Case", .int32(3)))
    }

    @Test func inNullLikeBetween() throws {
        #expect(try parse("sc_status IN (200, 304)") == .isIn("sc_status", [.int32(200), .int32(304)]))
        #expect(try parse("sc_status NOT IN (200)") == .not(.isIn("sc_status", [.int32(200)])))
        #expect(try parse("cs_method is null") == .isNull("cs_method"))
        #expect(try parse("cs_method IS NOT NULL") == .isNotNull("cs_method"))
        #expect(try parse("cs_uri_stem LIKE '/img/%'") == .startsWith("cs_uri_stem", Array("/img/".utf8)))
        #expect(try parse("cs_uri_stem NOT LIKE '/a%'") == .not(.startsWith("cs_uri_stem", Array("/a".utf8))))
        #expect(try parse("cs_uri_stem LIKE 'exact'") == .equal("cs_uri_stem", Self.s("exact")))
        #expect(try parse("cs_uri_stem LIKE '%'") == .isNotNull("cs_uri_stem"))
        #expect(try parse("sc_bytes BETWEEN 1 AND 10 AND sc_status = 2")
            == .and(.and(.greaterThanOrEqual("sc_bytes", .int64(1)), .lessThanOrEqual("sc_bytes", .int64(10))), .equal("sc_status", .int32(2))))
    }

    @Test func literalsTypedByColumn() throws {
        #expect(try parse("cs_uri_stem = 'it''s'") == .equal("cs_uri_stem", Self.s("it's")))
        #expect(try parse("time_taken > 1") == .greaterThan("time_taken", .float64(1)))
        #expect(try parse("time_taken > 1.5e-3") == .greaterThan("time_taken", .float64(0.0015)))
        #expect(try parse("price = 12.5") == .equal("price", .decimal128(1250)))
        #expect(try parse("price = -0.01") == .equal("price", .decimal128(-1)))
        #expect(try parse("date = DATE '2026-01-02'") == .equal("date", .int32(20455)))
        #expect(try parse("date >= '1970-01-02'") == .greaterThanOrEqual("date", .int32(1)))
        #expect(try parse("timestamp < TIMESTAMP '1970-01-01 00:00:01.5'") == .lessThan("timestamp", .int64(1_500_000)))
        #expect(try parse("timestamp < TIMESTAMP '1970-01-01T01:00:00+01:00'") == .lessThan("timestamp", .int64(0)))
        #expect(try parse("timestamp < '1970-01-01T00:00:00.000001Z'") == .lessThan("timestamp", .int64(1)))
        #expect(try parse("timestamp >= DATE '1970-01-02'") == .greaterThanOrEqual("timestamp", .int64(86_400_000_000)))
        #expect(try parse("local_ts = '1969-12-31 23:59'") == .equal("local_ts", .int64(-60_000_000)))
        #expect(try parse("cached = false") == .equal("cached", .boolean(false)))
        // `date` and `timestamp` are columns unless a quoted literal follows the word.
        #expect(try parse("DATE '1970-01-02' <= date") == .greaterThanOrEqual("date", .int32(1)))
        #expect(try parse("timestamp IS NULL OR date IN (DATE '1970-01-01')") == .or(.isNull("timestamp"), .isIn("date", [.int32(0)])))
    }

    @Test func errorsNamePositionAndToken() throws {
        let unknown = try #require(failure("sc_status = 1 AND nope = 2"))
        #expect(unknown.kind == .unknownColumn("nope") && unknown.position == 19 && unknown.token == "nope")
        let mismatch = try #require(failure("sc_status = 'abc'"))
        #expect(mismatch.kind == .typeMismatch(column: "sc_status", type: .int32) && mismatch.position == 13 && mismatch.token == "'abc'")
        #expect(failure("sc_status = 1.5")?.kind == .typeMismatch(column: "sc_status", type: .int32))
        #expect(failure("sc_status = 3000000000")?.kind == .typeMismatch(column: "sc_status", type: .int32))
        #expect(failure("price = 1.234")?.kind == .typeMismatch(column: "price", type: .decimal(precision: 9, scale: 2)))
        #expect(failure("price = 12345678.9")?.kind == .typeMismatch(column: "price", type: .decimal(precision: 9, scale: 2)))
        #expect(failure("date = DATE '2026-02-30'")?.token == "'2026-02-30'")
        #expect(failure("local_ts = '2026-01-01 00:00Z'")?.kind == .typeMismatch(column: "local_ts", type: .timestampMicroseconds(utc: false)))
        #expect(failure("cs_uri_stem = 5")?.kind == .typeMismatch(column: "cs_uri_stem", type: .string))
        let like = try #require(failure("cs_uri_stem LIKE '%.jpg'"))
        #expect(like.kind == .unsupportedPattern("%.jpg") && like.position == 18)
        #expect(failure("cs_uri_stem LIKE 'a_b%'")?.kind == .unsupportedPattern("a_b%"))
        #expect(failure("sc_status LIKE '1%'")?.kind == .typeMismatch(column: "sc_status", type: .int32))
        #expect(failure("tags IS NULL")?.kind == .unsupportedColumnType(column: "tags", type: .list(Field(name: "element", id: 12, type: .string))))
        #expect(failure("sc_status = NULL")?.kind == .comparisonWithNull(column: "sc_status"))
        let open = try #require(failure("(sc_status = 1"))
        #expect(open.kind == .syntax(expected: "')'") && open.position == 15 && open.token.isEmpty)
        let trailing = try #require(failure("sc_status = 1 sc_bytes = 2"))
        #expect(trailing.position == 15 && trailing.token == "sc_bytes")
        #expect(failure("cs_uri_stem = 'unterminated")?.token == "'unterminated")
        #expect(failure("sc_status = 1 ; drop")?.token == ";")
        #expect(failure("")?.kind == .syntax(expected: "a predicate"))
        #expect(failure("sc_status IN ()") != nil)
        #expect(failure("sc_status IS 5") != nil)
        #expect(failure(String(repeating: "(", count: 10_000) + "sc_status = 1" + String(repeating: ")", count: 10_000)) != nil)
        #expect(String(describing: unknown).contains("position 19"))
    }

    @Test func startsWithPrunesByBoundsAndMatchesRows() throws {
        let p = ColumnPredicate.startsWith("s", Array("/img/".utf8))
        func bounds(_ lo: String, _ hi: String) -> (String) -> ColumnBounds? {
            { _ in ColumnBounds(lower: Self.s(lo), upper: Self.s(hi), nullCount: 0, valueCount: 10, type: .string) }
        }
        #expect(p.mightMatch(bounds("/a", "/z")))
        #expect(p.mightMatch(bounds("/img/a", "/img/b")))
        #expect(p.mightMatch(bounds("/img", "/imh")))
        #expect(!p.mightMatch(bounds("/a", "/img")))  // every value sorts before "/img/"
        #expect(!p.mightMatch(bounds("/imh", "/z")))  // every value sorts after any "/img/…"
        #expect(p.mightMatch(bounds("/img/zzzz", "/z")))
        let schema = try Schema(fields: [Field(name: "s", id: 1, type: .string)])
        let batch = try RecordBatch(schema: schema, columns: [.binary(BinaryColumn(["/img/a.png", "/im", nil, "/img/", "x/img/"]))])
        #expect((0..<5).map { p.evaluate(batch, $0) } == [true, false, nil, true, false])
    }

    @Test("a predicate prints as SQL-like text with parentheses only where needed, and that text parses back to it")
    func descriptionReadsBack() throws {
        let p = ColumnPredicate.and(.greaterThanOrEqual("sc_status", .int32(500)),
                                    .or(.equal("cs_method", Self.s("GET")), .not(.isNull("Mixed Case"))))
        #expect(p.description == #"sc_status >= 500 AND (cs_method = 'GET' OR NOT "Mixed Case" IS NULL)"#)
        #expect(ColumnPredicate.startsWith("cs_uri_stem", Array("/it's".utf8)).description == "cs_uri_stem LIKE '/it''s%'")
        #expect(ColumnPredicate.equal("cs_uri_stem", .binary([0xFF, 0x01])).description == "cs_uri_stem = X'FF01'")
        for text in ["sc_status >= 500 AND cs_method = 'GET'", "sc_status = 1 OR sc_status = 2 AND NOT sc_bytes < 3",
                     "(sc_status = 1 OR sc_status = 2) AND sc_bytes <> 3", "cs_uri_stem LIKE '/a''b%' OR cs_method IN ('GET', 'PUT')",
                     "NOT (sc_status IS NULL OR sc_bytes IS NOT NULL)", "\"Mixed Case\" > 4 AND time_taken <= 1.5"] {
            let parsed = try parse(text)
            #expect(try parse(parsed.description) == parsed, "\(text) printed as \(parsed.description)")
        }
    }
}
