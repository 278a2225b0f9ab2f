import Foundation

/// Counts occurrences of 64-bit value fingerprints over a dataset of any size, in bounded memory.
///
/// Counts arrive as (fingerprint, count) pairs — one per distinct value of a batch. They collect
/// in a buffer of at most ``memoryLimit`` entries (16 bytes each); a full buffer is sorted and
/// equal fingerprints combined. When that does not free half of it (many distinct values), the
/// sorted run is written to a temporary file and the buffer starts over. The totals are read
/// back with one k-way merge of the runs. Low-cardinality columns therefore never touch the
/// disk; a high-cardinality column costs 16 bytes per distinct value of disk, and memory stays
/// at the buffer plus a small read buffer per run.
final class FingerprintCounter {
    struct Entry: Comparable {
        var fingerprint: UInt64
        var count: UInt64

        static func < (lhs: Entry, rhs: Entry) -> Bool { lhs.fingerprint < rhs.fingerprint }
    }

    /// The most entries held in memory before the buffer is compacted or spilled.
    let memoryLimit: Int
    private let spillDirectory: URL
    private var buffer: [Entry] = []
    private var runs: [URL] = []

    /// - Parameters:
    ///   - memoryLimit: entries held in memory (16 bytes each) before spilling; at least 1,024.
    ///   - spillDirectory: where sorted runs go (default: the system's temporary directory).
    init(memoryLimit: Int = 1 << 20, spillDirectory: URL? = nil) {
        self.memoryLimit = max(memoryLimit, 1_024)
        self.spillDirectory = spillDirectory ?? FileManager.default.temporaryDirectory
        buffer.reserveCapacity(min(self.memoryLimit, 4_096))
    }

    deinit {
        for run in runs { try? FileManager.default.removeItem(at: run) }
    }

    /// The number of runs written to disk so far.
    var spilledRuns: Int { runs.count }

    /// Adds `count` occurrences of `fingerprint`.
    @inline(__always)
    func add(_ fingerprint: UInt64, count: Int) throws(RuleError) {
        buffer.append(Entry(fingerprint: fingerprint, count: UInt64(count)))
        if buffer.count >= memoryLimit { try compact() }
    }

    /// Sorts and combines the buffer; spills it when it stays more than half full.
    private func compact() throws(RuleError) {
        Self.sortAndCombine(&buffer)
        guard buffer.count > memoryLimit / 2 else { return }
        let url = spillDirectory.appendingPathComponent("lakedq-counts-\(UUID().uuidString).bin")
        let data = buffer.withUnsafeBufferPointer { Data(buffer: $0) }
        do {
            try data.write(to: url)
        } catch {
            throw RuleError("Cannot spill value counts to \(url.path): \(error)")
        }
        runs.append(url)
        buffer.removeAll(keepingCapacity: true)
    }

    private static func sortAndCombine(_ entries: inout [Entry]) {
        entries.sort()
        var write = 0
        for read in entries.indices {
            if write > 0, entries[write - 1].fingerprint == entries[read].fingerprint {
                entries[write - 1].count += entries[read].count
            } else {
                entries[write] = entries[read]
                write += 1
            }
        }
        entries.removeLast(entries.count - write)
    }

    /// Calls `body` once per distinct fingerprint with its total count (in fingerprint order).
    /// The counter can take more counts afterwards.
    func forEachTotal(_ body: (UInt64) -> Void) throws(RuleError) {
        var sorted = buffer
        Self.sortAndCombine(&sorted)
        var sources: [RunReader] = []
        for run in runs { sources.append(try RunReader(url: run)) }
        sources.append(RunReader(entries: sorted))
        // A binary heap of (next entry, source) ordered by fingerprint.
        var heap: [(Entry, Int)] = []
        for index in sources.indices {
            if let entry = try sources[index].next() { heap.append((entry, index)) }
        }
        heap.sort { $0.0.fingerprint < $1.0.fingerprint }
        func siftDown(_ start: Int) {
            var parent = start
            while true {
                let left = 2 * parent + 1, right = left + 1
                var smallest = parent
                if left < heap.count, heap[left].0.fingerprint < heap[smallest].0.fingerprint { smallest = left }
                if right < heap.count, heap[right].0.fingerprint < heap[smallest].0.fingerprint { smallest = right }
                if smallest == parent { return }
                heap.swapAt(parent, smallest)
                parent = smallest
            }
        }
        var current: Entry?
        while let (entry, source) = heap.first {
            if let next = try sources[source].next() {
                heap[0] = (next, source)
            } else {
                heap[0] = heap[heap.count - 1]
                heap.removeLast()
            }
            siftDown(0)
            if var pending = current, pending.fingerprint == entry.fingerprint {
                pending.count += entry.count
                current = pending
            } else {
                if let pending = current { body(pending.count) }
                current = entry
            }
        }
        if let pending = current { body(pending.count) }
    }

    /// Entries of one sorted run, from a file (read a block at a time) or from memory.
    private struct RunReader {
        private var handle: FileHandle?
        private var path = ""
        private var block: [Entry] = []
        private var position = 0
        private static let blockEntries = 32_768

        init(url: URL) throws(RuleError) {
            do {
                handle = try FileHandle(forReadingFrom: url)
            } catch {
                throw RuleError("Cannot read spilled value counts \(url.path): \(error)")
            }
            path = url.path
        }

        init(entries: [Entry]) { block = entries }

        mutating func next() throws(RuleError) -> Entry? {
            if position == block.count {
                guard let handle else { return nil }
                let data: Data?
                do {
                    data = try handle.read(upToCount: Self.blockEntries * MemoryLayout<Entry>.stride)
                } catch {
                    throw RuleError("Cannot read spilled value counts \(path): \(error)")
                }
                guard let data, !data.isEmpty else {
                    try? handle.close()
                    self.handle = nil
                    return nil
                }
                guard data.count % MemoryLayout<Entry>.stride == 0 else {
                    throw RuleError("Spilled value counts \(path) are truncated")
                }
                block = data.withUnsafeBytes { raw in
                    Array(raw.bindMemory(to: Entry.self))
                }
                position = 0
            }
            defer { position += 1 }
            return block[position]
        }
    }
}

/// What a frequency metric needs from the counts of a column's values.
struct FrequencySummary {
    /// Selected rows, nulls included (Deequ's `numRows`).
    var rowCount: Int
    var distinct = 0
    var singletons = 0
    /// `-Σ p ln p` with `p = count / rowCount` (natural log, as Deequ).
    var entropy = 0.0

    /// The summary of the occurrence counts `counts` (zeros ignored).
    init(rowCount: Int, counts: [Int]) {
        self.rowCount = rowCount
        let n = Double(rowCount)
        for count in counts where count > 0 {
            distinct += 1
            if count == 1 { singletons += 1 }
            let p = Double(count) / n
            entropy -= p * log(p)
        }
    }

    init(rowCount: Int, counter: ValueCounter) throws(RuleError) {
        self.rowCount = rowCount
        let n = Double(rowCount)
        var distinct = 0, singletons = 0
        var entropy = 0.0
        try counter.forEachTotal { count in
            distinct += 1
            if count == 1 { singletons += 1 }
            let p = Double(count) / n
            entropy -= p * log(p)
        }
        self.distinct = distinct
        self.singletons = singletons
        self.entropy = entropy
    }
}
