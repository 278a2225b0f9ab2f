import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An exact set of byte strings whose bytes live in an unlinked scratch file, not in memory:
/// memory holds only an open-addressing table of 8 bytes a slot (at most 3/4 full) — 24 bits of
/// the key's hash and the 40-bit offset of its bytes in the file — so a million 58-byte request
/// ids take 16 MB instead of the ≈ 100 MB of a `Set<String>`.
///
/// A probe whose hash bits match reads the key back (from the write buffer, or with one `pread`)
/// and compares it byte for byte, so a hash collision never makes two keys one; such reads
/// happen for keys already in the set (duplicates) and for about one probe in 16 million
/// otherwise. The file is unlinked as soon as it is created (nothing is left behind, even after
/// a crash) and is created only once the keys outgrow the write buffer (1 MiB), under `TMPDIR`.
package final class SpilledKeySet {
    /// A hash of a key's bytes.
    package typealias HashFunction = ByteKeyTable.HashFunction

    private static let offsetBits: UInt64 = 40
    private static let offsetMask: UInt64 = (1 << 40) - 1
    private static let bufferLimit = 1 << 20

    /// `hash bits << 40 | (offset + 1)`, 0 for an empty slot; the count is a power of two.
    private var slots: [UInt64] = Array(repeating: 0, count: 16)
    private let hash: HashFunction
    /// Keys not yet written to the file, from file offset `flushed`.
    private var buffer: [UInt8] = []
    private var flushed: UInt64 = 0
    private var descriptor: Int32 = -1
    private var scratch: [UInt8] = []
    /// A rebuild of the table failed part way: the set no longer knows all its keys.
    private var broken = false

    /// The number of keys.
    package private(set) var count = 0
    /// Key reads from the scratch file, to verify a hash match.
    package private(set) var fileReads = 0

    /// Bytes of memory held: the table and the write buffer.
    package var memoryBytes: Int { slots.capacity * 8 + buffer.capacity }

    /// An empty set; `hash` is for tests that force collisions.
    package init(hash: @escaping HashFunction = ByteKeyTable.seededHash) {
        self.hash = hash
    }

    deinit {
        if descriptor >= 0 { close(descriptor) }
    }

    /// Inserts `key`; false when the set already holds it.
    package func insert(_ key: UnsafeRawBufferPointer) throws -> Bool {
        guard !broken else { throw PipelineError("the de-duplication key set failed to grow earlier") }
        let h = hash(key)
        let tag = h >> Self.offsetBits
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: h) & mask
        while slots[slot] != 0 {
            if slots[slot] >> Self.offsetBits == tag, try equals((slots[slot] & Self.offsetMask) - 1, key) { return false }
            slot = (slot + 1) & mask
        }
        let offset = flushed + UInt64(buffer.count)
        guard offset + UInt64(key.count) + 4 < Self.offsetMask else {
            throw PipelineError("de-duplication keys exceed 1 TiB of scratch space")
        }
        slots[slot] = tag << Self.offsetBits | (offset + 1)
        withUnsafeBytes(of: UInt32(truncatingIfNeeded: key.count).littleEndian) { buffer.append(contentsOf: $0) }
        buffer.append(contentsOf: key)
        count += 1
        if count * 4 > slots.count * 3 { try grow() }
        if buffer.count >= Self.bufferLimit { try flush() }
        return true
    }

    /// Inserts `key`; false when the set already holds it.
    package func insert(_ key: [UInt8]) throws -> Bool {
        try key.withUnsafeBytes { try insert($0) }
    }

    /// Forgets every key, releasing the table's memory and truncating the file.
    package func removeAll() throws {
        slots = Array(repeating: 0, count: 16)
        broken = false
        buffer = []
        scratch = []
        count = 0
        flushed = 0
        if descriptor >= 0, ftruncate(descriptor, 0) != 0 {
            throw PipelineError("cannot truncate the de-duplication scratch file: errno \(errno)")
        }
    }

    /// Whether the key at `offset` (its length prefix) equals `key`.
    private func equals(_ offset: UInt64, _ key: UnsafeRawBufferPointer) throws -> Bool {
        try withRecord(at: offset, length: key.count) { record in
            guard record.count == key.count + 4,
                  record.loadUnaligned(as: UInt32.self).littleEndian == UInt32(truncatingIfNeeded: key.count) else { return false }
            guard let base = key.baseAddress, let stored = record.baseAddress else { return true }
            return memcmp(stored + 4, base, key.count) == 0
        }
    }

    /// Calls `body` with the `length + 4` bytes at `offset` (fewer at the end of the keys).
    private func withRecord<R>(at offset: UInt64, length: Int, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        if offset >= flushed {
            let start = Int(offset - flushed)
            return try buffer.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[start..<min(start + length + 4, $0.count)])) }
        }
        fileReads += 1
        if scratch.count < length + 4 { scratch = Array(repeating: 0, count: length + 4) }
        let read = scratch.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, length + 4, off_t(offset)) }
        guard read >= 0 else { throw PipelineError("cannot read the de-duplication scratch file: errno \(errno)") }
        return try scratch.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[0..<read])) }
    }

    /// Writes the buffer to the file (creating it on the first call).
    private func flush() throws {
        if descriptor < 0 {
            let directory = ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
            var template = Array((directory + "/lakehouse-dedup-XXXXXX").utf8CString)
            descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
            guard descriptor >= 0 else { throw PipelineError("cannot create a de-duplication scratch file in \(directory): errno \(errno)") }
            _ = template.withUnsafeBufferPointer { unlink($0.baseAddress!) }
        }
        var written = 0
        while written < buffer.count {
            let n = buffer.withUnsafeBytes { pwrite(descriptor, $0.baseAddress! + written, $0.count - written, off_t(flushed) + off_t(written)) }
            guard n > 0 else { throw PipelineError("cannot write the de-duplication scratch file: errno \(errno)") }
            written += n
        }
        flushed += UInt64(buffer.count)
        buffer.removeAll(keepingCapacity: true)
    }

    /// Doubles the table, placing every key again from its bytes, read back in one pass over the
    /// file. The old table is released first (every slot can be rebuilt from the file), so the
    /// two are never held together: 16 MB at most for a million keys, not 8 + 16. A failed
    /// rebuild leaves the set unusable (``insert(_:)-(UnsafeRawBufferPointer)`` throws until
    /// ``removeAll()``), never short of keys.
    private func grow() throws {
        let doubled = slots.count * 2
        try flush()
        slots = []
        broken = true
        var bigger = [UInt64](repeating: 0, count: doubled)
        let mask = doubled - 1
        try forEachKey { offset, key in
            let h = hash(key)
            var slot = Int(truncatingIfNeeded: h) & mask
            while bigger[slot] != 0 { slot = (slot + 1) & mask }
            bigger[slot] = (h >> Self.offsetBits) << Self.offsetBits | (offset + 1)
        }
        slots = bigger
        broken = false
    }

    /// Calls `body` with each key written to the file and its offset, reading a chunk at a time.
    private func forEachKey(_ body: (UInt64, UnsafeRawBufferPointer) -> Void) throws {
        var chunk = [UInt8](repeating: 0, count: Self.bufferLimit)
        var chunkStart: UInt64 = 0
        while chunkStart < flushed {
            let wanted = Int(min(UInt64(chunk.count), flushed - chunkStart))
            var filled = 0
            while filled < wanted {
                let n = chunk.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress! + filled, wanted - filled, off_t(chunkStart) + off_t(filled)) }
                guard n > 0 else { throw PipelineError("cannot read the de-duplication scratch file: errno \(errno)") }
                filled += n
            }
            var position = 0
            chunk.withUnsafeBytes { bytes in
                while position + 4 <= filled {
                    let length = Int(bytes.loadUnaligned(fromByteOffset: position, as: UInt32.self).littleEndian)
                    guard position + 4 + length <= filled else { break }
                    body(chunkStart + UInt64(position), UnsafeRawBufferPointer(rebasing: bytes[(position + 4)..<(position + 4 + length)]))
                    position += 4 + length
                }
            }
            guard position > 0 else {
                // A key longer than the chunk: read with a chunk that holds it.
                chunk = [UInt8](repeating: 0, count: chunk.count * 2)
                continue
            }
            chunkStart += UInt64(position)
        }
    }
}
