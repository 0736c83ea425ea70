import Foundation
import Storage
import Support
import Testing
@testable import Billing

/// A subscription cancelled immediately gets one closing invoice for what it used since its last
/// advance invoice: overage up to the cancellation, pending prorations, unrolled periods.
struct ClosingInvoiceTests {
    func closingMarks(_ w: BillingTestWorld) throws -> Int64 {
        try w.database.read { try $0.scalar("SELECT count(*) FROM subscriptions WHERE closing_due_at IS NOT NULL").int64Value ?? -1 }
    }

    @Test func immediateCancel_BillsOverageUpToTheCancellation_OnceAfterTheLateWindow() throws {
        let w = try BillingTestWorld(now: "2026-01-31T12:00:00Z")
        let t = try w.makeTenant()
        _ = try w.subscribe(t)
        try w.addUsage(t, .message, quantity: 10_500, at: "2026-02-10T00:00:00Z")  // 10,000 included, 1 cent each beyond
        w.set("2026-02-15T00:00:00Z")
        let cancelled = try w.subscriptions.cancel(tenantId: t, id: nil, immediately: true, context: .system)
        #expect(cancelled.status == .cancelled)
        try w.addUsage(t, .message, quantity: 40, at: "2026-02-14T23:59:00Z")  // late but admissible: on the invoice
        try w.addUsage(t, .message, quantity: 300, at: "2026-02-15T00:30:00Z")  // after the cancellation: not billed

        w.set("2026-02-15T00:59:59Z")
        #expect(try w.jobs().run(.generateInvoices, trigger: .cli).counts.first { $0.0 == "closing_invoices" }?.1 == 0)
        w.set("2026-02-15T01:00:00Z")
        let dry = try w.jobs().run(.generateInvoices, dryRun: true, trigger: .cli)
        #expect(dry.counts.first { $0.0 == "invoices_to_create" }?.1 == 1)
        let run = try w.jobs().run(.generateInvoices, trigger: .cli)
        #expect(run.outcome == .ok)
        #expect(run.counts.first { $0.0 == "closing_invoices" }?.1 == 1)
        #expect(try w.jobs().run(.generateInvoices, trigger: .cli).counts.first { $0.0 == "invoices_created" }?.1 == 0)

        let all = try w.invoiceList(t)
        #expect(all.count == 2)  // the first period in advance, then the closing one
        let closing = all[1]
        #expect(closing.lines.map(\.kind) == [.overage])
        #expect(closing.lines[0].quantity == 540 && closing.amountCents == 540)
        #expect(RFC3339.format(closing.periodStart!) == "2026-02-15T00:00:00Z")
        #expect(closing.notes?.contains("cancelled") == true)
        #expect(try closingMarks(w) == 0)
    }

    /// Found by Tests/fault/crash_invoices.py: usage and the cancellation in the same second left the usage unbilled.
    @Test func immediateCancel_BillsUsageInTheSecondBeforeTheCancellation() throws {
        let w = try BillingTestWorld(now: "2026-01-31T12:00:00Z")
        let t = try w.makeTenant()
        _ = try w.subscribe(t)
        try w.addUsage(t, .message, quantity: 10_500, at: "2026-02-15T00:00:00.500Z")
        try w.addUsage(t, .message, quantity: 7, at: "2026-02-15T00:00:00.875Z")  // after the cancellation: not billed
        w.set("2026-02-15T00:00:00.750Z")
        _ = try w.subscriptions.cancel(tenantId: t, id: nil, immediately: true, context: .system)
        w.set("2026-02-15T02:00:00Z")
        #expect(try w.jobs().run(.generateInvoices, trigger: .cli).counts.first { $0.0 == "closing_invoices" }?.1 == 1)
        let closing = try w.invoiceList(t).last!
        #expect(closing.lines.map(\.quantity) == [500] && closing.amountCents == 500)
    }

    @Test func immediateCancel_BillsPendingProrations() throws {
        let w = try BillingTestWorld(now: "2026-02-01T00:00:00Z")
        let t = try w.makeTenant()
        _ = try w.subscribe(t)
        w.set("2026-02-11T00:00:00Z")
        var u = SubscriptionUpdate()
        u.planType = .professional
        _ = try w.subscriptions.update(tenantId: t, id: nil, u, context: .system)
        w.set("2026-02-12T00:00:00Z")
        _ = try w.subscriptions.cancel(tenantId: t, id: nil, immediately: true, context: .system)
        w.set("2026-02-13T00:00:00Z")
        try w.jobs().run(.generateInvoices, trigger: .cli)
        let closing = try w.invoiceList(t).last!
        // − 4900 × 18/28 (= 3150) + 19900 × 18/28 (= 12793), as an upgrade at period end would bill them
        #expect(closing.lines.map(\.amountCents) == [-3150, 12793])
        #expect(closing.amountCents == 9643)
        let open = try w.database.read { try $0.scalar("SELECT count(*) FROM pending_invoice_lines WHERE invoice_id IS NULL").int64Value }
        #expect(open == 0)
    }

    @Test func immediateCancel_AfterADowngrade_WritesTheOwedCredit_NeverANegativeTotal() throws {
        let w = try BillingTestWorld(now: "2026-02-01T00:00:00Z")
        let t = try w.makeTenant()
        _ = try w.subscribe(t) { $0.planType = .professional }
        w.set("2026-02-15T00:00:00Z")
        var u = SubscriptionUpdate()
        u.planType = .starter
        _ = try w.subscriptions.update(tenantId: t, id: nil, u, context: .system)
        _ = try w.subscriptions.cancel(tenantId: t, id: nil, immediately: true, context: .system)
        w.set("2026-02-16T00:00:00Z")
        try w.jobs().run(.generateInvoices, trigger: .cli)
        let closing = try w.invoiceList(t).last!
        // − 19900 × 14/28 (= 9950) + 4900 × 14/28 (= 2450): 7500 owed, shown and balanced to a zero total
        #expect(closing.lines.map(\.amountCents) == [-9950, 2450, 7500])
        #expect(closing.amountCents == 0)
        #expect(closing.lines.last!.description.contains("owed"))
        // Nothing to pay is never overdue (no "invoice overdue" notice for R$ 0,00).
        w.set("2026-04-01T00:00:00Z")
        #expect(try w.jobs().run(.markOverdue, trigger: .cli).counts.first?.1 == 1)  // the first period's 19900, unpaid
        #expect(try w.invoiceList(t).last!.status == .pending)
    }

    @Test func immediateCancel_OfAnUnrolledPeriod_BillsItsOverage_AndTheUsedPartOfTheNext() throws {
        let w = try BillingTestWorld(now: "2026-01-01T00:00:00Z")
        let t = try w.makeTenant()
        _ = try w.subscribe(t)
        try w.addUsage(t, .message, quantity: 10_100, at: "2026-01-20T00:00:00Z")  // period 1: 100 over
        try w.addUsage(t, .message, quantity: 10_002, at: "2026-02-01T00:10:00Z")  // period 2: 2 over
        // The period ended at Feb 1 00:00 but the job has not rolled it (the late window is still open).
        w.set("2026-02-01T00:31:00Z")
        _ = try w.subscriptions.cancel(tenantId: t, id: nil, immediately: true, context: .system)
        w.set("2026-02-01T02:00:00Z")
        try w.jobs().run(.generateInvoices, trigger: .cli)
        let all = try w.invoiceList(t)
        #expect(all.count == 2)
        let closing = all[1]
        #expect(closing.lines.map(\.kind) == [.overage, .base, .overage])
        // 4900 × 31 minutes / 28 days = 3.77 → 4 cents
        #expect(closing.lines.map(\.amountCents) == [100, 4, 2])
        #expect(closing.amountCents == 106)
    }

    @Test func immediateCancel_WithNothingOwed_OrDuringTheTrial_IssuesNoInvoice() throws {
        let w = try BillingTestWorld(now: "2026-01-01T00:00:00Z")
        let paying = try w.makeTenant("Paying")
        let trial = try w.makeTenant("Trial")
        _ = try w.subscribe(paying)
        _ = try w.subscribe(trial) { $0.trialDays = 14 }
        try w.addUsage(trial, .message, quantity: 50_000, at: "2026-01-03T00:00:00Z")
        w.set("2026-01-05T00:00:00Z")
        _ = try w.subscriptions.cancel(tenantId: paying, id: nil, immediately: true, context: .system)
        _ = try w.subscriptions.cancel(tenantId: trial, id: nil, immediately: true, context: .system)
        w.set("2026-01-06T00:00:00Z")
        let run = try w.jobs().run(.generateInvoices, trigger: .cli)
        #expect(run.outcome == .ok)
        #expect(run.counts.first { $0.0 == "closing_invoices" }?.1 == 0)
        #expect(try w.invoiceCount(paying) == 1)
        #expect(try w.invoiceCount(trial) == 0)
        #expect(try closingMarks(w) == 0)
    }
}
