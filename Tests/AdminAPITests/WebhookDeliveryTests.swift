import Billing
import Foundation
import Support
import Testing

/// Outbound webhooks end to end: endpoint validation, Standard Webhooks signatures checked by a loopback
/// receiver, retries after 500 with a stable webhook-id, the 24 h window, one event per occurrence.
@Suite(.serialized) struct WebhookDeliveryTests {
    let clock = ManualClock(Date())
    let server: TestServer
    let receiver: NotifyWebhookReceiver
    let tenant: String
    let admin: String

    init() throws {
        server = try TestServer(configure: {
            $0.billing.notifications.webhookAllowPrivate = true
            $0.billing.notifications.webhookPollSeconds = 0
        }, clock: clock)
        let clock = self.clock
        receiver = try NotifyWebhookReceiver(now: { Int(clock.now().timeIntervalSince1970) })
        tenant = try server.makeTenant("Hooked Co")
        admin = try server.makeKey(role: "admin", tenant: tenant)
    }

    var dispatcher: WebhookDispatcher { server.app.services.delivery.webhooks }

    func endpoint(_ types: [String], url: String? = nil) throws -> (id: String, secret: String) {
        let r = try server.call("create_webhook_endpoint", key: admin,
                                body: ["url": .string(url ?? receiver.url), "event_types": .array(types.map { .string($0) })])
        #expect(r.status == 201, "\(r.text)")
        let secret = r.data["secret"]?.stringValue ?? ""
        receiver.setSecret(secret)
        return (r.data["id"]?.stringValue ?? "", secret)
    }

    func notify(_ type: String, subject: String = "Subject", dedupe: String? = nil) throws -> TestResponse {
        var body: JSONObject = ["type": .string(type), "subject": .string(subject), "message": "Something happened"]
        if let dedupe { body["dedupe_key"] = .string(dedupe) }
        return try server.call("create_notification", key: admin, body: .object(body))
    }

    func deliveries(_ query: [String: String] = [:]) throws -> [JSON] {
        try server.call("list_webhook_deliveries", key: admin, query: query).data["items"]?.arrayValue ?? []
    }

    @Test func createEndpoint_SecretShownOnce_AndInputValidated() throws {
        let created = try server.call("create_webhook_endpoint", key: admin,
                                      body: ["url": .string(receiver.url), "event_types": ["invoice.*", "quota_warning"], "description": "ERP"])
        #expect(created.status == 201)
        #expect(created.data["secret"]?.stringValue?.hasPrefix("whsec_") == true)
        #expect(created.data["event_types"] == ["invoice.*", "quota_warning"])
        let listed = try server.call("list_webhook_endpoints", key: admin).data["items"]?.arrayValue ?? []
        #expect(listed.count == 1)
        #expect(listed[0]["secret"] == .null)
        #expect(listed[0]["url"]?.stringValue == receiver.url)
        guard case .object(let a) = created.data, case .object(let b) = listed[0] else { Issue.record("not objects"); return }
        #expect(a.keys == b.keys)

        let bad: [(JSON, String)] = [
            (["event_types": ["*"]], "url"),
            (["url": "ftp://example.com/x", "event_types": ["*"]], "url"),
            (["url": "http://", "event_types": ["*"]], "url"),
            (["url": "https://user:pw@example.com/", "event_types": ["*"]], "url"),
            (["url": "not a url", "event_types": ["*"]], "url"),
            (["url": .string(receiver.url)], "event_types"),
            (["url": .string(receiver.url), "event_types": []], "event_types"),
            (["url": .string(receiver.url), "event_types": ["invoice.refunded"]], "event_types"),
            (["url": .string(receiver.url), "event_types": [7]], "event_types[0]"),
            (["url": .string(receiver.url), "event_types": "invoice.*"], "event_types"),
        ]
        for (body, field) in bad {
            let r = try server.call("create_webhook_endpoint", key: admin, body: body)
            #expect(r.status == 400 && r.json["error"]?["fields"]?[field] != nil, "\(body.serializedString()) → \(r.status) \(r.text)")
        }
        let viewer = try server.makeKey(role: "viewer", tenant: tenant)
        #expect(try server.call("create_webhook_endpoint", key: viewer, body: ["url": .string(receiver.url), "event_types": ["*"]]).status == 403)
        let id = created.data["id"]?.stringValue ?? ""
        #expect(try server.call("delete_webhook_endpoint", key: admin, body: ["id": .string(id)]).data["deleted"] == true)
        #expect(try server.call("delete_webhook_endpoint", key: admin, body: ["id": .string(id)]).status == 404)
    }

    @Test func eventTypes_AreListed_AndEveryListedValueIsAccepted() throws {
        let viewer = try server.makeKey(role: "viewer", tenant: tenant)
        let r = try server.call("list_webhook_event_types", key: viewer)
        #expect(r.status == 200)
        let items = r.data["items"]?.arrayValue ?? []
        #expect(r.data["total"] == .int(Int64(WebhookEventType.accepted.count)))
        #expect(Set(items.compactMap { $0["kind"]?.stringValue }) == ["pattern", "billing_event", "notification_type"])
        let all = items.compactMap { $0["event_type"] }
        #expect(all.compactMap(\.stringValue) == WebhookEventType.accepted)
        let created = try server.call("create_webhook_endpoint", key: admin, body: ["url": .string(receiver.url), "event_types": .array(all)])
        #expect(created.status == 201, "\(created.text)")
    }

    @Test func privateTargets_AreRefused_UnlessAllowed() throws {
        let strict = try TestServer()
        let t = try strict.makeTenant("Strict Co")
        let key = try strict.makeKey(role: "admin", tenant: t)
        for url in ["http://127.0.0.1:9/x", "http://localhost/x", "http://10.1.2.3/", "http://192.168.0.10/", "http://172.20.0.1/",
                    "http://169.254.169.254/latest/meta-data", "http://[::1]/", "http://[fe80::1]/", "http://2130706433/", "http://0.0.0.0/"] {
            let r = try strict.call("create_webhook_endpoint", key: key, body: ["url": .string(url), "event_types": ["*"]])
            #expect(r.status == 400 && r.json["error"]?["fields"]?["url"] != nil, "\(url) → \(r.status)")
        }
        let public_ = try strict.call("create_webhook_endpoint", key: key, body: ["url": "https://93.184.215.14/hooks", "event_types": ["*"]])
        #expect(public_.status == 201, "\(public_.text)")
    }

    @Test func delivery_IsSigned_ReceiverVerifies_AndRejectsTamperedOrStale() throws {
        let ep = try endpoint(["invoice.*"])
        let n = try notify("invoice_created", subject: "Invoice 2026-000001 issued")
        #expect(n.status == 201)
        let report = try dispatcher.dispatchDue()
        #expect(report.succeeded == 1)
        let got = receiver.requests
        #expect(got.count == 1)
        guard let r = got.first else { return }
        #expect(r.verified)
        #expect(r.id.hasPrefix("msg_"))
        #expect(r.headers["webhook-signature"]?.hasPrefix("v1,") == true)
        #expect(r.headers["content-type"] == "application/json")
        #expect(r.timestamp == Int(clock.now().timeIntervalSince1970))
        #expect(r.json["type"] == "invoice.created")
        #expect(r.json["timestamp"]?.stringValue != nil)
        #expect(r.json["data"]?["notification_id"] == n.data["id"])
        #expect(r.json["data"]?["notification_type"] == "invoice_created")
        #expect(r.json["data"]?["subject"] == "Invoice 2026-000001 issued")
        #expect(r.json["data"]?["tenant_id"]?.stringValue == tenant)

        let now = Int(clock.now().timeIntervalSince1970)
        var tampered = r.body
        tampered[tampered.count - 2] ^= 1
        #expect(!NotifyWebhookReceiver.verify(secret: ep.secret, headers: r.headers, body: tampered, now: now), "tampered body")
        #expect(!NotifyWebhookReceiver.verify(secret: ep.secret, headers: r.headers, body: r.body, now: now + 301), "older than 5 minutes")
        #expect(!NotifyWebhookReceiver.verify(secret: WebhookSignature.makeSecret(), headers: r.headers, body: r.body, now: now), "other secret")
        #expect(NotifyWebhookReceiver.verify(secret: ep.secret, headers: r.headers, body: r.body, now: now + 299))

        let log = try deliveries()
        #expect(log.count == 1)
        #expect(log[0]["status"] == "succeeded")
        #expect(log[0]["message_id"]?.stringValue == r.id)
        #expect(log[0]["attempt_log"]?.arrayValue?.first?["status_code"] == 200)
        #expect(log[0]["attempt_log"]?.arrayValue?.first?["latency_ms"]?.intValue != nil)
        #expect(log[0]["payload"]?["type"] == "invoice.created")
        #expect(try dispatcher.dispatchDue().attempted == 0, "a delivered event is not sent again")
    }

    @Test func receiverAnswering500_SeesRetries_WithTheSameId_UntilItAccepts() throws {
        _ = try endpoint(["usage.threshold"])
        receiver.script([500, 503])
        #expect(try notify("quota_exceeded").status == 201)
        #expect(try dispatcher.dispatchDue().retrying == 1)
        var d = try deliveries()[0]
        #expect(d["status"] == "pending")
        #expect(d["last_status_code"] == 500)
        #expect(d["next_attempt_at"] == .string(RFC3339.format(clock.now().addingTimeInterval(30))))
        #expect(try dispatcher.dispatchDue().attempted == 0, "not retried before its backoff")
        clock.advance(by: 30)
        #expect(try dispatcher.dispatchDue().retrying == 1)
        d = try deliveries()[0]
        #expect(d["next_attempt_at"] == .string(RFC3339.format(clock.now().addingTimeInterval(60))), "backoff doubles")
        clock.advance(by: 60)
        #expect(try dispatcher.dispatchDue().succeeded == 1)
        let got = receiver.requests
        #expect(got.map(\.answered) == [500, 503, 200])
        #expect(Set(got.map(\.id)).count == 1, "webhook-id is stable across retries")
        #expect(Set(got.map { $0.body }).count == 1, "the body is byte-identical across retries")
        #expect(got.map(\.timestamp) == got.map(\.timestamp).sorted() && Set(got.map(\.timestamp)).count == 3, "each attempt is signed anew")
        #expect(got.allSatisfy { $0.verified })
        d = try deliveries()[0]
        #expect(d["status"] == "succeeded")
        #expect(d["attempts"] == 3)
        #expect(d["attempt_log"]?.arrayValue?.map { $0["status_code"] } == [500, 503, 200])
        #expect(d["attempt_log"]?.arrayValue?.allSatisfy { $0["latency_ms"]?.intValue != nil } == true)
        #expect(d["delivered_at"]?.stringValue != nil)
    }

    @Test func failingEndpoint_IsRetriedFor24Hours_ThenFailed() throws {
        _ = try endpoint(["*"])
        receiver.script(Array(repeating: 500, count: 100))
        let start = clock.now()
        #expect(try notify("payment_failed").status == 201)
        var attempts = 0
        for _ in 0..<60 {
            let r = try dispatcher.dispatchDue()
            attempts += r.attempted
            let d = try deliveries()[0]
            if d["status"] != "pending" { break }
            guard let next = d["next_attempt_at"]?.stringValue.flatMap(RFC3339.parse) else { Issue.record("no next attempt"); return }
            clock.set(next.addingTimeInterval(1))  // listed times are whole seconds; stored ones carry milliseconds
        }
        let d = try deliveries()[0]
        #expect(d["status"] == "failed")
        #expect(d["last_error"]?.stringValue?.contains("500") == true)
        let log = d["attempt_log"]?.arrayValue ?? []
        #expect(log.count == attempts && attempts > 8 && attempts < 20, "\(attempts) attempts")
        let last = log.last?["attempted_at"]?.stringValue.flatMap(RFC3339.parse) ?? start
        #expect(abs(last.timeIntervalSince(start) - 86400) < 2, "the last attempt is at the end of the 24 h window")
        #expect(receiver.requests.count == attempts)
        clock.advance(by: 86400)
        #expect(try dispatcher.dispatchDue().attempted == 0)
    }

    @Test func oneLogicalEventPerOccurrence_PerEndpoint() throws {
        let both = try endpoint(["invoice_created", "invoice.*", "*"])
        let other = try server.call("create_webhook_endpoint", key: admin, body: ["url": .string(receiver.url), "event_types": ["subscription.*"]])
        #expect(other.status == 201)
        // The same occasion twice (dedupe key) is one notification and one event.
        #expect(try notify("invoice_created", dedupe: "invoice_created:42").status == 201)
        #expect(try notify("invoice_created", dedupe: "invoice_created:42").status == 409)
        // A quota crossed by many events notifies once.
        #expect(try server.asOperator("set_quota", tenantOf: admin, body: ["resource_type": "message", "period": "daily", "limit_value": 10,
                                                                 "notification_threshold": 50]).status == 201)
        for _ in 0..<8 { _ = try server.call("log_usage", key: admin, body: ["resource_type": "message"]) }
        let notes = try server.call("list_notifications", key: admin).data["items"]?.arrayValue ?? []
        #expect(notes.filter { $0["type"] == "quota_warning" }.count == 1)
        let log = try deliveries()
        #expect(log.count == 2, "one per occurrence: \(log.map { $0["event_type"] })")
        #expect(log.allSatisfy { $0["endpoint_id"]?.stringValue == both.id })
        #expect(Set(log.compactMap { $0["event_type"]?.stringValue }) == ["invoice.created", "usage.threshold"])
        _ = try dispatcher.dispatchDue()
        #expect(receiver.requests.count == 2)
        #expect(Set(receiver.requests.map(\.id)).count == 2)
        #expect(try deliveries(["endpoint_id": other.data["id"]?.stringValue ?? ""]).isEmpty)
    }

    @Test func testEndpoint_SendsSignedTestEvent_AndLogsIt() throws {
        let ep = try endpoint(["invoice.paid"])
        let r = try server.call("test_webhook_endpoint", key: admin, body: ["id": .string(ep.id)])
        #expect(r.status == 200, "\(r.text)")
        #expect(r.data["success"] == true)
        #expect(r.data["status_code"] == 200)
        #expect(receiver.requests.first?.json["type"] == "webhook.test")
        #expect(receiver.requests.first?.verified == true)
        #expect(try deliveries(["endpoint_id": ep.id]).first?["event_type"] == "webhook.test")
        receiver.script([500])
        let failed = try server.call("test_webhook_endpoint", key: admin, body: ["id": .string(ep.id)])
        #expect(failed.data["success"] == false)
        #expect(failed.data["status_code"] == 500 && failed.data["category"] == "http_status")
        #expect(try dispatcher.dispatchDue().attempted == 0, "test events are not retried")
    }
}

/// With the background loop on (the default), an event reaches the receiver without any job run.
@Suite struct WebhookBackgroundDeliveryTests {
    @Test func backgroundLoop_DeliversWithinSeconds() throws {
        let server = try TestServer(configure: { $0.billing.notifications.webhookAllowPrivate = true })
        let receiver = try NotifyWebhookReceiver()
        let tenant = try server.makeTenant("Live Co")
        let admin = try server.makeKey(role: "admin", tenant: tenant)
        let ep = try server.call("create_webhook_endpoint", key: admin, body: ["url": .string(receiver.url), "event_types": ["subscription.*"]])
        receiver.setSecret(ep.data["secret"]?.stringValue ?? "")
        _ = try server.call("create_notification", key: admin, body: ["type": "trial_ending", "subject": "Trial ends", "message": "soon"])
        let got = receiver.wait(for: 1, seconds: 10)
        #expect(got.count == 1)
        #expect(got.first?.verified == true)
        #expect(got.first?.json["type"] == "subscription.trial_ending")
    }
}
