/// Tuning for a `Database`; the defaults suit the billing server's workload.
public struct DatabaseConfiguration: Sendable {
    /// Pooled read-only connections (SQLite files or PostgreSQL sessions); `read` blocks when all are in use.
    public var readerCount = 4
    /// How long a connection waits on a lock before SQLITE_BUSY (`sqlite3_busy_timeout`).
    public var busyTimeoutMilliseconds = 5000
    /// Page cache of the writer connection, in KiB (`PRAGMA cache_size = -N`): large enough for the hot
    /// index pages that every insert touches.
    public var cacheSizeKiB = 65536
    /// Page cache of each reader, in KiB. Readers get most pages through mmap (the OS page cache,
    /// shared by all connections), so a private cache per reader would mostly duplicate memory.
    public var readerCacheSizeKiB = 8192
    /// Memory-mapped I/O size (`PRAGMA mmap_size`).
    public var mmapSizeBytes = 268_435_456
    /// Most units the writer groups into one transaction (one fsync).
    public var maxBatchUnits = 1000
    /// WAL size (pages of 4 KiB) above which the writer forces a TRUNCATE checkpoint; see
    /// `Connection.checkpointIfLarge`. The WAL is looked at every `walCheckEveryBatches` batches.
    public var walLimitPages: Int32 = 16384
    public var walCheckEveryBatches = 64

    // PostgreSQL (`Database(postgresURL:)`); a parameter of the URL itself wins over these.

    /// Seconds libpq waits to establish a connection (`connect_timeout`, at least 2).
    public var connectTimeoutSeconds = 5
    /// Longest a statement may run before the server cancels it (`statement_timeout`); 0 disables it.
    /// Migrations run without it.
    public var statementTimeoutMilliseconds = 30_000
    /// Shown in `pg_stat_activity`.
    public var applicationName = "billing-server"
    /// Writer connections of one instance, each grouping the units it is given into one transaction per batch.
    /// SQLite always has one (its file takes one writer at a time); on PostgreSQL several let the round trips of
    /// one batch overlap with another's, while row and advisory locks keep concurrent units exact.
    public var writerCount = 4
    /// Isolation of the writer's group-commit transactions.
    public var writeIsolation = WriteIsolation.readCommitted

    /// PostgreSQL isolation levels for `write` transactions (SQLite's writer is serial by construction).
    public enum WriteIsolation: String, Sendable {
        case readCommitted = "READ COMMITTED"
        case repeatableRead = "REPEATABLE READ"
        case serializable = "SERIALIZABLE"
    }

    public init() {}
}
