import Foundation
import Support

/// A tenant's subscription to a plan; ended ones stay as history.
public struct Subscription: Sendable, Equatable {
    public enum Status: String, Sendable, CaseIterable {
        case trial, active
        case pastDue = "past_due"
        case suspended, cancelled, expired

        /// Live subscriptions count against "one per tenant"; ended ones are history.
        public var isLive: Bool { self != .cancelled && self != .expired }
    }

    public let id: String
    public let tenantId: String
    public var planType: PlanType
    public var billingCycle: BillingCycle
    public var status: Status
    public var priceCents: Int64
    public var currency: String
    /// Period boundaries are `anchorAt + k × cycle months` (see `BillingCalendar.boundary`).
    public var anchorAt: Date
    public var cycleIndex: Int
    public var currentPeriodStart: Date
    /// Nil for lifetime subscriptions.
    public var currentPeriodEnd: Date?
    public var trialEndsAt: Date?
    /// Whether the current period's price has been invoiced (proration credits only what was billed).
    public var periodBilled: Bool
    public var cancelAtPeriodEnd: Bool
    public var cancelledAt: Date?
    public var endedAt: Date?
    public var externalSubscriptionId: String?
    public var metadata: JSONObject?
    public let createdAt: Date
    public var updatedAt: Date
}

/// `create_subscription` input.
public struct SubscriptionDraft: Sendable {
    public var planType: PlanType?
    public var billingCycle: BillingCycle?
    public var status: Subscription.Status?
    public var priceCents: Int64?
    public var currency: String?
    public var trialDays: Int64?
    public var trialEndsAt: Date?
    public var startDate: Date?
    public var externalSubscriptionId: String?
    public var metadata: JSONObject?
    /// Apply the plan's included usage as the tenant's quotas (default true).
    public var applyPlanQuotas = true
    /// Issue the first period's invoice now when the subscription starts paid (default true; false when migrating).
    public var invoiceFirstPeriod = true

    public init() {}
}

/// `update_subscription` input; nil keeps the stored value.
public struct SubscriptionUpdate: Sendable {
    public var planType: PlanType?
    public var billingCycle: BillingCycle?
    public var priceCents: Int64?
    public var status: Subscription.Status?
    public var cancelAtPeriodEnd: Bool?
    public var externalSubscriptionId: String??
    public var metadata: JSONObject??
    public var applyPlanQuotas = true

    public init() {}
}
