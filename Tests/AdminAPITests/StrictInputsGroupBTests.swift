import Billing
import Foundation
import Support
import Testing

/// Issue 15 for the plan, subscription, invoice, payment-method, webhook and gateway actions: undeclared
/// parameters and misspelled nested fields are refused by name with nothing changed, every invalid field comes in
/// one 400, a super-admin acts on an object by id without naming its tenant, and every list is one page
/// `{items, total, limit, offset}`.
@Suite struct StrictInputsGroupBTests {
    let server: TestServer
    let tenant: String
    let admin: String
    let otherTenant: String

    init() throws {
        server = try TestServer(configure: { $0.billing.notifications.webhookAllowPrivate = true })
        tenant = try server.makeTenant("Strict B")
        admin = try server.makeKey(role: "admin", tenant: tenant)
        otherTenant = try server.makeTenant("Other B")
    }

    static let dueDate = RFC3339.formatDate(Date().addingTimeInterval(7 * 86400))

    func makeInvoice(_ cents: Int64 = 1_000) throws -> String {
        let r = try server.asOperator("create_invoice", tenantOf: admin, body: ["amount_cents": .int(cents), "due_date": .string(Self.dueDate)])
        guard r.status == 201, let id = r.data["id"]?.stringValue else { throw TestClientError.io("create_invoice \(r.status) \(r.text)") }
        return id
    }

    func invoiceStatus(_ id: String) throws -> JSON? {
        try server.call("get_invoice", key: admin, query: ["id": id]).data["status"]
    }

    // MARK: - Unknown and invalid fields

    @Test func updateInvoice_WithMisspelledStatus_Is400NamingIt_AndTheInvoiceIsUnchanged() throws {
        let id = try makeInvoice()
        let r = try server.asOperator("update_invoice", tenantOf: admin, body: ["id": .string(id), "stauts": "cancelled"])
        #expect(r.status == 400)
        #expect(r.errorCode == "unknown_parameter")
        #expect(r.json["error"]?["fields"] == ["stauts": "unknown parameter"])
        #expect(try invoiceStatus(id) == "pending")
    }

    @Test func createInvoice_WithMisspelledLineItemField_NamesItWithItsIndex_AndIssuesNothing() throws {
        let r = try server.asOperator("create_invoice", tenantOf: admin, body: [
            "due_date": .string(Self.dueDate),
            "line_items": [["description": "Setup", "amount_cents": 500], ["description": "Hours", "quantiy": 2, "unit_amount_cents": 100]],
        ])
        #expect(r.status == 400)
        #expect(r.json["error"]?["fields"] == ["line_items[1].quantiy": "unknown parameter"])
        #expect(try server.call("list_invoices", key: admin).data["total"] == 0)
    }

    @Test func createInvoice_ReportsEveryInvalidField_InOne400() throws {
        let r = try server.asOperator("create_invoice", tenantOf: admin, body: [
            "due_date": "next friday", "currency": "REAL", "status": "sent", "notes": 7,
            "line_items": [["description": "Hours", "quantity": -1, "unit_amount_cents": 100]], "colour": "blue",
        ])
        #expect(r.status == 400)
        #expect(r.errorCode == "validation_failed")
        let fields = r.json["error"]?["fields"]?.objectValue ?? [:]
        #expect(Set(fields.keys) == ["due_date", "currency", "status", "notes", "line_items[0].quantity", "colour"], "\(r.text)")
        #expect(fields["colour"] == "unknown parameter")
        #expect(try server.call("list_invoices", key: admin).data["total"] == 0)
    }

    @Test func upsertPlan_NamesFieldsInsideItsDeclaredObjects() throws {
        let r = try server.call("upsert_plan", key: server.superKey, body: [
            "plan": "starter", "prices": ["monthly": 100, "weekly": 5],
            "included_usage": [["resource_type": "message", "period": "monthly", "limit": 10]], "overage_unit_price_micros": ["message": -1],
        ])
        #expect(r.status == 400)
        #expect(r.json["error"]?["fields"] == ["prices.weekly": "unknown parameter", "included_usage[0].limit": "unknown parameter",
                                               "included_usage[0].limit_value": "is required", "overage_unit_price_micros.message": "must be at least 0"])
        let plans = try server.call("list_plans", key: admin).data["items"]?.arrayValue ?? []
        #expect(plans.first { $0["plan_type"] == "starter" }?["price_cents"] == 4900)
    }

    @Test func payWithCard_CardInTheQueryString_IsRefused_WithoutQuotingIt() throws {
        let id = try makeInvoice()
        let r = try server.call("pay_invoice_with_card", key: admin, query: ["card": #"{"number":"4111111111111111"}"#, "cvv": "937"],
                                body: ["id": .string(id)])
        #expect(r.status == 400)
        #expect(r.json["error"]?["fields"]?["card"] != nil && r.json["error"]?["fields"]?["cvv"] == "unknown parameter")
        #expect(!r.text.contains("4111111111111111") && !r.text.contains("937"))
    }

    @Test func parameterWithoutAName_IsNamedUnnamed() throws {
        let r = try server.call("add_payment_method", key: admin, query: ["": "2"], body: ["type": "pix"])
        #expect(r.status == 400)
        #expect(r.json["error"]?["fields"] == ["(unnamed)": "unknown parameter"])
    }

    // MARK: - Renamed fields

    @Test func createSubscription_TakesPlan_AndStillAcceptsPlanType() throws {
        let r = try server.asOperator("create_subscription", tenantOf: admin, body: ["plan": "starter", "billing_cycle": "monthly"])
        #expect(r.status == 201, "\(r.text)")
        #expect(r.data["plan_type"] == "starter")
        let old = try server.asOperator("update_subscription", tenantOf: admin, body: ["plan_type": "professional"])
        #expect(old.status == 200, "\(old.text)")
        #expect(old.data["plan_type"] == "professional")
        let both = try server.asOperator("create_subscription", tenantOf: admin, body: ["billing_cycle": "monthly"])
        #expect(both.json["error"]?["fields"] == ["plan": "is required"])
    }

    // MARK: - Objects by id, as super-admin

    @Test func superAdmin_GetsAndUpdatesAnInvoiceById_WithoutTenantId_AndAnotherTenantIs404() throws {
        let id = try makeInvoice()
        let got = try server.call("get_invoice", key: server.superKey, query: ["id": id])
        #expect(got.status == 200 && got.data["tenant_id"] == .string(tenant), "\(got.text)")
        #expect(try server.call("get_invoice", key: server.superKey, query: ["id": id, "tenant_id": tenant]).status == 200)
        #expect(try server.call("get_invoice", key: server.superKey, query: ["id": id, "tenant_id": otherTenant]).status == 404)

        let wrongTenant = try server.call("update_invoice", key: server.superKey, body: ["id": .string(id), "tenant_id": .string(otherTenant),
                                                                                        "notes": "not here"])
        #expect(wrongTenant.status == 404)
        let updated = try server.call("update_invoice", key: server.superKey, body: ["id": .string(id), "notes": "Checked"])
        #expect(updated.status == 200 && updated.data["notes"] == "Checked", "\(updated.text)")
        #expect(try server.call("render_invoice", key: server.superKey, query: ["id": id]).status == 200)
        // Without an id there is no object to find the tenant by.
        let unnamed = try server.call("get_subscription", key: server.superKey)
        #expect(unnamed.status == 400 && unnamed.json["error"]?["fields"]?["tenant_id"] != nil)
    }

    @Test func superAdmin_DeletesPaymentMethodsAndWebhookEndpointsById_WithoutTenantId_AndAnotherTenantIs404() throws {
        let method = try server.call("add_payment_method", key: admin, body: ["type": "pix", "label": "Pix key"]).data["id"]?.stringValue ?? ""
        #expect(try server.call("delete_payment_method", key: server.superKey, body: ["id": .string(method), "tenant_id": .string(otherTenant)]).status == 404)
        let deleted = try server.call("delete_payment_method", key: server.superKey, body: ["id": .string(method)])
        #expect(deleted.status == 200 && deleted.data["status"] == "deleted", "\(deleted.text)")

        let endpoint = try server.call("create_webhook_endpoint", key: admin, body: ["url": "http://127.0.0.1:9/hook", "event_types": ["*"]])
            .data["id"]?.stringValue ?? ""
        #expect(try server.call("delete_webhook_endpoint", key: server.superKey, body: ["id": .string(endpoint), "tenant_id": .string(otherTenant)])
            .status == 404)
        #expect(try server.call("list_webhook_endpoints", key: admin).data["total"] == 1)
        let gone = try server.call("delete_webhook_endpoint", key: server.superKey, body: ["id": .string(endpoint)])
        #expect(gone.status == 200 && gone.data["deleted"] == true, "\(gone.text)")
        #expect(try server.call("list_webhook_endpoints", key: admin).data["total"] == 0)
    }

    /// One asaas-fake harness for both: gateway calls run with 5 s timeouts, and the suites run in parallel.
    @Test func superAdmin_ChargesAnInvoiceById_WithoutTenantId_AndWebhookEventsArePaged() throws {
        let h = try GatewayHarness()
        let a = try h.makeTenant("A")
        let b = try h.makeTenant("B")
        let invoice = try h.makeInvoice(a.admin)
        let elsewhere = try h.call("charge_invoice", key: h.superKey, body: ["id": .string(invoice), "billing_type": "PIX", "tenant_id": .string(b.id)])
        #expect(elsewhere.status == 404)
        #expect(h.fake.paymentCount(externalReference: invoice) == 0)
        let charged = try h.call("charge_invoice", key: h.superKey, body: ["id": .string(invoice), "billing_type": "PIX"])
        #expect(charged.status == 201, "\(charged.text)")
        #expect(charged.data["invoice"]?["tenant_id"] == .string(a.id))
        // invoice_id, the old second name of the invoice, names it too.
        let pix = try h.call("get_invoice_pix_qrcode", key: h.superKey, query: ["invoice_id": invoice])
        #expect(pix.status == 200 && pix.data["invoice_id"] == .string(invoice), "\(pix.text)")
        #expect(h.fake.paymentCount(externalReference: invoice) == 1)

        // list_webhook_events pages like every list (events the fake sends about the charge above have another payment id).
        let before = try h.call("list_webhook_events", key: h.superKey, query: ["payment_id": "pay_strict"]).data["total"]
        #expect(before == 0)
        for _ in 0..<3 {
            let r = try h.deliver(paymentEvent("PAYMENT_RECEIVED", paymentId: "pay_strict", reference: nil))
            #expect(r.status == 200)
        }
        let first = try h.call("list_webhook_events", key: h.superKey, query: ["payment_id": "pay_strict", "limit": "2"])
        #expect(first.data["total"] == 3 && first.data["limit"] == 2 && first.data["offset"] == 0 && first.data["items"]?.arrayValue?.count == 2,
                "\(first.text)")
        let rest = try h.call("list_webhook_events", key: h.superKey, query: ["payment_id": "pay_strict", "limit": "2", "offset": "2"])
        #expect(rest.data["total"] == 3 && rest.data["items"]?.arrayValue?.count == 1, "\(rest.text)")
        let bad = try h.call("list_webhook_events", key: h.superKey, query: ["limit": "0", "status": "done", "page": "2"])
        #expect(Set(bad.json["error"]?["fields"]?.objectValue?.keys.map { $0 } ?? []) == ["limit", "status", "page"], "\(bad.text)")
    }

    // MARK: - Lists: one page shape

    /// Pages of `action` with limit 2: the first two, then the rest, the total the same on both.
    func expectPages(_ action: String, key: String, query: [String: String] = [:], total: Int, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let first = try server.call(action, key: key, query: query.merging(["limit": "2"]) { $1 })
        #expect(first.status == 200, "\(action): \(first.text)", sourceLocation: sourceLocation)
        #expect(first.data["total"] == .int(Int64(total)) && first.data["limit"] == 2 && first.data["offset"] == 0, "\(action): \(first.text)",
                sourceLocation: sourceLocation)
        #expect(first.data["items"]?.arrayValue?.count == min(2, total), "\(action)", sourceLocation: sourceLocation)
        let rest = try server.call(action, key: key, query: query.merging(["limit": "2", "offset": "2"]) { $1 })
        #expect(rest.data["total"] == .int(Int64(total)) && rest.data["offset"] == 2, "\(action): \(rest.text)", sourceLocation: sourceLocation)
        #expect(rest.data["items"]?.arrayValue?.count == min(2, max(0, total - 2)), "\(action)", sourceLocation: sourceLocation)
        func keys(_ page: TestResponse) -> Set<String> {
            Set((page.data["items"]?.arrayValue ?? []).compactMap { ($0["id"] ?? $0["plan_type"] ?? $0["event_type"])?.stringValue })
        }
        let firstIds = keys(first), restIds = keys(rest)
        #expect(firstIds.isDisjoint(with: restIds), "\(action): pages overlap", sourceLocation: sourceLocation)
        let misspelled = try server.call(action, key: key, query: query.merging(["limt": "2"]) { $1 })
        #expect(misspelled.status == 400 && misspelled.json["error"]?["fields"]?["limt"] == "unknown parameter", sourceLocation: sourceLocation)
    }

    @Test func everyList_IsOnePage_WithLimitOffsetAndTotal() throws {
        try expectPages("list_plans", key: admin, total: 5)
        try expectPages("list_plans", key: admin, query: ["include_inactive": "true"], total: 5)
        try expectPages("list_webhook_event_types", key: admin, total: WebhookEventType.accepted.count)

        for _ in 0..<3 { _ = try makeInvoice() }
        try expectPages("list_invoices", key: admin, total: 3)

        for i in 0..<3 { _ = try server.call("add_payment_method", key: admin, body: ["type": "boleto", "label": .string("Boleto \(i)")]) }
        try expectPages("list_payment_methods", key: admin, total: 3)

        _ = try server.asOperator("create_subscription", tenantOf: admin, body: ["plan": "starter", "billing_cycle": "monthly"])
        _ = try server.asOperator("cancel_subscription", tenantOf: admin, body: ["immediately": true])
        _ = try server.asOperator("create_subscription", tenantOf: admin, body: ["plan": "free", "billing_cycle": "monthly"])
        try expectPages("list_subscriptions", key: admin, total: 2)

        var endpoints: [String] = []
        for i in 0..<3 {
            let r = try server.call("create_webhook_endpoint", key: admin, body: ["url": .string("http://127.0.0.1:9/hook-\(i)"), "event_types": ["*"]])
            endpoints.append(r.data["id"]?.stringValue ?? "")
        }
        try expectPages("list_webhook_endpoints", key: admin, total: 3)
        _ = try server.call("create_notification", key: admin, body: ["type": "trial_ending", "subject": "Trial ends", "message": "soon"])
        try expectPages("list_webhook_deliveries", key: admin, total: 3)
        try expectPages("list_webhook_deliveries", key: admin, query: ["endpoint_id": endpoints[0]], total: 1)
    }
}
