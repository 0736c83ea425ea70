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
    func run(_ connection: any DatabaseConnection) -> (any Error)? { fatalError("abstract") }
    /// Replaces the outcome with `error` (the batch did not commit).
    func fail(_ error: any Error) { fatalError("abstract") }

    func wait() { done.wait() }
    func wake() { done.signal() }
}

/// A caller's closure and, once run, its result.
final class WriteUnit<T>: PendingWrite, @unchecked Sendable {
    private let work: (any DatabaseConnection) throws -> T
    private(set) var result: Result<T, any Error>?

    init(exclusive: Bool, _ work: @escaping (any DatabaseConnection) throws -> T) {
        self.work = work
        super.init(exclusive: exclusive)
    }

    override func run(_ connection: any DatabaseConnection) -> (any Error)? {
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

/// How a backend's writer opens its transactions and what it does between batches.
struct WriterPolicy {
    /// Opens a group-commit transaction (`BEGIN IMMEDIATE` on SQLite, `BEGIN` on PostgreSQL).
    var begin: String
    /// Runs on the writer thread after a batch's callers were answered (SQLite's WAL checkpoint).
    var afterBatch: ((any ManagedConnection) -> Void)? = nil
}

/// The single writer: a thread that owns the write connection and commits queued units in groups.
///
/// Callers enqueue a `PendingWrite` and block. The thread takes up to `maxBatch` queued units and
/// runs them in one `BEGIN … COMMIT`, each inside `SAVEPOINT unit`, so a throwing unit rolls back
/// alone while the others share one commit (one WAL fsync on SQLite, one round trip and one WAL flush
/// on PostgreSQL). A caller is woken only after the COMMIT that made its unit durable (or with its error).
/// A unit that failed with a retryable error (PostgreSQL serialization failure or deadlock), or whose
/// batch failed to commit with one, runs once more alone in its own transaction.
///
/// The same writer serves both backends: it only sees `ManagedConnection` and its `WriterPolicy`.
///
/// `@unchecked Sendable`: `queue` and `closing` are guarded by `condition`; `connection` is
/// touched only by the writer thread once it started; statistics sit in a `Mutex`.
final class Writer: @unchecked Sendable {
    private let condition = NSCondition()
    private var queue: [PendingWrite] = []
    private var closing = false
    private let connection: any ManagedConnection
    private let policy: WriterPolicy
    private let maxBatch: Int
    private let statistics = Mutex(WriterStatistics())
    /// `pthread_self()` of the writer thread, to catch re-entrant `write` calls.
    private let threadID = Atomic<UInt>(0)
    private let exited = DispatchSemaphore(value: 0)
    private var started = false

    init(connection: any ManagedConnection, policy: WriterPolicy, maxBatch: Int) {
        self.connection = connection
        self.policy = policy
        self.maxBatch = max(1, maxBatch)
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
        do {
            try connection.prepareForUse()
            if job.run(connection) == nil, connection.isInTransaction {
                job.fail(DatabaseError.misuse("writeWithoutTransaction left a transaction open; it was rolled back"))
            }
        } catch {
            job.fail(error)
        }
        if connection.isInTransaction { _ = try? connection.run("ROLLBACK") }
        connection.transactionState.clear()
        var tally = Tally()
        tally.finish(job)
        statistics.withLock {
            $0.units += 1
            $0.unitLatency.merge(tally.unitLatency)
        }
        tally.wakeAll()
    }

    /// One group commit, then a lone retry of the units that lost a serialization conflict.
    private func runBatch(_ batch: [PendingWrite]) {
        var tally = Tally()
        tally.units = batch.count
        var retry: [PendingWrite]? = []
        runTransaction(batch, &tally, retry: &retry)
        for unit in retry ?? [] {
            var again: [PendingWrite]? = nil
            runTransaction([unit], &tally, retry: &again)
        }
        statistics.withLock { $0.merge(tally) }
        tally.wakeAll()
        // After the callers are answered: SQLite's forced checkpoint may wait for readers.
        policy.afterBatch?(connection)
    }

    /// Runs `units` in one transaction. A unit that fails with a retryable error, or a batch whose COMMIT
    /// does, goes to `retry` when it is non-nil instead of being answered. See the type comment; the
    /// comments below cover the failure paths.
    private func runTransaction(_ units: [PendingWrite], _ tally: inout Tally, retry: inout [PendingWrite]?) {
        var committed: [PendingWrite] = []  // ran cleanly in the open transaction, awaiting COMMIT
        var open = false

        func failed(_ unit: PendingWrite, _ error: any Error) {
            if retry != nil, (error as? DatabaseError)?.isRetryable == true {
                retry!.append(unit)
            } else {
                unit.fail(error)
                tally.fail(unit)
            }
        }

        for unit in units {
            if !open {
                do {
                    try begin()
                    open = true
                    tally.batches += 1
                } catch {
                    failed(unit, error)
                    continue
                }
            }
            var unitError: (any Error)?
            do {
                try connection.run("SAVEPOINT unit")
                if let error = unit.run(connection) {
                    unitError = error
                    try? connection.rollbackSavepoint("unit")
                } else {
                    do {
                        try connection.run("RELEASE unit")
                        committed.append(unit)
                    } catch {
                        // PostgreSQL refuses RELEASE after a failed statement the unit caught: undo the unit.
                        unitError = error
                        try? connection.rollbackSavepoint("unit")
                    }
                }
            } catch {
                unitError = error
            }
            if let unitError { failed(unit, unitError) }
            if !connection.isInTransaction {
                // The backend ended the whole transaction (SQLITE_FULL, IOERR, a ROLLBACK conflict clause,
                // a lost PostgreSQL connection) or the unit ended it itself: the earlier units' work is gone.
                let cause = unitError as? DatabaseError
                let error = cause?.isUnavailable == true ? cause! : DatabaseError(
                    code: SQLITE_ABORT,
                    message: "the group-commit transaction was ended by another unit in the batch; nothing of this unit was written")
                for earlier in committed { failed(earlier, error) }
                committed.removeAll()
                open = false
                connection.transactionState.clear()
            }
        }

        if open {
            let start = monotonicNanoseconds()
            do {
                try connection.transactionState.runCommitHooks(connection)
                try connection.run("COMMIT")
                tally.commits += 1
                tally.commitLatency.record(seconds: Double(monotonicNanoseconds() - start) / 1e9)
            } catch {
                // Nothing of the batch is durable: every unit that ran cleanly gets the COMMIT error.
                if connection.isInTransaction { _ = try? connection.run("ROLLBACK") }
                for unit in committed { failed(unit, error) }
                committed.removeAll()
            }
        }
        connection.transactionState.clear()
        for unit in committed { tally.finish(unit) }
    }

    /// BEGIN; when the connection turns out to be gone (nothing ran yet), reconnects once and tries again.
    private func begin() throws {
        do {
            try connection.prepareForUse()
            try connection.run(SQL(policy.begin))
        } catch let error as DatabaseError where error.isUnavailable {
            try connection.prepareForUse()
            try connection.run(SQL(policy.begin))
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
