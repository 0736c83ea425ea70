import CSQLite
import Foundation
import Support
import Synchronization

/// Work queued for the writer thread; the caller blocks on `wait()` until it is answered.
///
/// `@unchecked Sendable`: the writer thread writes the result before `wake()` and the caller
/// reads it after `wait()` returns; the semaphore orders the two.
class PendingWrite: @unchecked Sendable {
    /// Runs alone, outside any transaction (migrations, VACUUM); otherwise batched.
    let exclusive: Bool
    let enqueuedAt = monotonicNanoseconds()
    private let done = DispatchSemaphore(value: 0)

    init(exclusive: Bool) { self.exclusive = exclusive }

    /// Runs the work and keeps its outcome; returns the error if it threw.
    func run(_ connection: Connection) -> (any Error)? { fatalError("abstract") }
    /// Replaces the outcome with `error` (the batch did not commit).
    func fail(_ error: any Error) { fatalError("abstract") }

    func wait() { done.wait() }
    func wake() { done.signal() }
}

/// A caller's closure and, once run, its result.
final class WriteUnit<T>: PendingWrite, @unchecked Sendable {
    private let work: (Connection) throws -> T
    private(set) var result: Result<T, any Error>?

    init(exclusive: Bool, _ work: @escaping (Connection) throws -> T) {
        self.work = work
        super.init(exclusive: exclusive)
    }

    override func run(_ connection: Connection) -> (any Error)? {
        do {
            result = .success(try work(connection))
            return nil
        } catch {
            result = .failure(error)
            return error
        }
    }

    override func fail(_ error: any Error) { result = .failure(error) }
}

/// The single writer: a thread that owns the write connection and commits queued units in groups.
///
/// Callers enqueue a `PendingWrite` and block. The thread takes up to `maxBatch` queued units and
/// runs them in one `BEGIN IMMEDIATE … COMMIT`, each inside `SAVEPOINT unit`, so a throwing unit
/// rolls back alone while the others share one WAL fsync. A caller is woken only after the COMMIT
/// that made its unit durable (or with its error).
///
/// `@unchecked Sendable`: `queue` and `closing` are guarded by `condition`; `connection` is
/// touched only by the writer thread once it started; statistics sit in a `Mutex`.
final class Writer: @unchecked Sendable {
    private let condition = NSCondition()
    private var queue: [PendingWrite] = []
    private var closing = false
    private let connection: Connection
    private let maxBatch: Int
    private let statistics = Mutex(WriterStatistics())
    /// `pthread_self()` of the writer thread, to catch re-entrant `write` calls.
    private let threadID = Atomic<UInt>(0)
    private let exited = DispatchSemaphore(value: 0)
    private var started = false

    private let walLimitPages: Int32
    private let walCheckEvery: Int
    private var batchesSinceWALCheck = 0  // writer thread only

    private let busyTimeoutMilliseconds: Int32

    init(connection: Connection, maxBatch: Int, walLimitPages: Int32 = 16384, walCheckEvery: Int = 64, busyTimeoutMilliseconds: Int32 = 5000) {
        self.connection = connection
        self.busyTimeoutMilliseconds = busyTimeoutMilliseconds
        self.maxBatch = max(1, maxBatch)
        self.walLimitPages = walLimitPages
        self.walCheckEvery = max(1, walCheckEvery)
    }

    func start() {
        let thread = Thread { [self] in loop() }
        thread.name = "storage-writer"
        thread.stackSize = 8 << 20
        started = true
        thread.start()
    }

    var isWriterThread: Bool { threadID.load(ordering: .relaxed) == UInt(pthread_self()) }

    /// Enqueues `unit` and blocks until the writer answered it.
    func submit(_ unit: PendingWrite) throws {
        if isWriterThread {
            fatalError("""
                Database.write called from inside a write unit: the writer thread would wait for itself \
                (deadlock). Use the Connection passed to the unit (and conn.savepoint for nesting).
                """)
        }
        condition.lock()
        guard !closing else {
            condition.unlock()
            throw DatabaseError.misuse("database is closed")
        }
        queue.append(unit)
        condition.unlock()
        condition.signal()
        unit.wait()
    }

    var snapshot: WriterStatistics {
        condition.lock()
        let depth = queue.count
        condition.unlock()
        var s = statistics.withLock { $0 }
        s.queueDepth = depth
        return s
    }

    /// Refuses new units, lets the thread finish the queued ones, and closes the connection.
    ///
    /// From the writer thread itself (a unit released the last reference to its `Database`) this
    /// cannot wait; with `fromDeinit` it then only marks the queue closed, otherwise it traps.
    func close(fromDeinit: Bool = false) {
        let onWriter = isWriterThread
        if onWriter && !fromDeinit { fatalError("Database.close called from inside a write unit (deadlock)") }
        condition.lock()
        let first = !closing
        closing = true
        condition.broadcast()
        condition.unlock()
        if first && started && !onWriter { exited.wait() }
    }

    // MARK: - Writer thread

    private func loop() {
        threadID.store(UInt(pthread_self()), ordering: .relaxed)
        while let batch = nextBatch() {
            if batch[0].exclusive {
                runExclusive(batch[0])
            } else {
                runBatch(batch)
            }
        }
        connection.close()
        exited.signal()
    }

    /// Waits for work; nil once closing and drained. An exclusive job is always taken alone.
    private func nextBatch() -> [PendingWrite]? {
        condition.lock()
        defer { condition.unlock() }
        while queue.isEmpty && !closing { condition.wait() }
        guard !queue.isEmpty else { return nil }
        if queue[0].exclusive { return [queue.removeFirst()] }
        var n = 1
        while n < min(queue.count, maxBatch) && !queue[n].exclusive { n += 1 }
        let batch = Array(queue[0..<n])
        queue.removeFirst(n)
        return batch
    }

    private func runExclusive(_ job: PendingWrite) {
        if job.run(connection) == nil, connection.isInTransaction {
            job.fail(DatabaseError.misuse("writeWithoutTransaction left a transaction open; it was rolled back"))
        }
        if connection.isInTransaction { _ = try? connection.run("ROLLBACK") }
        connection.clearTransactionState()
        var tally = Tally()
        tally.finish(job)
        statistics.withLock {
            $0.units += 1
            $0.unitLatency.merge(tally.unitLatency)
        }
        tally.wakeAll()
    }

    /// One group commit. See the type comment; the comments below cover the failure paths.
    private func runBatch(_ batch: [PendingWrite]) {
        var tally = Tally()
        tally.units = batch.count
        var committed: [PendingWrite] = []  // ran cleanly in the open transaction, awaiting COMMIT
        var open = false

        for unit in batch {
            if !open {
                do {
                    try connection.run("BEGIN IMMEDIATE")
                    open = true
                    tally.batches += 1
                } catch {
                    unit.fail(error)
                    tally.fail(unit)
                    continue
                }
            }
            do {
                try connection.run("SAVEPOINT unit")
            } catch {
                unit.fail(error)
                tally.fail(unit)
                continue
            }
            if unit.run(connection) != nil {
                try? connection.rollbackSavepoint("unit")
                tally.fail(unit)
            } else {
                do {
                    try connection.run("RELEASE unit")
                    committed.append(unit)
                } catch {
                    unit.fail(error)
                    tally.fail(unit)
                }
            }
            if !connection.isInTransaction {
                // SQLite rolled back the whole transaction (SQLITE_FULL, IOERR, a ROLLBACK
                // conflict clause) or the unit ended it itself: the earlier units' work is gone.
                let error = DatabaseError(
                    code: SQLITE_ABORT,
                    message: "the group-commit transaction was ended by another unit in the batch; nothing of this unit was written")
                for earlier in committed {
                    earlier.fail(error)
                    tally.fail(earlier)
                }
                committed.removeAll()
                open = false
                connection.clearTransactionState()
            }
        }

        if open {
            let start = monotonicNanoseconds()
            do {
                try connection.runCommitHooks()
                try connection.run("COMMIT")
                tally.commits += 1
                tally.commitLatency.record(seconds: Double(monotonicNanoseconds() - start) / 1e9)
            } catch {
                // Nothing of the batch is durable: every unit that ran cleanly gets the COMMIT error.
                if connection.isInTransaction { _ = try? connection.run("ROLLBACK") }
                for unit in committed {
                    unit.fail(error)
                    tally.fail(unit)
                }
                committed.removeAll()
            }
        }
        connection.clearTransactionState()
        for unit in committed { tally.finish(unit) }
        statistics.withLock { $0.merge(tally) }
        tally.wakeAll()
        // After the callers are answered: a forced checkpoint may wait for readers.
        batchesSinceWALCheck += 1
        if batchesSinceWALCheck >= walCheckEvery {
            batchesSinceWALCheck = 0
            connection.checkpointIfLarge(limitPages: walLimitPages, busyTimeoutMilliseconds: busyTimeoutMilliseconds)
        }
    }
}

/// Counters for one batch, merged into the shared statistics under one lock.
private struct Tally {
    var units = 0, failed = 0, batches = 0, commits = 0
    var commitLatency = LatencyHistogram()
    var unitLatency = LatencyHistogram()

    /// Callers to wake once the statistics include this batch, so a woken caller sees its unit counted.
    var answered: [PendingWrite] = []

    mutating func fail(_ unit: PendingWrite) {
        failed += 1
        finish(unit)
    }

    mutating func finish(_ unit: PendingWrite) {
        unitLatency.record(seconds: Double(monotonicNanoseconds() - unit.enqueuedAt) / 1e9)
        answered.append(unit)
    }

    func wakeAll() {
        for unit in answered { unit.wake() }
    }
}

extension WriterStatistics {
    fileprivate mutating func merge(_ t: Tally) {
        units += t.units
        failedUnits += t.failed
        batches += t.batches
        commits += t.commits
        largestBatch = max(largestBatch, t.units)
        commitLatency.merge(t.commitLatency)
        unitLatency.merge(t.unitLatency)
    }
}
