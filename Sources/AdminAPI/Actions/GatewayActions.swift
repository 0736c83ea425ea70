import Billing
import Foundation
import HTTP
import Support

/// The payment gateway (SPEC §9): Asaas customers, invoice charges, PIX, cards, refunds, balance, webhook events.
/// With `ASAAS_ENABLED=false` every gateway call answers 503 `gateway_disabled` (the events list still works).
enum GatewayActions {
    static func make(_ s: AdminServices) -> [Action] {
        [
            Action("sync_asaas_customer", [.POST], .write, scope: .tenant, summary: "Link the tenant to an Asaas customer (found by externalReference or created)") { r in
                let p = r.params
                var input = CustomerSyncInput()
                input.name = try p.string("name", maxLength: 200)
                input.cpfCnpj = try p.string("cpf_cnpj", maxLength: 20)
                input.email = try p.string("email", maxLength: 320)
                input.phone = try p.string("phone", maxLength: 20)
                input.postalCode = try p.string("postal_code", maxLength: 10)
                input.addressNumber = try p.string("address_number", maxLength: 20)
                let result = try s.payments.syncCustomer(tenantId: r.tenant, input, context: r.context)
                return .ok(["tenant_id": .string(result.tenantId), "asaas_customer_id": .string(result.customerId), "created": .bool(result.created)])
            },
            Action("charge_invoice", [.POST], .write, scope: .tenant, summary: "Create the invoice's Asaas charge (billing_type BOLETO|PIX|CREDIT_CARD|UNDEFINED); again → the existing charge") { r in
                guard let type = try r.params.enumeration("billing_type", BillingType.self) else { throw APIError.validation("billing_type", "is required") }
                let outcome = try s.payments.charge(invoiceId: try invoiceID(r.params), tenantId: r.tenant, billingType: type, context: r.context)
                let body: JSON = ["invoice": Present.invoice(outcome.invoice), "charge": Present.charge(outcome.charge),
                                  "pix": outcome.pix.map(Present.pix) ?? .null, "existing": .bool(outcome.existing)]
                return outcome.existing ? .ok(body) : .created(body)
            },
            Action("get_invoice_pix_qrcode", [.GET], .read, scope: .tenant, summary: "PIX QR code (image and copy-and-paste payload) of a charged invoice") { r in
                let (invoice, qr) = try s.payments.pixQRCode(invoiceId: try invoiceID(r.params), tenantId: r.tenant)
                var body = Present.pix(qr).objectValue ?? [:]
                body["invoice_id"] = .string(invoice.id)
                body["external_payment_id"] = JSON(invoice.externalPaymentId)
                return .ok(.object(body))
            },
            Action("pay_invoice_with_card", [.POST], .write, scope: .tenant, summary: "Tokenize a card and pay the invoice with it (card data in the JSON body only; never stored)") { r in
                // Card data in the query string would reach access logs: refuse it before reading anything.
                if r.http.queryItems.contains(where: { ["card", "holder", "number", "cvv", "ccv"].contains($0.name) }) {
                    throw APIError.validation("card", "must be sent in the JSON body, never in the query string")
                }
                let p = r.params
                let card = try cardDetails(p)
                let holder = try cardHolder(p)
                let remoteIP = try p.string("remote_ip", maxLength: 45) ?? r.http.remoteAddress
                let save = try p.bool("save_payment_method") ?? false
                let outcome = try s.payments.payWithCard(invoiceId: try invoiceID(p), tenantId: r.tenant, card: card, holder: holder,
                                                         remoteIP: remoteIP, savePaymentMethod: save, context: r.context)
                return .ok(["invoice": Present.invoice(outcome.invoice), "charge": Present.charge(outcome.charge),
                            "payment_method": outcome.paymentMethod.map(Present.paymentMethod) ?? .null])
            },
            Action("refund_invoice", [.POST], .write, scope: .tenant, summary: "Refund a paid invoice through Asaas, fully or partly (amount_cents)") { r in
                let p = r.params
                let amount = try p.int("amount_cents", in: 1...PlanService.maxCents)
                let description = try p.string("description", maxLength: 500)
                let outcome = try s.payments.refund(invoiceId: try invoiceID(p), tenantId: r.tenant, amountCents: amount, description: description,
                                                    context: r.context)
                return .ok(["invoice": Present.invoice(outcome.invoice), "charge": Present.charge(outcome.charge),
                            "refunded_cents": .int(outcome.refundedCents), "total_refunded_cents": .int(outcome.totalRefundedCents)])
            },
            Action("get_gateway_balance", [.GET], .superAdmin, scope: .none, summary: "The Asaas account balance") { _ in
                .ok(["balance_cents": .int(try s.payments.balanceCents()), "currency": "BRL"])
            },
            Action("list_webhook_events", [.GET], .superAdmin, scope: .none, summary: "Asaas webhook events received, newest first (status received|applied|ignored|held|error)") { r in
                let p = r.params
                var q = GatewayEventQuery()
                q.status = try p.enumeration("status", GatewayEvent.Status.self)
                q.eventType = try p.string("event_type", maxLength: 100)
                q.tenantId = try p.id("tenant_id")
                q.invoiceId = try p.id("invoice_id")
                q.paymentId = try p.string("payment_id", maxLength: 100)
                q.since = try p.date("start_date")
                q.until = try p.date("end_date", endOfDay: true)
                let page = try p.page()
                q.limit = page.limit
                q.offset = page.offset
                let includePayload = try p.bool("include_payload") ?? false
                let result = try s.gatewayEvents.list(q)
                return .ok(Present.page(result.items.map { Present.gatewayEvent($0, payload: includePayload) }, total: result.total,
                                        limit: page.limit, offset: page.offset))
            },
        ]
    }

    /// The invoice: `id` (or `invoice_id`).
    static func invoiceID(_ p: Params) throws -> String {
        if let id = try p.id("id") { return id }
        if let id = try p.id("invoice_id") { return id }
        throw APIError.validation("id", "is required (the invoice id)")
    }

    /// `card: {holder_name, number, expiry_month, expiry_year, cvv}`; only shape is checked here (the gateway validates the card).
    static func cardDetails(_ p: Params) throws -> CardDetails {
        guard let o = try p.object("card") else { throw APIError.validation("card", "is required") }
        func field(_ key: String, _ pattern: (String) -> Bool, _ reason: String) throws -> String {
            guard case .string(let v)? = o[key] else { throw APIError.validation("card.\(key)", "is required") }
            guard pattern(v) else { throw APIError.validation("card.\(key)", reason) }  // never echo the value
            return v
        }
        let digits = { (s: String, range: ClosedRange<Int>) in range.contains(s.count) && s.allSatisfy { $0.isASCII && $0.isNumber } }
        let number = try field("number", { digits($0.filter { $0 != " " }, 13...19) }, "must be 13 to 19 digits").filter { $0 != " " }
        let cvv = try field(o["cvv"] == nil && o["ccv"] != nil ? "ccv" : "cvv", { digits($0, 3...4) }, "must be 3 or 4 digits")
        var month = try field("expiry_month", { digits($0, 1...2) && (1...12).contains(Int($0) ?? 0) }, "must be a month 1 to 12")
        if month.count == 1 { month = "0" + month }
        let year = try field("expiry_year", { digits($0, 4...4) }, "must be a four-digit year")
        let holder = try field("holder_name", { !$0.trimmingCharacters(in: .whitespaces).isEmpty && $0.count <= 200 && !Params.containsControlCharacters($0) },
                               "must be 1 to 200 characters without control characters")
        return CardDetails(holderName: holder, number: number, expiryMonth: month, expiryYear: year, cvv: cvv)
    }

    /// `holder: {name, email, cpf_cnpj, postal_code, address_number, phone, address_complement?, mobile_phone?}`.
    static func cardHolder(_ p: Params) throws -> CardHolder {
        guard let o = try p.object("holder") else { throw APIError.validation("holder", "is required (card holder name, email, cpf_cnpj, postal_code, address_number, phone)") }
        func field(_ key: String, required: Bool = true) throws -> String? {
            switch o[key] {
            case .string(let v)? where !v.trimmingCharacters(in: .whitespaces).isEmpty:
                guard v.count <= 200 else { throw APIError.validation("holder.\(key)", "must be at most 200 characters") }
                guard !Params.containsControlCharacters(v) else { throw APIError.validation("holder.\(key)", "must not contain control characters") }
                return v
            case nil, .null?:
                if required { throw APIError.validation("holder.\(key)", "is required") }
                return nil
            default:
                throw APIError.validation("holder.\(key)", "must be a non-empty string")
            }
        }
        return CardHolder(name: try field("name")!, email: try field("email")!, cpfCnpj: try field("cpf_cnpj")!,
                          postalCode: try field("postal_code")!, addressNumber: try field("address_number")!,
                          addressComplement: try field("address_complement", required: false), phone: try field("phone")!,
                          mobilePhone: try field("mobile_phone", required: false))
    }
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
