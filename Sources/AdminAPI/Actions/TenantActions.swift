import Billing
import HTTP
import Support

/// Tenant management (SPEC §4).
enum TenantActions {
    static func make(_ s: AdminServices) -> [Action] {
        [
            Action("list_tenants", [.GET], .billing, scope: .none, input: ListTenantsInput.self,
                   summary: "Tenants, filtered by status and a search text") { _, input in
                let page = input.page
                let result = try s.tenants.list(status: input.status, search: input.search, limit: page.limit, offset: page.offset)
                return .ok(Present.page(result.tenants.map(Present.tenant), total: result.total, limit: page.limit, offset: page.offset))
            },
            Action("get_tenant", [.GET], .read, scope: .tenant, input: NoInput.self, summary: "One tenant (own tenant for non-super-admins)") { r, _ in
                .ok(Present.tenant(try s.tenants.get(id: r.tenant)))
            },
            Action("create_tenant", [.POST], .superAdmin, scope: .none, input: CreateTenantInput.self, summary: "Create a tenant") { r, input in
                .created(Present.tenant(try s.tenants.create(input.draft, context: r.context)))
            },
            Action("update_tenant", [.POST], .superAdmin, scope: .none, input: UpdateTenantInput.self,
                   summary: "Change a tenant's fields (omitted fields are kept)") { r, input in
                .ok(Present.tenant(try s.tenants.update(id: input.id, input.draft, context: r.context)))
            },
            Action("delete_tenant", [.POST], .superAdmin, scope: .none, input: TenantIdInput.self,
                   summary: "Delete a tenant and everything it owns") { r, input in
                try s.tenants.delete(id: input.id, context: r.context)
                return .ok(["id": .string(input.id), "deleted": true])
            },
            Action("suspend_tenant", [.POST], .superAdmin, scope: .none, input: TenantIdInput.self,
                   summary: "Suspend a tenant (its principals get 403)") { r, input in
                .ok(Present.tenant(try s.tenants.setStatus(id: input.id, .suspended, context: r.context)))
            },
            Action("activate_tenant", [.POST], .superAdmin, scope: .none, input: TenantIdInput.self, summary: "Re-activate a tenant") { r, input in
                .ok(Present.tenant(try s.tenants.setStatus(id: input.id, .active, context: r.context)))
            },
            Action("get_tenant_stats", [.GET], .read, scope: .tenant, input: NoInput.self,
                   summary: "Counts of a tenant's users, keys, events, quotas, invoices, unread notifications") { r, _ in
                .ok(Present.tenantStats(try s.tenants.stats(id: r.tenant), tenantId: r.tenant))
            },
        ]
    }
}
