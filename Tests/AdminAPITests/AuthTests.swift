import Foundation
import Support
import Testing

/// API keys, roles, sessions, CSRF, rate limiting, suspension, audit.
@Suite(.serialized) struct AuthTests {
    let server: TestServer
    init() throws { server = try TestServer() }

    @Test func apiKey_Answers401_WhenMissingInvalidOrMalformed() throws {
        let none = try server.call("current_user", key: nil)
        #expect(none.status == 401)
        #expect(none.errorCode == "unauthorized")
        #expect(try server.call("current_user", key: "bsk_not_a_real_key").status == 401)
        let basic = try server.call("current_user", key: nil, headers: [("Authorization", "Basic abc")])
        #expect(basic.status == 401)
    }

    @Test func apiKey_AcceptsDeprecatedXAdminTokenAlias() throws {
        let r = try server.call("current_user", key: nil, headers: [("X-Admin-Token", server.superKey)])
        #expect(r.status == 200)
    }

    @Test func apiKey_IsShownOnce_AndStoredOnlyAsHash() throws {
        let tenant = try server.makeTenant("Keys Inc")
        let created = try server.call("generate_api_key", key: server.superKey,
                                      body: ["name": "ci", "role": "admin", "tenant_id": .string(tenant)])
        #expect(created.status == 201)
        let secret = try #require(created.data["key"]?.stringValue)
        #expect(secret.count >= 40)
        #expect(created.data["prefix"]?.stringValue.map { secret.hasPrefix($0) } == true)
        let listed = try server.call("list_api_keys", key: server.superKey, query: ["tenant_id": tenant])
        #expect(!listed.text.contains(secret))
        #expect(listed.data["items"]?.arrayValue?.first?["prefix"] != nil)
        #expect(listed.data["items"]?.arrayValue?.first?["key"] == nil)
        let dump = try server.app.services.database.read { try $0.query("SELECT * FROM api_keys") }
        #expect(!dump.contains { $0.string("key_hash") == secret })
    }

    @Test func apiKey_Answers401_AfterRevocation() throws {
        let tenant = try server.makeTenant("Revoke Co")
        let created = try server.call("generate_api_key", key: server.superKey, body: ["name": "tmp", "role": "viewer", "tenant_id": .string(tenant)])
        let secret = try #require(created.data["key"]?.stringValue)
        let id = try #require(created.data["id"]?.stringValue)
        #expect(try server.call("current_user", key: secret).status == 200)
        let revoked = try server.call("revoke_api_key", key: server.superKey, body: ["id": .string(id)])
        #expect(revoked.status == 200)
        #expect(revoked.data["revoked"] == true)
        #expect(try server.call("current_user", key: secret).status == 401)
    }

    @Test func apiKey_Answers401_WhenExpired() throws {
        let tenant = try server.makeTenant("Expiry Co")
        let soon = RFC3339.format(Date().addingTimeInterval(1.2))
        let created = try server.call("generate_api_key", key: server.superKey,
                                      body: ["name": "short", "role": "viewer", "tenant_id": .string(tenant), "expires_at": .string(soon)])
        let secret = try #require(created.data["key"]?.stringValue)
        Thread.sleep(forTimeInterval: 2.1)
        #expect(try server.call("current_user", key: secret).status == 401)
    }

    @Test func roles_ViewerReads_AdminWritesInTenant_SuperAdminManagesTenants() throws {
        let tenant = try server.makeTenant("Roles Co")
        let viewer = try server.makeKey(role: "viewer", tenant: tenant)
        let admin = try server.makeKey(role: "admin", tenant: tenant)

        #expect(try server.call("get_tenant", key: viewer).status == 200)
        #expect(try server.call("get_tenant_stats", key: viewer).status == 200)
        #expect(try server.call("generate_api_key", key: viewer, body: ["name": "x", "role": "viewer"]).status == 403)
        #expect(try server.call("list_tenants", key: viewer).status == 403)

        let byAdmin = try server.call("generate_api_key", key: admin, body: ["name": "svc", "role": "viewer"])
        #expect(byAdmin.status == 201)
        #expect(byAdmin.data["tenant_id"]?.stringValue == tenant)
        #expect(try server.call("create_tenant", key: admin, body: ["name": "Nope"]).status == 403)
        #expect(try server.call("list_tenants", key: admin).status == 403)

        // Escalation attempts.
        #expect(try server.call("generate_api_key", key: admin, body: ["name": "esc", "role": "super-admin"]).status == 403)
        #expect(try server.call("create_user", key: admin, body: ["email": "esc@example.com", "password": "long-enough-pw", "role": "super-admin"]).status == 403)

        #expect(try server.call("list_tenants", key: server.superKey).status == 200)
    }

    @Test func superAdmin_Gets400NamingTenantID_WhenTenantScopedActionNamesNone() throws {
        let r = try server.call("get_tenant_stats", key: server.superKey)
        #expect(r.status == 400)
        #expect(r.json["error"]?["fields"]?["tenant_id"] != nil)
        let unknown = try server.call("get_tenant_stats", key: server.superKey, query: ["tenant_id": UUIDv7.make()])
        #expect(unknown.status == 404)
        let malformed = try server.call("get_tenant_stats", key: server.superKey, query: ["tenant_id": "1 OR 1=1"])
        #expect(malformed.status == 400)
    }

    @Test func suspendedTenant_Gets403TenantSuspended_UntilActivated() throws {
        let tenant = try server.makeTenant("Suspend Co")
        let admin = try server.makeKey(role: "admin", tenant: tenant)
        #expect(try server.call("suspend_tenant", key: server.superKey, body: ["id": .string(tenant)]).data["status"] == "suspended")
        let r = try server.call("get_tenant", key: admin)
        #expect(r.status == 403)
        #expect(r.errorCode == "tenant_suspended")
        #expect(try server.call("activate_tenant", key: server.superKey, body: ["id": .string(tenant)]).status == 200)
        #expect(try server.call("get_tenant", key: admin).status == 200)
    }

    @Test func session_LoginSetsStrictHttpOnlyCookie_AndCSRFRuleApplies() throws {
        let tenant = try server.makeTenant("Cookie Co")
        let created = try server.call("create_user", key: server.superKey,
                                      body: ["email": "Ana@Example.com", "password": "correct horse battery", "role": "admin", "tenant_id": .string(tenant)])
        #expect(created.status == 201)
        #expect(created.text.contains("password") == false)

        let bad = try server.call("login", key: nil, body: ["email": "ana@example.com", "password": "wrong password!"])
        #expect(bad.status == 401)
        let login = try server.call("login", key: nil, body: ["email": "ana@example.com", "password": "correct horse battery"])
        #expect(login.status == 200)
        let cookie = try #require(login.header("Set-Cookie"))
        #expect(cookie.contains("HttpOnly"))
        #expect(cookie.contains("SameSite=Strict"))
        #expect(cookie.contains("Path=/"))
        #expect(!cookie.contains("Secure"))
        let pair = String(cookie.split(separator: ";")[0])

        let me = try server.call("current_user", key: nil, headers: [("Cookie", pair)])
        #expect(me.status == 200)
        #expect(me.data["user"]?["email"] == "ana@example.com")
        #expect(me.data["tenant"]?["id"]?.stringValue == tenant)

        // A cookie-authenticated change with a form content type and no X-Requested-With is refused.
        let forged = try server.client.request("POST", "/admin-api?action=generate_api_key",
                                               headers: [("Cookie", pair), ("Content-Type", "application/x-www-form-urlencoded")],
                                               body: Array("name=x".utf8))
        #expect(forged.status == 403)
        let allowed = try server.call("generate_api_key", key: nil, body: ["name": "from-dashboard", "role": "viewer"],
                                      headers: [("Cookie", pair), ("X-Requested-With", "fetch")])
        #expect(allowed.status == 201)

        let logout = try server.call("logout", key: nil, body: [:], headers: [("Cookie", pair)])
        #expect(logout.status == 200)
        #expect(try server.call("current_user", key: nil, headers: [("Cookie", pair)]).status == 401)
    }

    /// Security round item 4: the CSRF rule covers `login` too, compares the media type exactly, and refuses a request a
    /// browser marks as coming from another site (`Origin`, `Sec-Fetch-Site`).
    @Test func csrf_CoversLogin_ExactMediaType_AndCrossSiteOrigins() throws {
        let tenant = try server.makeTenant("Origin Co")
        _ = try server.call("create_user", key: server.superKey,
                            body: ["email": "origin@example.com", "password": "correct horse battery", "tenant_id": .string(tenant)])
        let body = Array(#"{"email":"origin@example.com","password":"correct horse battery"}"#.utf8)
        let host = "127.0.0.1:\(server.app.port)"
        func login(_ headers: [(String, String)]) throws -> Int {
            try server.client.request("POST", "/admin-api?action=login", headers: headers, body: body).status  // Host: 127.0.0.1:port
        }
        #expect(try login([("Content-Type", "text/plain")]) == 403)                       // a cross-site form post
        #expect(try login([("Content-Type", "application/jsonx")]) == 403)
        #expect(try login([("Content-Type", "application/json"), ("Origin", "https://evil.example")]) == 403)
        #expect(try login([("Content-Type", "application/json"), ("Origin", "null")]) == 403)
        #expect(try login([("Content-Type", "application/json"), ("Sec-Fetch-Site", "cross-site")]) == 403)
        #expect(try login([("Content-Type", "application/json; charset=utf-8"), ("Origin", "http://\(host)"), ("Sec-Fetch-Site", "same-origin")]) == 200)
        #expect(try login([("Content-Type", "application/json")]) == 200)                  // curl, scripts: no Origin
        #expect(try login([("X-Requested-With", "fetch"), ("Content-Type", "text/plain"), ("X-Forwarded-Host", "billing.example"),
                           ("Origin", "https://billing.example")]) == 200)                 // behind a proxy naming the public host
        // A cookie-authenticated change from another origin is refused even with a JSON body.
        let cookie = try #require(try server.call("login", key: nil, body: ["email": "origin@example.com", "password": "correct horse battery"])
            .header("Set-Cookie")).split(separator: ";")[0]
        let forged = try server.call("generate_api_key", key: nil, body: ["name": "x", "role": "viewer"],
                                     headers: [("Cookie", String(cookie)), ("Origin", "https://evil.example")])
        #expect(forged.status == 403)
    }

    @Test func login_IsRateLimitedPerEmail() throws {
        var statuses: [Int] = []
        for _ in 0..<12 {
            statuses.append(try server.call("login", key: nil, body: ["email": "nobody@example.com", "password": "guess-guess-guess"]).status)
        }
        #expect(statuses.prefix(10).allSatisfy { $0 == 401 })
        #expect(statuses.last == 429)
        let limited = try server.call("login", key: nil, body: ["email": "nobody@example.com", "password": "guess-guess-guess"])
        #expect(limited.errorCode == "rate_limited")
        #expect(Int(limited.header("Retry-After") ?? "") ?? 0 >= 1)
    }

    @Test func audit_RecordsMutations_WithoutSecrets_ScopedToTenant() throws {
        let tenant = try server.makeTenant("Audit Co")
        let admin = try server.makeKey(role: "admin", tenant: tenant)
        _ = try server.call("create_user", key: admin, body: ["email": "bob@example.com", "password": "supersecretpassword"])
        let mine = try server.call("list_audit_events", key: admin)
        #expect(mine.status == 200)
        let items = mine.data["items"]?.arrayValue ?? []
        #expect(items.contains { $0["action"] == "create_user" })
        #expect(items.allSatisfy { $0["tenant_id"]?.stringValue == tenant })
        #expect(!mine.text.contains("supersecretpassword"))
        let all = try server.call("list_audit_events", key: server.superKey, query: ["event_action": "create_tenant"])
        #expect((all.data["total"]?.intValue ?? 0) >= 1)
    }
}
