import Foundation
import Support

/// One valid request of an action, built against a `MatrixFixture`; the matrices derive every bad
/// request from it, and `BadInputMatrixTests` proves each one succeeds, so the table cannot rot.
struct ActionExample {
    let action: String
    /// Sent with the super-admin key unless false (`login` is public).
    var authenticated = true
    /// Builds the parameters. Called again after a call that succeeded when `usesUpTarget`.
    let makeParams: () throws -> JSONObject
    /// A success consumes what the parameters point at (a deleted row, a taken e-mail or idempotency
    /// key, a tenant's one live subscription), so the next call needs fresh parameters.
    var usesUpTarget = false
    /// The gateway is off in the fixture: its actions honestly answer 503 `gateway_disabled` (SPEC §9).
    var needsGateway = false
    /// Fields whose removal is rightly reported on another one: without them the rest no longer adds up.
    var reportedAs: [String: String] = [:]

    /// Whether `response` is what a valid call of this example may get.
    func succeeded(_ response: TestResponse) -> Bool {
        if needsGateway { return response.status == 503 && response.errorCode == "gateway_disabled" }
        return (200...299).contains(response.status)
    }
}

/// The example of every action of the table.
enum ActionExamples {
    /// Objects whose members are free-form JSON stored as given: a NUL or a long text inside them is data.
    static let freeFormObjects: Set<String> = ["metadata", "settings", "billing_details"]

    static func all(_ f: MatrixFixture) -> [ActionExample] {
        let a = JSON.string(f.tenant)
        let today = MatrixFixture.day(0), weekAgo = MatrixFixture.day(-7)
        func ex(_ action: String, usesUpTarget: Bool = false, needsGateway: Bool = false, authenticated: Bool = true,
                reportedAs: [String: String] = [:], _ params: @escaping () throws -> JSONObject) -> ActionExample {
            ActionExample(action: action, authenticated: authenticated, makeParams: params, usesUpTarget: usesUpTarget, needsGateway: needsGateway,
                          reportedAs: reportedAs)
        }
        return [
            // Authentication
            ex("login", authenticated: false) { ["email": .string(MatrixFixture.loginEmail), "password": .string(MatrixFixture.loginPassword)] },
            ex("logout") { [:] },
            ex("current_user") { [:] },
            // Tenants
            ex("list_tenants") { ["status": "active", "search": "Matrix", "limit": 10, "offset": 0] },
            ex("get_tenant") { ["tenant_id": a] },
            ex("create_tenant", usesUpTarget: true) {
                ["name": "New Co", "slug": .string(f.unique("new-co")), "status": "active", "plan": "starter",
                 "billing_email": "billing@new.test", "settings": ["locale": "pt-BR"]]
            },
            ex("update_tenant") { ["id": .string(try f.newTenant()), "name": "Renamed Co", "slug": .string(f.unique("renamed")), "status": "active",
                                   "plan": "professional", "billing_email": "ops@renamed.test", "settings": ["locale": "en"]] },
            ex("delete_tenant", usesUpTarget: true) { ["id": .string(try f.newTenant())] },
            ex("suspend_tenant", usesUpTarget: true) { ["id": .string(try f.newTenant())] },
            ex("activate_tenant") { ["id": .string(try f.newTenant())] },
            ex("get_tenant_stats") { ["tenant_id": a] },
            // Users
            ex("list_users") { ["tenant_id": a] },
            ex("create_user", usesUpTarget: true) {
                ["tenant_id": a, "email": .string(f.unique("new.user") + "@example.com"), "password": "a long enough password",
                 "name": "New User", "role": "viewer"]
            },
            ex("update_user") { ["tenant_id": a, "id": .string(f.userId), "email": "matrix.user@example.com", "name": "Matrix User",
                                 "role": "viewer", "password": "yet another long password", "new_tenant_id": a] },
            ex("delete_user", usesUpTarget: true) { ["tenant_id": a, "id": .string(try f.newUser())] },
            // API keys
            ex("generate_api_key") { ["tenant_id": a, "name": "Matrix key", "role": "viewer", "expires_at": .string(MatrixFixture.timestamp(86400))] },
            ex("list_api_keys") { ["tenant_id": a] },
            ex("revoke_api_key", usesUpTarget: true) { ["tenant_id": a, "id": .string(try f.newKeyId())] },
            // Audit
            ex("list_audit_events") {
                ["tenant_id": a, "event_action": "create_user", "actor_id": "system", "target_id": .string(f.userId),
                 "start_date": .string(weekAgo), "end_date": .string(today), "limit": 20, "offset": 0]
            },
            // Usage
            ex("log_usage", usesUpTarget: true) {
                ["tenant_id": a, "resource_type": "message", "quantity": 2, "resource_id": "conversation-9", "metadata": ["model": "small"],
                 "idempotency_key": .string(f.unique("matrix-event")), "occurred_at": .string(MatrixFixture.timestamp(-60)), "enforce": true]
            },
            ex("log_usage_batch", usesUpTarget: true) {
                ["tenant_id": a, "enforce": false, "events": [
                    ["resource_type": "completion", "quantity": 3, "resource_id": "job-1", "metadata": ["tokens": "1200"],
                     "idempotency_key": .string(f.unique("matrix-batch")), "occurred_at": .string(MatrixFixture.timestamp(-30))],
                ]]
            },
            ex("get_usage_stats") { ["tenant_id": a, "start_date": .string(weekAgo), "end_date": .string(today), "resource_type": "message"] },
            ex("get_usage_timeseries") {
                ["tenant_id": a, "start_date": .string(weekAgo), "end_date": .string(today), "resource_type": "message", "interval": "day",
                 "fill_zeros": true]
            },
            ex("list_usage_events") {
                ["tenant_id": a, "resource_type": "message", "resource_id": "conversation-1", "start_date": .string(weekAgo),
                 "end_date": .string(today), "limit": 10, "offset": 0]
            },
            ex("export_usage") {
                ["tenant_id": a, "resource_type": "message", "resource_id": "conversation-1", "start_date": .string(weekAgo), "end_date": .string(today)]
            },
            ex("get_tenant_usage_summary") { ["tenant_id": a, "period_type": "daily"] },
            ex("get_tenant_usage_trends") { ["tenant_id": a, "period_type": "hourly", "limit": 24] },
            ex("aggregate_tenant_usage") { ["tenant_id": a, "dry_run": true] },
            ex("cleanup_usage") { ["tenant_id": a, "before": "2001-01-01"] },
            // Quotas
            ex("set_quota") {
                ["tenant_id": a, "resource_type": "api_call", "period": "monthly", "limit_value": 100_000, "is_hard_limit": false,
                 "notification_threshold": 90]
            },
            ex("list_quotas") { ["tenant_id": a] },
            ex("delete_quota", usesUpTarget: true) { ["tenant_id": a, "id": .string(try f.newQuota())] },
            ex("check_quota") { ["tenant_id": a, "resource_type": "message", "period": "daily"] },
            ex("get_quota_status") { ["tenant_id": a] },
            // Plans
            ex("list_plans") { ["include_inactive": true] },
            ex("upsert_plan") {
                ["plan": "custom", "name": "Custom", "description": "Negotiated", "currency": "BRL", "price_cents": 9900,
                 "prices": ["yearly": 99000, "lifetime": nil],
                 "included_usage": [["resource_type": "message", "period": "monthly", "limit_value": 5000, "is_hard_limit": false]],
                 "overage_unit_price_micros": ["message": 2000], "is_active": true]
            },
            // Subscriptions
            ex("get_subscription") { ["tenant_id": a, "id": .string(f.subscriptionId)] },
            ex("list_subscriptions") { ["tenant_id": a, "status": "active", "limit": 10, "offset": 0] },
            ex("create_subscription", usesUpTarget: true) {
                ["tenant_id": .string(try f.newTenant()), "plan": "professional", "billing_cycle": "yearly", "status": "trial",
                 "price_cents": 50000, "currency": "BRL", "trial_days": 14, "start_date": .string(today),
                 "external_subscription_id": "ext-sub-1", "metadata": ["source": "matrix"], "apply_plan_quotas": false,
                 "invoice_first_period": false]
            },
            ex("update_subscription") {
                ["tenant_id": a, "id": .string(f.subscriptionId), "plan": "starter", "billing_cycle": "monthly", "price_cents": 2900,
                 "cancel_at_period_end": false, "external_subscription_id": "ext-sub-2", "metadata": ["note": "updated"],
                 "apply_plan_quotas": false]
            },
            ex("cancel_subscription", usesUpTarget: true) {
                let s = try f.newTenantWithSubscription()
                return ["tenant_id": .string(s.tenant), "id": .string(s.subscription), "immediately": false]
            },
            // Invoices
            ex("list_invoices") {
                ["tenant_id": a, "status": "pending", "start_date": .string(weekAgo), "end_date": .string(today),
                 "subscription_id": .string(f.subscriptionId), "limit": 10, "offset": 0]
            },
            ex("get_invoice") { ["tenant_id": a, "id": .string(f.invoiceId)] },
            ex("create_invoice", reportedAs: [
                // A line without quantity counts 1, so the stated total no longer matches; a line without a
                // unit price needs its own amount.
                "line_items[0].quantity": "amount_cents", "line_items[0].unit_amount_cents": "line_items[0].amount_cents",
            ]) {
                ["tenant_id": a, "due_date": .string(MatrixFixture.day(15)), "amount_cents": 1300, "currency": "BRL",
                 "line_items": [["description": "Support hours", "quantity": 2, "unit_amount_cents": 650]],
                 "billing_details": ["address": "Rua A, 1"], "notes": "Thank you", "subscription_id": .string(f.subscriptionId), "status": "pending"]
            },
            ex("update_invoice", usesUpTarget: true) {
                ["tenant_id": a, "id": .string(try f.newDraftInvoice()), "status": "pending", "due_date": .string(MatrixFixture.day(25)),
                 "notes": "Updated", "payment_method": "boleto", "external_payment_id": "pay_matrix", "external_invoice_url": "https://pay.example.com/i/1",
                 "billing_details": ["address": "Rua B, 2"]]
            },
            ex("render_invoice") { ["tenant_id": a, "id": .string(f.invoiceId), "format": "html"] },
            // Payment methods
            ex("list_payment_methods") { ["tenant_id": a, "include_deleted": true] },
            ex("add_payment_method") {
                ["tenant_id": a, "type": "credit_card", "is_default": false, "token": "tok_matrix_0001", "card_brand": "VISA", "card_last4": "4242",
                 "exp_month": 12, "exp_year": 2031, "holder_name": "Ana Matrix", "label": "Company card", "metadata": ["team": "ops"]]
            },
            ex("set_default_payment_method") { ["tenant_id": a, "id": .string(f.paymentMethodId)] },
            ex("delete_payment_method", usesUpTarget: true) { ["tenant_id": a, "id": .string(try f.newPaymentMethod())] },
            // Jobs
            ex("run_job") { ["job": "check_quotas", "now": .string(MatrixFixture.timestamp(0)), "dry_run": true] },
            ex("list_job_runs") { ["job": "check_quotas", "limit": 10] },
            // Notifications
            ex("list_notifications") {
                ["tenant_id": a, "type": "invoice_due", "status": "pending", "priority": "normal", "unread_only": true, "limit": 10, "offset": 0]
            },
            ex("get_unread_count") { ["tenant_id": a] },
            ex("mark_notification_read") { ["tenant_id": a, "id": .string(f.notificationId)] },
            ex("mark_all_notifications_read") { ["tenant_id": a] },
            ex("delete_notification", usesUpTarget: true) { ["tenant_id": a, "id": .string(try f.newNotification())] },
            ex("create_notification", usesUpTarget: true) {
                ["tenant_id": a, "type": "invoice_created", "subject": "Invoice ready", "message": "Your invoice is ready", "priority": "high",
                 "metadata": ["invoice": "INV-1"], "dedupe_key": .string(f.unique("matrix-dedupe"))]
            },
            // Outbound webhooks
            ex("create_webhook_endpoint", usesUpTarget: true) {
                ["tenant_id": .string(try f.newTenant()), "url": .string(MatrixFixture.webhookURL), "event_types": ["invoice.*", "usage.threshold"],
                 "description": "Matrix receiver"]
            },
            ex("list_webhook_event_types") { [:] },
            ex("list_webhook_endpoints") { ["tenant_id": a] },
            ex("delete_webhook_endpoint", usesUpTarget: true) { ["tenant_id": a, "id": .string(try f.newEndpoint())] },
            ex("test_webhook_endpoint") { ["tenant_id": a, "id": .string(f.endpointId)] },
            ex("list_webhook_deliveries") { ["tenant_id": a, "endpoint_id": .string(f.endpointId), "status": "pending", "limit": 10, "offset": 0] },
            // Payment gateway (off in the fixture)
            ex("sync_asaas_customer", needsGateway: true) {
                ["tenant_id": a, "name": "Matrix Co", "cpf_cnpj": "24971563792", "email": "billing@matrix.test", "phone": "4738010919",
                 "postal_code": "01310-000", "address_number": "150"]
            },
            ex("charge_invoice", needsGateway: true) { ["tenant_id": a, "id": .string(f.invoiceId), "billing_type": "PIX"] },
            ex("get_invoice_pix_qrcode", needsGateway: true) { ["tenant_id": a, "id": .string(f.invoiceId)] },
            ex("pay_invoice_with_card", needsGateway: true) {
                ["tenant_id": a, "id": .string(f.invoiceId),
                 "card": ["holder_name": "Ana Matrix", "number": "4111111111111111", "expiry_month": "12", "expiry_year": "2031", "cvv": "123"],
                 "holder": ["name": "Ana Matrix", "email": "ana@matrix.test", "cpf_cnpj": "24971563792", "postal_code": "01310-000",
                            "address_number": "150", "phone": "4738010919", "address_complement": "Sala 2", "mobile_phone": "47998781877"],
                 "remote_ip": "203.0.113.7", "save_payment_method": false]
            },
            ex("refund_invoice", needsGateway: true) { ["tenant_id": a, "id": .string(f.invoiceId), "amount_cents": 100, "description": "Goodwill"] },
            ex("get_gateway_balance", needsGateway: true) { [:] },
            ex("list_webhook_events") {
                ["status": "applied", "event_type": "PAYMENT_RECEIVED", "tenant_id": a, "invoice_id": .string(f.invoiceId), "payment_id": "pay_1",
                 "start_date": .string(weekAgo), "end_date": .string(today), "include_payload": true, "limit": 10, "offset": 0]
            },
            ex("list_operator_alerts") { ["open": true, "kind": "gateway_event_held", "tenant_id": a, "limit": 10, "offset": 0] },
            ex("resolve_operator_alert", usesUpTarget: true) { ["id": .string(try f.newOperatorAlert()), "resolution": "Checked with Asaas"] },
        ]
    }
}
