import Foundation
import Support
import Testing

/// Issue 15 items 4–5 and 8: `/admin-api/NAME` is the same action as `?action=NAME` (auth, methods, CSRF), the
/// OpenAPI document is served without credentials and holds every action, and a mistyped action gets a suggestion.
@Suite struct PathFormAndOpenAPITests {
    let server: TestServer
    let tenant: String
    let admin: String

    init() throws {
        server = try TestServer()
        tenant = try server.makeTenant("Path Co")
        admin = try server.makeKey(role: "admin", tenant: tenant)
    }

    func post(_ target: String, _ body: JSON, headers: [(String, String)] = []) throws -> TestResponse {
        try server.client.request("POST", target, headers: [("Content-Type", "application/json")] + headers, body: body.serialized())
    }

    @Test func pathForm_IsTheSameAction_WithTheSameAuthAndMethods() throws {
        let created = try post("/admin-api/log_usage", ["resource_type": "message"], headers: [("Authorization", "Bearer \(admin)")])
        #expect(created.status == 201)
        let listed = try server.client.request("GET", "/admin-api/list_usage_events?limit=5", headers: [("Authorization", "Bearer \(admin)")])
        #expect(listed.status == 200)
        #expect(listed.data["items"]?.arrayValue?.count == 1)
        #expect(try post("/admin-api/log_usage", ["resource_type": "message"]).status == 401)
        let wrongMethod = try server.client.request("GET", "/admin-api/log_usage", headers: [("Authorization", "Bearer \(admin)")])
        #expect(wrongMethod.status == 405)
        #expect(wrongMethod.header("Allow") == "POST")
        let viewer = try server.makeKey(role: "viewer", tenant: tenant)
        #expect(try post("/admin-api/set_quota", ["resource_type": "message", "period": "daily", "limit_value": 5],
                         headers: [("Authorization", "Bearer \(viewer)")]).status == 403)
    }

    @Test func pathForm_KeepsTheCookieCSRFRule() throws {
        _ = try server.call("create_user", key: server.superKey,
                            body: ["email": "path@example.com", "password": "correct horse battery", "role": "admin", "tenant_id": .string(tenant)])
        let login = try post("/admin-api/login", ["email": "path@example.com", "password": "correct horse battery"])
        #expect(login.status == 200)
        let pair = String(try #require(login.header("Set-Cookie")).split(separator: ";")[0])
        let forged = try server.client.request("POST", "/admin-api/generate_api_key",
                                               headers: [("Cookie", pair), ("Content-Type", "application/x-www-form-urlencoded")], body: Array("name=x".utf8))
        #expect(forged.status == 403)
        let allowed = try post("/admin-api/generate_api_key", ["name": "dash", "role": "viewer"], headers: [("Cookie", pair), ("X-Requested-With", "fetch")])
        #expect(allowed.status == 201)
        let formLogin = try server.client.request("POST", "/admin-api/login", headers: [("Content-Type", "text/plain")],
                                                  body: Array(#"{"email":"path@example.com","password":"correct horse battery"}"#.utf8))
        #expect(formLogin.status == 403)
    }

    @Test func pathAndQueryNamingDifferentActions_Is400() throws {
        let r = try server.client.request("GET", "/admin-api/get_quota_status?action=list_quotas", headers: [("Authorization", "Bearer \(admin)")])
        #expect(r.status == 400)
        #expect(r.json["error"]?["fields"]?["action"] != nil)
        let same = try server.client.request("GET", "/admin-api/get_quota_status?action=get_quota_status", headers: [("Authorization", "Bearer \(admin)")])
        #expect(same.status == 200)
    }

    @Test func unknownAction_SuggestsTheNearestName() throws {
        let r = try server.client.request("POST", "/admin-api/log_usgae", headers: [("Authorization", "Bearer \(admin)")])
        #expect(r.status == 400)
        #expect(r.errorCode == "unknown_action")
        #expect(r.json["error"]?["suggestion"] == "log_usage")
        let far = try server.call("completely_unrelated_words", key: admin)
        #expect(far.errorCode == "unknown_action")
        #expect(far.json["error"]?["suggestion"] == nil)
        #expect(try server.client.request("GET", "/admin-api/").errorCode == "missing_action")
    }

    @Test func openAPIDocument_IsPublic_AndHasOneOperationPerAction() throws {
        let r = try server.client.request("GET", "/admin-api/openapi.json")
        #expect(r.status == 200)
        #expect(r.header("Content-Type")?.hasPrefix("application/json") == true)
        let doc = r.json
        #expect(doc["openapi"] == "3.1.0")
        let paths = doc["paths"]?.objectValue ?? [:]
        let table = server.app.table
        for name in table.names {
            guard let action = table.actions[name], let item = paths["/admin-api/\(name)"]?.objectValue else {
                Issue.record("no path for \(name)")
                continue
            }
            for method in action.methods {
                let op = item[method.rawValue.lowercased()]
                #expect(op?["operationId"] == .string(name))
                #expect(op?["description"]?.stringValue?.contains("`\(action.permission.rawValue)`") == true, "\(name) names no permission")
            }
        }
        // The declared input is the request schema: required fields, enums, bounds, no other member.
        let setQuota = doc["paths"]?["/admin-api/set_quota"]?["post"]?["requestBody"]?["content"]?["application/json"]?["schema"]
        #expect(setQuota?["required"] == ["resource_type", "period"])
        #expect(setQuota?["additionalProperties"] == false)
        #expect(setQuota?["properties"]?["limit_value"]?["minimum"] == 1)
        #expect(setQuota?["properties"]?["period"]?["enum"] == ["hourly", "daily", "monthly", "total"])
        let batch = doc["paths"]?["/admin-api/log_usage_batch"]?["post"]?["requestBody"]?["content"]?["application/json"]?["schema"]?["properties"]?["events"]
        #expect(batch?["maxItems"] == 1000)
        #expect(batch?["items"]?["additionalProperties"] == false)
        #expect(batch?["items"]?["required"] == ["resource_type"])
        let summary = doc["paths"]?["/admin-api/get_tenant_usage_summary"]?["get"]?["parameters"]?.arrayValue ?? []
        #expect(summary.contains { $0["name"] == "period" })
        for route in ["/health", "/metrics", "/webhooks/asaas"] { #expect(paths[route] != nil, "\(route) is not described") }
    }

    @Test func oldNameOfARenamedParameter_StillWorks() throws {
        let summary = try server.call("get_tenant_usage_summary", key: admin, query: ["period_type": "daily"])
        #expect(summary.status == 200)
        #expect(summary.data["period"] == "daily")
        let both = try server.call("get_tenant_usage_summary", key: admin, query: ["period_type": "daily", "period": "monthly"])
        #expect(both.status == 400)
        #expect(both.json["error"]?["fields"]?["period_type"] == "is the old name of period; send only period")
    }
}
