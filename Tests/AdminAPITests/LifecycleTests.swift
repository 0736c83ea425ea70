import Foundation
import Support
import Testing

/// Security round part two, item 5: sessions and keys follow the tenant's and user's lifecycle.
@Suite(.serialized) struct LifecycleTests {
    let server: TestServer
    init() throws { server = try TestServer() }

    /// A dashboard user of a new tenant, logged in; returns (tenant, user id, cookie pair).
    func loggedIn(_ name: String) throws -> (tenant: String, user: String, cookie: String) {
        let tenant = try server.makeTenant(name)
        let email = "\(name.lowercased().replacingOccurrences(of: " ", with: "."))@example.com"
        let user = try server.call("create_user", key: server.superKey,
                                   body: ["email": .string(email), "password": "correct horse battery", "role": "admin", "tenant_id": .string(tenant)])
        let login = try server.call("login", key: nil, body: ["email": .string(email), "password": "correct horse battery"])
        let cookie = try #require(login.header("Set-Cookie")).split(separator: ";")[0]
        return (tenant, user.data["id"]?.stringValue ?? "", String(cookie))
    }

    func json(_ cookie: String) -> [(String, String)] { [("Cookie", cookie), ("Content-Type", "application/json")] }

    @Test func suspendingATenant_EndsItsSessions_AndActivatingDoesNotBringThemBack() throws {
        let s = try loggedIn("Lifecycle One")
        #expect(try server.call("current_user", key: nil, headers: [("Cookie", s.cookie)]).status == 200)
        #expect(try server.call("suspend_tenant", key: server.superKey, body: ["id": .string(s.tenant)]).status == 200)
        #expect(try server.call("current_user", key: nil, headers: [("Cookie", s.cookie)]).status == 401)
        #expect(try server.call("activate_tenant", key: server.superKey, body: ["id": .string(s.tenant)]).status == 200)
        #expect(try server.call("current_user", key: nil, headers: [("Cookie", s.cookie)]).status == 401)
        // A fresh login works again.
        #expect(try server.call("login", key: nil, body: ["email": "lifecycle.one@example.com", "password": "correct horse battery"]).status == 200)
    }

    @Test func logout_AlwaysWorks_EvenForAUserOfASuspendedTenant() throws {
        let s = try loggedIn("Lifecycle Two")
        // Suspended without going through suspend_tenant's session sweep (e.g. another instance's write): logout still ends it.
        try server.app.services.database.write { conn in
            try conn.run("UPDATE tenants SET status = 'suspended' WHERE id = ?", [.text(s.tenant)])
        }
        let me = try server.call("current_user", key: nil, headers: [("Cookie", s.cookie)])
        #expect(me.status == 403 && me.errorCode == "tenant_suspended")
        let out = try server.call("logout", key: nil, method: "POST", body: [:], headers: json(s.cookie))
        #expect(out.status == 200, "\(out.text)")
        #expect(try server.call("current_user", key: nil, headers: [("Cookie", s.cookie)]).status == 401)
    }

    @Test func inactiveTenant_IsRefusedLikeASuspendedOne() throws {
        let tenant = try server.makeTenant("Lifecycle Inactive")
        let admin = try server.makeKey(role: "admin", tenant: tenant)
        let set = try server.call("update_tenant", key: server.superKey, body: ["id": .string(tenant), "status": "inactive"])
        #expect(set.status == 200 && set.data["status"] == "inactive", "\(set.text)")
        let usage = try server.call("log_usage", key: admin, body: ["resource_type": "message", "quantity": 1])
        #expect(usage.status == 403 && usage.errorCode == "tenant_inactive", "\(usage.text)")
        let invoice = try server.call("get_invoice", key: admin, query: ["id": UUIDv7.make()])
        #expect(invoice.status == 403 && invoice.errorCode == "tenant_inactive", "\(invoice.text)")
        // Even a super-admin cannot record usage for it.
        let forced = try server.call("log_usage", key: server.superKey, body: ["tenant_id": .string(tenant), "resource_type": "message", "quantity": 1])
        #expect(forced.status == 403 && forced.errorCode == "tenant_inactive", "\(forced.text)")
        #expect(try server.call("list_usage_events", key: server.superKey, query: ["tenant_id": tenant]).data["items"]?.arrayValue?.isEmpty == true)
    }

    /// Keys belong to the tenant, not to the user who made them: they outlive the user, and the list says who made them.
    @Test func apiKeys_BelongToTheTenant_AndShowTheirCreator() throws {
        let s = try loggedIn("Lifecycle Keys")
        let made = try server.call("generate_api_key", key: nil, body: ["name": "app", "role": "admin"], headers: json(s.cookie))
        #expect(made.status == 201, "\(made.text)")
        let key = try #require(made.data["key"]?.stringValue)
        #expect(try server.call("delete_user", key: server.superKey, body: ["id": .string(s.user), "tenant_id": .string(s.tenant)]).status == 200)
        #expect(try server.call("current_user", key: key).status == 200)
        let listed = try server.call("list_api_keys", key: server.superKey, query: ["tenant_id": s.tenant]).data["items"]?.arrayValue ?? []
        #expect(listed.first { $0["name"] == "app" }?["created_by"]?.stringValue == s.user)
    }

    /// The bootstrap key imported from ADMIN_API_KEY shows a random prefix, never the start of that secret.
    @Test func importedKey_HasARandomPrefix() throws {
        let keys = try server.call("list_api_keys", key: server.superKey).data["items"]?.arrayValue ?? []
        let bootstrap = try #require(keys.first { $0["name"]?.stringValue?.contains("ADMIN_API_KEY") == true })
        let prefix = bootstrap["prefix"]?.stringValue ?? ""
        #expect(prefix.hasPrefix("imp_") && prefix.count == 12)
        #expect(!server.superKey.contains(prefix))
    }
}
