/// Everything tunable about the HTTP server; the defaults are the production values.
public struct HTTPServerConfiguration: Sendable {
    public var host = "127.0.0.1"
    /// 0 = an ephemeral port (read it back from `HTTPServer.port`).
    public var port = 8080
    public var maxBodyBytes = 1 << 20
    /// Exact path → max body bytes (e.g. "/webhooks/asaas": 256 KiB).
    public var bodyLimitOverrides: [String: Int] = [:]
    /// Seconds from the first byte of a request to the end of its head (slowloris bound).
    public var headerReadTimeout: Double = 10
    /// Seconds from the end of the head to the end of the body.
    public var bodyReadTimeout: Double = 30
    /// Seconds a keep-alive connection may sit idle between requests.
    public var idleTimeout: Double = 60
    /// Worker threads running responders.
    public var workerCount = 64
    /// Complete requests that may wait for a worker before new ones get 503.
    public var maxQueuedRequests = 4096
    /// Seconds shutdown waits for in-flight requests before closing everything.
    public var shutdownGrace: Double = 10
    /// Peers whose `X-Forwarded-For` names the client (a reverse proxy in front); nobody by default.
    public var trustedProxies = TrustedProxies.none

    public init() {}

    var parserLimits: HTTPParserLimits {
        var limits = HTTPParserLimits()
        limits.maxBodyBytes = maxBodyBytes
        limits.bodyLimitOverrides = bodyLimitOverrides
        return limits
    }

    var timeouts: ConnectionTimeouts {
        ConnectionTimeouts(header: Self.nanoseconds(headerReadTimeout), body: Self.nanoseconds(bodyReadTimeout),
                           idle: Self.nanoseconds(idleTimeout))
    }

    static func nanoseconds(_ seconds: Double) -> UInt64 { UInt64(max(0, seconds) * 1e9) }
}
