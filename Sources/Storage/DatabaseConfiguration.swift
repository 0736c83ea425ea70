/// Tuning for a `Database`; the defaults suit the billing server's workload.
public struct DatabaseConfiguration: Sendable {
    /// Pooled read-only connections; `read` blocks when all are in use.
    public var readerCount = 4
    /// How long a connection waits on a lock before SQLITE_BUSY (`sqlite3_busy_timeout`).
    public var busyTimeoutMilliseconds = 5000
    /// Page cache per connection, in KiB (`PRAGMA cache_size = -N`); large enough for the hot indexes.
    public var cacheSizeKiB = 65536
    /// Memory-mapped I/O size (`PRAGMA mmap_size`).
    public var mmapSizeBytes = 268_435_456
    /// Most units the writer groups into one transaction (one fsync).
    public var maxBatchUnits = 1000

    public init() {}
}
