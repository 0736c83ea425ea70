/// Who is calling: an API key, a dashboard user, or the system itself (jobs, bootstrap).
public struct Principal: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case apiKey = "api_key"
        case user
        case system
    }

    public let kind: Kind
    public let id: String
    public let role: Role
    /// The tenant a tenant role belongs to; nil for operators (billing, super-admin) and the system.
    public let tenantId: String?
    /// Key name or user e-mail, for display and audit.
    public let displayName: String

    public init(kind: Kind, id: String, role: Role, tenantId: String?, displayName: String) {
        self.kind = kind
        self.id = id
        self.role = role
        self.tenantId = tenantId
        self.displayName = displayName
    }

    /// The principal for background jobs and operator CLI commands.
    public static let system = Principal(kind: .system, id: "system", role: .superAdmin, tenantId: nil, displayName: "system")

    public var isSuperAdmin: Bool { role == .superAdmin }

    /// Billing and super-admin principals: no tenant of their own, they name the tenant they act on.
    public var isOperator: Bool { role.isOperator }
}

/// The facts about a call that every mutation records in the audit log.
public struct CallContext: Sendable {
    public let principal: Principal
    public let clientIP: String?
    public let requestId: String?

    public init(principal: Principal, clientIP: String? = nil, requestId: String? = nil) {
        self.principal = principal
        self.clientIP = clientIP
        self.requestId = requestId
    }

    /// Context for jobs and CLI commands.
    public static let system = CallContext(principal: .system)
}
