import Foundation
import Storage
import Support

/// What one PHP row becomes: skipped with a reason, or a row of ours (with notes on what was adjusted).
enum PHPMapOutcome {
    case skip(String)
    case insert(PHPInsert)
}

struct PHPInsert {
    var columns: [String]
    var values: [SQLValue]
    /// The tenant (our id) the row belongs to (the row's id for tenants).
    var tenantId: String
    /// Adjustments made to fit our schema ("period 'lifetime' mapped to 'total'"), counted per table.
    var notes: [String] = []
    /// Unique keys the row takes ("slug:acme"), so a dry run sees later PHP rows collide with it.
    var claims: [String] = []
    /// Statements to run after the insert, in the same unit (the invoice number counter).
    var after: [(sql: String, args: [SQLValue])] = []
    /// For usage_logs: what the event adds to the tenant's totals.
    var usage: (type: String, quantity: Int64)?
}

/// Fixed inputs of the mappers.
struct PHPMapContext: Sendable {
    let timeZone: TimeZone
    let box: SecretBox?
    let keyProblem: String
    let defaultCurrency: String
    let now: Date
}

/// Rows a dry run would have inserted so far: later rows check their foreign keys and unique keys against
/// these as well as against the database (a real run inserts as it goes, so the database alone answers).
final class PHPPlannedState {
    /// table → id → tenant id, for the tables other rows reference (tenants, subscriptions).
    var ids: [String: [String: String]] = [:]
    var claims: Set<String> = []
}

/// The target database as the mappers see it: our rows (on the unit's connection) plus a dry run's planned rows.
struct PHPImportTarget {
    let conn: Connection
    let planned: PHPPlannedState?

    /// The stored row with our id `id` in `table` (existence: the idempotency check), or nil.
    func stored(_ table: String, id: String, columns: String = "id") throws -> Row? {
        try conn.queryOne("SELECT \(columns) FROM \(table) WHERE id = ?", [.text(id)])
    }

    /// The tenant owning `id` in `table` (tenants: the id itself) among stored and planned rows, or nil when absent.
    func tenantOf(_ table: String, id: String) throws -> String? {
        if let t = planned?.ids[table]?[id] { return t }
        if table == "tenants" { return try stored("tenants", id: id) != nil ? id : nil }
        return try stored(table, id: id, columns: "tenant_id")?.decodeIfPresent(String.self, "tenant_id")
    }

    /// True when `key` was claimed by a planned row, or `sql` (with `args`) finds a stored row.
    func taken(_ key: String, sql: String, _ args: [SQLValue]) throws -> Bool {
        if planned?.claims.contains(key) == true { return true }
        return try conn.queryOne(sql, args) != nil
    }

    func remember(table: String, id: String, _ insert: PHPInsert) {
        guard let planned else { return }
        if table == "tenants" || table == "subscriptions" { planned.ids[table, default: [:]][id] = insert.tenantId }
        planned.claims.formUnion(insert.claims)
    }
}
