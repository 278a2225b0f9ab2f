import Benchmark
import CloudFrontLogs
import IcebergKit
import LakeColumnar

/// A local warehouse with a day-partitioned table of the 33 standard columns (the shape the
/// peers' table has in `Benchmarks/run.sh`).
struct BenchWarehouse {
    let scratch: ScratchDirectory
    let table = TableIdentifier(namespace: "bench", name: "events")
    /// 100 rows of the log, in the table's schema.
    let rows: RecordBatch

    init(_ name: String) async throws {
        scratch = ScratchDirectory(name)
        let catalog = try SQLiteCatalog(path: scratch.file("catalog.db"), warehouse: "file://" + scratch.path)
        try await catalog.createNamespace("bench")
        let schema = IcebergSchema(columnar: Corpus.standard.schema)
        _ = try await catalog.createTable(table, schema: schema,
                                          spec: PartitionSpec(fields: [PartitionField(sourceID: 1, fieldID: 1000, name: "date_day", transform: .day)]),
                                          sortOrder: .unsorted, properties: [:])
        rows = try Corpus.standard.batches[0].slice(0..<100).conformed(to: schema.columnarSchema())
    }

    /// A catalog object with nothing cached: what a new process or Lambda invocation starts from.
    func openCatalog() throws -> SQLiteCatalog {
        try SQLiteCatalog(path: scratch.file("catalog.db"), warehouse: "file://" + scratch.path)
    }

    /// Appends and commits the 100 rows once: one data file, one manifest, one snapshot.
    func append(_ catalog: SQLiteCatalog) async throws {
        let append = try await catalog.loadTable(table).newAppend()
        try await append.write(rows)
        try await append.commit()
    }
}

/// Append + commit latency of a small batch, and cold file planning as manifests accumulate.
func icebergBenchmarks() {
    // Commit cost grows with the table's history (every commit rewrites the manifest list and
    // the metadata JSON), so the table starts over every 60 appends, untimed: the samples match
    // the side-by-side harness, which appends 60 times (Documentation/Performance.md).
    nonisolated(unsafe) var appendWarehouse: BenchWarehouse?
    nonisolated(unsafe) var appendCatalog: SQLiteCatalog?
    nonisolated(unsafe) var appended = 0
    asyncKernel("Iceberg append + commit of 100 rows (up to 60 snapshots)",
           configuration: .init(timeUnits: .microseconds, maxDuration: .seconds(3), maxIterations: Corpus.iterations(500))) { benchmark in
        if appended % 60 == 0 {
            appendWarehouse?.scratch.remove()
            let warehouse = try await BenchWarehouse("append")
            appendWarehouse = warehouse
            appendCatalog = try warehouse.openCatalog()
        }
        guard let appendWarehouse, let appendCatalog else { return }
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            try await appendWarehouse.append(appendCatalog)
            appended += 1
        }
    } teardown: {
        appendWarehouse?.scratch.remove()
    }

    for manifests in [1, 10, 60] {
        nonisolated(unsafe) var warehouse: BenchWarehouse?
        asyncKernel("Iceberg cold planning at \(manifests) manifests",
               configuration: .init(timeUnits: .microseconds, maxDuration: .seconds(3), maxIterations: Corpus.iterations(200))) { benchmark in
            guard let warehouse else { return }
            for _ in benchmark.scaledIterations {
                let catalog = try warehouse.openCatalog()
                let planned = try await catalog.loadTable(warehouse.table).scan().planFiles().count
                guard planned == manifests else { fatalError("planned \(planned) files at \(manifests) manifests") }
                blackHole(planned)
            }
        } setup: {
            let made = try await BenchWarehouse("plan\(manifests)")
            let catalog = try made.openCatalog()
            for _ in 0..<manifests { try await made.append(catalog) }
            warehouse = made
        } teardown: {
            warehouse?.scratch.remove()
        }
    }
}
