import Foundation
import Storage

/// Exact usage sums over any time range without scanning every raw event:
/// whole hours come from the hourly rollups, the partial hours at either edge from raw events.
public enum UsageQueries {
    /// Totals per resource type for events with `from <= occurred_at < to` (Unix ms).
    public static func totals(_ conn: Connection, tenantId: String, fromMillis: Int64, toMillis: Int64,
                              resourceType: ResourceType? = nil, calendar: BillingCalendar) throws -> [ResourceType: UsageTotals] {
        var result: [ResourceType: UsageTotals] = [:]
        guard fromMillis < toMillis else { return result }
        try RollupAccumulator.settle(conn)
        func add(_ rows: [Row]) throws {
            for r in rows {
                let type = try r.decode(ResourceType.self, "resource_type")
                let totals = try UsageStore.decodeTotals(r)
                var t = result[type] ?? UsageTotals()
                t.eventCount += totals.eventCount
                t.totalQuantity += totals.totalQuantity
                result[type] = t
            }
        }
        let typeFilter = resourceType == nil ? "" : " AND resource_type = ?"
        let typeArgs: [SQLValue] = resourceType.map { [.text($0.rawValue)] } ?? []

        /// Whether any event of the tenant lies in `[a, b)` (one index seek).
        func anyEvent(_ a: Int64, _ b: Int64) throws -> Bool {
            guard a < b else { return false }
            return try conn.queryOne("SELECT 1 FROM usage_logs WHERE tenant_id = ? AND occurred_at >= ? AND occurred_at < ? LIMIT 1",
                                     [.text(tenantId), .integer(a), .integer(b)]) != nil
        }
        // Whole hourly buckets inside the range. An edge hour counts as whole when the part of it outside
        // the range holds no events — the usual case for "up to now", where scanning the current hour's raw
        // events of a busy tenant would cost millions of rows.
        let startHour = calendar.periodStart(.hourly, containing: floorDiv(fromMillis, 1000))
        let firstHour = try startHour * 1000 == fromMillis || !anyEvent(startHour * 1000, fromMillis)
            ? startHour : calendar.periodEnd(.hourly, startingAt: startHour)!
        let endHour = calendar.periodStart(.hourly, containing: floorDiv(toMillis, 1000))
        let endHourEnd = calendar.periodEnd(.hourly, startingAt: endHour)!
        let lastHour = try endHour * 1000 < toMillis && !anyEvent(toMillis, endHourEnd * 1000) ? endHourEnd : endHour
        func raw(_ a: Int64, _ b: Int64) throws {
            guard a < b else { return }
            try add(conn.query("""
                SELECT resource_type, count(*) AS event_count, sum(quantity) AS total_quantity FROM usage_logs
                WHERE tenant_id = ? AND occurred_at >= ? AND occurred_at < ?\(typeFilter) GROUP BY resource_type
                """, [.text(tenantId), .integer(a), .integer(b)] + typeArgs))
        }
        if firstHour < lastHour {
            try add(conn.query("""
                SELECT resource_type, sum(event_count) AS event_count, sum(total_quantity) AS total_quantity FROM tenant_usage
                WHERE tenant_id = ? AND period_type = 'hourly' AND period_start >= ? AND period_start < ?\(typeFilter) GROUP BY resource_type
                """, [.text(tenantId), .integer(firstHour), .integer(lastHour)] + typeArgs))
            if firstHour * 1000 > fromMillis { try raw(fromMillis, firstHour * 1000) }
            if lastHour * 1000 < toMillis { try raw(lastHour * 1000, toMillis) }
        } else {
            try raw(fromMillis, toMillis)
        }
        return result
    }
}
