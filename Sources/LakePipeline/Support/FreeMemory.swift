#if canImport(Glibc)
import Glibc
#endif

/// Hands the memory the C allocator holds free back to the kernel, between the pipeline's
/// stages and between objects (glibc's `malloc_trim`).
///
/// glibc keeps freed blocks for reuse, and blocks freed in the middle of its heap stay resident
/// until reused: after a million-line object's ingest (≈ 95 MB of heap at its peak: batches,
/// the writer's row group, the key set) tens of MiB sit free in such holes, and the next
/// object's ingest and the audit, whose own heap is 40 MB, counted them again in the process's
/// peak RSS. Trimming at these few points costs a walk of the heap and the page faults of
/// memory touched again. Nothing happens where the C library has no `malloc_trim` (it is
/// looked up by name, so no C shim is needed).
enum FreeMemory {
    static func release() {
        #if canImport(Glibc)
        typealias Trim = @convention(c) (Int) -> Int32
        guard let symbol = dlsym(nil, "malloc_trim") else { return }
        _ = unsafeBitCast(symbol, to: Trim.self)(0)
        #endif
    }
}
