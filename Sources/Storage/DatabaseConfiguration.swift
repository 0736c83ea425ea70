/// Tuning for a `Database`; the defaults suit the billing server's workload.
public struct DatabaseConfiguration: Sendable {
    /// Pooled read-only connections; `read` blocks when all are in use.
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

    public init() {}
}
