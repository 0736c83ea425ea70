import Foundation
import Storage
import Support

/// One step of `generate_invoices` for a subscription cancelled immediately: its closing invoice.
///
/// The base price is billed in advance, so what the tenant still owes at cancellation is what it used
/// since: usage beyond the included amounts from the current period's start to the cancellation, the
/// used part of any period that ended before the job could roll it (its base was never billed), and
/// the proration lines still pending. It waits for `USAGE_LATE_WINDOW` after the cancellation like any
/// period end, so late events are on it. Exactly once: the mark (`closing_due_at`) is cleared in the
/// transaction that inserts the invoice, and the invoice's key `(subscription_id, period_start =
/// cancellation)` is unique. Unused time already paid is not refunded (SPEC §7 gives an immediate
/// cancellation no refund); a net credit from pending lines is written as owed, never carried.
enum ClosingInvoice {
    struct Plan {
        var lines: [InvoiceLine]
        var pendingIds: [String]
        var endedAt: Date
        /// Credit left over after the charges (≥ 0), owed to the tenant.
        var owedCreditCents: Int64
    }

    static func plan(_ conn: Connection, _ sub: Subscription, calendar: BillingCalendar) throws -> Plan? {
        guard let endedAt = sub.endedAt else { return nil }
        var lines: [InvoiceLine] = []
        if let catalog = try PlanStore.find(conn, sub.planType) {
            var index = sub.cycleIndex
            var start = sub.currentPeriodStart
            var first = true
            while start < endedAt {
                let periodEnd = calendar.boundary(index + 1, of: sub.billingCycle, anchor: sub.anchorAt)
                let end = periodEnd.map { min($0, endedAt) } ?? endedAt
                if !first, sub.priceCents > 0, let periodEnd {
                    let used = sub.priceCents - Proration.remaining(price: sub.priceCents, start: start, end: periodEnd, at: end)
                    if used > 0 {
                        lines.append(InvoiceLine(kind: .base,
                                                 description: "\(catalog.name) plan, \(sub.billingCycle.rawValue), used \(RFC3339.formatDate(start)) – \(RFC3339.formatDate(end))",
                                                 amountCents: used))
                    }
                }
                lines += try InvoiceGeneration.overageLines(conn, sub, catalog: catalog, from: start, to: end, calendar: calendar)
                guard let periodEnd, periodEnd < endedAt else { break }
                start = periodEnd
                index += 1
                first = false
            }
        }
        let pending = try SubscriptionStore.pendingLines(conn, subscriptionId: sub.id)
        for p in pending {
            lines.append(InvoiceLine(kind: p.amountCents < 0 ? .credit : .proration, description: p.description, amountCents: p.amountCents))
        }
        var owed: Int64 = 0
        if let sum = Money.sum(lines.map(\.amountCents)), sum < 0 {
            owed = -sum
            lines.append(InvoiceLine(kind: .credit, description: "Credit of \(Money.format(owed)) owed to the customer: the subscription has ended, so it is not carried",
                                     amountCents: owed))
        }
        return Plan(lines: lines, pendingIds: pending.map(\.id), endedAt: endedAt, owedCreditCents: owed)
    }

    /// Issues the closing invoice of subscription `id` if it is marked and its cancellation is at or before `cutoff`.
    /// Returns the invoice amount, or nil when there was nothing to do.
    static func step(_ conn: Connection, subscriptionId id: String, cutoff: Date, calendar: BillingCalendar, now: Date) throws -> (invoiced: Bool, amountCents: Int64)? {
        guard let due = try SubscriptionStore.closingDueAt(conn, id: id), due <= cutoff,
              let sub = try SubscriptionStore.findForUpdate(conn, id: id), let p = try plan(conn, sub, calendar: calendar) else { return nil }
        try SubscriptionStore.clearClosingDue(conn, id: id)
        let key = StoredTime.format(p.endedAt)
        guard !p.lines.isEmpty,
              try conn.queryOne("SELECT 1 FROM invoices WHERE subscription_id = ? AND period_start = ?", [.text(sub.id), .text(key)]) == nil
        else { return (false, 0) }
        let invoice = try InvoiceStore.insert(
            conn, tenantId: sub.tenantId, subscriptionId: sub.id, status: .pending, currency: sub.currency, lines: p.lines,
            periodStart: p.endedAt, periodEnd: p.endedAt,
            dueDate: RFC3339.formatDate(now.addingTimeInterval(Double(InvoicePolicy.dueDays) * 86400)),
            billingDetails: nil, notes: "Closing invoice: the subscription was cancelled on \(RFC3339.format(p.endedAt)).", at: now)
        try SubscriptionStore.attachPendingLines(conn, ids: p.pendingIds, invoiceId: invoice.id)
        try AuditLog.record(conn, .system, action: "generate_closing_invoice", tenantId: sub.tenantId, targetId: invoice.id,
                            changes: ["invoice_number": .string(invoice.number), "subscription_id": .string(sub.id),
                                      "amount_cents": .int(invoice.amountCents), "owed_credit_cents": .int(p.owedCreditCents)], at: now)
        return (true, invoice.amountCents)
    }
}
