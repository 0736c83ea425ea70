import Foundation
import Storage
import Support

/// Filters of `list_usage_events` / `export_usage`.
public struct UsageEventFilter: Sendable {
    public var resourceType: ResourceType?
    public var resourceId: String?
    /// Unix ms, inclusive / exclusive.
    public var fromMillis: Int64?
    public var toMillis: Int64?
    public init() {}
}

/// One point of a time series.
public struct UsagePoint: Sendable, Equatable {
    /// Start of the bucket (Unix seconds).
    public let start: Int64
    public let resourceType: ResourceType
    public let totals: UsageTotals
}

/// Time-series bucket sizes.
public enum UsageInterval: String, Sendable, CaseIterable {
    case hour, day, week, month
}

/// Reads of metering: stats, time series, event lists, rollup summaries and maintenance (SPEC §5).
public struct UsageService: Sendable {
    let database: Database
    let clock: any WallClock
    let settings: BillingSettings

    public init(database: Database, clock: any WallClock, settings: BillingSettings) {
        self.database = database
        self.clock = clock
        self.settings = settings
    }

    var calendar: BillingCalendar { settings.calendar }

    /// Exact totals per resource type for `[from, to)`.
    public func stats(tenantId: String, fromMillis: Int64, toMillis: Int64, resourceType: ResourceType?) throws -> [ResourceType: UsageTotals] {
        try database.read { conn in
            try UsageQueries.totals(conn, tenantId: tenantId, fromMillis: fromMillis, toMillis: toMillis, resourceType: resourceType, calendar: calendar)
        }
    }

    /// Buckets of `interval` covering `[from, to)`, exact at clipped edges; with `fillZeros` every bucket × type appears.
    public func timeseries(tenantId: String, fromMillis: Int64, toMillis: Int64, interval: UsageInterval, resourceType: ResourceType?,
                           fillZeros: Bool) throws -> [UsagePoint] {
        let buckets = bucketStarts(interval: interval, fromSeconds: floorDiv(fromMillis, 1000), toMillis: toMillis)
        guard buckets.count <= 10_000 else {
            throw BillingError.validation(field: "interval", reason: "gives more than 10000 buckets for this range; use a larger interval")
        }
        return try database.read { conn in
            var points: [UsagePoint] = []
            for (i, start) in buckets.enumerated() {
                let end = i + 1 < buckets.count ? buckets[i + 1] : nextBucket(interval, start)
                let a = max(fromMillis, start * 1000)
                let b = min(toMillis, end * 1000)
                let totals = try UsageQueries.totals(conn, tenantId: tenantId, fromMillis: a, toMillis: b, resourceType: resourceType, calendar: calendar)
                let types = resourceType.map { [$0] } ?? ResourceType.allCases
                for type in types {
                    if let t = totals[type] {
                        points.append(UsagePoint(start: start, resourceType: type, totals: t))
                    } else if fillZeros {
                        points.append(UsagePoint(start: start, resourceType: type, totals: UsageTotals()))
                    }
                }
            }
            return points
        }
    }

    func nextBucket(_ interval: UsageInterval, _ start: Int64) -> Int64 {
        switch interval {
        case .hour: return calendar.periodEnd(.hourly, startingAt: start)!
        case .day: return calendar.periodEnd(.daily, startingAt: start)!
        case .week:
            var s = start
            for _ in 0..<7 { s = calendar.periodEnd(.daily, startingAt: s)! }
            return s
        case .month: return calendar.periodEnd(.monthly, startingAt: start)!
        }
    }

    func bucketStarts(interval: UsageInterval, fromSeconds: Int64, toMillis: Int64) -> [Int64] {
        var start: Int64
        switch interval {
        case .hour: start = calendar.periodStart(.hourly, containing: fromSeconds)
        case .day: start = calendar.periodStart(.daily, containing: fromSeconds)
        case .month: start = calendar.periodStart(.monthly, containing: fromSeconds)
        case .week:
            // ISO weeks start on Monday (1970-01-01 was a Thursday).
            let day = calendar.periodStart(.daily, containing: fromSeconds)
            let local = day + Int64(calendar.timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(day))))
            let weekday = (floorDiv(local, 86400) + 3) % 7  // 0 = Monday
            start = calendar.periodStart(.daily, containing: day - weekday * 86400 + 7200)
        }
        var out: [Int64] = []
        while start * 1000 < toMillis, out.count <= 10_000 {
            out.append(start)
            start = nextBucket(interval, start)
        }
        return out
    }

    /// Newest first. `cursor` continues after the last event of the previous page.
    public func listEvents(tenantId: String, _ filter: UsageEventFilter, limit: Int, offset: Int,
                           cursor: (occurredAt: Int64, id: String)?) throws -> [UsageEvent] {
        var (conditions, args) = Self.conditions(tenantId: tenantId, filter)
        if let cursor {
            conditions.append("(occurred_at < ? OR (occurred_at = ? AND id < ?))")
            args += [.integer(cursor.occurredAt), .integer(cursor.occurredAt), .text(cursor.id)]
        }
        let sql = "SELECT * FROM usage_logs WHERE \(conditions.joined(separator: " AND ")) ORDER BY occurred_at DESC, id DESC LIMIT ? OFFSET ?"
        return try database.read { conn in
            try conn.query(sql, args + [.integer(Int64(limit)), .integer(Int64(cursor == nil ? offset : 0))]).map(UsageStore.decode)
        }
    }

    /// Streams every matching event, newest first, to `body` (for CSV export) from one read snapshot.
    public func forEachEvent(tenantId: String, _ filter: UsageEventFilter, _ body: (UsageEvent) throws -> Void) throws {
        let (conditions, args) = Self.conditions(tenantId: tenantId, filter)
        try database.read { conn in
            try conn.forEachRow("SELECT * FROM usage_logs WHERE \(conditions.joined(separator: " AND ")) ORDER BY occurred_at DESC, id DESC", args) {
                try body(UsageStore.decode($0))
            }
        }
    }

    static func conditions(tenantId: String, _ f: UsageEventFilter) -> ([String], [SQLValue]) {
        var c = ["tenant_id = ?"]
        var a: [SQLValue] = [.text(tenantId)]
        if let t = f.resourceType { c.append("resource_type = ?"); a.append(.text(t.rawValue)) }
        if let r = f.resourceId { c.append("resource_id = ?"); a.append(.text(r)) }
        if let from = f.fromMillis { c.append("occurred_at >= ?"); a.append(.integer(from)) }
        if let to = f.toMillis { c.append("occurred_at < ?"); a.append(.integer(to)) }
        return (c, a)
    }

    /// Totals of the current `period` window per resource type (from the rollups).
    public func summary(tenantId: String, period: PeriodType) throws -> (periodStart: Int64, totals: [ResourceType: UsageTotals]) {
        let start = calendar.periodStart(period, containing: Int64(floor(clock.now().timeIntervalSince1970)))
        let rows = try database.read { conn in
            try conn.query("SELECT * FROM tenant_usage WHERE tenant_id = ? AND period_type = ? AND period_start = ?",
                           [.text(tenantId), .text(period.rawValue), .integer(start)])
        }
        return (start, try Self.totalsByType(rows))
    }

    /// The last `limit` windows of `period` (newest first), per resource type.
    public func trends(tenantId: String, period: PeriodType, limit: Int) throws -> [UsagePoint] {
        let rows = try database.read { conn in
            try conn.query("""
                SELECT * FROM tenant_usage WHERE tenant_id = ? AND period_type = ? AND period_start IN
                  (SELECT DISTINCT period_start FROM tenant_usage WHERE tenant_id = ? AND period_type = ? ORDER BY period_start DESC LIMIT ?)
                ORDER BY period_start DESC, resource_type
                """, [.text(tenantId), .text(period.rawValue), .text(tenantId), .text(period.rawValue), .integer(Int64(limit))])
        }
        return try rows.map { r in
            UsagePoint(start: try r.decode(Int64.self, "period_start"), resourceType: try r.decode(ResourceType.self, "resource_type"),
                       totals: try UsageStore.decodeTotals(r))
        }
    }

    static func totalsByType(_ rows: [Row]) throws -> [ResourceType: UsageTotals] {
        var out: [ResourceType: UsageTotals] = [:]
        for r in rows { out[try r.decode(ResourceType.self, "resource_type")] = try UsageStore.decodeTotals(r) }
        return out
    }

    /// Rebuilds the rollups of `tenantId` (all tenants when nil) from the raw events still stored.
    /// Buckets older than the oldest raw event are kept (their events may have been cleaned up).
    /// Returns how many rollup rows were written and whether anything differed from the live counters.
    public func rebuildRollups(tenantId: String?, dryRun: Bool, context: CallContext) throws -> (rows: Int, mismatches: Int) {
        let cal = calendar
        let now = clock.now()
        return try database.write { conn in
            try RollupAccumulator.settle(conn)
            let tenants: [String] = try tenantId.map { [$0] } ?? conn.query("SELECT id FROM tenants").map { try $0.decode(String.self, "id") }
            var written = 0
            var mismatches = 0
            for t in tenants {
                // NULL: the tenant has no raw events; a value that is not an integer is a corrupt event (it throws).
                guard let oldest = try conn.queryOne("SELECT min(occurred_at) AS occurred_at FROM usage_logs WHERE tenant_id = ?", [.text(t)])?
                    .decodeIfPresent(Int64.self, "occurred_at") else { continue }
                var fresh: [RollupAccumulator.Key: UsageTotals] = [:]
                try conn.forEachRow("SELECT resource_type, quantity, occurred_at FROM usage_logs WHERE tenant_id = ?", [.text(t)]) { r in
                    let type = try r.decode(ResourceType.self, "resource_type")
                    let quantity = try r.decode(Int64.self, "quantity")
                    let seconds = floorDiv(try r.decode(Int64.self, "occurred_at"), 1000)
                    for period in PeriodType.allCases where period != .total {
                        let key = RollupAccumulator.Key(tenantId: t, type: type, period: period, start: cal.periodStart(period, containing: seconds))
                        var v = fresh[key] ?? UsageTotals()
                        v.eventCount += 1
                        v.totalQuantity += quantity
                        fresh[key] = v
                    }
                }
                // Rebuild only windows whose every event is still stored: when hourly rollups exist before the
                // oldest raw event, events were cleaned up, so start at the next month boundary instead.
                let oldestSeconds = floorDiv(oldest, 1000)
                let monthOfOldest = cal.periodStart(.monthly, containing: oldestSeconds)
                let cleanedBefore = try conn.queryOne("SELECT 1 FROM tenant_usage WHERE tenant_id = ? AND period_type = 'hourly' AND period_start < ? LIMIT 1",
                                                      [.text(t), .integer(cal.periodStart(.hourly, containing: oldestSeconds))]) != nil
                let cutoff = cleanedBefore ? cal.periodEnd(.monthly, startingAt: monthOfOldest)! : monthOfOldest
                let existing = try conn.query("SELECT * FROM tenant_usage WHERE tenant_id = ? AND period_type <> 'total' AND period_start >= ?",
                                              [.text(t), .integer(cutoff)])
                var live: [RollupAccumulator.Key: UsageTotals] = [:]
                for r in existing {
                    live[RollupAccumulator.Key(tenantId: t, type: try r.decode(ResourceType.self, "resource_type"),
                                               period: try r.decode(PeriodType.self, "period_type"),
                                               start: try r.decode(Int64.self, "period_start"))] = try UsageStore.decodeTotals(r)
                }
                // Buckets that straddle the cutoff (earlier events cleaned up) are left alone.
                let complete = fresh.filter { key, _ in key.start >= cutoff }
                for (key, value) in complete where live[key] != value { mismatches += 1 }
                for (key, _) in live where complete[key] == nil { mismatches += 1 }
                if dryRun { continue }
                try conn.run("DELETE FROM tenant_usage WHERE tenant_id = ? AND period_type <> 'total' AND period_start >= ?", [.text(t), .integer(cutoff)])
                for (key, v) in complete {
                    try conn.run("INSERT INTO tenant_usage (tenant_id, resource_type, period_type, period_start, event_count, total_quantity) VALUES (?, ?, ?, ?, ?, ?)",
                                 [.text(t), .text(key.type.rawValue), .text(key.period.rawValue), .integer(key.start), .integer(v.eventCount), .integer(v.totalQuantity)])
                    written += 1
                }
                // Lifetime totals = monthly sums (the monthly rows span all history, cleaned-up months included).
                try conn.run("DELETE FROM tenant_usage WHERE tenant_id = ? AND period_type = 'total'", [.text(t)])
                written += try conn.run("""
                    INSERT INTO tenant_usage (tenant_id, resource_type, period_type, period_start, event_count, total_quantity)
                    SELECT tenant_id, resource_type, 'total', 0, sum(event_count), sum(total_quantity) FROM tenant_usage
                    WHERE tenant_id = ? AND period_type = 'monthly' GROUP BY tenant_id, resource_type
                    """, [.text(t)])
            }
            if !dryRun {
                try AuditLog.record(conn, context, action: "aggregate_tenant_usage", tenantId: tenantId, targetId: tenantId,
                                    changes: ["rows": .int(Int64(written)), "mismatches": .int(Int64(mismatches))], at: now)
            }
            return (written, mismatches)
        }
    }

    /// Deletes raw events older than `beforeMillis` (rollups keep the totals). Returns how many were deleted.
    /// `before` is rounded down to its hour so only whole hourly buckets lose raw events (which keeps
    /// `rebuildRollups` able to tell complete windows from cleaned ones).
    public func cleanup(tenantId: String?, beforeMillis requested: Int64, context: CallContext) throws -> Int {
        let now = clock.now()
        let beforeMillis = calendar.periodStart(.hourly, containing: floorDiv(requested, 1000)) * 1000
        return try database.write { conn in
            let deleted: Int
            if let tenantId {
                deleted = try conn.run("DELETE FROM usage_logs WHERE tenant_id = ? AND occurred_at < ?", [.text(tenantId), .integer(beforeMillis)])
            } else {
                deleted = try conn.run("DELETE FROM usage_logs WHERE occurred_at < ?", [.integer(beforeMillis)])
            }
            try AuditLog.record(conn, context, action: "cleanup_usage", tenantId: tenantId, targetId: nil,
                                changes: ["before": .string(RFC3339.format(Date(timeIntervalSince1970: Double(beforeMillis) / 1000))),
                                          "deleted": .int(Int64(deleted))], at: now)
            return deleted
        }
    }
}
