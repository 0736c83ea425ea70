import AdminAPI
import Billing
import Foundation
import Support
import Synchronization
import Testing

/// Issue 18 item 3 (DNS rebinding): the URL policy resolved and checked a webhook host, then libcurl resolved
/// it again for the connection, so a name answering "public" to the check and "loopback" a moment later
/// reached inside the network. Now the check resolves once and the connection is pinned to what it saw.
/// Every test drives a real delivery (`test_webhook_endpoint`) through libcurl against a loopback receiver.
@Suite(.serialized) struct WebhookRebindingTests {
    /// A public address nothing here listens on; a pinned connection to it fails within the timeout.
    static let publicAddress: [UInt8] = [93, 184, 215, 14]

    /// Answers the webhook policy's resolutions from a script, per host, and counts them.
    final class ScriptedResolver: Sendable {
        private let state = Mutex<(answers: [String: [[[UInt8]]]], calls: [String])>(([:], []))

        /// `host` answers each list in turn, then repeats the last one.
        func script(_ host: String, _ answers: [[[UInt8]]]) { state.withLock { $0.answers[host] = answers } }

        var calls: [String] { state.withLock { $0.calls } }

        var resolver: WebhookURLPolicy.Resolver {
            { [self] host in
                state.withLock { s in
                    s.calls.append(host)
                    guard var answers = s.answers[host], let first = answers.first else { return [] }
                    if answers.count > 1 { answers.removeFirst() }
                    s.answers[host] = answers
                    return first
                }
            }
        }
    }

    /// A name the system resolver (the one libcurl uses) maps to 127.0.0.1, that the policy does not refuse
    /// by name: the machine's own host name in /etc/hosts, as on most Linux hosts and containers.
    static let nameResolvingToLoopback: String? = {
        let name = ProcessInfo.processInfo.hostName.lowercased()
        guard !name.isEmpty, name != "localhost", !name.hasSuffix(".localhost") else { return nil }
        var hints = addrinfo()
        hints.ai_family = AF_INET
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(name, nil, &hints, &result) == 0, let first = result else { return nil }
        defer { freeaddrinfo(first) }
        let address = first.pointee.ai_addr.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_addr.s_addr }
        return address == in_addr_t(0x0100_007f).littleEndian ? name : nil
    }()

    let names = ScriptedResolver()
    let receiver: NotifyWebhookReceiver

    init() throws {
        receiver = try NotifyWebhookReceiver()
    }

    func server(allowPrivate: Bool) throws -> TestServer {
        let resolver = names.resolver
        return try TestServer(configure: {
            $0.billing.notifications.webhookAllowPrivate = allowPrivate
            $0.billing.notifications.webhookPollSeconds = 0
            $0.billing.notifications.webhookTimeoutSeconds = 2
            $0.webhookResolver = resolver
        })
    }

    func endpoint(_ server: TestServer, key: String, url: String) throws -> String {
        let r = try server.call("create_webhook_endpoint", key: key, body: ["url": .string(url), "event_types": ["*"]])
        #expect(r.status == 201, "\(r.text)")
        receiver.setSecret(r.data["secret"]?.stringValue ?? "")
        return r.data["id"]?.stringValue ?? ""
    }

    /// The name answers public to the creation check, loopback to every later resolution: the delivery's
    /// own check sees loopback and refuses; no second resolution is made for the connection.
    @Test func nameTurningLoopback_IsRefusedAtDelivery_AndResolvedOncePerCheck() throws {
        let server = try server(allowPrivate: false)
        let key = try server.makeKey(role: "admin", tenant: try server.makeTenant("Rebound"))
        names.script("hooks.rebind.test", [[Self.publicAddress], [[127, 0, 0, 1]]])
        let id = try endpoint(server, key: key, url: "http://hooks.rebind.test:\(receiver.port)/hooks")
        let test = try server.call("test_webhook_endpoint", key: key, body: ["id": .string(id)])
        #expect(test.status == 200 && test.data["success"] == false && test.data["category"] == "url_refused", "\(test.text)")
        #expect(test.data["status_code"] == .null)
        #expect(receiver.wait(for: 1, seconds: 0.5).isEmpty)
        #expect(names.calls == ["hooks.rebind.test", "hooks.rebind.test"])  // creation, then the delivery's check
    }

    /// The real attack: the policy's resolver says public, the system resolver libcurl would ask says
    /// 127.0.0.1. Before the fix the webhook reached the loopback receiver; now it goes only to the
    /// checked public address (and fails there), and the receiver sees nothing.
    @Test(.enabled(if: nameResolvingToLoopback != nil, "needs a host name that /etc/hosts maps to 127.0.0.1"))
    func secondResolution_IsNeverUsed_TheConnectionGoesOnlyToTheCheckedAddress() throws {
        let name = try #require(Self.nameResolvingToLoopback)
        let server = try server(allowPrivate: false)
        let key = try server.makeKey(role: "admin", tenant: try server.makeTenant("Rebound"))
        names.script(name, [[Self.publicAddress]])
        let id = try endpoint(server, key: key, url: "http://\(name):\(receiver.port)/hooks")
        let started = Date()
        let test = try server.call("test_webhook_endpoint", key: key, body: ["id": .string(id)])
        #expect(test.status == 200 && test.data["success"] == false, "\(test.text)")
        #expect(test.data["category"] == "connect_failed" || test.data["category"] == "timeout", "\(test.text)")
        #expect(receiver.wait(for: 1, seconds: 0.5).isEmpty, "the webhook reached 127.0.0.1 through a second resolution")
        #expect(Date().timeIntervalSince(started) < 5)
        #expect(names.calls == [name, name])
    }

    /// With WEBHOOK_ALLOW_PRIVATE the pin still decides: a made-up name the policy resolved to 127.0.0.1 is
    /// delivered there, signed, although no DNS knows it (before the fix libcurl could not resolve it).
    @Test func madeUpName_IsDeliveredToThePinnedLoopbackAddress() throws {
        let server = try server(allowPrivate: true)
        let key = try server.makeKey(role: "admin", tenant: try server.makeTenant("Pinned"))
        names.script("hooks.pinned.test", [[[127, 0, 0, 1]]])
        let id = try endpoint(server, key: key, url: "http://hooks.pinned.test:\(receiver.port)/hooks")
        let test = try server.call("test_webhook_endpoint", key: key, body: ["id": .string(id)])
        #expect(test.status == 200 && test.data["success"] == true && test.data["status_code"] == 200 && test.data["category"] == .null,
                "\(test.text)")
        let got = receiver.wait(for: 1)
        #expect(got.count == 1 && got.first?.verified == true)
        #expect(got.first?.headers["host"] == "hooks.pinned.test:\(receiver.port)")
    }
}
