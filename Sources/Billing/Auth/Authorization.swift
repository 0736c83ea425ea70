/// The rules for who may grant what, shared by API keys and users.
enum Authorization {
    /// A super-admin grants any role anywhere; a tenant admin grants service, viewer and admin, only in its own
    /// tenant; every other role grants nothing (`Role.grantable`).
    static func requireCanGrant(role: Role, tenantId: String?, by caller: Principal) throws {
        guard caller.role.grantable.contains(role) else {
            if caller.role.grantable.isEmpty { throw BillingError.forbidden("the \(caller.role.rawValue) role cannot create credentials") }
            throw BillingError.forbidden("the \(caller.role.rawValue) role cannot grant the \(role.rawValue) role")
        }
        if !caller.isOperator, let tenantId, tenantId != caller.tenantId {
            throw BillingError.forbidden("admins act only within their own tenant")
        }
    }

    /// Operator roles carry no tenant, tenant roles need one; `field` names the tenant parameter in the answer.
    static func requireTenantFits(role: Role, tenantId: String?, field: String, kind: String) throws {
        if role.isOperator, tenantId != nil {
            throw BillingError.validation(field: field, reason: "must be \(field == "tenant_id" ? "omitted" : "null") for \(role.rawValue) \(kind)")
        }
        if !role.isOperator, tenantId == nil { throw BillingError.missing(field) }
    }
}
