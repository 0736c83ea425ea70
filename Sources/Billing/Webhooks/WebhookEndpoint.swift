import Foundation
import Support

/// A tenant's webhook target: URL, subscribed event types and the signing secret (shown once).
public struct WebhookEndpoint: Sendable, Equatable {
    public let id: String
    public let tenantId: String
    public let url: String
    public let description: String?
    public let eventTypes: [String]
    /// The secret as stored: `sealed:v2:…` under `PAYMENT_DATA_KEY`, or plaintext `whsec_…` without it
    /// (`WebhookSecretBox`). The plaintext is returned only by `create_webhook_endpoint`.
    let storedSecret: String
    public let createdAt: Date
    public let updatedAt: Date
}

/// One event for one endpoint, with its retry state.
public struct WebhookDelivery: Sendable, Equatable {
    public enum Status: String, Sendable, CaseIterable {
        case pending, succeeded, failed
    }

    public let id: String
    public let tenantId: String
    public let endpointId: String
    /// The `webhook-id` header, the same on every retry.
    public let messageId: String
    public let eventType: String
    public let notificationId: String?
    /// The exact body sent on every attempt.
    public let payload: String
    public var status: Status
    public var attempts: Int
    public var nextAttemptAt: Date?
    public var lastStatusCode: Int?
    public var lastError: String?
    public var deliveredAt: Date?
    public let createdAt: Date
    /// Every attempt, oldest first (filled by listings).
    public var attemptLog: [WebhookAttempt] = []
}

/// One HTTP attempt of a delivery.
public struct WebhookAttempt: Sendable, Equatable {
    public let attempt: Int
    public let attemptedAt: Date
    /// Nil when no HTTP response came back (refused, timeout, blocked URL).
    public let statusCode: Int?
    public let latencyMs: Int
    public let error: String?
}

/// Why an attempt failed, in the words `test_webhook_endpoint` answers with: a category, never libcurl's text or
/// the latency, which together told a tenant which internal hosts and ports exist (issue 18).
public enum WebhookFailure: String, Sendable, Equatable, CaseIterable {
    /// No TCP connection (refused, unreachable, the name does not resolve, an address outside the pin).
    case connectFailed = "connect_failed"
    /// No complete answer within the timeout.
    case timeout
    /// TLS handshake or certificate verification failed.
    case tls
    /// The endpoint answered, but not with a 2xx.
    case httpStatus = "http_status"
    /// The URL policy refused the target at delivery time (it points inside the network now).
    case urlRefused = "url_refused"
    /// The endpoint's stored secret cannot be unsealed with the configured `PAYMENT_DATA_KEY`: nothing was sent.
    case secretUnavailable = "secret_unavailable"
    /// Any other failed exchange (an oversized answer, a protocol error).
    case other
}

/// What `test_webhook_endpoint` reports.
public struct WebhookTestResult: Sendable, Equatable {
    public let delivery: WebhookDelivery
    public let success: Bool
    public let statusCode: Int?
    /// nil on success.
    public let failure: WebhookFailure?
}
