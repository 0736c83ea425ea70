import Foundation
import Support

/// A customer organisation; every other object belongs to exactly one tenant.
public struct Tenant: Sendable, Equatable {
    public enum Status: String, Sendable, CaseIterable {
        case active, suspended, inactive

        /// The error for a principal of a tenant in this status, nil when it may act (`active`).
        public var refusal: BillingError? {
            switch self {
            case .active: nil
            case .suspended: .tenantSuspended
            case .inactive: .tenantInactive
            }
        }
    }

    /// The longest name and slug a tenant may have.
    public static let maxNameLength = 200
    public static let maxSlugLength = 64

    public let id: String
    public var name: String
    public var slug: String
    public var status: Status
    public var plan: String?
    public var billingEmail: String?
    public var settings: JSONObject?
    public var asaasCustomerId: String?
    public let createdAt: Date
    public var updatedAt: Date
}

/// Fields for `create_tenant`; `nil` means "not given".
public struct TenantDraft: Sendable {
    public var name: String?
    public var slug: String?
    public var status: Tenant.Status?
    public var plan: String??
    public var billingEmail: String??
    public var settings: JSONObject??

    public init(name: String? = nil, slug: String? = nil, status: Tenant.Status? = nil, plan: String?? = nil,
                billingEmail: String?? = nil, settings: JSONObject?? = nil) {
        self.name = name
        self.slug = slug
        self.status = status
        self.plan = plan
        self.billingEmail = billingEmail
        self.settings = settings
    }
}

/// Counts shown by `get_tenant_stats`.
public struct TenantStats: Sendable, Equatable {
    public var users = 0
    public var apiKeys = 0
    public var usageEvents = 0
    public var quotas = 0
    public var invoices = 0
    public var unreadNotifications = 0
}
