import Foundation
import Storage
import Support

/// The SQL for quotas; usable inside any write transaction (plans apply their quotas on subscribe).
public enum QuotaStore {
    /// Creates or updates the quota of `(tenant, resource, period)`, keeping fields the input omits.
    /// Returns the stored quota and whether it was created.
    public static func upsert(_ conn: Connection, tenantId: String, _ input: QuotaInput, at now: Date) throws -> (quota: Quota, created: Bool) {
        RollupAccumulator.quotasChanged(conn)
        if let existing = try find(conn, tenantId: tenantId, resourceType: input.resourceType, period: input.period) {
            var q = existing
            if let v = input.limitValue { q.limitValue = v }
            if let h = input.isHardLimit { q.isHardLimit = h }
            if let t = input.notificationThreshold { q.notificationThreshold = t }
            q.updatedAt = now
            try conn.run("UPDATE quotas SET limit_value = ?, is_hard_limit = ?, notification_threshold = ?, updated_at = ? WHERE id = ?",
                         [.integer(q.limitValue), .integer(q.isHardLimit ? 1 : 0), sqlInt(q.notificationThreshold),
                          .text(StoredTime.format(now)), .text(q.id)])
            return (q, false)
        }
        guard let limit = input.limitValue else { throw BillingError.missing("limit_value") }
        let q = Quota(id: UUIDv7.make(at: now), tenantId: tenantId, resourceType: input.resourceType, limitValue: limit,
                      period: input.period, isHardLimit: input.isHardLimit ?? false,
                      notificationThreshold: input.notificationThreshold ?? nil, createdAt: now, updatedAt: now)
        try conn.run("""
            INSERT INTO quotas (id, tenant_id, resource_type, limit_value, period, is_hard_limit, notification_threshold, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, [.text(q.id), .text(tenantId), .text(q.resourceType.rawValue), .integer(limit), .text(q.period.rawValue),
                  .integer(q.isHardLimit ? 1 : 0), sqlInt(q.notificationThreshold),
                  .text(StoredTime.format(now)), .text(StoredTime.format(now))])
        return (q, true)
    }

    /// Deletes a quota of `tenantId`; false when there is none with that id in the tenant.
    public static func delete(_ conn: Connection, id: String, tenantId: String) throws -> Bool {
        RollupAccumulator.quotasChanged(conn)
        return try conn.run("DELETE FROM quotas WHERE id = ? AND tenant_id = ?", [.text(id), .text(tenantId)]) > 0
    }

    public static func find(_ conn: Connection, tenantId: String, resourceType: ResourceType, period: PeriodType) throws -> Quota? {
        try conn.queryOne("SELECT * FROM quotas WHERE tenant_id = ? AND resource_type = ? AND period = ?",
                          [.text(tenantId), .text(resourceType.rawValue), .text(period.rawValue)]).map(decode)
    }

    public static func find(_ conn: Connection, id: String, tenantId: String) throws -> Quota? {
        try conn.queryOne("SELECT * FROM quotas WHERE id = ? AND tenant_id = ?", [.text(id), .text(tenantId)]).map(decode)
    }

    public static func list(_ conn: Connection, tenantId: String, resourceType: ResourceType? = nil) throws -> [Quota] {
        if let resourceType {
            return try conn.query("SELECT * FROM quotas WHERE tenant_id = ? AND resource_type = ? ORDER BY resource_type, period",
                                  [.text(tenantId), .text(resourceType.rawValue)]).map(decode)
        }
        return try conn.query("SELECT * FROM quotas WHERE tenant_id = ? ORDER BY resource_type, period", [.text(tenantId)]).map(decode)
    }

    /// A `quotas` row; throws `RowDecodingError` when a required column is NULL, of another type, or unparseable.
    static func decode(_ r: Row) throws -> Quota {
        Quota(id: try r.decode(String.self, "id"), tenantId: try r.decode(String.self, "tenant_id"),
              resourceType: try r.decode(ResourceType.self, "resource_type"),
              limitValue: try r.decode(Int64.self, "limit_value"), period: try r.decode(PeriodType.self, "period"),
              isHardLimit: try r.decode(Bool.self, "is_hard_limit"), notificationThreshold: try r.decodeIfPresent(Int.self, "notification_threshold"),
              createdAt: try r.decodeTime("created_at"), updatedAt: try r.decodeTime("updated_at"))
    }
}
