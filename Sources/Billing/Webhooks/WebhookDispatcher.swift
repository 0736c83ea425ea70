import Foundation
import Storage
import Support

/// Posts one webhook; any HTTP status is an answer, only a failed exchange throws.
/// Implemented on libcurl (`Outbound`) by the admin layer.
public protocol WebhookTransport: Sendable {
    /// Must connect only to `target.addresses` when there are any (the addresses the URL policy checked),
    /// never to what a new resolution of `target.host` might answer.
    func post(_ target: WebhookURLPolicy.Target, headers: [(String, String)], body: [UInt8], timeout: Double) throws -> Int
}

/// How a `WebhookTransport` reports a failed exchange: the category only. The messages stored in the delivery
/// log are ours, so libcurl's text (addresses, ports, timings) never reaches a tenant.
public enum WebhookTransportError: Error, Sendable, Equatable {
    case connectFailed
    case timeout
    case tls
    /// `reason` is ours and carries no peer detail (e.g. "the answer exceeded 65536 bytes").
    case other(reason: String)
}

/// What one dispatch pass did.
public struct WebhookDispatchReport: Sendable, Equatable {
    public var attempted = 0
    public var succeeded = 0
    public var retrying = 0
    public var failed = 0

    public init() {}
}

/// Delivers queued webhook events per the Standard Webhooks scheme, at least once.
///
/// Each delivery keeps its `webhook-id` and body across retries; every attempt is signed anew with its
/// own `webhook-timestamp` and logged (status code, latency). A non-2xx answer or a failed exchange is
/// retried with exponential backoff until `webhookRetryWindowSeconds` after the event, then `failed`.
public struct WebhookDispatcher: Sendable {
    let database: Database
    let clock: any WallClock
    let settings: NotificationSettings
    let transport: (any WebhookTransport)?
    /// Seals new endpoint secrets and unseals stored ones for signing.
    let secrets: WebhookSecretBox
    /// Resolves endpoint hosts for the URL policy, once per check (getaddrinfo in production).
    let resolver: WebhookURLPolicy.Resolver

    public init(database: Database, clock: any WallClock, settings: NotificationSettings, transport: (any WebhookTransport)?,
                secrets: WebhookSecretBox, resolver: @escaping WebhookURLPolicy.Resolver = WebhookURLPolicy.systemResolver) {
        self.database = database
        self.clock = clock
        self.settings = settings
        self.transport = transport
        self.secrets = secrets
        self.resolver = resolver
    }

    /// Sends every due delivery, `batch` per claim, until none is due as of `now`.
    public func dispatchDue(now: Date? = nil, batch: Int = 20) throws -> WebhookDispatchReport {
        var report = WebhookDispatchReport()
        guard transport != nil else { return report }
        var rounds = 0
        while rounds < 1000 {
            rounds += 1
            let at = now ?? clock.now()
            let lease = at.addingTimeInterval(settings.webhookTimeoutSeconds + 60)
            let jobs = try database.write { conn in try WebhookStore.claimDue(conn, now: at, leaseUntil: lease, limit: batch) }
            if jobs.isEmpty { break }
            for job in jobs {
                let outcome = try attempt(job, retries: true)
                report.attempted += 1
                switch outcome.status {
                case .succeeded: report.succeeded += 1
                case .failed: report.failed += 1
                case .pending: report.retrying += 1
                }
            }
            if jobs.count < batch { break }
        }
        return report
    }

    /// The longest a `webhook.test` attempt waits (connect included), whatever `WEBHOOK_TIMEOUT_SECONDS` says:
    /// someone is waiting for the answer, and a thread of the endpoint-test pool is held meanwhile.
    public static let testTimeoutSeconds: Double = 5

    /// Sends a `webhook.test` event to `endpoint` now, once, and records it as a delivery.
    func sendTest(_ endpoint: WebhookEndpoint) throws -> WebhookTestResult {
        let now = clock.now()
        let data: JSON = ["endpoint_id": .string(endpoint.id), "tenant_id": .string(endpoint.tenantId),
                          "message": "This is a test event from billing-server."]
        let delivery = try database.write { conn -> WebhookDelivery in
            var d = try WebhookStore.insertDelivery(conn, tenantId: endpoint.tenantId, endpointId: endpoint.id, eventType: WebhookEventType.test,
                                                    notificationId: nil, data: data, at: now)
            try conn.run("UPDATE webhook_deliveries SET attempts = 1, next_attempt_at = NULL WHERE id = ?", [.text(d.id)])
            d.attempts = 1
            return d
        }
        let outcome = try attempt(WebhookStore.Job(delivery: delivery, url: endpoint.url, storedSecret: endpoint.storedSecret), retries: false,
                                  timeout: min(settings.webhookTimeoutSeconds, Self.testTimeoutSeconds))
        let stored = try database.read { try WebhookStore.findDelivery($0, id: delivery.id) } ?? delivery
        return WebhookTestResult(delivery: stored, success: outcome.status == .succeeded, statusCode: outcome.code,
                                 failure: outcome.failure)
    }

    /// `2` for 2.0, `0.5` for 0.5.
    static func seconds(_ t: Double) -> String { t == t.rounded() ? String(Int(t)) : String(t) }

    /// The headers of one attempt: `webhook-id`, `webhook-timestamp`, `webhook-signature`.
    public static func headers(messageId: String, timestamp: Int, secret: String, body: [UInt8]) -> [(String, String)] {
        [("Content-Type", "application/json"), ("webhook-id", messageId), ("webhook-timestamp", String(timestamp)),
         ("webhook-signature", WebhookSignature.sign(secret: secret, id: messageId, timestamp: timestamp, body: body))]
    }

    struct Outcome: Sendable {
        let status: WebhookDelivery.Status
        let code: Int?
        let latencyMs: Int
        let error: String?
        let failure: WebhookFailure?
    }

    /// One signed POST of a claimed delivery, logged; decides the delivery's next state.
    func attempt(_ job: WebhookStore.Job, retries: Bool, timeout: Double? = nil) throws -> Outcome {
        let timeout = timeout ?? settings.webhookTimeoutSeconds
        let d = job.delivery
        let body = Array(d.payload.utf8)
        let sentAt = clock.now()
        let timestamp = Int(sentAt.timeIntervalSince1970.rounded(.down))
        var code: Int?
        var error: String?
        var failure: WebhookFailure?
        let started = monotonicNanoseconds()
        do {
            guard let transport else { throw BillingError.unavailable(code: "webhooks_disabled", message: "no webhook transport") }
            let secret = try secrets.signingSecret(stored: job.storedSecret, endpointId: d.endpointId)
            // Checked again (the name may point elsewhere by now), resolved once: the transport connects only
            // to the addresses this check saw, never to a second answer of the resolver (DNS rebinding).
            let target = try WebhookURLPolicy.target(job.url, allowPrivate: settings.webhookAllowPrivate, resolver: resolver)
            code = try transport.post(target, headers: Self.headers(messageId: d.messageId, timestamp: timestamp, secret: secret, body: body),
                                      body: body, timeout: timeout)
            if let c = code, !(200...299).contains(c) {
                error = "endpoint answered HTTP \(c)"
                failure = .httpStatus
            }
        } catch let e as WebhookTransportError {
            switch e {
            case .connectFailed: (failure, error) = (.connectFailed, "could not connect to the endpoint")
            case .timeout: (failure, error) = (.timeout, "no answer within \(Self.seconds(timeout)) s")
            case .tls: (failure, error) = (.tls, "TLS handshake or certificate verification failed")
            case .other(let reason): (failure, error) = (.other, String(reason.prefix(200)))
            }
        } catch let e as WebhookSecretError {
            (failure, error) = (.secretUnavailable, e.description)
        } catch let e as BillingError {
            if case .validation(_, let reason) = e { (failure, error) = (.urlRefused, "url \(reason)") } else { (failure, error) = (.other, String(describing: e)) }
        } catch _ {
            (failure, error) = (.other, "the exchange failed")  // never a foreign error's text: it may carry peer detail
        }
        let latency = Int((monotonicNanoseconds() - started) / 1_000_000)
        let finished = clock.now()
        var next = WebhookDelivery.Status.succeeded
        var retryAt: Date?
        if error != nil {
            next = .failed
            if retries {
                let deadline = d.createdAt.addingTimeInterval(settings.webhookRetryWindowSeconds)
                let wanted = finished.addingTimeInterval(NotificationSettings.backoff(
                    attempt: d.attempts, base: settings.webhookRetryBaseSeconds, cap: settings.webhookMaxRetryDelaySeconds))
                if finished < deadline {
                    next = .pending
                    retryAt = min(wanted, deadline)  // one last attempt at the end of the window
                }
            }
        }
        let outcome = Outcome(status: next, code: code, latencyMs: latency, error: error, failure: failure)
        let retry = retryAt
        try database.write { conn in
            try WebhookStore.recordAttempt(conn, d, at: sentAt, statusCode: outcome.code, latencyMs: latency, error: outcome.error,
                                           next: outcome.status, retryAt: retry)
        }
        return outcome
    }
}
