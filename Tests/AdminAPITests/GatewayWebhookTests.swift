import Foundation
import Storage
import Support
import Testing

/// `POST /webhooks/asaas`: token, store-then-apply, redeliveries, order, crash repair, secrets in logs.
struct GatewayWebhookTests {
    /// The whole flow through the fake, which delivers every event twice and some out of order.
    @Test func endToEnd_ChargeConfirmReceive_PaysOnce_WithDuplicatesAndOutOfOrder() throws {
        let h = try GatewayHarness(fake: { $0.duplicateWebhooks = true })
        let t = try h.makeTenant()
        let invoice = try h.makeInvoice(t.admin)
        let payment = try h.charge(t.admin, invoice, "PIX")
        #expect(try h.control(payment, "confirm", sandbox: true) == 200)
        #expect(try h.control(payment, "receive") == 200)
        #expect(try eventually(10) { try h.fake.webhooksIdle && h.events(["payment_id": payment])["total"]?.intValue == 3 })
        let paid = try h.invoice(t.admin, invoice)
        #expect(paid["status"] == "paid" && paid["paid_at"] != .null)
        #expect(try h.notifications(t.admin, type: "payment_success").count == 1)
        let events = try h.events(["payment_id": payment])["items"]?.arrayValue ?? []
        var byType: [String: JSON] = [:]
        for e in events { byType[e["event_type"]?.stringValue ?? ""] = e }
        #expect(byType["PAYMENT_CREATED"]?["status"] == "ignored")
        #expect(byType["PAYMENT_CONFIRMED"]?["status"] == "applied" && byType["PAYMENT_CONFIRMED"]?["invoice_id"]?.stringValue == invoice)
        #expect(byType["PAYMENT_CONFIRMED"]?["tenant_id"]?.stringValue == t.id)
        #expect(byType["PAYMENT_RECEIVED"]?["status"] == "ignored")
        // Each event was delivered twice: the copies were acknowledged and counted, not applied again.
        #expect(events.allSatisfy { $0["redeliveries"] == 1 })
        #expect(h.fake.webhooksDelivered == 6)
        let audit = try h.call("list_audit_events", key: h.superKey, query: ["event_action": "apply_gateway_event", "target_id": invoice]).data
        #expect(audit["total"] == 1)
    }

    @Test func outOfOrder_NeverMovesAnInvoiceBackwards() throws {
        let h = try GatewayHarness()
        let t = try h.makeTenant()
        // REFUNDED overtakes RECEIVED: paid then refunded, and the late RECEIVED changes nothing.
        let a = try h.makeInvoice(t.admin)
        let pa = try h.charge(t.admin, a)
        let cus = try h.customer(t.id)
        #expect(try h.deliver(paymentEvent("PAYMENT_REFUNDED", paymentId: pa, reference: a, customer: cus)).status == 200)
        #expect(try h.deliver(paymentEvent("PAYMENT_RECEIVED", paymentId: pa, reference: a, customer: cus)).status == 200)
        #expect(try h.invoice(t.admin, a)["status"] == "refunded")
        // OVERDUE after CONFIRMED leaves it paid; DELETED after paid leaves it paid.
        let b = try h.makeInvoice(t.admin)
        let pb = try h.charge(t.admin, b)
        for name in ["PAYMENT_CONFIRMED", "PAYMENT_OVERDUE", "PAYMENT_DELETED", "PAYMENT_RECEIVED"] {
            #expect(try h.deliver(paymentEvent(name, paymentId: pb, reference: b, customer: cus)).status == 200)
        }
        #expect(try h.invoice(t.admin, b)["status"] == "paid")
        #expect(try h.notifications(t.admin, type: "invoice_due").isEmpty)
        // OVERDUE on a pending invoice → overdue + invoice_due; then DELETED → cancelled.
        let c = try h.makeInvoice(t.admin)
        let pc = try h.charge(t.admin, c)
        #expect(try h.deliver(paymentEvent("PAYMENT_OVERDUE", paymentId: pc, reference: c, customer: cus)).status == 200)
        #expect(try h.invoice(t.admin, c)["status"] == "overdue")
        #expect(try h.notifications(t.admin, type: "invoice_due").count == 1)
        #expect(try h.deliver(paymentEvent("PAYMENT_DELETED", paymentId: pc, reference: c, customer: cus)).status == 200)
        #expect(try h.invoice(t.admin, c)["status"] == "cancelled")
    }

    @Test func matching_ByPaymentId_ElseByExternalReference() throws {
        let h = try GatewayHarness()
        let t = try h.makeTenant()
        // Not charged through us (no external_payment_id) but of the tenant's customer: the reference finds it and
        // the payment id is recorded.
        let cus = try h.customer(t.id, sync: t.admin)
        let a = try h.makeInvoice(t.admin)
        #expect(try h.deliver(paymentEvent("PAYMENT_RECEIVED", paymentId: "pay_outside0000001", reference: a, customer: cus)).status == 200)
        let paid = try h.invoice(t.admin, a)
        #expect(paid["status"] == "paid" && paid["external_payment_id"] == "pay_outside0000001")
        // A reference naming an invoice charged by another payment is ignored.
        let b = try h.makeInvoice(t.admin)
        _ = try h.charge(t.admin, b)
        #expect(try h.deliver(paymentEvent("PAYMENT_RECEIVED", paymentId: "pay_other000000001", reference: b, customer: cus)).status == 200)
        #expect(try h.invoice(t.admin, b)["status"] == "pending")
        // No match at all: stored, ignored, 200.
        #expect(try h.deliver(paymentEvent("PAYMENT_RECEIVED", paymentId: "pay_nobody00000001", reference: "not-ours", customer: cus)).status == 200)
        for payment in ["pay_other000000001", "pay_nobody00000001"] {
            #expect(try h.events(["payment_id": payment])["items"]?.arrayValue?.first?["status"] == "ignored")
        }
    }

    @Test func cardFailureEvents_NotifyPaymentFailed() throws {
        let h = try GatewayHarness()
        let t = try h.makeTenant()
        let invoice = try h.makeInvoice(t.admin)
        let payment = try h.charge(t.admin, invoice, "CREDIT_CARD")
        #expect(try h.control(payment, "fail") == 200)
        #expect(try h.control(payment, "fail?event=PAYMENT_REPROVED_BY_RISK_ANALYSIS") == 200)
        #expect(try eventually { try h.notifications(t.admin, type: "payment_failed").count == 2 })
        let after = try h.invoice(t.admin, invoice)
        #expect(after["status"] == "pending" && after["last_payment_error"] == "reproved by the risk analysis")
    }

    @Test func wrongOrMissingToken_Is401_AndNothingIsStoredOrChanged() throws {
        let h = try GatewayHarness()
        let t = try h.makeTenant()
        let invoice = try h.makeInvoice(t.admin)
        let payment = try h.charge(t.admin, invoice)
        let cus = try h.customer(t.id)
        let event = paymentEvent("PAYMENT_RECEIVED", paymentId: payment, reference: invoice, customer: cus)
        #expect(try h.deliver(event, token: "wrong-token-0123456789abcdef0123456").status == 401)
        #expect(try h.deliver(event, token: GatewaySecrets.webhookToken + "x").status == 401)
        #expect(try h.deliver(event, token: nil).status == 401)
        #expect(try h.deliver(event, token: "").status == 401)
        #expect(try h.invoice(t.admin, invoice)["status"] == "pending")
        #expect(try h.events(["event_type": "PAYMENT_RECEIVED"])["total"] == 0)
    }

    @Test func malformedAndUnknown_AreAnswered_400And200() throws {
        let h = try GatewayHarness()
        let headers = [("asaas-access-token", GatewaySecrets.webhookToken), ("Content-Type", "application/json")]
        #expect(try h.client.request("POST", "/webhooks/asaas", headers: headers, body: Array("{not json".utf8)).status == 400)
        #expect(try h.client.request("POST", "/webhooks/asaas", headers: headers, body: Array("[1,2]".utf8)).status == 400)
        #expect(try h.client.request("POST", "/webhooks/asaas", headers: headers, body: Array(#"{"event":"PAYMENT_RECEIVED"}"#.utf8)).status == 400)
        #expect(try h.client.request("GET", "/webhooks/asaas", headers: headers).status == 405)
        let unknown: JSON = ["id": "evt_unknown&1", "event": "ACCOUNT_STATUS_CHANGED", "dateCreated": "2026-07-14 10:00:00", "accountStatus": ["id": "x"]]
        #expect(try h.deliver(unknown).status == 200)
        #expect(try h.deliver(unknown).status == 200)
        let stored = try h.events(["include_payload": "true"])["items"]?.arrayValue ?? []
        #expect(stored.count == 1 && stored.first?["status"] == "ignored" && stored.first?["redeliveries"] == 1)
        #expect(stored.first?["payload"]?["accountStatus"]?["id"] == "x")
        // A body above 256 KiB is refused before it is read.
        let big = Array(repeating: UInt8(ascii: " "), count: 300 * 1024)
        #expect(try h.client.request("POST", "/webhooks/asaas", headers: headers, body: big).status == 413)
    }

    @Test func unsetToken_Is503_AndLogsTheConfigurationError() throws {
        let h = try GatewayHarness(settings: { $0.asaas.webhookToken = nil })
        #expect(try h.deliver(paymentEvent("PAYMENT_RECEIVED", paymentId: "pay_x", reference: nil)).status == 503)
        #expect(h.serverLog.get().contains { $0.contains("ASAAS_WEBHOOK_TOKEN is not configured") })
        #expect(try h.events()["total"] == 0)
    }

    /// A crash after the event was stored and before it was applied: the next start applies it.
    @Test func crashBetweenStoreAndApply_EventIsAppliedAtRestart() throws {
        let h = try GatewayHarness()
        let t = try h.makeTenant()
        let invoice = try h.makeInvoice(t.admin)
        let payment = try h.charge(t.admin, invoice)
        let cus = try h.customer(t.id)
        h.stopServer()
        let body = paymentEvent("PAYMENT_RECEIVED", id: "evt_crash&42", paymentId: payment, reference: invoice, customer: cus).serializedString()
        let db = try h.openDatabase()
        try db.write { conn in
            _ = try conn.run("""
                INSERT INTO gateway_events (id, event_id, event_type, payment_id, external_reference, payment_customer_id,
                    payment_value_cents, status, payload, received_at)
                VALUES (?, 'evt_crash&42', 'PAYMENT_RECEIVED', ?, ?, ?, 4990, 'received', ?, '2026-07-14T10:00:00.000Z')
                """, [.text(UUIDv7.random()), .text(payment), .text(invoice), .text(cus), .text(body)])
        }
        db.close()
        try h.startServer()
        #expect(try h.invoice(t.admin, invoice)["status"] == "paid")
        #expect(try h.notifications(t.admin, type: "payment_success").count == 1)
        let event = try h.events(["payment_id": payment])["items"]?.arrayValue?.first { $0["event_id"] == "evt_crash&42" }
        #expect(event?["status"] == "applied" && event?["processed_at"] != .null)
        // Its redelivery by Asaas (which never got a 200) is acknowledged and ignored.
        #expect(try h.deliver(paymentEvent("PAYMENT_RECEIVED", id: "evt_crash&42", paymentId: payment, reference: invoice, customer: cus)).status == 200)
        #expect(try h.notifications(t.admin, type: "payment_success").count == 1)
    }

    /// Everything secret that passed through a full run is absent from every log line of server and fake.
    @Test func logs_NeverContainCardData_APIKey_OrWebhookToken() throws {
        let h = try GatewayHarness()
        let t = try h.makeTenant()
        let invoice = try h.makeInvoice(t.admin)
        #expect(try h.call("pay_invoice_with_card", key: t.admin,
                           body: ["id": .string(invoice), "card": cardBody, "holder": holderBody, "save_payment_method": true]).status == 200)
        var declined = cardBody.objectValue!
        declined["number"] = .string(GatewaySecrets.declinedCard)
        let second = try h.makeInvoice(t.admin)
        #expect(try h.call("pay_invoice_with_card", key: t.admin, body: ["id": .string(second), "card": .object(declined), "holder": holderBody]).status == 502)
        let third = try h.makeInvoice(t.admin)
        let payment = try h.charge(t.admin, third)
        let cus = try h.customer(t.id)
        #expect(try h.control(payment, "receive") == 200)
        #expect(try eventually { try h.fake.webhooksIdle && h.invoice(t.admin, third)["status"] == "paid" })
        #expect(try h.deliver(paymentEvent("PAYMENT_RECEIVED", paymentId: payment, reference: third, customer: cus), token: "bad-token-000000000000000000").status == 401)
        let logs = h.allLogs
        #expect(h.serverLog.get().count > 10)
        for secret in [GatewaySecrets.cardNumber, GatewaySecrets.declinedCard, GatewaySecrets.apiKey, GatewaySecrets.webhookToken,
                       "\"cvv\":\"\(GatewaySecrets.cvv)\"", "ccv=\(GatewaySecrets.cvv)", "cvv=\(GatewaySecrets.cvv)"] {
            #expect(!logs.contains(secret), "a log line contains \(secret)")
        }
        // The audit trail holds no card data either.
        let audit = try h.call("list_audit_events", key: h.superKey, query: ["limit": "500"]).text
        #expect(!audit.contains(GatewaySecrets.cardNumber) && !audit.contains(GatewaySecrets.declinedCard))
    }
}
