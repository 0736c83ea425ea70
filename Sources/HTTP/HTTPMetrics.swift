import Support
import Synchronization

/// Counters of this server for `/metrics`: requests by status, a latency histogram, open connections.
public final class HTTPMetrics: Sendable {
    /// Prometheus default-style buckets in seconds.
    static let bucketBounds: [Double] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
    /// Upper bounds of the buckets in nanoseconds, for the comparison on the hot path.
    private static let bucketNanoseconds: [UInt64] = bucketBounds.map { UInt64($0 * 1e9) }
    /// Status codes 100...599 are counted one by one; anything else shares a last slot (shown as status 0).
    private static let statusRange = 100...599

    // Lock-free: every worker records every request, so a mutex here was the server's bottleneck.
    private let byStatus = AtomicCounters(count: statusRange.count + 1)
    private let buckets = AtomicCounters(count: bucketBounds.count)
    /// [0] requests, [1] summed duration in nanoseconds.
    private let totals = AtomicCounters(count: 2)
    private let openConnections = Atomic<Int>(0)
    private let acceptedConnections = Atomic<Int>(0)
    private let rejected = Atomic<Int>(0)

    public init() {}

    /// Records a finished request.
    public func record(status: Int, durationNanoseconds: UInt64) {
        byStatus.add(Self.statusRange.contains(status) ? status - Self.statusRange.lowerBound : Self.statusRange.count)
        totals.add(0)
        totals.add(1, durationNanoseconds)
        if let i = Self.bucketNanoseconds.firstIndex(where: { durationNanoseconds <= $0 }) { buckets.add(i) }
    }

    func connectionOpened() {
        openConnections.add(1, ordering: .relaxed)
        acceptedConnections.add(1, ordering: .relaxed)
    }

    func connectionClosed() { openConnections.subtract(1, ordering: .relaxed) }
    func recordRejected() { rejected.add(1, ordering: .relaxed) }

    /// Currently open client connections.
    public var openConnectionCount: Int { openConnections.load(ordering: .relaxed) }
    /// Requests answered 503 because the worker queue was full.
    public var rejectedCount: Int { rejected.load(ordering: .relaxed) }
    /// Requests answered so far, by status code (codes outside 100...599 are counted under 0).
    public var requestsByStatus: [Int: UInt64] {
        var out: [Int: UInt64] = [:]
        for i in 0..<byStatus.count where byStatus[i] > 0 {
            out[i < Self.statusRange.count ? i + Self.statusRange.lowerBound : 0] = byStatus[i]
        }
        return out
    }

    /// The Prometheus text exposition (version 0.0.4) of every counter here.
    public func renderPrometheus() -> String {
        let statuses = requestsByStatus
        let bucketCounts = (0..<buckets.count).map { buckets[$0] }
        // Counters are read one by one while workers record: never let +Inf fall below the last bucket.
        let count = max(totals[0], bucketCounts.reduce(0, +))
        let sumSeconds = Double(totals[1]) / 1e9
        var out = ""
        out += "# HELP billing_http_requests_total HTTP requests answered, by status code.\n"
        out += "# TYPE billing_http_requests_total counter\n"
        for (status, count) in statuses.sorted(by: { $0.key < $1.key }) {
            out += "billing_http_requests_total{status=\"\(status)\"} \(count)\n"
        }
        out += "# HELP billing_http_request_duration_seconds Time from complete request to encoded response.\n"
        out += "# TYPE billing_http_request_duration_seconds histogram\n"
        var cumulative: UInt64 = 0
        for (i, bound) in Self.bucketBounds.enumerated() {
            cumulative += bucketCounts[i]
            out += "billing_http_request_duration_seconds_bucket{le=\"\(bound)\"} \(cumulative)\n"
        }
        out += "billing_http_request_duration_seconds_bucket{le=\"+Inf\"} \(count)\n"
        out += "billing_http_request_duration_seconds_sum \(sumSeconds)\n"
        out += "billing_http_request_duration_seconds_count \(count)\n"
        out += "# HELP billing_http_open_connections Client connections currently open.\n"
        out += "# TYPE billing_http_open_connections gauge\n"
        out += "billing_http_open_connections \(openConnectionCount)\n"
        out += "# HELP billing_http_connections_accepted_total Client connections accepted.\n"
        out += "# TYPE billing_http_connections_accepted_total counter\n"
        out += "billing_http_connections_accepted_total \(acceptedConnections.load(ordering: .relaxed))\n"
        out += "# HELP billing_http_rejected_total Requests answered 503 because the worker queue was full.\n"
        out += "# TYPE billing_http_rejected_total counter\n"
        out += "billing_http_rejected_total \(rejectedCount)\n"
        return out
    }
}
