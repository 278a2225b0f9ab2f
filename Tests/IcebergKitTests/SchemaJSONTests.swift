import Foundation
import IcebergKit
import LakeColumnar
import LakeTestSupport
import Testing

let nestedIcebergSchema = IcebergSchema(schemaID: 3, fields: [
    NestedField(id: 1, name: "id", required: true, type: .long),
    NestedField(id: 2, name: "ts", required: false, type: .timestamptz, doc: "request time"),
    NestedField(id: 3, name: "price", required: false, type: .decimal(precision: 12, scale: 2)),
    NestedField(id: 4, name: "tags", required: false, type: .list(elementID: 7, elementRequired: false, element: .string)),
    NestedField(id: 5, name: "attrs", required: false, type: .map(keyID: 8, key: .string, valueID: 9, valueRequired: true, value: .int)),
    NestedField(id: 6, name: "loc", required: false, type: .structure([
        NestedField(id: 10, name: "lat", required: true, type: .double), NestedField(id: 11, name: "raw", required: false, type: .fixed(4)),
        NestedField(id: 12, name: "u", required: false, type: .uuid), NestedField(id: 13, name: "t", required: false, type: .time),
        NestedField(id: 14, name: "d", required: false, type: .date), NestedField(id: 15, name: "b", required: false, type: .binary),
        NestedField(id: 16, name: "local", required: false, type: .timestamp), NestedField(id: 17, name: "f", required: false, type: .float),
        NestedField(id: 18, name: "ok", required: false, type: .boolean), NestedField(id: 19, name: "n", required: false, type: .int),
    ])),
], identifierFieldIDs: [1])

@Suite("Iceberg schema JSON")
struct SchemaJSONTests {
    @Test("round trip, ids and columnar view")
    func roundTrip() throws {
        let parsed = try IcebergSchema(jsonText: nestedIcebergSchema.jsonText)
        #expect(parsed == nestedIcebergSchema)
        #expect(parsed.highestFieldID == 19)
        #expect(parsed.field(id: 12)?.type == .uuid)
        let columnar = try parsed.columnarSchema()
        #expect(columnar.fields.map(\.id) == [1, 2, 3, 4, 5, 6])
        #expect(columnar.fields[1].type == .timestampMicroseconds(utc: true))
        #expect(!columnar.fields[0].isNullable)
        #expect(throws: IcebergError.self) {
            try IcebergSchema(jsonText: #"{"type":"struct","fields":[{"id":1,"name":"a","required":true,"type":"int"},{"id":1,"name":"b","required":true,"type":"int"}]}"#)
        }
        #expect(throws: IcebergError.self) { try IcebergSchema(jsonText: #"{"type":"struct","fields":[{"id":1,"name":"a","required":true,"type":"decimal(40,2)"}]}"#) }
        #expect(throws: IcebergError.self) { try IcebergSchema(jsonText: "{") }
    }

    @Test("pyiceberg parses our schema JSON to an equal schema, and we parse pyiceberg's", .enabled(if: Interop.enabled))
    func pyicebergAgrees() throws {
        let out = try Interop.runText("""
            import sys, json
            from pyiceberg.schema import Schema
            from pyiceberg.types import *
            ours = Schema.model_validate_json(sys.argv[1])
            theirs = Schema(
                NestedField(1, "id", LongType(), required=True),
                NestedField(2, "ts", TimestamptzType(), required=False, doc="request time"),
                NestedField(3, "price", DecimalType(12, 2), required=False),
                NestedField(4, "tags", ListType(7, StringType(), element_required=False), required=False),
                NestedField(5, "attrs", MapType(8, StringType(), 9, IntegerType(), value_required=True), required=False),
                NestedField(6, "loc", StructType(
                    NestedField(10, "lat", DoubleType(), required=True), NestedField(11, "raw", FixedType(4), required=False),
                    NestedField(12, "u", UUIDType(), required=False), NestedField(13, "t", TimeType(), required=False),
                    NestedField(14, "d", DateType(), required=False), NestedField(15, "b", BinaryType(), required=False),
                    NestedField(16, "local", TimestampType(), required=False), NestedField(17, "f", FloatType(), required=False),
                    NestedField(18, "ok", BooleanType(), required=False), NestedField(19, "n", IntegerType(), required=False)),
                    required=False),
                schema_id=3, identifier_field_ids=[1])
            print(json.dumps({"equal": ours == theirs, "theirs": theirs.model_dump_json()}))
            """, arguments: [nestedIcebergSchema.jsonText])
        let info = try #require(try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any])
        #expect(info["equal"] as? Bool == true, "pyiceberg reads our JSON as the same schema")
        let theirs = try IcebergSchema(jsonText: try #require(info["theirs"] as? String))
        #expect(theirs == nestedIcebergSchema, "we read pyiceberg's JSON as the same schema")
    }

    @Test("partition specs and sort orders round-trip and reject unknown transforms")
    func specs() throws {
        let spec = PartitionSpec(specID: 1, fields: [
            PartitionField(sourceID: 2, fieldID: 1000, name: "ts_day", transform: .day),
            PartitionField(sourceID: 1, fieldID: 1001, name: "id_bucket", transform: .bucket(16)),
        ])
        #expect(try PartitionSpec(json: spec.json) == spec)
        #expect(spec.lastAssignedFieldID == 1001 && PartitionSpec.unpartitioned.lastAssignedFieldID == 999)
        let order = SortOrder(orderID: 1, fields: [.init(sourceID: 2, transform: .identity, ascending: false, nullsFirst: false)])
        #expect(try SortOrder(json: order.json) == order)
        #expect(throws: IcebergError.self) {
            try PartitionSpec(json: .object([("spec-id", .integer(0)), ("fields", .array([.object([
                ("source-id", .integer(1)), ("field-id", .integer(1000)), ("name", .string("x")), ("transform", .string("zorder")),
            ])]))]))
        }
    }
}
