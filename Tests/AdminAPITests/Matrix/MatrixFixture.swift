import Billing
import Foundation
import Support

/// A server with one of everything, created through the API: the tenant the examples act on
/// (users, keys, quota, usage, subscription, invoices, payment method, notification, webhook
/// endpoint) and a second tenant with its own data, whose ids must never leak into the first's answers.
///
/// Background writers are off (`runsBackgroundTasks = false`) so a database snapshot changes only
/// when a request commits.
final class MatrixFixture {
    let server: TestServer
    let tenant: String
    let otherTenant: String
    let adminKey: String
    static let loginEmail = "matrix.login@example.com"
    static let loginPassword = "correct horse battery staple"
    let userId: String
    let subscriptionId: String
    let invoiceId: String
    let notificationId: String
    let endpointId: String
    let paymentMethodId: String
    let usageCursor: String
    /// The server's error log (kept out of the test output; `unexpectedErrorLogLines` reads it).
    let logLines: LockedValue<[String]>
    private var counter = 0

    /// Logged request failures: each is a 500 some request caused (a switched-off gateway is not logged).
    var unexpectedErrorLogLines: [String] {
        logLines.get().filter { $0.contains("request failed") }
    }

    static let webhookURL = "http://127.0.0.1:9/matrix-hook"

    init() throws {
        let lines = LockedValue<[String]>([])
        logLines = lines
        let server = try TestServer(configure: { settings in
            settings.runsBackgroundTasks = false
            settings.billing.paymentDataKey = SecretBox.makeKey()
            settings.billing.notifications.webhookAllowPrivate = true
            settings.billing.loginAttemptsPerWindow = 1_000_000
        }, logger: SuiteLog.logger(level: .error) { line in lines.withLock { $0.append(line) } })
        self.server = server
        let tenant = try server.makeTenant("Matrix Co")
        let otherTenant = try server.makeTenant("Other Co")
        self.tenant = tenant
        self.otherTenant = otherTenant
        adminKey = try server.makeKey(role: "admin", tenant: tenant)
        let superKey = server.superKey
        let create = { (action: String, body: JSONObject) throws -> JSON in try Self.succeed(server, action, body) }
        _ = try create("update_tenant", ["id": .string(tenant), "billing_email": "billing@matrix.test"])
        _ = try create("create_user", ["tenant_id": .string(tenant), "email": .string(Self.loginEmail), "password": .string(Self.loginPassword), "role": "admin"])
        userId = try create("create_user", ["tenant_id": .string(tenant), "email": "matrix.user@example.com", "password": "another long password",
                                            "name": "Matrix User"])["id"]?.stringValue ?? ""
        for t in [tenant, otherTenant] {
            let id = JSON.string(t)
            _ = try create("set_quota", ["tenant_id": id, "resource_type": "message", "period": "daily", "limit_value": 1_000_000])
            _ = try create("log_usage", ["tenant_id": id, "resource_type": "message", "resource_id": "conversation-1"])
            _ = try create("log_usage", ["tenant_id": id, "resource_type": "message", "resource_id": "conversation-1"])
            _ = try create("create_notification", ["tenant_id": id, "type": "invoice_due", "subject": "Fixture", "message": "Fixture notification"])
            _ = try create("create_webhook_endpoint", ["tenant_id": id, "url": .string(Self.webhookURL), "event_types": ["*"]])
            _ = try create("create_subscription", ["tenant_id": id, "plan": "starter", "billing_cycle": "monthly"])
            _ = try create("create_invoice", ["tenant_id": id, "due_date": .string(Self.day(30)), "amount_cents": 1500])
        }
        let subscription = try server.call("get_subscription", key: superKey, query: ["tenant_id": tenant])
        subscriptionId = subscription.data["id"]?.stringValue ?? ""
        invoiceId = try create("create_invoice", ["tenant_id": .string(tenant), "due_date": .string(Self.day(30)),
                                                  "line_items": [["description": "Seats", "quantity": 2, "unit_amount_cents": 750]]])["id"]?.stringValue ?? ""
        notificationId = try create("create_notification", ["tenant_id": .string(tenant), "type": "payment_success", "subject": "Paid",
                                                            "message": "Thanks"])["id"]?.stringValue ?? ""
        endpointId = try create("create_webhook_endpoint", ["tenant_id": .string(tenant), "url": .string(Self.webhookURL),
                                                            "event_types": ["invoice.*"]])["id"]?.stringValue ?? ""
        paymentMethodId = try create("add_payment_method", ["tenant_id": .string(tenant), "type": "boleto", "label": "Boleto"])["id"]?.stringValue ?? ""
        let page = try server.call("list_usage_events", key: superKey, query: ["tenant_id": tenant, "limit": "1"])
        usageCursor = page.data["next_cursor"]?.stringValue ?? ""
        for (name, value) in [("subscription", subscriptionId), ("invoice", invoiceId), ("notification", notificationId), ("endpoint", endpointId),
                              ("payment method", paymentMethodId), ("user", userId), ("usage cursor", usageCursor)] where value.isEmpty {
            throw TestClientError.io("fixture has no \(name)")
        }
    }

    /// A call as super-admin that must succeed; returns its `data`.
    @discardableResult
    func create(_ action: String, _ body: JSONObject) throws -> JSON { try Self.succeed(server, action, body) }

    static func succeed(_ server: TestServer, _ action: String, _ body: JSONObject) throws -> JSON {
        let r = try server.call(action, key: server.superKey, body: .object(body))
        guard (200...299).contains(r.status) else { throw TestClientError.io("\(action) → \(r.status) \(r.text.prefix(300))") }
        return r.data
    }

    /// A name no earlier call used.
    func unique(_ prefix: String) -> String {
        counter += 1
        return "\(prefix)-\(counter)"
    }

    /// `YYYY-MM-DD` of today plus `days`.
    static func day(_ days: Int) -> String { RFC3339.formatDate(Date().addingTimeInterval(Double(days) * 86400)) }
    static func timestamp(_ seconds: Double) -> String { RFC3339.format(Date().addingTimeInterval(seconds)) }

    // MARK: - Fresh targets for actions that use theirs up

    func newTenant() throws -> String { try server.makeTenant(unique("Scratch Co")) }

    func newTenantWithSubscription() throws -> (tenant: String, subscription: String) {
        let t = try newTenant()
        let s = try create("create_subscription", ["tenant_id": .string(t), "plan": "starter", "billing_cycle": "monthly"])
        return (t, s["id"]?.stringValue ?? "")
    }

    func newUser() throws -> String {
        try create("create_user", ["tenant_id": .string(tenant), "email": .string(unique("scratch") + "@example.com"),
                                   "password": "scratch password 123"])["id"]?.stringValue ?? ""
    }

    func newKeyId() throws -> String {
        try create("generate_api_key", ["tenant_id": .string(tenant), "name": .string(unique("scratch key"))])["id"]?.stringValue ?? ""
    }

    func newQuota() throws -> String {
        try create("set_quota", ["tenant_id": .string(tenant), "resource_type": "tool_call", "period": "hourly", "limit_value": 50])["id"]?.stringValue ?? ""
    }

    func newNotification() throws -> String {
        try create("create_notification", ["tenant_id": .string(tenant), "type": "invoice_due", "subject": "Scratch", "message": "Scratch"])["id"]?.stringValue ?? ""
    }

    func newEndpoint() throws -> String {
        try create("create_webhook_endpoint", ["tenant_id": .string(tenant), "url": .string(Self.webhookURL), "event_types": ["usage.*"]])["id"]?.stringValue ?? ""
    }

    func newPaymentMethod() throws -> String {
        try create("add_payment_method", ["tenant_id": .string(tenant), "type": "pix"])["id"]?.stringValue ?? ""
    }

    /// An open operator alert. Only the server raises these (a held gateway event, a mismatched charge), so the
    /// fixture writes one as the server would.
    func newOperatorAlert() throws -> String {
        let key = unique("matrix-alert")
        return try server.app.services.database.write { conn in
            try OperatorAlertStore.raise(conn, kind: .gatewayEventHeld, subject: "Matrix alert", message: "A held event",
                                         tenantId: nil, invoiceId: nil, metadata: nil, dedupeKey: key, at: Date()) ?? ""
        }
    }

    func newDraftInvoice() throws -> String {
        try create("create_invoice", ["tenant_id": .string(tenant), "due_date": .string(Self.day(20)), "amount_cents": 900,
                                      "status": "draft"])["id"]?.stringValue ?? ""
    }
}
