import Dispatch
import Glibc
import Synchronization

/// Decodes the columns of one read step (a row group, or a slice of one) on a small, bounded
/// number of threads: each thread takes the next column not yet taken, costliest first, so the
/// one large column (the request id) does not wait behind the small ones. Every column is decoded
/// from state of its own (its chunk's bytes, its cursor), and its result goes into its own slot,
/// so the output is the one the single-threaded loop produces, column by column.
enum ColumnDecodeWorkers {
    /// The CPUs this process may run on: the bits of `Cpus_allowed` in `/proc/self/status` (its
    /// affinity mask, so 1 under `taskset -c 0`), else the CPUs online; at least 1.
    static let availableCores: Int = {
        if let file = fopen("/proc/self/status", "r") {
            defer { fclose(file) }
            var line = [CChar](repeating: 0, count: 4096)
            while fgets(&line, Int32(line.count), file) != nil {
                let text = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                guard text.hasPrefix("Cpus_allowed:") else { continue }
                let count = text.dropFirst("Cpus_allowed:".count).reduce(0) { sum, c in
                    sum + (c.hexDigitValue?.nonzeroBitCount ?? 0)
                }
                if count > 0 { return count }
                break
            }
        }
        return Swift.max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    }()

    /// Runs `decode(k)` for every `k` in `order` on up to `threads` threads (the calling thread
    /// among them) and returns the results by `k`. With one thread (or one column) the columns are
    /// decoded in `order` on the calling thread. The first error by column position is thrown, as
    /// the single-threaded loop would have thrown it.
    static func decode<T>(order: [Int], threads: Int,
                          _ decode: (Int) throws(ParquetReadError) -> T) throws(ParquetReadError) -> [T] {
        let count = order.count
        let workers = Swift.min(threads, count)
        var results = [Result<T, ParquetReadError>?](repeating: nil, count: count)
        if workers <= 1 {
            for k in 0..<count {
                results[k] = .success(try decode(k))
            }
        } else {
            let next = Atomic<Int>(0)
            withoutActuallyEscaping(decode) { decode in
                results.withUnsafeMutableBufferPointer { slots in
                    let work = Slots(slots: slots, order: order, decode: decode)
                    DispatchQueue.concurrentPerform(iterations: workers) { _ in
                        while true {
                            let i = next.wrappingAdd(1, ordering: .relaxed).oldValue
                            guard i < work.order.count else { return }
                            let k = work.order[i]
                            do throws(ParquetReadError) {
                                work.slots[k] = .success(try work.decode(k))
                            } catch {
                                work.slots[k] = .failure(error)
                            }
                        }
                    }
                }
            }
        }
        var out: [T] = []
        out.reserveCapacity(count)
        for result in results {
            switch result {
            case let .success(value)?: out.append(value)
            case let .failure(error)?: throw error
            case nil: throw ParquetReadError(.invalidMetadata("a column was not decoded"))
            }
        }
        return out
    }

    /// What the decoding threads share: each writes only the slot of the column it took, and
    /// `decode` touches only that column's own state (see the callers).
    private struct Slots<T>: @unchecked Sendable {
        let slots: UnsafeMutableBufferPointer<Result<T, ParquetReadError>?>
        let order: [Int]
        let decode: (Int) throws(ParquetReadError) -> T
    }
}
