import AdminAPI
import Billing
import Foundation
import HTTP
import Storage
import Support

/// Every configuration key the server reads, validated into typed settings (see .env.example).
struct Configuration {
    var application = ApplicationSettings()
    /// Where the data keys came from (set by `DataKeySetup` after reading the environment).
    var dataKeys = DataKeySetup.Outcome.none
    var logLevel = LogLevel.info

    // Metering and billing switches, validated here and copied into `application.billing` below.
    var asaasEnabled = false
    var usageTrackingEnabled = true
    var quotaEnforcementEnabled = true
    var quotaWarningThreshold = 80
    var usageLateWindowSeconds = 3600
    var billingTimeZone = "UTC"
    var notificationsEnabled = true
    var autoInvoiceGeneration = false
    var autoPaymentRetry = true
    var paymentRetryAttempts = 3
    var webhookAllowPrivate = false

    init(environment env: Environment) throws {
        var app = ApplicationSettings()
        app.http.host = env.string("HOST", default: "127.0.0.1")
        app.http.port = try env.int("PORT", default: 8080, in: 0...65535)
        app.http.maxBodyBytes = try env.int("MAX_BODY_BYTES", default: 1 << 20, in: 1024...(64 << 20))
        app.http.workerCount = try env.int("WORKER_THREADS", default: 64, in: 1...1024)
        app.http.headerReadTimeout = try env.double("HEADER_TIMEOUT_SECONDS", default: 10, in: 0.1...3600)
        app.http.bodyReadTimeout = try env.double("BODY_TIMEOUT_SECONDS", default: 30, in: 0.1...3600)
        app.http.idleTimeout = try env.double("IDLE_TIMEOUT_SECONDS", default: 60, in: 0.1...86400)
        app.http.shutdownGrace = try env.double("SHUTDOWN_GRACE_SECONDS", default: 10, in: 0...600)
        if let proxies = env.string("TRUSTED_PROXIES") {
            switch TrustedProxies.parse(proxies) {
            case .success(let parsed): app.http.trustedProxies = parsed
            case .failure(let e): throw ConfigurationError(key: "TRUSTED_PROXIES", reason: "\(e); use a comma-separated list such as 127.0.0.1, 10.0.0.0/8")
            }
        }
        app.databasePath = env.string("DATABASE_PATH", default: "./data/billing.sqlite")
        if let url = env.string("DATABASE_URL") {
            do {
                _ = try PostgresURL(url)
            } catch let e as PostgresURLError {
                throw ConfigurationError(key: "DATABASE_URL", reason: "is not a valid PostgreSQL URL: \(e.reason) (expected postgres://user:password@host:5432/database)")
            }
            app.databaseURL = url
        }
        app.database.readerCount = try env.int("DATABASE_READERS", default: 4, in: 1...64)
        app.database.writerCount = try env.int("DATABASE_WRITERS", default: 4, in: 1...64)
        app.database.connectTimeoutSeconds = try env.int("DATABASE_CONNECT_TIMEOUT_SECONDS", default: 5, in: 2...300)
        app.database.statementTimeoutMilliseconds = try env.int("DATABASE_STATEMENT_TIMEOUT_SECONDS", default: 30, in: 0...86400) * 1000
        app.migrationsDirectory = env.string("MIGRATIONS_DIR") ?? Self.bundledDirectory("migrations")
        app.publicDirectory = env.string("PUBLIC_DIR") ?? Self.bundledDirectory("public")
        app.metricsToken = env.string("METRICS_TOKEN")
        app.adminAPIKey = env.string("ADMIN_API_KEY")
        app.adminEmail = env.string("ADMIN_EMAIL")
        app.adminPassword = env.string("ADMIN_PASSWORD")
        if (app.adminEmail == nil) != (app.adminPassword == nil) {
            throw ConfigurationError(key: app.adminEmail == nil ? "ADMIN_EMAIL" : "ADMIN_PASSWORD",
                                     reason: "must be set together with \(app.adminEmail == nil ? "ADMIN_PASSWORD" : "ADMIN_EMAIL")")
        }
        if let key = app.adminAPIKey, key.count < 32 {
            throw ConfigurationError(key: "ADMIN_API_KEY", reason: "must be at least 32 characters")
        }
        app.billing.cookieSecure = try env.bool("COOKIE_SECURE", default: false)
        app.billing.sessionLifetimeSeconds = try env.int("SESSION_LIFETIME_SECONDS", default: 12 * 3600, in: 60...(90 * 86400))
        app.billing.loginAttemptsPerWindow = try env.int("LOGIN_RATE_LIMIT_PER_MINUTE", default: 10, in: 1...10_000)
        app.billing.pdfRendersPerMinute = try env.int("PDF_RENDERS_PER_MINUTE", default: 30, in: 1...100_000)
        app.billing.passwordIterations = try env.int("PASSWORD_PBKDF2_ITERATIONS", default: 600_000, in: 600_000...10_000_000)
        app.version = BillingServerVersion.current
        application = app

        let levelName = env.string("LOG_LEVEL", default: "info")
        guard let level = LogLevel(name: levelName) else {
            throw ConfigurationError(key: "LOG_LEVEL", reason: "must be one of debug, info, warning, error, got '\(levelName)'")
        }
        logLevel = level

        asaasEnabled = try env.bool("ASAAS_ENABLED", default: false)
        application.asaas.enabled = asaasEnabled
        application.asaas.production = try env.bool("ASAAS_PRODUCTION", default: false)
        application.asaas.apiKey = env.string("ASAAS_API_KEY")
        application.asaas.webhookToken = env.string("ASAAS_WEBHOOK_TOKEN")
        if let base = env.string("ASAAS_BASE_URL") {
            guard base.hasPrefix("https://") || base.hasPrefix("http://") else {
                throw ConfigurationError(key: "ASAAS_BASE_URL", reason: "must be an http(s) URL such as https://api-sandbox.asaas.com/v3")
            }
            application.asaas.baseURL = base
        }
        if asaasEnabled, application.asaas.apiKey == nil {
            throw ConfigurationError(key: "ASAAS_API_KEY", reason: "is required when ASAAS_ENABLED=true")
        }
        if let token = application.asaas.webhookToken, token.count < 16 {
            throw ConfigurationError(key: "ASAAS_WEBHOOK_TOKEN", reason: "must be at least 16 characters (Asaas accepts 32 to 255)")
        }
        application.asaas.timeout = try env.double("ASAAS_TIMEOUT_SECONDS", default: 30, in: 1...300)
        application.asaas.cardTimeout = try env.double("ASAAS_CARD_TIMEOUT_SECONDS", default: 60, in: 1...300)
        usageTrackingEnabled = try env.bool("USAGE_TRACKING_ENABLED", default: true)
        quotaEnforcementEnabled = try env.bool("QUOTA_ENFORCEMENT_ENABLED", default: true)
        quotaWarningThreshold = try env.int("QUOTA_WARNING_THRESHOLD", default: 80, in: 1...100)
        usageLateWindowSeconds = try env.int("USAGE_LATE_WINDOW", default: 3600, in: 0...(31 * 86400))
        billingTimeZone = env.string("BILLING_TIMEZONE", default: "UTC")
        guard TimeZone(identifier: billingTimeZone) != nil else {
            throw ConfigurationError(key: "BILLING_TIMEZONE", reason: "must be an IANA time zone such as UTC or America/Sao_Paulo, got '\(billingTimeZone)'")
        }
        notificationsEnabled = try env.bool("BILLING_NOTIFICATIONS_ENABLED", default: true)
        autoInvoiceGeneration = try env.bool("AUTO_INVOICE_GENERATION", default: false)
        autoPaymentRetry = try env.bool("AUTO_PAYMENT_RETRY", default: true)
        paymentRetryAttempts = try env.int("PAYMENT_RETRY_ATTEMPTS", default: 3, in: 0...20)
        webhookAllowPrivate = try env.bool("WEBHOOK_ALLOW_PRIVATE", default: false)
        if let key = env.string("PAYMENT_DATA_KEY") {
            guard let data = Data(base64Encoded: key), data.count == 32 else {
                throw ConfigurationError(key: "PAYMENT_DATA_KEY", reason: "must be 32 bytes encoded in base64 (openssl rand -base64 32)")
            }
            application.billing.paymentDataKey = key
        }
        if let previous = env.string("PAYMENT_DATA_KEY_PREVIOUS") {
            let keys = previous.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            guard keys.allSatisfy({ Data(base64Encoded: $0)?.count == 32 }) else {
                throw ConfigurationError(key: "PAYMENT_DATA_KEY_PREVIOUS", reason: "must be a comma-separated list of 32-byte keys in base64")
            }
            guard env.string("PAYMENT_DATA_KEY") != nil else {
                throw ConfigurationError(key: "PAYMENT_DATA_KEY_PREVIOUS", reason: "needs PAYMENT_DATA_KEY (the new key) beside it")
            }
            application.billing.previousDataKeys = keys
        }
        // The key file: explicit, or beside the SQLite database (a PostgreSQL deployment names its own, shared file).
        application.dataKeyFile = env.string("DATA_KEY_FILE") ?? (application.databaseURL == nil ? DataKeyFile.besideDatabase(application.databasePath) : nil)
        application.billing.calendar = BillingCalendar(timeZone: TimeZone(identifier: billingTimeZone)!)
        application.billing.usageTrackingEnabled = usageTrackingEnabled
        application.billing.quotaEnforcementEnabled = quotaEnforcementEnabled
        application.billing.quotaWarningThreshold = quotaWarningThreshold
        application.billing.usageLateWindowSeconds = usageLateWindowSeconds
        application.billing.autoInvoiceGeneration = autoInvoiceGeneration
        application.billing.autoPaymentRetry = autoPaymentRetry
        application.billing.paymentRetryAttempts = paymentRetryAttempts
        application.billing.notificationsEnabled = notificationsEnabled
        application.billing.notifications = try NotificationConfiguration.read(env, allowPrivate: webhookAllowPrivate)
    }
}

/// The version printed by `--version` and reported by `/health`.
enum BillingServerVersion {
    static let current = "0.1.0"
}

extension Configuration {
    /// `./name` when it exists (running from the repository), else the copy next to the build
    /// products (walking up from `.build/<triple>/<config>/billing-server` to the repository root), so the server starts
    /// from any working directory.
    static func bundledDirectory(_ name: String) -> String {
        let local = "./" + name
        if FileManager.default.fileExists(atPath: local) { return local }
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<5 {
            let candidate = directory.appendingPathComponent(name).path
            if FileManager.default.fileExists(atPath: candidate) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        return local
    }
}
