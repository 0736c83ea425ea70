import Foundation
import Storage
import Support
import Testing
@testable import Billing

/// One row of every table family, written through the services where they exist and by SQL where not.
final class CorruptRowWorld: @unchecked Sendable {
    static let apiKeySecret = "bsk_corrupt_row_test_key"
    static let sessionToken = "bss_corrupt_row_test_session"

    let world: BillingTestWorld
    let tenant: String
    let deliveryId: String

    init() throws {
        let world = try BillingTestWorld()
        let tenant = try world.makeTenant()
        _ = try world.subscribe(tenant)  // subscription, its first invoice, the plan's quotas, notifications, audit events
        try world.addUsage(tenant, .message, quantity: 5, at: "2026-01-31T11:00:00Z")
        _ = try world.jobs().run(.checkQuotas, trigger: .cli)
        let clock = world.clock
        let now = StoredTime.format(clock.now())
        let (userId, endpointId, deliveryId) = (UUIDv7.random(), UUIDv7.random(), UUIDv7.random())
        let (keyHash, sessionHash) = (APIKeyToken.hash(Self.apiKeySecret), Crypto.sha256Hex(Self.sessionToken))
        try world.database.write { conn in
            try conn.run("""
                INSERT INTO users (id, email, name, password_hash, role, tenant_id, created_at, updated_at)
                VALUES (?, 'ana@example.com', 'Ana', 'x', 'admin', ?, ?, ?)
                """, [.text(userId), .text(tenant), .text(now), .text(now)])
            try conn.run("""
                INSERT INTO api_keys (id, name, key_hash, prefix, role, tenant_id, created_at) VALUES (?, 'ci', ?, 'bsk_corr', 'admin', ?, ?)
                """, [.text(UUIDv7.random()), .text(keyHash), .text(tenant), .text(now)])
            try conn.run("INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, '2026-02-01T12:00:00.000Z')",
                         [.text(sessionHash), .text(userId), .text(now)])
            try conn.run("""
                INSERT INTO payment_methods (id, tenant_id, type, status, is_default, created_at, updated_at)
                VALUES (?, ?, 'pix', 'active', 1, ?, ?)
                """, [.text(UUIDv7.random()), .text(tenant), .text(now), .text(now)])
            try conn.run("""
                INSERT INTO webhook_endpoints (id, tenant_id, url, event_types_json, secret, created_at, updated_at)
                VALUES (?, ?, 'https://example.com/hook', '["invoice.*"]', 'whsec_x', ?, ?)
                """, [.text(endpointId), .text(tenant), .text(now), .text(now)])
            try conn.run("""
                INSERT INTO webhook_deliveries (id, tenant_id, endpoint_id, message_id, event_type, payload, status, attempts, created_at)
                VALUES (?, ?, ?, 'msg_1', 'invoice.created', '{}', 'pending', 0, ?)
                """, [.text(deliveryId), .text(tenant), .text(endpointId), .text(now)])
            try OperatorAlertStore.raise(conn, kind: .gatewayEventHeld, subject: "held", message: "held", tenantId: tenant, invoiceId: nil,
                                         metadata: ["reason": "test"], dedupeKey: "corrupt-row-test", at: clock.now())
        }
        _ = try GatewayEventService(database: world.database, clock: clock).receive(
            GatewayEventInput(eventId: "evt_1", eventType: "PAYMENT_RECEIVED", paymentId: nil, externalReference: nil, paymentStatus: nil,
                              payload: "{}"))
        self.world = world
        self.tenant = tenant
        self.deliveryId = deliveryId
    }

    var events: GatewayEventService { GatewayEventService(database: world.database, clock: world.clock) }

    func read<T>(_ body: (Connection) throws -> T) throws -> T { try world.database.read(body) }
}

/// A raw-SQL corruption of one column, a read that must refuse it, and the column the refusal must name.
struct CorruptRowCase: Sendable, CustomTestStringConvertible {
    let corruption: String
    let column: String
    let problem: RowDecodingError.Problem
    let read: @Sendable (CorruptRowWorld) throws -> Void

    var testDescription: String { corruption }

    static let notATime = RowDecodingError.Problem.typeMismatch(found: "text that is not a stored time")
    static let notJSON = RowDecodingError.Problem.typeMismatch(found: "text that is not JSON")
    static let text = RowDecodingError.Problem.typeMismatch(found: "text")
    static let blob = RowDecodingError.Problem.typeMismatch(found: "blob")

    /// One per table family; SQLite's flexible typing and the unchecked columns let these through the schema.
    static let all: [CorruptRowCase] = [
        // tenants
        CorruptRowCase(corruption: "UPDATE tenants SET created_at = 'yesterday'", column: "created_at", problem: notATime) { w in
            _ = try TenantService(database: w.world.database, clock: w.world.clock).get(id: w.tenant)
        },
        CorruptRowCase(corruption: "UPDATE tenants SET settings_json = '{'", column: "settings_json", problem: notJSON) { w in
            _ = try TenantService(database: w.world.database, clock: w.world.clock).list(status: nil, search: nil, limit: 10, offset: 0)
        },
        // users, sessions, API keys: a corrupt credential row is refused loudly, never read as unexpiring or as another role
        CorruptRowCase(corruption: "UPDATE users SET email = x'616e61'", column: "email", problem: blob) { w in
            _ = try UserService(database: w.world.database, clock: w.world.clock, settings: w.world.settings).list(tenantId: w.tenant, limit: 10, offset: 0)
        },
        CorruptRowCase(corruption: "UPDATE api_keys SET expires_at = 'never'", column: "expires_at", problem: notATime) { w in
            _ = try APIKeyService(database: w.world.database, clock: w.world.clock).authenticate(secret: CorruptRowWorld.apiKeySecret)
        },
        CorruptRowCase(corruption: "UPDATE api_keys SET created_at = 'yesterday'", column: "created_at", problem: notATime) { w in
            _ = try APIKeyService(database: w.world.database, clock: w.world.clock).list(tenantId: w.tenant, limit: 10, offset: 0)
        },
        CorruptRowCase(corruption: "UPDATE sessions SET expires_at = 'tomorrow'", column: "expires_at", problem: notATime) { w in
            let limiter = WindowRateLimiter(database: w.world.database, limit: 10, windowSeconds: 60, clock: w.world.clock)
            _ = try SessionService(database: w.world.database, clock: w.world.clock, settings: w.world.settings, limiter: limiter)
                .authenticate(token: CorruptRowWorld.sessionToken)
        },
        // usage: raw events and the rollups quotas are enforced against
        CorruptRowCase(corruption: "UPDATE usage_logs SET metadata_json = '{'", column: "metadata_json", problem: notJSON) { w in
            _ = try UsageService(database: w.world.database, clock: w.world.clock, settings: w.world.settings)
                .listEvents(tenantId: w.tenant, UsageEventFilter(), limit: 10, offset: 0, cursor: nil)
        },
        CorruptRowCase(corruption: "UPDATE usage_logs SET occurred_at = 'abc'", column: "occurred_at", problem: text) { w in
            _ = try UsageService(database: w.world.database, clock: w.world.clock, settings: w.world.settings)
                .rebuildRollups(tenantId: w.tenant, dryRun: true, context: .system)
        },
        CorruptRowCase(corruption: "UPDATE tenant_usage SET total_quantity = 'abc'", column: "total_quantity", problem: text) { w in
            _ = try UsageService(database: w.world.database, clock: w.world.clock, settings: w.world.settings)
                .summary(tenantId: w.tenant, period: .monthly)
        },
        CorruptRowCase(corruption: "UPDATE tenant_usage SET total_quantity = 'abc' WHERE period_type = 'monthly'", column: "total_quantity",
                       problem: text) { w in
            // A bucket that does not read must not count as empty and let usage past a hard limit.
            _ = try QuotaService(database: w.world.database, clock: w.world.clock, settings: w.world.settings)
                .check(tenantId: w.tenant, resourceType: .message, period: .monthly)
        },
        CorruptRowCase(corruption: "UPDATE tenant_usage SET total_quantity = 'abc' WHERE period_type = 'monthly'", column: "total_quantity",
                       problem: text) { w in
            _ = try UsageIngestor(database: w.world.database, clock: w.world.clock, settings: w.world.settings)
                .log(tenantId: w.tenant, UsageEventInput(resourceType: .message, quantity: 1), enforce: true)
        },
        // quotas and plans
        CorruptRowCase(corruption: "UPDATE quotas SET limit_value = 'abc'", column: "limit_value", problem: text) { w in
            _ = try QuotaService(database: w.world.database, clock: w.world.clock, settings: w.world.settings).list(tenantId: w.tenant)
        },
        CorruptRowCase(corruption: "UPDATE plans SET overage_json = '{' WHERE plan_type = 'starter'", column: "overage_json", problem: notJSON) { w in
            _ = try PlanService(database: w.world.database, clock: w.world.clock).list()
        },
        CorruptRowCase(corruption: #"UPDATE plans SET included_json = '[{"resource_type":"message"}]' WHERE plan_type = 'starter'"#,
                       column: "included_json",
                       problem: .typeMismatch(found: "an entry without a known resource_type, period or an integer limit_value")) { w in
            _ = try PlanService(database: w.world.database, clock: w.world.clock).get(.starter)
        },
        // subscriptions
        CorruptRowCase(corruption: "UPDATE subscriptions SET price_cents = 'abc'", column: "price_cents", problem: text) { w in
            _ = try w.world.subscriptions.list(tenantId: w.tenant, status: nil, limit: 10, offset: 0)
        },
        CorruptRowCase(corruption: "UPDATE subscriptions SET current_period_start = 'last month'", column: "current_period_start",
                       problem: notATime) { w in
            _ = try w.read { try SubscriptionStore.live($0, tenantId: w.tenant) }
        },
        // invoices: the amount and the lines are never made up
        CorruptRowCase(corruption: "UPDATE invoices SET amount_cents = 'abc'", column: "amount_cents", problem: text) { w in
            _ = try w.world.invoiceList(w.tenant)
        },
        CorruptRowCase(corruption: #"UPDATE invoices SET line_items_json = '[{"kind":"base","description":"x","quantity":1}]'"#,
                       column: "line_items_json", problem: .typeMismatch(found: "a line without an integer amount_cents")) { w in
            _ = try w.world.invoiceList(w.tenant)
        },
        CorruptRowCase(corruption: "UPDATE invoices SET issued_at = 'yesterday'", column: "issued_at", problem: notATime) { w in
            _ = try w.world.invoiceList(w.tenant)
        },
        // payment methods
        CorruptRowCase(corruption: "UPDATE payment_methods SET metadata_json = '{'", column: "metadata_json", problem: notJSON) { w in
            _ = try PaymentMethodService(database: w.world.database, clock: w.world.clock, settings: w.world.settings)
                .list(tenantId: w.tenant, includeDeleted: true)
        },
        // notifications
        CorruptRowCase(corruption: "UPDATE notifications SET created_at = 'yesterday'", column: "created_at", problem: notATime) { w in
            _ = try NotificationService(database: w.world.database, clock: w.world.clock).list(tenantId: w.tenant, NotificationQuery())
        },
        // webhooks
        CorruptRowCase(corruption: "UPDATE webhook_endpoints SET event_types_json = '{'", column: "event_types_json", problem: notJSON) { w in
            _ = try w.read { try WebhookStore.listEndpoints($0, tenantId: w.tenant, limit: 100, offset: 0) }
        },
        CorruptRowCase(corruption: "UPDATE webhook_deliveries SET attempts = 'abc'", column: "attempts", problem: text) { w in
            _ = try w.read { try WebhookStore.findDelivery($0, id: w.deliveryId) }
        },
        // gateway events: a NULL id (SQLite lets a non-INTEGER primary key hold NULL) is refused, not read as ""
        CorruptRowCase(corruption: "UPDATE gateway_events SET id = NULL", column: "id", problem: .unexpectedNull) { w in
            _ = try w.events.list(GatewayEventQuery())
        },
        CorruptRowCase(corruption: "UPDATE gateway_events SET received_at = 'yesterday'", column: "received_at", problem: notATime) { w in
            _ = try w.events.list(GatewayEventQuery())
        },
        // jobs, audit, operator alerts
        CorruptRowCase(corruption: #"UPDATE job_runs SET counts_json = '{"checked":"many"}'"#, column: "counts_json",
                       problem: .typeMismatch(found: "a count that is a string")) { w in
            _ = try w.world.jobs().recentRuns(job: nil, limit: 10)
        },
        CorruptRowCase(corruption: "UPDATE audit_events SET occurred_at = 'yesterday'", column: "occurred_at", problem: notATime) { w in
            _ = try AuditService(database: w.world.database).list(AuditQuery())
        },
        CorruptRowCase(corruption: "UPDATE operator_alerts SET metadata_json = '[1]'", column: "metadata_json",
                       problem: .typeMismatch(found: "a JSON document that is an array")) { w in
            _ = try OperatorAlertService(database: w.world.database, clock: w.world.clock).list(OperatorAlertQuery())
        },
    ]
}

extension CorruptRowCase {
    /// Corruptions only SQLite's flexible typing lets through: text in an integer column, a NULL primary key.
    /// (A blob literal is not one either way on PostgreSQL: `x'…'` there is a bit string, so the case is skipped.)
    var impossibleOnPostgres: Bool {
        corruption.contains("= 'abc'") || corruption.contains("SET id = NULL")
    }
    var skippedOnPostgres: Bool { corruption.contains("= x'") }
}

/// Issue 14, item 2: a corrupt stored row makes its read throw `RowDecodingError` naming the column, instead of
/// substituting "", 0, 1970, `.pending` or an empty object.
struct CorruptRowTests {
    @Test(arguments: CorruptRowCase.all)
    func corruptColumn_ThrowsRowDecodingError_NamingTheColumn(_ c: CorruptRowCase) throws {
        let w = try CorruptRowWorld()
        try c.read(w)  // intact, the row reads
        if w.world.database.dialect == .postgres, c.skippedOnPostgres { return }
        if w.world.database.dialect == .postgres, c.impossibleOnPostgres {
            // Typed columns and NOT NULL keys refuse this corruption outright: the database is the first defence.
            #expect(throws: DatabaseError.self) { try w.world.database.write { try $0.run(c.corruption) } }
            return
        }
        let changed = try w.world.database.write { try $0.run(c.corruption) }
        try #require(changed > 0)
        let error = #expect(throws: RowDecodingError.self) { try c.read(w) }
        #expect(error?.column == c.column)
        #expect(error?.problem == c.problem)
        #expect(error?.description.contains(c.column) == true)
    }

    @Test func errorDescription_NamesTheColumn_NeverTheValue() throws {
        let w = try CorruptRowWorld()
        try w.world.database.write { _ = try $0.run("UPDATE tenants SET created_at = 'sk_live_not_a_time', settings_json = 'sk_live_not_json'") }
        let row = try #require(try w.read { try $0.queryOne("SELECT * FROM tenants") })
        let time = #expect(throws: RowDecodingError.self) { try row.decodeTime("created_at") }
        #expect(time?.description == "corrupt row: column created_at holds text that is not a stored time (expected stored time (RFC 3339 text))")
        let json = #expect(throws: RowDecodingError.self) { try row.decodeJSONObjectIfPresent("settings_json") }
        #expect(json?.description == "corrupt row: column settings_json holds text that is not JSON (expected JSON text)")
        for e in [time, json] { #expect(e?.description.contains("sk_live") == false) }
    }

    @Test func storedValueAccessors_DecodeIntactValues_AndNullAsNil() throws {
        let w = try CorruptRowWorld()
        let row = try #require(try w.read {
            try $0.queryOne(#"SELECT '2026-01-31T12:00:00.000Z' AS t, NULL AS n, 42 AS i, '{"a":1}' AS o, '[1]' AS a"#)
        })
        #expect(try row.decodeTime("t") == RFC3339.parse("2026-01-31T12:00:00Z"))
        #expect(try row.decodeTimeIfPresent("n") == nil)
        #expect(try row.decodeJSONObjectIfPresent("n") == nil)
        #expect(try row.decodeJSONObject("o")["a"] == .int(1))
        #expect(try row.decodeJSONArray("a") == [.int(1)])
        #expect(throws: RowDecodingError(column: "n", expected: Row.storedTimeType, problem: .unexpectedNull)) { try row.decodeTime("n") }
        #expect(throws: RowDecodingError(column: "i", expected: Row.storedTimeType, problem: .typeMismatch(found: "integer"))) {
            try row.decodeTime("i")
        }
        #expect(throws: RowDecodingError(column: "a", expected: "JSON object", problem: .typeMismatch(found: "a JSON document that is an array"))) {
            try row.decodeJSONObject("a")
        }
        #expect(throws: RowDecodingError(column: "missing", expected: "JSON text", problem: .missingColumn)) { try row.decodeJSONIfPresent("missing") }
    }

    /// The startup repair records a corrupt gateway event as `error` (naming the column) and carries on.
    @Test func applyPending_RecordsACorruptEventAsError_InsteadOfStoppingStartup() throws {
        let w = try CorruptRowWorld()
        try w.world.database.write { _ = try $0.run("UPDATE gateway_events SET received_at = 'yesterday'") }
        #expect(try w.events.applyPending() == 1)
        let row = try #require(try w.read { try $0.queryOne("SELECT status, error FROM gateway_events") })
        #expect(row.string("status") == "error")
        #expect(row.string("error")?.contains("column received_at") == true)
    }
}
