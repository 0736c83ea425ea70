import Storage
import Support
import Synchronization

/// Counters of the admin API for `/metrics` (SPEC §13): calls by action and status, and metering
/// outcomes. In memory, per process; Prometheus computes rates from the monotonic totals.
public final class AppMetrics: Sendable {
    private struct State {
        var calls: [String: Int] = [:]   // "action\u{0}status" → count
        var eventsIngested = 0
        var duplicates = 0
        var quotaRejections = 0
    }

    private let state = Mutex(State())

    public init() {}

    func recordCall(action: String, status: Int) {
        state.withLock { $0.calls["\(action)\u{0}\(status)", default: 0] += 1 }
    }

    func recordIngestion(created: Int, duplicates: Int) {
        state.withLock {
            $0.eventsIngested += created
            $0.duplicates += duplicates
        }
    }

    func recordQuotaRejection() { state.withLock { $0.quotaRejections += 1 } }

    /// The Prometheus text of these counters plus the writer's statistics.
    func render(writer w: WriterStatistics) -> String {
        let s = state.withLock { $0 }
        var out = """
            # HELP billing_api_calls_total Admin API calls by action and status.
            # TYPE billing_api_calls_total counter

            """
        for key in s.calls.keys.sorted() {
            let parts = key.split(separator: "\u{0}", omittingEmptySubsequences: false)
            out += "billing_api_calls_total{action=\"\(parts[0])\",status=\"\(parts[1])\"} \(s.calls[key]!)\n"
        }
        out += """
            # HELP billing_usage_events_ingested_total Usage events recorded (duplicates excluded).
            # TYPE billing_usage_events_ingested_total counter
            billing_usage_events_ingested_total \(s.eventsIngested)
            # HELP billing_usage_duplicates_total Usage events answered as duplicates of an idempotency key.
            # TYPE billing_usage_duplicates_total counter
            billing_usage_duplicates_total \(s.duplicates)
            # HELP billing_quota_rejections_total Usage refused by a hard quota (429 quota_exceeded).
            # TYPE billing_quota_rejections_total counter
            billing_quota_rejections_total \(s.quotaRejections)
            # HELP billing_db_writer_queue_depth Units waiting for the single writer.
            # TYPE billing_db_writer_queue_depth gauge
            billing_db_writer_queue_depth \(w.queueDepth)
            # HELP billing_db_writer_commits_total Transactions committed by the writer.
            # TYPE billing_db_writer_commits_total counter
            billing_db_writer_commits_total \(w.commits)
            # HELP billing_db_writer_units_total Units of work run by the writer.
            # TYPE billing_db_writer_units_total counter
            billing_db_writer_units_total \(w.units)
            # HELP billing_db_writer_failed_units_total Units that threw or whose batch failed.
            # TYPE billing_db_writer_failed_units_total counter
            billing_db_writer_failed_units_total \(w.failedUnits)

            """
        out += Self.histogram("billing_db_commit_seconds", help: "Time spent in COMMIT (one fsync per group).", w.commitLatency)
        out += Self.histogram("billing_db_write_unit_seconds", help: "Time from submitting a write unit to its durable answer.", w.unitLatency)
        return out
    }

    static func histogram(_ name: String, help: String, _ h: LatencyHistogram) -> String {
        var out = "# HELP \(name) \(help)\n# TYPE \(name) histogram\n"
        for (bound, count) in zip(h.upperBounds, h.cumulativeCounts) {
            out += "\(name)_bucket{le=\"\(bound)\"} \(count)\n"
        }
        out += "\(name)_bucket{le=\"+Inf\"} \(h.count)\n\(name)_sum \(h.sum)\n\(name)_count \(h.count)\n"
        return out
    }
}
