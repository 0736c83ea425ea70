import Foundation
import Storage
import Support

/// The single insert path for notifications, used by every producer inside its own write transaction;
/// it also queues the outbound webhook deliveries of the occurrence.
public enum NotificationWriter {
    /// Inserts a notification unless one with the same `dedupeKey` exists for the tenant
    /// (each occasion notifies at most once, also under concurrency). Returns the new id, or nil for a duplicate.
    @discardableResult
    public static func insert(_ conn: Connection, tenantId: String, type: NotificationType, priority: NotificationPriority,
                              subject: String, message: String, metadata: JSONObject?, dedupeKey: String?, at date: Date) throws -> String? {
        let id = UUIDv7.make(at: date)
        let changed = try conn.run("""
            INSERT INTO notifications (id, tenant_id, type, priority, status, subject, message, metadata_json, dedupe_key, created_at)
            VALUES (?, ?, ?, ?, 'pending', ?, ?, ?, ?, ?)
            ON CONFLICT (tenant_id, dedupe_key) WHERE dedupe_key IS NOT NULL DO NOTHING
            """, [.text(id), .text(tenantId), .text(type.rawValue), .text(priority.rawValue), .text(subject), .text(message),
                  SQLValue(metadata.map { JSON.object($0).serializedString() }), SQLValue(dedupeKey), .text(StoredTime.format(date))])
        guard changed > 0 else { return nil }
        // Same transaction: the webhook event exists exactly when the notification does (one per occurrence).
        try WebhookStore.enqueue(conn, notificationId: id, tenantId: tenantId, type: type, priority: priority, subject: subject,
                                 message: message, metadata: metadata, at: date)
        return id
    }
}
