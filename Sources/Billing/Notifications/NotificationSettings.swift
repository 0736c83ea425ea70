/// How notifications leave the server: e-mail (SMTP) and outbound webhooks (SPEC §8).
///
/// Read from `SMTP_URL`, `SMTP_FROM`, `BILLING_ADMIN_EMAIL`, `NOTIFICATION_MAX_ATTEMPTS` and
/// `WEBHOOK_ALLOW_PRIVATE`; `BILLING_NOTIFICATIONS_ENABLED` lives on `BillingSettings`.
public struct NotificationSettings: Sendable {
    /// `smtp://` or `smtps://` URL with optional `user:password@`; nil → no e-mail.
    public var smtpURL: String?
    /// The `From` of every e-mail; required with `smtpURL`.
    public var smtpFrom: String?
    /// `BILLING_ADMIN_EMAIL`: copied on urgent notifications.
    public var adminEmail: String?
    /// `NOTIFICATION_MAX_ATTEMPTS`: e-mail attempts before a notification becomes `failed`.
    public var maxAttempts = 5
    /// First e-mail retry delay in seconds; doubles per attempt up to `emailMaxRetryDelaySeconds`.
    public var emailRetryBaseSeconds = 60.0
    public var emailMaxRetryDelaySeconds = 3600.0
    /// A claimed notification is left alone by other senders for this long (longer than an SMTP session).
    public var emailClaimSeconds = 300.0

    /// `WEBHOOK_ALLOW_PRIVATE`: accept loopback, private and link-local webhook targets (tests, local setups).
    public var webhookAllowPrivate = false
    /// Deliveries are retried for this long after the event (24 h), then marked `failed`.
    public var webhookRetryWindowSeconds = 86400.0
    /// First webhook retry delay; doubles per attempt up to `webhookMaxRetryDelaySeconds`.
    public var webhookRetryBaseSeconds = 30.0
    public var webhookMaxRetryDelaySeconds = 6 * 3600.0
    /// Seconds one webhook POST may take.
    public var webhookTimeoutSeconds = 10.0
    /// How often the background dispatcher looks for due webhook deliveries; 0 disables the loop.
    public var webhookPollSeconds = 1.0

    public init() {}

    /// True when e-mail can be sent (URL and sender address configured).
    public var emailConfigured: Bool { smtpURL != nil && smtpFrom != nil }

    /// Exponential backoff: `base · 2^(attempt−1)`, capped.
    static func backoff(attempt: Int, base: Double, cap: Double) -> Double {
        min(cap, base * Double(1 << min(max(attempt - 1, 0), 30)))
    }
}
