import Billing
import HTTP
import Support

/// Tenant management (SPEC §4).
enum TenantActions {
    static func make(_ s: AdminServices) -> [Action] {
        [
            Action("list_tenants", [.GET], .superAdmin, scope: .none, summary: "Tenants, filtered by status and a search text") { r in
                let status = try r.params.enumeration("status", Tenant.Status.self)
                let search = try r.params.string("search", maxLength: 200)
                let page = try r.params.page()
                let result = try s.tenants.list(status: status, search: search, limit: page.limit, offset: page.offset)
                return .ok(Present.page(result.tenants.map(Present.tenant), total: result.total, limit: page.limit, offset: page.offset))
            },
            Action("get_tenant", [.GET], .read, scope: .tenant, summary: "One tenant (own tenant for non-super-admins)") { r in
                .ok(Present.tenant(try s.tenants.get(id: r.tenant)))
            },
            Action("create_tenant", [.POST], .superAdmin, scope: .none, summary: "Create a tenant") { r in
                let draft = try draft(r.params)
                return .created(Present.tenant(try s.tenants.create(draft, context: r.context)))
            },
            Action("update_tenant", [.POST], .superAdmin, scope: .none, summary: "Change a tenant's fields (omitted fields are kept)") { r in
                let id = try tenantID(r.params)
                return .ok(Present.tenant(try s.tenants.update(id: id, try draft(r.params), context: r.context)))
            },
            Action("delete_tenant", [.POST], .superAdmin, scope: .none, summary: "Delete a tenant and everything it owns") { r in
                let id = try tenantID(r.params)
                try s.tenants.delete(id: id, context: r.context)
                return .ok(["id": .string(id), "deleted": true])
            },
            Action("suspend_tenant", [.POST], .superAdmin, scope: .none, summary: "Suspend a tenant (its principals get 403)") { r in
                .ok(Present.tenant(try s.tenants.setStatus(id: try tenantID(r.params), .suspended, context: r.context)))
            },
            Action("activate_tenant", [.POST], .superAdmin, scope: .none, summary: "Re-activate a tenant") { r in
                .ok(Present.tenant(try s.tenants.setStatus(id: try tenantID(r.params), .active, context: r.context)))
            },
            Action("get_tenant_stats", [.GET], .read, scope: .tenant, summary: "Counts of a tenant's users, keys, events, quotas, invoices, unread notifications") { r in
                .ok(Present.tenantStats(try s.tenants.stats(id: r.tenant), tenantId: r.tenant))
            },
        ]
    }

    /// The tenant an action addresses: `id`, or `tenant_id` as an alias.
    static func tenantID(_ p: Params) throws -> String {
        if let id = try p.id("id") { return id }
        if let id = try p.id("tenant_id") { return id }
        throw APIError.validation("id", "is required")
    }

    static func draft(_ p: Params) throws -> TenantDraft {
        var d = TenantDraft()
        d.name = try p.string("name", maxLength: 200)
        d.slug = try p.string("slug", maxLength: 64)
        d.status = try p.enumeration("status", Tenant.Status.self)
        if p.has("plan") { d.plan = .some(try p.nullableString("plan", maxLength: 64) ?? nil) }
        if p.has("billing_email") { d.billingEmail = .some(try p.nullableString("billing_email", maxLength: 254) ?? nil) }
        if p.has("settings") { d.settings = .some(try p.object("settings")) }
        return d
    }
}
