import Foundation
import Storage
import Support

/// `retry_payments` through the gateway: the same charge path as `charge_invoice`.
///
/// An overdue invoice gets its gateway charge (created with billing type CREDIT_CARD when the tenant's
/// default payment method is a saved card, else UNDEFINED so the payer chooses). A saved card is charged
/// with its token at once; otherwise the charge stays open and the webhook reports the payment.
public struct GatewayInvoiceCharger: InvoiceCharger {
    let payments: PaymentService

    public init(payments: PaymentService) { self.payments = payments }

    static let context = CallContext(principal: Principal(kind: .system, id: "retry_payments", role: .superAdmin, tenantId: nil,
                                                          displayName: "retry_payments job"))

    public func charge(_ invoice: Invoice) throws -> ChargeResult {
        do {
            let gw = try payments.requireGateway()
            let card = try payments.database.read { conn in
                try conn.queryOne("""
                    SELECT id FROM payment_methods WHERE tenant_id = ? AND is_default = 1 AND status = 'active'
                      AND type = 'credit_card' AND token_sealed IS NOT NULL
                    """, [.text(invoice.tenantId)])?.decode(String.self, "id")
            }
            return try payments.locks.with(invoice.id) {
                var charge: GatewayCharge
                if let external = invoice.externalPaymentId {
                    charge = try payments.verifiedCharge(gw, external, of: invoice, action: "retry_payments")
                } else {
                    (_, charge) = try payments.attachCharge(gw, invoice, billingType: card == nil ? .undefined : .creditCard,
                                                            action: "retry_payments", context: Self.context)
                }
                if charge.isPaid { return .paid(externalPaymentId: charge.id) }
                guard charge.isOpen else { return .failed(reason: "the gateway charge \(charge.id) is \(charge.status)") }
                guard let card, let token = try payments.paymentMethods.openToken(id: card, tenantId: invoice.tenantId) else {
                    return .pending(externalPaymentId: charge.id)
                }
                charge = try gw.payWithCardToken(chargeId: charge.id, token: token, remoteIP: nil)
                return charge.isPaid ? .paid(externalPaymentId: charge.id) : .pending(externalPaymentId: charge.id)
            }
        } catch let error as GatewayError {
            return .failed(reason: error.reason)
        } catch BillingError.conflict(let reason) {
            return .failed(reason: reason)  // e.g. a stored charge that is not this invoice's (an operator alert is raised)
        }
    }
}
