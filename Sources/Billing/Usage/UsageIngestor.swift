import Foundation
import Storage
import Support

/// The write path of metering: idempotency, hard-quota admission, raw event, rollups and threshold
/// notifications, all in one writer transaction — so check-and-record is atomic and a hard limit
/// of N admits exactly N units under any concurrency.
public struct UsageIngestor: Sendable {
    let database: Database
    let clock: any WallClock
    let settings: BillingSettings

    public init(database: Database, clock: any WallClock, settings: BillingSettings) {
        self.database = database
        self.clock = clock
        self.settings = settings
    }

    /// Validates what the type system cannot: quantity range, metadata size, key length, time window.
    /// `field` prefixes names for batch elements (`events[3].quantity`).
    public func validate(_ input: UsageEventInput, field prefix: String = "", now: Date) throws {
        if input.quantity < 1 || input.quantity > UsageEventInput.maxQuantity {
            throw BillingError.validation(field: prefix + "quantity", reason: "must be an integer between 1 and \(UsageEventInput.maxQuantity)")
        }
        if let m = input.metadata, JSON.object(m).serialized().count > UsageEventInput.maxMetadataBytes {
            throw BillingError.validation(field: prefix + "metadata", reason: "must be at most \(UsageEventInput.maxMetadataBytes) bytes of JSON")
        }
        if let k = input.idempotencyKey, k.isEmpty || k.count > UsageEventInput.maxIdempotencyKeyLength {
            throw BillingError.validation(field: prefix + "idempotency_key", reason: "must be 1 to \(UsageEventInput.maxIdempotencyKeyLength) characters")
        }
        if let r = input.resourceId, r.count > UsageEventInput.maxResourceIdLength {
            throw BillingError.validation(field: prefix + "resource_id", reason: "must be at most \(UsageEventInput.maxResourceIdLength) characters")
        }
        // The time window is checked after the duplicate lookup (in `ingest`), so a client retrying a
        // stored event after the late window still gets its 200 duplicate rather than a 400.
    }

    /// Refuses an `occurred_at` outside `[now - USAGE_LATE_WINDOW, now + future tolerance]`.
    static func checkWindow(_ at: Int64, field: String, nowMs: Int64, lateWindowSeconds: Int, futureToleranceSeconds: Int) throws {
        if at < nowMs - Int64(lateWindowSeconds) * 1000 {
            throw BillingError.validation(field: field, reason: "is older than the late window of \(lateWindowSeconds) seconds")
        }
        if at > nowMs + Int64(futureToleranceSeconds) * 1000 {
            throw BillingError.validation(field: field, reason: "is more than \(futureToleranceSeconds) seconds in the future")
        }
    }

    /// Records one event. Duplicates (same tenant and idempotency key) return the original.
    public func log(tenantId: String, _ input: UsageEventInput, enforce: Bool) throws -> UsageLogResult {
        try logBatch(tenantId: tenantId, [input], enforce: enforce)[0]
    }

    /// Records events atomically: all of them or (on a quota rejection) none.
    public func logBatch(tenantId: String, _ inputs: [UsageEventInput], enforce: Bool) throws -> [UsageLogResult] {
        guard settings.usageTrackingEnabled else {
            throw BillingError.unavailable(code: "usage_tracking_disabled", message: "usage tracking is disabled on this server")
        }
        let now = clock.now()
        for (i, input) in inputs.enumerated() { try validate(input, field: inputs.count > 1 ? "events[\(i)]." : "", now: now) }
        let calendar = settings.calendar
        let enforceHard = enforce || settings.quotaEnforcementEnabled
        let defaultThreshold = settings.quotaWarningThreshold
        let window = (late: settings.usageLateWindowSeconds, future: settings.usageFutureToleranceSeconds)
        let outcome: BatchOutcome = try database.write { conn in
            guard let tenant = try conn.queryOne("SELECT status FROM tenants WHERE id = ?", [.text(tenantId)]) else {
                throw BillingError.notFound("tenant not found")
            }
            if let refusal = try tenant.decode(Tenant.Status.self, "status").refusal { throw refusal }
            // The unit's own savepoint (the writer's) undoes everything when `ingest` throws.
            return try Self.ingest(conn, tenantId: tenantId, inputs, enforceHard: enforceHard, calendar: calendar,
                                   defaultThreshold: defaultThreshold, window: window, now: now)
        }
        switch outcome {
        case .recorded(let results): return results
        case .rejected(let rejection): throw BillingError.quotaExceeded(rejection)
        }
    }

    enum BatchOutcome: Sendable {
        case recorded([UsageLogResult])
        case rejected(QuotaRejection)
    }

    /// Runs inside the writer transaction. On a hard-quota rejection the savepoint is rolled back by
    /// throwing `Rejected`, the `quota_exceeded` notification is written after it, and the outcome says so.
    static func ingest(_ conn: Connection, tenantId: String, _ inputs: [UsageEventInput], enforceHard: Bool,
                       calendar: BillingCalendar, defaultThreshold: Int, window: (late: Int, future: Int), now: Date) throws -> BatchOutcome {
        let nowMs = Int64(now.timeIntervalSince1970 * 1000)
        var results: [UsageLogResult] = []
        var counters = RollupCounters(conn: conn, tenantId: tenantId)
        var notices: [QuotaNotice] = []
        // A batch is refused whole: its savepoint takes back the events recorded before the one a quota refused.
        // A single event is refused before anything is written, so it needs none (two round trips on PostgreSQL).
        func atomically(_ body: () throws -> Void) throws {
            if inputs.count > 1 { try conn.savepoint(body) } else { try body() }
        }
        /// The event already recorded under `input`'s idempotency key, as a replay; nil when there is none.
        /// Stripe's rule: the same key with another request is a client bug, not a retry (409).
        func replay(_ input: UsageEventInput, at index: Int) throws -> UsageLogResult? {
            guard let key = input.idempotencyKey,
                  let row = try conn.queryOne("SELECT * FROM usage_logs WHERE tenant_id = ? AND idempotency_key = ?", [.text(tenantId), .text(key)])
            else { return nil }
            let recorded = try UsageStore.decode(row)
            guard recorded.isReplay(of: input) else {
                throw BillingError.idempotencyKeyReused(field: (inputs.count > 1 ? "events[\(index)]." : "") + "idempotency_key", key: key)
            }
            return UsageLogResult(event: recorded, duplicate: true)
        }
        do {
            try atomically {
                for (index, input) in inputs.enumerated() {
                    if let replayed = try replay(input, at: index) {
                        results.append(replayed)
                        continue
                    }
                    if let at = input.occurredAt {
                        try checkWindow(at, field: (inputs.count > 1 ? "events[\(index)]." : "") + "occurred_at", nowMs: nowMs,
                                        lateWindowSeconds: window.late, futureToleranceSeconds: window.future)
                    }
                    let occurred = input.occurredAt ?? nowMs
                    let seconds = floorDiv(occurred, 1000)
                    let quotas = try counters.quotas(input.resourceType)
                    // Admission: every hard quota must stay within its limit after this event.
                    for q in quotas where q.isHardLimit && enforceHard {
                        let start = calendar.periodStart(q.period, containing: seconds)
                        let current = try counters.quantity(input.resourceType, q.period, start)
                        if current + input.quantity > q.limit {
                            let resets = calendar.periodEnd(q.period, startingAt: start).map { Date(timeIntervalSince1970: Double($0)) }
                            throw Rejected(rejection: QuotaRejection(resourceType: q.resourceType, period: q.period, current: current,
                                                                     limit: q.limitValue, resetsAt: resets, index: inputs.count > 1 ? index : nil),
                                           quota: q, periodStart: start, refusedQuantity: input.quantity)
                        }
                    }
                    let event = UsageEvent(id: UUIDv7.make(at: Date(timeIntervalSince1970: Double(occurred) / 1000)), tenantId: tenantId,
                                           resourceType: input.resourceType, quantity: input.quantity, resourceId: input.resourceId,
                                           metadata: input.metadata, idempotencyKey: input.idempotencyKey, occurredAt: occurred, createdAt: nowMs)
                    guard try UsageStore.insert(conn, event) else {
                        // Another instance recorded this key after the lookup above (PostgreSQL: the insert waited for its
                        // commit): a replay, then, of the event it stored.
                        guard let replayed = try replay(input, at: index) else {
                            throw BillingError.conflict("the event could not be recorded; retry")
                        }
                        results.append(replayed)
                        continue
                    }
                    // Threshold crossings, judged on the counters before and after this event.
                    for q in quotas {
                        let start = calendar.periodStart(q.period, containing: seconds)
                        let before = try counters.quantity(input.resourceType, q.period, start)
                        let after = before + input.quantity
                        let threshold = Int64(q.notificationThreshold ?? defaultThreshold)
                        if before * 100 < threshold * q.limitValue, after * 100 >= threshold * q.limitValue, threshold < 100 {
                            notices.append(QuotaNotice(kind: .quotaWarning, quota: q, periodStart: start, current: after))
                        }
                        if before < q.limitValue, after >= q.limitValue {
                            notices.append(QuotaNotice(kind: .quotaExceeded, quota: q, periodStart: start, current: after))
                        }
                    }
                    counters.add(event, calendar: calendar)
                    results.append(UsageLogResult(event: event, duplicate: false))
                }
            }
        } catch let rejected as Rejected {
            try QuotaNotice(kind: .quotaExceeded, quota: rejected.quota, periodStart: rejected.periodStart, current: rejected.rejection.current,
                            refusedQuantity: rejected.refusedQuantity).write(conn, calendar: calendar, now: now)
            return .rejected(rejected.rejection)
        }
        for notice in notices { try notice.write(conn, calendar: calendar, now: now) }
        counters.commit()
        return .recorded(results)
    }

    struct Rejected: Error {
        let rejection: QuotaRejection
        let quota: Quota
        let periodStart: Int64
        let refusedQuantity: Int64
    }
}

extension QuotaRejection {
    var limitValue: Int64 { limit }
}

extension Quota {
    var limit: Int64 { limitValue }
}
