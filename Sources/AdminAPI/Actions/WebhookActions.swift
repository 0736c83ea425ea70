import Billing
import HTTP
import Support

/// Outbound webhook endpoints and their delivery log (SPEC §8).
enum WebhookActions {
    static func make(_ s: AdminServices) -> [Action] {
        [
            Action("create_webhook_endpoint", [.POST], .write, scope: .tenant, input: CreateWebhookEndpointInput.self,
                   summary: "Register a webhook endpoint (url, event_types, description?); the secret is shown only here") { r, input in
                let created = try s.webhooks.create(tenantId: r.tenant, url: input.url, eventTypes: input.eventTypes, description: input.description,
                                                    context: r.context)
                return .created(Present.webhookEndpoint(created.endpoint, secret: created.secret))
            },
            Action("list_webhook_event_types", [.GET], .read, scope: .none, input: ListWebhookEventTypesInput.self,
                   summary: "The values event_types accepts: patterns, billing events, notification types") { _, input in
                let all = eventTypeVocabulary
                let page = input.page
                let items = all.dropFirst(page.offset).prefix(page.limit).map { entry -> JSON in
                    ["event_type": .string(entry.value), "kind": .string(entry.kind)]
                }
                return .ok(Present.page(Array(items), total: all.count, limit: page.limit, offset: page.offset))
            },
            Action("list_webhook_endpoints", [.GET], .read, scope: .tenant, input: ListWebhookEndpointsInput.self,
                   summary: "The tenant's webhook endpoints, oldest first (never their secrets)") { r, input in
                let page = input.page
                let result = try s.webhooks.list(tenantId: r.tenant, limit: page.limit, offset: page.offset)
                return .ok(Present.page(result.items.map { Present.webhookEndpoint($0) }, total: result.total, limit: page.limit, offset: page.offset))
            },
            Action("delete_webhook_endpoint", [.POST], .write, scope: .owner(.webhookEndpoint), input: WebhookEndpointIDInput.self,
                   summary: "Delete a webhook endpoint with its queued deliveries") { r, input in
                try s.webhooks.delete(id: input.id, tenantId: r.tenant, context: r.context)
                return .ok(["id": .string(input.id), "deleted": true])
            },
            Action("test_webhook_endpoint", [.POST], .write, scope: .owner(.webhookEndpoint), input: WebhookEndpointIDInput.self,
                   summary: "Send a signed webhook.test event now and report the answer (2 at a time per tenant)") { r, input in
                let endpoint = try s.webhooks.testTarget(id: input.id, tenantId: r.tenant)
                let permit = try reserveEndpointTest(s.endpointTests, tenant: r.tenant)
                let context = r.context
                // The outbound call runs on the endpoint-test pool; the request worker is free meanwhile.
                return .later { reply in
                    permit.run { reply.finish { .ok(Present.webhookTest(try s.webhooks.runTest(endpoint, context: context))) } }
                }
            },
            Action("list_webhook_deliveries", [.GET], .read, scope: .tenant, input: ListWebhookDeliveriesInput.self,
                   summary: "Deliveries with every attempt, newest first (endpoint_id?, status?, limit ≤ 200, offset)") { r, input in
                let page = input.page
                let result = try s.webhooks.deliveries(tenantId: r.tenant, endpointId: input.endpointId, status: input.status, limit: page.limit,
                                                       offset: page.offset)
                return .ok(Present.page(result.items.map(Present.webhookDelivery), total: result.total, limit: page.limit, offset: page.offset))
            },
        ]
    }
}

extension WebhookActions {
    /// Every value `event_types` accepts with its kind (`pattern`, `billing_event`, `notification_type`), in the
    /// order `list_webhook_event_types` lists them.
    static let eventTypeVocabulary: [(value: String, kind: String)] =
        WebhookEventType.patterns.map { ($0, "pattern") } + WebhookEventType.billingEvents.map { ($0, "billing_event") }
        + NotificationType.allCases.map { ($0.rawValue, "notification_type") }

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
