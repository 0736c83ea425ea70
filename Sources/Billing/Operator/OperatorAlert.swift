import Foundation
import Support

/// Something the operator of the server (a super-admin) must look at, never shown to tenants: the tenant
/// concerned may be the one that caused it (e.g. a payment id copied from another tenant's invoice).
public struct OperatorAlert: Sendable, Equatable {
    /// The longest note an operator may resolve an alert with.
    public static let maxResolutionLength = 2000

    /// What happened; an open set of codes.
    public struct Kind: RawRepresentable, Sendable, Hashable {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }

        /// A gateway webhook event that does not match the invoice it points at was stored, not applied.
        public static let gatewayEventHeld = Kind(rawValue: "gateway_event_held")
        /// A gateway call found a charge that does not belong to the invoice that names it.
        public static let gatewayChargeMismatch = Kind(rawValue: "gateway_charge_mismatch")
    }

    public enum Severity: String, Sendable, CaseIterable {
        case normal, high, urgent
    }

    public let id: String
    public let kind: Kind
    public let severity: Severity
    public let subject: String
    public let message: String
    public let tenantId: String?
    public let invoiceId: String?
    public let metadata: JSONObject?
    public let createdAt: Date
    public let resolvedAt: Date?
    public let resolvedBy: String?
    public let resolution: String?

    public var isOpen: Bool { resolvedAt == nil }
}

/// Filters of `list_operator_alerts`.
public struct OperatorAlertQuery: Sendable {
    /// Open alerts only (true), resolved only (false), or both (nil).
    public var open: Bool?
    public var kind: String?
    public var tenantId: String?
    public var limit = 100
    public var offset = 0

    public init() {}
}
