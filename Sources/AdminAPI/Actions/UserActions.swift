import Billing
import HTTP
import Support

/// Dashboard user management (SPEC §3).
enum UserActions {
    static func make(_ s: AdminServices) -> [Action] {
        [
            Action("list_users", [.GET], .write, scope: .optionalTenant, summary: "Users of the tenant (all tenants for a super-admin without tenant_id)") { r in
                .ok(.array(try s.users.list(tenantId: r.tenantId).map(Present.user)))
            },
            Action("create_user", [.POST], .write, scope: .optionalTenant, summary: "Create a dashboard user") { r in
                var d = UserDraft()
                d.email = try r.params.requiredString("email", maxLength: 254)
                d.password = try r.params.requiredString("password", maxLength: 1024)
                d.name = .some(try r.params.string("name", maxLength: 200))
                d.role = try r.params.enumeration("role", Role.self)
                d.tenantId = .some(r.tenantId)
                return .created(Present.user(try s.users.create(d, context: r.context)))
            },
            Action("update_user", [.POST], .write, scope: .optionalTenant, summary: "Change a user's name, e-mail, role, password or tenant") { r in
                let id = try r.params.requiredID("id")
                var d = UserDraft()
                d.email = try r.params.string("email", maxLength: 254)
                d.password = try r.params.string("password", maxLength: 1024)
                if r.params.has("name") { d.name = .some(try r.params.nullableString("name", maxLength: 200) ?? nil) }
                d.role = try r.params.enumeration("role", Role.self)
                if r.params.has("new_tenant_id") { d.tenantId = .some(try r.params.id("new_tenant_id")) }
                let scope = r.principal!.isSuperAdmin ? nil : r.tenantId
                return .ok(Present.user(try s.users.update(id: id, d, scopeTenantId: scope, context: r.context)))
            },
            Action("delete_user", [.POST], .write, scope: .optionalTenant, summary: "Delete a user") { r in
                let id = try r.params.requiredID("id")
                let scope = r.principal!.isSuperAdmin ? nil : r.tenantId
                try s.users.delete(id: id, scopeTenantId: scope, context: r.context)
                return .ok(["id": .string(id), "deleted": true])
            },
        ]
    }
}
