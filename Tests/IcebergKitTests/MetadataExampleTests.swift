import IcebergKit
import Testing

/// Metadata documents of the shapes apache/iceberg's parser tests use (valid v1, v2 and v3
/// tables, minimal ones, ones with statistics; and each field whose absence Java rejects),
/// written here, with Java `TableMetadataParser`'s verdict on each.
enum MetadataExamples {
    static let schemaV2 = """
        {"type": "struct", "schema-id": 0, "fields": [
          {"id": 1, "name": "x", "required": true, "type": "long"}]},
        {"type": "struct", "schema-id": 1, "identifier-field-ids": [1, 2], "fields": [
          {"id": 1, "name": "x", "required": true, "type": "long"},
          {"id": 2, "name": "y", "required": true, "type": "long", "doc": "comment"},
          {"id": 3, "name": "z", "required": true, "type": "long"}]}
        """

    /// A v2 table with two schemas, a partition spec, a sort order, two snapshots, refs and logs;
    /// `omit` drops top-level keys, `extra` adds some.
    static func v2(omit: Set<String> = [], replace: [String: String] = [:], extra: String = "") -> String {
        var fields: [(String, String)] = [
            ("format-version", "2"),
            ("table-uuid", "\"6d6e4ad5-77a5-4a29-b58f-2e1b7d6f1a10\""),
            ("location", "\"s3://bucket/test/location\""),
            ("last-sequence-number", "34"),
            ("last-updated-ms", "1602638573590"),
            ("last-column-id", "3"),
            ("current-schema-id", "1"),
            ("schemas", "[\(schemaV2)]"),
            ("default-spec-id", "0"),
            ("partition-specs", """
                [{"spec-id": 0, "fields": [{"name": "x", "transform": "identity", "source-id": 1, "field-id": 1000}]}]
                """),
            ("last-partition-id", "1000"),
            ("default-sort-order-id", "3"),
            ("sort-orders", """
                [{"order-id": 3, "fields": [
                  {"transform": "identity", "source-id": 2, "direction": "asc", "null-order": "nulls-first"},
                  {"transform": "bucket[4]", "source-id": 3, "direction": "desc", "null-order": "nulls-last"}]}]
                """),
            ("properties", "{\"owner\": \"tests\"}"),
            ("current-snapshot-id", "3055729675574597004"),
            ("refs", "{\"main\": {\"snapshot-id\": 3055729675574597004, \"type\": \"branch\"}, \"audit\": {\"snapshot-id\": 3051729675574597004, \"type\": \"tag\", \"max-ref-age-ms\": 86400000}}"),
            ("snapshots", """
                [{"snapshot-id": 3051729675574597004, "timestamp-ms": 1515100955770, "sequence-number": 0,
                  "summary": {"operation": "append"}, "manifest-list": "s3://a/b/1.avro"},
                 {"snapshot-id": 3055729675574597004, "parent-snapshot-id": 3051729675574597004, "timestamp-ms": 1555100955770,
                  "sequence-number": 1, "summary": {"operation": "append"}, "manifest-list": "s3://a/b/2.avro", "schema-id": 1}]
                """),
            ("snapshot-log", "[{\"snapshot-id\": 3051729675574597004, \"timestamp-ms\": 1515100955770}, {\"snapshot-id\": 3055729675574597004, \"timestamp-ms\": 1555100955770}]"),
            ("metadata-log", "[{\"metadata-file\": \"s3://a/b/00000-x.metadata.json\", \"timestamp-ms\": 1515100955770}]"),
        ]
        fields = fields.filter { !omit.contains($0.0) }.map { ($0.0, replace[$0.0] ?? $0.1) }
        var body = fields.map { "\"\($0.0)\": \($0.1)" }.joined(separator: ",\n")
        if !extra.isEmpty { body += ",\n" + extra }
        return "{\n" + body + "\n}"
    }

    /// A v1 table in the old layout: a single `schema` and `partition-spec`, no sort orders,
    /// no sequence numbers, `current-snapshot-id` -1.
    static func v1(schema: String = "{\"type\": \"struct\", \"fields\": [{\"id\": 1, \"name\": \"x\", \"required\": true, \"type\": \"long\"}, {\"id\": 2, \"name\": \"y\", \"required\": false, \"type\": \"string\"}]}",
                   uuid: Bool = true) -> String {
        """
        {"format-version": 1, \(uuid ? "\"table-uuid\": \"d20125c8-7284-442c-9aea-15fee620737c\"," : "")
         "location": "s3://bucket/test/location", "last-updated-ms": 1602638573874, "last-column-id": 2,
         "schema": \(schema),
         "partition-spec": [{"name": "x", "transform": "identity", "source-id": 1, "field-id": 1000}],
         "properties": {}, "current-snapshot-id": -1, "snapshots": []}
        """
    }

    /// A minimal v3 table: row lineage's `next-row-id`, field defaults.
    static func v3(omit: Set<String> = []) -> String {
        let fields: [(String, String)] = [
            ("format-version", "3"), ("table-uuid", "\"9c12d441-03fe-4693-9a96-a0705ddf69c1\""),
            ("location", "\"s3://bucket/test/location\""), ("last-sequence-number", "34"),
            ("last-updated-ms", "1602638573590"), ("last-column-id", "2"), ("next-row-id", "0"), ("current-schema-id", "0"),
            ("schemas", """
                [{"type": "struct", "schema-id": 0, "fields": [
                  {"id": 1, "name": "x", "required": true, "type": "long", "initial-default": 1, "write-default": 1},
                  {"id": 2, "name": "y", "required": true, "type": "long"}]}]
                """),
            ("default-spec-id", "0"),
            ("partition-specs", "[{\"spec-id\": 0, \"fields\": [{\"name\": \"x\", \"transform\": \"identity\", \"source-id\": 1, \"field-id\": 1000}]}]"),
            ("last-partition-id", "1000"), ("default-sort-order-id", "0"), ("sort-orders", "[{\"order-id\": 0, \"fields\": []}]"),
        ]
        return "{" + fields.filter { !omit.contains($0.0) }.map { "\"\($0.0)\": \($0.1)" }.joined(separator: ", ") + "}"
    }

    static let statistics = """
        "statistics": [{"snapshot-id": 3055729675574597004, "statistics-path": "s3://a/b/stats.puffin", "file-size-in-bytes": 413,
          "file-footer-size-in-bytes": 42, "blob-metadata": [{"type": "ndv", "snapshot-id": 3055729675574597004,
          "sequence-number": 1, "fields": [1]}]}],
        "partition-statistics": [{"snapshot-id": 3055729675574597004, "statistics-path": "s3://a/b/partition-stats.parquet",
          "file-size-in-bytes": 43}]
        """

    /// (name, document, nil if Java accepts it, else a phrase of the reason).
    static let cases: [(String, String, String?)] = [
        ("v2 valid", v2(), nil),
        ("v2 minimal (no snapshots, refs, logs or properties)",
         v2(omit: ["properties", "current-snapshot-id", "refs", "snapshots", "snapshot-log", "metadata-log"]), nil),
        ("v2 with statistics files", v2(extra: statistics), nil),
        ("v1 valid (old single schema and spec)", v1(), nil),
        ("v1 without a table UUID", v1(uuid: false), nil),
        ("v3 minimal", v3(), nil),
        ("unsupported version", v2(replace: ["format-version": "9"]), "unsupported format-version"),
        ("v1 schema without its type", v1(schema: "{\"fields\": [{\"id\": 1, \"name\": \"x\", \"required\": true, \"type\": \"long\"}]}"), "unknown type"),
        ("v2 current schema not found", v2(replace: ["current-schema-id": "2"]), "current-schema-id 2 not in schemas"),
        ("v2 missing schemas", v2(omit: ["schemas"]), "missing 'schemas'"),
        ("v2 missing partition specs", v2(omit: ["partition-specs"]), "missing 'partition-specs'"),
        ("v2 missing last partition id", v2(omit: ["last-partition-id"]), "missing 'last-partition-id'"),
        ("v2 missing sort orders", v2(omit: ["sort-orders"]), "missing 'sort-orders'"),
        ("v2 missing table UUID", v2(omit: ["table-uuid"]), "table-uuid"),
        ("v2 missing last sequence number", v2(omit: ["last-sequence-number"]), "last-sequence-number"),
        ("v2 snapshot beyond the last sequence number", v2(replace: ["last-sequence-number": "0"]), "above last-sequence-number"),
        ("v2 main branch not the current snapshot", v2(replace: ["current-snapshot-id": "3051729675574597004"]), "refs.main"),
        ("v3 missing next row id", v3(omit: ["next-row-id"]), "next-row-id"),
        ("v3 missing schemas", v3(omit: ["schemas"]), "missing 'schemas'"),
        ("v3 missing partition specs", v3(omit: ["partition-specs"]), "missing 'partition-specs'"),
        ("v3 missing last partition id", v3(omit: ["last-partition-id"]), "missing 'last-partition-id'"),
        ("v3 missing sort orders", v3(omit: ["sort-orders"]), "missing 'sort-orders'"),
    ]
}

@Suite("Iceberg metadata documents as Java judges them")
struct MetadataExampleTests {
    @Test("accepted and rejected as Java's TableMetadataParser does", arguments: MetadataExamples.cases.map(\.0))
    func verdict(name: String) throws {
        guard let (_, text, reason) = MetadataExamples.cases.first(where: { $0.0 == name }) else { return }
        if let reason {
            do {
                _ = try TableMetadata(jsonText: text)
                Issue.record("\(name): accepted, Java rejects it")
            } catch {
                #expect(error.description.contains(reason), "\(name): \(error)")
            }
        } else {
            let metadata = try TableMetadata(jsonText: text)
            // What was read is written back and reads the same (v1 keeps its missing UUID missing).
            #expect(try TableMetadata(jsonText: metadata.jsonText) == metadata, "\(name)")
        }
    }

    @Test("the valid documents read to the values they hold")
    func values() throws {
        let v2 = try TableMetadata(jsonText: MetadataExamples.v2(extra: MetadataExamples.statistics))
        #expect(v2.currentSchema?.fields.map(\.name) == ["x", "y", "z"])
        #expect(v2.snapshots.count == 2 && v2.currentSnapshot?.parentSnapshotID == 3051729675574597004)
        #expect(v2.refs["audit"]?.isBranch == false && v2.refs["audit"]?.maxRefAgeMs == 86_400_000)
        #expect(v2.sortOrders.first?.orderID == 3 && v2.defaultSortOrderID == 3)
        #expect(v2.statisticsJSON.map(\.key) == ["statistics", "partition-statistics"], "statistics survive a rewrite")
        #expect(try TableMetadata(jsonText: v2.jsonText).statisticsJSON.map(\.key) == ["statistics", "partition-statistics"])

        let v1 = try TableMetadata(jsonText: MetadataExamples.v1(uuid: false))
        #expect(v1.formatVersion == 1 && v1.tableUUID.isEmpty && v1.currentSnapshotID == nil)
        #expect(v1.defaultSpec?.fields.first?.fieldID == 1000 && v1.lastPartitionID == 1000)
        #expect(v1.lastSequenceNumber == 0 && v1.sortOrders == [.unsorted])
        #expect(!v1.jsonText.contains("table-uuid"))

        let v3 = try TableMetadata(jsonText: MetadataExamples.v3())
        #expect(v3.formatVersion == 3 && v3.nextRowID == 0)
    }
}
