import Foundation
import LoopbackTestSupport
import Support
import Testing

/// `test_webhook_endpoint` (issue 18 item 4): it answered with libcurl's error text and the latency, which
/// together mapped the network for whoever controls an endpoint URL ("connection refused after 0 ms" vs
/// "timed out after 10001 ms" per host and port). Now it answers a category; the delivery log stores our
/// own words for it.
@Suite(.serialized) struct WebhookEndpointTestTests {
    let server: TestServer
    let tenant: String
    let admin: String
    let receiver: NotifyWebhookReceiver

    init() throws {
        server = try TestServer(configure: {
            $0.billing.notifications.webhookAllowPrivate = true
            $0.billing.notifications.webhookPollSeconds = 0
            $0.billing.notifications.webhookTimeoutSeconds = 1
        })
        tenant = try server.makeTenant("Probe Co")
        admin = try server.makeKey(role: "admin", tenant: tenant)
        receiver = try NotifyWebhookReceiver()
    }

    /// A listener that accepts, reads and never answers.
    static func blackHole() throws -> LoopbackListener {
        let listener = try LoopbackListener(receiveTimeout: 30)
        listener.start { fd in
            var buffer = [UInt8](repeating: 0, count: 4096)
            while recv(fd, &buffer, buffer.count, 0) > 0 {}
        }
        return listener
    }

    func endpoint(_ url: String) throws -> String {
        let r = try server.call("create_webhook_endpoint", key: admin, body: ["url": .string(url), "event_types": ["*"]])
        #expect(r.status == 201, "\(r.text)")
        receiver.setSecret(r.data["secret"]?.stringValue ?? "")
        return r.data["id"]?.stringValue ?? ""
    }

    @Test func testEndpoint_AnswersACategory_NeverCurlsTextOrTheLatency() throws {
        let hole = try Self.blackHole()
        defer { hole.stop() }
        let plain = try LoopbackListener()
        plain.start { fd in TestSocket.sendAll(fd, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n") }
        defer { plain.stop() }
        let closed = try TestSocket.unusedPort()
        receiver.script([200, 503])
        let cases: [(url: String, category: JSON, status: JSON)] = [
            (receiver.url, .null, 200),
            (receiver.url, "http_status", 503),
            ("http://127.0.0.1:\(closed)/hooks", "connect_failed", .null),
            ("http://127.0.0.1:\(hole.port)/hooks", "timeout", .null),
            ("https://127.0.0.1:\(plain.port)/hooks", "tls", .null),
        ]
        for c in cases {
            let id = try endpoint(c.url)
            let r = try server.call("test_webhook_endpoint", key: admin, body: ["id": .string(id)])
            #expect(r.status == 200, "\(c.url): \(r.text)")
            #expect(r.data["category"] == c.category && r.data["status_code"] == c.status, "\(c.url): \(r.text)")
            #expect(r.data["success"] == .bool(c.category == .null))
            #expect(r.data.objectValue.map { Set($0.keys) } == ["success", "status_code", "category", "delivery_id"], "\(r.text)")
            for leak in ["ms", "port", "Failed", "refused", "Connection", "SSL", "after", "127.0.0.1"] {
                #expect(!r.text.contains(leak), "\(c.url): \(r.text) says \(leak)")
            }
            // The delivery log has the attempt, with our words for the failure and not libcurl's.
            let logged = try server.call("list_webhook_deliveries", key: admin, query: ["endpoint_id": id]).data["items"]?.arrayValue ?? []
            #expect(logged.first?["id"] == r.data["delivery_id"])
            let error = logged.first?["last_error"]?.stringValue ?? ""
            for leak in ["Failed", "refused", "Connection", "SSL", "after", "127.0.0.1", String(closed), String(hole.port), String(plain.port)] {
                #expect(!error.contains(leak), "\(c.url): last_error \(error) says \(leak)")
            }
        }
    }
}
