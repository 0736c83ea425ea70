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
        func add(_ rows: [Row]) {
            for r in rows {
                guard let type = ResourceType(rawValue: r.string("resource_type") ?? "") else { continue }
                var t = result[type] ?? UsageTotals()
                t.eventCount += r.int("event_count") ?? 0
                t.totalQuantity += r.int("total_quantity") ?? 0
                result[type] = t
            }
        }
        let typeFilter = resourceType == nil ? "" : " AND resource_type = ?"
        let typeArgs: [SQLValue] = resourceType.map { [.text($0.rawValue)] } ?? []

        // Whole hourly buckets inside the range.
        let fromSeconds = floorDiv(fromMillis + 999, 1000)
        var firstHour = calendar.periodStart(.hourly, containing: fromSeconds)
        if firstHour * 1000 < fromMillis { firstHour = calendar.periodEnd(.hourly, startingAt: firstHour)! }
        let lastHour = calendar.periodStart(.hourly, containing: floorDiv(toMillis, 1000))
        func raw(_ a: Int64, _ b: Int64) throws {
            guard a < b else { return }
            add(try conn.query("""
                SELECT resource_type, count(*) AS event_count, sum(quantity) AS total_quantity FROM usage_logs
                WHERE tenant_id = ? AND occurred_at >= ? AND occurred_at < ?\(typeFilter) GROUP BY resource_type
                """, [.text(tenantId), .integer(a), .integer(b)] + typeArgs))
        }
        if firstHour < lastHour {
            add(try conn.query("""
                SELECT resource_type, sum(event_count) AS event_count, sum(total_quantity) AS total_quantity FROM tenant_usage
                WHERE tenant_id = ? AND period_type = 'hourly' AND period_start >= ? AND period_start < ?\(typeFilter) GROUP BY resource_type
                """, [.text(tenantId), .integer(firstHour), .integer(lastHour)] + typeArgs))
            try raw(fromMillis, firstHour * 1000)
            try raw(lastHour * 1000, toMillis)
        } else {
            try raw(fromMillis, toMillis)
        }
        return result
    }
}
