import Foundation
import Storage
import Support

/// The SQL of raw usage events.
enum UsageStore {
    /// Inserts the event; false when its idempotency key is already recorded (by a concurrent transaction: the caller
    /// looked first). On PostgreSQL the insert waits for that transaction's commit, so the row is then visible.
    static func insert(_ conn: Connection, _ e: UsageEvent) throws -> Bool {
        try conn.run("""
            INSERT INTO usage_logs (id, tenant_id, resource_type, quantity, resource_id, metadata_json, idempotency_key, occurred_at, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (tenant_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
            """, [.text(e.id), .text(e.tenantId), .text(e.resourceType.rawValue), .integer(e.quantity), SQLValue(e.resourceId),
                  SQLValue(e.metadata.map { JSON.object($0).serializedString() }), SQLValue(e.idempotencyKey),
                  .integer(e.occurredAt), .integer(e.createdAt)]) > 0
    }

    /// A `usage_logs` row; throws `RowDecodingError` when a required column is NULL, of another type, or unparseable.
    static func decode(_ r: Row) throws -> UsageEvent {
        UsageEvent(id: try r.decode(String.self, "id"), tenantId: try r.decode(String.self, "tenant_id"),
                   resourceType: try r.decode(ResourceType.self, "resource_type"),
                   quantity: try r.decode(Int64.self, "quantity"), resourceId: try r.decodeIfPresent(String.self, "resource_id"),
                   metadata: try r.decodeJSONObjectIfPresent("metadata_json"),
                   idempotencyKey: try r.decodeIfPresent(String.self, "idempotency_key"),
                   occurredAt: try r.decode(Int64.self, "occurred_at"), createdAt: try r.decode(Int64.self, "created_at"))
    }

    /// The `event_count` and `total_quantity` of a `tenant_usage` row (or of a query summing them); throws
    /// `RowDecodingError` when one is NULL or not an integer.
    static func decodeTotals(_ r: Row) throws -> UsageTotals {
        UsageTotals(eventCount: try r.decode(Int64.self, "event_count"), totalQuantity: try r.decode(Int64.self, "total_quantity"))
    }
}

/// Rollup increments of one group-commit transaction, shared by all its units: each distinct
/// bucket is read once and written once (one upsert per bucket per batch, not four per event).
/// Also caches each tenant's quotas per resource for the transaction.
final class RollupAccumulator {
    struct Key: Hashable {
        let tenantId: String
        let type: ResourceType
        let period: PeriodType
        let start: Int64

        /// One text per bucket: the flush order, and the name of its advisory lock on PostgreSQL.
        var sortKey: String { "\(tenantId)|\(type.rawValue)|\(period.rawValue)|\(start)" }
    }

    static let stateKey = "billing.usage.rollups"
    private var stored: [Key: Int64] = [:]
    private var pending: [Key: UsageTotals] = [:]
    private var quotas: [String: [Quota]] = [:]

    /// The accumulator of the current write transaction (registers its pre-commit flush).
    static func current(_ conn: Connection) -> RollupAccumulator {
        let acc = conn.transactionValue(stateKey) { RollupAccumulator() }
        conn.beforeCommit(stateKey) { try acc.flush($0) }
        return acc
    }

    /// Writes pending increments now, for write units that read `tenant_usage` directly (rebuild,
    /// invoicing). A no-op outside a transaction with pending increments (e.g. on read connections).
    static func settle(_ conn: Connection) throws {
        guard let acc = conn.existingTransactionValue(stateKey, as: RollupAccumulator.self) else { return }
        try acc.flush(conn)
        acc.stored.removeAll()
    }

    /// Forgets cached quotas after a quota changed inside the transaction.
    static func quotasChanged(_ conn: Connection) {
        conn.existingTransactionValue(stateKey, as: RollupAccumulator.self)?.quotas.removeAll()
    }

    func quotas(_ conn: Connection, tenantId: String, type: ResourceType) throws -> [Quota] {
        let key = tenantId + "|" + type.rawValue
        if let q = quotas[key] { return q }
        let q = try QuotaStore.list(conn, tenantId: tenantId, resourceType: type)
        quotas[key] = q
        return q
    }

    /// Committed quantity plus increments of earlier units of this transaction.
    ///
    /// On PostgreSQL other instances write the same buckets: the bucket's advisory lock is taken first and held to
    /// the end of the transaction, so an admission decided on this quantity stays true until the increments are
    /// committed. A lock taken inside a unit that rolls back is released with its savepoint, so nothing read under
    /// it is cached: every call locks (re-entrant) and reads again.
    func quantity(_ conn: Connection, _ key: Key) throws -> Int64 {
        let base: Int64
        if conn.dialect == .postgres {
            try conn.run("SELECT pg_advisory_xact_lock(hashtextextended(?, 0))",
                         [.text("tenant_usage|" + key.sortKey)])
            base = try Self.storedQuantity(conn, key)
        } else if let s = stored[key] {
            base = s
        } else {
            base = try Self.storedQuantity(conn, key)
            stored[key] = base
        }
        return base + (pending[key]?.totalQuantity ?? 0)
    }

    /// The committed `total_quantity` of the bucket: 0 when it has no row yet; throws `RowDecodingError` when the
    /// stored counter is not an integer (a corrupt bucket must not read as empty and admit usage past a hard limit).
    static func storedQuantity(_ conn: Connection, _ key: Key) throws -> Int64 {
        try conn.queryOne("""
            SELECT total_quantity FROM tenant_usage WHERE tenant_id = ? AND resource_type = ? AND period_type = ? AND period_start = ?
            """, [.text(key.tenantId), .text(key.type.rawValue), .text(key.period.rawValue), .integer(key.start)])?
            .decode(Int64.self, "total_quantity") ?? 0
    }

    /// Adds a finished unit's increments (its last step, after everything that can throw).
    func merge(_ deltas: [Key: UsageTotals]) {
        for (key, d) in deltas {
            var p = pending[key] ?? UsageTotals()
            p.eventCount += d.eventCount
            p.totalQuantity += d.totalQuantity
            pending[key] = p
        }
    }

    func flush(_ conn: Connection) throws {
        // One order for every instance's flush (PostgreSQL): their row locks can then never wait on each other in a cycle.
        for (key, d) in pending.sorted(by: { $0.key.sortKey < $1.key.sortKey }) {
            try conn.run("""
                INSERT INTO tenant_usage (tenant_id, resource_type, period_type, period_start, event_count, total_quantity)
                VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (tenant_id, resource_type, period_type, period_start)
                DO UPDATE SET event_count = tenant_usage.event_count + excluded.event_count,
                              total_quantity = tenant_usage.total_quantity + excluded.total_quantity
                """, [.text(key.tenantId), .text(key.type.rawValue), .text(key.period.rawValue), .integer(key.start),
                      .integer(d.eventCount), .integer(d.totalQuantity)])
            if let s = stored[key] { stored[key] = s + d.totalQuantity }
        }
        pending.removeAll()
    }
}

/// One unit's view of the rollups: the shared accumulator plus this unit's own increments,
/// which join the accumulator only when the unit succeeds.
struct RollupCounters {
    let conn: Connection
    let tenantId: String
    let shared: RollupAccumulator
    private var deltas: [RollupAccumulator.Key: UsageTotals] = [:]

    init(conn: Connection, tenantId: String) {
        self.conn = conn
        self.tenantId = tenantId
        shared = RollupAccumulator.current(conn)
    }

    func quotas(_ type: ResourceType) throws -> [Quota] {
        try shared.quotas(conn, tenantId: tenantId, type: type)
    }

    func quantity(_ type: ResourceType, _ period: PeriodType, _ start: Int64) throws -> Int64 {
        let key = RollupAccumulator.Key(tenantId: tenantId, type: type, period: period, start: start)
        return try shared.quantity(conn, key) + (deltas[key]?.totalQuantity ?? 0)
    }

    mutating func add(_ e: UsageEvent, calendar: BillingCalendar) {
        let seconds = floorDiv(e.occurredAt, 1000)
        for period in PeriodType.allCases {
            let key = RollupAccumulator.Key(tenantId: tenantId, type: e.resourceType, period: period,
                                            start: calendar.periodStart(period, containing: seconds))
            var d = deltas[key] ?? UsageTotals()
            d.eventCount += 1
            d.totalQuantity += e.quantity
            deltas[key] = d
        }
    }

    /// Hands this unit's increments to the transaction (call last).
    func commit() { shared.merge(deltas) }
}

/// A quota threshold crossing to notify about (once per quota and period, by dedupe key).
struct QuotaNotice {
    let kind: NotificationType
    let quota: Quota
    let periodStart: Int64
    let current: Int64
    /// The refused quantity when a hard limit rejected an event (nil for a crossing by an admitted event).
    var refusedQuantity: Int64? = nil

    func write(_ conn: Connection, calendar: BillingCalendar, now: Date) throws {
        let percentage = Double(current) * 100 / Double(quota.limitValue)
        let periodName = ["hourly": "hourly", "daily": "daily", "monthly": "monthly", "total": "lifetime"][quota.period.rawValue]!
        let resets = calendar.periodEnd(quota.period, startingAt: periodStart).map { Date(timeIntervalSince1970: Double($0)) }
        let resetText = resets.map { "; resets \(RFC3339.format($0))" } ?? ""
        let subject: String
        let message: String
        let priority: NotificationPriority
        switch kind {
        case .quotaExceeded where refusedQuantity != nil:
            subject = "\(quota.resourceType.rawValue) \(periodName) hard limit reached"
            message = "An event of \(refusedQuantity!) \(quota.resourceType.rawValue) was refused: the \(periodName) hard limit is \(quota.limitValue) and \(current) is already used\(resetText)."
            priority = .urgent
        case .quotaExceeded:
            subject = "\(quota.resourceType.rawValue) \(periodName) quota exceeded"
            message = "\(quota.resourceType.rawValue) usage reached \(String(format: "%.0f", percentage))% of the \(periodName) limit (\(current) of \(quota.limitValue))\(resetText)."
            priority = quota.isHardLimit ? .urgent : .high
        default:
            subject = "\(quota.resourceType.rawValue) usage at \(String(format: "%.0f", percentage))% of the \(periodName) quota"
            message = "\(quota.resourceType.rawValue) usage reached \(String(format: "%.0f", percentage))% of the \(periodName) limit (\(current) of \(quota.limitValue))\(resetText)."
            priority = .high
        }
        let metadata: JSONObject = ["quota_id": .string(quota.id), "resource_type": .string(quota.resourceType.rawValue),
                                    "period": .string(quota.period.rawValue), "current": .int(current), "limit": .int(quota.limitValue),
                                    "percentage": .double((percentage * 100).rounded() / 100)]
        try NotificationWriter.insert(conn, tenantId: quota.tenantId, type: kind, priority: priority, subject: subject, message: message,
                                      metadata: metadata, dedupeKey: "\(kind.rawValue):\(quota.id):\(periodStart)", at: now)
    }
}
