import Foundation
import Storage
import Support

/// Whether a gateway payment belongs to an invoice: the invoice's tenant is the payment's customer, the
/// payment's `externalReference` is the invoice id, and its value is the invoice amount.
///
/// Every gateway call on a stored `external_payment_id` and every webhook event checks this before acting,
/// so a payment id that reached the wrong invoice (copied from another tenant, typed by an operator,
/// restored from an old backup) never refunds, reveals or settles someone else's charge.
public struct ChargeBinding: Sendable, Equatable {
    public let customerId: String?
    public let externalReference: String?
    public let valueCents: Int64?

    public init(customerId: String?, externalReference: String?, valueCents: Int64?) {
        self.customerId = customerId
        self.externalReference = externalReference
        self.valueCents = valueCents
    }

    public init(_ charge: GatewayCharge) {
        self.init(customerId: charge.customerId, externalReference: charge.externalReference, valueCents: charge.amountCents)
    }

    /// Why the payment does not belong to `invoice` (whose tenant's gateway customer is `tenantCustomerId`), or
    /// nil when it does. A missing customer, reference or value is a mismatch: charges we create carry all three.
    public func mismatch(invoice: Invoice, tenantCustomerId: String?) -> String? {
        guard let tenantCustomerId else { return "the invoice's tenant has no gateway customer" }
        guard let customerId else { return "the payment names no customer" }
        guard customerId == tenantCustomerId else { return "the payment belongs to customer \(customerId), not the invoice's tenant" }
        guard let externalReference else { return "the payment has no externalReference" }
        guard externalReference.lowercased() == invoice.id else {
            return "the payment's externalReference is \(externalReference.prefix(64)), not the invoice id"
        }
        guard let valueCents else { return "the payment has no value" }
        guard valueCents == invoice.amountCents else {
            return "the payment's value is \(valueCents) cents, the invoice's amount \(invoice.amountCents) cents"
        }
        return nil
    }

    /// The gateway customer of the invoice's tenant.
    static func tenantCustomerId(_ conn: Connection, tenantId: String) throws -> String? {
        try conn.queryOne("SELECT asaas_customer_id FROM tenants WHERE id = ?", [.text(tenantId)])?.decodeIfPresent(String.self, "asaas_customer_id")
    }
}
