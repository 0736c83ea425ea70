import Foundation
import Support
import Testing

/// `list_plans`, `upsert_plan` over the socket.
struct PlansTests {
    let server: TestServer
    init() throws { server = try TestServer() }

    @Test func listPlans_ShowsSeededCatalog_WithStableKeys() throws {
        let t = try server.makeTenant("Plans")
        let viewer = try server.makeKey(role: "viewer", tenant: t)
        let r = try server.call("list_plans", key: viewer)
        #expect(r.status == 200)
        let plans = r.data["items"]?.arrayValue ?? []
        #expect(r.data["total"] == 5 && r.data["limit"] == 100 && r.data["offset"] == 0)
        #expect(plans.compactMap { $0["plan_type"]?.stringValue } == ["free", "starter", "professional", "enterprise", "custom"])
        #expect(plans[1]["price_cents"] == 4900 && plans[1]["prices"]?["yearly"] == 49900)
        #expect(plans[4]["price_cents"] == .null)  // key present, value null
        #expect(plans[1]["overage_unit_price_micros"]?["message"] == 10000)
    }

    @Test func upsertPlan_SuperAdminOnly_KeepsOmittedFields_Validates() throws {
        let t = try server.makeTenant("Plans")
        let admin = try server.makeKey(role: "admin", tenant: t)
        #expect(try server.call("upsert_plan", key: admin, body: ["plan": "starter", "price_cents": 1]).status == 403)
        let r = try server.call("upsert_plan", key: server.superKey, body: ["plan": "starter", "prices": ["monthly": 5900]])
        #expect(r.status == 200)
        #expect(r.data["price_cents"] == 5900 && r.data["prices"]?["yearly"] == 49900 && r.data["name"] == "Starter")
        for (body, field) in [(["plan": "gold"] as JSON, "plan"), (["plan": "starter", "price_cents": -1], "price_cents"),
                              (["plan": "starter", "prices": ["weekly": 1]], "prices.weekly"),
                              (["plan": "starter", "included_usage": [["resource_type": "message", "period": "yearly", "limit_value": 1]]], "included_usage[0].period"),
                              (["plan": "starter", "price_cents": ["a": 1]], "price_cents")] {
            let bad = try server.call("upsert_plan", key: server.superKey, body: body)
            #expect(bad.status == 400 && bad.json["error"]?["fields"]?[field] != nil, "\(bad.text)")
        }
    }
}
