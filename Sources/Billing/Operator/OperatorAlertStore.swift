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

    /// An `operator_alerts` row; throws `RowDecodingError` when a required column is NULL, of another type, or unparseable.
    static func decode(_ r: Row) throws -> OperatorAlert {
        OperatorAlert(id: try r.decode(String.self, "id"), kind: try r.decode(OperatorAlert.Kind.self, "kind"),
                      severity: try r.decode(OperatorAlert.Severity.self, "severity"), subject: try r.decode(String.self, "subject"),
                      message: try r.decode(String.self, "message"), tenantId: try r.decodeIfPresent(String.self, "tenant_id"),
                      invoiceId: try r.decodeIfPresent(String.self, "invoice_id"), metadata: try r.decodeJSONObjectIfPresent("metadata_json"),
                      createdAt: try r.decodeTime("created_at"), resolvedAt: try r.decodeTimeIfPresent("resolved_at"),
                      resolvedBy: try r.decodeIfPresent(String.self, "resolved_by"), resolution: try r.decodeIfPresent(String.self, "resolution"))
    }
}

extension OperatorAlert.Kind: SQLDecodable {}
extension OperatorAlert.Severity: SQLDecodable {}
