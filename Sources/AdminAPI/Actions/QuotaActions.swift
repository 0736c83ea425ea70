import Billing
import HTTP
import Support

/// Quotas (SPEC §6).
enum QuotaActions {
    static func make(_ s: AdminServices) -> [Action] {
        [
            Action("set_quota", [.POST], .write, scope: .tenant, summary: "Create or update the quota of a resource and period (omitted fields are kept)") { r in
                let type = try required(r.params.enumeration("resource_type", ResourceType.self), "resource_type")
                let period = try required(r.params.enumeration("period", PeriodType.self), "period")
                var input = QuotaInput(resourceType: type, period: period)
                input.limitValue = try r.params.int("limit_value", in: 1...Int64.max)
                input.isHardLimit = try r.params.bool("is_hard_limit")
                if r.params.has("notification_threshold") { input.notificationThreshold = .some(try r.params.int("notification_threshold", in: 1...100).map(Int.init)) }
                let result = try s.quotas.set(tenantId: r.tenant, input, context: r.context)
                return result.created ? .created(Present.quota(result.quota)) : .ok(Present.quota(result.quota))
            },
            Action("list_quotas", [.GET], .read, scope: .tenant, summary: "The tenant's quotas") { r in
                .ok(.array(try s.quotas.list(tenantId: r.tenant).map(Present.quota)))
            },
            Action("delete_quota", [.POST], .write, scope: .tenant, summary: "Delete a quota of the tenant") { r in
                let id = try r.params.requiredID("id")
                try s.quotas.delete(id: id, tenantId: r.tenant, context: r.context)
                return .ok(["id": .string(id), "deleted": true])
            },
            Action("check_quota", [.GET], .read, scope: .tenant, summary: "Whether a resource is within its quota for a period, with reset time") { r in
                let type = try required(r.params.enumeration("resource_type", ResourceType.self), "resource_type")
                let period = try r.params.enumeration("period", PeriodType.self) ?? .daily
                return .ok(Present.quotaCheck(try s.quotas.check(tenantId: r.tenant, resourceType: type, period: period)))
            },
            Action("get_quota_status", [.GET], .read, scope: .tenant, summary: "Every quota of the tenant with its current usage") { r in
                .ok(.array(try s.quotas.status(tenantId: r.tenant).map(Present.quotaCheck)))
            },
        ]
    }

    static func required<T>(_ value: T?, _ field: String) throws -> T {
        guard let value else { throw APIError.validation(field, "is required") }
        return value
    }
}
