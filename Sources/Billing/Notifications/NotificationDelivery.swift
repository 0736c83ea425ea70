import Foundation
import Support

/// The two ways notifications leave the server, as the jobs and the background loop use them.
public struct NotificationDelivery: Sendable {
    public let email: NotificationSender
    public let webhooks: WebhookDispatcher

    public init(email: NotificationSender, webhooks: WebhookDispatcher) {
        self.email = email
        self.webhooks = webhooks
    }

    /// The `send_notifications` job.
    func sendNotificationsJob(_ now: Date, dryRun: Bool) throws -> JobRunner.Result {
        if let reason = email.disabledReason { return (.skipped, reason, [("sent", 0)]) }
        if dryRun { return (.ok, "dry run: nothing was sent", []) }
        let r = try email.run(now: now)
        return (.ok, nil, [("claimed", Int64(r.claimed)), ("sent", Int64(r.sent)), ("retrying", Int64(r.retrying)), ("failed", Int64(r.failed))])
    }

    /// The `deliver_webhooks` job (the background loop does the same every `webhookPollSeconds`).
    func deliverWebhooksJob(_ now: Date, dryRun: Bool) throws -> JobRunner.Result {
        if webhooks.transport == nil { return (.skipped, "no webhook transport configured", []) }
        if dryRun { return (.ok, "dry run: nothing was sent", []) }
        let r = try webhooks.dispatchDue(now: now)
        return (.ok, nil, [("attempted", Int64(r.attempted)), ("succeeded", Int64(r.succeeded)), ("retrying", Int64(r.retrying)),
                           ("failed", Int64(r.failed))])
    }
}

/// Runs the webhook dispatcher every `webhookPollSeconds` on its own thread (deliveries block on HTTP).
public final class WebhookDeliveryLoop: Sendable {
    let dispatcher: WebhookDispatcher
    let interval: Double
    let logger: Logger?
    private let running = LockedValue(false)

    public init(dispatcher: WebhookDispatcher, interval: Double, logger: Logger? = nil) {
        self.dispatcher = dispatcher
        self.interval = interval
        self.logger = logger
    }

    public func start() {
        guard interval > 0, dispatcher.transport != nil, !running.get() else { return }
        running.set(true)
        let thread = Thread { [self] in
            while running.get() {
                do { _ = try dispatcher.dispatchDue() } catch {
                    logger?.warning("webhook dispatch failed", ["error": String(describing: error)])
                }
                var waited = 0.0
                while waited < interval, running.get() {
                    Thread.sleep(forTimeInterval: min(0.1, interval))
                    waited += min(0.1, interval)
                }
            }
        }
        thread.name = "webhook-delivery"
        thread.start()
    }

    public func stop() { running.set(false) }
}
