/// A fixed-bucket latency histogram (seconds), shaped for a Prometheus `histogram`.
public struct LatencyHistogram: Sendable, Equatable {
    /// Upper bounds of the buckets, in seconds; an implicit `+Inf` bucket follows.
    public let upperBounds: [Double]
    /// Observations per bucket (not cumulative); one more entry than `upperBounds` (the `+Inf` bucket).
    public private(set) var counts: [Int]
    /// Number of observations.
    public private(set) var count = 0
    /// Sum of observations, in seconds.
    public private(set) var sum = 0.0

    public static let defaultUpperBounds: [Double] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]

    public init(upperBounds: [Double] = LatencyHistogram.defaultUpperBounds) {
        self.upperBounds = upperBounds
        counts = Array(repeating: 0, count: upperBounds.count + 1)
    }

    public mutating func record(seconds: Double) {
        let i = upperBounds.firstIndex { seconds <= $0 } ?? upperBounds.count
        counts[i] += 1
        count += 1
        sum += seconds
    }

    /// Adds `other`'s observations (same bounds) to this histogram.
    public mutating func merge(_ other: LatencyHistogram) {
        precondition(other.upperBounds == upperBounds, "merging histograms with different buckets")
        for i in counts.indices { counts[i] += other.counts[i] }
        count += other.count
        sum += other.sum
    }

    /// Counts of observations ≤ each bound, then the total (Prometheus `_bucket{le=…}`).
    public var cumulativeCounts: [Int] {
        var running = 0
        return counts.map { running += $0; return running }
    }
}

/// A snapshot of the writer's work, for `/metrics`.
public struct WriterStatistics: Sendable, Equatable {
    /// Units waiting for the writer right now.
    public var queueDepth = 0
    /// Units run (succeeded or failed).
    public var units = 0
    /// Units whose work threw, or whose batch failed to commit.
    public var failedUnits = 0
    /// Transactions begun by the writer.
    public var batches = 0
    /// Transactions that committed.
    public var commits = 0
    /// Most units seen in one transaction.
    public var largestBatch = 0
    /// Time spent in `COMMIT` (the WAL fsync).
    public var commitLatency = LatencyHistogram()
    /// Time from `write` being called to its caller being woken.
    public var unitLatency = LatencyHistogram()

    public init() {}

    /// Adds another writer's counts (an instance with several PostgreSQL writers reports their sum).
    public mutating func merge(_ other: WriterStatistics) {
        queueDepth += other.queueDepth
        units += other.units
        failedUnits += other.failedUnits
        batches += other.batches
        commits += other.commits
        largestBatch = max(largestBatch, other.largestBatch)
        commitLatency.merge(other.commitLatency)
        unitLatency.merge(other.unitLatency)
    }
}
