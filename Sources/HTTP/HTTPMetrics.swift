import Synchronization

/// Counters of this server for `/metrics`: requests by status, a latency histogram, open connections.
public final class HTTPMetrics: Sendable {
    /// Prometheus default-style buckets in seconds.
    static let bucketBounds: [Double] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    private struct Requests {
        var byStatus: [Int: UInt64] = [:]
        var buckets = [UInt64](repeating: 0, count: HTTPMetrics.bucketBounds.count)
        var count: UInt64 = 0
        var sumSeconds: Double = 0
    }

    private let requests = Mutex(Requests())
    private let openConnections = Atomic<Int>(0)
    private let acceptedConnections = Atomic<Int>(0)
    private let rejected = Atomic<Int>(0)

    public init() {}

    /// Records a finished request.
    public func record(status: Int, durationNanoseconds: UInt64) {
        let seconds = Double(durationNanoseconds) / 1e9
        requests.withLock { r in
            r.byStatus[status, default: 0] += 1
            r.count += 1
            r.sumSeconds += seconds
            if let i = Self.bucketBounds.firstIndex(where: { seconds <= $0 }) { r.buckets[i] += 1 }
        }
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
    /// Requests answered so far, by status code.
    public var requestsByStatus: [Int: UInt64] { requests.withLock { $0.byStatus } }

    /// The Prometheus text exposition (version 0.0.4) of every counter here.
    public func renderPrometheus() -> String {
        let r = requests.withLock { $0 }
        var out = ""
        out += "# HELP billing_http_requests_total HTTP requests answered, by status code.\n"
        out += "# TYPE billing_http_requests_total counter\n"
        for (status, count) in r.byStatus.sorted(by: { $0.key < $1.key }) {
            out += "billing_http_requests_total{status=\"\(status)\"} \(count)\n"
        }
        out += "# HELP billing_http_request_duration_seconds Time from complete request to encoded response.\n"
        out += "# TYPE billing_http_request_duration_seconds histogram\n"
        var cumulative: UInt64 = 0
        for (i, bound) in Self.bucketBounds.enumerated() {
            cumulative += r.buckets[i]
            out += "billing_http_request_duration_seconds_bucket{le=\"\(bound)\"} \(cumulative)\n"
        }
        out += "billing_http_request_duration_seconds_bucket{le=\"+Inf\"} \(r.count)\n"
        out += "billing_http_request_duration_seconds_sum \(r.sumSeconds)\n"
        out += "billing_http_request_duration_seconds_count \(r.count)\n"
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
