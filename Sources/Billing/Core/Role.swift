/// What a principal may do. Tenant roles belong to one tenant: `service` only records usage and checks quotas
/// (application keys), `viewer` reads, `admin` also manages the tenant's users, keys, webhooks and payment methods
/// and pays its invoices. Operator roles belong to no tenant and act on any: `billing` changes what tenants are
/// billed (prices, plans, subscriptions, invoices, quotas, refunds), `super-admin` does everything.
/// The role × action matrix is in docs/SECURITY.md; `Permission` (AdminAPI) maps each action to its roles.
public enum Role: String, Sendable, CaseIterable {
    case service
    case viewer
    case admin
    case billing
    case superAdmin = "super-admin"

    /// Operators run the billing system rather than being billed by it: no tenant of their own.
    public var isOperator: Bool { self == .billing || self == .superAdmin }

    /// The roles a principal of this role may give to a new key or user.
    public var grantable: [Role] {
        switch self {
        case .superAdmin: Role.allCases
        case .admin: [.service, .viewer, .admin]
        case .service, .viewer, .billing: []
        }
    }

    /// The accepted spellings, for validation messages.
    public static let allNames = Role.allCases.map(\.rawValue).joined(separator: ", ")
}
