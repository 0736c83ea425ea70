import Foundation
import Storage
import Support

/// One step of `generate_invoices`: bill one ended subscription period and roll the subscription
/// forward, both in the same write transaction.
///
/// Exactly once per period: the step re-reads the subscription inside the transaction and does
/// nothing unless its period has still not rolled, so a rerun or a concurrent run finds nothing to do;
/// a crash before COMMIT leaves neither the invoice nor the roll; and the unique index
/// `(subscription_id, period_start)` refuses a second invoice for the same period whatever happens.
enum InvoiceGeneration {
    enum Step: Equatable {
        case notDue
        case rolled(invoiced: Bool, ended: Bool, trialEnded: Bool, invoiceAmount: Int64)
    }

    /// The invoice lines and the next state of `sub` for its ended period (no writes; used by dry runs too).
    struct Plan {
        var lines: [InvoiceLine]
        var carryForwardCents: Int64
        var pendingIds: [String]
        var next: Subscription
        var keyStart: Date
        var keyEnd: Date?
        var ended: Bool
        var trialEnded: Bool
    }

    static func plan(_ conn: Connection, _ sub: Subscription, calendar: BillingCalendar, now: Date) throws -> Plan? {
        guard [.trial, .active, .pastDue].contains(sub.status), let end = sub.currentPeriodEnd else { return nil }
        let catalog = try PlanStore.find(conn, sub.planType)
        let wasTrial = sub.status == .trial
        var next = sub
        var lines: [InvoiceLine] = []
        var nextEnd: Date?
        if sub.cancelAtPeriodEnd {
            next.status = .cancelled
            next.endedAt = end
        } else {
            if wasTrial {
                next.status = .active
                next.anchorAt = end
                next.cycleIndex = 0
            } else {
                next.cycleIndex += 1
            }
            nextEnd = calendar.boundary(next.cycleIndex + 1, of: next.billingCycle, anchor: next.anchorAt)
            next.currentPeriodStart = end
            next.currentPeriodEnd = nextEnd
            next.periodBilled = sub.priceCents > 0
            if sub.priceCents > 0 { lines.append(SubscriptionService.baseLine(plan: catalog, sub: next, start: end, end: nextEnd)) }
        }
        // Usage beyond the included amounts, in arrears for the period that ended (trials are free).
        if !wasTrial, let catalog {
            lines += try overageLines(conn, sub, catalog: catalog, from: sub.currentPeriodStart, to: end, calendar: calendar)
        }
        let pending = try SubscriptionStore.pendingLines(conn, subscriptionId: sub.id)
        for p in pending {
            lines.append(InvoiceLine(kind: p.amountCents < 0 ? .credit : .proration, description: p.description, amountCents: p.amountCents))
        }
        var carry: Int64 = 0
        if let sum = Money.sum(lines.map(\.amountCents)), sum < 0 {
            // Credits larger than the charges: the rest waits for the next invoice instead of a negative total.
            lines.append(InvoiceLine(kind: .credit, description: "Credit carried to the next invoice", amountCents: -sum))
            carry = sum
        }
        next.updatedAt = now
        return Plan(lines: lines, carryForwardCents: carry, pendingIds: pending.map(\.id), next: next, keyStart: end,
                    keyEnd: nextEnd, ended: sub.cancelAtPeriodEnd, trialEnded: wasTrial && !sub.cancelAtPeriodEnd)
    }

    /// Lines for usage in `[from, to)` beyond what one period of `sub`'s cycle includes, priced by `catalog`.
    static func overageLines(_ conn: Connection, _ sub: Subscription, catalog: Billing.Plan, from: Date, to: Date,
                             calendar: BillingCalendar) throws -> [InvoiceLine] {
        let months = sub.billingCycle.months ?? 1
        // To the millisecond, as events are stored: an immediate cancellation ends mid-second, and usage in
        // that second before it is billed (truncating to whole seconds dropped it).
        let millis = { (d: Date) in Int64((d.timeIntervalSince1970 * 1000).rounded(.down)) }
        let totals = try UsageQueries.totals(conn, tenantId: sub.tenantId, fromMillis: millis(from), toMillis: millis(to), calendar: calendar)
        var lines: [InvoiceLine] = []
        for resource in ResourceType.allCases {
            guard let micros = catalog.overageMicros[resource], micros > 0 else { continue }
            let used = totals[resource]?.totalQuantity ?? 0
            let included = catalog.includedQuantity(resource, months: months) ?? 0
            guard used > included else { continue }
            let over = used - included
            guard let cents = Money.lineCents(quantity: over, unitMicros: micros) else {
                throw BillingError.validation(field: "overage", reason: "\(resource.rawValue) overage is too large to bill")
            }
            lines.append(InvoiceLine(kind: .overage,
                                     description: "\(resource.rawValue) usage beyond the \(included) included (\(RFC3339.formatDate(from)) – \(RFC3339.formatDate(to)))",
                                     quantity: over, unitPriceMicros: micros, amountCents: cents))
        }
        return lines
    }

    /// Bills and rolls subscription `id` if its period ended by `cutoff`; otherwise does nothing.
    static func step(_ conn: Connection, subscriptionId id: String, cutoff: Date, calendar: BillingCalendar, now: Date,
                     faults: JobFaults) throws -> Step {
        guard let sub = try SubscriptionStore.findForUpdate(conn, id: id), let end = sub.currentPeriodEnd, end <= cutoff,
              let p = try plan(conn, sub, calendar: calendar, now: now) else { return .notDue }
        var invoiced = false
        var amount: Int64 = 0
        if !p.lines.isEmpty {
            let exists = try conn.queryOne("SELECT 1 FROM invoices WHERE subscription_id = ? AND period_start = ?",
                                           [.text(sub.id), .text(StoredTime.format(p.keyStart))]) != nil
            if !exists {
                let invoice = try InvoiceStore.insert(
                    conn, tenantId: sub.tenantId, subscriptionId: sub.id, status: .pending, currency: sub.currency, lines: p.lines,
                    periodStart: p.keyStart, periodEnd: p.keyEnd,
                    dueDate: RFC3339.formatDate(now.addingTimeInterval(Double(InvoicePolicy.dueDays) * 86400)),
                    billingDetails: nil, notes: nil, at: now)
                try SubscriptionStore.attachPendingLines(conn, ids: p.pendingIds, invoiceId: invoice.id)
                if p.carryForwardCents < 0 {
                    try SubscriptionStore.addPendingLine(conn, tenantId: sub.tenantId, subscriptionId: sub.id,
                                                         description: "Credit carried from \(invoice.number)", amountCents: p.carryForwardCents, at: now)
                }
                invoiced = true
                amount = invoice.amountCents
                try AuditLog.record(conn, .system, action: "generate_invoice", tenantId: sub.tenantId, targetId: invoice.id,
                                    changes: ["invoice_number": .string(invoice.number), "subscription_id": .string(sub.id),
                                              "amount_cents": .int(invoice.amountCents)], at: now)
            }
            try faults.afterInvoiceInsert?(sub.id)
        }
        try SubscriptionStore.update(conn, p.next)
        if p.ended {
            try NotificationWriter.insert(conn, tenantId: sub.tenantId, type: .subscriptionExpired, priority: .high,
                                          subject: "Subscription ended",
                                          message: "The \(sub.planType.rawValue) subscription ended on \(RFC3339.formatDate(end)) as requested.",
                                          metadata: ["subscription_id": .string(sub.id)], dedupeKey: "subscription_expired:\(sub.id)", at: now)
        }
        try AuditLog.record(conn, .system, action: "roll_subscription_period", tenantId: sub.tenantId, targetId: sub.id,
                            changes: ["status": .string(p.next.status.rawValue), "current_period_start": .string(RFC3339.format(p.next.currentPeriodStart)),
                                      "current_period_end": p.next.currentPeriodEnd.map { .string(RFC3339.format($0)) } ?? .null], at: now)
        return .rolled(invoiced: invoiced, ended: p.ended, trialEnded: p.trialEnded, invoiceAmount: amount)
    }
}
