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
        let created = try server.call("set_quota", key: try server.billingKey(),
                                      body: ["tenant_id": .string(tenant), "resource_type": "message", "period": "daily", "limit_value": 10],
                                      headers: [("X-Forwarded-For", "198.51.100.23")])
        #expect(created.status == 201)
        let events = try server.call("list_audit_events", key: admin).data["items"]?.arrayValue ?? []
        #expect(events.first { $0["action"] == "set_quota" }?["client_ip"] == "198.51.100.23")
    }

    /// Security round item 4: failures slow down the (e-mail, client address) that made them, not the user. Someone guessing
    /// a user's password from one address cannot lock the user out from another.
    @Test func guessingFromOneClient_NeverLocksTheUserOutElsewhere() throws {
        let server = try TestServer(configure: { $0.http.trustedProxies = try! TrustedProxies.parse("127.0.0.1").get() })
        let tenant = try server.makeTenant("Backoff Co")
        _ = try server.call("create_user", key: server.superKey,
                            body: ["email": "victim@example.com", "password": "correct horse battery", "tenant_id": .string(tenant)])
        for attacker in ["203.0.113.1", "203.0.113.2"] {
            let statuses = try (0..<10).map { _ in try login(server, from: attacker, email: "victim@example.com").status }
            #expect(statuses.allSatisfy { $0 == 401 }, "\(statuses)")
            // The pair now waits (2 s, doubling), even with the right password and under the address's own window.
            let blocked = try server.call("login", key: nil, body: ["email": "victim@example.com", "password": "correct horse battery"],
                                          headers: [("X-Forwarded-For", attacker)])
            #expect(blocked.status == 429 && Int(blocked.header("Retry-After") ?? "") ?? 0 >= 1, "\(blocked.text)")
        }
        // The user, from their own address, signs in at once; that clears only their own pair.
        let user = try server.call("login", key: nil, body: ["email": "victim@example.com", "password": "correct horse battery"],
                                   headers: [("X-Forwarded-For", "198.51.100.20")])
        #expect(user.status == 200, "\(user.text)")
        #expect(try login(server, from: "203.0.113.1", email: "victim@example.com").status == 429)
    }

    @Test func withoutTrustedProxies_XForwardedForIsIgnored() throws {
        let server = try TestServer()
        let statuses = try (0..<11).map { try login(server, from: "198.51.100.\($0)", email: "victim\($0)@example.com").status }
        #expect(statuses.last == 429, "every attempt counts against the peer 127.0.0.1: \(statuses)")
    }
}
