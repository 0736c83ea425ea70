import AdminAPI
import BackendTestSupport
import Billing
import Foundation
import HTTP
import Support

/// A real server on an ephemeral loopback port over a fresh SQLite file in a temp directory, or over a fresh
/// PostgreSQL database when the suites run on PostgreSQL (`TestBackendEnvironment`).
///
/// Its log goes to `logger` and, with `BILLING_TEST_LOG_DIR` set, to the suite log (`SuiteLog`), which
/// `make test` scans for secrets; the secrets in its settings are registered there too.
final class TestServer: @unchecked Sendable, OperatorAccess {
    let app: Application
    let directory: URL
    let client: TestClient
    let superKey: String
    let operatorCache = LockedValue<[String: String]>([:])
    /// The PostgreSQL database of this server (dropped after it), when the suites run on PostgreSQL.
    let postgres: FreshPostgresDatabase?
    private let thread: Thread

    static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    init(configure: (inout ApplicationSettings) -> Void = { _ in }, clock: any WallClock = SystemClock(),
         logger: Logger = SuiteLog.logger()) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("billing-test-\(UUIDv7.random())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var settings = ApplicationSettings()
        settings.http.port = 0
        settings.http.workerCount = 16
        settings.databasePath = directory.appendingPathComponent("billing.sqlite").path
        postgres = TestBackendEnvironment.usesPostgres ? try FreshPostgresDatabase() : nil
        settings.databaseURL = postgres?.url
        settings.database.readerCount = postgres == nil ? settings.database.readerCount : 2
        settings.migrationsDirectory = Self.repositoryRoot.appendingPathComponent("migrations").path
        settings.publicDirectory = Self.repositoryRoot.appendingPathComponent("public").path
        settings.billing.passwordIterations = 1000
        settings.adminAPIKey = "bsk_test_super_admin_key_0123456789abcdef"
        configure(&settings)
        superKey = settings.adminAPIKey ?? ""
        SuiteLog.register(secrets: settings.configuredSecrets)
        app = try Application(settings: settings, logger: logger, clock: clock)
        try app.start()
        client = TestClient(port: app.port)
        let app = self.app
        thread = Thread { app.run() }
        thread.start()
    }

    deinit {
        app.shutdown()
        SuiteLog.flush()
        try? FileManager.default.removeItem(at: directory)
    }

    /// Calls an action with a bearer key; `body` is sent as JSON for POST.
    @discardableResult
    func call(_ action: String, key: String?, method: String? = nil, query: [String: String] = [:], body: JSON? = nil,
              headers: [(String, String)] = []) throws -> TestResponse {
        var target = "/admin-api?action=\(action)"
        for (k, v) in query.sorted(by: { $0.key < $1.key }) {
            target += "&\(k)=\(v.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? v)"
        }
        var h = headers
        if let key { h.append(("Authorization", "Bearer \(key)")) }
        var bytes: [UInt8]?
        if let body {
            bytes = body.serialized()
            h.append(("Content-Type", "application/json"))
        }
        return try client.request(method ?? (body == nil ? "GET" : "POST"), target, headers: h, body: bytes)
    }

    /// Creates a tenant as super-admin and returns its id.
    func makeTenant(_ name: String) throws -> String {
        let r = try call("create_tenant", key: superKey, body: ["name": .string(name)])
        guard r.status == 201, let id = r.data["id"]?.stringValue else { throw TestClientError.io("create_tenant \(r.status) \(r.text)") }
        return id
    }

    /// Issues a key of `role` in `tenant` as super-admin and returns the secret.
    func makeKey(role: String, tenant: String?) throws -> String {
        var body: JSONObject = ["name": .string("\(role) key"), "role": .string(role)]
        if let tenant { body["tenant_id"] = .string(tenant) }
        let r = try call("generate_api_key", key: superKey, body: .object(body))
        guard r.status == 201, let key = r.data["key"]?.stringValue else { throw TestClientError.io("generate_api_key \(r.status) \(r.text)") }
        return key
    }
}

extension ApplicationSettings {
    /// Every secret these settings carry (keys, tokens, passwords, the SMTP password), for `SuiteLog.register`.
    var configuredSecrets: [String?] {
        let smtpURL = billing.notifications.smtpURL.flatMap { URLComponents(string: $0) }
        return [adminAPIKey, adminPassword, metricsToken, billing.paymentDataKey, asaas.apiKey, asaas.webhookToken,
                smtpURL?.password, smtpURL?.percentEncodedPassword]
    }
}
