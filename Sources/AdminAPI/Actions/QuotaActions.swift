import Billing
import HTTP
import Support

/// Quotas (SPEC §6).
enum QuotaActions {
    static func make(_ s: AdminServices) -> [Action] {
        [
            Action("set_quota", [.POST], .billing, scope: .tenant, input: SetQuotaInput.self,
                   summary: "Create or update the quota of a resource and period (omitted fields are kept)") { r, input in
                let result = try s.quotas.set(tenantId: r.tenant, input.quota, context: r.context)
                return result.created ? .created(Present.quota(result.quota)) : .ok(Present.quota(result.quota))
            },
            Action("list_quotas", [.GET], .read, scope: .tenant, input: ListQuotasInput.self, summary: "The tenant's quotas, by resource type and period") { r, input in
                let page = input.page
                let result = try s.quotas.list(tenantId: r.tenant, limit: page.limit, offset: page.offset)
                return .ok(Present.page(result.items.map(Present.quota), total: result.total, limit: page.limit, offset: page.offset))
            },
            Action("delete_quota", [.POST], .billing, scope: .owner(.quota), input: DeleteQuotaInput.self, summary: "Delete a quota of the tenant") { r, input in
                try s.quotas.delete(id: input.id, tenantId: r.tenant, context: r.context)
                return .ok(["id": .string(input.id), "deleted": true])
            },
            Action("check_quota", [.GET], .quota, scope: .tenant, input: CheckQuotaInput.self,
                   summary: "Whether a resource is within its quota for a period, with reset time") { r, input in
                .ok(Present.quotaCheck(try s.quotas.check(tenantId: r.tenant, resourceType: input.resourceType, period: input.period)))
            },
            Action("get_quota_status", [.GET], .quota, scope: .tenant, input: NoInput.self, summary: "Every quota of the tenant with its current usage") { r, _ in
                .ok(.array(try s.quotas.status(tenantId: r.tenant).map(Present.quotaCheck)))
            }.answering(.array),
        ]
    }
}
