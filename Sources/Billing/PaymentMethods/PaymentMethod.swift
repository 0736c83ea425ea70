import Foundation
import Support

/// A way a tenant pays. Cards are kept only as the gateway token (sealed) plus brand, last 4 and expiry.
public struct PaymentMethod: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case creditCard = "credit_card"
        case boleto, pix
        case bankTransfer = "bank_transfer"
        case other
    }

    public enum Status: String, Sendable, CaseIterable {
        case active, deleted
    }

    public let id: String
    public let tenantId: String
    public let type: Kind
    public var status: Status
    public var isDefault: Bool
    /// Whether a sealed gateway token is stored (the token itself never leaves the service).
    public let hasToken: Bool
    public let cardBrand: String?
    public let cardLast4: String?
    public let expMonth: Int?
    public let expYear: Int?
    public let holderName: String?
    public let label: String?
    public let metadata: JSONObject?
    public let createdAt: Date
    public var updatedAt: Date
    public var deletedAt: Date?
}

/// `add_payment_method` input.
public struct PaymentMethodDraft: Sendable {
    public var type: PaymentMethod.Kind?
    public var isDefault: Bool?
    /// The gateway's token for the card or account (never a card number).
    public var token: String?
    public var cardBrand: String?
    public var cardLast4: String?
    public var expMonth: Int64?
    public var expYear: Int64?
    public var holderName: String?
    public var label: String?
    public var metadata: JSONObject?

    public init() {}
}
