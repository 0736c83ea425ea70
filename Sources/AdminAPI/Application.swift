import Billing
import Foundation
import HTTP
import Storage
import Support

/// Everything the server needs to start, already validated by the executable's configuration reader.
public struct ApplicationSettings: Sendable {
    public var http = HTTPServerConfiguration()
    /// The SQLite file, used when `databaseURL` is nil (`DATABASE_PATH`).
    public var databasePath = "./data/billing.sqlite"
    /// A `postgres://` URL selecting PostgreSQL instead of SQLite (`DATABASE_URL`); validated by the reader of the configuration.
    public var databaseURL: String?
    /// Pool size and timeouts of the database (`DATABASE_READERS`, `DATABASE_*_TIMEOUT_SECONDS`).
    public var database = DatabaseConfiguration()
    public var migrationsDirectory = "./migrations"
    /// `DATA_KEY_FILE`: the data key ring when `PAYMENT_DATA_KEY` is not set; reloaded while serving when it changes.
    public var dataKeyFile: String?
    public var publicDirectory = "./public"
    public var billing = BillingSettings()
    public var metricsToken: String?
    public var adminAPIKey: String?
    public var adminEmail: String?
    public var adminPassword: String?
    public var version = "0.1.0"
    /// The Asaas integration (`ASAAS_*`).
    public var asaas = AsaasSettings()
    /// Whether `start()` launches the background writers: the maintenance loop (API-key `last_used_at`
    /// flushes), the job scheduler and the webhook delivery loop. Only tests that compare database
    /// snapshots turn this off; `run()` still flushes `last_used_at` at shutdown.
    public var runsBackgroundTasks = true
    /// Resolves webhook hosts for the URL policy; getaddrinfo(3). Only tests replace it (DNS rebinding tests).
    public var webhookResolver: WebhookURLPolicy.Resolver = WebhookURLPolicy.systemResolver

    public init() {}

    /// The database these settings name, for logs: the SQLite path or the PostgreSQL URL with its password masked.
    public var databaseDescription: String {
        guard let databaseURL else { return databasePath }
        return (try? PostgresURL(databaseURL).redacted) ?? "DATABASE_URL (unparsable)"
    }

    /// Opens the configured database: PostgreSQL when `databaseURL` is set (no file is created), else
    /// the SQLite file at `databasePath` (its directory created). A PostgreSQL failure is reported as
    /// `DatabaseStartupError` naming `DATABASE_URL`, without the password.
    public func openDatabase() throws -> Database {
        if let databaseURL {
            do {
                return try Database(postgresURL: databaseURL, configuration: database)
            } catch {
                throw DatabaseStartupError(key: "DATABASE_URL", underlying: error)
            }
        }
        let directory = (databasePath as NSString).deletingLastPathComponent
        if !directory.isEmpty { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
        return try Database(path: databasePath, configuration: database)
    }
}

/// The configured database could not be opened at startup; names the setting to fix.
public struct DatabaseStartupError: Error, CustomStringConvertible {
    public let key: String
    public let underlying: any Error
    public var description: String { "\(key): \(underlying)" }
}

/// The wired server: database (migrated), services, action table, routes, HTTP server.
public final class Application: Sendable {
    public let services: AdminServices
    public let server: HTTPServer
    public let table: ActionTable
    /// The bootstrap key generated on an empty database (to be printed once), if any.
    public let bootstrap: Bootstrap.Outcome
    let logger: Logger
    let maintenance: MaintenanceLoop
    let runsBackgroundTasks: Bool

    public init(settings: ApplicationSettings, logger: Logger, clock: any WallClock = SystemClock()) throws {
        let database = try settings.openDatabase()
        let applied = try database.migrate(directory: settings.migrationsDirectory)
        for m in applied { logger.info("migration applied", ["version": String(m.version), "name": m.name]) }

        if settings.asaas.enabled, (settings.asaas.apiKey ?? "").isEmpty {
            logger.error("ASAAS_ENABLED=true but ASAAS_API_KEY is not set: gateway actions answer 503 gateway_disabled")
        }
        services = AdminServices(database: database, clock: clock, settings: settings.billing,
                                 gateway: AsaasGateway.make(settings.asaas, version: settings.version, logger: logger),
                                 webhookResolver: settings.webhookResolver)
        // Webhook events stored before a crash but never applied (SPEC §9).
        let repaired = try services.gatewayEvents.applyPending()
        if repaired > 0 { logger.info("applied stored gateway events left over from the last run", ["count": String(repaired)]) }
        // Job runs whose process died mid-way (no heartbeat for a minute) become visible as `interrupted`.
        let interrupted = try services.jobs.markInterruptedRuns()
        if interrupted > 0 { logger.warning("job runs of a stopped process marked interrupted", ["count": String(interrupted)]) }
        try WebhookSecretStartup.run(services.webhooks, logger: logger)
        bootstrap = try Bootstrap.run(apiKeys: services.apiKeys, users: services.users, adminAPIKey: settings.adminAPIKey,
                                      adminEmail: settings.adminEmail, adminPassword: settings.adminPassword)
        table = ActionTable.standard(services)
        self.logger = logger

        let admin = AdminResponder(table: table, services: services, logger: logger)
        var http = settings.http
        http.bodyLimitOverrides["/webhooks/asaas"] = 256 * 1024
        let metricsBox = MetricsBox()
        var router = HTTPRouter(fallback: StaticFileResponder(root: settings.publicDirectory))
        router.add("/admin-api", admin)
        router.add("/admin-api.php", admin)
        router.add(prefix: AdminResponder.pathPrefix, admin)
        router.add(AdminResponder.pathPrefix + "openapi.json", OpenAPIResponder(table: table, version: settings.version))
        router.add("/health", HealthResponder(database: database, version: settings.version))
        router.add("/metrics", MetricsResponder(services: services, metricsToken: settings.metricsToken,
                                                httpMetrics: { metricsBox.render() }))
        router.add("/webhooks/asaas", AsaasWebhookResponder(token: settings.asaas.webhookToken, events: services.gatewayEvents, logger: logger))
        server = HTTPServer(configuration: http, responder: router, logger: logger)
        metricsBox.set(server.metrics)
        // A ring read from the key file follows the file (a rotation); PAYMENT_DATA_KEY is fixed for the process.
        var reloader: DataKeyReloader?
        if settings.billing.paymentDataKey == nil, let path = settings.dataKeyFile {
            reloader = DataKeyReloader(file: DataKeyFile(path: path), keys: settings.billing.dataKeys, logger: logger)
        }
        maintenance = MaintenanceLoop(services: services, logger: logger, dataKeys: reloader)
        runsBackgroundTasks = settings.runsBackgroundTasks
    }

    /// Binds and starts serving; returns once listening.
    public func start() throws {
        try server.start()
        guard runsBackgroundTasks else { return }
        maintenance.start()
        services.jobScheduler.start()
        services.webhookLoop.start()
    }

    /// Serves until `shutdown()`, then flushes pending bookkeeping and closes the database.
    public func run() {
        server.run()
        maintenance.stop()
        services.jobScheduler.stop()
        services.webhookLoop.stop()
        services.endpointTests.stop()
        try? services.apiKeys.flushLastUsed()
        services.database.close()
    }

    /// Begins a graceful shutdown (thread-safe, idempotent).
    public func shutdown() { server.shutdown() }

    public var port: Int { server.port }
}

/// Lets the metrics route reach the server's counters, which exist only once the server does.
final class MetricsBox: Sendable {
    private let metrics = LockedValue<HTTPMetrics?>(nil)
    func set(_ m: HTTPMetrics) { metrics.set(m) }
    func render() -> String { metrics.get()?.renderPrometheus() ?? "" }
}

/// Periodic bookkeeping off the request path: flushing API-key `last_used_at`.
final class MaintenanceLoop: Sendable {
    let services: AdminServices
    let logger: Logger
    let dataKeys: DataKeyReloader?
    private let running = LockedValue(false)

    init(services: AdminServices, logger: Logger, dataKeys: DataKeyReloader? = nil) {
        self.services = services
        self.logger = logger
        self.dataKeys = dataKeys
    }

    func start() {
        running.set(true)
        let thread = Thread { [self] in
            var ticks = 0
            while running.get() {
                Thread.sleep(forTimeInterval: 0.5)
                ticks += 1
                if ticks % 4 == 0 { dataKeys?.check() }
                if ticks % 60 == 0 {
                    do { try services.apiKeys.flushLastUsed() } catch {
                        logger.warning("flushing api key last_used_at failed", ["error": String(describing: error)])
                    }
                }
            }
        }
        thread.name = "maintenance"
        thread.start()
    }

    func stop() { running.set(false) }
}
