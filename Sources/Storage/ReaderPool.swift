import Foundation

/// A fixed set of read-only connections, checked out one per reading thread (either backend).
///
/// `@unchecked Sendable`: `idle`, `busy` and `closed` are guarded by `condition`; a checked-out
/// connection is used only by the thread that holds it.
final class ReaderPool: @unchecked Sendable {
    private let condition = NSCondition()
    private var idle: [any ManagedConnection]
    /// Connections in use, by the `pthread_self()` of the thread reading, so that a nested
    /// `read` on the same thread reuses its connection (and snapshot) instead of deadlocking.
    private var busy: [UInt: any ManagedConnection] = [:]
    private var closed = false
    /// Opens each read's snapshot: `BEGIN DEFERRED` on SQLite, a REPEATABLE READ READ ONLY transaction on PostgreSQL.
    private let begin: SQL

    init(connections: [any ManagedConnection], begin: String) {
        idle = connections
        self.begin = SQL(begin)
    }

    func read<T>(_ work: (any DatabaseConnection) throws -> T) throws -> T {
        let me = UInt(pthread_self())
        condition.lock()
        if let nested = busy[me] {
            condition.unlock()
            return try work(nested)
        }
        while idle.isEmpty && !closed { condition.wait() }
        guard !closed else {
            condition.unlock()
            throw DatabaseError.misuse("database is closed")
        }
        let connection = idle.removeLast()
        busy[me] = connection
        condition.unlock()
        defer { checkIn(connection, from: me) }

        // One explicit read transaction per call: every query in `work` sees the same snapshot,
        // and COMMIT ends it so the next call sees the latest committed writes. A PostgreSQL connection
        // that dropped reconnects before BEGIN (nothing of `work` ran yet), or throws `isUnavailable` fast.
        do {
            try connection.prepareForUse()
            try connection.run(begin)
        } catch let error as DatabaseError where error.isUnavailable {
            try connection.prepareForUse()
            try connection.run(begin)
        }
        do {
            let value = try work(connection)
            try connection.run("COMMIT")
            return value
        } catch {
            if connection.isInTransaction { _ = try? connection.run("ROLLBACK") }
            throw error
        }
    }

    private func checkIn(_ connection: any ManagedConnection, from thread: UInt) {
        condition.lock()
        busy[thread] = nil
        if closed { connection.close() } else { idle.append(connection) }
        condition.broadcast()
        condition.unlock()
    }

    /// Refuses new reads, waits for running ones (other than this thread's) and closes all.
    func close() {
        let me = UInt(pthread_self())
        condition.lock()
        closed = true
        condition.broadcast()
        while busy.keys.contains(where: { $0 != me }) { condition.wait() }
        for connection in idle { connection.close() }
        idle.removeAll()
        condition.unlock()
    }
}
