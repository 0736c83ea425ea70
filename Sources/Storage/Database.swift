import CSQLite
import Foundation
import Synchronization

/// The database Billing holds, whichever backend serves it: a SQLite file (one writer thread with
/// group commit and a pool of WAL readers) or a PostgreSQL server (`writerCount` grouped-writes
/// connections per instance and a pool of snapshot readers). Callers only see `write`, `read` and `Connection`.
///
/// ```swift
/// let db = try Database(path: "billing.sqlite")          // or Database(postgresURL: "postgres://…")
/// try db.write { conn in try conn.run("INSERT INTO t(x) VALUES (?)", [42]) }
/// let n = try db.read { conn in try conn.scalar("SELECT count(*) FROM t") }
/// ```
///
/// - Writes are serialized on the writer thread and group-committed (see `write`).
/// - Reads run on the calling thread, on pooled connections, in parallel, one snapshot each.
///
/// Neither `write` nor `read` is async: they block the calling thread (a worker, never the
/// epoll thread), which keeps blocking database calls off Swift's cooperative pool.
public final class Database: Sendable {
    /// Where the data lives: the SQLite file's path, or the PostgreSQL URL with its password masked.
    public let location: String
    /// The SQL flavour of every connection of this database.
    public let dialect: SQLDialect
    public let configuration: DatabaseConfiguration
    /// The writers (one on SQLite); `writer` is the first, which also runs `writeWithoutTransaction`.
    let writers: [Writer]
    var writer: Writer { writers[0] }
    private let nextWriter = Atomic<Int>(0)
    let readers: ReaderPool

    init(location: String, dialect: SQLDialect, configuration: DatabaseConfiguration, writers: [Writer], readers: ReaderPool) {
        precondition(!writers.isEmpty, "a database needs a writer")
        self.location = location
        self.dialect = dialect
        self.configuration = configuration
        self.writers = writers
        self.readers = readers
        for w in writers { w.start() }
    }

    /// The writer for the next unit: round robin, so under load each writer's queue fills and its batches grow.
    private func anyWriter() -> Writer {
        guard writers.count > 1 else { return writers[0] }
        // A unit calling `write` would wait on another writer while holding its own transaction's locks:
        // sent to its own writer instead, it traps there as on SQLite.
        if let own = writers.first(where: { $0.isWriterThread }) { return own }
        return writers[nextWriter.add(1, ordering: .relaxed).oldValue % writers.count]
    }

    /// Opens (creating if needed) the SQLite database at `path`, in WAL mode with `synchronous=FULL`,
    /// `foreign_keys=ON`, the busy timeout, cache and mmap sizes, and `temp_store=MEMORY`.
    public convenience init(path: String, configuration: DatabaseConfiguration = .init()) throws {
        precondition(configuration.readerCount >= 1, "readerCount must be at least 1")
        let writeConnection = try SQLiteConnection(path: path, flags: SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)
        try writeConnection.configure(configuration, writer: true)
        // Readers open after the writer switched the file to WAL, which they need to read concurrently.
        var readConnections: [any ManagedConnection] = []
        for _ in 0..<configuration.readerCount {
            let reader = try SQLiteConnection(path: path, flags: SQLITE_OPEN_READONLY)
            try reader.configure(configuration, writer: false)
            readConnections.append(reader)
        }
        let checkpointer = WALCheckpointer(limitPages: configuration.walLimitPages, every: configuration.walCheckEveryBatches,
                                           busyTimeoutMilliseconds: Int32(clamping: configuration.busyTimeoutMilliseconds))
        let policy = WriterPolicy(begin: "BEGIN IMMEDIATE", afterBatch: { checkpointer.afterBatch($0 as! SQLiteConnection) })
        self.init(location: path, dialect: .sqlite, configuration: configuration,
                  writers: [Writer(connection: writeConnection, policy: policy, maxBatch: configuration.maxBatchUnits)],
                  readers: ReaderPool(connections: readConnections, begin: "BEGIN DEFERRED"))
    }

    deinit {
        for w in writers { w.close(fromDeinit: true) }
        readers.close()
    }

    // MARK: - Writing

    /// Runs `work` on the writer thread inside a transaction; returns only after its COMMIT
    /// succeeded (the write is durable), or throws `work`'s error (its changes rolled back).
    /// On PostgreSQL a unit that lost a serialization conflict or deadlock (40001 / 40P01) is run
    /// once more alone before its error reaches the caller, so `work` may run twice (its effects once).
    ///
    /// Units submitted while the writer is busy are grouped: up to `maxBatchUnits` share one
    /// transaction and one fsync, each inside its own SAVEPOINT, so a throwing unit rolls back
    /// alone and only its caller sees the error. If the COMMIT itself fails, every unit of the
    /// batch gets that error. (On PostgreSQL a COMMIT that fails because the connection dropped,
    /// `isUnavailable`, may still have committed on the server — the outcome is unknown, as with any
    /// client–server database; units whose repetition matters should carry an idempotency key.)
    ///
    /// - Important: `work` must not call `write` (the writer would wait for itself; this traps),
    ///   nor issue BEGIN/COMMIT/ROLLBACK (use `conn.savepoint`). A `read` inside `work` does not
    ///   see the unit's uncommitted changes. Keep units short: the whole batch waits for each.
    @discardableResult
    public func write<T: Sendable>(_ work: @escaping @Sendable (Connection) throws -> T) throws -> T {
        let unit = WriteUnit(exclusive: false, work)
        try anyWriter().submit(unit)
        return try unit.result!.get()
    }

    /// Runs `work` alone on the writer thread with no transaction around it (autocommit), for statements
    /// that refuse one (`VACUUM`, `PRAGMA wal_checkpoint`) or that manage their own. A transaction
    /// left open is rolled back and reported as an error.
    @discardableResult
    public func writeWithoutTransaction<T: Sendable>(_ work: @escaping @Sendable (Connection) throws -> T) throws -> T {
        let unit = WriteUnit(exclusive: true, work)
        try writer.submit(unit)
        return try unit.result!.get()
    }

    // MARK: - Reading

    /// Runs `work` on a pooled read-only connection, in one read transaction (one snapshot; on
    /// PostgreSQL a `REPEATABLE READ READ ONLY` transaction).
    ///
    /// Many threads may read at once (up to `readerCount`, then callers wait). Every write whose
    /// `write` call returned is visible. A nested `read` on the same thread reuses the connection.
    @discardableResult
    public func read<T>(_ work: (Connection) throws -> T) throws -> T {
        try readers.read(work)
    }

    // MARK: - Lifecycle

    /// Writer counters and latency histograms, plus the current queue depth, summed over the writers.
    public var writerStatistics: WriterStatistics {
        var total = writer.snapshot
        for w in writers.dropFirst() { total.merge(w.snapshot) }
        return total
    }

    /// Finishes queued writes, then closes every connection; later calls throw. Idempotent.
    public func close() {
        for w in writers { w.close() }
        readers.close()
    }
}
