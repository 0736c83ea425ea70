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
        return (rows.map(decode), total)
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

    static func decode(_ r: Row) -> TenantNotification {
        TenantNotification(
            id: r.string("id") ?? "", tenantId: r.string("tenant_id") ?? "",
            type: NotificationType(rawValue: r.string("type") ?? "") ?? .quotaWarning,
            priority: NotificationPriority(rawValue: r.string("priority") ?? "") ?? .normal,
            status: NotificationStatus(rawValue: r.string("status") ?? "") ?? .pending,
            subject: r.string("subject") ?? "", message: r.string("message") ?? "",
            metadata: r.string("metadata_json").flatMap { try? JSON.parse(Array($0.utf8)) }?.objectValue,
            readAt: StoredTime.parse(r.string("read_at")), sentAt: StoredTime.parse(r.string("sent_at")),
            attempts: Int(r.int("attempts") ?? 0), nextAttemptAt: StoredTime.parse(r.string("next_attempt_at")),
            lastError: r.string("last_error"), createdAt: StoredTime.parse(r.string("created_at")) ?? Date(timeIntervalSince1970: 0))
    }
}
