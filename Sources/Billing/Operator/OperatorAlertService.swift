import Foundation
import Storage
import Support

/// The operator's alert list (`list_operator_alerts`, `resolve_operator_alert`); super-admins only.
public struct OperatorAlertService: Sendable {
    let database: Database
    let clock: any WallClock

    public init(database: Database, clock: any WallClock) {
        self.database = database
        self.clock = clock
    }

    /// Alerts newest first.
    public func list(_ q: OperatorAlertQuery) throws -> (items: [OperatorAlert], total: Int) {
        var conditions: [String] = []
        var args: [SQLValue] = []
        if let open = q.open { conditions.append(open ? "resolved_at IS NULL" : "resolved_at IS NOT NULL") }
        if let k = q.kind { conditions.append("kind = ?"); args.append(.text(k)) }
        if let t = q.tenantId { conditions.append("tenant_id = ?"); args.append(.text(t)) }
        let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        return try database.read { conn in
            let total = int64(of: try conn.scalar("SELECT count(*) FROM operator_alerts \(filter)", args)) ?? 0
            let rows = try conn.query("SELECT * FROM operator_alerts \(filter) ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?",
                                      args + [.integer(Int64(q.limit)), .integer(Int64(q.offset))])
            return (try rows.map(OperatorAlertStore.decode), Int(total))
        }
    }

    /// Marks an open alert resolved with the operator's note (409 when it already is).
    public func resolve(id: String, resolution: String, context: CallContext) throws -> OperatorAlert {
        let note = try Validate.text(resolution, field: "resolution", maxLength: OperatorAlert.maxResolutionLength, required: true) ?? ""
        let now = clock.now()
        return try database.write { conn in
            guard let alert = try OperatorAlertStore.find(conn, id: id) else { throw BillingError.notFound("operator alert not found") }
            guard alert.isOpen else { throw BillingError.conflict("the alert is already resolved") }
            try conn.run("UPDATE operator_alerts SET resolved_at = ?, resolved_by = ?, resolution = ? WHERE id = ?",
                         [.text(StoredTime.format(now)), .text(context.principal.id), .text(note), .text(id)])
            try AuditLog.record(conn, context, action: "resolve_operator_alert", tenantId: alert.tenantId, targetId: id,
                                changes: ["resolution": .string(note)], at: now)
            guard let updated = try OperatorAlertStore.find(conn, id: id) else { throw BillingError.notFound("operator alert not found") }
            return updated
        }
    }
}
