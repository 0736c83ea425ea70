/// The rules for who may grant what, shared by API keys and users.
enum Authorization {
    /// An admin may grant roles up to admin, only in its own tenant; a viewer grants nothing;
    /// a super-admin grants anything anywhere.
    static func requireCanGrant(role: Role, tenantId: String?, by caller: Principal) throws {
        switch caller.role {
        case .superAdmin:
            return
        case .admin:
            if role == .superAdmin { throw BillingError.forbidden("admins cannot grant the super-admin role") }
            if let tenantId, tenantId != caller.tenantId { throw BillingError.forbidden("admins act only within their own tenant") }
        case .viewer:
            throw BillingError.forbidden("viewers cannot create credentials")
        }
    }
}
