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

/// Issue 20 item 4 (fault test, loopback only): 80 concurrent `test_webhook_endpoint` calls from one tenant to
/// a black hole (a loopback listener that accepts and never answers) held every request worker for the whole
/// timeout, and another client's `/health` took 2.56 s. Now the tests run on the endpoint-test pool, two at a
/// time per tenant (the rest 429 `rate_limited` with `Retry-After`), and `/health` stays fast.
@Suite(.serialized) struct EndpointTestIsolationTests {
    @Test func eightyTestsToABlackHole_LeaveHealthFast_AndOtherTenantsTesting() throws {
        let server = try TestServer(configure: {
            $0.billing.notifications.webhookAllowPrivate = true
            $0.billing.notifications.webhookPollSeconds = 0
            $0.billing.notifications.webhookTimeoutSeconds = 2
        })
        let hole = try WebhookEndpointTestTests.blackHole()
        defer { hole.stop() }
        let noisy = try server.makeKey(role: "admin", tenant: try server.makeTenant("Noisy"))
        let quiet = try server.makeKey(role: "admin", tenant: try server.makeTenant("Quiet"))
        let receiver = try NotifyWebhookReceiver()
        func endpoint(_ key: String, _ url: String) throws -> String {
            let r = try server.call("create_webhook_endpoint", key: key, body: ["url": .string(url), "event_types": ["*"]])
            if key == quiet { receiver.setSecret(r.data["secret"]?.stringValue ?? "") }
            return r.data["id"]?.stringValue ?? ""
        }
        let holeEndpoint = try endpoint(noisy, "http://127.0.0.1:\(hole.port)/hooks")
        let quietEndpoint = try endpoint(quiet, receiver.url)

        let answers = LockedValue<[TestResponse]>([])
        let start = DispatchSemaphore(value: 0)
        let done = DispatchGroup()
        for _ in 0..<80 {
            done.enter()
            Thread {
                start.wait()
                if let r = try? server.call("test_webhook_endpoint", key: noisy, body: ["id": .string(holeEndpoint)]) {
                    answers.withLock { $0.append(r) }
                }
                done.leave()
            }.start()
        }
        for _ in 0..<80 { start.signal() }

        // Meanwhile: another client's /health, and the pool never holds more than two of the noisy tenant's tests.
        var latencies: [Double] = []
        var mostHeld = 0
        let until = Date().addingTimeInterval(1.5)
        while Date() < until {
            let t0 = Date()
            #expect(try server.client.request("GET", "/health").status == 200)
            latencies.append(Date().timeIntervalSince(t0))
            mostHeld = max(mostHeld, server.app.services.endpointTests.heldPlaces.values.max() ?? 0)
        }
        let quietTest = try server.call("test_webhook_endpoint", key: quiet, body: ["id": .string(quietEndpoint)])
        #expect(done.wait(timeout: .now() + 30) == .success)

        latencies.sort()
        let p99 = latencies[min(latencies.count - 1, Int(Double(latencies.count) * 0.99))]
        #expect(latencies.count >= 20 && p99 < 0.2, "/health p99 \(p99) s over \(latencies.count) requests")
        #expect(mostHeld <= 2)
        #expect(quietTest.status == 200 && quietTest.data["success"] == true, "another tenant's test: \(quietTest.text)")

        let all = answers.withLock { $0 }
        #expect(all.count == 80)
        let ran = all.filter { $0.status == 200 }
        let limited = all.filter { $0.status == 429 }
        #expect(ran.count + limited.count == 80, "\(Set(all.map(\.status)))")
        #expect(ran.count >= 2 && ran.allSatisfy { $0.data["category"] == "timeout" })
        #expect(limited.count >= 60, "\(limited.count) of 80 were limited")
        #expect(limited.allSatisfy { $0.errorCode == "rate_limited" && $0.header("Retry-After") == "5" })
        #expect(hole.acceptedCount == ran.count, "each test that ran connected once; none that was limited did")
        let settled = Date().addingTimeInterval(2)  // a place is given back just after its answer was sent
        while !server.app.services.endpointTests.heldPlaces.isEmpty, Date() < settled { Thread.sleep(forTimeInterval: 0.01) }
        #expect(server.app.services.endpointTests.heldPlaces.isEmpty)
    }
}
