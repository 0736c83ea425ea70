import HTTP
import Support

/// A fake Asaas v3 API on loopback with in-memory state (docs/ASAAS.md): the `asaas-fake` executable
/// wraps it, and tests run it in process to steer faults.
///
/// ```swift
/// let fake = AsaasFakeServer(configuration: AsaasFakeConfiguration(apiKey: "k"), logger: logger)
/// try fake.start()
/// let base = fake.baseURL   // http://127.0.0.1:PORT/v3
/// ```
public final class AsaasFakeServer: Sendable {
    public let configuration: AsaasFakeConfiguration
    private let api: FakeAPI
    private let server: HTTPServer
    private let webhooks: WebhookDispatcher

    public init(configuration: AsaasFakeConfiguration, logger: Logger) {
        self.configuration = configuration
        webhooks = WebhookDispatcher(url: configuration.webhookURL, token: configuration.webhookToken,
                                     duplicates: configuration.duplicateWebhooks, timeScale: configuration.webhookTimeScale,
                                     maxAttempts: configuration.webhookMaxAttempts, timeout: configuration.webhookTimeout,
                                     logger: logger)
        var faults = FakeFaults()
        faults.latencyMs = configuration.latencyMs
        faults.failRate = configuration.failRate
        api = FakeAPI(apiKey: configuration.apiKey, webhooks: webhooks, faults: faults, logger: logger)
        var http = HTTPServerConfiguration()
        http.host = configuration.host
        http.port = configuration.port
        http.shutdownGrace = 2
        http.workerCount = configuration.workerCount
        server = HTTPServer(configuration: http, responder: api, logger: logger)
    }

    /// Binds and starts serving; returns once the port accepts connections.
    public func start() throws {
        try server.start()
        let base = "http://\(configuration.host):\(server.port)"
        api.state.withLock { $0.base = base }
    }

    public var port: Int { server.port }
    /// `http://HOST:PORT/v3`, what `AsaasConfiguration.baseURL` should be.
    public var baseURL: String { "http://\(configuration.host):\(server.port)/v3" }

    /// Blocks until `shutdown()`.
    public func run() { server.run() }

    public func shutdown() {
        server.shutdown()
        webhooks.shutdown()
    }

    // MARK: - Test knobs

    /// Delays answers by `ms` for `methods` (nil = every method).
    public func setLatency(ms: Int, methods: Set<String>? = nil) {
        api.faults.withLock {
            $0.latencyMs = ms
            $0.latencyMethods = methods
        }
    }

    /// Answers this fraction of API calls with 503.
    public func setFailRate(_ rate: Double) { api.faults.withLock { $0.failRate = rate } }

    /// Answers the next `count` API calls with `status` (and `headers`), doing nothing else.
    public func failNext(_ count: Int, status: Int = 503, headers: [(String, String)] = []) {
        api.faults.withLock { $0.scripted += Array(repeating: (status, headers), count: count) }
    }

    /// Every API call received so far (control endpoints excluded).
    public var requests: [FakeRecordedRequest] { api.recorded.withLock { $0 } }

    /// True when no webhook is queued, held back or in flight.
    public var webhooksIdle: Bool { webhooks.isIdle }

    /// Webhook deliveries answered with 200.
    public var webhooksDelivered: Int { webhooks.deliveredCount }

    /// The balance in cents.
    public var balanceCents: Int64 { api.state.withLock { $0.balanceCents } }

    /// Non-deleted charges carrying `externalReference`.
    public func paymentCount(externalReference: String) -> Int {
        api.state.withLock { state in state.payments.values.filter { $0.externalReference == externalReference && !$0.deleted }.count }
    }
}
