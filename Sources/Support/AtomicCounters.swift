import CSystemLinux

/// A fixed array of 64-bit counters that many threads add to without a lock (relaxed atomics).
///
/// For statistics on hot paths: a contended mutex there serialises every worker (the HTTP request
/// histogram behind a `Mutex` cost 40 % of the CPU at 50 connections). Reads are per counter, so a
/// reader may see one counter updated and its neighbour not yet — fine for monitoring.
public final class AtomicCounters: @unchecked Sendable {
    // @unchecked: the buffer is only touched through the atomic builtins below.
    private let storage: UnsafeMutablePointer<UInt64>
    /// Number of counters.
    public let count: Int

    public init(count: Int) {
        self.count = count
        storage = .allocate(capacity: max(1, count))
        storage.initialize(repeating: 0, count: max(1, count))
    }

    deinit { storage.deallocate() }

    /// Adds `value` to counter `index`.
    @inline(__always)
    public func add(_ index: Int, _ value: UInt64 = 1) {
        precondition(index >= 0 && index < count, "counter index out of range")
        csl_counter_add(storage + index, value)
    }

    /// The current value of counter `index`.
    public subscript(index: Int) -> UInt64 {
        precondition(index >= 0 && index < count, "counter index out of range")
        return csl_counter_load(storage + index)
    }
}
