import BackendTestSupport
import Billing
import Foundation
import Storage
import Support
import Testing

/// Webhook endpoint secrets at rest: sealed under a subkey of `PAYMENT_DATA_KEY` and bound to the endpoint id,
/// legacy plaintext rows sealed at the next start, plaintext without a key (with a startup warning), and a wrong
/// key failing deliveries with a clear error. Each test restarts real servers over one database file.
// Restarts servers on one SQLite file and reads its bytes: the sealing itself is the same on PostgreSQL.
@Suite(.serialized, .enabled(if: !TestBackendEnvironment.usesPostgres, "reads the SQLite file at rest"))
struct WebhookSecretSealingTests {
    let clock = ManualClock(Date())
    let directory: URL
    let receiver: NotifyWebhookReceiver
    let logLines = LockedValue<[String]>([])

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("billing-whsec-\(UUIDv7.random())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let clock = self.clock
        receiver = try NotifyWebhookReceiver(now: { Int(clock.now().timeIntervalSince1970) })
    }

    var databasePath: String { directory.appendingPathComponent("billing.sqlite").path }

    /// A server over this test's database file, with `key` as `PAYMENT_DATA_KEY`; its log lines are kept.
    func start(key: String?) throws -> TestServer {
        let lines = logLines
        let path = databasePath
        return try TestServer(configure: {
            $0.databasePath = path
            $0.billing.paymentDataKey = key
            $0.billing.notifications.webhookAllowPrivate = true
            $0.billing.notifications.webhookPollSeconds = 0
            $0.runsBackgroundTasks = false
        }, clock: clock, logger: Logger(level: .debug) { line in lines.withLock { $0.append(line) } })
    }

    /// Begins `server`'s shutdown. It closes the database only once its client lets go, so the next start
    /// may open the file while this one still has it open, which SQLite allows; with no background tasks
    /// the old server writes nothing meanwhile.
    func stop(_ server: TestServer) {
        server.app.shutdown()
    }

    func log() -> String { logLines.withLock { $0.joined(separator: "\n") } }
    func clearLog() { logLines.withLock { $0.removeAll() } }

    /// Creates a tenant, an admin key and an endpoint subscribed to everything.
    func endpoint(on server: TestServer) throws -> (tenant: String, admin: String, id: String, secret: String) {
        let tenant = try server.makeTenant("Sealed Co \(UUIDv7.random())")
        let admin = try server.makeKey(role: "admin", tenant: tenant)
        let r = try server.call("create_webhook_endpoint", key: admin, body: ["url": .string(receiver.url), "event_types": ["*"]])
        #expect(r.status == 201, "\(r.text)")
        return (tenant, admin, r.data["id"]?.stringValue ?? "", r.data["secret"]?.stringValue ?? "")
    }

    func storedSecret(_ server: TestServer, id: String) throws -> String {
        try server.app.services.database.read { try $0.scalar("SELECT secret FROM webhook_endpoints WHERE id = ?", [.text(id)]).stringValue } ?? ""
    }

    /// The raw bytes of the database file and its WAL.
    func databaseBytes() throws -> String {
        var bytes: [UInt8] = []
        for path in [databasePath, databasePath + "-wal"] where FileManager.default.fileExists(atPath: path) {
            bytes += [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Whether the database holds `secret`, whole or as its base64 key part.
    func databaseHolds(_ secret: String) throws -> Bool {
        let raw = try databaseBytes()
        return raw.contains(secret) || raw.contains(String(secret.dropFirst("whsec_".count)))
    }

    /// Sends one notification-driven delivery to the receiver, signed with what the server stores.
    func deliverOne(_ server: TestServer, admin: String, secret: String) throws -> (report: WebhookDispatchReport, lastError: String?) {
        receiver.setSecret(secret)
        let n = try server.call("create_notification", key: admin, body: ["type": "invoice_created", "subject": "Invoice", "message": "issued"])
        #expect(n.status == 201, "\(n.text)")
        let report = try server.app.services.delivery.webhooks.dispatchDue()
        let items = try server.call("list_webhook_deliveries", key: admin).data["items"]?.arrayValue ?? []
        return (report, items.first?["last_error"]?.stringValue)
    }

    @Test func newSecret_IsStoredSealed_AndDeliveriesVerifyWithTheSecretShownAtCreation() throws {
        let server = try start(key: SecretBox.makeKey())
        defer { try? FileManager.default.removeItem(at: directory) }
        let ep = try endpoint(on: server)
        #expect(ep.secret.hasPrefix("whsec_"))
        let stored = try storedSecret(server, id: ep.id)
        #expect(stored.hasPrefix("sealed:v2:"), "stored as \(stored.prefix(10))…")
        #expect(!stored.contains(ep.secret.dropFirst("whsec_".count)))
        #expect(try !databaseHolds(ep.secret), "the secret is in the database file or its WAL")

        let sent = try deliverOne(server, admin: ep.admin, secret: ep.secret)
        #expect(sent.report.succeeded == 1)
        #expect(receiver.requests.count == 1 && receiver.requests.allSatisfy(\.verified), "signed with the secret shown at creation")
        let test = try server.call("test_webhook_endpoint", key: ep.admin, body: ["id": .string(ep.id)])
        #expect(test.data["success"] == true, "\(test.text)")
        #expect(receiver.requests.count == 2 && receiver.requests.allSatisfy(\.verified))
        #expect(!log().contains(ep.secret.dropFirst("whsec_".count)))
    }

    @Test func sealedSecret_MovedToAnotherEndpoint_DoesNotOpen() throws {
        let server = try start(key: SecretBox.makeKey())
        defer { try? FileManager.default.removeItem(at: directory) }
        let a = try endpoint(on: server)
        let b = try endpoint(on: server)
        let sealedA = try storedSecret(server, id: a.id)
        try server.app.services.database.write { conn in
            try conn.run("UPDATE webhook_endpoints SET secret = ? WHERE id = ?", [.text(sealedA), .text(b.id)])
        }
        let sent = try deliverOne(server, admin: b.admin, secret: a.secret)
        #expect(sent.report.attempted == 1 && sent.report.succeeded == 0)
        #expect(sent.lastError == WebhookSecretError.cannotUnseal.description)
        #expect(receiver.requests.isEmpty, "nothing is sent without the endpoint's own secret")
    }

    @Test func legacyPlaintextRow_IsSealedAtNextStart_Once_AndStillSigns() throws {
        let key = SecretBox.makeKey()
        defer { try? FileManager.default.removeItem(at: directory) }
        let legacySecret = WebhookSignature.makeSecret()
        let (admin, legacyId, sealedBefore, modern) = try {
            let server = try start(key: key)
            defer { stop(server) }
            let modern = try endpoint(on: server)
            let legacyId = UUIDv7.make(at: clock.now())
            let now = StoredTime.format(clock.now())
            try server.app.services.database.write { conn in
                try conn.run("""
                    INSERT INTO webhook_endpoints (id, tenant_id, url, event_types_json, secret, created_at, updated_at)
                    VALUES (?, ?, ?, '["*"]', ?, ?, ?)
                    """, [.text(legacyId), .text(modern.tenant), .text(receiver.url), .text(legacySecret), .text(now), .text(now)])
            }
            #expect(try storedSecret(server, id: legacyId) == legacySecret)
            #expect(try databaseHolds(legacySecret), "the byte scan finds a plaintext secret")
            return (modern.admin, legacyId, try storedSecret(server, id: modern.id), modern)
        }()
        clearLog()

        let server = try start(key: key)
        let sealed = try storedSecret(server, id: legacyId)
        #expect(sealed.hasPrefix("sealed:v2:"))
        #expect(try storedSecret(server, id: modern.id) == sealedBefore, "an already sealed secret is left alone")
        #expect(log().contains("webhook endpoint secrets sealed under PAYMENT_DATA_KEY\" count=1"), "\(log())")
        #expect(try !databaseHolds(legacySecret), "the legacy plaintext is left in the database file or its WAL")
        #expect(!log().contains(legacySecret.dropFirst("whsec_".count)))

        // Both endpoints get the event; the receiver checks each against the legacy secret, then the other.
        receiver.setSecret(legacySecret)
        _ = try server.call("test_webhook_endpoint", key: admin, body: ["id": .string(legacyId)])
        #expect(receiver.requests.last?.verified == true, "the legacy endpoint still signs with its original secret")
        receiver.setSecret(modern.secret)
        _ = try server.call("test_webhook_endpoint", key: admin, body: ["id": .string(modern.id)])
        #expect(receiver.requests.last?.verified == true)
        stop(server)

        clearLog()
        let again = try start(key: key)
        #expect(try storedSecret(again, id: legacyId) == sealed, "sealing is idempotent")
        #expect(!log().contains("webhook endpoint secrets"), "nothing to seal or warn about: \(log())")
    }

    @Test func noKey_StoresPlaintextAsBefore_AndWarnsOnceAtStartup() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let ep = try {
            let server = try start(key: nil)
            defer { stop(server) }
            #expect(!log().contains("stored unencrypted"), "no endpoint yet, no warning")
            let ep = try endpoint(on: server)
            #expect(try storedSecret(server, id: ep.id) == ep.secret)
            #expect(try databaseHolds(ep.secret))
            #expect(try deliverOne(server, admin: ep.admin, secret: ep.secret).report.succeeded == 1)
            #expect(receiver.requests.first?.verified == true)
            return ep
        }()
        clearLog()
        let server = try start(key: nil)
        let warnings = logLines.withLock { $0.filter { $0.contains("stored unencrypted") } }
        #expect(warnings.count == 1, "\(log())")
        #expect(warnings.first?.contains("level=warning") == true && warnings.first?.contains("count=1") == true)
        #expect(!log().contains(ep.secret.dropFirst("whsec_".count)))
        #expect(try storedSecret(server, id: ep.id) == ep.secret)
    }

    @Test func wrongOrMissingKey_FailsDeliveries_WithAClearError_NotACrash() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let rightKey = SecretBox.makeKey()
        let ep = try {
            let server = try start(key: rightKey)
            defer { stop(server) }
            return try endpoint(on: server)
        }()
        clearLog()

        let wrongKey = SecretBox.makeKey()
        do {
            let server = try start(key: wrongKey)
            defer { stop(server) }
            #expect(log().contains("cannot be unsealed with the configured PAYMENT_DATA_KEY"), "\(log())")
            #expect(log().contains("level=warning") && log().contains("count=1"))
            let sent = try deliverOne(server, admin: ep.admin, secret: ep.secret)
            #expect(sent.report.attempted == 1 && sent.report.retrying == 1, "retried: restoring the right key delivers it")
            #expect(sent.lastError == WebhookSecretError.cannotUnseal.description)
            let test = try server.call("test_webhook_endpoint", key: ep.admin, body: ["id": .string(ep.id)])
            #expect(test.status == 200 && test.data["success"] == false)
            #expect(test.data["category"] == "secret_unavailable", "\(test.text)")
            let logged = try server.call("list_webhook_deliveries", key: ep.admin, query: ["endpoint_id": ep.id]).data["items"]?.arrayValue
            #expect(logged?.first { $0["id"] == test.data["delivery_id"] }?["last_error"]?.stringValue == WebhookSecretError.cannotUnseal.description)
            #expect(receiver.requests.isEmpty, "nothing is sent unsigned or wrongly signed")
            #expect(try storedSecret(server, id: ep.id).hasPrefix("sealed:v2:"), "the sealed value is kept for the right key")
        }
        clearLog()
        do {
            let server = try start(key: nil)
            defer { stop(server) }
            #expect(log().contains("sealed but PAYMENT_DATA_KEY is not configured"), "\(log())")
            let test = try server.call("test_webhook_endpoint", key: ep.admin, body: ["id": .string(ep.id)])
            #expect(test.data["category"] == "secret_unavailable", "\(test.text)")
            let logged = try server.call("list_webhook_deliveries", key: ep.admin, query: ["endpoint_id": ep.id]).data["items"]?.arrayValue
            #expect(logged?.first { $0["id"] == test.data["delivery_id"] }?["last_error"]?.stringValue == WebhookSecretError.keyMissing.description)
        }
        // The right key again: the retried delivery goes out, signed with the original secret.
        let server = try start(key: rightKey)
        clock.advance(by: 3600)
        #expect(try server.app.services.delivery.webhooks.dispatchDue().succeeded == 1)
        #expect(receiver.requests.count == 1 && receiver.requests.first?.verified == true)
        for secret in [ep.secret, rightKey, wrongKey] { #expect(!log().contains(secret)) }
    }
}
