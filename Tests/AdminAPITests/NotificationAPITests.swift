import Foundation
import Support
import Testing

/// list / mark read / mark all / unread count / delete / create over real sockets, and tenant isolation.
@Suite(.serialized) struct NotificationAPITests {
    let server: TestServer
    let tenant: String
    let admin: String
    let viewer: String

    init() throws {
        server = try TestServer(configure: {
            $0.billing.notifications.webhookPollSeconds = 0
            $0.billing.notifications.webhookAllowPrivate = true
        })
        tenant = try server.makeTenant("Notified Co")
        admin = try server.makeKey(role: "admin", tenant: tenant)
        viewer = try server.makeKey(role: "viewer", tenant: tenant)
    }

    @discardableResult
    func create(_ key: String, _ body: JSON) throws -> String {
        let r = try server.call("create_notification", key: key, body: body)
        #expect(r.status == 201, "\(r.text)")
        return r.data["id"]?.stringValue ?? ""
    }

    @Test func createNotification_ValidatesEnumsAndFields_NamingTheField() throws {
        let cases: [(JSON, String)] = [
            (["subject": "s", "message": "m"], "type"),
            (["type": "invoice_paid", "subject": "s", "message": "m"], "type"),
            (["type": "quota_warning", "subject": "s", "message": "m", "priority": "critical"], "priority"),
            (["type": "quota_warning", "message": "m"], "subject"),
            (["type": "quota_warning", "subject": "s"], "message"),
            (["type": "quota_warning", "subject": "s", "message": "m", "metadata": "text"], "metadata"),
            (["type": "quota_warning", "subject": .string(String(repeating: "x", count: 201)), "message": "m"], "subject"),
        ]
        for (body, field) in cases {
            let r = try server.call("create_notification", key: admin, body: body)
            #expect(r.status == 400, "\(body.serializedString()) → \(r.status)")
            #expect(r.json["error"]?["fields"]?[field] != nil, "\(body.serializedString()) should name \(field): \(r.text)")
        }
        #expect(try server.call("create_notification", key: viewer, body: ["type": "quota_warning", "subject": "s", "message": "m"]).status == 403)
        let list = try server.call("list_notifications", key: admin)
        #expect(list.data["total"] == 0)
    }

    @Test func list_NewestFirst_Filtered_MetadataDecoded_SameKeys() throws {
        let a = try create(admin, ["type": "quota_warning", "subject": "First", "message": "m1", "priority": "low"])
        Thread.sleep(forTimeInterval: 0.005)
        let b = try create(admin, ["type": "invoice_created", "subject": "Second", "message": "m2", "priority": "urgent",
                                   "metadata": ["invoice_id": "inv-1", "amount_cents": 1990]])
        let all = try server.call("list_notifications", key: viewer)
        #expect(all.status == 200)
        #expect(all.data["total"] == 2)
        let items = all.data["items"]?.arrayValue ?? []
        #expect(items.map { $0["id"]?.stringValue } == [b, a])
        #expect(items[0]["metadata"]?["amount_cents"] == 1990)
        #expect(items[1]["metadata"] == .null)
        guard case .object(let x) = items[0], case .object(let y) = items[1] else { Issue.record("not objects"); return }
        #expect(x.keys == y.keys)
        #expect(items[0]["status"] == "pending")
        #expect(items[0]["read"] == false)

        #expect(try server.call("list_notifications", key: admin, query: ["type": "quota_warning"]).data["total"] == 1)
        #expect(try server.call("list_notifications", key: admin, query: ["priority": "urgent"]).data["items"]?.arrayValue?.first?["id"]?.stringValue == b)
        #expect(try server.call("list_notifications", key: admin, query: ["limit": "1", "offset": "1"]).data["items"]?.arrayValue?.first?["id"]?.stringValue == a)
        for (k, v) in [("limit", "201"), ("type", "nope"), ("status", "gone"), ("unread_only", "maybe"), ("offset", "-1")] {
            let r = try server.call("list_notifications", key: admin, query: [k: v])
            #expect(r.status == 400 && r.json["error"]?["fields"]?[k] != nil, "\(k)=\(v) → \(r.status)")
        }
        #expect(try server.call("list_notifications", key: admin, query: ["limit": "200"]).status == 200)
    }

    @Test func markRead_IsIdempotent_AndCountsFollow() throws {
        let ids = try (0..<3).map { try create(admin, ["type": "trial_ending", "subject": .string("S\($0)"), "message": "m"]) }
        #expect(try server.call("get_unread_count", key: viewer).data["count"] == 3)
        let first = try server.call("mark_notification_read", key: viewer, body: ["id": .string(ids[0])])
        #expect(first.status == 200)
        #expect(first.data["status"] == "read")
        #expect(first.data["read"] == true)
        let readAt = first.data["read_at"]
        #expect(readAt?.stringValue != nil)
        Thread.sleep(forTimeInterval: 1.1)
        let again = try server.call("mark_notification_read", key: viewer, body: ["id": .string(ids[0])])
        #expect(again.status == 200)
        #expect(again.data["read_at"] == readAt, "a second call keeps the first read_at")
        #expect(try server.call("get_unread_count", key: viewer).data["count"] == 2)
        #expect(try server.call("list_notifications", key: viewer, query: ["unread_only": "true"]).data["total"] == 2)
        #expect(try server.call("mark_all_notifications_read", key: viewer, method: "POST").data["count"] == 2)
        #expect(try server.call("mark_all_notifications_read", key: viewer, method: "POST").data["count"] == 0)
        #expect(try server.call("get_unread_count", key: viewer).data["count"] == 0)
        #expect(try server.call("list_notifications", key: viewer, query: ["status": "read"]).data["total"] == 3)

        #expect(try server.call("delete_notification", key: viewer, body: ["id": .string(ids[1])]).status == 403)
        #expect(try server.call("delete_notification", key: admin, body: ["id": .string(ids[1])]).data["deleted"] == true)
        #expect(try server.call("delete_notification", key: admin, body: ["id": .string(ids[1])]).status == 404)
        #expect(try server.call("mark_notification_read", key: admin, body: ["id": .string(ids[1])]).status == 404)
        #expect(try server.call("mark_notification_read", key: admin, body: ["id": "not-a-uuid"]).status == 400)
    }

    @Test func createNotification_DedupeKey_SecondIsConflict() throws {
        try create(admin, ["type": "invoice_due", "subject": "Due", "message": "m", "dedupe_key": "inv-7-due"])
        let dup = try server.call("create_notification", key: admin, body: ["type": "invoice_due", "subject": "Due", "message": "m", "dedupe_key": "inv-7-due"])
        #expect(dup.status == 409)
        #expect(try server.call("get_unread_count", key: admin).data["count"] == 1)
    }

    @Test func superAdmin_MustNameTenant() throws {
        let r = try server.call("list_notifications", key: server.superKey)
        #expect(r.status == 400)
        #expect(r.json["error"]?["fields"]?["tenant_id"] != nil)
        #expect(try server.call("get_unread_count", key: server.superKey, query: ["tenant_id": tenant]).status == 200)
    }

    @Test func crossTenant_IdActions_Are404_AndBIsUnchanged() throws {
        let b = try server.makeTenant("Other Co")
        let adminB = try server.makeKey(role: "admin", tenant: b)
        let receiver = try NotifyWebhookReceiver()
        let noteB = try create(adminB, ["type": "payment_failed", "subject": "B's", "message": "private to B"])
        let endpointB = try server.call("create_webhook_endpoint", key: adminB, body: ["url": .string(receiver.url), "event_types": ["*"]])
        #expect(endpointB.status == 201, "\(endpointB.text)")
        let epB = endpointB.data["id"]?.stringValue ?? ""
        func snapshotB() throws -> String {
            try server.call("list_notifications", key: adminB).text + server.call("list_webhook_endpoints", key: adminB).text
                + server.call("list_webhook_deliveries", key: adminB).text
        }
        let before = try snapshotB()
        let calls: [(String, JSON, Set<Int>)] = [
            ("mark_notification_read", ["id": .string(noteB)], [404]),
            ("delete_notification", ["id": .string(noteB)], [404]),
            ("delete_webhook_endpoint", ["id": .string(epB)], [404]),
            ("test_webhook_endpoint", ["id": .string(epB)], [404]),
            ("mark_all_notifications_read", ["tenant_id": .string(b)], [403]),
            ("create_notification", ["tenant_id": .string(b), "type": "quota_warning", "subject": "x", "message": "y"], [403]),
            ("create_webhook_endpoint", ["tenant_id": .string(b), "url": .string(receiver.url), "event_types": ["*"]], [403]),
        ]
        for (action, body, expected) in calls {
            let r = try server.call(action, key: admin, body: body)
            #expect(expected.contains(r.status), "\(action) by A on B → \(r.status) \(r.text)")
            #expect(!r.text.contains("private to B"))
        }
        for (action, query) in [("list_webhook_deliveries", ["endpoint_id": epB]), ("list_notifications", ["tenant_id": b]),
                                ("get_unread_count", ["tenant_id": b]), ("list_webhook_endpoints", ["tenant_id": b])] {
            let r = try server.call(action, key: viewer, query: query)
            #expect(r.status == 404 || r.status == 403, "\(action) \(query) → \(r.status)")
        }
        #expect(try server.call("list_notifications", key: admin).data["total"] == 0)
        #expect(try snapshotB() == before)
        #expect(receiver.requests.isEmpty, "A's test call must not reach B's endpoint")
    }
}
