import Billing
import HTTP
import Support

/// Notifications (SPEC §8).
enum NotificationActions {
    static func make(_ s: AdminServices) -> [Action] {
        [
            Action("list_notifications", [.GET], .read, scope: .tenant,
                   summary: "The tenant's notifications, newest first (type, status, priority, unread_only, limit ≤ 200, offset)") { r in
                var q = NotificationQuery()
                q.type = try r.params.enumeration("type", NotificationType.self)
                q.status = try r.params.enumeration("status", NotificationStatus.self)
                q.priority = try r.params.enumeration("priority", NotificationPriority.self)
                q.unreadOnly = try r.params.bool("unread_only") ?? false
                (q.limit, q.offset) = try r.params.page(defaultLimit: 50, maxLimit: 200)
                let page = try s.notifications.list(tenantId: r.tenant, q)
                return .ok(Present.page(page.items.map(Present.notification), total: page.total, limit: q.limit, offset: q.offset))
            },
            Action("get_unread_count", [.GET], .read, scope: .tenant, summary: "How many notifications of the tenant are unread") { r in
                .ok(["count": JSON(try s.notifications.unreadCount(tenantId: r.tenant))])
            },
            Action("mark_notification_read", [.POST], .read, scope: .tenant, summary: "Mark one notification read (idempotent)") { r in
                .ok(Present.notification(try s.notifications.markRead(id: try r.params.requiredID("id"), tenantId: r.tenant, context: r.context)))
            },
            Action("mark_all_notifications_read", [.POST], .read, scope: .tenant, summary: "Mark every unread notification of the tenant read") { r in
                .ok(["count": JSON(try s.notifications.markAllRead(tenantId: r.tenant, context: r.context))])
            },
            Action("delete_notification", [.POST], .write, scope: .tenant, summary: "Delete a notification of the tenant") { r in
                let id = try r.params.requiredID("id")
                try s.notifications.delete(id: id, tenantId: r.tenant, context: r.context)
                return .ok(["id": .string(id), "deleted": true])
            },
            Action("create_notification", [.POST], .write, scope: .tenant, summary: "Create a notification by hand (type, subject, message, priority?, metadata?)") { r in
                guard let type = try r.params.enumeration("type", NotificationType.self) else { throw APIError.validation("type", "is required") }
                var draft = NotificationDraft(type: type, subject: try r.params.requiredString("subject", maxLength: 200),
                                              message: try r.params.requiredString("message", maxLength: 5000))
                draft.priority = try r.params.enumeration("priority", NotificationPriority.self) ?? .normal
                draft.metadata = try r.params.object("metadata")
                if let m = draft.metadata, JSON.object(m).serialized().count > 8192 { throw APIError.validation("metadata", "must be at most 8 KiB of JSON") }
                draft.dedupeKey = try r.params.string("dedupe_key", maxLength: 200)
                return .created(Present.notification(try s.notifications.create(tenantId: r.tenant, draft, context: r.context)))
            },
        ]
    }
}
