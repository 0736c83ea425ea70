import Foundation
import Storage
import Support
import Testing

/// Security round item 1: a gateway payment id never crosses tenants. Tenant A must not be able to refund,
/// reveal or be settled by tenant B's Asaas payment, whatever id A's invoice carries.
struct PaymentIdBindingTests {
    /// Two tenants, each with a charged invoice (B's of a different amount), and A's admin key.
    struct Scene {
        let h: GatewayHarness
        let a: (id: String, admin: String)
        let b: (id: String, admin: String)
        let invoiceA: String
        let invoiceB: String
        let paymentB: String
    }

    func scene(chargeA: Bool = false) throws -> Scene {
        let h = try GatewayHarness()
        let a = try h.makeTenant("Tenant A")
        let b = try h.makeTenant("Tenant B")
        let invoiceA = try h.makeInvoice(a.admin, cents: 4_990)
        if chargeA { _ = try h.charge(a.admin, invoiceA) }
        #expect(try h.call("sync_asaas_customer", key: a.admin, body: [:]).status == 200)
        let invoiceB = try h.makeInvoice(b.admin, cents: 250_000)
        let paymentB = try h.charge(b.admin, invoiceB)
        return Scene(h: h, a: a, b: b, invoiceA: invoiceA, invoiceB: invoiceB, paymentB: paymentB)
    }

    func openAlerts(_ h: GatewayHarness, kind: String) throws -> [JSON] {
        try h.call("list_operator_alerts", key: h.superKey, query: ["open": "true", "kind": kind]).data["items"]?.arrayValue ?? []
    }

    @Test func tenantAdmin_CannotSetExternalPaymentId() throws {
        let s = try scene()
        let r = try s.h.asOperator("update_invoice", tenantOf: s.a.admin, body: ["id": .string(s.invoiceA), "external_payment_id": .string(s.paymentB)])
        #expect(r.status == 403 && r.errorCode == "forbidden", "\(r.text)")
        #expect(r.json["error"]?["message"]?.stringValue?.contains("external_payment_id") == true)
        #expect(try s.h.invoice(s.a.admin, s.invoiceA)["external_payment_id"] == .null)
        // Clearing it is a change too.
        let cleared = try s.h.asOperator("update_invoice", tenantOf: s.b.admin, body: ["id": .string(s.invoiceB), "external_payment_id": .null])
        #expect(cleared.status == 403, "\(cleared.text)")
    }

    @Test func superAdmin_SetsIt_Audited_ButNeverTwice() throws {
        let s = try scene()
        // The id already belongs to B's invoice: one invoice per payment id.
        let dup = try s.h.call("update_invoice", key: s.h.superKey, body: ["id": .string(s.invoiceA), "tenant_id": .string(s.a.id),
                                                                           "external_payment_id": .string(s.paymentB)])
        #expect(dup.status == 409, "\(dup.text)")
        let ok = try s.h.call("update_invoice", key: s.h.superKey, body: ["id": .string(s.invoiceA), "tenant_id": .string(s.a.id),
                                                                          "external_payment_id": "pay_operator_fix01"])
        #expect(ok.status == 200 && ok.data["external_payment_id"] == "pay_operator_fix01", "\(ok.text)")
        let audit = try s.h.call("list_audit_events", key: s.h.superKey, query: ["event_action": "update_invoice", "target_id": s.invoiceA]).data
        #expect(audit["total"] == 1)
    }

    /// An invoice of A carrying B's payment id (legacy row, or an operator's mistake): no gateway call acts on B's charge.
    @Test func gatewayCalls_RefuseAChargeOfAnotherTenant() throws {
        let s = try scene()
        // B's invoice loses the link (e.g. the 008 migration cleared a duplicate), then A's invoice gets B's id.
        let db = try s.h.openDatabase()
        try db.write { conn in
            try conn.run("UPDATE invoices SET external_payment_id = NULL WHERE id = ?", [.text(s.invoiceB)])
            try conn.run("UPDATE invoices SET external_payment_id = ?, status = 'paid', paid_at = updated_at WHERE id = ?",
                         [.text(s.paymentB), .text(s.invoiceA)])
        }
        db.close()
        #expect(try s.h.control(s.paymentB, "receive") == 200)  // B's charge is really paid, so a refund would go through
        let refunds = { s.h.fake.requests.filter { $0.path.contains("/refund") }.count }
        let refund = try s.h.asOperator("refund_invoice", tenantOf: s.a.admin, body: ["id": .string(s.invoiceA)])
        #expect(refund.status == 409, "\(refund.text)")
        #expect(refunds() == 0)
        let pix = try s.h.call("get_invoice_pix_qrcode", key: s.a.admin, query: ["id": s.invoiceA])
        #expect(pix.status == 409 && !pix.text.contains("000201"), "\(pix.text)")
        try s.h.openDatabase().write { conn in
            try conn.run("UPDATE invoices SET status = 'pending', paid_at = NULL WHERE id = ?", [.text(s.invoiceA)])
        }
        let again = try s.h.call("charge_invoice", key: s.a.admin, body: ["id": .string(s.invoiceA), "billing_type": "PIX"])
        #expect(again.status == 409 && !again.text.contains(s.paymentB + "\",\"status"), "\(again.text)")
        #expect(again.json["data"]?["charge"] == nil)
        let card = try s.h.call("pay_invoice_with_card", key: s.a.admin, body: ["id": .string(s.invoiceA), "card": cardBody, "holder": holderBody])
        #expect(card.status == 409, "\(card.text)")
        let alerts = try openAlerts(s.h, kind: "gateway_charge_mismatch")
        #expect(alerts.count == 1 && alerts.first?["invoice_id"]?.stringValue == s.invoiceA && alerts.first?["tenant_id"]?.stringValue == s.a.id)
        // Tenants never see operator alerts.
        #expect(try s.h.call("list_operator_alerts", key: s.a.admin).status == 403)
    }

    /// B's payment event must not settle A's invoice that carries B's payment id; it is held, not applied.
    @Test func webhook_OfBsPayment_NeverPaysAsInvoice() throws {
        let s = try scene()
        let db = try s.h.openDatabase()
        try db.write { conn in
            try conn.run("UPDATE invoices SET external_payment_id = NULL WHERE id = ?", [.text(s.invoiceB)])
            try conn.run("UPDATE invoices SET external_payment_id = ? WHERE id = ?", [.text(s.paymentB), .text(s.invoiceA)])
        }
        db.close()
        #expect(try s.h.control(s.paymentB, "receive") == 200)
        #expect(try eventually(10) { try s.h.fake.webhooksIdle && (s.h.events(["payment_id": s.paymentB])["total"]?.intValue ?? 0) >= 2 })
        #expect(try s.h.invoice(s.a.admin, s.invoiceA)["status"] == "pending")
        #expect(try s.h.notifications(s.a.admin, type: "payment_success").isEmpty)
        let received = try s.h.events(["payment_id": s.paymentB, "event_type": "PAYMENT_RECEIVED"])["items"]?.arrayValue?.first
        #expect(received?["status"] == "held", "\(String(describing: received))")
        #expect(received?["result"]?.stringValue?.contains("externalReference") == true)
        let alerts = try openAlerts(s.h, kind: "gateway_event_held")
        #expect(alerts.contains { $0["invoice_id"]?.stringValue == s.invoiceA })
        // The operator looks, repairs the link, and closes the alert with a note.
        let id = alerts.first?["id"]?.stringValue ?? ""
        let resolved = try s.h.call("resolve_operator_alert", key: s.h.superKey, body: ["id": .string(id), "resolution": "moved pay id back to B"])
        #expect(resolved.status == 200 && resolved.data["status"] == "resolved" && resolved.data["resolved_by"] != .null, "\(resolved.text)")
        #expect(try s.h.call("resolve_operator_alert", key: s.h.superKey, body: ["id": .string(id), "resolution": "again"]).status == 409)
        #expect(try s.h.call("resolve_operator_alert", key: s.h.superKey, body: ["id": .string(id)]).status == 400)
    }

    /// Events whose customer, reference or value do not match the invoice are held, one alert each.
    @Test func webhook_MismatchedCustomerReferenceOrValue_IsHeld() throws {
        let s = try scene(chargeA: true)
        let payA = try s.h.invoice(s.a.admin, s.invoiceA)["external_payment_id"]?.stringValue ?? ""
        let customerA = try s.h.call("get_tenant", key: s.h.superKey, query: ["tenant_id": s.a.id]).data["asaas_customer_id"]?.stringValue ?? ""
        let customerB = try s.h.call("get_tenant", key: s.h.superKey, query: ["tenant_id": s.b.id]).data["asaas_customer_id"]?.stringValue ?? ""
        #expect(!customerA.isEmpty && customerA != customerB)
        let cases: [(String, JSON)] = [
            ("R$0.01 for a R$49.90 invoice", paymentEvent("PAYMENT_RECEIVED", paymentId: payA, reference: s.invoiceA, cents: 1, customer: customerA)),
            ("B's customer", paymentEvent("PAYMENT_RECEIVED", paymentId: payA, reference: s.invoiceA, customer: customerB)),
            ("no reference", paymentEvent("PAYMENT_RECEIVED", paymentId: payA, reference: nil, customer: customerA)),
            ("B's invoice as reference", paymentEvent("PAYMENT_CONFIRMED", paymentId: payA, reference: s.invoiceB, cents: 250_000, customer: customerA)),
        ]
        for (why, body) in cases {
            #expect(try s.h.deliver(body).status == 200, "\(why)")
            let id = body["id"]?.stringValue ?? ""
            let event = try s.h.events(["payment_id": payA])["items"]?.arrayValue?.first { $0["event_id"]?.stringValue == id }
            #expect(event?["status"] == "held", "\(why): \(String(describing: event))")
        }
        #expect(try s.h.invoice(s.a.admin, s.invoiceA)["status"] == "pending")
        #expect(try s.h.invoice(s.b.admin, s.invoiceB)["status"] == "pending")
        #expect(try openAlerts(s.h, kind: "gateway_event_held").count == cases.count)
        // The matching event still pays it, once.
        let good = paymentEvent("PAYMENT_RECEIVED", paymentId: payA, reference: s.invoiceA, customer: customerA)
        #expect(try s.h.deliver(good).status == 200)
        #expect(try s.h.invoice(s.a.admin, s.invoiceA)["status"] == "paid")
    }

    /// Migration 008: a payment id held by several invoices is taken from all of them, then the right one is
    /// found again by its externalReference.
    @Test func migration_ClearsDuplicatedPaymentIds() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mig008-\(UUIDv7.random())")
        let old = dir.appendingPathComponent("migrations")
        try FileManager.default.createDirectory(at: old, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let all = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("migrations")
        for name in try FileManager.default.contentsOfDirectory(atPath: all.path) where name.hasSuffix(".sql") && name < "008" {
            try FileManager.default.copyItem(at: all.appendingPathComponent(name), to: old.appendingPathComponent(name))
        }
        let db = try Database(path: dir.appendingPathComponent("b.sqlite").path)
        defer { db.close() }
        _ = try db.migrate(directory: old.path)
        try db.write { conn in
            for (tenant, invoice, payment) in [("t1", "i1", "pay_dup"), ("t2", "i2", "pay_dup"), ("t2", "i3", "pay_single")] {
                try conn.run("INSERT INTO tenants (id, name, slug, status, created_at, updated_at) VALUES (?, ?, ?, 'active', 'x', 'x') ON CONFLICT DO NOTHING",
                             [.text(tenant), .text(tenant), .text(tenant)])
                try conn.run("""
                    INSERT INTO invoices (id, tenant_id, invoice_number, status, amount_cents, currency, due_date, issued_at, external_payment_id,
                        created_at, updated_at)
                    VALUES (?, ?, ?, 'pending', 100, 'BRL', '2026-01-01', 'x', ?, 'x', 'x')
                    """, [.text(invoice), .text(tenant), .text("INV-\(invoice)"), .text(payment)])
            }
        }
        _ = try db.migrate(directory: all.path)
        let ids = try db.read { conn in
            try conn.query("SELECT id, external_payment_id FROM invoices ORDER BY id").map { ($0.string("id") ?? "", $0.string("external_payment_id")) }
        }
        #expect(ids.map(\.0) == ["i1", "i2", "i3"] && ids.map(\.1) == [nil, nil, "pay_single"])
        #expect(throws: DatabaseError.self) {
            try db.write { try $0.run("UPDATE invoices SET external_payment_id = 'pay_single' WHERE id = 'i1'") }
        }
    }
}
