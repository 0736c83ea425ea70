import Foundation
import Support
import Testing

/// Issue 15 items 1–2: a parameter an action does not declare is refused by name, a field given twice
/// with different values is refused, and every invalid field is reported in one 400 — nothing written.
@Suite struct StrictParametersTests {
    let server: TestServer
    let tenant: String
    let admin: String

    init() throws {
        server = try TestServer()
        tenant = try server.makeTenant("Strict Co")
        admin = try server.makeKey(role: "admin", tenant: tenant)
    }

    func events() throws -> Int64 {
        try server.app.services.database.read { try $0.scalar("SELECT COUNT(*) FROM usage_logs") }.int64Value ?? -1
    }

    @Test func misspelledQuantity_IsUnknownParameter_AndNothingIsRecorded() throws {
        let r = try server.call("log_usage", key: admin, body: ["resource_type": "message", "quantiti": 50])
        #expect(r.status == 400)
        #expect(r.errorCode == "unknown_parameter")
        #expect(r.json["error"]?["fields"] == ["quantiti": "unknown parameter"])
        #expect(try events() == 0)
    }

    @Test func camelCaseIdempotencyKey_IsRefused_SoARetryCannotCountTwice() throws {
        let r = try server.call("log_usage", key: admin, body: ["resource_type": "message", "idempotencyKey": "k-1"])
        #expect(r.status == 400)
        #expect(r.json["error"]?["fields"]?["idempotencyKey"] == "unknown parameter")
        #expect(try events() == 0)
    }

    @Test func setQuota_WithLimitInsteadOfLimitValue_IsRefused() throws {
        let r = try server.asOperator("set_quota", tenantOf: admin, body: ["resource_type": "message", "period": "daily", "limit": 20000])
        #expect(r.status == 400)
        #expect(r.json["error"]?["fields"]?["limit"] == "unknown parameter")
        #expect(try server.call("list_quotas", key: admin).data["total"] == 0)
    }

    @Test func everyInvalidField_IsReportedInOne400() throws {
        let r = try server.call("log_usage", key: admin, body: ["resource_type": "nope", "quantity": 0, "occurred_at": "yesterday", "extra": true])
        #expect(r.status == 400)
        #expect(r.errorCode == "validation_failed")
        let fields = r.json["error"]?["fields"]?.objectValue ?? [:]
        #expect(Set(fields.keys) == ["resource_type", "quantity", "occurred_at", "extra"])
        #expect(fields["extra"] == "unknown parameter")
    }

    @Test func missingRequiredFields_AreAllNamed() throws {
        let r = try server.asOperator("set_quota", tenantOf: admin, body: ["limit_value": 5])
        #expect(r.status == 400)
        #expect(r.json["error"]?["fields"] == ["resource_type": "is required", "period": "is required"])
    }

    @Test func batch_NamesNestedFields_WithTheirIndex_AndWritesNothing() throws {
        let r = try server.call("log_usage_batch", key: admin, body: ["events": [
            ["resource_type": "message"],
            ["resource_type": "message", "quantiti": 2],
            ["resource_type": "message", "quantity": -1],
            "not an object",
        ]])
        #expect(r.status == 400)
        #expect(r.json["error"]?["fields"] == ["events[1].quantiti": "unknown parameter", "events[2].quantity": "must be between 1 and 1000000000000",
                                               "events[3]": "must be an object, got a string"])
        #expect(try events() == 0)
    }

    @Test func sameFieldInQueryAndBody_WithDifferentValues_Is400() throws {
        let conflicting = try server.call("log_usage", key: admin, query: ["quantity": "2"], body: ["resource_type": "message", "quantity": 3])
        #expect(conflicting.status == 400)
        #expect(conflicting.json["error"]?["fields"]?["quantity"] != nil)
        let agreeing = try server.call("log_usage", key: admin, query: ["quantity": "3"], body: ["resource_type": "message", "quantity": 3])
        #expect(agreeing.status == 201)
        #expect(agreeing.data["quantity"] == 3)
    }

    @Test func tenantIdAndAction_AreAlwaysAllowed_OnTenantScopedActions() throws {
        let r = try server.call("get_quota_status", key: admin, query: ["tenant_id": tenant])
        #expect(r.status == 200)
        let body = try server.call("log_usage", key: server.superKey, body: ["tenant_id": .string(tenant), "resource_type": "message", "action": "log_usage"])
        #expect(body.status == 201)
    }

    @Test func listUsageEvents_RefusesCursorWithOffset_AndUnknownLimitSpelling() throws {
        let misspelled = try server.call("list_usage_events", key: admin, query: ["limt": "1"])
        #expect(misspelled.status == 400)
        #expect(misspelled.json["error"]?["fields"]?["limt"] == "unknown parameter")
        for _ in 0..<3 { _ = try server.call("log_usage", key: admin, body: ["resource_type": "message"]) }
        let first = try server.call("list_usage_events", key: admin, query: ["limit": "2"])
        let cursor = first.data["next_cursor"]?.stringValue ?? ""
        let both = try server.call("list_usage_events", key: admin, query: ["cursor": cursor, "offset": "1"])
        #expect(both.status == 400)
        #expect(both.json["error"]?["fields"]?["cursor"] == "cannot be combined with offset")
    }
}

extension StrictParametersTests {
    @Test func listQuotas_IsAPage_HonouringLimitAndOffset() throws {
        for period in ["hourly", "daily", "monthly"] {
            #expect(try server.asOperator("set_quota", tenantOf: admin, body: ["resource_type": "message", "period": .string(period), "limit_value": 10]).status == 201)
        }
        let first = try server.call("list_quotas", key: admin, query: ["limit": "2"])
        #expect(first.data["total"] == 3 && first.data["limit"] == 2 && first.data["offset"] == 0)
        #expect(first.data["items"]?.arrayValue?.map { $0["period"] } == ["daily", "hourly"])
        let rest = try server.call("list_quotas", key: admin, query: ["limit": "2", "offset": "2"])
        #expect(rest.data["items"]?.arrayValue?.map { $0["period"] } == ["monthly"])
        #expect(try server.call("list_quotas", key: admin, query: ["limit": "0"]).status == 400)
    }
}

extension StrictParametersTests {
    /// An object-by-id action whose id is malformed names it together with the input's other bad fields.
    @Test func malformedId_OnAnObjectAction_IsReportedWithTheOtherFields() throws {
        let r = try server.call("update_invoice", key: server.superKey, body: ["id": "not-a-uuid", "stauts": "paid", "notes": 5])
        #expect(r.status == 400)
        let fields = r.json["error"]?["fields"]?.objectValue ?? [:]
        #expect(Set(fields.keys) == ["id", "stauts", "notes"], "\(r.text)")
        let noTenant = try server.call("set_quota", key: server.superKey, body: ["resource_type": "nope", "period": "daily"])
        #expect(noTenant.json["error"]?["fields"] == ["resource_type": "must be one of message, completion, file_upload, file_storage, vector_query, tool_call, embedding, api_call",
                                                    "tenant_id": "is required for super-admin calls"], "\(noTenant.text)")
    }
}
