import Foundation
import Support
import Synchronization
import Testing

/// log_usage / log_usage_batch over real sockets: validation, idempotency, enforcement under concurrency.
@Suite(.serialized) struct UsageIngestionTests {
    let server: TestServer
    let tenant: String
    let admin: String

    init() throws {
        server = try TestServer()
        tenant = try server.makeTenant("Metered Co")
        admin = try server.makeKey(role: "admin", tenant: tenant)
    }

    func count(_ sql: String) throws -> Int64 {
        try server.app.services.database.read { try $0.scalar(sql) }.int64Value ?? -1
    }

    @Test func seedSuite_ThreeEventsShowInStats_AndDailyQuotaCheckSays2Of10() throws {
        for _ in 0..<3 { #expect(try server.call("log_usage", key: admin, body: ["resource_type": "message"]).status == 201) }
        let stats = try server.call("get_usage_stats", key: admin)
        #expect(stats.data["totals"]?["total_events"] == 3)
        #expect(stats.data["by_resource_type"]?.arrayValue?.first?["resource_type"] == "message")
        #expect(try server.asOperator("set_quota", tenantOf: admin, body: ["resource_type": "completion", "period": "daily", "limit_value": 10]).status == 201)
        for _ in 0..<2 { try server.call("log_usage", key: admin, body: ["resource_type": "completion"]) }
        let check = try server.call("check_quota", key: admin, query: ["resource_type": "completion", "period": "daily"])
        #expect(check.data["allowed"] == true)
        #expect(check.data["current"] == 2)
        #expect(check.data["limit"] == 10)
        #expect(check.data["remaining"] == 8)
        #expect(check.data["percentage"] == 20)
        #expect(check.data["has_quota"] == true)
        let none = try server.call("check_quota", key: admin, query: ["resource_type": "embedding"])
        #expect(none.data["has_quota"] == false)
        #expect(none.data["limit"] == .null)
        #expect(none.data["allowed"] == true)
        guard case .object(let a) = check.data, case .object(let b) = none.data else { Issue.record("not objects"); return }
        #expect(a.keys == b.keys, "keys must not change with null values")
    }

    @Test func logUsage_RejectsBadInput_NamingTheField_AndWritesNothing() throws {
        let cases: [(JSON, String)] = [
            ([:], "resource_type"),
            (["resource_type": "telepathy"], "resource_type"),
            (["resource_type": 7], "resource_type"),
            (["resource_type": "message", "quantity": 0], "quantity"),
            (["resource_type": "message", "quantity": -5], "quantity"),
            (["resource_type": "message", "quantity": 2.5], "quantity"),
            (["resource_type": "message", "quantity": "abc"], "quantity"),
            (["resource_type": "message", "quantity": 1_000_000_000_001], "quantity"),
            (["resource_type": "message", "quantity": .double(9.3e18)], "quantity"),
            (["resource_type": "message", "metadata": "text"], "metadata"),
            (["resource_type": "message", "metadata": [1, 2]], "metadata"),
            (["resource_type": "message", "metadata": ["blob": .string(String(repeating: "x", count: 9000))]], "metadata"),
            (["resource_type": "message", "idempotency_key": .string(String(repeating: "k", count: 129))], "idempotency_key"),
            (["resource_type": "message", "idempotency_key": 12], "idempotency_key"),
            (["resource_type": "message", "occurred_at": "yesterday"], "occurred_at"),
            (["resource_type": "message", "occurred_at": .string(RFC3339.format(Date().addingTimeInterval(-7200)))], "occurred_at"),
            (["resource_type": "message", "occurred_at": .string(RFC3339.format(Date().addingTimeInterval(600)))], "occurred_at"),
            (["resource_type": "message", "enforce": "yes"], "enforce"),
            (["resource_type": "message", "resource_id": .string(String(repeating: "r", count: 300))], "resource_id"),
        ]
        for (body, field) in cases {
            let r = try server.call("log_usage", key: admin, body: body)
            #expect(r.status == 400, "\(body.serializedString()) → \(r.status)")
            #expect(r.json["error"]?["fields"]?[field] != nil, "\(body.serializedString()) should name \(field): \(r.text)")
        }
        #expect(try count("SELECT count(*) FROM usage_logs") == 0)
        #expect(try count("SELECT count(*) FROM tenant_usage") == 0)
    }

    @Test func quota_RejectsBadLimits_AndKeepsOmittedFieldsOnUpdate() throws {
        for (value, _) in [(JSON.int(-5), 0), (.string("abc"), 0), (.double(2.5), 0), (.int(0), 0)] {
            let r = try server.asOperator("set_quota", tenantOf: admin, body: ["resource_type": "message", "period": "daily", "limit_value": value])
            #expect(r.status == 400)
            #expect(r.json["error"]?["fields"]?["limit_value"] != nil)
        }
        #expect(try server.asOperator("set_quota", tenantOf: admin, body: ["resource_type": "message", "period": "weekly", "limit_value": 5]).json["error"]?["fields"]?["period"] != nil)
        #expect(try server.asOperator("set_quota", tenantOf: admin, body: ["resource_type": "message", "period": "daily", "limit_value": 5, "notification_threshold": 101]).status == 400)
        #expect(try count("SELECT count(*) FROM quotas") == 0)

        let created = try server.asOperator("set_quota", tenantOf: admin, body: ["resource_type": "message", "period": "daily", "limit_value": 5, "is_hard_limit": true, "notification_threshold": 70])
        #expect(created.status == 201)
        let updated = try server.asOperator("set_quota", tenantOf: admin, body: ["resource_type": "message", "period": "daily", "limit_value": 50])
        #expect(updated.status == 200)
        #expect(updated.data["is_hard_limit"] == true)
        #expect(updated.data["notification_threshold"] == 70)
        #expect(updated.data["limit_value"] == 50)
        #expect(updated.data["id"] == created.data["id"])
    }

    @Test func totalQuota_Works_InStatusAndEnforcement() throws {
        try server.asOperator("set_quota", tenantOf: admin, body: ["resource_type": "api_call", "period": "total", "limit_value": 3, "is_hard_limit": true])
        try server.asOperator("set_quota", tenantOf: admin, body: ["resource_type": "api_call", "period": "hourly", "limit_value": 100])
        for _ in 0..<3 { #expect(try server.call("log_usage", key: admin, body: ["resource_type": "api_call", "enforce": true]).status == 201) }
        let refused = try server.call("log_usage", key: admin, body: ["resource_type": "api_call", "enforce": true])
        #expect(refused.status == 429)
        #expect(refused.errorCode == "quota_exceeded")
        #expect(refused.json["error"]?["period"] == "total")
        #expect(refused.json["error"]?["resets_at"] == .null)
        let status = try server.call("get_quota_status", key: admin)
        #expect(status.status == 200)
        #expect(status.data.arrayValue?.count == 2)
        let total = status.data.arrayValue?.first { $0["period"] == "total" }
        #expect(total?["current"] == 3)
        #expect(total?["allowed"] == false)
    }

    @Test func hardLimit_AdmitsExactlyN_Under64ConcurrentClients() throws {
        try server.asOperator("set_quota", tenantOf: admin, body: ["resource_type": "message", "period": "daily", "limit_value": 100, "is_hard_limit": true])
        let created = Atomic<Int>(0), refused = Atomic<Int>(0), other = Atomic<Int>(0)
        let next = Atomic<Int>(0)
        let server = self.server, admin = self.admin
        DispatchQueue.concurrentPerform(iterations: 64) { _ in
            while next.wrappingAdd(1, ordering: .relaxed).oldValue < 1000 {
                let status = (try? server.call("log_usage", key: admin, body: ["resource_type": "message", "enforce": true]).status) ?? -1
                switch status {
                case 201: created.wrappingAdd(1, ordering: .relaxed)
                case 429: refused.wrappingAdd(1, ordering: .relaxed)
                default: other.wrappingAdd(1, ordering: .relaxed)
                }
            }
        }
        #expect(created.load(ordering: .relaxed) == 100)
        #expect(refused.load(ordering: .relaxed) == 900)
        #expect(other.load(ordering: .relaxed) == 0)
        #expect(try count("SELECT count(*) FROM usage_logs") == 100)
        #expect(try count("SELECT total_quantity FROM tenant_usage WHERE period_type = 'daily' AND resource_type = 'message'") == 100)
        #expect(try count("SELECT count(*) FROM notifications WHERE type = 'quota_exceeded'") == 1)
    }

    @Test func hardLimit_NeverOvershoots_WithMixedQuantities() throws {
        try server.asOperator("set_quota", tenantOf: admin, body: ["resource_type": "tool_call", "period": "hourly", "limit_value": 100, "is_hard_limit": true])
        let admitted = Atomic<Int>(0)
        let server = self.server, admin = self.admin
        DispatchQueue.concurrentPerform(iterations: 32) { i in
            for j in 0..<10 {
                let q = Int64((i * 7 + j * 3) % 9 + 1)
                if (try? server.call("log_usage", key: admin, body: ["resource_type": "tool_call", "quantity": .int(q), "enforce": true]).status) == 201 {
                    admitted.wrappingAdd(Int(q), ordering: .relaxed)
                }
            }
        }
        let stored = try count("SELECT coalesce(sum(quantity), 0) FROM usage_logs WHERE resource_type = 'tool_call'")
        #expect(stored == Int64(admitted.load(ordering: .relaxed)))
        #expect(stored <= 100)
        #expect(stored >= 92, "with quantities ≤ 9 the limit fills to within one event")
        #expect(try count("SELECT total_quantity FROM tenant_usage WHERE period_type = 'hourly' AND resource_type = 'tool_call'") == stored)
    }

    @Test func softLimit_NeverBlocks_ButNotifiesOncePerPeriod() throws {
        try server.asOperator("set_quota", tenantOf: admin, body: ["resource_type": "embedding", "period": "daily", "limit_value": 10, "notification_threshold": 50])
        for _ in 0..<15 { #expect(try server.call("log_usage", key: admin, body: ["resource_type": "embedding", "enforce": true]).status == 201) }
        #expect(try count("SELECT count(*) FROM notifications WHERE type = 'quota_warning'") == 1)
        #expect(try count("SELECT count(*) FROM notifications WHERE type = 'quota_exceeded'") == 1)
        let meta = try server.app.services.database.read { try $0.scalar("SELECT metadata_json FROM notifications WHERE type = 'quota_warning'") }
        let json = try JSON.parse(meta.stringValue ?? "")
        #expect(json["current"] == 5)
        #expect(json["limit"] == 10)
        #expect(json["percentage"] == 50)
    }

    @Test func idempotency_FiftyConcurrentIdenticalRequests_CountOnce() throws {
        let statuses = Mutex<[Int]>([])
        let ids = Mutex<Set<String>>([])
        let server = self.server, admin = self.admin
        DispatchQueue.concurrentPerform(iterations: 50) { _ in
            let r = try? server.call("log_usage", key: admin, body: ["resource_type": "completion", "quantity": 4, "idempotency_key": "order-42"])
            statuses.withLock { $0.append(r?.status ?? -1) }
            if let id = r?.data["id"]?.stringValue { ids.withLock { _ = $0.insert(id) } }
        }
        let s = statuses.withLock { $0 }
        #expect(s.filter { $0 == 201 }.count == 1)
        #expect(s.filter { $0 == 200 }.count == 49)
        #expect(ids.withLock { $0.count } == 1)
        #expect(try count("SELECT count(*) FROM usage_logs") == 1)
        #expect(try count("SELECT total_quantity FROM tenant_usage WHERE period_type = 'total'") == 4)
        let again = try server.call("log_usage", key: admin, body: ["resource_type": "completion", "quantity": 4, "idempotency_key": "order-42"])
        #expect(again.data["duplicate"] == true)
    }

    /// Security round item 5: a key sent again with another request is 409 naming the key; the same request still replays.
    @Test func idempotencyKey_ReusedWithADifferentBody_Is409_AndChangesNothing() throws {
        let first: JSON = ["resource_type": "completion", "quantity": 4, "resource_id": "conv-1", "metadata": ["model": "gpt", "n": 2],
                           "idempotency_key": "reuse-1", "occurred_at": .string(RFC3339.format(Date()))]
        #expect(try server.call("log_usage", key: admin, body: first).status == 201)
        var sameOtherOrder = first.objectValue ?? [:]
        sameOtherOrder["metadata"] = ["n": 2, "model": "gpt"]
        let replay = try server.call("log_usage", key: admin, body: .object(sameOtherOrder))
        #expect(replay.status == 200 && replay.data["duplicate"] == true, "\(replay.text)")
        for (field, value) in [("quantity", JSON.int(5)), ("resource_type", "tool_call"), ("resource_id", "conv-2"), ("metadata", ["model": "other"]),
                               ("occurred_at", .string(RFC3339.format(Date().addingTimeInterval(-60))))] {
            var changed = first.objectValue ?? [:]
            changed[field] = value
            let r = try server.call("log_usage", key: admin, body: .object(changed))
            #expect(r.status == 409 && r.errorCode == "idempotency_key_reused", "\(field): \(r.text)")
            #expect(r.json["error"]?["fields"]?["idempotency_key"] != nil && r.text.contains("reuse-1"))
        }
        // In a batch the whole batch is refused and the field names the event.
        let batch = try server.call("log_usage_batch", key: admin, body: ["events": [
            ["resource_type": "completion", "idempotency_key": "reuse-fresh"],
            ["resource_type": "completion", "quantity": 9, "idempotency_key": "reuse-1"],
        ]])
        #expect(batch.status == 409 && batch.json["error"]?["fields"]?["events[1].idempotency_key"] != nil, "\(batch.text)")
        #expect(try count("SELECT count(*) FROM usage_logs") == 1)
        #expect(try count("SELECT total_quantity FROM tenant_usage WHERE period_type = 'total'") == 4)
    }

    @Test func batch_IsAllOrNothing_NamesTheBadIndex_AndReportsDuplicates() throws {
        var events: [JSON] = (0..<1000).map { i in ["resource_type": "vector_query", "idempotency_key": .string("b-\(i)")] }
        events[5] = ["resource_type": "vector_query", "quantity": -1]
        let bad = try server.call("log_usage_batch", key: admin, body: ["events": .array(events)])
        #expect(bad.status == 400)
        #expect(bad.json["error"]?["fields"]?["events[5].quantity"] != nil)
        #expect(try count("SELECT count(*) FROM usage_logs") == 0)

        events[5] = ["resource_type": "vector_query", "idempotency_key": "b-0"]  // duplicate of element 0
        let ok = try server.call("log_usage_batch", key: admin, body: ["events": .array(events)])
        #expect(ok.status == 201)
        #expect(ok.data["created"] == 999)
        #expect(ok.data["duplicates"] == 1)
        #expect(ok.data["results"]?.arrayValue?[5]["status"] == "duplicate")
        #expect(try count("SELECT count(*) FROM usage_logs") == 999)
        #expect(try count("SELECT event_count FROM tenant_usage WHERE period_type = 'total'") == 999)

        let tooMany = try server.call("log_usage_batch", key: admin, body: ["events": .array(Array(repeating: ["resource_type": "message"], count: 1001))])
        #expect(tooMany.json["error"]?["fields"]?["events"] != nil)
    }

    @Test func crossTenant_QuotaAndUsageIds_AreInvisible() throws {
        let other = try server.makeTenant("Other Co")
        let otherAdmin = try server.makeKey(role: "admin", tenant: other)
        let q = try server.asOperator("set_quota", tenantOf: otherAdmin, body: ["resource_type": "message", "period": "daily", "limit_value": 5])
        let id = try #require(q.data["id"]?.stringValue)
        #expect(try server.asOperator("delete_quota", tenantOf: admin, body: ["id": .string(id)]).status == 404)
        #expect(try server.call("log_usage", key: admin, body: ["resource_type": "message", "tenant_id": .string(other)]).status == 403)
        #expect(try server.call("get_usage_stats", key: admin, query: ["tenant_id": other]).status == 403)
        #expect(try server.call("list_quotas", key: otherAdmin).data["items"]?.arrayValue?.count == 1)
        let viewer = try server.makeKey(role: "viewer", tenant: tenant)
        #expect(try server.call("log_usage", key: viewer, body: ["resource_type": "message"]).status == 403)
    }

    @Test func suspendedTenant_UsageIsRejected_EvenForSuperAdmin() throws {
        try server.call("suspend_tenant", key: server.superKey, body: ["id": .string(tenant)])
        let r = try server.call("log_usage", key: server.superKey, body: ["resource_type": "message", "tenant_id": .string(tenant)])
        #expect(r.status == 403)
        #expect(r.errorCode == "tenant_suspended")
    }

    @Test func usageTrackingDisabled_Answers503() throws {
        let off = try TestServer(configure: { $0.billing.usageTrackingEnabled = false })
        let t = try off.makeTenant("Off Co")
        let r = try off.call("log_usage", key: off.superKey, body: ["resource_type": "message", "tenant_id": .string(t)])
        #expect(r.status == 503)
        #expect(r.errorCode == "usage_tracking_disabled")
    }
}

/// The `check_quotas` sweep catches crossings the inline trigger could not see.
@Suite(.serialized) struct QuotaSweepTests {
    @Test func checkQuotas_NotifiesAQuotaSetAfterTheUsage_OncePerWindow() throws {
        let server = try TestServer()
        let tenant = try server.makeTenant("Sweep Co")
        let t = JSON.string(tenant)
        for _ in 0..<9 { try server.call("log_usage", key: server.superKey, body: ["tenant_id": t, "resource_type": "message"]) }
        // Set after the usage: no event crossed it, so nothing was notified inline.
        try server.call("set_quota", key: server.superKey, body: ["tenant_id": t, "resource_type": "message", "period": "daily", "limit_value": 8])
        let count = { try server.app.services.database.read { try $0.scalar("SELECT count(*) FROM notifications WHERE tenant_id = ?", [.text(tenant)]) }.int64Value }
        #expect(try count() == 0)
        let first = try server.call("run_job", key: server.superKey, body: ["job": "check_quotas"])
        #expect(first.status == 200, "\(first.text)")
        #expect(try count() == 2, "one quota_warning and one quota_exceeded")
        _ = try server.call("run_job", key: server.superKey, body: ["job": "check_quotas"])
        #expect(try count() == 2, "a rerun notifies nothing twice")
    }
}

/// Every job of `JobName` can run and be recorded (the job_runs CHECK lists them all).
@Suite struct JobRecordingTests {
    @Test(arguments: ["check_quotas", "generate_invoices", "mark_overdue", "retry_payments", "subscription_notices",
                      "send_notifications", "deliver_webhooks"])
    func runJob_RecordsEveryJob(_ job: String) throws {
        let server = try TestServer()
        let r = try server.call("run_job", key: server.superKey, body: ["job": .string(job)])
        #expect(r.status == 200, "\(job): \(r.text)")
        #expect(r.data["job"]?.stringValue == job)
    }

    @Test func metrics_ExposeApiCallsIngestionWriterAndJobs() throws {
        let server = try TestServer()
        let tenant = try server.makeTenant("Metrics Co")
        try server.call("log_usage", key: server.superKey, body: ["tenant_id": .string(tenant), "resource_type": "message", "idempotency_key": "m1"])
        try server.call("log_usage", key: server.superKey, body: ["tenant_id": .string(tenant), "resource_type": "message", "idempotency_key": "m1"])
        try server.call("run_job", key: server.superKey, body: ["job": "check_quotas"])
        let text = try server.client.request("GET", "/metrics", headers: [("Authorization", "Bearer \(server.superKey)")]).text
        #expect(text.contains("billing_api_calls_total{action=\"log_usage\",status=\"201\"} 1"))
        #expect(text.contains("billing_api_calls_total{action=\"log_usage\",status=\"200\"} 1"))
        #expect(text.contains("billing_usage_events_ingested_total 1"))
        #expect(text.contains("billing_usage_duplicates_total 1"))
        #expect(text.contains("billing_db_commit_seconds_bucket"))
        #expect(text.contains("billing_job_runs_total{job=\"check_quotas\",outcome=\"ok\"} 1"))
        #expect(text.contains("billing_http_request_duration_seconds"))
    }
}
