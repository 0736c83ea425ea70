import Foundation
import Storage
import Support
import Testing

/// The gateway actions against the in-process fake Asaas over real loopback HTTP.
struct GatewayActionsTests {
    @Test func chargeInvoice_CreatesOneChargePerInvoice_ForEveryBillingType_ExactAmounts() throws {
        let h = try GatewayHarness()
        let t = try h.makeTenant()
        let cases: [(String, Int64)] = [("BOLETO", 1), ("PIX", 4_990), ("CREDIT_CARD", 123_456_789), ("UNDEFINED", 9_999_999_999)]
        for (type, cents) in cases {
            let invoice = try h.makeInvoice(t.admin, cents: cents)
            let r = try h.call("charge_invoice", key: t.admin, body: ["id": .string(invoice), "billing_type": .string(type)])
            #expect(r.status == 201, "\(type): \(r.text)")
            let charge = r.data["charge"] ?? .null
            #expect(charge["amount_cents"]?.intValue == cents && charge["billing_type"]?.stringValue == type)
            #expect(charge["invoice_url"]?.stringValue?.isEmpty == false && charge["external_reference"]?.stringValue == invoice)
            #expect(r.data["invoice"]?["external_payment_id"] == charge["id"])
            #expect(r.data["invoice"]?["external_invoice_url"] == charge["invoice_url"])
            if type == "PIX" {
                #expect(r.data["pix"]?["payload"]?.stringValue?.hasPrefix("000201") == true)
                #expect(r.data["pix"]?["encoded_image"]?.stringValue?.isEmpty == false)
            } else {
                #expect(r.data["pix"] == .null)
            }
            if type == "BOLETO" { #expect(charge["bank_slip_url"]?.stringValue?.isEmpty == false) }
            // Charging again returns the same charge; Asaas holds exactly one.
            let again = try h.call("charge_invoice", key: t.admin, body: ["id": .string(invoice), "billing_type": "BOLETO"])
            #expect(again.status == 200 && again.data["existing"] == true && again.data["charge"]?["id"] == charge["id"])
            #expect(h.fake.paymentCount(externalReference: invoice) == 1)
        }
        // The tenant was linked to one customer on the way, whose reference is the tenant id.
        let tenant = try h.call("get_tenant", key: h.superKey, query: ["tenant_id": t.id]).data
        #expect(tenant["asaas_customer_id"]?.stringValue?.hasPrefix("cus_") == true)
        #expect(h.fake.requests.filter { $0.method == "POST" && $0.path.hasSuffix("/customers") }.count == 1)
        let audit = try h.call("list_audit_events", key: h.superKey, query: ["event_action": "charge_invoice"]).data
        #expect(audit["total"] == 4)
    }

    @Test func syncCustomer_IsIdempotent_AndAdoptsAnExistingCustomerByReference() throws {
        let h = try GatewayHarness()
        let t = try h.makeTenant()
        let first = try h.call("sync_asaas_customer", key: t.admin, body: ["cpf_cnpj": "24971563792"])
        #expect(first.status == 200 && first.data["created"] == true, "\(first.text)")
        let second = try h.call("sync_asaas_customer", key: t.admin, body: [:])
        #expect(second.data["asaas_customer_id"] == first.data["asaas_customer_id"] && second.data["created"] == false)
        #expect(h.fake.requests.filter { $0.method == "POST" && $0.path.hasSuffix("/customers") }.count == 1)
    }

    @Test func gatewayRefusal_Is502_WithAsaasCodeAndDescription() throws {
        let h = try GatewayHarness()
        let t = try h.makeTenant()
        let r = try h.call("sync_asaas_customer", key: t.admin, body: ["cpf_cnpj": "12345678900"])
        #expect(r.status == 502 && r.errorCode == "gateway_error", "\(r.text)")
        #expect(r.json["error"]?["gateway_code"] == "invalid_object")
        #expect(r.json["error"]?["gateway_description"]?.stringValue?.contains("CPF/CNPJ") == true)
        #expect(r.json["error"]?["gateway_status"] == 400)
        // A charge Asaas refuses (above its maximum) stores nothing on the invoice.
        let invoice = try h.makeInvoice(t.admin, cents: 10_000_000_000)
        let big = try h.call("charge_invoice", key: t.admin, body: ["id": .string(invoice), "billing_type": "PIX"])
        #expect(big.status == 502 && big.json["error"]?["gateway_code"] == "invalid_value", "\(big.text)")
        #expect(try h.invoice(t.admin, invoice)["external_payment_id"] == .null)
    }

    @Test func slowGateway_Is504_GatewayTimeout() throws {
        let h = try GatewayHarness(settings: { $0.asaas.timeout = 0.4 })
        h.fake.setLatency(ms: 1_500)
        let r = try h.call("get_gateway_balance", key: h.superKey)
        #expect(r.status == 504 && r.errorCode == "gateway_timeout", "\(r.text)")
        h.fake.setLatency(ms: 0)
        #expect(try h.call("get_gateway_balance", key: h.superKey).status == 200)
    }

    @Test func unreachableGateway_Is504() throws {
        let h = try GatewayHarness(settings: { $0.asaas.baseURL = "http://127.0.0.1:1/v3" })
        let r = try h.call("get_gateway_balance", key: h.superKey)
        #expect(r.status == 504 && r.errorCode == "gateway_timeout", "\(r.text)")
    }

    @Test func disabledGateway_Is503_ForEveryGatewayAction() throws {
        let h = try GatewayHarness(settings: { $0.asaas.enabled = false })
        let t = try h.makeTenant()
        let invoice = try h.makeInvoice(t.admin)
        let calls: [(String, JSON?)] = [
            ("sync_asaas_customer", [:]), ("charge_invoice", ["id": .string(invoice), "billing_type": "PIX"]),
            ("pay_invoice_with_card", ["id": .string(invoice), "card": cardBody, "holder": holderBody]),
            ("refund_invoice", ["id": .string(invoice)]),
        ]
        for (action, body) in calls {
            let r = action == "refund_invoice" ? try h.asOperator(action, tenantOf: t.admin, body: body) : try h.call(action, key: t.admin, body: body)
            #expect(r.status == 503 && r.errorCode == "gateway_disabled", "\(action): \(r.text)")
        }
        #expect(try h.call("get_invoice_pix_qrcode", key: t.admin, query: ["id": invoice]).errorCode == "gateway_disabled")
        #expect(try h.call("get_gateway_balance", key: h.superKey).errorCode == "gateway_disabled")
        #expect(try h.call("list_webhook_events", key: h.superKey).status == 200)
        #expect(h.fake.requests.isEmpty)
        // retry_payments reports that it did not charge.
        let run = try h.call("run_job", key: h.superKey, body: ["job": "retry_payments"])
        #expect(run.data["outcome"] == "skipped")
    }

    @Test func crossTenant_ChargingAnotherTenantsInvoice_Is404_AndTouchesNothing() throws {
        let h = try GatewayHarness()
        let a = try h.makeTenant("A")
        let b = try h.makeTenant("B")
        let invoice = try h.makeInvoice(a.admin)
        let calls: [(String, JSON)] = [("charge_invoice", ["id": .string(invoice), "billing_type": "PIX"]), ("refund_invoice", ["id": .string(invoice)]),
                                       ("pay_invoice_with_card", ["id": .string(invoice), "card": cardBody, "holder": holderBody])]
        for (action, body) in calls {
            // Refunds are an operator's; one acting on tenant B does not reach A's invoice either.
            let r = action == "refund_invoice" ? try h.asOperator(action, tenantOf: b.admin, body: body) : try h.call(action, key: b.admin, body: body)
            #expect(r.status == 404, "\(action): \(r.text)")
        }
        #expect(try h.call("get_invoice_pix_qrcode", key: b.admin, query: ["id": invoice]).status == 404)
        // Naming the other tenant explicitly is 403; the gateway-wide views are super-admin only.
        #expect(try h.call("charge_invoice", key: b.admin, body: ["id": .string(invoice), "billing_type": "PIX", "tenant_id": .string(a.id)]).status == 403)
        #expect(try h.call("get_gateway_balance", key: a.admin).status == 403)
        #expect(try h.call("list_webhook_events", key: a.admin).status == 403)
        #expect(h.fake.paymentCount(externalReference: invoice) == 0)
    }

    @Test func pixQRCode_OfAChargedInvoice() throws {
        let h = try GatewayHarness()
        let t = try h.makeTenant()
        let invoice = try h.makeInvoice(t.admin)
        #expect(try h.call("get_invoice_pix_qrcode", key: t.admin, query: ["id": invoice]).status == 409)
        let payment = try h.charge(t.admin, invoice, "BOLETO")
        let r = try h.call("get_invoice_pix_qrcode", key: t.admin, query: ["id": invoice])
        #expect(r.status == 200 && r.data["external_payment_id"]?.stringValue == payment, "\(r.text)")
        #expect(r.data["payload"]?.stringValue?.isEmpty == false && r.data["expiration_date"]?.stringValue != nil)
    }

    @Test func payWithCard_PaysTheInvoice_SavesOnlyTokenBrandLast4_AndDeclinesAre502() throws {
        let h = try GatewayHarness()
        let t = try h.makeTenant()
        let invoice = try h.makeInvoice(t.admin, cents: 15_000)
        let r = try h.call("pay_invoice_with_card", key: t.admin,
                           body: ["id": .string(invoice), "card": cardBody, "holder": holderBody, "save_payment_method": true])
        #expect(r.status == 200, "\(r.text)")
        #expect(r.data["invoice"]?["status"] == "paid" && r.data["charge"]?["status"] == "CONFIRMED")
        #expect(r.data["payment_method"]?["card_last4"] == "1111" && r.data["payment_method"]?["has_token"] == true)
        #expect(!r.text.contains(GatewaySecrets.cardNumber) && !r.text.contains("\"\(GatewaySecrets.cvv)\""))
        #expect(try eventually { try h.notifications(t.admin, type: "payment_success").count == 1 })
        // The card data reached no table: the whole database file is free of it.
        h.stopServer()
        if h.postgres != nil {
            // PostgreSQL: every row of every table, as text.
            let db = try h.openDatabase()
            let hits = try db.read { conn in
                try conn.tableNames().filter { try conn.scalar("SELECT count(*) FROM \($0) t WHERE t::text LIKE ?", [.text("%\(GatewaySecrets.cardNumber)%")]) != .integer(0) }
            }
            db.close()
            #expect(hits.isEmpty, "card number found in \(hits)")
        } else {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: h.databasePath)) + ((try? Data(contentsOf: URL(fileURLWithPath: h.databasePath + "-wal"))) ?? Data())
            #expect(bytes.range(of: Data(GatewaySecrets.cardNumber.utf8)) == nil)
        }
        try h.startServer()

        // A declined card: 502 with Asaas's invalid_action; the invoice stays pending with the reason kept.
        let second = try h.makeInvoice(t.admin)
        var declined = cardBody.objectValue!
        declined["number"] = .string(GatewaySecrets.declinedCard)
        let d = try h.call("pay_invoice_with_card", key: t.admin, body: ["id": .string(second), "card": .object(declined), "holder": holderBody])
        #expect(d.status == 502 && d.json["error"]?["gateway_code"] == "invalid_action", "\(d.text)")
        let after = try h.invoice(t.admin, second)
        #expect(after["status"] == "pending" && after["last_payment_error"]?.stringValue?.hasPrefix("invalid_action") == true)
        // Card data in the query string is refused before anything is read.
        let q = try h.call("pay_invoice_with_card", key: t.admin, query: ["number": GatewaySecrets.cardNumber], body: ["id": .string(second)])
        #expect(q.status == 400)
        // Paid invoices cannot be paid again.
        #expect(try h.call("pay_invoice_with_card", key: t.admin, body: ["id": .string(invoice), "card": cardBody, "holder": holderBody]).status == 409)
    }

    @Test func refund_PartialThenFull_MovesTheInvoiceToRefunded() throws {
        let h = try GatewayHarness()
        let t = try h.makeTenant()
        let invoice = try h.makeInvoice(t.admin, cents: 10_000)
        #expect(try h.asOperator("refund_invoice", tenantOf: t.admin, body: ["id": .string(invoice)]).status == 409)  // not paid
        _ = try h.call("pay_invoice_with_card", key: t.admin, body: ["id": .string(invoice), "card": cardBody, "holder": holderBody])
        #expect(try h.asOperator("refund_invoice", tenantOf: t.admin, body: ["id": .string(invoice), "amount_cents": 10_001]).status == 400)
        let part = try h.asOperator("refund_invoice", tenantOf: t.admin, body: ["id": .string(invoice), "amount_cents": 2_501])
        #expect(part.status == 200 && part.data["invoice"]?["status"] == "paid" && part.data["total_refunded_cents"] == 2_501, "\(part.text)")
        let rest = try h.asOperator("refund_invoice", tenantOf: t.admin, body: ["id": .string(invoice)])
        #expect(rest.status == 200 && rest.data["refunded_cents"] == 7_499 && rest.data["invoice"]?["status"] == "refunded", "\(rest.text)")
        #expect(rest.data["charge"]?["status"] == "REFUNDED")
        #expect(try h.asOperator("refund_invoice", tenantOf: t.admin, body: ["id": .string(invoice)]).status == 409)
        // The PAYMENT_REFUNDED webhook that follows finds the invoice already refunded.
        #expect(try eventually { (try h.events(["event_type": "PAYMENT_REFUNDED"])["items"]?.arrayValue?.first?["status"]) == "ignored" })
    }

    @Test func balance_ReflectsConfirmedCharges() throws {
        let h = try GatewayHarness()
        let t = try h.makeTenant()
        let invoice = try h.makeInvoice(t.admin, cents: 10_000)
        #expect(try h.call("get_gateway_balance", key: h.superKey).data["balance_cents"] == 0)
        let payment = try h.charge(t.admin, invoice, "PIX")
        #expect(try h.control(payment, "receive") == 200)
        let balance = try h.call("get_gateway_balance", key: h.superKey).data
        #expect(balance["balance_cents"]?.intValue == h.fake.balanceCents && h.fake.balanceCents > 0 && balance["currency"] == "BRL")
    }

    @Test func retryPayments_ChargesOverdueInvoices_WithTheSavedCard() throws {
        let h = try GatewayHarness()
        let t = try h.makeTenant()
        // Save a card by paying a first invoice with it.
        let first = try h.makeInvoice(t.admin)
        #expect(try h.call("pay_invoice_with_card", key: t.admin,
                           body: ["id": .string(first), "card": cardBody, "holder": holderBody, "save_payment_method": true]).status == 200)
        // An invoice that fell overdue without any charge.
        let due = RFC3339.formatDate(Date().addingTimeInterval(-3 * 86400))
        let overdue = try h.asOperator("create_invoice", tenantOf: t.admin, body: ["amount_cents": 7_700, "due_date": .string(due)]).data["id"]!.stringValue!
        #expect(try h.call("run_job", key: h.superKey, body: ["job": "mark_overdue"]).data["outcome"] == "ok")
        #expect(try h.invoice(t.admin, overdue)["status"] == "overdue")
        let run = try h.call("run_job", key: h.superKey, body: ["job": "retry_payments"])
        #expect(run.data["outcome"] == "ok" && run.data["counts"]?["paid"] == 1, "\(run.text)")
        let after = try h.invoice(t.admin, overdue)
        #expect(after["status"] == "paid" && after["external_payment_id"]?.stringValue?.hasPrefix("pay_") == true)
        #expect(h.fake.paymentCount(externalReference: overdue) == 1)
    }
}
