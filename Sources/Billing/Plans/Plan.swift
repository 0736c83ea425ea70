import Foundation

/// The plan types of the catalog (one plan per type; SPEC §7).
public enum PlanType: String, Sendable, CaseIterable {
    case free, starter, professional, enterprise, custom
}

/// Usage a plan includes: applied as the tenant's quota of `(resourceType, period)` on subscribe.
public struct IncludedUsage: Sendable, Equatable {
    public var resourceType: ResourceType
    public var period: PeriodType
    public var limitValue: Int64
    public var isHardLimit: Bool

    public init(resourceType: ResourceType, period: PeriodType, limitValue: Int64, isHardLimit: Bool) {
        self.resourceType = resourceType
        self.period = period
        self.limitValue = limitValue
        self.isHardLimit = isHardLimit
    }
}

/// A catalog entry: prices per cycle in cents, included usage, overage unit prices in micro-units.
public struct Plan: Sendable, Equatable {
    public let planType: PlanType
    public var name: String
    public var description: String?
    public var currency: String
    /// Price per billing cycle in cents; a missing cycle is not offered (a subscription must name its price).
    public var prices: [BillingCycle: Int64]
    public var included: [IncludedUsage]
    /// Unit price per resource beyond the included monthly amount, in micro-units (1,000,000 = one currency unit).
    public var overageMicros: [ResourceType: Int64]
    public var isActive: Bool
    public let createdAt: Date
    public var updatedAt: Date

    /// The usage of `resource` included in one billing period of `months` months: the plan's
    /// monthly allowance times the months; nil when the plan has no monthly allowance for it
    /// (then all usage with an overage price is billed). Hourly/daily entries are rate limits, not allowances.
    public func includedQuantity(_ resource: ResourceType, months: Int) -> Int64? {
        guard let monthly = included.first(where: { $0.resourceType == resource && $0.period == .monthly }) else { return nil }
        let (v, overflow) = monthly.limitValue.multipliedReportingOverflow(by: Int64(months))
        return overflow ? Int64.max : v
    }
}

/// `upsert_plan` input; nil fields keep the stored value (an upsert keeps what it is not told).
public struct PlanDraft: Sendable {
    public var name: String?
    public var description: String??
    public var currency: String?
    /// Only the cycles named change; a value of nil removes the cycle's price.
    public var prices: [BillingCycle: Int64?] = [:]
    public var included: [IncludedUsage]?
    public var overageMicros: [ResourceType: Int64]?
    public var isActive: Bool?

    public init() {}
}
