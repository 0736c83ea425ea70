import Billing
import Foundation
import LoopbackTestSupport
import Support
import Testing

/// send_notifications against a real SMTP sink on loopback: MIME, cc of urgent ones, no billing_email,
/// retries with backoff then failed, and one e-mail per notification with concurrent senders.
@Suite(.serialized) struct NotificationEmailTests {
    let sink: TestSMTPSink
    let clock = ManualClock(Date(timeIntervalSince1970: 1_790_000_000))

    init() throws { sink = try TestSMTPSink(receiveTimeout: 10) }

    func makeServer(smtpURL: String? = nil, enabled: Bool = true, maxAttempts: Int = 3) throws -> TestServer {
        let url = smtpURL ?? sink.url
        return try TestServer(configure: {
            $0.billing.notificationsEnabled = enabled
            $0.billing.notifications.smtpURL = url
            $0.billing.notifications.smtpFrom = "Billing <billing@example.com>"
            $0.billing.notifications.adminEmail = "ops@example.com"
            $0.billing.notifications.maxAttempts = maxAttempts
            $0.billing.notifications.webhookPollSeconds = 0
        }, clock: clock)
    }

    func tenant(_ server: TestServer, _ name: String, email: String?) throws -> (id: String, key: String) {
        var body: JSONObject = ["name": .string(name)]
        if let email { body["billing_email"] = .string(email) }
        let r = try server.call("create_tenant", key: server.superKey, body: .object(body))
        let id = r.data["id"]?.stringValue ?? ""
        return (id, try server.makeKey(role: "admin", tenant: id))
    }

    func notify(_ server: TestServer, _ key: String, subject: String, priority: String = "normal", message: String = "Hello") throws -> String {
        let r = try server.call("create_notification", key: key, body: ["type": "invoice_created", "subject": .string(subject),
                                                                          "message": .string(message), "priority": .string(priority)])
        return r.data["id"]?.stringValue ?? ""
    }

    func runJob(_ server: TestServer) throws -> JSON {
        try server.call("run_job", key: server.superKey, body: ["job": "send_notifications"]).data
    }

    func notification(_ server: TestServer, _ key: String, _ id: String) throws -> JSON {
        let items = try server.call("list_notifications", key: key).data["items"]?.arrayValue ?? []
        return items.first { $0["id"]?.stringValue == id } ?? .null
    }

    @Test func sendNotifications_DeliversMIME_ToBillingEmail_CcAdminOnUrgent() throws {
        let server = try makeServer()
        let t = try tenant(server, "Mail Co", email: "finance@mail.example")
        let urgent = try notify(server, t.key, subject: "Fatura vencida — ação necessária", priority: "urgent",
                                message: "Invoice 2026-000042 for BRL 199.00 is overdue.")
        let normal = try notify(server, t.key, subject: "Invoice issued", message: "Invoice 2026-000043 is due on 2026-12-01.")
        let run = try runJob(server)
        #expect(run["outcome"] == "ok", "\(run)")
        #expect(run["counts"]?["sent"] == 2)
        let messages = sink.messages
        #expect(messages.count == 2)
        guard let u = messages.first(where: { $0.body.contains("000042") }), let n = messages.first(where: { $0.body.contains("000043") }) else {
            Issue.record("messages missing: \(messages.map(\.data))"); return
        }
        #expect(u.mailFrom == "billing@example.com")
        #expect(Set(u.recipients) == ["finance@mail.example", "ops@example.com"])
        #expect(u.header("To")?.contains("finance@mail.example") == true)
        #expect(u.header("Cc")?.contains("ops@example.com") == true)
        #expect(u.header("Subject")?.hasPrefix("=?UTF-8?B?") == true, "non-ASCII subject is RFC 2047 encoded: \(u.header("Subject") ?? "")")
        #expect(decodeWords(u.header("Subject") ?? "") == "Fatura vencida — ação necessária")
        #expect(u.header("From") == "Billing <billing@example.com>")
        #expect(u.header("Date") != nil)
        #expect(u.header("Message-ID")?.hasPrefix("<") == true)
        #expect(u.header("Content-Type")?.lowercased().contains("text/plain") == true)
        #expect(u.header("Content-Type")?.lowercased().contains("utf-8") == true)
        #expect(u.body.contains("Mail Co") && u.body.contains(urgent))
        #expect(n.recipients == ["finance@mail.example"], "only urgent ones are copied")
        #expect(n.header("Subject") == "Invoice issued")
        #expect(n.header("Cc") == nil)

        let stored = try notification(server, t.key, urgent)
        #expect(stored["status"] == "sent")
        #expect(stored["sent_at"]?.stringValue != nil)
        #expect(stored["attempts"] == 1)
        #expect(try notification(server, t.key, normal)["status"] == "sent")
        #expect(try runJob(server)["counts"]?["claimed"] == 0, "nothing is sent twice")
        #expect(sink.messages.count == 2)
    }

    @Test func tenantWithoutBillingEmail_GetsNoAttempt_StatusUnchanged() throws {
        let server = try makeServer()
        let t = try tenant(server, "Quiet Co", email: nil)
        let id = try notify(server, t.key, subject: "In-app only")
        #expect(try runJob(server)["counts"]?["claimed"] == 0)
        let stored = try notification(server, t.key, id)
        #expect(stored["status"] == "pending")
        #expect(stored["attempts"] == 0)
        #expect(stored["last_error"] == .null)
        #expect(sink.messages.isEmpty)
    }

    @Test func sinkDown_RetriesWithBackoff_ThenFailed_KeepingTheError() throws {
        let server = try makeServer(smtpURL: "smtp://127.0.0.1:\(try TestSocket.unusedPort())", maxAttempts: 3)
        let t = try tenant(server, "Down Co", email: "a@down.example")
        let id = try notify(server, t.key, subject: "Will fail")
        #expect(try runJob(server)["counts"]?["retrying"] == 1)
        var n = try notification(server, t.key, id)
        #expect(n["status"] == "pending")
        #expect(n["attempts"] == 1)
        #expect(n["last_error"]?.stringValue?.isEmpty == false)
        #expect(n["next_attempt_at"] == .string(RFC3339.format(clock.now().addingTimeInterval(60))))
        #expect(try runJob(server)["counts"]?["claimed"] == 0, "not due before the backoff")
        clock.advance(by: 60)
        #expect(try runJob(server)["counts"]?["retrying"] == 1)
        n = try notification(server, t.key, id)
        #expect(n["next_attempt_at"] == .string(RFC3339.format(clock.now().addingTimeInterval(120))), "backoff doubles")
        clock.advance(by: 119)
        #expect(try runJob(server)["counts"]?["claimed"] == 0)
        clock.advance(by: 1)
        #expect(try runJob(server)["counts"]?["failed"] == 1)
        n = try notification(server, t.key, id)
        #expect(n["status"] == "failed")
        #expect(n["attempts"] == 3)
        #expect(n["last_error"]?.stringValue?.isEmpty == false)
        clock.advance(by: 86400)
        #expect(try runJob(server)["counts"]?["claimed"] == 0, "failed is final")
    }

    @Test func concurrentSenders_SendOneEmailPerNotification() throws {
        let server = try makeServer()
        let t = try tenant(server, "Busy Co", email: "busy@example.com")
        var ids: Set<String> = []
        for i in 0..<40 { ids.insert(try notify(server, t.key, subject: "Note \(i)", message: "body of \(i)")) }
        let sender = server.app.services.delivery.email
        DispatchQueue.concurrentPerform(iterations: 4) { i in
            if i == 3 { _ = try? runJob(server) } else { _ = try? sender.run(batch: 5) }
        }
        let messages = sink.messages
        #expect(messages.count == 40)
        let mentioned = messages.compactMap { m in ids.first { m.body.contains($0) } }
        #expect(Set(mentioned) == ids, "every notification e-mailed exactly once")
        #expect(mentioned.count == 40)
        let statuses = try server.call("list_notifications", key: t.key, query: ["status": "sent", "limit": "200"]).data["total"]
        #expect(statuses == 40)
    }

    @Test func notificationsDisabled_JobIsSkipped_NothingSent() throws {
        let server = try makeServer(enabled: false)
        let t = try tenant(server, "Off Co", email: "off@example.com")
        _ = try notify(server, t.key, subject: "Nope")
        let run = try runJob(server)
        #expect(run["outcome"] == "skipped")
        #expect(sink.messages.isEmpty)
    }

    /// RFC 2047 B-words, decoded independently of the sender.
    func decodeWords(_ value: String) -> String {
        var out = ""
        var rest = Substring(value)
        var lastWasWord = false
        while let start = rest.range(of: "=?") {
            let between = rest[..<start.lowerBound]
            if !(lastWasWord && between.allSatisfy(\.isWhitespace)) { out += between }
            let after = rest[start.upperBound...]
            guard let end = after.range(of: "?=") else { break }
            let parts = after[..<end.lowerBound].split(separator: "?", omittingEmptySubsequences: false)
            if parts.count == 3, let data = Data(base64Encoded: String(parts[2])) { out += String(decoding: data, as: UTF8.self) }
            rest = after[end.upperBound...]
            lastWasWord = true
        }
        return out + rest
    }
}
