import Foundation
import Storage
import Support

/// A tenant's webhook endpoints and their delivery log (SPEC §8).
public struct WebhookService: Sendable {
    let database: Database
    let clock: any WallClock
    let settings: NotificationSettings
    let dispatcher: WebhookDispatcher

    /// Endpoints per tenant; more is almost certainly a loop in a client's set-up script.
    static let maxEndpointsPerTenant = 20

    public init(database: Database, clock: any WallClock, settings: NotificationSettings, dispatcher: WebhookDispatcher) {
        self.database = database
        self.clock = clock
        self.settings = settings
        self.dispatcher = dispatcher
    }

    /// Registers an endpoint; returns it with its secret, which is never shown again.
    public func create(tenantId: String, url: String, eventTypes: [String], description: String?,
                       context: CallContext) throws -> (endpoint: WebhookEndpoint, secret: String) {
        let checkedURL = try WebhookURLPolicy.validate(url, allowPrivate: settings.webhookAllowPrivate, resolver: dispatcher.resolver)
        guard !eventTypes.isEmpty else { throw BillingError.validation(field: "event_types", reason: "must list at least one event type") }
        var types: [String] = []
        for t in eventTypes {
            guard WebhookEventType.isValid(t) else {
                throw BillingError.validation(field: "event_types", reason: "'\(t.prefix(64))' is not one of \(WebhookEventType.accepted.joined(separator: ", "))")
            }
            if !types.contains(t) { types.append(t) }
        }
        let subscribed = types
        let description = try Validate.text(description, field: "description", maxLength: 200, required: false)
        let now = clock.now()
        let id = UUIDv7.make(at: now)
        let secret = WebhookSignature.makeSecret()
        let endpoint = WebhookEndpoint(id: id, tenantId: tenantId, url: checkedURL, description: description, eventTypes: subscribed,
                                       storedSecret: try dispatcher.secrets.stored(secret, endpointId: id), createdAt: now, updatedAt: now)
        try database.write { conn in
            let count = try conn.scalar("SELECT count(*) FROM webhook_endpoints WHERE tenant_id = ?", [.text(tenantId)]).int64Value ?? 0
            guard count < Self.maxEndpointsPerTenant else {
                throw BillingError.conflict("a tenant may have at most \(Self.maxEndpointsPerTenant) webhook endpoints")
            }
            try WebhookStore.insertEndpoint(conn, endpoint)
            try AuditLog.record(conn, context, action: "create_webhook_endpoint", tenantId: tenantId, targetId: endpoint.id,
                                changes: ["url": .string(checkedURL), "event_types": .array(subscribed.map { .string($0) })], at: now)
        }
        return (endpoint, secret)
    }

    /// One page of the tenant's endpoints, oldest first, with how many it has.
    public func list(tenantId: String, limit: Int = 100, offset: Int = 0) throws -> (items: [WebhookEndpoint], total: Int) {
        try database.read { try WebhookStore.listEndpoints($0, tenantId: tenantId, limit: limit, offset: offset) }
    }

    /// Deletes an endpoint with its queued deliveries and log; another tenant's id is "not found".
    public func delete(id: String, tenantId: String, context: CallContext) throws {
        let now = clock.now()
        try database.write { conn in
            guard try WebhookStore.deleteEndpoint(conn, id: id, tenantId: tenantId) else { throw BillingError.notFound("webhook endpoint not found") }
            try AuditLog.record(conn, context, action: "delete_webhook_endpoint", tenantId: tenantId, targetId: id, at: now)
        }
    }

    /// Sends a signed `webhook.test` event now and reports the answer (logged like any delivery, never retried).
    public func test(id: String, tenantId: String, context: CallContext) throws -> WebhookTestResult {
        try runTest(try testTarget(id: id, tenantId: tenantId), context: context)
    }

    /// The endpoint `test` would send to: quick (one read), so the admin API checks it on the request worker
    /// before handing the slow part, `runTest`, to threads of its own.
    public func testTarget(id: String, tenantId: String) throws -> WebhookEndpoint {
        guard let endpoint = try database.read({ try WebhookStore.findEndpoint($0, id: id, tenantId: tenantId) }) else {
            throw BillingError.notFound("webhook endpoint not found")
        }
        guard dispatcher.transport != nil else {
            throw BillingError.unavailable(code: "webhooks_disabled", message: "outbound webhooks are not configured")
        }
        return endpoint
    }

    /// Sends the test event to `endpoint` (blocks up to `WebhookDispatcher.testTimeoutSeconds`) and audits it.
    public func runTest(_ endpoint: WebhookEndpoint, context: CallContext) throws -> WebhookTestResult {
        let id = endpoint.id
        let tenantId = endpoint.tenantId
        let result = try dispatcher.sendTest(endpoint)
        let now = clock.now()
        try database.write { conn in
            try AuditLog.record(conn, context, action: "test_webhook_endpoint", tenantId: tenantId, targetId: id,
                                changes: ["success": .bool(result.success), "status_code": JSON(result.statusCode)], at: now)
        }
        return result
    }

    /// The tenant's deliveries, newest first, each with its attempts.
    public func deliveries(tenantId: String, endpointId: String?, status: WebhookDelivery.Status?, limit: Int,
                           offset: Int) throws -> (items: [WebhookDelivery], total: Int) {
        try database.read { conn in
            if let endpointId, try WebhookStore.findEndpoint(conn, id: endpointId, tenantId: tenantId) == nil {
                throw BillingError.notFound("webhook endpoint not found")
            }
            return try WebhookStore.listDeliveries(conn, tenantId: tenantId, endpointId: endpointId, status: status, limit: limit, offset: offset)
        }
    }
}
