import LakeColumnar
import ParquetWriter

/// A Parquet file read through a ``FileIO``: the footer with one ranged read at the end, then
/// only the column chunks a projection needs, one row group at a time.
///
/// Decoding stays synchronous: the byte ranges of a row group are fetched (awaited) into a
/// ``ParquetFetchedRanges`` and the reader decodes from it; memory holds one row group's
/// projected chunks.
struct ParquetFileInput {
    let input: any InputFile
    let size: Int64
    let source: ParquetFetchedRanges
    let reader: ParquetReader

    /// Opens `location`: its length, then its footer.
    static func open(_ location: String, io: any FileIO, expectedSize: Int64? = nil,
                     nameMapping: NameMapping? = nil,
                     options: ParquetReadOptions = ParquetReadOptions()) async throws(IcebergError) -> ParquetFileInput {
        let input = expectedSize.map { $0 > 0 ? io.newInputFile(location, length: $0) : io.newInputFile(location) } ?? io.newInputFile(location)
        let size = try await input.length()
        if let expectedSize, expectedSize > 0, expectedSize != size {
            throw IcebergError(.invalidMetadata("file is \(size) bytes, its manifest says \(expectedSize)"), path: location)
        }
        guard size >= 12 else { throw IcebergError(.invalidMetadata("not a Parquet file (\(size) bytes)"), path: location) }
        var tailSize = Int(min(size, Int64(ParquetFooter.suggestedTailSize)))
        var tail = try await input.read(from: size - Int64(tailSize), count: tailSize)
        do {
            var parsed = try ParquetFooter.parse(tail: tail, fileSize: size, name: location)
            if case let .needsTail(count) = parsed {
                tailSize = count
                tail = try await input.read(from: size - Int64(count), count: count)
                parsed = try ParquetFooter.parse(tail: tail, fileSize: size, name: location)
            }
            guard case .complete(var metadata, let footerStart) = parsed else {
                throw IcebergError(.invalidMetadata("footer could not be read"), path: location)
            }
            // Columns are matched by field id: a file without ids (written by a tool that knows
            // no Iceberg) would be matched by the reader's assigned ids, which mean nothing.
            // Iceberg reads such files through the table's name mapping (schema.name-mapping.default).
            if !metadata.topLevelFieldsHaveIDs {
                guard let nameMapping else {
                    throw IcebergError(.unsupported("Parquet file without field ids, and the table has no name mapping (schema.name-mapping.default)"),
                                       path: location)
                }
                metadata.schema = nameMapping.applied(to: metadata.schema)
            }
            // Keep the tail: small files' chunks are often inside it already.
            let source = ParquetFetchedRanges(path: location, size: size, ranges: [(size - Int64(tailSize), tail)])
            _ = footerStart
            let reader = try ParquetReader(source: source, metadata: metadata, options: options)
            return ParquetFileInput(input: input, size: size, source: source, reader: reader)
        } catch let error as IcebergError {
            throw error
        } catch {
            throw IcebergError(.invalidMetadata("\(error)"), path: location)
        }
    }

    /// Row group `index`, projected to the top-level fields `fieldIDs`, in slices of at most
    /// `rowsPerSlice` rows: the needed chunks are fetched now; pages are decoded slice by slice.
    func rowGroupSlices(_ index: Int, fieldIDs: [Int32], rowsPerSlice: Int) async throws(IcebergError) -> RowGroupSlices {
        try await withFetchedChunks(index, fieldIDs: fieldIDs) { selection throws(ParquetReadError) in
            // The slices copy their chunks' bytes: the fetched ranges can go right after.
            try reader.rowGroupSlices(index, columns: selection, rowsPerSlice: rowsPerSlice)
        }
    }

    /// Reads row group `index`, projected to the top-level fields `fieldIDs` (ids present in the
    /// file), fetching only the chunks it needs.
    func readRowGroup(_ index: Int, fieldIDs: [Int32]) async throws(IcebergError) -> RecordBatch {
        try await withFetchedChunks(index, fieldIDs: fieldIDs) { selection throws(ParquetReadError) in
            try reader.readRowGroup(index, columns: selection)
        }
    }

    /// Row group `index` reduced by its page index: the rows of the pages that `predicate`
    /// (over this file's column names) cannot rule out, decoded from those pages only — the
    /// projected columns' dictionary pages and overlapping data pages are all that is fetched.
    /// `nil` when the page index rules nothing out or cannot be used (no page index, a nested
    /// projected column): read the whole row group then.
    func prunedRowGroup(_ index: Int, fieldIDs: [Int32], predicate: ColumnPredicate) async throws(IcebergError)
        -> (batch: RecordBatch, rows: RowRanges)? {
        let selection = ColumnSelection.fieldIDs(fieldIDs)
        let tailStart = size - Int64(min(size, Int64(ParquetFooter.suggestedTailSize)))
        do {
            defer { source.keepOnly(from: tailStart) }
            try await fetch(try reader.pageIndexByteRanges(rowGroup: index, columns: selection, predicate: predicate))
            let rows = try reader.candidateRows(rowGroup: index, predicate: predicate)
            let total = reader.metadata.rowGroups[index].numRows
            guard rows.rowCount < total,
                  let pages = try reader.pageByteRanges(rowGroup: index, columns: selection, rows: rows) else { return nil }
            try await fetch(pages)
            let batch = try reader.readRowGroup(index, columns: selection, predicate: predicate)
            guard Int64(batch.rowCount) == rows.rowCount else {
                throw IcebergError(.invalidMetadata("page index selected \(rows.rowCount) rows, \(batch.rowCount) were read"),
                                   path: input.location)
            }
            return (batch, rows)
        } catch let error as IcebergError {
            throw error
        } catch {
            throw IcebergError(.invalidMetadata("\(error)"), path: input.location)
        }
    }

    /// Byte ranges fetched ahead of their decoding.
    typealias Fetched = [(offset: Int64, bytes: [UInt8])]

    /// Starts fetching the chunks of row group `index` that the projection `fieldIDs` needs (those
    /// not already held), on a task of its own, so that the I/O runs while the current row group
    /// decodes; ``adopt(_:)`` the result before reading that row group.
    func prefetch(_ index: Int, fieldIDs: [Int32]) throws(IcebergError) -> Task<Result<Fetched, IcebergError>, Never> {
        let ranges: [Range<Int64>]
        do { ranges = try reader.byteRanges(rowGroup: index, columns: .fieldIDs(fieldIDs)) } catch {
            throw IcebergError(.invalidMetadata("\(error)"), path: input.location)
        }
        let needed = ranges.filter { !source.holds(offset: $0.lowerBound, count: Int($0.upperBound - $0.lowerBound)) }
        let input = self.input
        return Task {
            var fetched: Fetched = []
            for range in needed {
                do throws(IcebergError) {
                    fetched.append((range.lowerBound, try await input.read(from: range.lowerBound, count: Int(range.upperBound - range.lowerBound))))
                } catch {
                    return .failure(error)
                }
            }
            return .success(fetched)
        }
    }

    /// Holds ranges fetched by ``prefetch(_:fieldIDs:)`` for the next read.
    func adopt(_ fetched: Fetched) {
        for range in fetched { source.add(offset: range.offset, bytes: range.bytes) }
    }

    /// Fetches the byte ranges not already held.
    private func fetch(_ ranges: [Range<Int64>]) async throws(IcebergError) {
        for range in ranges {
            let count = Int(range.upperBound - range.lowerBound)
            if source.holds(offset: range.lowerBound, count: count) { continue }
            source.add(offset: range.lowerBound, bytes: try await input.read(from: range.lowerBound, count: count))
        }
    }

    /// Fetches the chunks of row group `index` the projection needs (those not already held),
    /// runs `decode`, then drops every range but the tail read with the footer.
    private func withFetchedChunks<T>(_ index: Int, fieldIDs: [Int32],
                                      _ decode: (ColumnSelection) throws(ParquetReadError) -> T) async throws(IcebergError) -> T {
        let selection = ColumnSelection.fieldIDs(fieldIDs)
        let tailStart = size - Int64(min(size, Int64(ParquetFooter.suggestedTailSize)))
        do {
            try await fetch(try reader.byteRanges(rowGroup: index, columns: selection))
            let result = try decode(selection)
            source.keepOnly(from: tailStart)
            return result
        } catch let error as IcebergError {
            throw error
        } catch {
            throw IcebergError(.invalidMetadata("\(error)"), path: input.location)
        }
    }
}
