import Billing
import HTTP
import Support

/// Dashboard user management (SPEC §3).
enum UserActions {
    static func make(_ s: AdminServices) -> [Action] {
        [
            Action("list_users", [.GET], .write, scope: .optionalTenant, input: ListUsersInput.self,
                   summary: "Users of the tenant by e-mail (all tenants for a super-admin without tenant_id)") { r, input in
                let page = input.page
                let result = try s.users.list(tenantId: r.tenantId, limit: page.limit, offset: page.offset)
                return .ok(Present.page(result.users.map(Present.user), total: result.total, limit: page.limit, offset: page.offset))
            },
            Action("create_user", [.POST], .write, scope: .optionalTenant, input: CreateUserInput.self, summary: "Create a dashboard user") { r, input in
                var draft = input.draft
                draft.tenantId = .some(r.tenantId)
                return .created(Present.user(try s.users.create(draft, context: r.context)))
            },
            Action("update_user", [.POST], .write, scope: .optionalTenant, input: UpdateUserInput.self,
                   summary: "Change a user's name, e-mail, role, password or tenant") { r, input in
                let scope = r.principal!.isSuperAdmin ? nil : r.tenantId
                return .ok(Present.user(try s.users.update(id: input.id, input.draft, scopeTenantId: scope, context: r.context)))
            },
            Action("delete_user", [.POST], .write, scope: .optionalTenant, input: DeleteUserInput.self, summary: "Delete a user") { r, input in
                let scope = r.principal!.isSuperAdmin ? nil : r.tenantId
                try s.users.delete(id: input.id, scopeTenantId: scope, context: r.context)
                return .ok(["id": .string(input.id), "deleted": true])
            },
        ]
    }
}
