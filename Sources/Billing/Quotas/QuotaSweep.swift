import Foundation
import Storage
import Support

/// The `check_quotas` job: compares every quota with its current window and writes any threshold or
/// limit notification the inline trigger has not (same dedupe keys, so nothing is ever notified twice).
/// Catches crossings the ingestion path could not see, e.g. a quota created or lowered after the usage.
enum QuotaSweep {
    static func run(_ database: Database, calendar: BillingCalendar, defaultThreshold: Int, now: Date,
                    dryRun: Bool) throws -> (checked: Int64, warnings: Int64, exceeded: Int64) {
        let seconds = Int64(floor(now.timeIntervalSince1970))
        let quotas = try database.read { conn in
            try conn.query("SELECT * FROM quotas ORDER BY tenant_id, id").map(QuotaStore.decode)
        }
        var warnings: Int64 = 0
        var exceeded: Int64 = 0
        // One write unit per quota keeps each unit small; dedupe keys make reruns and races harmless.
        for quota in quotas {
            let start = calendar.periodStart(quota.period, containing: seconds)
            let created: (Bool, Bool) = try database.write { conn in
                let current = try conn.queryOne("""
                    SELECT total_quantity FROM tenant_usage WHERE tenant_id = ? AND resource_type = ? AND period_type = ? AND period_start = ?
                    """, [.text(quota.tenantId), .text(quota.resourceType.rawValue), .text(quota.period.rawValue), .integer(start)])?
                    .decode(Int64.self, "total_quantity") ?? 0
                let threshold = Int64(quota.notificationThreshold ?? defaultThreshold)
                var notices: [QuotaNotice] = []
                if threshold < 100, current * 100 >= threshold * quota.limitValue {
                    notices.append(QuotaNotice(kind: .quotaWarning, quota: quota, periodStart: start, current: current))
                }
                if current >= quota.limitValue {
                    notices.append(QuotaNotice(kind: .quotaExceeded, quota: quota, periodStart: start, current: current))
                }
                var made = (false, false)
                for notice in notices {
                    let key = "\(notice.kind.rawValue):\(quota.id):\(start)"
                    let exists = try conn.queryOne("SELECT 1 FROM notifications WHERE tenant_id = ? AND dedupe_key = ?",
                                                   [.text(quota.tenantId), .text(key)]) != nil
                    guard !exists else { continue }
                    if !dryRun { try notice.write(conn, calendar: calendar, now: now) }
                    if notice.kind == .quotaWarning { made.0 = true } else { made.1 = true }
                }
                return made
            }
            if created.0 { warnings += 1 }
            if created.1 { exceeded += 1 }
        }
        return (Int64(quotas.count), warnings, exceeded)
    }
}
