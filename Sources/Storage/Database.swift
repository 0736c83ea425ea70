import CSQLite
import Foundation

/// A SQLite database file served by one writer thread and a pool of readers (WAL mode).
///
/// ```swift
/// let db = try Database(path: "billing.sqlite")
/// try db.write { conn in try conn.run("INSERT INTO t(x) VALUES (?)", [42]) }
/// let n = try db.read { conn in try conn.scalar("SELECT count(*) FROM t") }
/// ```
///
/// - Writes are serialized on the writer thread and group-committed (see `write`).
/// - Reads run on the calling thread, on pooled read-only connections, in parallel.
///
/// Neither `write` nor `read` is async: they block the calling thread (a worker, never the
/// epoll thread), which keeps blocking `sqlite3_step` off Swift's cooperative pool.
public final class Database: Sendable {
    public let path: String
    public let configuration: DatabaseConfiguration
    let writer: Writer
    let readers: ReaderPool

    /// Opens (creating if needed) the database at `path`, in WAL mode with `synchronous=FULL`,
    /// `foreign_keys=ON`, the busy timeout, cache and mmap sizes, and `temp_store=MEMORY`.
    public init(path: String, configuration: DatabaseConfiguration = .init()) throws {
        precondition(configuration.readerCount >= 1, "readerCount must be at least 1")
        self.path = path
        self.configuration = configuration

        let writeConnection = try Connection(path: path, flags: SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)
        try writeConnection.configure(configuration, writer: true)
        // Readers open after the writer switched the file to WAL, which they need to read concurrently.
        var readConnections: [Connection] = []
        for _ in 0..<configuration.readerCount {
            let reader = try Connection(path: path, flags: SQLITE_OPEN_READONLY)
            try reader.configure(configuration, writer: false)
            readConnections.append(reader)
        }
        readers = ReaderPool(connections: readConnections)
        writer = Writer(connection: writeConnection, maxBatch: configuration.maxBatchUnits,
                        walLimitPages: configuration.walLimitPages, walCheckEvery: configuration.walCheckEveryBatches,
                        busyTimeoutMilliseconds: Int32(clamping: configuration.busyTimeoutMilliseconds))
        writer.start()
    }

    deinit {
        writer.close(fromDeinit: true)
        readers.close()
    }

    // MARK: - Writing

    /// Runs `work` on the writer thread inside a transaction; returns only after its COMMIT
    /// succeeded (the write is durable), or throws `work`'s error (its changes rolled back).
    ///
    /// Units submitted while the writer is busy are grouped: up to `maxBatchUnits` share one
    /// transaction and one fsync, each inside its own SAVEPOINT, so a throwing unit rolls back
    /// alone and only its caller sees the error. If the COMMIT itself fails, every unit of the
    /// batch gets that error.
    ///
    /// - Important: `work` must not call `write` (the writer would wait for itself; this traps),
    ///   nor issue BEGIN/COMMIT/ROLLBACK (use `conn.savepoint`). A `read` inside `work` does not
    ///   see the unit's uncommitted changes. Keep units short: the whole batch waits for each.
    @discardableResult
    public func write<T: Sendable>(_ work: @escaping @Sendable (Connection) throws -> T) throws -> T {
        let unit = WriteUnit(exclusive: false, work)
        try writer.submit(unit)
        return try unit.result!.get()
    }

    /// Runs `work` alone on the writer thread with no transaction around it, for statements
    /// that refuse one (`VACUUM`, `PRAGMA wal_checkpoint`) or that manage their own. A transaction
    /// left open is rolled back and reported as an error.
    @discardableResult
    public func writeWithoutTransaction<T: Sendable>(_ work: @escaping @Sendable (Connection) throws -> T) throws -> T {
        let unit = WriteUnit(exclusive: true, work)
        try writer.submit(unit)
        return try unit.result!.get()
    }

    // MARK: - Reading

    /// Runs `work` on a pooled read-only connection, in one read transaction (one snapshot).
    ///
    /// Many threads may read at once (up to `readerCount`, then callers wait). Every write whose
    /// `write` call returned is visible. A nested `read` on the same thread reuses the connection.
    @discardableResult
    public func read<T>(_ work: (Connection) throws -> T) throws -> T {
        try readers.read(work)
    }

    // MARK: - Lifecycle

    /// Writer counters and latency histograms, plus the current queue depth.
    public var writerStatistics: WriterStatistics { writer.snapshot }

    /// Finishes queued writes, then closes every connection; later calls throw. Idempotent.
    public func close() {
        writer.close()
        readers.close()
    }
}
