/// The behaviour switches of the domain, read from configuration by the executable.
public struct BillingSettings: Sendable {
    /// Session lifetime for dashboard logins, in seconds.
    public var sessionLifetimeSeconds: Int = 12 * 3600
    /// Login attempts allowed per IP and per e-mail within `loginWindowSeconds`.
    public var loginAttemptsPerWindow: Int = 10
    public var loginWindowSeconds: Int = 60
    /// PBKDF2 iterations for new password hashes.
    public var passwordIterations: Int = 600_000
    /// Adds `Secure` to the session cookie (set when served over HTTPS).
    public var cookieSecure = false

    public init() {}
}
