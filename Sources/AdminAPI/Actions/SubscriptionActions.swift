import Billing
import HTTP
import Support

/// Subscriptions (SPEC §7): one live per tenant, the rest history.
enum SubscriptionActions {
    static func make(_ s: AdminServices) -> [Action] {
        [
            Action("get_subscription", [.GET], .read, scope: .tenant, summary: "The tenant's live subscription, or null") { r in
                if let id = try r.params.id("id") { return .ok(Present.subscription(try s.subscriptions.get(id: id, tenantId: r.tenant))) }
                return .ok(try s.subscriptions.live(tenantId: r.tenant).map(Present.subscription) ?? .null)
            },
            Action("list_subscriptions", [.GET], .read, scope: .tenant, summary: "The tenant's subscriptions, newest first (history included)") { r in
                let status = try r.params.enumeration("status", Subscription.Status.self)
                let page = try r.params.page()
                let result = try s.subscriptions.list(tenantId: r.tenant, status: status, limit: page.limit, offset: page.offset)
                return .ok(Present.page(result.items.map(Present.subscription), total: result.total, limit: page.limit, offset: page.offset))
            },
            Action("create_subscription", [.POST], .write, scope: .tenant, summary: "Subscribe the tenant to a plan (409 when one is live)") { r in
                let p = r.params
                var d = SubscriptionDraft()
                d.planType = try p.enumeration("plan_type", PlanType.self)
                d.billingCycle = try p.enumeration("billing_cycle", BillingCycle.self)
                d.status = try p.enumeration("status", Subscription.Status.self)
                d.priceCents = try p.int("price_cents", in: 0...PlanService.maxCents)
                d.currency = try p.string("currency", maxLength: 3)
                d.trialDays = try p.int("trial_days", in: 1...365)
                d.trialEndsAt = try p.date("trial_ends_at")
                d.startDate = try p.date("start_date")
                d.externalSubscriptionId = try p.string("external_subscription_id", maxLength: 200)
                d.metadata = try p.object("metadata")
                d.applyPlanQuotas = try p.bool("apply_plan_quotas") ?? true
                d.invoiceFirstPeriod = try p.bool("invoice_first_period") ?? true
                return .created(Present.subscription(try s.subscriptions.create(tenantId: r.tenant, d, context: r.context)))
            },
            Action("update_subscription", [.POST], .write, scope: .tenant, summary: "Change plan, price, cycle, status or details of the live subscription") { r in
                let p = r.params
                var u = SubscriptionUpdate()
                u.planType = try p.enumeration("plan_type", PlanType.self)
                u.billingCycle = try p.enumeration("billing_cycle", BillingCycle.self)
                u.priceCents = try p.int("price_cents", in: 0...PlanService.maxCents)
                u.status = try p.enumeration("status", Subscription.Status.self)
                u.cancelAtPeriodEnd = try p.bool("cancel_at_period_end")
                if p.has("external_subscription_id") { u.externalSubscriptionId = .some(try p.nullableString("external_subscription_id", maxLength: 200) ?? nil) }
                if p.has("metadata") { u.metadata = .some(try p.object("metadata")) }
                u.applyPlanQuotas = try p.bool("apply_plan_quotas") ?? true
                return .ok(Present.subscription(try s.subscriptions.update(tenantId: r.tenant, id: try p.id("id"), u, context: r.context)))
            },
            Action("cancel_subscription", [.POST], .write, scope: .tenant, summary: "Cancel now (immediately=true) or at the end of the period") { r in
                let immediately = try r.params.bool("immediately") ?? false
                return .ok(Present.subscription(try s.subscriptions.cancel(tenantId: r.tenant, id: try r.params.id("id"), immediately: immediately,
                                                                          context: r.context)))
            },
        ]
    }
}
