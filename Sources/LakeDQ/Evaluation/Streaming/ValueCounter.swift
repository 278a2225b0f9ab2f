import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Counts occurrences of values, keyed by their bytes, exactly, over a dataset of any size, in
/// bounded memory.
///
/// Values arrive as (key bytes, count) pairs — one per distinct value of a chunk — and collect
/// in a hash table whose keys live in one byte arena (no `String` or array per value). When the
/// table's memory passes ``memoryBudget`` it is spilled: each entry goes, by the top bits of its
/// hash, to one of 16 partition files (unlinked scratch files in the spill directory), and the
/// table starts over. Totals are then read partition by partition: equal keys share a hash and
/// so a partition, so each partition's totals are exact on their own; a partition larger than
/// the budget is split again by the next hash bits. Memory stays at the budget plus the files'
/// write buffers, whatever the number of distinct values; nothing is approximate (a hash only
/// places a key — keys compare byte for byte).
final class ValueCounter {
    /// Bytes of memory the table may use before it spills.
    let memoryBudget: Int
    private let spillDirectory: URL
    /// The hash that places keys (in the table and in partitions); keys compare by bytes.
    private let hash: (UnsafeRawBufferPointer) -> UInt64
    private var table = ByteCountTable()
    /// The partitions, once the table first spilled.
    private var partitions: [SpillFile] = []
    /// Times the table was spilled.
    private(set) var spills = 0
    /// Times a partition was split again while totalling.
    private(set) var splits = 0
    /// The first spill or read failure: the counts are then incomplete, and since rules share a
    /// counter, every later use fails with it rather than reporting a total that lost counts.
    private var failure: RuleError?

    static let fanOut = 16
    static let fanOutBits = 4

    /// - Parameters:
    ///   - memoryBudget: bytes the in-memory table may take (at least 64 KiB).
    ///   - spillDirectory: where partitions go (default: the system's temporary directory).
    ///   - hash: the hash of a key (tests pass a weak one to make keys collide).
    init(memoryBudget: Int = 4 << 20, spillDirectory: URL? = nil,
         hash: @escaping (UnsafeRawBufferPointer) -> UInt64 = ValueFingerprint.bytes) {
        self.memoryBudget = max(memoryBudget, 64 << 10)
        self.spillDirectory = spillDirectory ?? FileManager.default.temporaryDirectory
        self.hash = hash
    }

    /// Adds `count` occurrences of the value whose key is `key`.
    func add(_ key: UnsafeRawBufferPointer, count: Int) throws(RuleError) {
        if let failure { throw failure }
        table.add(key, hash: hash(key), count: UInt64(count))
        if table.memory >= memoryBudget { try spill() }
    }

    /// Moves every entry of the table to the partitions; a failure poisons the counter.
    private func spill() throws(RuleError) {
        do throws(RuleError) {
            try spillTable()
        } catch {
            failure = error
            throw error
        }
    }

    private func spillTable() throws(RuleError) {
        if partitions.isEmpty {
            // All or none: a counter never holds fewer partitions than its hash bits address.
            var files: [SpillFile] = []
            for _ in 0..<Self.fanOut { files.append(try SpillFile(directory: spillDirectory)) }
            partitions = files
        }
        for entry in 0..<table.count {
            let partition = Int(table.hashes[entry] >> UInt64(64 - Self.fanOutBits))
            try table.withKey(entry) { key throws(RuleError) in try partitions[partition].write(key, count: table.counts[entry]) }
        }
        table = ByteCountTable()
        spills += 1
    }

    /// Calls `body` once per distinct value with its total count (in no particular order). The
    /// counter can take more counts afterwards.
    func forEachTotal(_ body: (UInt64) -> Void) throws(RuleError) {
        if let failure { throw failure }
        guard !partitions.isEmpty else {
            for count in table.counts { body(count) }
            return
        }
        // Everything on disk, so that one partition at a time is in memory.
        if table.count > 0 { try spill() }
        do throws(RuleError) {
            for partition in partitions {
                try total(partition, level: 1, body)
                try partition.seekToEnd()
            }
        } catch {
            failure = error
            throw error
        }
    }

    /// The totals of the entries of `file`, whose hashes agree on their top `level` × 4 bits.
    private func total(_ file: SpillFile, level: Int, _ body: (UInt64) -> Void) throws(RuleError) {
        try file.rewind()
        // Loaded whole when it fits (or when no hash bits are left to split by).
        if file.bytes <= memoryBudget / 2 || level * Self.fanOutBits >= 64 { return try load(file, body) }
        splits += 1
        var parts: [SpillFile] = []
        for _ in 0..<Self.fanOut { parts.append(try SpillFile(directory: spillDirectory)) }
        let shift = UInt64(64 - Self.fanOutBits * (level + 1))
        try file.forEach { key, count throws(RuleError) in
            let partition = Int((hash(key) >> shift) & UInt64(Self.fanOut - 1))
            try parts[partition].write(key, count: count)
        }
        for part in parts {
            if part.bytes == file.bytes {
                // The hash bits left do not divide it (keys sharing their hash): split no further.
                try part.rewind()
                try load(part, body)
            } else {
                try total(part, level: level + 1, body)
            }
        }
    }

    /// The totals of the entries of `file` from its current position, loaded into one table.
    private func load(_ file: SpillFile, _ body: (UInt64) -> Void) throws(RuleError) {
        var loaded = ByteCountTable()
        try file.forEach { key, count in loaded.add(key, hash: hash(key), count: count) }
        for count in loaded.counts { body(count) }
    }
}

/// An open-addressing table from key bytes to a count; keys in one arena.
struct ByteCountTable {
    private(set) var arena: [UInt8] = []
    /// Entry `i`'s key is `arena[starts[i]..<starts[i + 1]]`.
    private var starts: [Int] = [0]
    private(set) var counts: [UInt64] = []
    private(set) var hashes: [UInt64] = []
    private var slots = [Int32](repeating: -1, count: 1_024)

    var count: Int { counts.count }

    /// Bytes held (arena, per-entry arrays and slots).
    var memory: Int { arena.capacity + starts.capacity * 8 + counts.capacity * 8 + hashes.capacity * 8 + slots.count * 4 }

    func withKey(_ entry: Int, _ body: (UnsafeRawBufferPointer) throws(RuleError) -> Void) throws(RuleError) {
        let range = starts[entry]..<starts[entry + 1]
        try arena.withRuleErrorBytes { all throws(RuleError) in try body(UnsafeRawBufferPointer(rebasing: all[range])) }
    }

    private func equals(_ entry: Int, _ key: UnsafeRawBufferPointer) -> Bool {
        let lo = starts[entry], n = starts[entry + 1] - lo
        guard n == key.count else { return false }
        guard n > 0 else { return true }
        return arena.withUnsafeBytes { all in
            guard let a = all.baseAddress, let b = key.baseAddress else { return false }
            return memcmp(a + lo, b, n) == 0
        }
    }

    mutating func add(_ key: UnsafeRawBufferPointer, hash: UInt64, count: UInt64) {
        var mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            let entry = slots[slot]
            if entry < 0 { break }
            if hashes[Int(entry)] == hash, equals(Int(entry), key) {
                counts[Int(entry)] += count
                return
            }
            slot = (slot + 1) & mask
        }
        let entry = Int32(counts.count)
        arena.append(contentsOf: key)
        starts.append(arena.count)
        counts.append(count)
        hashes.append(hash)
        slots[slot] = entry
        // At most half full, so probes stay short.
        if counts.count * 2 > slots.count {
            slots = [Int32](repeating: -1, count: slots.count * 2)
            mask = slots.count - 1
            for (i, h) in hashes.enumerated() {
                var s = Int(truncatingIfNeeded: h) & mask
                while slots[s] >= 0 { s = (s + 1) & mask }
                slots[s] = Int32(i)
            }
        }
    }
}

/// An unlinked scratch file of (key, count) records: `[UInt32 length][UInt64 count][key]`.
final class SpillFile {
    private let handle: UnsafeMutablePointer<FILE>
    /// Bytes written.
    private(set) var bytes = 0

    init(directory: URL) throws(RuleError) {
        var template = Array(directory.appendingPathComponent("lakedq-values-XXXXXX").path.utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { buffer in buffer.baseAddress.map { mkstemp($0) } ?? -1 }
        guard fd >= 0 else { throw RuleError("Cannot create a scratch file in \(directory.path): errno \(errno)") }
        // Unlinked at once: the space is freed when the file is closed, even after a crash.
        template.withUnsafeBufferPointer { buffer in _ = buffer.baseAddress.map { unlink($0) } }
        guard let handle = fdopen(fd, "w+") else {
            close(fd)
            throw RuleError("Cannot open a scratch file in \(directory.path): errno \(errno)")
        }
        self.handle = handle
    }

    deinit { fclose(handle) }

    func write(_ key: UnsafeRawBufferPointer, count: UInt64) throws(RuleError) {
        var header = (UInt32(key.count).littleEndian, count.littleEndian)
        let ok = withUnsafeBytes(of: &header.0) { fwrite($0.baseAddress, 1, 4, handle) == 4 }
            && withUnsafeBytes(of: &header.1) { fwrite($0.baseAddress, 1, 8, handle) == 8 }
            && (key.isEmpty || fwrite(key.baseAddress, 1, key.count, handle) == key.count)
        guard ok else { throw RuleError("Cannot spill value counts: errno \(errno)") }
        bytes += 12 + key.count
    }

    func rewind() throws(RuleError) {
        guard fflush(handle) == 0, fseek(handle, 0, SEEK_SET) == 0 else { throw RuleError("Cannot read spilled value counts: errno \(errno)") }
    }

    func seekToEnd() throws(RuleError) {
        guard fseek(handle, 0, SEEK_END) == 0 else { throw RuleError("Cannot append spilled value counts: errno \(errno)") }
    }

    /// Calls `body` with every record from the current position to the end.
    func forEach(_ body: (UnsafeRawBufferPointer, UInt64) throws(RuleError) -> Void) throws(RuleError) {
        var key = [UInt8](repeating: 0, count: 256)
        var length: UInt32 = 0, count: UInt64 = 0
        while true {
            let got = withUnsafeMutableBytes(of: &length) { fread($0.baseAddress, 1, 4, handle) }
            if got == 0 {
                // End of file, or a read error that must not pass for one (counts would be lost).
                guard ferror(handle) == 0 else { throw RuleError("Cannot read spilled value counts: errno \(errno)") }
                break
            }
            guard got == 4, withUnsafeMutableBytes(of: &count, { fread($0.baseAddress, 1, 8, handle) }) == 8 else {
                throw RuleError("Spilled value counts are truncated")
            }
            let n = Int(UInt32(littleEndian: length))
            if n > key.count { key = [UInt8](repeating: 0, count: n) }
            guard n == 0 || key.withUnsafeMutableBytes({ fread($0.baseAddress, 1, n, handle) }) == n else {
                throw RuleError("Spilled value counts are truncated")
            }
            let total = UInt64(littleEndian: count)
            try key.withRuleErrorBytes { all throws(RuleError) in try body(UnsafeRawBufferPointer(rebasing: all[0..<n]), total) }
        }
    }
}

extension Array where Element == UInt8 {
    /// `withUnsafeBytes` for a body that throws a ``RuleError`` (the standard one rethrows
    /// untyped).
    func withRuleErrorBytes(_ body: (UnsafeRawBufferPointer) throws(RuleError) -> Void) throws(RuleError) {
        var failure: RuleError?
        withUnsafeBytes { bytes in
            do throws(RuleError) { try body(bytes) } catch { failure = error }
        }
        if let failure { throw failure }
    }
}
