import Billing
import Storage
import Support

/// A digest of every row of every table, to prove that a refused request wrote nothing.
///
/// Each table of `sqlite_master` is read in rowid (or, WITHOUT ROWID, primary-key) order with every
/// column `quote()`d and concatenated inside SQLite, then hashed per table.
struct DatabaseSnapshot: Equatable {
    /// Table name → SHA-256 of its rows; `sqlite_master` → the schema itself.
    let tables: [String: String]

    /// The tables whose rows differ between two snapshots (added and dropped tables included).
    func changedTables(since earlier: DatabaseSnapshot) -> [String] {
        Set(tables.keys).union(earlier.tables.keys).filter { tables[$0] != earlier.tables[$0] }.sorted()
    }
}

/// Takes `DatabaseSnapshot`s through the application's read-only connections. The query reading
/// every table at once is built from the schema and rebuilt only when the schema changes, so a
/// snapshot costs two statements — cheap enough to take around every request of the matrix.
final class DatabaseSnapshotter {
    let database: Database
    private var plan: (schema: String, tables: [String], sql: String)?

    init(_ database: Database) { self.database = database }

    func take() throws -> DatabaseSnapshot {
        if database.dialect == .postgres { return try takePostgres() }
        return try database.read { conn in
            let schema = try conn.scalar("""
                SELECT group_concat(type || ' ' || name || ' ' || ifnull(sql, ''), char(10)) FROM (SELECT * FROM sqlite_master ORDER BY type, name)
                """).stringValue ?? ""
            if plan?.schema != schema { plan = try Self.makePlan(conn, schema: schema) }
            guard let plan, let row = try conn.queryOne(plan.sql) else { return DatabaseSnapshot(tables: ["sqlite_master": Crypto.sha256Hex(schema)]) }
            var tables = ["sqlite_master": Crypto.sha256Hex(schema)]
            for (i, name) in plan.tables.enumerated() { tables[name] = Crypto.sha256Hex(row[i].stringValue ?? "") }
            return DatabaseSnapshot(tables: tables)
        }
    }

    /// One `SELECT` with a `group_concat` of every table's quoted rows per column.
    static func makePlan(_ conn: Connection, schema: String) throws -> (schema: String, tables: [String], sql: String) {
        var names: [String] = []
        var parts: [String] = []
        for table in try conn.query("SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY name") {
            guard let name = table.string("name") else { continue }
            let columns = try conn.query("SELECT name, pk FROM pragma_table_info(?)", [.text(name)])
            let withoutRowid = (table.string("sql") ?? "").uppercased().contains("WITHOUT ROWID")
            let keyColumns = columns.filter { ($0.int("pk") ?? 0) > 0 }.sorted { ($0.int("pk") ?? 0) < ($1.int("pk") ?? 0) }
            let order = withoutRowid ? keyColumns.compactMap { $0.string("name").map(quoteIdentifier) }.joined(separator: ", ") : "rowid"
            let row = columns.compactMap { $0.string("name").map { "quote(\(quoteIdentifier($0)))" } }.joined(separator: " || ',' || ")
            names.append(name)
            parts.append("(SELECT group_concat(r, char(10)) FROM (SELECT \(row) AS r FROM \(quoteIdentifier(name)) ORDER BY \(order)))")
        }
        return (schema, names, "SELECT " + (parts.isEmpty ? "1" : parts.joined(separator: ",\n")))
    }

    /// PostgreSQL: the catalog's columns stand for the schema, and each table's rows (as row text, sorted)
    /// are hashed inside the server.
    func takePostgres() throws -> DatabaseSnapshot {
        try database.read { conn in
            let schema = try conn.scalar("""
                SELECT string_agg(table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable || ' ' || coalesce(column_default, ''),
                                  E'\\n' ORDER BY table_name, ordinal_position)
                FROM information_schema.columns WHERE table_schema = 'public'
                """).stringValue ?? ""
            if plan?.schema != schema {
                let names = try conn.tableNames()
                let parts = names.map { "(SELECT coalesce(md5(string_agg(t::text, E'\\n' ORDER BY t::text)), '') FROM \(Self.quoteIdentifier($0)) t)" }
                plan = (schema, names, "SELECT " + (parts.isEmpty ? "1" : parts.joined(separator: ",\n")))
            }
            guard let plan, let row = try conn.queryOne(plan.sql) else { return DatabaseSnapshot(tables: ["schema": Crypto.sha256Hex(schema)]) }
            var tables = ["schema": Crypto.sha256Hex(schema)]
            for (i, name) in plan.tables.enumerated() { tables[name] = row[i].stringValue ?? "" }
            return DatabaseSnapshot(tables: tables)
        }
    }

    static func quoteIdentifier(_ name: String) -> String { "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
}
