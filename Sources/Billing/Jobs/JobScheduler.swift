import Foundation
import Support

/// The in-process scheduler: once a minute runs `check_quotas`, `mark_overdue` and `subscription_notices`, plus
/// `generate_invoices` when `AUTO_INVOICE_GENERATION`, `retry_payments` when `AUTO_PAYMENT_RETRY` and
/// `send_notifications` when `BILLING_NOTIFICATIONS_ENABLED` (webhooks have their own `WebhookDeliveryLoop`).
///
/// Runs on its own thread (jobs block on the database). The first round starts one interval after
/// `start()`. Jobs are idempotent, so a second process or a CLI run at the same time is harmless.
public final class JobScheduler: Sendable {
    let runner: JobRunner
    let settings: BillingSettings
    let intervalSeconds: Double
    let logger: Logger?
    private let running = LockedValue(false)

    public init(runner: JobRunner, settings: BillingSettings, intervalSeconds: Double = 60, logger: Logger? = nil) {
        self.runner = runner
        self.settings = settings
        self.intervalSeconds = intervalSeconds
        self.logger = logger
    }

    /// The jobs one round runs, given the switches.
    public var jobs: [JobName] {
        var jobs: [JobName] = [.checkQuotas]
        if settings.autoInvoiceGeneration { jobs.append(.generateInvoices) }
        jobs.append(.markOverdue)
        if settings.autoPaymentRetry { jobs.append(.retryPayments) }
        jobs.append(.subscriptionNotices)
        if settings.notificationsEnabled { jobs.append(.sendNotifications) }
        return jobs
    }

    public func start() {
        guard !running.get() else { return }
        running.set(true)
        let thread = Thread { [self] in
            var waited = 0.0
            while running.get() {
                Thread.sleep(forTimeInterval: 0.25)
                waited += 0.25
                guard waited >= intervalSeconds, running.get() else { continue }
                waited = 0
                runRound()
            }
        }
        thread.name = "job-scheduler"
        thread.start()
    }

    /// One round of every enabled job; failures are logged and recorded, never fatal.
    public func runRound() {
        for job in jobs where running.get() {
            do {
                let run = try runner.run(job, trigger: .scheduler)
                if run.outcome == .failed || run.outcome == .partial {
                    logger?.warning("job finished with problems", ["job": job.rawValue, "outcome": run.outcome.rawValue, "message": run.message ?? ""])
                }
            } catch {
                logger?.warning("job could not be recorded", ["job": job.rawValue, "error": String(describing: error)])
            }
        }
    }

    public func stop() { running.set(false) }
}
