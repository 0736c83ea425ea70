import Billing
import Foundation
import Support

/// JSON shapes of the domain objects. Every object always has the same keys (null, never absent).
enum Present {
    static func time(_ date: Date?) -> JSON { date.map { .string(RFC3339.format($0)) } ?? .null }

    static func tenant(_ t: Tenant) -> JSON {
        [
            "id": .string(t.id), "name": .string(t.name), "slug": .string(t.slug), "status": .string(t.status.rawValue),
            "plan": JSON(t.plan), "billing_email": JSON(t.billingEmail), "settings": t.settings.map { .object($0) } ?? .null,
            "asaas_customer_id": JSON(t.asaasCustomerId), "created_at": time(t.createdAt), "updated_at": time(t.updatedAt),
        ]
    }

    static func tenantStats(_ s: TenantStats, tenantId: String) -> JSON {
        [
            "tenant_id": .string(tenantId), "users": JSON(s.users), "api_keys": JSON(s.apiKeys), "usage_events": JSON(s.usageEvents),
            "quotas": JSON(s.quotas), "invoices": JSON(s.invoices), "unread_notifications": JSON(s.unreadNotifications),
        ]
    }

    static func apiKey(_ k: APIKey) -> JSON {
        [
            "id": .string(k.id), "name": .string(k.name), "prefix": .string(k.prefix), "role": .string(k.role.rawValue),
            "tenant_id": JSON(k.tenantId), "created_by": JSON(k.createdBy), "created_at": time(k.createdAt),
            "expires_at": time(k.expiresAt), "last_used_at": time(k.lastUsedAt), "revoked_at": time(k.revokedAt),
            "revoked": .bool(k.revokedAt != nil),
        ]
    }

    static func user(_ u: User) -> JSON {
        [
            "id": .string(u.id), "email": .string(u.email), "name": JSON(u.name), "role": .string(u.role.rawValue),
            "tenant_id": JSON(u.tenantId), "last_login_at": time(u.lastLoginAt), "created_at": time(u.createdAt),
            "updated_at": time(u.updatedAt),
        ]
    }

    static func principal(_ p: Principal) -> JSON {
        ["kind": .string(p.kind.rawValue), "id": .string(p.id), "role": .string(p.role.rawValue), "tenant_id": JSON(p.tenantId),
         "name": .string(p.displayName)]
    }

    static func auditEvent(_ e: AuditEvent) -> JSON {
        [
            "id": .string(e.id), "occurred_at": time(e.occurredAt), "actor_type": .string(e.actorType), "actor_id": .string(e.actorId),
            "actor_role": .string(e.actorRole), "tenant_id": JSON(e.tenantId), "action": .string(e.action),
            "target_id": JSON(e.targetId), "changes": e.changes ?? .null, "client_ip": JSON(e.clientIP), "request_id": JSON(e.requestId),
        ]
    }

    /// A page of a list: `{items, total, limit, offset}`.
    static func page(_ items: [JSON], total: Int, limit: Int, offset: Int) -> JSON {
        ["items": .array(items), "total": JSON(total), "limit": JSON(limit), "offset": JSON(offset)]
    }
}
