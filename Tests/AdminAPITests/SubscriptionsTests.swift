import Foundation
import Support
import Testing

/// Subscriptions over the socket, including the PHP original's defects.
struct SubscriptionsTests {
    let clock = ManualClock(RFC3339.parse("2026-02-01T00:00:00Z")!)
    let server: TestServer
    init() throws { server = try TestServer(clock: clock) }

    func tenantAdmin(_ name: String = "Subs") throws -> (tenant: String, key: String) {
        let t = try server.makeTenant(name)
        return (t, try server.makeKey(role: "admin", tenant: t))
    }

    @Test func lifecycle_Create_Conflict_Cancel_Resubscribe() throws {
        let (t, key) = try tenantAdmin()
        #expect(try server.call("get_subscription", key: key).text == #"{"data":null}"#)
        let created = try server.asOperator("create_subscription", tenantOf: key, body: ["plan": "starter", "billing_cycle": "monthly"])
        #expect(created.status == 201)
        #expect(created.data["price_cents"] == 4900 && created.data["current_period_end"] == "2026-03-01T00:00:00Z")
        #expect(created.data["currency"] == "BRL")
        // Plan quotas were applied and the first period was invoiced.
        let quotas = try server.call("list_quotas", key: key)
        #expect(quotas.text.contains("\"message\""))
        #expect(try server.call("list_invoices", key: key).data["total"] == 1)
        #expect(try server.asOperator("create_subscription", tenantOf: key, body: ["plan": "free", "billing_cycle": "monthly"]).status == 409)
        let cancelled = try server.asOperator("cancel_subscription", tenantOf: key, body: ["immediately": true])
        #expect(cancelled.data["status"] == "cancelled")
        // PHP defect: could not resubscribe after cancelling.
        #expect(try server.asOperator("create_subscription", tenantOf: key, body: ["plan": "professional", "billing_cycle": "yearly"]).status == 201)
        let history = try server.call("list_subscriptions", key: key, query: ["tenant_id": t])
        #expect(history.data["total"] == 2)
        // PHP defect: cancelled → active was allowed.
        let oldId = cancelled.data["id"]?.stringValue ?? ""
        #expect(try server.asOperator("update_subscription", tenantOf: key, body: ["id": .string(oldId), "status": "active"]).status == 409)
    }

    @Test func cancelAtPeriodEnd_KeepsItLive_UntilTheJob() throws {
        let (_, key) = try tenantAdmin()
        _ = try server.asOperator("create_subscription", tenantOf: key, body: ["plan": "starter", "billing_cycle": "monthly"])
        let r = try server.asOperator("cancel_subscription", tenantOf: key, body: [:])
        #expect(r.data["status"] == "active" && r.data["cancel_at_period_end"] == true)
    }

    @Test func billingCycleChange_RecomputesPeriodEnd() throws {
        let (_, key) = try tenantAdmin()
        _ = try server.asOperator("create_subscription", tenantOf: key, body: ["plan": "starter", "billing_cycle": "monthly"])
        clock.set(RFC3339.parse("2026-02-11T00:00:00Z")!)
        let r = try server.asOperator("update_subscription", tenantOf: key, body: ["billing_cycle": "quarterly"])
        #expect(r.status == 200)
        #expect(r.data["current_period_end"] == "2026-05-01T00:00:00Z" && r.data["price_cents"] == 13900)
    }

    @Test func badInput_Is400_NamingTheField() throws {
        let (_, key) = try tenantAdmin()
        let cases: [(JSON, String)] = [
            (["plan": "gold", "billing_cycle": "monthly"], "plan"),
            (["plan": "starter", "billing_cycle": "weekly"], "billing_cycle"),
            (["plan": "starter", "billing_cycle": "monthly", "price_cents": -100], "price_cents"),
            (["plan": "starter", "billing_cycle": "monthly", "price_cents": ["x": 1]], "price_cents"),
            (["plan": "starter", "billing_cycle": "monthly", "start_date": "not-a-date"], "start_date"),
            (["plan": "starter", "billing_cycle": "monthly", "status": "cancelled"], "status"),
            (["plan": "custom", "billing_cycle": "monthly"], "price_cents"),
            (["billing_cycle": "monthly"], "plan"),
        ]
        for (body, field) in cases {
            let r = try server.asOperator("create_subscription", tenantOf: key, body: body)
            #expect(r.status == 400, "\(body) → \(r.status) \(r.text)")
            #expect(r.json["error"]?["fields"]?[field] != nil, "\(r.text)")
        }
    }

    @Test func crossTenant_SubscriptionIds_Are404_AndBUnchanged() throws {
        let (_, keyA) = try tenantAdmin("A")
        let (tb, keyB) = try tenantAdmin("B")
        let subB = try server.asOperator("create_subscription", tenantOf: keyB, body: ["plan": "starter", "billing_cycle": "monthly"]).data["id"]!
        let before = try server.call("get_subscription", key: server.superKey, query: ["tenant_id": tb]).text
        #expect(try server.call("get_subscription", key: keyA, query: ["id": subB.stringValue!]).status == 404)
        #expect(try server.asOperator("update_subscription", tenantOf: keyA, body: ["id": subB, "price_cents": 1]).status == 404)
        #expect(try server.asOperator("cancel_subscription", tenantOf: keyA, body: ["id": subB, "immediately": true]).status == 404)
        #expect(try server.call("get_subscription", key: keyA, query: ["tenant_id": tb]).status == 403)
        #expect(try server.call("get_subscription", key: server.superKey, query: ["tenant_id": tb]).text == before)
    }
}
