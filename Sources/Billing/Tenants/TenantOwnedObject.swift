import Storage

/// A kind of object that belongs to one tenant and is named by id in the API, so a super-admin can act
/// on it without naming its tenant (the router asks `TenantService.owner(of:id:)`).
public enum TenantOwnedObject: String, Sendable, CaseIterable {
    case invoice = "invoices"
    case quota = "quotas"
    case notification = "notifications"
    case paymentMethod = "payment_methods"
    case webhookEndpoint = "webhook_endpoints"
    case subscription = "subscriptions"

    /// "invoice not found" and the like.
    public var notFound: String {
        switch self {
        case .invoice: "invoice not found"
        case .quota: "quota not found"
        case .notification: "notification not found"
        case .paymentMethod: "payment method not found"
        case .webhookEndpoint: "webhook endpoint not found"
        case .subscription: "subscription not found"
        }
    }
}

extension TenantService {
    /// The tenant an object belongs to, or nil when there is no such object.
    public func owner(of kind: TenantOwnedObject, id: String) throws -> String? {
        // The table name comes from the closed enum above, never from input.
        try database.read { try $0.queryOne("SELECT tenant_id FROM \(kind.rawValue) WHERE id = ?", [.text(id)]) }
            .flatMap { try $0.decode(String.self, "tenant_id") }
    }
}
