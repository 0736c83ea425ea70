import Foundation
import Storage
import Support

/// The SQL of raw usage events.
enum UsageStore {
    static func insert(_ conn: Connection, _ e: UsageEvent) throws {
        try conn.run("""
            INSERT INTO usage_logs (id, tenant_id, resource_type, quantity, resource_id, metadata_json, idempotency_key, occurred_at, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, [.text(e.id), .text(e.tenantId), .text(e.resourceType.rawValue), .integer(e.quantity), SQLValue(e.resourceId),
                  SQLValue(e.metadata.map { JSON.object($0).serializedString() }), SQLValue(e.idempotencyKey),
                  .integer(e.occurredAt), .integer(e.createdAt)])
    }

    static func decode(_ r: Row) -> UsageEvent {
        UsageEvent(id: r.string("id") ?? "", tenantId: r.string("tenant_id") ?? "",
                   resourceType: ResourceType(rawValue: r.string("resource_type") ?? "") ?? .message,
                   quantity: r.int("quantity") ?? 0, resourceId: r.string("resource_id"),
                   metadata: r.string("metadata_json").flatMap { try? JSON.parse($0) }?.objectValue,
                   idempotencyKey: r.string("idempotency_key"), occurredAt: r.int("occurred_at") ?? 0, createdAt: r.int("created_at") ?? 0)
    }
}

/// Rollup counters of one ingesting transaction: reads go to the table once per bucket, increments
/// accumulate in memory and are written with one upsert per distinct bucket at the end.
struct RollupCounters {
    struct Key: Hashable {
        let type: ResourceType
        let period: PeriodType
        let start: Int64
    }

    let conn: Connection
    let tenantId: String
    private var stored: [Key: Int64] = [:]
    private var deltas: [Key: UsageTotals] = [:]

    init(conn: Connection, tenantId: String) {
        self.conn = conn
        self.tenantId = tenantId
    }

    /// Committed quantity plus what this transaction has added so far.
    mutating func quantity(_ type: ResourceType, _ period: PeriodType, _ start: Int64) throws -> Int64 {
        let key = Key(type: type, period: period, start: start)
        let base: Int64
        if let s = stored[key] {
            base = s
        } else {
            base = try conn.scalar("""
                SELECT total_quantity FROM tenant_usage WHERE tenant_id = ? AND resource_type = ? AND period_type = ? AND period_start = ?
                """, [.text(tenantId), .text(type.rawValue), .text(period.rawValue), .integer(start)]).int64Value ?? 0
            stored[key] = base
        }
        return base + (deltas[key]?.totalQuantity ?? 0)
    }

    mutating func add(_ e: UsageEvent, calendar: BillingCalendar) {
        let seconds = floorDiv(e.occurredAt, 1000)
        for period in PeriodType.allCases {
            let key = Key(type: e.resourceType, period: period, start: calendar.periodStart(period, containing: seconds))
            var d = deltas[key] ?? UsageTotals()
            d.eventCount += 1
            d.totalQuantity += e.quantity
            deltas[key] = d
        }
    }

    mutating func flush() throws {
        for (key, d) in deltas {
            try conn.run("""
                INSERT INTO tenant_usage (tenant_id, resource_type, period_type, period_start, event_count, total_quantity)
                VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (tenant_id, resource_type, period_type, period_start)
                DO UPDATE SET event_count = event_count + excluded.event_count, total_quantity = total_quantity + excluded.total_quantity
                """, [.text(tenantId), .text(key.type.rawValue), .text(key.period.rawValue), .integer(key.start),
                      .integer(d.eventCount), .integer(d.totalQuantity)])
            stored[key] = (stored[key] ?? 0) + d.totalQuantity
        }
        deltas.removeAll()
    }
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
