import Foundation
import Support
import Testing

/// Tenant A's principals can neither read nor change nor learn about tenant B's objects.
@Suite(.serialized) struct CrossTenantTests {
    let server: TestServer
    init() throws { server = try TestServer() }

    struct World {
        let tenantA: String
        let tenantB: String
        let viewerA: String
        let adminA: String
        let userB: String
        let keyB: String
    }

    func makeWorld() throws -> World {
        let a = try server.makeTenant("Tenant A")
        let b = try server.makeTenant("Tenant B")
        let viewerA = try server.makeKey(role: "viewer", tenant: a)
        let adminA = try server.makeKey(role: "admin", tenant: a)
        _ = try server.makeKey(role: "viewer", tenant: b)
        _ = try server.makeKey(role: "admin", tenant: b)
        let user = try server.call("create_user", key: server.superKey,
                                   body: ["email": "b-user@example.com", "password": "b-user-password", "role": "admin", "tenant_id": .string(b)])
        let keyB = try server.call("list_api_keys", key: server.superKey, query: ["tenant_id": b]).data["items"]?.arrayValue?.first?["id"]?.stringValue
        return World(tenantA: a, tenantB: b, viewerA: viewerA, adminA: adminA, userB: user.data["id"]?.stringValue ?? "", keyB: keyB ?? "")
    }

    /// Everything observable about tenant B, read as super-admin.
    func snapshotB(_ w: World) throws -> String {
        let tenant = try server.call("get_tenant", key: server.superKey, query: ["tenant_id": w.tenantB]).text
        let users = try server.call("list_users", key: server.superKey, query: ["tenant_id": w.tenantB]).text
        let keys = try server.call("list_api_keys", key: server.superKey, query: ["tenant_id": w.tenantB]).data["items"]?.arrayValue?
            .map { "\($0["id"]?.stringValue ?? "") \($0["revoked"] == true)" }.joined(separator: ",") ?? ""
        return tenant + users + keys
    }

    @Test func crossTenant_EveryIdOrTenantAction_IsRefused_AndBIsUnchanged() throws {
        let w = try makeWorld()
        let before = try snapshotB(w)
        let b = JSON.string(w.tenantB)

        // (action, method body/query, expected statuses for viewer and admin of A)
        let calls: [(String, JSON?, [String: String], Set<Int>)] = [
            ("get_tenant", nil, ["tenant_id": w.tenantB], [403]),
            ("get_tenant_stats", nil, ["tenant_id": w.tenantB], [403]),
            ("list_users", nil, ["tenant_id": w.tenantB], [403]),
            ("list_api_keys", nil, ["tenant_id": w.tenantB], [403]),
            ("list_audit_events", nil, ["tenant_id": w.tenantB], [403]),
            ("create_user", ["email": "evil@example.com", "password": "evil-password-1", "tenant_id": b], [:], [403]),
            ("generate_api_key", ["name": "evil", "role": "admin", "tenant_id": b], [:], [403]),
            ("update_user", ["id": .string(w.userB), "role": "viewer"], [:], [403, 404]),
            ("update_user", ["id": .string(w.userB), "new_tenant_id": .string(w.tenantA)], [:], [403, 404]),
            ("delete_user", ["id": .string(w.userB)], [:], [403, 404]),
            ("revoke_api_key", ["id": .string(w.keyB)], [:], [403, 404]),
            ("update_tenant", ["id": b, "name": "pwned"], [:], [403]),
            ("suspend_tenant", ["id": b], [:], [403]),
            ("delete_tenant", ["id": b], [:], [403]),
        ]
        for key in [w.viewerA, w.adminA] {
            for (action, body, query, expected) in calls {
                let r = try server.call(action, key: key, query: query, body: body)
                #expect(expected.contains(r.status), "\(action) answered \(r.status): \(r.text)")
                #expect(!r.text.contains("b-user@example.com"), "\(action) leaked B's data")
            }
        }
        // Admin of A addressing B's objects by id gets 404 specifically (never reveals they exist).
        #expect(try server.call("delete_user", key: w.adminA, body: ["id": .string(w.userB)]).status == 404)
        #expect(try server.call("revoke_api_key", key: w.adminA, body: ["id": .string(w.keyB)]).status == 404)
        #expect(try snapshotB(w) == before)
    }

    /// Issue 18: e-mails are unique across tenants, and the 409 said "a user with this e-mail already exists",
    /// so a tenant admin could test which addresses other tenants have. Now the answer is the same words
    /// whether the address is B's, A's own or a super-admin's, and B is unchanged.
    @Test func duplicateEmail_OfAnotherTenant_GetsTheSameGeneric409() throws {
        let w = try makeWorld()
        let before = try snapshotB(w)
        let own = try server.call("create_user", key: w.adminA, body: ["email": "a-user@example.com", "password": "a-user-password"])
        #expect(own.status == 201, "\(own.text)")
        let other = try server.call("create_user", key: w.adminA, body: ["email": "b-user@example.com", "password": "some-password-1"])
        let mine = try server.call("create_user", key: w.adminA, body: ["email": "a-user@example.com", "password": "some-password-1"])
        #expect(other.status == 409 && other.errorCode == "conflict", "\(other.text)")
        #expect(other.text == mine.text, "\(other.text) vs \(mine.text)")
        let message = other.json["error"]?["message"]?.stringValue ?? ""
        #expect(message.contains("cannot be used") && !message.contains("exist") && !message.contains("tenant"), "\(message)")
        let moved = try server.call("update_user", key: w.adminA, body: ["id": own.data["id"]!, "email": "B-USER@example.com"])
        #expect(moved.status == 409 && moved.text == other.text, "\(moved.text)")
        #expect(try snapshotB(w) == before)
    }

    @Test func crossTenant_ListsOfA_NeverContainB() throws {
        let w = try makeWorld()
        let keys = try server.call("list_api_keys", key: w.adminA)
        #expect(keys.data["items"]?.arrayValue?.allSatisfy { $0["tenant_id"]?.stringValue == w.tenantA } == true)
        let users = try server.call("list_users", key: w.adminA)
        #expect(users.data["items"]?.arrayValue?.allSatisfy { $0["tenant_id"]?.stringValue == w.tenantA } == true)
        #expect(!users.text.contains("b-user@example.com"))
        let tenant = try server.call("get_tenant", key: w.viewerA)
        #expect(tenant.data["id"]?.stringValue == w.tenantA)
    }

    @Test func deleteTenant_CascadesItsUsersAndKeys() throws {
        let w = try makeWorld()
        #expect(try server.call("delete_tenant", key: server.superKey, body: ["id": .string(w.tenantB)]).status == 200)
        let leftovers = try server.app.services.database.read { conn in
            try conn.scalar("SELECT (SELECT count(*) FROM users WHERE tenant_id = ?) + (SELECT count(*) FROM api_keys WHERE tenant_id = ?)",
                            [.text(w.tenantB), .text(w.tenantB)])
        }
        #expect(leftovers == .integer(0))
        #expect(try server.call("get_tenant", key: server.superKey, query: ["tenant_id": w.tenantB]).status == 404)
    }
}
