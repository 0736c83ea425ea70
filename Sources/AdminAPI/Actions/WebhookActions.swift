import Billing
import HTTP
import Support

/// Outbound webhook endpoints and their delivery log (SPEC §8).
enum WebhookActions {
    static func make(_ s: AdminServices) -> [Action] {
        [
            Action("create_webhook_endpoint", [.POST], .write, scope: .tenant,
                   summary: "Register a webhook endpoint (url, event_types, description?); the secret is shown only here") { r in
                let url = try r.params.requiredString("url", maxLength: 2000)
                guard let raw = try r.params.array("event_types") else { throw APIError.validation("event_types", "is required") }
                let types = try raw.map { item -> String in
                    guard let t = item.stringValue else { throw APIError.validation("event_types", "must be an array of strings") }
                    return t
                }
                let description = try r.params.string("description", maxLength: 200)
                let created = try s.webhooks.create(tenantId: r.tenant, url: url, eventTypes: types, description: description, context: r.context)
                return .created(Present.webhookEndpoint(created.endpoint, secret: created.secret))
            },
            Action("list_webhook_event_types", [.GET], .read, scope: .none,
                   summary: "The values event_types accepts: patterns, billing events, notification types") { _ in
                .ok(["patterns": .array(WebhookEventType.patterns.map(JSON.string)),
                     "billing_events": .array(WebhookEventType.billingEvents.map(JSON.string)),
                     "notification_types": .array(NotificationType.allCases.map { .string($0.rawValue) })])
            },
            Action("list_webhook_endpoints", [.GET], .read, scope: .tenant, summary: "The tenant's webhook endpoints (never their secrets)") { r in
                .ok(.array(try s.webhooks.list(tenantId: r.tenant).map { Present.webhookEndpoint($0) }))
            },
            Action("delete_webhook_endpoint", [.POST], .write, scope: .tenant, summary: "Delete a webhook endpoint with its queued deliveries") { r in
                let id = try r.params.requiredID("id")
                try s.webhooks.delete(id: id, tenantId: r.tenant, context: r.context)
                return .ok(["id": .string(id), "deleted": true])
            },
            Action("test_webhook_endpoint", [.POST], .write, scope: .tenant,
                   summary: "Send a signed webhook.test event now and report the answer (2 at a time per tenant)") { r in
                let endpoint = try s.webhooks.testTarget(id: try r.params.requiredID("id"), tenantId: r.tenant)
                let permit = try reserveEndpointTest(s.endpointTests, tenant: r.tenant)
                let context = r.context
                // The outbound call runs on the endpoint-test pool; the request worker is free meanwhile.
                return .later { reply in
                    permit.run { reply.finish { .ok(Present.webhookTest(try s.webhooks.runTest(endpoint, context: context))) } }
                }
            },
            Action("list_webhook_deliveries", [.GET], .read, scope: .tenant,
                   summary: "Deliveries with every attempt, newest first (endpoint_id?, status?, limit ≤ 200, offset)") { r in
                let endpoint = try r.params.id("endpoint_id")
                let status = try r.params.enumeration("status", WebhookDelivery.Status.self)
                let (limit, offset) = try r.params.page(defaultLimit: 50, maxLimit: 200)
                let page = try s.webhooks.deliveries(tenantId: r.tenant, endpointId: endpoint, status: status, limit: limit, offset: offset)
                return .ok(Present.page(page.items.map(Present.webhookDelivery), total: page.total, limit: limit, offset: offset))
            },
        ]
    }
}

extension WebhookActions {
    /// A place on the endpoint-test pool, or 429 `rate_limited` (this tenant's tests) / 503 (everyone's).
    static func reserveEndpointTest(_ pool: EndpointTestPool, tenant: String) throws -> EndpointTestPool.Permit {
        let retryAfter = String(Int(WebhookDispatcher.testTimeoutSeconds.rounded(.up)))
        do {
            return try pool.reserve(tenant: tenant)
        } catch .tenantBusy {
            throw APIError(.tooManyRequests, code: "rate_limited",
                           message: "\(pool.perTenant) webhook endpoint tests of this tenant are already running; retry in \(retryAfter) s",
                           headers: [("Retry-After", retryAfter)])
        } catch .full {
            throw APIError(.serviceUnavailable, code: "endpoint_tests_busy",
                           message: "too many webhook endpoint tests are running; retry in \(retryAfter) s", headers: [("Retry-After", retryAfter)])
        }
    }
}
