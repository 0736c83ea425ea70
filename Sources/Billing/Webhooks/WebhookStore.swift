import Foundation
import Storage
import Support

/// The SQL for webhook endpoints, deliveries and attempts.
public enum WebhookStore {
    /// Queues one delivery per endpoint of the tenant subscribed to this notification's event, in the
    /// caller's transaction (so the event exists exactly when the notification does).
    static func enqueue(_ conn: Connection, notificationId: String, tenantId: String, type: NotificationType,
                        priority: NotificationPriority, subject: String, message: String, metadata: JSONObject?, at date: Date) throws {
        let endpoints = try conn.query("SELECT id, event_types_json FROM webhook_endpoints WHERE tenant_id = ? ORDER BY id", [.text(tenantId)])
        guard !endpoints.isEmpty else { return }
        for e in endpoints {
            guard let name = WebhookEventType.delivered(type, to: try decodeTypes(e)) else { continue }
            let data: JSON = [
                "notification_id": .string(notificationId), "tenant_id": .string(tenantId), "notification_type": .string(type.rawValue),
                "priority": .string(priority.rawValue), "subject": .string(subject), "message": .string(message),
                "metadata": metadata.map { .object($0) } ?? .null,
            ]
            try insertDelivery(conn, tenantId: tenantId, endpointId: try e.decode(String.self, "id"), eventType: name, notificationId: notificationId,
                               data: data, at: date)
        }
    }

    /// Inserts a pending delivery, due now; returns it.
    @discardableResult
    static func insertDelivery(_ conn: Connection, tenantId: String, endpointId: String, eventType: String, notificationId: String?,
                               data: JSON, at date: Date) throws -> WebhookDelivery {
        let id = UUIDv7.make(at: date)
        let payload: JSON = ["type": .string(eventType), "timestamp": .string(RFC3339.format(date)), "data": data]
        let d = WebhookDelivery(id: id, tenantId: tenantId, endpointId: endpointId, messageId: "msg_" + id.replacingOccurrences(of: "-", with: ""),
                                eventType: eventType, notificationId: notificationId, payload: payload.serializedString(), status: .pending,
                                attempts: 0, nextAttemptAt: date, lastStatusCode: nil, lastError: nil, deliveredAt: nil, createdAt: date)
        try conn.run("""
            INSERT INTO webhook_deliveries (id, tenant_id, endpoint_id, message_id, event_type, notification_id, payload, status, attempts,
                                            next_attempt_at, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?)
            ON CONFLICT DO NOTHING
            """, [.text(id), .text(tenantId), .text(endpointId), .text(d.messageId), .text(eventType), SQLValue(notificationId),
                  .text(d.payload), .text(StoredTime.format(date)), .text(StoredTime.format(date))])
        return d
    }

    // MARK: - Endpoints

    static func insertEndpoint(_ conn: Connection, _ e: WebhookEndpoint) throws {
        try conn.run("""
            INSERT INTO webhook_endpoints (id, tenant_id, url, description, event_types_json, secret, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """, [.text(e.id), .text(e.tenantId), .text(e.url), SQLValue(e.description),
                  .text(JSON.array(e.eventTypes.map { .string($0) }).serializedString()), .text(e.storedSecret),
                  .text(StoredTime.format(e.createdAt)), .text(StoredTime.format(e.updatedAt))])
    }

    static func findEndpoint(_ conn: Connection, id: String, tenantId: String) throws -> WebhookEndpoint? {
        try conn.queryOne("SELECT * FROM webhook_endpoints WHERE id = ? AND tenant_id = ?", [.text(id), .text(tenantId)]).map(decodeEndpoint)
    }

    /// One page of the tenant's endpoints, oldest first, with how many it has.
    static func listEndpoints(_ conn: Connection, tenantId: String, limit: Int, offset: Int) throws -> (items: [WebhookEndpoint], total: Int) {
        let total = Int(try conn.scalar("SELECT count(*) FROM webhook_endpoints WHERE tenant_id = \(bind: tenantId)").int64Value ?? 0)
        let rows = try conn.query("""
            SELECT * FROM webhook_endpoints WHERE tenant_id = \(bind: tenantId) ORDER BY created_at, id LIMIT \(bind: limit) OFFSET \(bind: offset)
            """)
        return (try rows.map(decodeEndpoint), total)
    }

    static func deleteEndpoint(_ conn: Connection, id: String, tenantId: String) throws -> Bool {
        try conn.run("DELETE FROM webhook_endpoints WHERE id = ? AND tenant_id = ?", [.text(id), .text(tenantId)]) > 0
    }

    // MARK: - Deliveries

    /// A claimed delivery with what sending it needs.
    struct Job: Sendable {
        let delivery: WebhookDelivery
        let url: String
        /// As stored; `WebhookSecretBox` unseals it for signing.
        let storedSecret: String
    }

    /// Claims up to `limit` due pending deliveries: counts the attempt and moves `next_attempt_at` to
    /// `leaseUntil`, so no other dispatcher takes them meanwhile.
    static func claimDue(_ conn: Connection, now: Date, leaseUntil: Date, limit: Int) throws -> [Job] {
        let nowText = StoredTime.format(now)
        let rows = try conn.query("""
            SELECT d.*, e.url AS endpoint_url, e.secret AS endpoint_secret
            FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
            WHERE d.status = 'pending' AND d.next_attempt_at <= ?
            ORDER BY d.next_attempt_at, d.id LIMIT ?\(conn.dialect == .postgres ? " FOR UPDATE OF d SKIP LOCKED" : "")
            """, [.text(nowText), .integer(Int64(limit))])
        var jobs: [Job] = []
        for r in rows {
            var d = try decodeDelivery(r)
            let changed = try conn.run("""
                UPDATE webhook_deliveries SET attempts = attempts + 1, next_attempt_at = ?
                WHERE id = ? AND status = 'pending' AND next_attempt_at <= ?
                """, [.text(StoredTime.format(leaseUntil)), .text(d.id), .text(nowText)])
            guard changed == 1 else { continue }
            d.attempts += 1
            jobs.append(Job(delivery: d, url: try r.decode(String.self, "endpoint_url"), storedSecret: try r.decode(String.self, "endpoint_secret")))
        }
        return jobs
    }

    /// Logs attempt `d.attempts` and moves the delivery to its next state.
    static func recordAttempt(_ conn: Connection, _ d: WebhookDelivery, at: Date, statusCode: Int?, latencyMs: Int, error: String?,
                              next: WebhookDelivery.Status, retryAt: Date?) throws {
        try conn.run("""
            INSERT INTO webhook_attempts (id, delivery_id, attempt, attempted_at, status_code, latency_ms, error) VALUES (?, ?, ?, ?, ?, ?, ?)
            """, [.text(UUIDv7.make(at: at)), .text(d.id), .integer(Int64(d.attempts)), .text(StoredTime.format(at)),
                  sqlInt(statusCode), .integer(Int64(latencyMs)), SQLValue(error)])
        try conn.run("""
            UPDATE webhook_deliveries SET status = ?, next_attempt_at = ?, last_status_code = ?, last_error = ?,
                   delivered_at = CASE WHEN ? = 'succeeded' THEN ? ELSE delivered_at END
            WHERE id = ?
            """, [.text(next.rawValue), SQLValue(retryAt.map(StoredTime.format)), sqlInt(statusCode), SQLValue(error),
                  .text(next.rawValue), .text(StoredTime.format(at)), .text(d.id)])
    }

    static func listDeliveries(_ conn: Connection, tenantId: String, endpointId: String?, status: WebhookDelivery.Status?,
                               limit: Int, offset: Int) throws -> (items: [WebhookDelivery], total: Int) {
        var sql = " FROM webhook_deliveries WHERE tenant_id = ?"
        var args: [SQLValue] = [.text(tenantId)]
        if let endpointId { sql += " AND endpoint_id = ?"; args.append(.text(endpointId)) }
        if let status { sql += " AND status = ?"; args.append(.text(status.rawValue)) }
        let total = Int(try conn.scalar("SELECT count(*)" + sql, args).int64Value ?? 0)
        var items = try conn.query("SELECT *" + sql + " ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?",
                                   args + [.integer(Int64(limit)), .integer(Int64(offset))]).map(decodeDelivery)
        for i in items.indices { items[i].attemptLog = try attempts(conn, deliveryId: items[i].id) }
        return (items, total)
    }

    static func findDelivery(_ conn: Connection, id: String) throws -> WebhookDelivery? {
        guard var d = try conn.queryOne("SELECT * FROM webhook_deliveries WHERE id = ?", [.text(id)]).map(decodeDelivery) else { return nil }
        d.attemptLog = try attempts(conn, deliveryId: id)
        return d
    }

    static func attempts(_ conn: Connection, deliveryId: String) throws -> [WebhookAttempt] {
        try conn.query("SELECT * FROM webhook_attempts WHERE delivery_id = ? ORDER BY attempt", [.text(deliveryId)]).map(decodeAttempt)
    }

    // MARK: - Decoding

    /// The event types of a `webhook_endpoints` row (a JSON array of strings); throws `RowDecodingError` naming
    /// `event_types_json` when it is NULL, not JSON, not an array, or holds something other than strings.
    static func decodeTypes(_ r: Row) throws -> [String] {
        try r.decodeJSONArray("event_types_json").map {
            guard let type = $0.stringValue else {
                throw RowDecodingError.jsonContent("event_types_json", expected: "an array of event types", found: "an item that is \($0.typeName)")
            }
            return type
        }
    }

    /// A `webhook_endpoints` row; throws `RowDecodingError` when a required column is NULL, of another type, or unparseable.
    static func decodeEndpoint(_ r: Row) throws -> WebhookEndpoint {
        WebhookEndpoint(id: try r.decode(String.self, "id"), tenantId: try r.decode(String.self, "tenant_id"), url: try r.decode(String.self, "url"),
                        description: try r.decodeIfPresent(String.self, "description"), eventTypes: try decodeTypes(r),
                        storedSecret: try r.decode(String.self, "secret"),
                        createdAt: try r.decodeTime("created_at"), updatedAt: try r.decodeTime("updated_at"))
    }

    /// A `webhook_deliveries` row; throws `RowDecodingError` when a required column is NULL, of another type, or unparseable.
    static func decodeDelivery(_ r: Row) throws -> WebhookDelivery {
        WebhookDelivery(id: try r.decode(String.self, "id"), tenantId: try r.decode(String.self, "tenant_id"),
                        endpointId: try r.decode(String.self, "endpoint_id"),
                        messageId: try r.decode(String.self, "message_id"), eventType: try r.decode(String.self, "event_type"),
                        notificationId: try r.decodeIfPresent(String.self, "notification_id"), payload: try r.decode(String.self, "payload"),
                        status: try r.decode(WebhookDelivery.Status.self, "status"),
                        attempts: try r.decode(Int.self, "attempts"), nextAttemptAt: try r.decodeTimeIfPresent("next_attempt_at"),
                        lastStatusCode: try r.decodeIfPresent(Int.self, "last_status_code"),
                        lastError: try r.decodeIfPresent(String.self, "last_error"),
                        deliveredAt: try r.decodeTimeIfPresent("delivered_at"), createdAt: try r.decodeTime("created_at"))
    }

    /// A `webhook_attempts` row; throws `RowDecodingError` when a required column is NULL, of another type, or unparseable.
    static func decodeAttempt(_ r: Row) throws -> WebhookAttempt {
        WebhookAttempt(attempt: try r.decode(Int.self, "attempt"), attemptedAt: try r.decodeTime("attempted_at"),
                       statusCode: try r.decodeIfPresent(Int.self, "status_code"), latencyMs: try r.decode(Int.self, "latency_ms"),
                       error: try r.decodeIfPresent(String.self, "error"))
    }
}

extension WebhookDelivery.Status: SQLDecodable {}
