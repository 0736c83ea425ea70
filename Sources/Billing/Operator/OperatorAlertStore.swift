import Foundation
import Storage
import Support

/// Rows of `operator_alerts`; raising one is part of the caller's transaction.
public enum OperatorAlertStore {
    /// Records an alert once per `dedupeKey` (a second raise of the same occasion is a no-op); returns its id
    /// when it was new.
    @discardableResult
    public static func raise(_ conn: Connection, kind: OperatorAlert.Kind, severity: OperatorAlert.Severity = .high, subject: String,
                             message: String, tenantId: String?, invoiceId: String?, metadata: JSONObject?, dedupeKey: String,
                             at now: Date) throws -> String? {
        let id = UUIDv7.make(at: now)
        let inserted = try conn.run("""
            INSERT INTO operator_alerts (id, kind, severity, subject, message, tenant_id, invoice_id, metadata_json, dedupe_key, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (dedupe_key) DO NOTHING
            """, [.text(id), .text(kind.rawValue), .text(severity.rawValue), .text(subject), .text(message), SQLValue(tenantId),
                  SQLValue(invoiceId), SQLValue(metadata.map { JSON.object($0).serializedString() }), .text(dedupeKey),
                  .text(StoredTime.format(now))])
        return inserted > 0 ? id : nil
    }

    static func find(_ conn: Connection, id: String) throws -> OperatorAlert? {
        try conn.queryOne("SELECT * FROM operator_alerts WHERE id = ?", [.text(id)]).map(decode)
    }

    static func decode(_ r: Row) throws -> OperatorAlert {
        guard let id = r.string("id"), let kind = r.string("kind"), let subject = r.string("subject"), let message = r.string("message"),
              let severity = r.string("severity").flatMap(OperatorAlert.Severity.init(rawValue:)),
              let created = StoredTime.parse(r.string("created_at")) else {
            throw BillingError.unavailable(code: "corrupt_row", message: "operator_alerts row \(r.string("id") ?? "?") is unreadable")
        }
        let metadata = try r.string("metadata_json").map { try JSON.parse(Array($0.utf8)).objectValue ?? [:] }
        return OperatorAlert(id: id, kind: .init(rawValue: kind), severity: severity, subject: subject, message: message,
                             tenantId: r.string("tenant_id"), invoiceId: r.string("invoice_id"), metadata: metadata, createdAt: created,
                             resolvedAt: StoredTime.parse(r.string("resolved_at")), resolvedBy: r.string("resolved_by"),
                             resolution: r.string("resolution"))
    }
}
