/// Where and how `AsaasClient` talks to Asaas (SPEC.md §9).
public struct AsaasConfiguration: Sendable {
    /// Base URL including `/v3`, without a trailing slash (e.g. `https://api-sandbox.asaas.com/v3`).
    public var baseURL: String
    /// The account's API key, sent as the `access_token` header; never logged.
    public var apiKey: String
    /// Sent as `User-Agent` (mandatory for accounts created after mid-2024, CONTRACT.md §1).
    public var userAgent: String
    /// Seconds allowed for an ordinary call.
    public var timeout: Double = 30
    /// Seconds allowed for calls that touch a card (tokenize, pay, card charges): Asaas asks for ≥ 60 s
    /// so a slow authorization is not retried into a double capture.
    public var cardTimeout: Double = 60
    /// Seconds allowed to connect.
    public var connectTimeout: Double = 10
    /// Extra attempts for safe calls (GET/DELETE) after 429/5xx or a failed connect.
    public var maxRetries = 3
    /// First backoff delay in seconds; doubles per attempt (with jitter) unless the server says otherwise.
    public var retryBaseDelay: Double = 0.5
    /// Upper bound for any single backoff delay, including one asked for by `Retry-After`/`RateLimit-Reset`.
    public var maxRetryDelay: Double = 10

    public init(baseURL: String, apiKey: String, userAgent: String) {
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        self.baseURL = base
        self.apiKey = apiKey
        self.userAgent = userAgent
    }

    public static let sandboxBaseURL = "https://api-sandbox.asaas.com/v3"
    public static let productionBaseURL = "https://api.asaas.com/v3"

    /// `override` (ASAAS_BASE_URL) when set and non-empty, else production or sandbox.
    public static func baseURL(production: Bool, override: String?) -> String {
        if let override, !override.isEmpty { return override }
        return production ? productionBaseURL : sandboxBaseURL
    }
}

/// Why an Asaas call failed. Descriptions come from Asaas (PT-BR) or from us; none carry secrets.
public enum AsaasError: Error, Sendable, Equatable {
    /// Asaas answered with an error status: the first entry of its `errors` array, or for a body that
    /// is not one, `code` = `http_<status>` and a short description.
    case gateway(status: Int, code: String, description: String)
    /// No answer within the configured timeout (the call may still have taken effect on Asaas's side).
    case timeout
    /// Could not reach Asaas (DNS, connect, TLS, bad base URL).
    case unreachable(String)
    /// Asaas answered 2xx with something we cannot read.
    case invalidResponse(String)
}
