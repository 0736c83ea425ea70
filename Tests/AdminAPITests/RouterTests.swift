import Foundation
import Support
import Testing

/// The action router: missing/unknown actions, methods, JSON, validation, envelope.
@Suite(.serialized) struct RouterTests {
    let server: TestServer
    init() throws { server = try TestServer() }

    @Test func router_Answers400MissingAction_WhenNoActionGiven() throws {
        let r = try server.client.request("GET", "/admin-api", headers: [("Authorization", "Bearer \(server.superKey)")])
        #expect(r.status == 400)
        #expect(r.errorCode == "missing_action")
        #expect(r.json["error"]?["status"] == 400)
    }

    @Test func router_Answers400UnknownAction_WhenActionIsNotInTheTable() throws {
        let r = try server.call("drop_database", key: server.superKey)
        #expect(r.status == 400)
        #expect(r.errorCode == "unknown_action")
    }

    @Test func router_RefusesBlankStrings_NamingTheField() throws {
        for blank in ["", " ", "\t \u{3000}\u{A0}"] {
            let r = try server.call("create_tenant", key: server.superKey, body: ["name": .string(blank)])
            #expect(r.status == 400 && r.json["error"]?["fields"]?["name"] != nil, "\(blank.unicodeScalars.map(\.value)) → \(r.status)")
        }
        let kept = try server.call("create_tenant", key: server.superKey, body: ["name": " Padded\u{3000}Name "])
        #expect(kept.status == 201)
    }

    @Test func router_PercentDecodesTheActionName() throws {
        let r = try server.client.request("GET", "/admin-api?action=current%5Fuser", headers: [("Authorization", "Bearer \(server.superKey)")])
        #expect(r.status == 200)
        #expect(r.data["principal"]?["role"] == "super-admin")
    }

    @Test func router_ServesThePHPCompatiblePath() throws {
        let r = try server.client.request("GET", "/admin-api.php?action=current_user", headers: [("Authorization", "Bearer \(server.superKey)")])
        #expect(r.status == 200)
    }

    @Test func router_Answers405WithAllow_WhenMethodIsWrong() throws {
        let r = try server.call("create_tenant", key: server.superKey, method: "GET")
        #expect(r.status == 405)
        #expect(r.header("Allow") == "POST")
        #expect(r.errorCode == "method_not_allowed")
    }

    @Test func router_Answers400InvalidJSON_ForMalformedOrNonObjectBodies() throws {
        for body in ["{", "[1,2]", "\"text\"", "{\"a\":1}x", "{\"name\":\"\u{FFFD}\"" ] {
            let r = try server.client.request("POST", "/admin-api?action=create_tenant",
                                              headers: [("Authorization", "Bearer \(server.superKey)"), ("Content-Type", "application/json")],
                                              body: Array(body.utf8))
            #expect(r.status == 400, "body \(body)")
            #expect(r.errorCode == "invalid_json", "body \(body)")
        }
        let invalidUTF8: [UInt8] = Array("{\"name\":\"".utf8) + [0xC3, 0x28] + Array("\"}".utf8)
        let r = try server.client.request("POST", "/admin-api?action=create_tenant",
                                          headers: [("Authorization", "Bearer \(server.superKey)")], body: invalidUTF8)
        #expect(r.errorCode == "invalid_json")
    }

    @Test func router_NamesTheField_WhenValidationFails() throws {
        let r = try server.call("create_tenant", key: server.superKey, body: ["name": 42])
        #expect(r.status == 400)
        #expect(r.errorCode == "validation_failed")
        #expect(r.json["error"]?["fields"]?["name"] != nil)

        let nul = try server.call("create_tenant", key: server.superKey, body: ["name": "a\u{0}b"])
        #expect(nul.status == 400)
        #expect(nul.json["error"]?["fields"]?["name"] != nil)

        let slug = try server.call("create_tenant", key: server.superKey, body: ["name": "Acme", "slug": "Not A Slug"])
        #expect(slug.json["error"]?["fields"]?["slug"] != nil)

        let email = try server.call("create_tenant", key: server.superKey, body: ["name": "Acme", "billing_email": "nope"])
        #expect(email.json["error"]?["fields"]?["billing_email"] != nil)

        let limit = try server.call("list_tenants", key: server.superKey, query: ["limit": "abc"])
        #expect(limit.json["error"]?["fields"]?["limit"] != nil)

        let status = try server.call("list_tenants", key: server.superKey, query: ["status": "deleted"])
        #expect(status.json["error"]?["fields"]?["status"] != nil)
    }

    @Test func router_WrapsSuccessInDataEnvelope_WithStableKeys() throws {
        let r = try server.call("create_tenant", key: server.superKey, body: ["name": "Envelope Co"])
        #expect(r.status == 201)
        guard case .object(let tenant) = r.data else { Issue.record("no data object"); return }
        #expect(tenant.keys == ["id", "name", "slug", "status", "plan", "billing_email", "settings", "asaas_customer_id", "created_at", "updated_at"])
        #expect(tenant["plan"] == .null)
        #expect(tenant["slug"] == "envelope-co")
        #expect(UUIDv7.isValid(tenant["id"]?.stringValue ?? ""))
    }

    @Test func health_ReportsDatabaseOK_WithoutCredentials() throws {
        let r = try server.client.request("GET", "/health")
        #expect(r.status == 200)
        #expect(r.data["status"] == "ok")
        #expect(r.data["database"] == "ok")
        #expect(r.header("X-Request-Id") != nil)
    }

    @Test func metrics_NeedSuperAdmin_AndExposeCounters() throws {
        #expect(try server.client.request("GET", "/metrics").status == 401)
        let r = try server.client.request("GET", "/metrics", headers: [("Authorization", "Bearer \(server.superKey)")])
        #expect(r.status == 200)
        #expect(r.text.contains("billing_db_writer_commits_total"))
        #expect(r.text.contains("billing_http_"))
    }

    @Test func asaasWebhook_Answers503_WhenNotConfigured() throws {
        let r = try server.client.request("POST", "/webhooks/asaas", body: Array("{}".utf8))
        #expect(r.status == 503)
    }
}
