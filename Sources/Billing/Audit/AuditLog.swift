import Foundation
import Storage
import Support

/// One row of the audit trail.
public struct AuditEvent: Sendable, Equatable {
    public let id: String
    public let occurredAt: Date
    public let actorType: String
    public let actorId: String
    public let actorRole: String
    public let tenantId: String?
    public let action: String
    public let targetId: String?
    public let changes: JSON?
    public let clientIP: String?
    public let requestId: String?
}

/// Writes audit events inside the caller's write transaction, so a mutation and its
/// audit row commit together or not at all.
public enum AuditLog {
    /// Field names whose values never reach the audit trail.
    static let secretFields: Set<String> = ["password", "password_hash", "key", "key_hash", "token", "secret", "card_number", "cvv", "ccv"]

    /// Records `action` by `context.principal` on `targetId` in `tenantId`.
    public static func record(_ conn: Connection, _ context: CallContext, action: String, tenantId: String?,
                              targetId: String?, changes: JSONObject? = nil, at date: Date) throws {
        var redacted = changes
        if var c = redacted {
            for key in c.keys where secretFields.contains(key) { c[key] = "[redacted]" }
            redacted = c
        }
        try conn.run("""
            INSERT INTO audit_events (id, occurred_at, actor_type, actor_id, actor_role, tenant_id, action, target_id, changes_json, client_ip, request_id)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, [
                .text(UUIDv7.make(at: date)), .text(StoredTime.format(date)), .text(context.principal.kind.rawValue),
                .text(context.principal.id), .text(context.principal.role.rawValue), SQLValue(tenantId), .text(action),
                SQLValue(targetId), SQLValue(redacted.map { JSON.object($0).serializedString() }),
                SQLValue(context.clientIP), SQLValue(context.requestId),
            ])
    }
}

/// Filters for `list_audit_events`.
public struct AuditQuery: Sendable {
    public var tenantId: String?
    public var action: String?
    public var actorId: String?
    public var targetId: String?
    public var since: Date?
    public var until: Date?
    public var limit = 100
    public var offset = 0
    public init() {}
}

/// Reads the audit trail.
public struct AuditService: Sendable {
    let database: Database

    public init(database: Database) { self.database = database }

    /// Newest first; `query.tenantId == nil` means every tenant (super-admin only; the router enforces it).
    public func list(_ query: AuditQuery) throws -> (events: [AuditEvent], total: Int) {
        var conditions: [String] = []
        var args: [SQLValue] = []
        if let t = query.tenantId { conditions.append("tenant_id = ?"); args.append(.text(t)) }
        if let a = query.action { conditions.append("action = ?"); args.append(.text(a)) }
        if let a = query.actorId { conditions.append("actor_id = ?"); args.append(.text(a)) }
        if let t = query.targetId { conditions.append("target_id = ?"); args.append(.text(t)) }
        if let s = query.since { conditions.append("occurred_at >= ?"); args.append(.text(StoredTime.format(s))) }
        if let u = query.until { conditions.append("occurred_at < ?"); args.append(.text(StoredTime.format(u))) }
        let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        return try database.read { conn in
            let total = try conn.scalar("SELECT count(*) FROM audit_events \(whereClause)", args)
            let rows = try conn.query("SELECT * FROM audit_events \(whereClause) ORDER BY occurred_at DESC, id DESC LIMIT ? OFFSET ?",
                                      args + [.integer(Int64(query.limit)), .integer(Int64(query.offset))])
            let events = try rows.map(Self.decode)
            return (events, Int(int64(of: total) ?? 0))
        }
    }

    /// An `audit_events` row; throws `RowDecodingError` when a required column is NULL, of another type, or unparseable.
    static func decode(_ r: Row) throws -> AuditEvent {
        AuditEvent(id: try r.decode(String.self, "id"), occurredAt: try r.decodeTime("occurred_at"),
                   actorType: try r.decode(String.self, "actor_type"), actorId: try r.decode(String.self, "actor_id"),
                   actorRole: try r.decode(String.self, "actor_role"), tenantId: try r.decodeIfPresent(String.self, "tenant_id"),
                   action: try r.decode(String.self, "action"), targetId: try r.decodeIfPresent(String.self, "target_id"),
                   changes: try r.decodeJSONIfPresent("changes_json"),
                   clientIP: try r.decodeIfPresent(String.self, "client_ip"), requestId: try r.decodeIfPresent(String.self, "request_id"))
    }
}
