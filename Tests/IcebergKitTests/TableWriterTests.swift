import Foundation
import IcebergKit
import LakeColumnar
import LakeTestSupport
import ParquetWriter
import Testing

/// Writes `batch` into data files of `table` (not committed).
func writeFiles(_ table: Table, _ batch: RecordBatch, targetFileSize: Int64 = 128 << 20) async throws -> [DataFile] {
    let writer = try TableWriter(table: table, targetFileSize: targetFileSize)
    try await writer.write(batch)
    return try await writer.close()
}

/// Commits data files written elsewhere to `table` as one append snapshot; returns the table as committed.
@discardableResult
func commitFiles(_ table: Table, _ files: [DataFile]) async throws -> Table {
    let append = try table.newAppend()
    for f in files { try append.appendFile(f) }
    return try await append.commit()
}

/// Files under the table's data directory, as paths: data files, and any temporary file a
/// writer left behind.
func dataFilesOnDisk(_ metadata: TableMetadata) -> [String] {
    let root = LocalFileIOPath.strip(metadata.location) + "/data"
    guard let walker = FileManager.default.enumerator(atPath: root) else { return [] }
    var files: [String] = []
    while let name = walker.nextObject() as? String {
        if walker.fileAttributes?[.type] as? FileAttributeType == .typeRegular { files.append(name) }
    }
    return files.sorted()
}

@Suite("Iceberg table writer")
struct TableWriterTests {
    @Test("rows go to their partition's file; every file holds only its partition; nothing is lost")
    func routing() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let (catalog, id) = try await makeEventsTable(in: directory)
        let table = try await catalog.loadTable(id)
        let batch = try eventBatch(0..<3000)
        let writer = try TableWriter(table: table)
        // Several batches, one partition and mixed ones.
        try await writer.write(batch.slice(0..<1))
        try await writer.write(batch.slice(1..<2000))
        try await writer.write(batch.slice(2000..<3000))
        let files = try await writer.close()
        #expect(files.count == 3, "one file per day")
        #expect(files.reduce(0) { $0 + $1.recordCount } == 3000)
        for file in files {
            let reader = try ParquetReader(path: LocalFileIOPath.strip(file.filePath))
            var days = Set<Int32>()
            var it = try reader.batches(columns: .names(["day"]))
            while let b = try it.next() {
                guard case let .int32(c) = b.columns[0] else { continue }
                days.formUnion(c.optionals.compactMap { $0 })
            }
            #expect(days == Set(file.partition.compactMap { if case let .int32(d)? = $0 { return d } else { return nil } }))
        }
        // Committed, the table reads back every row.
        let next = try await commitFiles(table, files)
        #expect(rows(try await next.scan().readAll()) == rows([batch]))
    }

    @Test("files roll over at the target size; no file grows far past it")
    func rolling() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let (catalog, id) = try await makeEventsTable(in: directory)
        let metadata = try await catalog.loadTable(id).metadata
        var properties = WriterProperties()
        properties.rowGroupRows = 2000
        properties.codec = .uncompressed
        let writer = try TableWriter(metadata: metadata, io: LocalFileIO(), properties: properties, targetFileSize: 40_000)
        for start in stride(from: 0, to: 60_000, by: 1000) { try await writer.write(try eventBatch(start..<(start + 1000))) }
        let files = try await writer.close()
        #expect(files.reduce(0) { $0 + $1.recordCount } == 60_000)
        #expect(files.count >= 6, "\(files.count) files for 3 days")
        // Closed once past the target: at most one batch's share (about 333 rows) beyond it.
        #expect(files.allSatisfy { $0.fileSizeInBytes < 40_000 + 12_000 }, "\(files.map(\.fileSizeInBytes))")
        #expect(Set(files.map(\.filePath)).count == files.count)
    }

    @Test("row groups follow write.parquet.row-group-size-bytes; without it they are at most 16 MiB, whatever was asked")
    func rowGroupSize() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let (catalog, id) = try await makeEventsTable(in: directory)
        var asked = WriterProperties()
        asked.rowGroupBytes = 1 << 30
        asked.rowGroupRows = nil
        let plain = try TableWriter(table: try await catalog.loadTable(id), properties: asked)
        #expect(plain.properties.rowGroupBytes == 16 << 20)
        // The table's property wins, and is what the files show: 20,000 rows in 24 KiB groups.
        let table = try await catalog.loadTable(id).setProperties(["write.parquet.row-group-size-bytes": "24576"])
        let writer = try TableWriter(table: table, properties: asked)
        #expect(writer.properties.rowGroupBytes == 24_576)
        for start in stride(from: 0, to: 20_000, by: 2_000) { try await writer.write(try eventBatch(start..<(start + 2_000))) }
        let files = try await writer.close()
        #expect(files.reduce(0) { $0 + $1.recordCount } == 20_000)
        for file in files {
            let reader = try ParquetReader(path: LocalFileIOPath.strip(file.filePath))
            #expect(reader.metadata.rowGroups.count > 1, "\(file.recordCount) rows in one row group")
        }
    }

    @Test("more partitions than open files: the oldest is closed, rows stay in their partitions")
    func manyPartitions() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let catalog = try SQLiteCatalog(path: directory.file("catalog.db"), warehouse: "file://" + directory.path)
        try await catalog.createNamespace("logs", properties: [:])
        let id = TableIdentifier(namespace: "logs", name: "by_status")
        let table = try await catalog.createTable(id, schema: eventSchema,
                                            spec: PartitionSpec(fields: [PartitionField(sourceID: 1, fieldID: 1000, name: "id_bucket",
                                                                                        transform: .bucket(12))]))
        let writer = try TableWriter(table: table, maximumOpenFiles: 3)
        for start in stride(from: 0, to: 1200, by: 100) { try await writer.write(try eventBatch(start..<(start + 100))) }
        let files = try await writer.close()
        #expect(files.reduce(0) { $0 + $1.recordCount } == 1200)
        #expect(Set(files.map(\.partition)).count == 12)
        let next = try await commitFiles(table, files)
        #expect(rows(try await next.scan().readAll()) == rows([try eventBatch(0..<1200)]))
        // Every file's rows hash to its bucket.
        for file in files {
            let reader = try ParquetReader(path: LocalFileIOPath.strip(file.filePath))
            var it = try reader.batches(columns: .names(["id"]))
            while let b = try it.next() {
                for r in 0..<b.rowCount {
                    let bucket = try Transform.bucket(12).apply(b.columns[0].scalar(at: r), type: .int64)
                    #expect(bucket == file.partition[0])
                }
            }
        }
    }

    @Test("an abandoned append or writer leaves no data files and no snapshot")
    func abandon() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let (catalog, id) = try await makeEventsTable(in: directory)
        let before = try await catalog.loadTable(id)
        do {
            let append = try await catalog.loadTable(id).newAppend()
            try await append.write(try eventBatch(0..<500))
            await append.abort()
            await #expect(throws: IcebergError.self) { try await append.commit() }
        }
        do {
            let writer = try TableWriter(table: before, targetFileSize: 2_000)
            for start in stride(from: 0, to: 3000, by: 500) { try await writer.write(try eventBatch(start..<(start + 500))) }
            // Released without close: deinit abandons it.
        }
        do {
            let append = try await catalog.loadTable(id).newAppend()
            try await append.write(try eventBatch(0..<500))
            // A batch of another schema fails with a typed error; the append then cleans up.
            let other = try RecordBatch(schema: Schema(fields: [Field(name: "x", id: 9, type: .int64)]),
                                        columns: [.int64(PrimitiveColumn<Int64>(values: [1]))])
            await #expect(throws: IcebergError.self) { try await append.write(other) }
        }
        // A writer released without close deletes its finished files in the background (see
        // TableWriter's deinit): give that deletion a bounded time to land.
        let deadline = ContinuousClock.now + .seconds(10)
        while !dataFilesOnDisk(before.metadata).isEmpty && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(dataFilesOnDisk(before.metadata).isEmpty)
        #expect(try await catalog.loadTable(id).metadataLocation == before.metadataLocation)
    }

    @Test("a streamed append commits one snapshot of every batch")
    func streamedAppend() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let (catalog, id) = try await makeEventsTable(in: directory)
        let append = try await catalog.loadTable(id).newAppend()
        for start in stride(from: 0, to: 5000, by: 250) { try await append.write(try eventBatch(start..<(start + 250))) }
        let table = try await append.commit()
        #expect(table.metadata.snapshots.count == 1)
        #expect(table.metadata.currentSnapshot?.summary["added-records"] == "5000")
        #expect(table.metadata.currentSnapshot?.summary["added-data-files"] == "3")
        #expect(rows(try await table.scan().readAll()) == rows([try eventBatch(0..<5000)]))
    }

    @Test("dictionary-encoded text is written as is: same partitions, metrics and rows as the decoded text")
    func dictionaryText() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let catalog = try SQLiteCatalog(path: directory.file("catalog.db"), warehouse: "file://" + directory.path)
        try await catalog.createNamespace("logs", properties: [:])
        let id = TableIdentifier(namespace: "logs", name: "hits")
        let schema = IcebergSchema(fields: [
            NestedField(id: 1, name: "id", required: true, type: .long),
            NestedField(id: 2, name: "edge", required: false, type: .string),
            NestedField(id: 3, name: "path", required: false, type: .string),
        ])
        let table = try await catalog.createTable(id, schema: schema,
                                                  spec: PartitionSpec(fields: [PartitionField(sourceID: 2, fieldID: 1000, name: "edge", transform: .identity)]))
        // As a parser hands them out: text dictionary-encoded, columns in another order.
        var edges = DictionaryColumnBuilder(), paths = DictionaryColumnBuilder()
        var ids = PrimitiveColumnBuilder<Int64>()
        for i in 0..<2000 {
            edges.append(i % 13 == 0 ? nil : ["FRA50-C1", "IAD89-P2", "NRT57-C3", "GRU3-C1"][i % 4])
            paths.append(i % 17 == 0 ? nil : "/a/\(i % 29)/é")
            ids.append(Int64(i))
        }
        let parsed = try RecordBatch(schema: Schema(fields: [
            Field(name: "path", id: 30, type: .dictionaryString),
            Field(name: "id", id: 10, type: .int64, isNullable: false),
            Field(name: "edge", id: 20, type: .dictionaryString),
        ]), columns: [.dictionary(paths.finish()), .int64(ids.finish()), .dictionary(edges.finish())])
        let tableSchema = try schema.columnarSchema()
        let encoded = try parsed.conformed(to: tableSchema)
        guard case .dictionary = encoded.columns[1] else { Issue.record("conformed decoded the dictionary"); return }
        let decoded = try RecordBatch(schema: tableSchema, columns: encoded.columns.map { c in
            if case let .dictionary(d) = c { return .binary(d.decoded()) }
            return c
        })
        func key(_ f: DataFile) -> String { "\(f.partition)" }
        let fromEncoded = try await writeFiles(table, encoded).sorted { key($0) < key($1) }
        let fromDecoded = try await writeFiles(table, decoded).sorted { key($0) < key($1) }
        #expect(fromEncoded.count == 5, "four edges and null")
        #expect(fromEncoded.map(\.partition) == fromDecoded.map(\.partition))
        for (a, b) in zip(fromEncoded, fromDecoded) {
            #expect(a.recordCount == b.recordCount)
            #expect(a.valueCounts == b.valueCounts)
            #expect(a.nullValueCounts == b.nullValueCounts)
            #expect(a.lowerBounds == b.lowerBounds)
            #expect(a.upperBounds == b.upperBounds)
        }
        let next = try await commitFiles(try await catalog.loadTable(id), fromEncoded)
        #expect(rows(try await next.scan().readAll()) == rows([decoded]))
    }

    @Test("a recorded source commits once: a second append of it fails validation and leaves nothing behind")
    func recordedSource() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let (catalog, id) = try await makeEventsTable(in: directory)
        let first = try await catalog.loadTable(id).newAppend()
        let racing = try await catalog.loadTable(id).newAppend()
        for append in [first, racing] {
            append.recordSource("bronze/a.gz")
            append.setSummaryProperty("added-records", "999")  // computed keys win
            try await append.write(try eventBatch(0..<40))
        }
        let committed = try await first.commit()
        #expect(committed.metadata.currentSnapshot?.summary["lakehouse.source"] == "bronze/a.gz")
        #expect(committed.metadata.currentSnapshot?.summary["added-records"] == "40")
        #expect(committed.metadata.hasCommitted(source: "bronze/a.gz"))
        #expect(!committed.metadata.hasCommitted(source: "bronze/b.gz"))
        // The racing append started from the empty table; its check runs on the newest metadata.
        await #expect(throws: IcebergError(.validationFailed("bronze/a.gz is already in \(id)"))) { try await racing.commit() }
        #expect(dataFilesOnDisk(committed.metadata).count == 3, "the failed append's files are deleted")
        #expect(try await catalog.loadTable(id).metadataLocation == committed.metadataLocation)
        // Other sources still append; the history remembers every source.
        let next = try await catalog.loadTable(id).newAppend()
        next.recordSource("bronze/b.gz")
        try await next.write(try eventBatch(40..<50))
        let table = try await next.commit()
        #expect(table.metadata.committedSources() == ["bronze/a.gz", "bronze/b.gz"])
        #expect(table.metadata.currentAncestry.map(\.snapshotID) == table.metadata.snapshots.reversed().map(\.snapshotID))
        #expect(rows(try await table.scan().readAll()) == rows([try eventBatch(0..<50)]))
    }
}

@Suite("Decimal partitions")
struct DecimalPartitionTests {
    static let schema = IcebergSchema(fields: [
        NestedField(id: 1, name: "id", required: true, type: .long),
        NestedField(id: 2, name: "amount", required: false, type: .decimal(precision: 9, scale: 2)),
        NestedField(id: 3, name: "wide", required: false, type: .decimal(precision: 38, scale: 10)),
    ])
    static let amounts: [Int128?] = [1234, -50, nil, 0, 99_999_999]
    static let wides: [Int128?] = [Int128(10).power(37) + 7, -Int128(10).power(30), nil]

    static func batch(_ range: Range<Int>) throws -> RecordBatch {
        try RecordBatch(schema: schema.columnarSchema(), columns: [
            .int64(PrimitiveColumn<Int64>(values: range.map(Int64.init))),
            .decimal128(PrimitiveColumn<Int128>(range.map { amounts[$0 % amounts.count] })),
            .decimal128(PrimitiveColumn<Int128>(range.map { wides[$0 % wides.count] })),
        ])
    }

    @Test("identity partitions on decimals: Avro fixed of the precision's size; values read back by us, fastavro and pyiceberg")
    func decimalPartitions() async throws {
        #expect(ManifestCodec.decimalSize(precision: 9) == 4)
        #expect(ManifestCodec.decimalSize(precision: 18) == 8)
        #expect(ManifestCodec.decimalSize(precision: 19) == 9)
        #expect(ManifestCodec.decimalSize(precision: 38) == 16)
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let catalog = try SQLiteCatalog(path: directory.file("catalog.db"), warehouse: "file://" + directory.path)
        try await catalog.createNamespace("ns", properties: [:])
        let id = TableIdentifier(namespace: "ns", name: "money")
        _ = try await catalog.createTable(id, schema: Self.schema, spec: PartitionSpec(fields: [
            PartitionField(sourceID: 2, fieldID: 1000, name: "amount", transform: .identity),
            PartitionField(sourceID: 3, fieldID: 1001, name: "wide", transform: .identity),
        ]))
        let table = try await catalog.loadTable(id).append([try Self.batch(0..<60)])
        let files = try await table.scan().planFiles().map(\.file)
        #expect(files.count == 15)
        #expect(Set(files.map { $0.partition[0] }) == Set(Self.amounts.map { $0.map(Scalar.decimal128) }))
        #expect(files.allSatisfy { $0.recordCount == 4 })
        #expect(rows(try await table.scan().readAll()) == rows([try Self.batch(0..<60)]))
        #expect(files.contains { $0.filePath.contains("/amount=12.34/") } && files.contains { $0.filePath.contains("/amount=-0.50/") })
        guard Interop.enabled else { return }
        let out = try Interop.runText("""
            import sys, json, fastavro
            from pyiceberg.catalog.sql import SqlCatalog
            wh = sys.argv[1]
            cat = SqlCatalog("default", uri=f"sqlite:///{wh}/catalog.db", warehouse=f"file://{wh}")
            t = cat.load_table("ns.money")
            rows = sorted(((r["id"], None if r["amount"] is None else str(r["amount"]), None if r["wide"] is None else str(r["wide"]))
                           for r in t.scan().to_arrow().to_pylist()), key=lambda r: r[0])
            lst = t.current_snapshot().manifest_list
            with open(lst.replace("file://", ""), "rb") as f:
                manifest = list(fastavro.reader(f))[0]["manifest_path"]
            with open(manifest.replace("file://", ""), "rb") as f:
                r = fastavro.reader(f)
                entries = list(r)
                partition = [fld for fld in r.writer_schema["fields"] if fld["name"] == "data_file"][0]["type"]["fields"]
                partition = [fld for fld in partition if fld["name"] == "partition"][0]["type"]["fields"]
            types = [[b for b in fld["type"] if b != "null"][0] for fld in partition]
            values = [[None if e["data_file"]["partition"]["amount"] is None else str(e["data_file"]["partition"]["amount"]),
                       None if e["data_file"]["partition"]["wide"] is None else str(e["data_file"]["partition"]["wide"])]
                      for e in entries]
            print(json.dumps({"rows": rows, "types": [[t["type"], t["size"], t["logicalType"], t["precision"], t["scale"]] for t in types],
                              "values": values}))
            """, arguments: [directory.path])
        let info = try #require(try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any])
        let types = try #require(info["types"] as? [[Any]])
        #expect(types.map { "\($0[0]) \($0[1]) \($0[2]) \($0[3]) \($0[4])" } == ["fixed 4 decimal 9 2", "fixed 16 decimal 38 10"])
        func text(_ v: Int128?, scale: Int) -> String? {
            guard let v else { return nil }
            let negative = v < 0
            var digits = String(negative ? -v : v)
            if digits.count <= scale { digits = String(repeating: "0", count: scale - digits.count + 1) + digits }
            digits.insert(".", at: digits.index(digits.endIndex, offsetBy: -scale))
            return (negative ? "-" : "") + digits
        }
        let expectedValues = files.map { f -> [String?] in
            [f.partition[0].flatMap { if case let .decimal128(v) = $0 { return text(v, scale: 2) } else { return nil } },
             f.partition[1].flatMap { if case let .decimal128(v) = $0 { return text(v, scale: 10) } else { return nil } }]
        }
        let values = try #require(info["values"] as? [[Any]]).map { $0.map { $0 as? String } }
        #expect(Set(values.map { "\($0)" }) == Set(expectedValues.map { "\($0)" }), "fastavro decodes the partition decimals")
        let theirRows = try #require(info["rows"] as? [[Any]]).map { row in
            "\(row[0] as? Int ?? -1) \(row[1] as? String ?? "null") \(row[2] as? String ?? "null")"
        }
        let ours = (0..<60).map { i in
            "\(i) \(text(Self.amounts[i % Self.amounts.count], scale: 2) ?? "null") \(text(Self.wides[i % Self.wides.count], scale: 10) ?? "null")"
        }
        #expect(theirRows == ours, "pyiceberg reads every decimal")
    }
}

extension Int128 {
    func power(_ n: Int) -> Int128 { (0..<n).reduce(1) { acc, _ in acc * self } }
}
