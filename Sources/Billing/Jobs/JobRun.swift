import Foundation
import Support

/// The background jobs (SPEC §10). `check_quotas` sweeps the quotas (metering); `send_notifications` and
/// `deliver_webhooks` run through `NotificationDelivery`.
public enum JobName: String, Sendable, CaseIterable {
    case checkQuotas = "check_quotas"
    case generateInvoices = "generate_invoices"
    case markOverdue = "mark_overdue"
    case retryPayments = "retry_payments"
    case subscriptionNotices = "subscription_notices"
    case sendNotifications = "send_notifications", deliverWebhooks = "deliver_webhooks"
}

/// What started a run.
public enum JobTrigger: String, Sendable {
    case scheduler, cli, api
}

/// One recorded run of a job (`job_runs`).
public struct JobRun: Sendable, Equatable {
    public enum Outcome: String, Sendable {
        /// Started and not finished yet (its instance renews `heartbeatAt` while it runs).
        case running
        /// Its process stopped before it finished (no heartbeat for a minute); what it committed stays.
        case interrupted
        /// Everything it found was handled.
        case ok
        /// Some items failed; the rest were handled (see `message`).
        case partial
        /// The job could not run.
        case failed
        /// Nothing was attempted (switched off, or a dependency such as the gateway is not configured).
        case skipped
    }

    public let id: String
    public let job: String
    public let trigger: JobTrigger
    /// The instant the job ran "as of" (`--now`).
    public let asOf: Date
    public let dryRun: Bool
    public let startedAt: Date
    /// Nil while `running`.
    public let finishedAt: Date?
    public let outcome: Outcome
    public let message: String?
    /// Counters in the order the job reports them.
    public let counts: [(String, Int64)]
    /// The process that ran it (random per process start), and the last time it said it was alive.
    public var instanceId: String? = nil
    public var heartbeatAt: Date? = nil

    public static func == (a: JobRun, b: JobRun) -> Bool {
        a.id == b.id && a.outcome == b.outcome && a.counts.map(\.0) == b.counts.map(\.0) && a.counts.map(\.1) == b.counts.map(\.1)
    }

    public var countsJSON: JSON {
        var o = JSONObject()
        for (k, v) in counts { o[k] = .int(v) }
        return .object(o)
    }
}

/// The result of charging an invoice through a payment gateway.
public enum ChargeResult: Sendable, Equatable {
    case paid(externalPaymentId: String?)
    case failed(reason: String)
    /// The gateway accepted the charge and will confirm later (webhook).
    case pending(externalPaymentId: String?)
}

/// The gateway's charge path as `retry_payments` needs it; the Asaas issue provides the implementation.
public protocol InvoiceCharger: Sendable {
    func charge(_ invoice: Invoice) throws -> ChargeResult
}

/// Tuning of the jobs that has no configuration key yet.
public struct JobSettings: Sendable {
    /// `subscription_notices` warns this many days before a trial ends or a cancelled subscription expires.
    public var noticeDays = 7
    /// A `past_due` subscription whose exhausted invoice is this many days past due becomes `suspended`.
    public var suspendAfterDays = 14
    /// Upper bound of subscription periods one `generate_invoices` run handles (catch-up after downtime).
    public var maxPeriodsPerRun = 10_000

    public init() {}
}

/// Test hooks to simulate a crash between the steps of a job (never set in production).
public struct JobFaults: Sendable {
    /// Called inside the write transaction after the invoice is inserted and before the period rolls.
    public var afterInvoiceInsert: (@Sendable (_ subscriptionId: String) throws -> Void)?

    public init() {}
}
