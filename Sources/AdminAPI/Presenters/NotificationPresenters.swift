import Billing
import Foundation
import Support

/// JSON shapes of notifications, webhook endpoints and deliveries (same keys always).
extension Present {
    static func notification(_ n: TenantNotification) -> JSON {
        [
            "id": .string(n.id), "tenant_id": .string(n.tenantId), "type": .string(n.type.rawValue), "priority": .string(n.priority.rawValue),
            "status": .string(n.status.rawValue), "subject": .string(n.subject), "message": .string(n.message),
            "metadata": n.metadata.map { .object($0) } ?? .null, "read": .bool(n.readAt != nil), "read_at": time(n.readAt),
            "sent_at": time(n.sentAt), "attempts": JSON(n.attempts), "next_attempt_at": time(n.nextAttemptAt),
            "last_error": JSON(n.lastError), "created_at": time(n.createdAt),
        ]
    }

    /// An endpoint; `secret` is the secret only in the answer to `create_webhook_endpoint`, null elsewhere.
    static func webhookEndpoint(_ e: WebhookEndpoint, secret: String? = nil) -> JSON {
        [
            "id": .string(e.id), "tenant_id": .string(e.tenantId), "url": .string(e.url), "description": JSON(e.description),
            "event_types": .array(e.eventTypes.map { .string($0) }), "secret": JSON(secret),
            "created_at": time(e.createdAt), "updated_at": time(e.updatedAt),
        ]
    }

    static func webhookDelivery(_ d: WebhookDelivery) -> JSON {
        [
            "id": .string(d.id), "tenant_id": .string(d.tenantId), "endpoint_id": .string(d.endpointId), "message_id": .string(d.messageId),
            "event_type": .string(d.eventType), "notification_id": JSON(d.notificationId), "status": .string(d.status.rawValue),
            "attempts": JSON(d.attempts), "next_attempt_at": time(d.status == .pending ? d.nextAttemptAt : nil),
            "last_status_code": JSON(d.lastStatusCode), "last_error": JSON(d.lastError), "delivered_at": time(d.deliveredAt),
            "created_at": time(d.createdAt), "payload": (try? JSON.parse(d.payload)) ?? .null,
            "attempt_log": .array(d.attemptLog.map { a in
                ["attempt": JSON(a.attempt), "attempted_at": time(a.attemptedAt), "status_code": JSON(a.statusCode),
                 "latency_ms": JSON(a.latencyMs), "error": JSON(a.error)]
            }),
        ]
    }

    /// A category instead of libcurl's text, and no latency: the answer must not map the network (issue 18).
    static func webhookTest(_ r: WebhookTestResult) -> JSON {
        ["success": .bool(r.success), "status_code": JSON(r.statusCode), "category": JSON(r.failure?.rawValue),
         "delivery_id": .string(r.delivery.id)]
    }
}
