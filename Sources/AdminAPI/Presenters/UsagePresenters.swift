import Billing
import Foundation
import Support

extension Present {
    static func millis(_ ms: Int64) -> JSON {
        .string(StoredTime.format(Date(timeIntervalSince1970: Double(ms) / 1000)))
    }

    static func seconds(_ s: Int64) -> JSON { .string(RFC3339.format(Date(timeIntervalSince1970: Double(s)))) }

    static func usageEvent(_ e: UsageEvent, duplicate: Bool? = nil) -> JSON {
        var o: JSONObject = [
            "id": .string(e.id), "tenant_id": .string(e.tenantId), "resource_type": .string(e.resourceType.rawValue),
            "quantity": .int(e.quantity), "resource_id": JSON(e.resourceId), "metadata": e.metadata.map { .object($0) } ?? .null,
            "idempotency_key": JSON(e.idempotencyKey), "occurred_at": millis(e.occurredAt), "created_at": millis(e.createdAt),
        ]
        if let duplicate { o["duplicate"] = .bool(duplicate) }
        return .object(o)
    }

    /// `[{resource_type, event_count, total_quantity}]` in resource-type order, plus the totals.
    static func byResourceType(_ totals: [ResourceType: UsageTotals]) -> (list: JSON, totals: JSON) {
        var list: [JSON] = []
        var events: Int64 = 0
        var quantity: Int64 = 0
        for type in ResourceType.allCases {
            guard let t = totals[type] else { continue }
            list.append(["resource_type": .string(type.rawValue), "event_count": .int(t.eventCount), "total_quantity": .int(t.totalQuantity)])
            events += t.eventCount
            quantity += t.totalQuantity
        }
        return (.array(list), ["total_events": .int(events), "total_quantity": .int(quantity)])
    }

    static func quota(_ q: Quota) -> JSON {
        [
            "id": .string(q.id), "tenant_id": .string(q.tenantId), "resource_type": .string(q.resourceType.rawValue),
            "limit_value": .int(q.limitValue), "period": .string(q.period.rawValue), "is_hard_limit": .bool(q.isHardLimit),
            "notification_threshold": JSON(q.notificationThreshold), "created_at": time(q.createdAt), "updated_at": time(q.updatedAt),
        ]
    }

    static func quotaCheck(_ c: QuotaCheck) -> JSON {
        [
            "quota_id": JSON(c.quota?.id), "resource_type": .string(c.resourceType.rawValue), "period": .string(c.period.rawValue),
            "allowed": .bool(c.allowed), "current": .int(c.current), "limit": JSON(c.limit), "remaining": JSON(c.remaining),
            "percentage": JSON(c.percentage), "has_quota": .bool(c.quota != nil), "is_hard_limit": .bool(c.quota?.isHardLimit ?? false),
            "notification_threshold": JSON(c.quota?.notificationThreshold), "period_start": time(c.periodStart), "resets_at": time(c.resetsAt),
        ]
    }
}
