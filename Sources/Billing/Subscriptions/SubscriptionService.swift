import Foundation
import Storage
import Support

/// Subscriptions of one tenant: at most one live, the rest history (SPEC §7).
public struct SubscriptionService: Sendable {
    let database: Database
    let clock: any WallClock
    let calendar: BillingCalendar

    public init(database: Database, clock: any WallClock, settings: BillingSettings) {
        self.database = database
        self.clock = clock
        calendar = settings.calendar
    }

    /// The live subscription, or nil.
    public func live(tenantId: String) throws -> Subscription? {
        try database.read { try SubscriptionStore.live($0, tenantId: tenantId) }
    }

    public func get(id: String, tenantId: String) throws -> Subscription {
        guard let s = try database.read({ try SubscriptionStore.find($0, id: id, tenantId: tenantId) }) else {
            throw BillingError.notFound("subscription not found")
        }
        return s
    }

    public func list(tenantId: String, status: Subscription.Status?, limit: Int, offset: Int) throws -> (items: [Subscription], total: Int) {
        try database.read { try SubscriptionStore.list($0, tenantId: tenantId, status: status, limit: limit, offset: offset) }
    }

    public func create(tenantId: String, _ d: SubscriptionDraft, context: CallContext) throws -> Subscription {
        guard let planType = d.planType else { throw BillingError.missing("plan_type") }
        guard let cycle = d.billingCycle else { throw BillingError.missing("billing_cycle") }
        if let p = d.priceCents, !(0...PlanService.maxCents).contains(p) {
            throw BillingError.validation(field: "price_cents", reason: "must be between 0 and \(PlanService.maxCents)")
        }
        if d.trialDays != nil, d.trialEndsAt != nil {
            throw BillingError.validation(field: "trial_days", reason: "give trial_days or trial_ends_at, not both")
        }
        if let days = d.trialDays, !(1...365).contains(days) {
            throw BillingError.validation(field: "trial_days", reason: "must be between 1 and 365")
        }
        let currency = try d.currency.map { try PlanService.currency($0) }
        let external = try d.externalSubscriptionId.flatMap { try Validate.text($0, field: "external_subscription_id", maxLength: 200, required: false) }
        let now = clock.now()
        let start = Self.wholeSeconds(d.startDate ?? now)
        let trialEnd = d.trialEndsAt.map(Self.wholeSeconds) ?? d.trialDays.map { start.addingTimeInterval(Double($0) * 86400) }
        if let trialEnd, trialEnd <= max(start, now) {
            throw BillingError.validation(field: d.trialEndsAt != nil ? "trial_ends_at" : "trial_days", reason: "must put the trial end after the start and in the future")
        }
        switch d.status {
        case nil, .active?, .trial?: break
        default: throw BillingError.validation(field: "status", reason: "must be active or trial for a new subscription")
        }
        if d.status == .trial, trialEnd == nil { throw BillingError.validation(field: "trial_days", reason: "is required for a trial (or give trial_ends_at)") }
        if d.status == .active, trialEnd != nil { throw BillingError.validation(field: "status", reason: "must be trial when a trial is given") }
        let calendar = self.calendar

        return try database.write { conn in
            guard let plan = try PlanStore.find(conn, planType), plan.isActive else {
                throw BillingError.validation(field: "plan_type", reason: "is not an active plan of the catalog")
            }
            guard let price = d.priceCents ?? plan.prices[cycle] else {
                throw BillingError.validation(field: "price_cents", reason: "is required: plan \(planType.rawValue) has no \(cycle.rawValue) price")
            }
            if try SubscriptionStore.live(conn, tenantId: tenantId) != nil {
                throw BillingError.conflict("the tenant already has a live subscription; cancel it first")
            }
            var sub = Subscription(id: UUIDv7.make(at: now), tenantId: tenantId, planType: planType, billingCycle: cycle, status: .active,
                                   priceCents: price, currency: currency ?? plan.currency, anchorAt: start, cycleIndex: 0,
                                   currentPeriodStart: start, currentPeriodEnd: nil, trialEndsAt: trialEnd, periodBilled: false,
                                   cancelAtPeriodEnd: false, cancelledAt: nil, endedAt: nil, externalSubscriptionId: external,
                                   metadata: d.metadata, createdAt: now, updatedAt: now)
            if let trialEnd {
                sub.status = .trial
                sub.anchorAt = trialEnd
                sub.currentPeriodEnd = trialEnd
            } else if let period = calendar.period(containing: max(now, start), cycle: cycle, anchor: start) {
                // A start in the past (a migration) joins the anchored period containing now; earlier ones were billed elsewhere.
                sub.cycleIndex = period.index
                sub.currentPeriodStart = period.start
                sub.currentPeriodEnd = period.end
            }
            let billNow = sub.status == .active && d.invoiceFirstPeriod && price > 0
            sub.periodBilled = billNow
            try SubscriptionStore.insert(conn, sub)
            if billNow {
                let line = Self.baseLine(plan: plan, sub: sub, start: sub.currentPeriodStart, end: sub.currentPeriodEnd)
                _ = try InvoiceStore.insert(conn, tenantId: tenantId, subscriptionId: sub.id, status: .pending, currency: sub.currency,
                                            lines: [line], periodStart: sub.currentPeriodStart, periodEnd: sub.currentPeriodEnd,
                                            dueDate: RFC3339.formatDate(now.addingTimeInterval(Double(InvoicePolicy.dueDays) * 86400)),
                                            billingDetails: nil, notes: nil, at: now)
            }
            if d.applyPlanQuotas { try Self.applyQuotas(conn, plan: plan, tenantId: tenantId, at: now) }
            try conn.run("UPDATE tenants SET plan = ?, updated_at = ? WHERE id = ?", [.text(planType.rawValue), .text(StoredTime.format(now)), .text(tenantId)])
            try AuditLog.record(conn, context, action: "create_subscription", tenantId: tenantId, targetId: sub.id,
                                changes: ["plan_type": .string(planType.rawValue), "billing_cycle": .string(cycle.rawValue),
                                          "status": .string(sub.status.rawValue), "price_cents": .int(price)], at: now)
            return sub
        }
    }

    /// Changes the live subscription (or `id`'s, which must be live). Plan, price or cycle changes apply now and
    /// leave proration lines for the next invoice when the current period was billed.
    public func update(tenantId: String, id: String?, _ u: SubscriptionUpdate, context: CallContext) throws -> Subscription {
        if let p = u.priceCents, !(0...PlanService.maxCents).contains(p) {
            throw BillingError.validation(field: "price_cents", reason: "must be between 0 and \(PlanService.maxCents)")
        }
        let external: String?? = try u.externalSubscriptionId.map { try $0.flatMap { try Validate.text($0, field: "external_subscription_id", maxLength: 200, required: false) } }
        let now = Self.wholeSeconds(clock.now())
        let calendar = self.calendar
        return try database.write { conn in
            let found = try id.map { try SubscriptionStore.find(conn, id: $0, tenantId: tenantId, forUpdate: true) } ?? SubscriptionStore.live(conn, tenantId: tenantId, forUpdate: true)
            guard let old = found else { throw BillingError.notFound(id == nil ? "the tenant has no live subscription" : "subscription not found") }
            guard old.status.isLive else {
                throw BillingError.conflict("a \(old.status.rawValue) subscription cannot change; create a new one")
            }
            var sub = old
            var changes = JSONObject()
            if let next = u.status, next != old.status {
                let allowed: [Subscription.Status: Set<Subscription.Status>] = [
                    .active: [.pastDue, .suspended], .pastDue: [.active, .suspended], .suspended: [.active],
                ]
                guard allowed[old.status]?.contains(next) == true else {
                    throw BillingError.conflict("a subscription cannot move from \(old.status.rawValue) to \(next.rawValue) here (cancel with cancel_subscription)")
                }
                sub.status = next
                changes["status"] = ["from": .string(old.status.rawValue), "to": .string(next.rawValue)]
            }
            let planChanged = u.planType != nil && u.planType != old.planType
            let cycleChanged = u.billingCycle != nil && u.billingCycle != old.billingCycle
            var plan: Plan?
            if planChanged || cycleChanged || u.priceCents != nil {
                guard let p = try PlanStore.find(conn, u.planType ?? old.planType), p.isActive || !planChanged else {
                    throw BillingError.validation(field: "plan_type", reason: "is not an active plan of the catalog")
                }
                plan = p
                let cycle = u.billingCycle ?? old.billingCycle
                let price: Int64
                if let given = u.priceCents { price = given } else if planChanged || cycleChanged {
                    guard let p = p.prices[cycle] else {
                        throw BillingError.validation(field: "price_cents", reason: "is required: plan \(p.planType.rawValue) has no \(cycle.rawValue) price")
                    }
                    price = p
                } else { price = old.priceCents }
                sub.planType = p.planType
                sub.billingCycle = cycle
                sub.priceCents = price
                if cycleChanged, old.status != .trial {
                    // A new cycle re-anchors on the current period's start (its day of month is kept).
                    if cycle == .lifetime {
                        sub.anchorAt = now; sub.cycleIndex = 0; sub.currentPeriodStart = now; sub.currentPeriodEnd = nil
                    } else {
                        let anchor = old.currentPeriodEnd == nil ? now : old.currentPeriodStart
                        let period = calendar.period(containing: now, cycle: cycle, anchor: anchor)!
                        sub.anchorAt = anchor; sub.cycleIndex = period.index
                        sub.currentPeriodStart = period.start; sub.currentPeriodEnd = period.end
                    }
                }
                if old.periodBilled, old.status != .trial, sub.priceCents != old.priceCents || cycleChanged || planChanged {
                    for line in Self.prorationLines(old: old, new: sub, plan: p, at: now) {
                        try SubscriptionStore.addPendingLine(conn, tenantId: tenantId, subscriptionId: sub.id, description: line.description,
                                                             amountCents: line.amountCents, at: now)
                    }
                }
                changes["plan_type"] = .string(sub.planType.rawValue)
                changes["billing_cycle"] = .string(sub.billingCycle.rawValue)
                changes["price_cents"] = .int(sub.priceCents)
            }
            if let c = u.cancelAtPeriodEnd, c != old.cancelAtPeriodEnd {
                guard !c || sub.currentPeriodEnd != nil else {
                    throw BillingError.validation(field: "cancel_at_period_end", reason: "a lifetime subscription has no period end; cancel it immediately")
                }
                sub.cancelAtPeriodEnd = c
                sub.cancelledAt = c ? now : nil
                changes["cancel_at_period_end"] = .bool(c)
            }
            if let external { sub.externalSubscriptionId = external; changes["external_subscription_id"] = JSON(external) }
            if let metadata = u.metadata { sub.metadata = metadata; changes["metadata"] = metadata.map { .object($0) } ?? .null }
            sub.updatedAt = now
            try SubscriptionStore.update(conn, sub)
            if planChanged, u.applyPlanQuotas, let plan { try Self.applyQuotas(conn, plan: plan, tenantId: tenantId, at: now) }
            if planChanged {
                try conn.run("UPDATE tenants SET plan = ?, updated_at = ? WHERE id = ?", [.text(sub.planType.rawValue), .text(StoredTime.format(now)), .text(tenantId)])
            }
            try AuditLog.record(conn, context, action: "update_subscription", tenantId: tenantId, targetId: sub.id, changes: changes, at: now)
            return sub
        }
    }

    /// `immediately` ends it now (`cancelled`); otherwise it ends when the current period does.
    public func cancel(tenantId: String, id: String?, immediately: Bool, context: CallContext) throws -> Subscription {
        let now = clock.now()
        return try database.write { conn in
            let found = try id.map { try SubscriptionStore.find(conn, id: $0, tenantId: tenantId, forUpdate: true) } ?? SubscriptionStore.live(conn, tenantId: tenantId, forUpdate: true)
            guard var sub = found else { throw BillingError.notFound(id == nil ? "the tenant has no live subscription" : "subscription not found") }
            guard sub.status.isLive else { throw BillingError.conflict("the subscription has already ended (\(sub.status.rawValue))") }
            if immediately {
                // What was used since the last advance invoice is billed by generate_invoices (ClosingInvoice).
                if sub.status != .trial { try SubscriptionStore.markClosingDue(conn, id: sub.id, at: now) }
                sub.status = .cancelled
                sub.cancelledAt = now
                sub.endedAt = now
                sub.cancelAtPeriodEnd = false
            } else {
                guard sub.currentPeriodEnd != nil else {
                    throw BillingError.validation(field: "immediately", reason: "must be true: a lifetime subscription has no period end")
                }
                sub.cancelAtPeriodEnd = true
                sub.cancelledAt = now
            }
            sub.updatedAt = now
            try SubscriptionStore.update(conn, sub)
            try AuditLog.record(conn, context, action: "cancel_subscription", tenantId: tenantId, targetId: sub.id,
                                changes: ["immediately": .bool(immediately), "status": .string(sub.status.rawValue)], at: now)
            return sub
        }
    }

    // MARK: - Shared with the billing job

    static func baseLine(plan: Plan?, sub: Subscription, start: Date, end: Date?) -> InvoiceLine {
        let name = plan?.name ?? sub.planType.rawValue.capitalized
        let span = end.map { "\(RFC3339.formatDate(start)) – \(RFC3339.formatDate($0))" } ?? "from \(RFC3339.formatDate(start))"
        return InvoiceLine(kind: .base, description: "\(name) plan, \(sub.billingCycle.rawValue) (\(span))", quantity: 1,
                           unitAmountCents: sub.priceCents, amountCents: sub.priceCents)
    }

    static func prorationLines(old: Subscription, new: Subscription, plan: Plan, at now: Date) -> [(description: String, amountCents: Int64)] {
        let oldLabel = "\(old.planType.rawValue) (\(old.billingCycle.rawValue), \(Money.format(old.priceCents)))"
        let newLabel = "\(plan.name) (\(new.billingCycle.rawValue), \(Money.format(new.priceCents)))"
        var out: [(String, Int64)] = []
        if let oldEnd = old.currentPeriodEnd {
            let credit = Proration.remaining(price: old.priceCents, start: old.currentPeriodStart, end: oldEnd, at: now)
            if credit != 0 { out.append(("Unused time on \(oldLabel) from \(RFC3339.formatDate(now))", -credit)) }
        }
        if let newEnd = new.currentPeriodEnd {
            let charge = Proration.remaining(price: new.priceCents, start: new.currentPeriodStart, end: newEnd, at: now)
            if charge != 0 { out.append(("Remaining time on \(newLabel) from \(RFC3339.formatDate(now)) to \(RFC3339.formatDate(newEnd))", charge)) }
        } else if new.priceCents != 0 {
            out.append(("\(newLabel) lifetime access", new.priceCents))
        }
        return out
    }

    static func applyQuotas(_ conn: Connection, plan: Plan, tenantId: String, at now: Date) throws {
        for item in plan.included {
            _ = try QuotaStore.upsert(conn, tenantId: tenantId, QuotaInput(resourceType: item.resourceType, period: item.period,
                                                                          limitValue: item.limitValue, isHardLimit: item.isHardLimit), at: now)
        }
    }

    /// Period arithmetic works in whole seconds.
    static func wholeSeconds(_ d: Date) -> Date { Date(timeIntervalSince1970: floor(d.timeIntervalSince1970)) }
}
