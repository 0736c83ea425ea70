/// The behaviour switches of the domain, read from configuration by the executable.
public struct BillingSettings: Sendable {
    /// Session lifetime for dashboard logins, in seconds.
    public var sessionLifetimeSeconds: Int = 12 * 3600
    /// Login attempts allowed per client address within `loginWindowSeconds`, and the failures an (e-mail, client
    /// address) pair may make before it has to wait (2 s, doubling up to 15 min; `LoginBackoff`).
    public var loginAttemptsPerWindow: Int = 10
    public var loginWindowSeconds: Int = 60
    /// PDF renders (`render_invoice` with `format=pdf`) per principal per minute (`PDF_RENDERS_PER_MINUTE`).
    public var pdfRendersPerMinute: Int = 30
    /// PBKDF2 iterations for new password hashes.
    public var passwordIterations: Int = 600_000
    /// Adds `Secure` to the session cookie (set when served over HTTPS).
    public var cookieSecure = false

    /// Calendar of usage periods and quotas (`BILLING_TIMEZONE`).
    public var calendar = BillingCalendar()
    /// `USAGE_TRACKING_ENABLED`: false → ingestion answers 503 `usage_tracking_disabled`.
    public var usageTrackingEnabled = true
    /// `QUOTA_ENFORCEMENT_ENABLED`: hard quotas block events even without `enforce: true`.
    public var quotaEnforcementEnabled = true
    /// `QUOTA_WARNING_THRESHOLD`: percentage used for quotas without their own threshold.
    public var quotaWarningThreshold = 80
    /// `USAGE_LATE_WINDOW`: seconds an event's `occurred_at` may lie in the past.
    public var usageLateWindowSeconds = 3600
    /// How far in the future `occurred_at` may lie (clock skew allowance).
    public var usageFutureToleranceSeconds = 300
    /// `AUTO_INVOICE_GENERATION`, `AUTO_PAYMENT_RETRY`, `PAYMENT_RETRY_ATTEMPTS`.
    public var autoInvoiceGeneration = false
    public var autoPaymentRetry = true
    public var paymentRetryAttempts = 3
    /// The current data key (`PAYMENT_DATA_KEY` or the key file's `current`, base64 of 32 bytes) sealing payment
    /// tokens and webhook secrets; nil → card methods refused, webhook secrets in plaintext.
    public var paymentDataKey: String? { didSet { rebuildDataKeys() } }
    /// Older keys of a rotation under way: they only open (`rotate-data-key`).
    public var previousDataKeys: [String] = [] { didSet { rebuildDataKeys() } }
    /// The ring every sealing box of this configuration shares (replaced when the key file changes).
    public private(set) var dataKeys = DataKeys(.empty)
    /// Why the configured key cannot be used (not base64 of 32 bytes), if so.
    public private(set) var dataKeyProblem: String?
    /// `BILLING_NOTIFICATIONS_ENABLED`.
    public var notificationsEnabled = true
    /// SMTP, admin copy, attempts and webhook delivery (`SMTP_URL`, `SMTP_FROM`, `BILLING_ADMIN_EMAIL`, ...).
    public var notifications = NotificationSettings()

    public init() {}

    /// Uses a ring read from the key file (instead of `PAYMENT_DATA_KEY`).
    public mutating func useDataKeys(_ ring: DataKeyRing) {
        dataKeys = DataKeys(ring)
        dataKeyProblem = nil
    }

    private mutating func rebuildDataKeys() {
        do {
            dataKeys = DataKeys(try DataKeyRing(current: paymentDataKey, previous: previousDataKeys))
            dataKeyProblem = nil
        } catch {
            dataKeys = DataKeys(.empty)
            dataKeyProblem = "PAYMENT_DATA_KEY is not base64 of 32 bytes"
        }
    }
}
