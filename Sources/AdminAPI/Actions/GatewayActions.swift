import Billing
import Foundation
import HTTP
import Support

/// The payment gateway (SPEC §9): Asaas customers, invoice charges, PIX, cards, refunds, balance, webhook events.
/// With `ASAAS_ENABLED=false` every gateway call answers 503 `gateway_disabled` (the events list still works).
enum GatewayActions {
    static func make(_ s: AdminServices) -> [Action] {
        [
            Action("sync_asaas_customer", [.POST], .pay, scope: .tenant, input: SyncAsaasCustomerInput.self,
                   summary: "Link the tenant to an Asaas customer (found by externalReference or created)") { r, input in
                let result = try s.payments.syncCustomer(tenantId: r.tenant, input.customer, context: r.context)
                return .ok(["tenant_id": .string(result.tenantId), "asaas_customer_id": .string(result.customerId), "created": .bool(result.created)])
            },
            Action("charge_invoice", [.POST], .pay, scope: invoiceOwner, input: ChargeInvoiceInput.self,
                   summary: "Create the invoice's Asaas charge (billing_type BOLETO|PIX|CREDIT_CARD|UNDEFINED); again → the existing charge") { r, input in
                let outcome = try s.payments.charge(invoiceId: input.invoiceId, tenantId: r.tenant, billingType: input.billingType, context: r.context)
                let body: JSON = ["invoice": Present.invoice(outcome.invoice), "charge": Present.charge(outcome.charge),
                                  "pix": outcome.pix.map(Present.pix) ?? .null, "existing": .bool(outcome.existing)]
                return outcome.existing ? .ok(body) : .created(body)
            },
            Action("get_invoice_pix_qrcode", [.GET], .read, scope: invoiceOwner, input: InvoicePixInput.self,
                   summary: "PIX QR code (image and copy-and-paste payload) of a charged invoice") { r, input in
                let (invoice, qr) = try s.payments.pixQRCode(invoiceId: input.invoiceId, tenantId: r.tenant)
                var body = Present.pix(qr).objectValue ?? [:]
                body["invoice_id"] = .string(invoice.id)
                body["external_payment_id"] = JSON(invoice.externalPaymentId)
                return .ok(.object(body))
            },
            Action("pay_invoice_with_card", [.POST], .pay, scope: invoiceOwner, input: PayInvoiceWithCardInput.self,
                   summary: "Tokenize a card and pay the invoice with it (card data in the JSON body only; never stored)") { r, input in
                let outcome = try s.payments.payWithCard(invoiceId: input.invoiceId, tenantId: r.tenant, card: input.card, holder: input.holder,
                                                         remoteIP: input.remoteIP ?? r.http.remoteAddress, savePaymentMethod: input.savePaymentMethod,
                                                         context: r.context)
                return .ok(["invoice": Present.invoice(outcome.invoice), "charge": Present.charge(outcome.charge),
                            "payment_method": outcome.paymentMethod.map(Present.paymentMethod) ?? .null])
            },
            Action("refund_invoice", [.POST], .billing, scope: invoiceOwner, input: RefundInvoiceInput.self,
                   summary: "Refund a paid invoice through Asaas, fully or partly (amount_cents)") { r, input in
                let outcome = try s.payments.refund(invoiceId: input.invoiceId, tenantId: r.tenant, amountCents: input.amountCents,
                                                    description: input.description, context: r.context)
                return .ok(["invoice": Present.invoice(outcome.invoice), "charge": Present.charge(outcome.charge),
                            "refunded_cents": .int(outcome.refundedCents), "total_refunded_cents": .int(outcome.totalRefundedCents)])
            },
            Action("get_gateway_balance", [.GET], .billing, scope: .none, input: NoInput.self, summary: "The Asaas account balance") { _, _ in
                .ok(["balance_cents": .int(try s.payments.balanceCents()), "currency": "BRL"])
            },
            Action("list_webhook_events", [.GET], .billing, scope: .none, input: ListGatewayEventsInput.self,
                   summary: "Asaas webhook events received, newest first (status received|applied|ignored|held|error)") { _, input in
                let q = input.query
                let result = try s.gatewayEvents.list(q)
                return .ok(Present.page(result.items.map { Present.gatewayEvent($0, payload: input.includePayload) }, total: result.total,
                                        limit: q.limit, offset: q.offset))
            },
        ]
    }

    /// The scope of the actions on one invoice: named by `id` (or `invoice_id`, its second name), so a super-admin
    /// needs no `tenant_id`.
    static let invoiceOwner = TenantScope.owner(.invoice, fields: ["id", "invoice_id"])
}

/// JSON shapes of gateway charges, PIX codes and webhook events.
extension Present {
    static func charge(_ c: GatewayCharge) -> JSON {
        [
            "id": .string(c.id), "status": .string(c.status), "billing_type": .string(c.billingType), "amount_cents": .int(c.amountCents),
            "due_date": JSON(c.dueDate), "invoice_url": JSON(c.invoiceURL), "bank_slip_url": JSON(c.bankSlipURL),
            "refunded_cents": .int(c.refundedCents), "card_brand": JSON(c.cardBrand), "card_last4": JSON(c.cardLast4),
            "external_reference": JSON(c.externalReference),
        ]
    }

    static func pix(_ q: GatewayPixQRCode) -> JSON {
        ["payload": .string(q.payload), "encoded_image": .string(q.encodedImage), "expiration_date": JSON(q.expirationDate)]
    }

    static func gatewayEvent(_ e: GatewayEvent, payload: Bool) -> JSON {
        [
            "id": .string(e.id), "provider": .string(e.provider), "event_id": .string(e.eventId), "event_type": .string(e.eventType),
            "payment_id": JSON(e.paymentId), "external_reference": JSON(e.externalReference), "payment_status": JSON(e.paymentStatus),
            "payment_customer_id": JSON(e.paymentCustomerId), "payment_value_cents": e.paymentValueCents.map(JSON.int) ?? .null,
            "status": .string(e.status.rawValue), "result": JSON(e.result), "error": JSON(e.error), "tenant_id": JSON(e.tenantId),
            "invoice_id": JSON(e.invoiceId), "redeliveries": JSON(e.redeliveries), "received_at": time(e.receivedAt),
            "processed_at": time(e.processedAt),
            "payload": payload ? ((try? JSON.parse(e.payload)) ?? .string(e.payload)) : .null,
        ]
    }
}
