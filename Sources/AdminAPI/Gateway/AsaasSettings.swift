/// The Asaas integration as configured (`ASAAS_*`, see .env.example); the executable fills it in.
public struct AsaasSettings: Sendable {
    /// `ASAAS_ENABLED`: false → gateway actions answer 503 `gateway_disabled` and `retry_payments` skips charging.
    public var enabled = false
    /// `ASAAS_PRODUCTION`: production instead of sandbox base URL (unless `baseURL` is set).
    public var production = false
    /// `ASAAS_BASE_URL`: overrides the base URL (e.g. the local `asaas-fake`).
    public var baseURL: String?
    /// `ASAAS_API_KEY`, sent only as the `access_token` header; never logged.
    public var apiKey: String?
    /// `ASAAS_WEBHOOK_TOKEN`: what deliveries must carry in `asaas-access-token`; unset → the webhook endpoint answers 503.
    public var webhookToken: String?
    /// Seconds for ordinary calls and for card calls (Asaas asks for ≥ 60 s on card charges).
    public var timeout: Double = 30
    public var cardTimeout: Double = 60
    /// Backoff of retried safe calls (GET/DELETE), in seconds.
    public var retryBaseDelay: Double = 0.5
    public var maxRetryDelay: Double = 10

    public init() {}

    /// The base URL calls go to.
    public var resolvedBaseURL: String {
        if let baseURL, !baseURL.isEmpty { return baseURL }
        return production ? "https://api.asaas.com/v3" : "https://api-sandbox.asaas.com/v3"
    }
}
