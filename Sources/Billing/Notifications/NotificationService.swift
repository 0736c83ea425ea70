import Foundation
import Storage
import Support

/// In-app notifications of a tenant (SPEC §8): list, acknowledge, delete, create by hand.
///
/// Every producer — this service's `create`, metering, billing jobs, Asaas webhooks — inserts through
/// `NotificationWriter`, which also queues the outbound webhooks of the occurrence.
public struct NotificationService: Sendable {
    let database: Database
    let clock: any WallClock

    public init(database: Database, clock: any WallClock) {
        self.database = database
        self.clock = clock
    }

    /// Newest first, with the total that matches the filters.
    public func list(tenantId: String, _ query: NotificationQuery) throws -> (items: [TenantNotification], total: Int) {
        try database.read { try NotificationStore.list($0, tenantId: tenantId, query) }
    }

    public func unreadCount(tenantId: String) throws -> Int {
        try database.read { try NotificationStore.unreadCount($0, tenantId: tenantId) }
    }

    /// Sets `read_at` and status `read`; idempotent (a second call keeps the first `read_at`).
    /// Another tenant's id is "not found".
    public func markRead(id: String, tenantId: String, context: CallContext) throws -> TenantNotification {
        let now = clock.now()
        return try database.write { conn in
            guard let before = try NotificationStore.find(conn, id: id, tenantId: tenantId) else {
                throw BillingError.notFound("notification not found")
            }
            guard before.readAt == nil else { return before }
            _ = try NotificationStore.markRead(conn, id: id, tenantId: tenantId, at: now)
            try AuditLog.record(conn, context, action: "mark_notification_read", tenantId: tenantId, targetId: id, at: now)
            return try NotificationStore.find(conn, id: id, tenantId: tenantId)!
        }
    }

    /// Marks every unread notification of the tenant read; returns how many changed.
    public func markAllRead(tenantId: String, context: CallContext) throws -> Int {
        let now = clock.now()
        return try database.write { conn in
            let n = try NotificationStore.markAllRead(conn, tenantId: tenantId, at: now)
            if n > 0 {
                try AuditLog.record(conn, context, action: "mark_all_notifications_read", tenantId: tenantId, targetId: nil,
                                    changes: ["count": .int(Int64(n))], at: now)
            }
            return n
        }
    }

    public func delete(id: String, tenantId: String, context: CallContext) throws {
        let now = clock.now()
        try database.write { conn in
            guard try NotificationStore.delete(conn, id: id, tenantId: tenantId) else { throw BillingError.notFound("notification not found") }
            try AuditLog.record(conn, context, action: "delete_notification", tenantId: tenantId, targetId: id, at: now)
        }
    }

    /// Creates a notification by hand (admin); a repeated `dedupeKey` is a conflict.
    public func create(tenantId: String, _ draft: NotificationDraft, context: CallContext) throws -> TenantNotification {
        guard let subject = try Validate.text(draft.subject, field: "subject", maxLength: NotificationDraft.maxSubjectLength) else {
            throw BillingError.missing("subject")
        }
        let message = draft.message.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !message.isEmpty else { throw BillingError.validation(field: "message", reason: "must not be empty") }
        guard message.count <= NotificationDraft.maxMessageLength else {
            throw BillingError.validation(field: "message", reason: "must be at most \(NotificationDraft.maxMessageLength) characters")
        }
        if let key = draft.dedupeKey { _ = try Validate.text(key, field: "dedupe_key", maxLength: NotificationDraft.maxDedupeKeyLength) }
        let now = clock.now()
        return try database.write { conn in
            guard let id = try NotificationWriter.insert(conn, tenantId: tenantId, type: draft.type, priority: draft.priority, subject: subject,
                                                         message: message, metadata: draft.metadata, dedupeKey: draft.dedupeKey, at: now) else {
                throw BillingError.conflict("a notification with this dedupe_key already exists")
            }
            try AuditLog.record(conn, context, action: "create_notification", tenantId: tenantId, targetId: id,
                                changes: ["type": .string(draft.type.rawValue), "priority": .string(draft.priority.rawValue)], at: now)
            return try NotificationStore.find(conn, id: id, tenantId: tenantId)!
        }
    }
}
