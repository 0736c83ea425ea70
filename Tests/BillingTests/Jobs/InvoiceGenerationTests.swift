import Foundation
import Storage
import Support
import Testing
@testable import Billing

/// `generate_invoices`: exactly once per subscription period, overage, prorations, roll-forward.
struct InvoiceGenerationTests {
    @Test func generate_BillsNextPeriodAndOverage_ExactlyOnce() throws {
        let w = try BillingTestWorld(now: "2026-01-31T12:00:00Z")
        let t = try w.makeTenant()
        let sub = try w.subscribe(t)
        #expect(RFC3339.format(sub.currentPeriodEnd!) == "2026-02-28T12:00:00Z")
        #expect(try w.invoiceList(t).map(\.amountCents) == [4900])  // first period, in advance
        try w.addUsage(t, .message, quantity: 10_500, at: "2026-02-10T00:00:00Z")  // 10,000 included
        try w.addUsage(t, .message, quantity: 7, at: "2026-02-28T12:30:00Z")       // next period: not billed now

        w.set("2026-02-28T12:59:59Z")  // inside the late window: not yet
        #expect(try w.jobs().run(.generateInvoices, trigger: .cli).counts.first?.1 == 0)
        w.set("2026-02-28T13:00:00Z")
        let run = try w.jobs().run(.generateInvoices, trigger: .cli)
        #expect(run.outcome == .ok)
        #expect(run.counts.first { $0.0 == "invoices_created" }?.1 == 1)
        let second = try w.jobs().run(.generateInvoices, trigger: .cli)
        #expect(second.counts.first { $0.0 == "invoices_created" }?.1 == 0)

        let all = try w.invoiceList(t)
        #expect(all.count == 2)
        let generated = all[1]
        #expect(generated.lines.map(\.kind) == [.base, .overage])
        #expect(generated.lines[1].quantity == 500 && generated.lines[1].amountCents == 500)
        #expect(generated.amountCents == 5400)
        #expect(generated.amountCents == generated.lines.map(\.amountCents).reduce(0, +))
        #expect(RFC3339.format(generated.periodStart!) == "2026-02-28T12:00:00Z")
        #expect(RFC3339.format(generated.periodEnd!) == "2026-03-31T12:00:00Z")
        let rolled = try w.subscriptions.live(tenantId: t)!
        #expect(RFC3339.format(rolled.currentPeriodStart) == "2026-02-28T12:00:00Z")
        #expect(RFC3339.format(rolled.currentPeriodEnd!) == "2026-03-31T12:00:00Z")
    }

    @Test func generate_CatchesUp_AfterDowntime_OnePerPeriod() throws {
        let w = try BillingTestWorld(now: "2026-01-31T00:00:00Z")
        let t = try w.makeTenant()
        _ = try w.subscribe(t)
        w.set("2026-05-15T00:00:00Z")
        try w.jobs().run(.generateInvoices, trigger: .cli)
        try w.jobs().run(.generateInvoices, trigger: .cli)
        let starts = try w.invoiceList(t).map { RFC3339.formatDate($0.periodStart!) }
        #expect(starts == ["2026-01-31", "2026-02-28", "2026-03-31", "2026-04-30"])
        #expect(RFC3339.format(try w.subscriptions.live(tenantId: t)!.currentPeriodEnd!) == "2026-05-31T00:00:00Z")
    }

    @Test func generate_Concurrently_BillsEachPeriodOnce() throws {
        let w = try BillingTestWorld(now: "2026-01-01T00:00:00Z")
        var tenants: [String] = []
        for i in 0..<10 {
            let t = try w.makeTenant("T\(i)")
            _ = try w.subscribe(t)
            tenants.append(t)
        }
        w.set("2026-02-01T02:00:00Z")
        let runner = w.jobs()
        DispatchQueue.concurrentPerform(iterations: 6) { _ in _ = try? runner.run(.generateInvoices, trigger: .cli) }
        for t in tenants { #expect(try w.invoiceCount(t) == 2) }
        let keys = try w.database.read { try $0.query("SELECT subscription_id, period_start, count(*) AS n FROM invoices GROUP BY 1, 2 HAVING count(*) > 1") }
        #expect(keys.isEmpty)
    }

    @Test func generate_CrashBetweenInvoiceAndRoll_RerunBillsOnce() throws {
        let w = try BillingTestWorld(now: "2026-01-01T00:00:00Z")
        let t = try w.makeTenant()
        let sub = try w.subscribe(t)
        w.set("2026-02-01T02:00:00Z")
        var faults = JobFaults()
        faults.afterInvoiceInsert = { _ in throw CocoaError(.userCancelled) }
        let crashed = try w.jobs(faults: faults).run(.generateInvoices, trigger: .cli)
        #expect(crashed.outcome == .partial)
        #expect(try w.invoiceCount(t) == 1)  // the crashed unit left nothing behind
        #expect(try w.subscriptions.get(id: sub.id, tenantId: t).currentPeriodEnd == sub.currentPeriodEnd)
        try w.jobs().run(.generateInvoices, trigger: .cli)
        try w.jobs().run(.generateInvoices, trigger: .cli)
        #expect(try w.invoiceCount(t) == 2)
        // Numbers stay gapless: the crashed transaction gave its number back.
        #expect(try w.invoiceList(t).map(\.number) == ["INV-2026-000001", "INV-2026-000002"])
    }

    @Test func planChange_ProratesBySeconds_OnTheNextInvoice() throws {
        let w = try BillingTestWorld(now: "2026-02-01T00:00:00Z")
        let t = try w.makeTenant()
        _ = try w.subscribe(t)
        w.set("2026-02-11T00:00:00Z")
        var u = SubscriptionUpdate()
        u.planType = .professional
        let changed = try w.subscriptions.update(tenantId: t, id: nil, u, context: .system)
        #expect(changed.priceCents == 19900)
        w.set("2026-03-01T01:00:00Z")
        try w.jobs().run(.generateInvoices, trigger: .cli)
        let generated = try w.invoiceList(t).last!
        // base 19900 (next period) − 4900 × 18/28 (= 3150) + 19900 × 18/28 (= 12792.86 → 12793)
        #expect(generated.lines.map(\.amountCents) == [19900, -3150, 12793])
        #expect(generated.amountCents == 29543)
        let pending = try w.database.read { try $0.scalar("SELECT count(*) FROM pending_invoice_lines WHERE invoice_id IS NULL").int64Value }
        #expect(pending == 0)
    }

    @Test func cycleChange_RecomputesPeriodEnd() throws {
        let w = try BillingTestWorld(now: "2026-02-01T00:00:00Z")
        let t = try w.makeTenant()
        _ = try w.subscribe(t)
        w.set("2026-02-11T00:00:00Z")
        var u = SubscriptionUpdate()
        u.billingCycle = .yearly
        let s = try w.subscriptions.update(tenantId: t, id: nil, u, context: .system)
        #expect(RFC3339.format(s.currentPeriodEnd!) == "2027-02-01T00:00:00Z")
        #expect(s.priceCents == 49900)
    }

    @Test func cancelAtPeriodEnd_EndsIt_AndResubscribeWorks() throws {
        let w = try BillingTestWorld(now: "2026-01-01T00:00:00Z")
        let t = try w.makeTenant()
        _ = try w.subscriptions.cancel(tenantId: t, id: try w.subscribe(t).id, immediately: false, context: .system)
        w.set("2026-02-01T02:00:00Z")
        try w.jobs().run(.generateInvoices, trigger: .cli)
        #expect(try w.subscriptions.live(tenantId: t) == nil)
        #expect(try w.invoiceCount(t) == 1)  // nothing more to bill: no renewal
        let again = try w.subscribe(t, plan: .professional)
        #expect(again.status == .active)
        let expired = try w.database.read { try $0.scalar("SELECT count(*) FROM notifications WHERE type = 'subscription_expired'").int64Value }
        #expect(expired == 1)
    }

    @Test func trial_IsFree_ThenFirstPaidPeriodIsBilled() throws {
        let w = try BillingTestWorld(now: "2026-01-01T00:00:00Z")
        let t = try w.makeTenant()
        let s = try w.subscribe(t) { $0.trialDays = 14 }
        #expect(s.status == .trial)
        #expect(try w.invoiceCount(t) == 0)
        try w.addUsage(t, .message, quantity: 50_000, at: "2026-01-05T00:00:00Z")  // trial usage is not billed
        w.set("2026-01-15T01:00:00Z")
        try w.jobs().run(.generateInvoices, trigger: .cli)
        let after = try w.subscriptions.live(tenantId: t)!
        #expect(after.status == .active)
        #expect(RFC3339.format(after.currentPeriodEnd!) == "2026-02-15T00:00:00Z")
        #expect(try w.invoiceList(t).map(\.amountCents) == [4900])
    }

    @Test func markOverdue_Once_WithOneNotification() throws {
        let w = try BillingTestWorld(now: "2026-01-01T00:00:00Z")
        let t = try w.makeTenant()
        _ = try w.subscribe(t)
        w.set("2026-01-09T00:00:00Z")  // due 2026-01-08
        let first = try w.jobs().run(.markOverdue, trigger: .cli)
        let second = try w.jobs().run(.markOverdue, trigger: .cli)
        #expect(first.counts.first?.1 == 1 && second.counts.first?.1 == 0)
        #expect(try w.invoiceList(t).first?.status == .overdue)
        let due = try w.database.read { try $0.scalar("SELECT count(*) FROM notifications WHERE type = 'invoice_due'").int64Value }
        #expect(due == 1)
    }

    struct FailingCharger: InvoiceCharger {
        func charge(_ invoice: Invoice) throws -> ChargeResult { .failed(reason: "card declined") }
    }

    @Test func retryPayments_SaysGatewayNotConfigured_ThenEscalates() throws {
        let w = try BillingTestWorld(now: "2026-01-01T00:00:00Z")
        let t = try w.makeTenant()
        _ = try w.subscribe(t)
        w.set("2026-01-09T00:00:00Z")
        try w.jobs().run(.markOverdue, trigger: .cli)
        let none = try w.jobs().run(.retryPayments, trigger: .cli)
        #expect(none.outcome == .skipped)
        #expect(none.message?.contains("gateway not configured") == true)
        for _ in 0..<4 { try w.jobs(charger: FailingCharger()).run(.retryPayments, trigger: .cli) }
        #expect(try w.invoiceList(t).first?.paymentAttempts == 3)
        #expect(try w.subscriptions.live(tenantId: t)?.status == .pastDue)
        w.set("2026-01-23T00:00:00Z")
        try w.jobs().run(.retryPayments, trigger: .cli)
        #expect(try w.subscriptions.live(tenantId: t)?.status == .suspended)
    }

    @Test func subscriptionNotices_TrialEnding_Once() throws {
        let w = try BillingTestWorld(now: "2026-01-01T00:00:00Z")
        let t = try w.makeTenant()
        _ = try w.subscribe(t) { $0.trialDays = 5 }
        let a = try w.jobs().run(.subscriptionNotices, trigger: .cli)
        let b = try w.jobs().run(.subscriptionNotices, trigger: .cli)
        #expect(a.counts.first?.1 == 1 && b.counts.first?.1 == 0)
        let runs = try w.jobs().recentRuns(job: "subscription_notices", limit: 10)
        #expect(runs.count == 2)
    }
}
