import Foundation
import HTTP
import Support
import Testing

/// Behind a trusted reverse proxy the login limiter and the audit trail see each client, not the proxy.
@Suite(.serialized) struct TrustedProxyTests {
    func login(_ server: TestServer, from client: String?, email: String) throws -> TestResponse {
        try server.call("login", key: nil, body: ["email": .string(email), "password": "guess-guess-guess"],
                        headers: client.map { [("X-Forwarded-For", $0)] } ?? [])
    }

    @Test func behindATrustedProxy_TheLoginLimitIsPerForwardedClient() throws {
        let server = try TestServer(configure: { $0.http.trustedProxies = try! TrustedProxies.parse("127.0.0.1").get() })
        // One attacker spreads guesses over many e-mails: its own address runs out, others do not.
        let statuses = try (0..<12).map { try login(server, from: "203.0.113.1, 198.51.100.7", email: "victim\($0)@example.com").status }
        #expect(statuses.prefix(10).allSatisfy { $0 == 401 }, "\(statuses)")
        #expect(statuses.last == 429)
        #expect(try login(server, from: "198.51.100.8", email: "someone@example.com").status == 401)
        // The spoofed leftmost entry is not the client: its budget is untouched.
        #expect(try login(server, from: "203.0.113.1", email: "other@example.com").status == 401)

        let tenant = try server.makeTenant("Proxy Co")
        let admin = try server.makeKey(role: "admin", tenant: tenant)
        let created = try server.call("set_quota", key: admin, body: ["resource_type": "message", "period": "daily", "limit_value": 10],
                                      headers: [("X-Forwarded-For", "198.51.100.23")])
        #expect(created.status == 201)
        let events = try server.call("list_audit_events", key: admin).data["items"]?.arrayValue ?? []
        #expect(events.first { $0["action"] == "set_quota" }?["client_ip"] == "198.51.100.23")
    }

    @Test func withoutTrustedProxies_XForwardedForIsIgnored() throws {
        let server = try TestServer()
        let statuses = try (0..<11).map { try login(server, from: "198.51.100.\($0)", email: "victim\($0)@example.com").status }
        #expect(statuses.last == 429, "every attempt counts against the peer 127.0.0.1: \(statuses)")
    }
}
