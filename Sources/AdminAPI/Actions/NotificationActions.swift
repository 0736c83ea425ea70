import Billing
import HTTP
import Support

/// Notifications (SPEC §8).
enum NotificationActions {
    static func make(_ s: AdminServices) -> [Action] {
        [
            Action("list_notifications", [.GET], .read, scope: .tenant, input: ListNotificationsInput.self,
                   summary: "The tenant's notifications, newest first (type, status, priority, unread_only, limit ≤ 200, offset)") { r, input in
                let q = input.query
                let page = try s.notifications.list(tenantId: r.tenant, q)
                return .ok(Present.page(page.items.map(Present.notification), total: page.total, limit: q.limit, offset: q.offset))
            },
            Action("get_unread_count", [.GET], .read, scope: .tenant, input: NoInput.self,
                   summary: "How many notifications of the tenant are unread") { r, _ in
                .ok(["count": JSON(try s.notifications.unreadCount(tenantId: r.tenant))])
            },
            Action("mark_notification_read", [.POST], .read, scope: .owner(.notification), input: NotificationIdInput.self,
                   summary: "Mark one notification read (idempotent)") { r, input in
                .ok(Present.notification(try s.notifications.markRead(id: input.id, tenantId: r.tenant, context: r.context)))
            },
            Action("mark_all_notifications_read", [.POST], .read, scope: .tenant, input: NoInput.self,
                   summary: "Mark every unread notification of the tenant read") { r, _ in
                .ok(["count": JSON(try s.notifications.markAllRead(tenantId: r.tenant, context: r.context))])
            },
            Action("delete_notification", [.POST], .write, scope: .owner(.notification), input: NotificationIdInput.self,
                   summary: "Delete a notification of the tenant") { r, input in
                try s.notifications.delete(id: input.id, tenantId: r.tenant, context: r.context)
                return .ok(["id": .string(input.id), "deleted": true])
            },
            Action("create_notification", [.POST], .write, scope: .tenant, input: CreateNotificationInput.self,
                   summary: "Create a notification by hand (type, subject, message, priority?, metadata?)") { r, input in
                .created(Present.notification(try s.notifications.create(tenantId: r.tenant, input.draft, context: r.context)))
            },
        ]
    }
}
