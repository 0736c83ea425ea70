import Billing
import Foundation
import Support

/// Fields the subscription actions share (one wording, one limit).
enum SubscriptionFields {
    /// Without it the actions act on the tenant's live subscription.
    static let id = Field<String>.id("id", "The subscription (default: the tenant's live one)")
    static let billingCycle = Field<BillingCycle>.enumeration("billing_cycle", BillingCycle.self, "How often the base price is billed")
    static let priceCents = Field<Int64>.int("price_cents", "The base price per period in cents (default: the plan's price for the cycle)",
                                             in: 0...PlanService.maxCents)
    static let maxExternalIdLength = 200
    static let metadata = Field<JSONObject>.object("metadata", "Free-form details kept with the subscription")
    static let applyPlanQuotas = Field<Bool>.bool("apply_plan_quotas", "Make the plan's included usage the tenant's quotas (default true)")
}

/// `get_subscription`: one by id, else the live one.
struct GetSubscriptionInput: ActionInput {
    static let fields = [SubscriptionFields.id.spec]
    let id: String?
    init(_ r: inout InputReader) { id = r(SubscriptionFields.id) }
}

/// `list_subscriptions`: the tenant's history, newest first.
struct ListSubscriptionsInput: ActionInput {
    static let status = Field<Subscription.Status>.enumeration("status", Subscription.Status.self, "Only subscriptions in this status")
    static let fields = [status.spec] + Page.fields()
    let status: Subscription.Status?
    let page: Page
    init(_ r: inout InputReader) {
        status = r(Self.status)
        page = Page(&r)
    }
}

/// `create_subscription`: subscribe the tenant to a plan.
struct CreateSubscriptionInput: ActionInput {
    static let plan = PlanFields.plan.required().example("starter")
    static let billingCycle = SubscriptionFields.billingCycle.required().example("monthly")
    static let status = Field<Subscription.Status>.enumeration("status", Subscription.Status.self, "active (default) or trial")
    static let currency = Field<String>.string("currency", "ISO 4217 code of the price (default: the plan's)", maxLength: 3)
    static let trialDays = Field<Int64>.int("trial_days", "Length of the free trial in days (or trial_ends_at)", in: 1...365)
    static let trialEndsAt = Field<Date>.date("trial_ends_at", "When the free trial ends (or trial_days)")
    static let startDate = Field<Date>.date("start_date", "When it starts (default now; in the past it joins the anchored period containing now)")
    static let externalId = Field<String>.string("external_subscription_id", "The id of this subscription in another system",
                                                 maxLength: SubscriptionFields.maxExternalIdLength)
    static let invoiceFirstPeriod = Field<Bool>.bool("invoice_first_period",
                                                     "Invoice the first paid period at once (default true; false when migrating)")
    static let fields = [plan.spec, billingCycle.spec, status.spec, SubscriptionFields.priceCents.spec, currency.spec, trialDays.spec,
                         trialEndsAt.spec, startDate.spec, externalId.spec, SubscriptionFields.metadata.spec,
                         SubscriptionFields.applyPlanQuotas.spec, invoiceFirstPeriod.spec]

    let draft: SubscriptionDraft

    init(_ r: inout InputReader) {
        var d = SubscriptionDraft()
        d.planType = r(Self.plan)
        d.billingCycle = r(Self.billingCycle)
        d.status = r(Self.status)
        d.priceCents = r(SubscriptionFields.priceCents)
        d.currency = r(Self.currency)
        d.trialDays = r(Self.trialDays)
        d.trialEndsAt = r(Self.trialEndsAt)
        d.startDate = r(Self.startDate)
        d.externalSubscriptionId = r(Self.externalId)
        d.metadata = r(SubscriptionFields.metadata)
        d.applyPlanQuotas = r(SubscriptionFields.applyPlanQuotas) ?? true
        d.invoiceFirstPeriod = r(Self.invoiceFirstPeriod) ?? true
        draft = d
    }
}

/// `update_subscription`: change plan, price, cycle, status or details; omitted fields are kept.
struct UpdateSubscriptionInput: ActionInput {
    static let plan = PlanFields.plan
    static let status = Field<Subscription.Status>.enumeration("status", Subscription.Status.self,
                                                               "The new status: active ↔ past_due, → suspended, suspended → active")
    static let cancelAtPeriodEnd = Field<Bool>.bool("cancel_at_period_end", "End it when the period ends (false undoes a scheduled cancellation)")
    static let externalId = Field<String>.string("external_subscription_id", "The id of this subscription in another system (null clears it)",
                                                 maxLength: SubscriptionFields.maxExternalIdLength).nullable()
    static let metadata = SubscriptionFields.metadata.nullable()
    static let fields = [SubscriptionFields.id.spec, plan.spec, SubscriptionFields.billingCycle.spec, SubscriptionFields.priceCents.spec,
                         status.spec, cancelAtPeriodEnd.spec, externalId.spec, metadata.spec, SubscriptionFields.applyPlanQuotas.spec]

    let id: String?
    let update: SubscriptionUpdate

    init(_ r: inout InputReader) {
        id = r(SubscriptionFields.id)
        var u = SubscriptionUpdate()
        u.planType = r(Self.plan)
        u.billingCycle = r(SubscriptionFields.billingCycle)
        u.priceCents = r(SubscriptionFields.priceCents)
        u.status = r(Self.status)
        u.cancelAtPeriodEnd = r(Self.cancelAtPeriodEnd)
        u.externalSubscriptionId = r(Self.externalId)
        u.metadata = r(Self.metadata)
        u.applyPlanQuotas = r(SubscriptionFields.applyPlanQuotas) ?? true
        update = u
    }
}

/// `cancel_subscription`: now or at the end of the period.
struct CancelSubscriptionInput: ActionInput {
    static let immediately = Field<Bool>.bool("immediately", "Cancel now instead of at the end of the period (lifetime needs it)")
    static let fields = [SubscriptionFields.id.spec, immediately.spec]
    let id: String?
    let immediately: Bool
    init(_ r: inout InputReader) {
        id = r(SubscriptionFields.id)
        immediately = r(Self.immediately) ?? false
    }
}
