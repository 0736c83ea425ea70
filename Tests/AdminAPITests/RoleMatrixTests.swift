import AdminAPI
import Billing
import Foundation
import Storage
import Support
import Testing

/// The role × action matrix (security round, issue 18 item 2): docs/SECURITY.md states it, the action table is
/// it, and every action answers every role accordingly over the socket. A tenant never changes its own bill.
@Suite(.serialized) struct RoleMatrixTests {
    static let roles: [Role] = Role.allCases

    /// Rows of docs/SECURITY.md's "Role × action matrix": action → (permission, the roles with a ✓).
    static func documentedMatrix() throws -> [String: (permission: String, roles: Set<Role>)] {
        let doc = try String(contentsOf: TestServer.repositoryRoot.appendingPathComponent("docs/SECURITY.md"), encoding: .utf8)
        guard let start = doc.range(of: "### Role × action matrix") else { return [:] }
        var rows: [String: (String, Set<Role>)] = [:]
        var header: [String] = []
        for line in doc[start.upperBound...].split(separator: "\n") {
            if line.hasPrefix("#") { break }
            guard line.hasPrefix("|"), !line.hasPrefix("|---") else { continue }
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            if cells.first == "action" { header = cells; continue }
            guard cells.count == header.count, cells.count >= 3 else { continue }
            let action = cells[0].trimmingCharacters(in: CharacterSet(charactersIn: "`"))
            var allowed = Set<Role>()
            for (i, cell) in cells.enumerated().dropFirst(2) where cell == "✓" {
                if let role = Role(rawValue: header[i]) { allowed.insert(role) }
            }
            rows[action] = (cells[1].trimmingCharacters(in: CharacterSet(charactersIn: "`")), allowed)
        }
        return rows
    }

    /// One key of every role: tenant roles in `tenant`, operators without one.
    static func keys(_ server: TestServer, tenant: String) throws -> [Role: String] {
        var keys: [Role: String] = [:]
        for role in roles { keys[role] = try server.makeKey(role: role.rawValue, tenant: role.isOperator ? nil : tenant) }
        return keys
    }

    @Test func docsMatrix_IsTheActionTable() throws {
        let server = try TestServer()
        let documented = try Self.documentedMatrix()
        #expect(documented.count == server.app.table.names.count, "docs/SECURITY.md lists \(documented.count) actions")
        for name in server.app.table.names {
            let action = server.app.table.actions[name]!
            guard let row = documented[name] else { Issue.record("docs/SECURITY.md's matrix lacks \(name)"); continue }
            #expect(row.permission == action.permission.rawValue, "\(name): documented \(row.permission), table \(action.permission.rawValue)")
            #expect(row.roles == Set(Self.roles.filter(action.permission.allows)), "\(name): documented roles \(row.roles.map(\.rawValue).sorted())")
        }
    }

    /// Every action as every role, with no parameters beyond the tenant: a role the action does not admit gets the
    /// role refusal (before any parameter is read, nothing written); an admitted one never does.
    @Test func everyAction_AnswersEveryRole_AsTheMatrixSays() throws {
        let server = try TestServer()
        let tenant = try server.makeTenant("Matrix Co")
        let keys = try Self.keys(server, tenant: tenant)
        let snapshotter = DatabaseSnapshotter(server.app.services.database)
        var calls = 0
        for name in server.app.table.names where name != "login" && name != "logout" {
            let action = server.app.table.actions[name]!
            let method = action.methods.contains(.POST) ? "POST" : "GET"
            for role in Self.roles {
                let named: [String: String] = role.isOperator && action.scope.namesTenant ? ["tenant_id": tenant] : [:]
                let before = action.permission.allows(role) ? nil : try snapshotter.take()
                let r = method == "POST"
                    ? try server.call(name, key: keys[role], method: "POST", body: named.isEmpty ? [:] : ["tenant_id": .string(tenant)])
                    : try server.call(name, key: keys[role], method: "GET", query: named)
                calls += 1
                let refusal = r.status == 403 && r.errorCode == "forbidden" && r.text.contains("needs the role")
                if action.permission.allows(role) {
                    #expect(!refusal && r.status != 401, "\(name) as \(role.rawValue): \(r.status) \(String(r.text.prefix(200)))")
                } else {
                    #expect(refusal, "\(name) as \(role.rawValue) should be refused: \(r.status) \(String(r.text.prefix(200)))")
                    #expect(r.text.contains(action.permission.rolesText), "\(name): \(r.text)")
                    #expect(try snapshotter.take().changedTables(since: before!).isEmpty, "\(name) as \(role.rawValue) wrote")
                }
            }
        }
        #expect(calls == (server.app.table.names.count - 2) * Self.roles.count)
    }

    @Test func currentUser_ListsTheAllowedActions_OfEachRole() throws {
        let server = try TestServer()
        let tenant = try server.makeTenant("Allowed Co")
        for (role, key) in try Self.keys(server, tenant: tenant) {
            let me = try server.call("current_user", key: key)
            let listed = me.data["allowed_actions"]?.arrayValue?.compactMap(\.stringValue) ?? []
            let expected = server.app.table.names.filter { server.app.table.actions[$0]!.permission.allows(role) }
            #expect(listed == expected, "\(role.rawValue): \(listed)")
            #expect(me.data["principal"]?["tenant_id"] == (role.isOperator ? .null : .string(tenant)))
        }
    }

    /// The red-team reproductions: a tenant admin marking its pending invoice paid, subscribing itself to
    /// enterprise at 1 cent, raising its own hard quota and refunding — each 403, nothing written; the billing
    /// operator does the same changes.
    @Test func tenantAdmin_CannotChangeItsOwnBill_AndNothingChanges() throws {
        let server = try TestServer()
        let tenant = try server.makeTenant("Self Billing Co")
        let admin = try server.makeKey(role: "admin", tenant: tenant)
        let invoice = try server.asOperator("create_invoice", tenantOf: admin, body: ["amount_cents": 4990, "due_date": "2030-01-31"])
        #expect(invoice.status == 201, "\(invoice.text)")
        let invoiceId = try #require(invoice.data["id"]?.stringValue)
        let quota = try server.asOperator("set_quota", tenantOf: admin,
                                          body: ["resource_type": "message", "period": "monthly", "limit_value": 100, "is_hard_limit": true])
        #expect(quota.status == 201, "\(quota.text)")
        let snapshotter = DatabaseSnapshotter(server.app.services.database)
        let before = try snapshotter.take()
        let attempts: [(String, JSON)] = [
            ("update_invoice", ["id": .string(invoiceId), "status": "paid"]),
            ("update_invoice", ["id": .string(invoiceId), "amount_cents": 1]),
            ("create_subscription", ["plan": "enterprise", "billing_cycle": "monthly", "price_cents": 1]),
            ("set_quota", ["resource_type": "message", "period": "monthly", "limit_value": 1_000_000_000, "is_hard_limit": true]),
            ("delete_quota", ["id": quota.data["id"] ?? .null]),
            ("create_invoice", ["amount_cents": 1, "due_date": "2030-01-31"]),
            ("refund_invoice", ["id": .string(invoiceId)]),
            ("upsert_plan", ["plan": "enterprise", "price_cents": 1]),
        ]
        for (action, body) in attempts {
            let r = try server.call(action, key: admin, body: body)
            #expect(r.status == 403 && r.errorCode == "forbidden", "\(action): \(r.status) \(r.text)")
            #expect(r.text.contains("billing or super-admin"), "\(action): \(r.text)")
        }
        #expect(try snapshotter.take().changedTables(since: before).isEmpty)
        #expect(try server.call("get_invoice", key: admin, query: ["id": invoiceId]).data["status"] == "pending")
        // The operator can, naming the tenant.
        let paid = try server.asOperator("update_invoice", tenantOf: admin, body: ["id": .string(invoiceId), "status": "paid"])
        #expect(paid.status == 200 && paid.data["status"] == "paid", "\(paid.text)")
        // What the admin keeps: recording usage, reading its bill, checking quotas.
        #expect(try server.call("log_usage", key: admin, body: ["resource_type": "message"]).status == 201)
        #expect(try server.call("list_invoices", key: admin).data["total"] == 1)
        #expect(try server.call("get_quota_status", key: admin).status == 200)
    }

    @Test func grants_FollowTheRoles() throws {
        let server = try TestServer()
        let tenant = try server.makeTenant("Grants Co")
        let other = try server.makeTenant("Other Co")
        let keys = try Self.keys(server, tenant: tenant)
        func grant(_ by: Role, _ role: Role, tenantId: String?) throws -> TestResponse {
            var body: JSONObject = ["name": "k", "role": .string(role.rawValue)]
            if let tenantId { body["tenant_id"] = .string(tenantId) }
            return try server.call("generate_api_key", key: keys[by], body: .object(body))
        }
        // A tenant admin grants service, viewer and admin in its own tenant, nothing else.
        for role in Self.roles {
            let r = try grant(.admin, role, tenantId: role.isOperator ? nil : tenant)
            #expect(r.status == (Role.admin.grantable.contains(role) ? 201 : 403), "admin grants \(role.rawValue): \(r.text)")
        }
        #expect(try grant(.admin, .viewer, tenantId: other).status == 403)
        // A service key records usage only: the new key's usage counts, its reads are refused.
        let service = try #require(try grant(.admin, .service, tenantId: nil).data["key"]?.stringValue)
        #expect(try server.call("log_usage", key: service, body: ["resource_type": "message"]).status == 201)
        #expect(try server.call("check_quota", key: service, query: ["resource_type": "message"]).status == 200)
        #expect(try server.call("list_usage_events", key: service).status == 403)
        // Roles other than admin and super-admin grant nothing.
        for by in [Role.service, .viewer, .billing] {
            #expect(try grant(by, .viewer, tenantId: tenant).status == 403, "\(by.rawValue) granted")
        }
        // Operators carry no tenant, tenant roles always one; the answer names the field.
        let billingWithTenant = try grant(.superAdmin, .billing, tenantId: tenant)
        #expect(billingWithTenant.status == 400 && billingWithTenant.json["error"]?["fields"]?["tenant_id"] != nil, "\(billingWithTenant.text)")
        let serviceWithout = try grant(.superAdmin, .service, tenantId: nil)
        #expect(serviceWithout.status == 400 && serviceWithout.json["error"]?["fields"]?["tenant_id"] != nil, "\(serviceWithout.text)")
        let user = try server.call("create_user", key: server.superKey,
                                   body: ["email": "ops@example.com", "password": "a long operator password", "role": "billing"])
        #expect(user.status == 201 && user.data["tenant_id"] == .null, "\(user.text)")
        let adminMakesBilling = try server.call("create_user", key: keys[.admin],
                                                body: ["email": "x@example.com", "password": "a long operator password", "role": "billing"])
        #expect(adminMakesBilling.status == 403, "\(adminMakesBilling.text)")
        // The tenant admin does not see operator users among its tenant's users.
        let listed = try server.call("list_users", key: keys[.admin]).data["items"]?.arrayValue ?? []
        #expect(!listed.contains { $0["email"] == "ops@example.com" })
    }

    /// Migration 014 on SQLite rebuilds users and sessions to change their CHECK constraints: a signed-in user's
    /// session survives it, and the new rule (operators carry no tenant, tenant roles one) holds afterwards.
    @Test func migration014_KeepsSessions_AndEnforcesTheTenantRule() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mig014-\(UUIDv7.random())")
        let old = dir.appendingPathComponent("migrations")
        try FileManager.default.createDirectory(at: old, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let all = TestServer.repositoryRoot.appendingPathComponent("migrations")
        for name in try FileManager.default.contentsOfDirectory(atPath: all.path) where name.hasSuffix(".sql") && name < "014" {
            try FileManager.default.copyItem(at: all.appendingPathComponent(name), to: old.appendingPathComponent(name))
        }
        let db = try Database(path: dir.appendingPathComponent("b.sqlite").path)
        defer { db.close() }
        _ = try db.migrate(directory: old.path)
        try db.write { conn in
            try conn.run("INSERT INTO tenants (id, name, slug, status, created_at, updated_at) VALUES ('t1', 'T', 't', 'active', 'x', 'x')")
            try conn.run("""
                INSERT INTO users (id, email, password_hash, role, tenant_id, created_at, updated_at)
                VALUES ('u1', 'a@example.com', 'h', 'admin', 't1', 'x', 'x'), ('u2', 'root@example.com', 'h', 'super-admin', 't1', 'x', 'x')
                """)
            try conn.run("INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ('s1', 'u1', 'x', 'y')")
            try conn.run("INSERT INTO api_keys (id, name, key_hash, prefix, role, tenant_id, created_at) VALUES ('k1', 'k', 'kh', 'p', 'viewer', 't1', 'x')")
            try conn.run("INSERT INTO audit_events (id, occurred_at, actor_type, actor_id, actor_role, action) VALUES ('e1', 'x', 'user', 'u1', 'admin', 'a')")
        }
        _ = try db.migrate(directory: all.path)
        let kept = try db.read { conn in
            (try conn.queryOne("SELECT count(*) AS n FROM sessions WHERE user_id = 'u1'")?.int("n"),
             try conn.queryOne("SELECT tenant_id FROM users WHERE id = 'u2'")?.string("tenant_id"),
             try conn.queryOne("SELECT count(*) AS n FROM api_keys")?.int("n"), try conn.queryOne("SELECT count(*) AS n FROM audit_events")?.int("n"))
        }
        #expect(kept.0 == 1 && kept.1 == nil && kept.2 == 1 && kept.3 == 1, "\(kept)")
        #expect(throws: DatabaseError.self) {
            try db.write { try $0.run("INSERT INTO users (id, email, password_hash, role, tenant_id, created_at, updated_at) VALUES ('u3', 'b@example.com', 'h', 'billing', 't1', 'x', 'x')") }
        }
        #expect(throws: DatabaseError.self) {
            try db.write { try $0.run("INSERT INTO api_keys (id, name, key_hash, prefix, role, created_at) VALUES ('k2', 'k', 'kh2', 'p', 'service', 'x')") }
        }
        try db.write { try $0.run("INSERT INTO api_keys (id, name, key_hash, prefix, role, created_at) VALUES ('k3', 'k', 'kh3', 'p', 'billing', 'x')") }
        // Deleting the user still ends its sessions (the rebuilt foreign key).
        try db.write { try $0.run("DELETE FROM users WHERE id = 'u1'") }
        #expect(try db.read { try $0.queryOne("SELECT count(*) AS n FROM sessions")?.int("n") } == 0)
    }
}
