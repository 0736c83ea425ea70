import Foundation
import Storage
import Support

/// The SQL for tenants, behind a narrow surface (a PostgreSQL backend replaces this file, not the service).
struct TenantRepository {
    let conn: Connection

    /// A `tenants` row; throws `RowDecodingError` when a required column is NULL, of another type, or unparseable.
    static func decode(_ r: Row) throws -> Tenant {
        Tenant(id: try r.decode(String.self, "id"), name: try r.decode(String.self, "name"), slug: try r.decode(String.self, "slug"),
               status: try r.decode(Tenant.Status.self, "status"),
               plan: try r.decodeIfPresent(String.self, "plan"), billingEmail: try r.decodeIfPresent(String.self, "billing_email"),
               settings: try r.decodeJSONObjectIfPresent("settings_json"),
               asaasCustomerId: try r.decodeIfPresent(String.self, "asaas_customer_id"),
               createdAt: try r.decodeTime("created_at"), updatedAt: try r.decodeTime("updated_at"))
    }

    /// `forUpdate` in write transactions that change the tenant (see `rowLock`).
    func find(id: String, forUpdate: Bool = false) throws -> Tenant? {
        try conn.queryOne("SELECT * FROM tenants WHERE id = ?" + (forUpdate ? rowLock(conn) : ""), [.text(id)]).map(Self.decode)
    }

    func slugTaken(_ slug: String, except id: String?) throws -> Bool {
        guard let id else { return try conn.queryOne("SELECT 1 FROM tenants WHERE slug = ?", [.text(slug)]) != nil }
        return try conn.queryOne("SELECT 1 FROM tenants WHERE slug = ? AND id <> ?", [.text(slug), .text(id)]) != nil
    }

    func insert(_ t: Tenant) throws {
        try conn.run("""
            INSERT INTO tenants (id, name, slug, status, plan, billing_email, settings_json, asaas_customer_id, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, Self.values(t))
    }

    func update(_ t: Tenant) throws {
        try conn.run("""
            UPDATE tenants SET name = ?, slug = ?, status = ?, plan = ?, billing_email = ?, settings_json = ?,
                asaas_customer_id = ?, updated_at = ? WHERE id = ?
            """, [.text(t.name), .text(t.slug), .text(t.status.rawValue), SQLValue(t.plan), SQLValue(t.billingEmail),
                  SQLValue(t.settings.map { JSON.object($0).serializedString() }), SQLValue(t.asaasCustomerId),
                  .text(StoredTime.format(t.updatedAt)), .text(t.id)])
    }

    func delete(id: String) throws -> Bool {
        try conn.run("DELETE FROM tenants WHERE id = ?", [.text(id)]) > 0
    }

    func list(status: Tenant.Status?, search: String?, limit: Int, offset: Int) throws -> (tenants: [Tenant], total: Int) {
        var conditions: [String] = []
        var args: [SQLValue] = []
        if let status { conditions.append("status = ?"); args.append(.text(status.rawValue)) }
        if let search, !search.isEmpty {
            // lower() on both sides: SQLite's LIKE ignores ASCII case, PostgreSQL's does not.
            conditions.append("(lower(name) LIKE ? ESCAPE '\\' OR lower(slug) LIKE ? ESCAPE '\\' OR lower(billing_email) LIKE ? ESCAPE '\\')")
            let pattern = "%" + Self.escapeLike(search).lowercased() + "%"
            args += [.text(pattern), .text(pattern), .text(pattern)]
        }
        let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let total = int64(of: try conn.scalar("SELECT count(*) FROM tenants \(whereClause)", args)) ?? 0
        let rows = try conn.query("SELECT * FROM tenants \(whereClause) ORDER BY lower(name), id LIMIT ? OFFSET ?",
                                  args + [.integer(Int64(limit)), .integer(Int64(offset))])
        return (try rows.map(Self.decode), Int(total))
    }

    /// Counts for `get_tenant_stats` (every migration is applied before the server serves, so every table exists).
    func stats(id: String) throws -> TenantStats {
        var s = TenantStats()
        func count(_ table: String, _ extra: String = "") throws -> Int {
            return Int(int64(of: try conn.scalar("SELECT count(*) FROM \(table) WHERE tenant_id = ? \(extra)", [.text(id)])) ?? 0)
        }
        s.users = try count("users")
        s.apiKeys = try count("api_keys", "AND revoked_at IS NULL")
        s.usageEvents = try count("usage_logs")
        s.quotas = try count("quotas")
        s.invoices = try count("invoices")
        s.unreadNotifications = try count("notifications", "AND read_at IS NULL")
        return s
    }

    static func values(_ t: Tenant) -> [SQLValue] {
        [.text(t.id), .text(t.name), .text(t.slug), .text(t.status.rawValue), SQLValue(t.plan), SQLValue(t.billingEmail),
         SQLValue(t.settings.map { JSON.object($0).serializedString() }), SQLValue(t.asaasCustomerId),
         .text(StoredTime.format(t.createdAt)), .text(StoredTime.format(t.updatedAt))]
    }

    static func escapeLike(_ s: String) -> String {
        s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_")
    }
}

extension Tenant.Status: SQLDecodable {}
