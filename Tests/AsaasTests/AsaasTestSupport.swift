import Asaas
import AsaasFake
import Foundation
import HTTP
import Outbound
import Support
import Testing

/// Test secrets: grepped for in captured logs (they must never appear).
enum Secrets {
    static let apiKey = "$aact_hmlg_000TestKeyDoNotLog"
    static let webhookToken = "whk-token-0123456789abcdef0123456789"
    static let cardNumber = "4111111111111111"
    static let ccv = "987"
}

/// A fake Asaas server plus a client pointed at it, with short timeouts and backoff for tests.
final class FakeHarness: Sendable {
    let fake: AsaasFakeServer
    let client: AsaasClient
    let clientLog = LockedValue<[String]>([])
    let fakeLog = LockedValue<[String]>([])

    init(fake configure: (inout AsaasFakeConfiguration) -> Void = { _ in },
         client tweak: (inout AsaasConfiguration) -> Void = { _ in }) throws {
        SuiteLog.register(secrets: [Secrets.apiKey, Secrets.webhookToken])
        var fakeConfiguration = AsaasFakeConfiguration(apiKey: Secrets.apiKey)
        fakeConfiguration.workerCount = 4
        fakeConfiguration.webhookTimeScale = 0.002  // first retry after 60 ms
        configure(&fakeConfiguration)
        let fakeLines = fakeLog
        fake = AsaasFakeServer(configuration: fakeConfiguration,
                               logger: SuiteLog.logger(level: .debug) { line in fakeLines.withLock { $0.append(line) } })
        try fake.start()
        var configuration = AsaasConfiguration(baseURL: fake.baseURL, apiKey: Secrets.apiKey, userAgent: "billing-server-tests/1.0")
        configuration.timeout = 5
        configuration.cardTimeout = 5
        configuration.retryBaseDelay = 0.01
        configuration.maxRetryDelay = 0.05
        tweak(&configuration)
        let lines = clientLog
        client = AsaasClient(configuration: configuration, http: OutboundHTTPClient(userAgent: configuration.userAgent),
                             logger: SuiteLog.logger(level: .debug) { line in lines.withLock { $0.append(line) } })
    }

    func stop() { fake.shutdown() }

    /// A customer with a valid CPF.
    func makeCustomer(reference: String = "tenant-\(UUIDv7.random())") throws -> AsaasCustomer {
        try client.createCustomer(AsaasCustomerInput(name: "Maria Silva", cpfCnpj: "249.715.637-92", email: "maria@example.com",
                                                     externalReference: reference))
    }

    /// A PENDING charge.
    func makePayment(customer: String, billingType: AsaasBillingType = .pix, cents: Int64 = 10_000,
                     reference: String? = "inv-\(UUIDv7.random())") throws -> AsaasPayment {
        try client.createPayment(AsaasPaymentInput(customer: customer, billingType: billingType, valueCents: cents,
                                                   dueDate: futureDate(), externalReference: reference))
    }

    /// `POST` to a control endpoint (`/_fake/payments/{id}/{action}` or, with `sandbox`, the authenticated
    /// `/v3/sandbox/payment/{id}/{action}`); returns the status.
    @discardableResult
    func control(_ paymentId: String, _ action: String, sandbox: Bool = false) throws -> Int {
        let base = "http://127.0.0.1:\(fake.port)"
        let url = sandbox ? "\(base)/v3/sandbox/payment/\(paymentId)/\(action)" : "\(base)/_fake/payments/\(paymentId)/\(action)"
        let request = OutboundRequest(method: "POST", url: url, headers: sandbox ? [("access_token", Secrets.apiKey)] : [])
        return try OutboundHTTPClient(userAgent: "tests").send(request).status
    }

    func requestCount(_ method: String, _ pathPrefix: String) -> Int {
        fake.requests.filter { $0.method == method && $0.path.hasPrefix(pathPrefix) }.count
    }
}

/// `YYYY-MM-DD` `days` from now (UTC; always ≥ São Paulo's today).
func futureDate(days: Int = 7) -> String { RFC3339.formatDate(Date().addingTimeInterval(Double(days) * 86400)) }

let testCard = AsaasCreditCard(holderName: "MARIA SILVA", number: Secrets.cardNumber, expiryMonth: "12", expiryYear: "2031",
                               ccv: Secrets.ccv)
let testHolder = AsaasCardHolderInfo(name: "Maria Silva", email: "maria@example.com", cpfCnpj: "24971563792",
                                     postalCode: "89223005", addressNumber: "277", phone: "4738010919")

/// A tiny webhook receiver: records each delivery and answers with the scripted statuses, then 200.
final class WebhookReceiver: Sendable {
    struct Delivery: Sendable {
        let token: String?
        let body: [UInt8]
        var event: AsaasWebhookEvent? { try? AsaasWebhookEvent.decode(body) }
    }

    let server: HTTPServer
    let deliveries = LockedValue<[Delivery]>([])
    private let script: LockedValue<[Int]>

    init(statuses: [Int] = []) throws {
        let deliveries = self.deliveries
        let script = LockedValue(statuses)
        self.script = script
        var configuration = HTTPServerConfiguration()
        configuration.port = 0
        configuration.workerCount = 2
        configuration.shutdownGrace = 1
        server = HTTPServer(configuration: configuration, responder: HTTPClosureResponder { request in
            deliveries.withLock { $0.append(Delivery(token: request.headers["asaas-access-token"], body: request.body)) }
            let status = script.withLock { $0.isEmpty ? 200 : $0.removeFirst() }
            return HTTPResponse(status: HTTPStatus(status))
        }, logger: SuiteLog.logger())
        try server.start()
    }

    var url: String { "http://127.0.0.1:\(server.port)/webhooks/asaas" }

    /// Decoded events, in arrival order, optionally only those named `names`.
    func events(_ names: Set<String>? = nil) -> [AsaasWebhookEvent] {
        deliveries.get().compactMap(\.event).filter { names?.contains($0.event) ?? true }
    }

    func stop() { server.shutdown() }
}

/// Polls `condition` every 10 ms for up to `seconds`.
@discardableResult
func waitUntil(_ seconds: Double = 5, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if condition() { return true }
        Thread.sleep(forTimeInterval: 0.01)
    }
    return condition()
}

/// The `AsaasError` a call threw, or nil (any other error is recorded as a test issue).
func asaasError<T>(_ body: () throws -> T) -> AsaasError? {
    do {
        _ = try body()
        return nil
    } catch let error as AsaasError {
        return error
    } catch {
        Issue.record("unexpected error \(error)")
        return nil
    }
}
