#if canImport(Glibc)
import Glibc
#endif
import LakeColumnar
import Synchronization
import Testing

/// Counts calls across threads.
final class CallCounter: Sendable {
    let calls = Atomic<Int>(0)
    let highWater = Atomic<Int>(0)
}

struct ProducerFailure: Error, Equatable {
    let at: Int
}

@Suite("Prefetcher")
struct PrefetcherTests {
    @Test("results arrive in order, then nil, whatever the depth")
    func order() throws {
        for depth in [1, 2, 5] {
            var n = 0
            let prefetcher = Prefetcher(depth: depth) { () -> Int? in
                n += 1
                return n <= 1000 ? n : nil
            }
            var seen: [Int] = []
            while let value = try prefetcher.next() { seen.append(value) }
            #expect(seen == Array(1...1000), "depth \(depth)")
            #expect(try prefetcher.next() == nil, "stays at the end")
        }
    }

    @Test("the producer's error comes after the results before it, once")
    func failure() throws {
        var n = 0
        let prefetcher = Prefetcher(depth: 3) { () -> Int? in
            n += 1
            if n == 5 { throw ProducerFailure(at: n) }
            return n
        }
        var seen: [Int] = []
        #expect(throws: ProducerFailure(at: 5)) {
            while let value = try prefetcher.next() { seen.append(value) }
        }
        #expect(seen == [1, 2, 3, 4])
        #expect(try prefetcher.next() == nil)
    }

    @Test("the producer runs at most `depth` results ahead, and stops when released early")
    func boundedAndCancelled() throws {
        let counter = CallCounter()
        do {
            let prefetcher = Prefetcher(depth: 2) { () -> Int? in
                let calls = counter.calls.wrappingAdd(1, ordering: .relaxed).newValue
                return calls
            }
            #expect(try prefetcher.next() == 1)
            // Give the producer time to run ahead as far as it may.
            var waited = 0
            while counter.calls.load(ordering: .relaxed) < 3 && waited < 2000 {
                usleep(1000)
                waited += 1
            }
            usleep(20_000)
            // One consumed, two buffered, at most one more being produced.
            #expect(counter.calls.load(ordering: .relaxed) <= 4)
        }
        // Released: the producer thread was joined, so no call happens after this point.
        let after = counter.calls.load(ordering: .relaxed)
        usleep(20_000)
        #expect(counter.calls.load(ordering: .relaxed) == after)
    }
}
