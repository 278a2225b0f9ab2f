import LakeColumnar

/// Merges sorted runs into one stream in their order (an external k-way merge), so compaction's
/// sort strategy writes files sorted as a whole, not only within a run.
///
/// The runs are data files each wholly sorted by the order (written by a ``TableWriter`` that
/// closes a file per sorted run, through the table's ``FileIO``: spilled where the table's data
/// lives, never committed, deleted once merged; a crash leaves them to orphan removal). The merge
/// reads every run as a stream of batches and repeatedly takes the smallest head row (ties to
/// the earlier run, so equal keys keep their order), handing the merged rows to `writer` a batch
/// at a time. Memory: one batch per run and one merged batch, whatever the runs' sizes.
struct SortedRunMerge {
    let table: Table
    let sorter: RowSorter
    /// Rows per batch read from each run: the runs' batches together hold about this many rows
    /// times the number of runs.
    let batchRows: Int

    private struct Head {
        var rows: ScanBatches.AsyncIterator
        var batch: RecordBatch
        var row = 0
        var key: [Scalar?]
    }

    /// Merges `runs` (files of `specID`, each sorted by ``sorter``) into `writer`.
    func merge(_ runs: [DataFile], specID: Int32, into writer: TableWriter) async throws(IcebergError) {
        var scan = table.scan()
        scan.batchSize = max(1, batchRows)
        var heads: [Head] = []
        for run in runs {
            let task = FileScanTask(file: run, specID: specID, dataSequenceNumber: 0, deletes: [])
            var rows = ScanBatches.AsyncIterator(scan: scan, tasks: [task])
            guard let batch = try await Self.nextNonEmpty(&rows) else { continue }
            heads.append(Head(rows: rows, batch: batch, key: try sorter.key(batch, row: 0)))
        }
        let fields = sorter.order.fields
        var picks: [(head: Int, row: Int)] = []
        picks.reserveCapacity(batchRows)
        while !heads.isEmpty {
            var best = 0
            for i in heads.indices.dropFirst() where RowSorter.precedes(heads[i].key, heads[best].key, fields) == true { best = i }
            picks.append((best, heads[best].row))
            heads[best].row += 1
            let exhausted = heads[best].row == heads[best].batch.rowCount
            // A run's batch is let go only after the rows taken from it are written.
            if exhausted || picks.count >= batchRows {
                try await writer.write(try gather(picks, heads))
                picks.removeAll(keepingCapacity: true)
            }
            if exhausted {
                if let next = try await Self.nextNonEmpty(&heads[best].rows) {
                    heads[best].batch = next
                    heads[best].row = 0
                } else {
                    heads.remove(at: best)
                    continue
                }
            }
            heads[best].key = try sorter.key(heads[best].batch, row: heads[best].row)
        }
        if !picks.isEmpty { try await writer.write(try gather(picks, heads)) }
    }

    private static func nextNonEmpty(_ rows: inout ScanBatches.AsyncIterator) async throws(IcebergError) -> RecordBatch? {
        while let batch = try await rows.next() {
            if batch.rowCount > 0 { return batch }
        }
        return nil
    }

    /// The picked rows, in pick order, as one batch.
    private func gather(_ picks: [(head: Int, row: Int)], _ heads: [Head]) throws(IcebergError) -> RecordBatch {
        let first = heads[picks[0].head]
        // Every row from one batch, in a row: a slice, no copy per value.
        if picks.allSatisfy({ $0.head == picks[0].head }) {
            let start = picks[0].row
            return first.batch.slice(start..<(start + picks.count))
        }
        // Typed, a pass per column (no Scalar per value).
        let refs = picks.map { RowGather.Ref(part: Int32($0.head), row: Int32($0.row)) }
        return try RowGather.gather(heads.map(\.batch), refs, schema: first.batch.schema)
    }
}
