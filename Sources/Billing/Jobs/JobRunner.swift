import Foundation
import Storage
import Support

/// Runs the billing jobs (scheduler, `billing-server jobs run`, `run_job`) and records each run in `job_runs`.
///
/// Every job is idempotent and safe to run concurrently with itself: each item is handled in its own
/// write transaction that re-checks the item's state first.
public struct JobRunner: Sendable {
    let database: Database
    let clock: any WallClock
    let settings: BillingSettings
    let jobSettings: JobSettings
    let charger: (any InvoiceCharger)?
    let faults: JobFaults
    let delivery: NotificationDelivery?

    public init(database: Database, clock: any WallClock, settings: BillingSettings, jobSettings: JobSettings = JobSettings(),
                charger: (any InvoiceCharger)? = nil, faults: JobFaults = JobFaults(), delivery: NotificationDelivery? = nil) {
        self.database = database
        self.clock = clock
        self.settings = settings
        self.jobSettings = jobSettings
        self.charger = charger
        self.faults = faults
        self.delivery = delivery
    }

    /// Runs `job` as of `now` (default: the clock) and records the run; a job's own failure is recorded as `failed`, not thrown.
    @discardableResult
    public func run(_ job: JobName, now: Date? = nil, dryRun: Bool = false, trigger: JobTrigger) throws -> JobRun {
        let started = clock.now()
        let asOf = now ?? started
        let id = UUIDv7.make(at: started)
        let instance = Self.instanceId
        try database.write { conn in
            try JobRunStore.markInterrupted(conn, now: started, staleAfter: Self.staleAfter)
            try JobRunStore.insertRunning(conn, id: id, job: job.rawValue, trigger: trigger, asOf: asOf, dryRun: dryRun,
                                          startedAt: started, instanceId: instance)
        }
        let heartbeat = JobHeartbeat(database: database, clock: clock, runId: id, every: Self.heartbeatEvery)
        defer { heartbeat.stop() }
        var outcome = JobRun.Outcome.ok
        var message: String?
        var counts: [(String, Int64)] = []
        do {
            switch job {
            case .checkQuotas:
                let r = try QuotaSweep.run(database, calendar: settings.calendar, defaultThreshold: settings.quotaWarningThreshold,
                                           now: asOf, dryRun: dryRun)
                counts = [("quotas_checked", r.checked), ("warnings_created", r.warnings), ("exceeded_created", r.exceeded)]
            case .generateInvoices: (outcome, message, counts) = try generateInvoices(asOf, dryRun: dryRun)
            case .markOverdue: (outcome, message, counts) = try markOverdue(asOf, dryRun: dryRun)
            case .retryPayments: (outcome, message, counts) = try retryPayments(asOf, dryRun: dryRun)
            case .subscriptionNotices: (outcome, message, counts) = try subscriptionNotices(asOf, dryRun: dryRun)
            case .sendNotifications: (outcome, message, counts) = try delivery?.sendNotificationsJob(asOf, dryRun: dryRun) ?? (.skipped, "e-mail delivery is not wired", [])
            case .deliverWebhooks: (outcome, message, counts) = try delivery?.deliverWebhooksJob(asOf, dryRun: dryRun) ?? (.skipped, "webhook delivery is not wired", [])
            }
        } catch {
            outcome = .failed
            message = String(describing: error)
        }
        heartbeat.stop()
        let run = JobRun(id: id, job: job.rawValue, trigger: trigger, asOf: asOf, dryRun: dryRun, startedAt: started,
                         finishedAt: clock.now(), outcome: outcome, message: message, counts: counts, instanceId: instance)
        try database.write { conn in try JobRunStore.finish(conn, run) }
        return run
    }

    /// The `limit` newest runs (of `job` only, when given).
    public func recentRuns(job: String?, limit: Int) throws -> [JobRun] {
        try listRuns(job: job, limit: limit, offset: 0).runs
    }

    /// One page of runs, newest first, and how many there are in all (`list_job_runs`).
    public func listRuns(job: String?, limit: Int, offset: Int) throws -> (runs: [JobRun], total: Int) {
        try database.read { try JobRunStore.list($0, job: job, limit: limit, offset: offset) }
    }

    typealias Result = (JobRun.Outcome, String?, [(String, Int64)])

    // MARK: - generate_invoices

    func generateInvoices(_ now: Date, dryRun: Bool) throws -> Result {
        let cutoff = now.addingTimeInterval(-Double(settings.usageLateWindowSeconds))
        let calendar = settings.calendar
        if dryRun {
            let (count, amount) = try database.read { conn -> (Int64, Int64) in
                var count: Int64 = 0, amount: Int64 = 0
                for sub in try SubscriptionStore.due(conn, endedBy: cutoff, limit: jobSettings.maxPeriodsPerRun) {
                    guard let p = try InvoiceGeneration.plan(conn, sub, calendar: calendar, now: now), !p.lines.isEmpty else { continue }
                    count += 1
                    amount += Money.sum(p.lines.map(\.amountCents)) ?? 0
                }
                for sub in try SubscriptionStore.closingDue(conn, endedBy: cutoff, limit: jobSettings.maxPeriodsPerRun) {
                    guard let p = try ClosingInvoice.plan(conn, sub, calendar: calendar), !p.lines.isEmpty else { continue }
                    count += 1
                    amount += Money.sum(p.lines.map(\.amountCents)) ?? 0
                }
                return (count, amount)
            }
            return (.ok, "dry run: nothing was written; only the first ended period of each subscription is previewed",
                    [("invoices_to_create", count), ("amount_cents", amount)])
        }
        var invoices: Int64 = 0, rolled: Int64 = 0, ended: Int64 = 0, trials: Int64 = 0, amount: Int64 = 0
        var failures: [String: String] = [:]
        var steps = 0
        /// Steps through every subscription `scan` finds, one write transaction each, until none is left
        /// or the run's step budget is spent; a failing subscription is recorded and skipped.
        func drain(_ scan: (Connection, Int) throws -> [Subscription], step: (Subscription) throws -> Void) throws {
            while steps < jobSettings.maxPeriodsPerRun {
                let batch = try database.read { try scan($0, 100 + failures.count) }.filter { failures[$0.id] == nil }
                if batch.isEmpty { return }
                for sub in batch {
                    steps += 1
                    do { try step(sub) } catch { failures[sub.id] = String(describing: error) }
                }
            }
        }
        let faults = self.faults
        try drain({ try SubscriptionStore.due($0, endedBy: cutoff, limit: $1) }) { sub in
            let step = try database.write { conn in
                try InvoiceGeneration.step(conn, subscriptionId: sub.id, cutoff: cutoff, calendar: calendar, now: now, faults: faults)
            }
            if case .rolled(let invoiced, let e, let t, let cents) = step {
                rolled += 1
                if invoiced { invoices += 1; amount += cents }
                if e { ended += 1 }
                if t { trials += 1 }
            }
        }
        var closing: Int64 = 0
        try drain({ try SubscriptionStore.closingDue($0, endedBy: cutoff, limit: $1) }) { sub in
            let step = try database.write { conn in
                try ClosingInvoice.step(conn, subscriptionId: sub.id, cutoff: cutoff, calendar: calendar, now: now)
            }
            guard let step else { throw BillingError.conflict("marked for a closing invoice but has no end date") }
            if step.invoiced { invoices += 1; closing += 1; amount += step.amountCents }
        }
        let counts: [(String, Int64)] = [("invoices_created", invoices), ("closing_invoices", closing), ("amount_cents", amount), ("periods_rolled", rolled),
                                          ("subscriptions_ended", ended), ("trials_ended", trials), ("failures", Int64(failures.count))]
        if failures.isEmpty { return (.ok, nil, counts) }
        let detail = failures.sorted { $0.key < $1.key }.prefix(5).map { "\($0.key): \($0.value)" }.joined(separator: "; ")
        return (.partial, "\(failures.count) subscription(s) failed and will be retried on the next run: \(detail)", counts)
    }

    // MARK: - mark_overdue

    func markOverdue(_ now: Date, dryRun: Bool) throws -> Result {
        let today = RFC3339.formatDate(now)
        if dryRun {
            let n = try database.read { int64(of: try $0.scalar("SELECT count(*) FROM invoices WHERE status = 'pending' AND due_date < ? AND amount_cents > 0", [.text(today)])) ?? 0 }
            return (.ok, "dry run: nothing was written", [("invoices_to_mark", n)])
        }
        var marked: Int64 = 0, notified: Int64 = 0
        while true {
            let (m, n) = try database.write { conn -> (Int64, Int64) in
                var m: Int64 = 0, n: Int64 = 0
                let rows = try conn.query("SELECT * FROM invoices WHERE status = 'pending' AND due_date < ? AND amount_cents > 0 ORDER BY due_date, id LIMIT 200"
                                          + rowLock(conn, skipLocked: true), [.text(today)])
                for row in rows {
                    var invoice = try InvoiceStore.decode(row)
                    invoice.status = .overdue
                    invoice.updatedAt = now
                    try InvoiceStore.update(conn, invoice)
                    m += 1
                    try AuditLog.record(conn, .system, action: "mark_overdue", tenantId: invoice.tenantId, targetId: invoice.id,
                                        changes: ["status": ["from": "pending", "to": "overdue"]], at: now)
                    let id = try NotificationWriter.insert(
                        conn, tenantId: invoice.tenantId, type: .invoiceDue, priority: .high, subject: "Invoice \(invoice.number) is overdue",
                        message: "Invoice \(invoice.number) for \(invoice.currency) \(Money.format(invoice.amountCents)) was due on \(invoice.dueDate).",
                        metadata: ["invoice_id": .string(invoice.id), "invoice_number": .string(invoice.number)],
                        dedupeKey: "invoice_due:\(invoice.id)", at: now)
                    if id != nil { n += 1 }
                }
                return (m, n)
            }
            marked += m
            notified += n
            if m < 200 { break }
        }
        return (.ok, nil, [("invoices_marked_overdue", marked), ("notifications_created", notified)])
    }

    // MARK: - retry_payments

    func retryPayments(_ now: Date, dryRun: Bool) throws -> Result {
        let maxAttempts = Int64(settings.paymentRetryAttempts)
        let eligible = try database.read { conn in
            try conn.query("""
                SELECT * FROM invoices WHERE status = 'overdue' AND payment_attempts < ? AND amount_cents > 0
                ORDER BY due_date, id LIMIT 500
                """, [.integer(maxAttempts)]).map(InvoiceStore.decode)
        }
        var counts: [(String, Int64)] = [("invoices_eligible", Int64(eligible.count))]
        if dryRun { return (.ok, "dry run: nothing was charged", counts) }
        let suspended = try suspendLongPastDue(now)
        guard let charger else {
            counts += [("charges_attempted", 0), ("subscriptions_suspended", suspended)]
            return (.skipped, "gateway not configured: no charge was attempted (\(eligible.count) invoice(s) eligible)", counts)
        }
        var paid: Int64 = 0, failed: Int64 = 0, pending: Int64 = 0, pastDue: Int64 = 0, errors: Int64 = 0
        for invoice in eligible {
            let result: ChargeResult
            do { result = try charger.charge(invoice) } catch {
                result = .failed(reason: String(describing: error))
                errors += 1
            }
            let becamePastDue = try database.write { conn -> Bool in
                guard var current = try InvoiceStore.find(conn, id: invoice.id, tenantId: invoice.tenantId, forUpdate: true),
                      current.status == .overdue, current.paymentAttempts == invoice.paymentAttempts else { return false }
                current.paymentAttempts += 1
                current.updatedAt = now
                var movedToPastDue = false
                switch result {
                case .paid(let external):
                    current.status = .paid
                    current.paidAt = now
                    current.lastPaymentError = nil
                    if let external { current.externalPaymentId = external }
                    try NotificationWriter.insert(conn, tenantId: current.tenantId, type: .paymentSuccess, priority: .normal,
                                                  subject: "Payment received for \(current.number)", message: "Invoice \(current.number) was paid.",
                                                  metadata: ["invoice_id": .string(current.id)], dedupeKey: "payment_success:\(current.id)", at: now)
                case .pending(let external):
                    if let external { current.externalPaymentId = external }
                case .failed(let reason):
                    current.lastPaymentError = String(reason.prefix(500))
                    try NotificationWriter.insert(conn, tenantId: current.tenantId, type: .paymentFailed, priority: .high,
                                                  subject: "Payment failed for \(current.number)",
                                                  message: "Charging invoice \(current.number) failed (attempt \(current.paymentAttempts) of \(maxAttempts)).",
                                                  metadata: ["invoice_id": .string(current.id), "attempt": .int(Int64(current.paymentAttempts))],
                                                  dedupeKey: "payment_failed:\(current.id):\(current.paymentAttempts)", at: now)
                    if Int64(current.paymentAttempts) >= maxAttempts, let subId = current.subscriptionId,
                       var sub = try SubscriptionStore.find(conn, id: subId, tenantId: current.tenantId, forUpdate: true), sub.status == .active {
                        sub.status = .pastDue
                        sub.updatedAt = now
                        try SubscriptionStore.update(conn, sub)
                        try AuditLog.record(conn, .system, action: "subscription_past_due", tenantId: sub.tenantId, targetId: sub.id,
                                            changes: ["invoice_id": .string(current.id)], at: now)
                        movedToPastDue = true
                    }
                }
                try InvoiceStore.update(conn, current)
                try AuditLog.record(conn, .system, action: "retry_payment", tenantId: current.tenantId, targetId: current.id,
                                    changes: ["attempt": .int(Int64(current.paymentAttempts)), "status": .string(current.status.rawValue)], at: now)
                return movedToPastDue
            }
            switch result {
            case .paid: paid += 1
            case .pending: pending += 1
            case .failed: failed += 1
            }
            if becamePastDue { pastDue += 1 }
        }
        counts += [("charges_attempted", Int64(eligible.count)), ("paid", paid), ("failed", failed), ("pending", pending),
                   ("subscriptions_past_due", pastDue), ("subscriptions_suspended", suspended)]
        return (errors == 0 ? .ok : .partial, errors == 0 ? nil : "\(errors) charge call(s) threw", counts)
    }

    /// `past_due` subscriptions whose exhausted invoice is `suspendAfterDays` past due become `suspended`.
    func suspendLongPastDue(_ now: Date) throws -> Int64 {
        let limitDate = RFC3339.formatDate(now.addingTimeInterval(-Double(jobSettings.suspendAfterDays) * 86400))
        let maxAttempts = Int64(settings.paymentRetryAttempts)
        return try database.write { conn in
            let rows = try conn.query("""
                SELECT DISTINCT s.id, s.tenant_id FROM subscriptions s JOIN invoices i ON i.subscription_id = s.id
                WHERE s.status = 'past_due' AND i.status = 'overdue' AND i.payment_attempts >= ? AND i.due_date < ?
                """, [.integer(maxAttempts), .text(limitDate)])
            var n: Int64 = 0
            for r in rows {
                guard var sub = try SubscriptionStore.find(conn, id: try r.decode(String.self, "id"), tenantId: try r.decode(String.self, "tenant_id"),
                                                           forUpdate: true),
                      sub.status == .pastDue else { continue }
                sub.status = .suspended
                sub.updatedAt = now
                try SubscriptionStore.update(conn, sub)
                try AuditLog.record(conn, .system, action: "subscription_suspended", tenantId: sub.tenantId, targetId: sub.id, at: now)
                n += 1
            }
            return n
        }
    }

    // MARK: - subscription_notices

    func subscriptionNotices(_ now: Date, dryRun: Bool) throws -> Result {
        let horizon = StoredTime.format(now.addingTimeInterval(Double(jobSettings.noticeDays) * 86400))
        let nowText = StoredTime.format(now)
        let (trials, expiring) = try database.read { conn -> ([Subscription], [Subscription]) in
            (try conn.query("SELECT * FROM subscriptions WHERE status = 'trial' AND trial_ends_at > ? AND trial_ends_at <= ?",
                            [.text(nowText), .text(horizon)]).map(SubscriptionStore.decode),
             try conn.query("""
                SELECT * FROM subscriptions WHERE status IN ('active', 'past_due', 'trial') AND cancel_at_period_end = 1
                  AND current_period_end > ? AND current_period_end <= ?
                """, [.text(nowText), .text(horizon)]).map(SubscriptionStore.decode))
        }
        if dryRun { return (.ok, "dry run: nothing was written", [("trials_ending", Int64(trials.count)), ("subscriptions_expiring", Int64(expiring.count))]) }
        let created = try database.write { conn -> (Int64, Int64) in
            var t: Int64 = 0, e: Int64 = 0
            for s in trials {
                let end = s.trialEndsAt!
                if try NotificationWriter.insert(conn, tenantId: s.tenantId, type: .trialEnding, priority: .normal, subject: "Your trial ends soon",
                                                 message: "The \(s.planType.rawValue) trial ends on \(RFC3339.formatDate(end)).",
                                                 metadata: ["subscription_id": .string(s.id), "trial_ends_at": .string(RFC3339.format(end))],
                                                 dedupeKey: "trial_ending:\(s.id):\(RFC3339.format(end))", at: now) != nil { t += 1 }
            }
            for s in expiring {
                let end = s.currentPeriodEnd!
                if try NotificationWriter.insert(conn, tenantId: s.tenantId, type: .subscriptionExpiring, priority: .normal,
                                                 subject: "Your subscription ends soon",
                                                 message: "The \(s.planType.rawValue) subscription ends on \(RFC3339.formatDate(end)).",
                                                 metadata: ["subscription_id": .string(s.id), "ends_at": .string(RFC3339.format(end))],
                                                 dedupeKey: "subscription_expiring:\(s.id):\(RFC3339.format(end))", at: now) != nil { e += 1 }
            }
            return (t, e)
        }
        return (.ok, nil, [("trial_ending_sent", created.0), ("subscription_expiring_sent", created.1)])
    }
}
