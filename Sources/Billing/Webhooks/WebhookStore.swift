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
            guard let name = WebhookEventType.delivered(type, to: decodeTypes(e.string("event_types_json"))) else { continue }
            let data: JSON = [
                "notification_id": .string(notificationId), "tenant_id": .string(tenantId), "notification_type": .string(type.rawValue),
                "priority": .string(priority.rawValue), "subject": .string(subject), "message": .string(message),
                "metadata": metadata.map { .object($0) } ?? .null,
            ]
            try insertDelivery(conn, tenantId: tenantId, endpointId: e.string("id") ?? "", eventType: name, notificationId: notificationId,
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

    static func listEndpoints(_ conn: Connection, tenantId: String) throws -> [WebhookEndpoint] {
        try conn.query("SELECT * FROM webhook_endpoints WHERE tenant_id = ? ORDER BY created_at, id", [.text(tenantId)]).map(decodeEndpoint)
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
            var d = decodeDelivery(r)
            let changed = try conn.run("""
                UPDATE webhook_deliveries SET attempts = attempts + 1, next_attempt_at = ?
                WHERE id = ? AND status = 'pending' AND next_attempt_at <= ?
                """, [.text(StoredTime.format(leaseUntil)), .text(d.id), .text(nowText)])
            guard changed == 1 else { continue }
            d.attempts += 1
            jobs.append(Job(delivery: d, url: r.string("endpoint_url") ?? "", storedSecret: r.string("endpoint_secret") ?? ""))
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
        try conn.query("SELECT * FROM webhook_attempts WHERE delivery_id = ? ORDER BY attempt", [.text(deliveryId)]).map { r in
            WebhookAttempt(attempt: Int(r.int("attempt") ?? 0), attemptedAt: StoredTime.parse(r.string("attempted_at")) ?? Date(timeIntervalSince1970: 0),
                           statusCode: r.int("status_code").map(Int.init), latencyMs: Int(r.int("latency_ms") ?? 0), error: r.string("error"))
        }
    }

    // MARK: - Decoding

    static func decodeTypes(_ text: String?) -> [String] {
        guard let text, let array = (try? JSON.parse(text))?.arrayValue else { return [] }
        return array.compactMap(\.stringValue)
    }

    static func decodeEndpoint(_ r: Row) -> WebhookEndpoint {
        WebhookEndpoint(id: r.string("id") ?? "", tenantId: r.string("tenant_id") ?? "", url: r.string("url") ?? "",
                        description: r.string("description"), eventTypes: decodeTypes(r.string("event_types_json")),
                        storedSecret: r.string("secret") ?? "",
                        createdAt: StoredTime.parse(r.string("created_at")) ?? Date(timeIntervalSince1970: 0),
                        updatedAt: StoredTime.parse(r.string("updated_at")) ?? Date(timeIntervalSince1970: 0))
    }

    static func decodeDelivery(_ r: Row) -> WebhookDelivery {
        WebhookDelivery(id: r.string("id") ?? "", tenantId: r.string("tenant_id") ?? "", endpointId: r.string("endpoint_id") ?? "",
                        messageId: r.string("message_id") ?? "", eventType: r.string("event_type") ?? "",
                        notificationId: r.string("notification_id"), payload: r.string("payload") ?? "",
                        status: WebhookDelivery.Status(rawValue: r.string("status") ?? "") ?? .pending,
                        attempts: Int(r.int("attempts") ?? 0), nextAttemptAt: StoredTime.parse(r.string("next_attempt_at")),
                        lastStatusCode: r.int("last_status_code").map(Int.init), lastError: r.string("last_error"),
                        deliveredAt: StoredTime.parse(r.string("delivered_at")),
                        createdAt: StoredTime.parse(r.string("created_at")) ?? Date(timeIntervalSince1970: 0))
    }
}
