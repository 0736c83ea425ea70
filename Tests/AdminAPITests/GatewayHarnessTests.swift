import AdminAPI
import AsaasFake
import Billing
import BackendTestSupport
import Foundation
import HTTP
import Outbound
import Storage
import Support
import Testing

/// Secrets of the gateway tests: grepped for in every captured log line (they must never appear).
enum GatewaySecrets {
    static let apiKey = "$aact_hmlg_000GatewayTestKeyNeverLogged"
    static let webhookToken = "whk-gateway-0123456789abcdef0123456789"
    static let cardNumber = "4111111111111111"
    static let cvv = "937"
    static let declinedCard = "5184019740373151"
}

/// The real server (ephemeral port, fresh SQLite file, every log line captured) wired to an in-process
/// fake Asaas whose webhooks reach the server through a relay (the server's port is only known once it
/// runs, and changes on a restart).
final class GatewayHarness: @unchecked Sendable, OperatorAccess {
    let fake: AsaasFakeServer
    let relay: WebhookRelay
    let directory: URL
    let superKey = "bsk_test_super_admin_key_0123456789abcdef"
    let operatorCache = LockedValue<[String: String]>([:])
    let serverLog = LockedValue<[String]>([])
    let fakeLog = LockedValue<[String]>([])
    /// The PostgreSQL database when the suites run on PostgreSQL (kept across restarts, dropped with the harness).
    let postgres: FreshPostgresDatabase?
    private let configure: (inout ApplicationSettings) -> Void
    private(set) var app: Application!
    private var stopped: DispatchSemaphore?

    init(fake tweakFake: (inout AsaasFakeConfiguration) -> Void = { _ in },
         settings: @escaping (inout ApplicationSettings) -> Void = { _ in }) throws {
        relay = try WebhookRelay()
        var fakeConfiguration = AsaasFakeConfiguration(apiKey: GatewaySecrets.apiKey)
        fakeConfiguration.workerCount = 4
        fakeConfiguration.webhookTimeScale = 0.002
        fakeConfiguration.webhookURL = relay.url
        fakeConfiguration.webhookToken = GatewaySecrets.webhookToken
        tweakFake(&fakeConfiguration)
        let fakeLines = fakeLog
        fake = AsaasFakeServer(configuration: fakeConfiguration, logger: SuiteLog.logger(level: .debug) { line in fakeLines.withLock { $0.append(line) } })
        try fake.start()
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("billing-gateway-\(UUIDv7.random())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        postgres = TestBackendEnvironment.usesPostgres ? try FreshPostgresDatabase() : nil
        configure = settings
        try startServer()
    }

    deinit {
        stopServer()
        fake.shutdown()
        relay.stop()
        try? FileManager.default.removeItem(at: directory)
    }

    var databasePath: String { directory.appendingPathComponent("billing.sqlite").path }

    /// A second `Database` on the server's data (SQLite file or PostgreSQL database), e.g. while it is stopped.
    func openDatabase() throws -> Database {
        if let postgres {
            var configuration = DatabaseConfiguration()
            configuration.readerCount = 1
            return try Database(postgresURL: postgres.url, configuration: configuration)
        }
        return try Database(path: databasePath)
    }

    /// Starts (or restarts) the server on the same database file and points the relay at it.
    func startServer() throws {
        var s = ApplicationSettings()
        s.http.port = 0
        s.http.workerCount = 8
        s.databasePath = databasePath
        s.databaseURL = postgres?.url
        if postgres != nil { s.database.readerCount = 2; s.database.writerCount = 2 }
        s.migrationsDirectory = TestServer.repositoryRoot.appendingPathComponent("migrations").path
        s.publicDirectory = TestServer.repositoryRoot.appendingPathComponent("public").path
        s.billing.passwordIterations = 1000
        s.billing.paymentDataKey = SecretBox.makeKey()
        s.adminAPIKey = superKey
        s.asaas.enabled = true
        s.asaas.apiKey = GatewaySecrets.apiKey
        s.asaas.baseURL = fake.baseURL
        s.asaas.webhookToken = GatewaySecrets.webhookToken
        s.asaas.timeout = 5
        s.asaas.cardTimeout = 5
        s.asaas.retryBaseDelay = 0.01
        s.asaas.maxRetryDelay = 0.05
        configure(&s)
        let lines = serverLog
        SuiteLog.register(secrets: s.configuredSecrets)
        let app = try Application(settings: s, logger: SuiteLog.logger(level: .debug) { line in lines.withLock { $0.append(line) } })
        try app.start()
        let done = DispatchSemaphore(value: 0)
        Thread { app.run(); done.signal() }.start()
        self.app = app
        stopped = done
        relay.target.set("http://127.0.0.1:\(app.port)/webhooks/asaas")
    }

    /// Stops the server and waits until it has closed the database.
    func stopServer() {
        guard let stopped else { return }
        relay.target.set(nil)
        app.shutdown()
        stopped.wait()
        SuiteLog.flush()
        self.stopped = nil
    }

    var client: TestClient { TestClient(port: app.port) }

    @discardableResult
    func call(_ action: String, key: String?, method: String? = nil, query: [String: String] = [:], body: JSON? = nil) throws -> TestResponse {
        var target = "/admin-api?action=\(action)"
        for (k, v) in query.sorted(by: { $0.key < $1.key }) {
            target += "&\(k)=\(v.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? v)"
        }
        var headers: [(String, String)] = []
        if let key { headers.append(("Authorization", "Bearer \(key)")) }
        var bytes: [UInt8]?
        if let body {
            bytes = body.serialized()
            headers.append(("Content-Type", "application/json"))
        }
        return try client.request(method ?? (body == nil ? "GET" : "POST"), target, headers: headers, body: bytes)
    }

    /// A tenant and an admin key of it.
    func makeTenant(_ name: String = "Acme") throws -> (id: String, admin: String) {
        let t = try call("create_tenant", key: superKey, body: ["name": .string(name), "billing_email": "billing@acme.example"])
        guard t.status == 201, let id = t.data["id"]?.stringValue else { throw TestClientError.io("create_tenant \(t.status) \(t.text)") }
        let k = try call("generate_api_key", key: superKey, body: ["name": "admin", "role": "admin", "tenant_id": .string(id)])
        guard k.status == 201, let key = k.data["key"]?.stringValue else { throw TestClientError.io("generate_api_key \(k.status) \(k.text)") }
        return (id, key)
    }

    /// A pending invoice of `cents`, due in a week.
    func makeInvoice(_ key: String, cents: Int64 = 4_990) throws -> String {
        let due = RFC3339.formatDate(Date().addingTimeInterval(7 * 86400))
        let r = try asOperator("create_invoice", tenantOf: key, body: ["amount_cents": .int(cents), "due_date": .string(due)])
        guard r.status == 201, let id = r.data["id"]?.stringValue else { throw TestClientError.io("create_invoice \(r.status) \(r.text)") }
        return id
    }

    /// The tenant's Asaas customer id (linking one first with `sync`, the tenant's admin key, when given).
    func customer(_ tenantId: String, sync key: String? = nil) throws -> String {
        if let key { _ = try call("sync_asaas_customer", key: key, body: [:]) }
        guard let id = try call("get_tenant", key: superKey, query: ["tenant_id": tenantId]).data["asaas_customer_id"]?.stringValue else {
            throw TestClientError.io("tenant \(tenantId) has no Asaas customer")
        }
        return id
    }

    func invoice(_ key: String, _ id: String) throws -> JSON { try call("get_invoice", key: key, query: ["id": id]).data }

    /// Charges an invoice and returns the gateway payment id.
    func charge(_ key: String, _ invoice: String, _ type: String = "PIX") throws -> String {
        let r = try call("charge_invoice", key: key, body: ["id": .string(invoice), "billing_type": .string(type)])
        guard r.status == 201 || r.status == 200, let id = r.data["charge"]?["id"]?.stringValue else {
            throw TestClientError.io("charge_invoice \(r.status) \(r.text)")
        }
        return id
    }

    /// `POST /_fake/payments/{id}/{action}` (or the authenticated sandbox route); returns the status.
    @discardableResult
    func control(_ paymentId: String, _ action: String, sandbox: Bool = false) throws -> Int {
        let base = "http://127.0.0.1:\(fake.port)"
        let url = sandbox ? "\(base)/v3/sandbox/payment/\(paymentId)/\(action)" : "\(base)/_fake/payments/\(paymentId)/\(action)"
        return try OutboundHTTPClient(userAgent: "tests").send(
            OutboundRequest(method: "POST", url: url, headers: sandbox ? [("access_token", GatewaySecrets.apiKey)] : [])).status
    }

    /// Posts a webhook body straight to the server.
    func deliver(_ body: JSON, token: String? = GatewaySecrets.webhookToken) throws -> TestResponse {
        var headers = [("Content-Type", "application/json")]
        if let token { headers.append(("asaas-access-token", token)) }
        return try client.request("POST", "/webhooks/asaas", headers: headers, body: body.serialized())
    }

    func events(_ query: [String: String] = [:]) throws -> JSON { try call("list_webhook_events", key: superKey, query: query).data }

    func notifications(_ key: String, type: String) throws -> [JSON] {
        try call("list_notifications", key: key, query: ["type": type]).data["items"]?.arrayValue ?? []
    }

    /// Every log line of the server and the fake so far.
    var allLogs: String { (serverLog.get() + fakeLog.get()).joined(separator: "\n") }
}

/// Forwards each delivery to the current target (the server), answering with the target's status (503 when none).
final class WebhookRelay: Sendable {
    let server: HTTPServer
    let target = LockedValue<String?>(nil)

    init() throws {
        let target = self.target
        var configuration = HTTPServerConfiguration()
        configuration.port = 0
        configuration.workerCount = 2
        configuration.shutdownGrace = 1
        server = HTTPServer(configuration: configuration, responder: HTTPClosureResponder { request in
            guard let url = target.get() else { return HTTPResponse(status: .serviceUnavailable) }
            var headers = [("Content-Type", "application/json")]
            if let token = request.headers["asaas-access-token"] { headers.append(("asaas-access-token", token)) }
            guard let answer = try? OutboundHTTPClient(userAgent: "relay").send(OutboundRequest(method: "POST", url: url, headers: headers,
                                                                                                  body: request.body)) else {
                return HTTPResponse(status: .badGateway)
            }
            return HTTPResponse(status: HTTPStatus(answer.status))
        }, logger: SuiteLog.logger())
        try server.start()
    }

    var url: String { "http://127.0.0.1:\(server.port)/webhooks/asaas" }
    func stop() { server.shutdown() }
}

/// Polls `condition` every 10 ms for up to `seconds`.
@discardableResult
func eventually(_ seconds: Double = 20, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try condition() { return true }
        Thread.sleep(forTimeInterval: 0.02)
    }
    return try condition()
}

/// A payment webhook body as Asaas sends it.
func paymentEvent(_ name: String, id: String = "evt_\(UUIDv7.random())&1", paymentId: String, reference: String?, cents: Int64 = 4_990,
                  customer: String = "cus_000000000001") -> JSON {
    [
        "id": .string(id), "event": .string(name), "dateCreated": "2026-07-14 10:00:00",
        "payment": ["object": "payment", "id": .string(paymentId), "customer": .string(customer), "value": .double(Double(cents) / 100),
                    "billingType": "PIX", "status": "RECEIVED", "externalReference": JSON(reference), "deleted": false],
    ]
}

let cardBody: JSON = [
    "holder_name": "MARIA SILVA", "number": .string(GatewaySecrets.cardNumber), "expiry_month": "12", "expiry_year": "2031",
    "cvv": .string(GatewaySecrets.cvv),
]
let holderBody: JSON = [
    "name": "Maria Silva", "email": "maria@example.com", "cpf_cnpj": "24971563792", "postal_code": "89223005",
    "address_number": "277", "phone": "4738010919",
]
