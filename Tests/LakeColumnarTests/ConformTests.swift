import LakeColumnar
import LakeTestSupport
import Testing

@Suite("Conforming batches to a table's schema")
struct ConformTests {
    /// A parser-shaped batch: dictionary-encoded text, plain text, and a number, in its own order.
    func parsed(rows: Int, nullEdges: Bool = true) throws -> RecordBatch {
        var edges = DictionaryColumnBuilder()
        var paths = BinaryColumnBuilder()
        var bytes = PrimitiveColumnBuilder<Int64>()
        for i in 0..<rows {
            edges.append(nullEdges && i % 7 == 0 ? nil : ["FRA50-C1", "IAD89-P2", "NRT57-C3"][i % 3])
            paths.append("/p/\(i % 11)")
            bytes.append(Int64(i * 100))
        }
        return try RecordBatch(schema: Schema(fields: [
            Field(name: "sc_bytes", id: 4, type: .int64),
            Field(name: "x_edge_location", id: 3, type: .dictionaryString),
            Field(name: "cs_uri_stem", id: 8, type: .string),
        ]), columns: [.int64(bytes.finish()), .dictionary(edges.finish()), .binary(paths.finish())])
    }

    func tableSchema() throws -> Schema {
        try Schema(fields: [
            Field(name: "x_edge_location", id: 10, type: .string, metadata: ["doc": "edge"]),
            Field(name: "sc_bytes", id: 11, type: .int64),
        ])
    }

    @Test("columns are picked by name in the table's order; dictionary text stays encoded; values unchanged")
    func picksByName() throws {
        let batch = try parsed(rows: 50)
        let table = try tableSchema()
        let conformed = try batch.conformed(to: table)
        #expect(conformed.schema.fields.map(\.name) == ["x_edge_location", "sc_bytes"])
        #expect(conformed.schema.fields.map(\.id) == [10, 11], "ids come from the table")
        #expect(conformed.schema.fields[0].metadata == ["doc": "edge"])
        #expect(conformed.schema.fields[0].type == .dictionaryString)
        guard case .dictionary = conformed.columns[0] else { Issue.record("dictionary was decoded"); return }
        #expect(conformed.schema.holdsSameValues(as: table))
        #expect(!batch.schema.holdsSameValues(as: table))
        for r in 0..<batch.rowCount {
            #expect(conformed.columns[0].scalar(at: r) == batch.columns[1].scalar(at: r))
            #expect(conformed.columns[1].scalar(at: r) == batch.columns[0].scalar(at: r))
        }
    }

    @Test("a missing column, another type or nulls in a required field are errors naming the field")
    func rejects() throws {
        let batch = try parsed(rows: 20)
        let missing = try Schema(fields: [Field(name: "c_ip", id: 1, type: .string)])
        #expect(throws: ColumnarError(.unknownField("c_ip"))) { try batch.conformed(to: missing) }
        let wrongType = try Schema(fields: [Field(name: "sc_bytes", id: 1, type: .int32)])
        #expect(throws: ColumnarError(.typeMismatch(expected: .int32, actual: "int64"), field: "sc_bytes")) {
            try batch.conformed(to: wrongType)
        }
        let required = try Schema(fields: [Field(name: "x_edge_location", id: 1, type: .string, isNullable: false)])
        #expect(throws: ColumnarError(.unexpectedNulls(count: 3), field: "x_edge_location")) { try batch.conformed(to: required) }
        // Without nulls a required field conforms.
        #expect(try parsed(rows: 20, nullEdges: false).conformed(to: required).rowCount == 20)
    }

    @Test("text is the same values plain or dictionary-encoded, at any depth; nothing else is")
    func sameValues() {
        let plain = Field(name: "s", id: 1, type: .string)
        let encoded = Field(name: "s", id: 1, type: .dictionaryString)
        #expect(plain.holdsSameValues(as: encoded) && encoded.holdsSameValues(as: plain))
        #expect(DataType.structure([plain]).holdsSameValues(as: .structure([encoded])))
        #expect(DataType.list(plain).holdsSameValues(as: .list(encoded)))
        #expect(DataType.map(key: plain, value: encoded).holdsSameValues(as: .map(key: encoded, value: plain)))
        #expect(!DataType.string.holdsSameValues(as: .binary), "binary is not text")
        #expect(!DataType.structure([plain]).holdsSameValues(as: .structure([plain, plain])))
        #expect(!plain.holdsSameValues(as: Field(name: "s", id: 2, type: .string)), "ids differ")
        #expect(!plain.holdsSameValues(as: Field(name: "t", id: 1, type: .string)), "names differ")
        #expect(!plain.holdsSameValues(as: Field(name: "s", id: 1, type: .string, isNullable: false)))
    }
}
