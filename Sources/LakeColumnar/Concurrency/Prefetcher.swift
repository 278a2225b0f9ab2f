#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs a producer on a thread of its own, up to `depth` results ahead of the consumer.
///
/// For pipelines of CPU-bound stages on a small machine, such as parsing logs on one core
/// while the batches already parsed are encoded on the other. The producer is called until it
/// returns `nil` or throws; its results (or its error) reach ``next()`` in order. Memory is
/// bounded: the producer waits while `depth` results are unconsumed. Releasing the prefetcher
/// before the end stops the producer after its current call.
///
/// ```swift
/// let batches = Prefetcher(depth: 2) { try reader.next() }   // reader moves to the producer thread
/// while let batch = try batches.next() { try writer.write(batch) }
/// ```
public final class Prefetcher<Element: Sendable>: @unchecked Sendable {
    // Guarded by `mutex`.
    private var buffer: [Element] = []
    private var failure: (any Error)?
    private var finished = false
    private var cancelled = false
    private let depth: Int
    // Heap-allocated: pthread objects must not move, which stored properties do not promise.
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let changed = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var thread = pthread_t()

    /// Starts calling `produce` on a new thread. `produce`, and what it captures, move to that
    /// thread (`sending`): it is only ever called there.
    public init(depth: Int = 2, _ produce: sending @escaping () throws -> Element?) {
        self.depth = max(1, depth)
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(changed, nil)
        let box = Unmanaged.passRetained(ProducerBox(prefetcher: self, produce: produce) as AnyObject)
        let status = pthread_create(&thread, nil, { raw in
            guard let raw, let box = Unmanaged<AnyObject>.fromOpaque(raw).takeRetainedValue() as? any ProducerRunning else { return nil }
            box.run()
            return nil
        }, box.toOpaque())
        precondition(status == 0, "pthread_create failed: \(status)")
    }

    deinit {
        lock()
        cancelled = true
        pthread_cond_broadcast(changed)
        unlock()
        pthread_join(thread, nil)
        pthread_cond_destroy(changed)
        pthread_mutex_destroy(mutex)
        changed.deallocate()
        mutex.deallocate()
    }

    /// The next result, waiting for the producer if needed; `nil` once it has finished.
    /// Rethrows the producer's error (once, in order, after the results before it).
    public func next() throws -> Element? {
        lock()
        defer { unlock() }
        while buffer.isEmpty && !finished { pthread_cond_wait(changed, mutex) }
        if !buffer.isEmpty {
            let element = buffer.removeFirst()
            pthread_cond_broadcast(changed)
            return element
        }
        if let error = failure {
            failure = nil
            throw error
        }
        return nil
    }

    /// Called on the producer thread: produces until done, cancelled or failed.
    fileprivate func run(_ produce: () throws -> Element?) {
        while true {
            lock()
            while buffer.count >= depth && !cancelled { pthread_cond_wait(changed, mutex) }
            let stop = cancelled
            unlock()
            if stop { break }
            do {
                guard let element = try produce() else { break }
                lock()
                buffer.append(element)
                pthread_cond_broadcast(changed)
                unlock()
            } catch {
                lock()
                failure = error
                unlock()
                break
            }
        }
        lock()
        finished = true
        pthread_cond_broadcast(changed)
        unlock()
    }

    private func lock() { pthread_mutex_lock(mutex) }
    private func unlock() { pthread_mutex_unlock(mutex) }
}

private protocol ProducerRunning: AnyObject {
    func run()
}

/// What the producer thread needs: the prefetcher (unretained: its deinit joins the thread, so
/// it outlives it) and the producing closure.
private final class ProducerBox<Element: Sendable>: ProducerRunning {
    unowned(unsafe) let prefetcher: Prefetcher<Element>
    let produce: () throws -> Element?

    init(prefetcher: Prefetcher<Element>, produce: @escaping () throws -> Element?) {
        self.prefetcher = prefetcher
        self.produce = produce
    }

    func run() { prefetcher.run(produce) }
}
