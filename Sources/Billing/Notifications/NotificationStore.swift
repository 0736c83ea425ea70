import Foundation
import Storage
import Support

/// The SQL for reading and acknowledging notifications (inserts go through `NotificationWriter`).
enum NotificationStore {
    static func find(_ conn: Connection, id: String, tenantId: String) throws -> TenantNotification? {
        try conn.queryOne("SELECT * FROM notifications WHERE id = ? AND tenant_id = ?", [.text(id), .text(tenantId)]).map(decode)
    }

    static func list(_ conn: Connection, tenantId: String, _ q: NotificationQuery) throws -> (items: [TenantNotification], total: Int) {
        var sql = " FROM notifications WHERE tenant_id = ?"
        var args: [SQLValue] = [.text(tenantId)]
        if let t = q.type { sql += " AND type = ?"; args.append(.text(t.rawValue)) }
        if let s = q.status { sql += " AND status = ?"; args.append(.text(s.rawValue)) }
        if let p = q.priority { sql += " AND priority = ?"; args.append(.text(p.rawValue)) }
        if q.unreadOnly { sql += " AND read_at IS NULL" }
        let total = Int(try conn.scalar("SELECT count(*)" + sql, args).int64Value ?? 0)
        let rows = try conn.query("SELECT *" + sql + " ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?",
                                  args + [.integer(Int64(q.limit)), .integer(Int64(q.offset))])
        return (try rows.map(decode), total)
    }

    static func unreadCount(_ conn: Connection, tenantId: String) throws -> Int {
        Int(try conn.scalar("SELECT count(*) FROM notifications WHERE tenant_id = ? AND read_at IS NULL", [.text(tenantId)]).int64Value ?? 0)
    }

    /// Marks one notification read; false when the tenant has no such notification. Already read → unchanged.
    static func markRead(_ conn: Connection, id: String, tenantId: String, at now: Date) throws -> Bool {
        guard try find(conn, id: id, tenantId: tenantId) != nil else { return false }
        try conn.run("UPDATE notifications SET status = 'read', read_at = ? WHERE id = ? AND tenant_id = ? AND read_at IS NULL",
                     [.text(StoredTime.format(now)), .text(id), .text(tenantId)])
        return true
    }

    static func markAllRead(_ conn: Connection, tenantId: String, at now: Date) throws -> Int {
        try conn.run("UPDATE notifications SET status = 'read', read_at = ? WHERE tenant_id = ? AND read_at IS NULL",
                     [.text(StoredTime.format(now)), .text(tenantId)])
    }

    static func delete(_ conn: Connection, id: String, tenantId: String) throws -> Bool {
        try conn.run("DELETE FROM notifications WHERE id = ? AND tenant_id = ?", [.text(id), .text(tenantId)]) > 0
    }

    /// A `notifications` row; throws `RowDecodingError` when a required column is NULL, of another type, or unparseable.
    static func decode(_ r: Row) throws -> TenantNotification {
        TenantNotification(
            id: try r.decode(String.self, "id"), tenantId: try r.decode(String.self, "tenant_id"),
            type: try r.decode(NotificationType.self, "type"),
            priority: try r.decode(NotificationPriority.self, "priority"),
            status: try r.decode(NotificationStatus.self, "status"),
            subject: try r.decode(String.self, "subject"), message: try r.decode(String.self, "message"),
            metadata: try r.decodeJSONObjectIfPresent("metadata_json"),
            readAt: try r.decodeTimeIfPresent("read_at"), sentAt: try r.decodeTimeIfPresent("sent_at"),
            attempts: try r.decode(Int.self, "attempts"), nextAttemptAt: try r.decodeTimeIfPresent("next_attempt_at"),
            lastError: try r.decodeIfPresent(String.self, "last_error"), createdAt: try r.decodeTime("created_at"))
    }
}

extension NotificationType: SQLDecodable {}
extension NotificationPriority: SQLDecodable {}
extension NotificationStatus: SQLDecodable {}
