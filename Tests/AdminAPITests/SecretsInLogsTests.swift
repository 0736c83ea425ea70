import Foundation
import Support
import Synchronization
import Testing

/// No secret — API key, password, session token, payment token, card number — reaches a log line
/// (debug level, so every line the server can write) or an error body.
@Suite(.serialized) struct SecretsInLogsTests {
    @Test func secrets_NeverAppearInLogsOrErrors() throws {
        let lines = Mutex<[String]>([])
        let logger = SuiteLog.logger(level: .debug) { line in lines.withLock { $0.append(line) } }
        let paymentKey = Data(SecureRandom.bytes(32)).base64EncodedString()
        let password = "correct horse battery staple"
        let server = try TestServer(configure: {
            $0.billing.paymentDataKey = paymentKey
            $0.adminEmail = "root@example.com"
            $0.adminPassword = password
        }, logger: logger)
        let tenant = try server.makeTenant("Secret Co")
        let admin = try server.makeKey(role: "admin", tenant: tenant)
        let t = JSON.string(tenant)

        let login = try server.call("login", key: nil, body: ["email": "root@example.com", "password": .string(password)])
        let cookie = String(try #require(login.header("Set-Cookie")).split(separator: ";")[0])
        let sessionToken = String(cookie.split(separator: "=")[1])
        _ = try server.call("current_user", key: nil, headers: [("Cookie", cookie)])
        _ = try server.call("login", key: nil, body: ["email": "root@example.com", "password": .string("wrong-\(password)")])

        let token = "tok_gateway_" + SecureRandom.hex(12)
        let added = try server.call("add_payment_method", key: admin,
                                    body: ["type": "credit_card", "token": .string(token), "card_brand": "visa", "card_last4": "1111",
                                           "exp_month": 12, "exp_year": 2030])
        #expect(added.status == 201, "\(added.text)")
        let pan = "4111111111111111"
        let refused = try server.call("add_payment_method", key: admin,
                                      body: ["type": "credit_card", "token": .string(pan), "card_last4": "1111", "exp_month": 1, "exp_year": 2031])
        #expect(refused.status == 400)
        let cvv = try server.call("add_payment_method", key: admin, body: ["type": "credit_card", "token": "tok_x", "cvv": "123"])
        #expect(cvv.status == 400)
        _ = try server.call("current_user", key: "bsk_not_a_key_\(SecureRandom.hex(8))")
        _ = try server.call("log_usage", key: admin, body: ["resource_type": "message", "tenant_id": t])

        for body in [login.text, added.text, refused.text, cvv.text] {
            #expect(!body.contains(password))
            #expect(!body.contains(token))
            #expect(!body.contains(pan))
        }
        let log = lines.withLock { $0.joined(separator: "\n") }
        #expect(log.contains("request"), "the access log was captured")
        for (name, secret) in [("super-admin key", server.superKey), ("admin key", admin), ("password", password),
                               ("session token", sessionToken), ("payment token", token), ("card number", pan),
                               ("payment data key", paymentKey)] {
            #expect(!log.contains(secret), "\(name) appeared in the log")
        }
        // The database holds the payment token only sealed.
        let stored = try server.app.services.database.read { try $0.query("SELECT * FROM payment_methods") }
        #expect(!stored.map { $0.values.map { "\($0)" }.joined() }.joined().contains(token))
    }
}
