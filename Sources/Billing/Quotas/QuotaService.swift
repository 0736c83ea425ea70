import Foundation
import Storage
import Support

/// A quota's standing in its current window (`check_quota`, `get_quota_status`).
public struct QuotaCheck: Sendable, Equatable {
    public let quota: Quota?
    public let resourceType: ResourceType
    public let period: PeriodType
    public let current: Int64
    public let allowed: Bool
    public let periodStart: Date
    public let resetsAt: Date?

    public var limit: Int64? { quota?.limitValue }
    public var remaining: Int64? { quota.map { max(0, $0.limitValue - current) } }
    /// Percentage used, rounded to 2 decimals; nil without a quota.
    public var percentage: Double? { quota.map { (Double(current) * 10000 / Double($0.limitValue)).rounded() / 100 } }
}

/// Quota management and checks (SPEC §6).
public struct QuotaService: Sendable {
    let database: Database
    let clock: any WallClock
    let settings: BillingSettings

    public init(database: Database, clock: any WallClock, settings: BillingSettings) {
        self.database = database
        self.clock = clock
        self.settings = settings
    }

    /// Upsert keeping omitted fields; returns the quota and whether it was created.
    public func set(tenantId: String, _ input: QuotaInput, context: CallContext) throws -> (quota: Quota, created: Bool) {
        if let v = input.limitValue, v <= 0 { throw BillingError.validation(field: "limit_value", reason: "must be an integer greater than 0") }
        if case .some(.some(let t)) = input.notificationThreshold, !(1...100).contains(t) {
            throw BillingError.validation(field: "notification_threshold", reason: "must be between 1 and 100, or null")
        }
        let now = clock.now()
        return try database.write { conn in
            let result = try QuotaStore.upsert(conn, tenantId: tenantId, input, at: now)
            var changes: JSONObject = ["resource_type": .string(input.resourceType.rawValue), "period": .string(input.period.rawValue),
                                       "limit_value": .int(result.quota.limitValue), "is_hard_limit": .bool(result.quota.isHardLimit)]
            changes["notification_threshold"] = JSON(result.quota.notificationThreshold)
            try AuditLog.record(conn, context, action: "set_quota", tenantId: tenantId, targetId: result.quota.id, changes: changes, at: now)
            return result
        }
    }

    public func list(tenantId: String) throws -> [Quota] {
        try database.read { try QuotaStore.list($0, tenantId: tenantId) }
    }

    /// One page of the tenant's quotas (by resource type, then period) and how many there are.
    public func list(tenantId: String, limit: Int, offset: Int) throws -> (items: [Quota], total: Int) {
        try database.read { conn in
            let total = try conn.scalar("SELECT COUNT(*) FROM quotas WHERE tenant_id = ?", [.text(tenantId)]).int64Value ?? 0
            let items = try conn.query("SELECT * FROM quotas WHERE tenant_id = ? ORDER BY resource_type, period LIMIT ? OFFSET ?",
                                       [.text(tenantId), .integer(Int64(limit)), .integer(Int64(offset))]).map(QuotaStore.decode)
            return (items, Int(total))
        }
    }

    /// Deletes a quota of `tenantId`; another tenant's id is "not found".
    public func delete(id: String, tenantId: String, context: CallContext) throws {
        let now = clock.now()
        try database.write { conn in
            guard try QuotaStore.delete(conn, id: id, tenantId: tenantId) else { throw BillingError.notFound("quota not found") }
            try AuditLog.record(conn, context, action: "delete_quota", tenantId: tenantId, targetId: id, at: now)
        }
    }

    /// The check of one resource and period (no quota → allowed, `has_quota` false).
    public func check(tenantId: String, resourceType: ResourceType, period: PeriodType) throws -> QuotaCheck {
        let now = clock.now()
        return try database.read { conn in
            let quota = try QuotaStore.find(conn, tenantId: tenantId, resourceType: resourceType, period: period)
            return try Self.check(conn, tenantId: tenantId, resourceType: resourceType, period: period, quota: quota,
                                  calendar: settings.calendar, now: now)
        }
    }

    /// Every quota of the tenant with its check.
    public func status(tenantId: String) throws -> [QuotaCheck] {
        let now = clock.now()
        return try database.read { conn in
            try QuotaStore.list(conn, tenantId: tenantId).map {
                try Self.check(conn, tenantId: tenantId, resourceType: $0.resourceType, period: $0.period, quota: $0,
                               calendar: settings.calendar, now: now)
            }
        }
    }

    static func check(_ conn: Connection, tenantId: String, resourceType: ResourceType, period: PeriodType, quota: Quota?,
                      calendar: BillingCalendar, now: Date) throws -> QuotaCheck {
        let start = calendar.periodStart(period, containing: Int64(floor(now.timeIntervalSince1970)))
        // No bucket yet is 0; a bucket whose counter is not an integer is a corrupt row (it throws).
        let current = try conn.queryOne("""
            SELECT total_quantity FROM tenant_usage WHERE tenant_id = ? AND resource_type = ? AND period_type = ? AND period_start = ?
            """, [.text(tenantId), .text(resourceType.rawValue), .text(period.rawValue), .integer(start)])?.decode(Int64.self, "total_quantity") ?? 0
        let end = calendar.periodEnd(period, startingAt: start)
        let allowed = quota.map { current < $0.limitValue } ?? true
        return QuotaCheck(quota: quota, resourceType: resourceType, period: period, current: current, allowed: allowed,
                          periodStart: Date(timeIntervalSince1970: Double(start)),
                          resetsAt: end.map { Date(timeIntervalSince1970: Double($0)) })
    }
}
