import Billing
import Support

/// The name of a plan of the catalog wherever one is referred to (`create_subscription`, `upsert_plan`);
/// `plan_type`, its old name, is accepted for one release.
enum PlanFields {
    static let plan = Field<PlanType>.enumeration("plan", PlanType.self, "The plan of the catalog, by its type").alias("plan_type")
}

/// `list_plans`: the catalog in its order, one page of it.
struct ListPlansInput: ActionInput {
    static let includeInactive = Field<Bool>.bool("include_inactive", "Also list retired plans (is_active false)")
    static let fields = [includeInactive.spec] + Page.fields()

    let includeInactive: Bool
    let page: Page

    init(_ r: inout InputReader) {
        includeInactive = r(Self.includeInactive) ?? false
        page = Page(&r)
    }
}

/// `upsert_plan`'s `prices`: a price per billing cycle, null to stop offering the cycle.
struct PlanPricesFields: InputShape {
    static let cycles: [(cycle: BillingCycle, field: NullableField<Int64>)] = BillingCycle.allCases.map { cycle in
        (cycle, Field<Int64>.int(cycle.rawValue, "Price of a \(cycle.rawValue) period in cents (null: the cycle is not offered)",
                                 in: 0...PlanService.maxCents).nullable())
    }
    static let fields = cycles.map(\.field.spec)

    /// Only the cycles named: nil removes the cycle's price.
    let prices: [BillingCycle: Int64?]

    init(_ r: inout InputReader) {
        var prices: [BillingCycle: Int64?] = [:]
        for (cycle, field) in Self.cycles {
            if let price = r(field) { prices[cycle] = price }
        }
        self.prices = prices
    }
}

/// One element of `upsert_plan`'s `included_usage`: usage the plan includes, applied as a quota on subscribe.
struct IncludedUsageFields: InputShape {
    static let resourceType = CommonFields.resourceType.required().example("message")
    static let period = CommonFields.period.required().example("monthly")
    static let limitValue = Field<Int64>.int("limit_value", "Units included per period (monthly entries are the billing allowance)",
                                            in: 1...Int64.max).required().example(5000)
    static let isHardLimit = Field<Bool>.bool("is_hard_limit", "Refuse usage beyond the limit (default false)")
    static let fields = [resourceType.spec, period.spec, limitValue.spec, isHardLimit.spec]

    let included: IncludedUsage

    init(_ r: inout InputReader) {
        included = IncludedUsage(resourceType: r(Self.resourceType), period: r(Self.period), limitValue: r(Self.limitValue),
                                 isHardLimit: r(Self.isHardLimit) ?? false)
    }
}

/// `upsert_plan`'s `overage_unit_price_micros`: a price per unit beyond the included usage, by resource type.
struct OveragePricesFields: InputShape {
    static let resources: [(resource: ResourceType, field: Field<Int64>)] = ResourceType.allCases.map { resource in
        (resource, Field<Int64>.int(resource.rawValue, "Price of one \(resource.rawValue) beyond the included usage, in micro-units",
                                    in: 0...Int64.max))
    }
    static let fields = resources.map(\.field.spec)

    let prices: [ResourceType: Int64]

    init(_ r: inout InputReader) {
        var prices: [ResourceType: Int64] = [:]
        for (resource, field) in Self.resources {
            if let price = r(field) { prices[resource] = price }
        }
        self.prices = prices
    }
}

/// `upsert_plan`: create or change one plan of the catalog; omitted fields are kept.
struct UpsertPlanInput: ActionInput {
    static let plan = PlanFields.plan.required().example("starter")
    static let name = Field<String>.string("name", "The name shown to customers", maxLength: 100)
    static let description = Field<String>.string("description", "What the plan offers (null clears it)", maxLength: 1000).nullable()
    static let currency = Field<String>.string("currency", "ISO 4217 code of the prices (BRL)", maxLength: 3)
    static let priceCents = Field<Int64>.int("price_cents", "The monthly price in cents (the same as prices.monthly)", in: 0...PlanService.maxCents)
    static let prices = PlanPricesFields.object("prices", "Prices by billing cycle in cents; null removes a cycle, cycles not named are kept")
    /// Every (resource type, period) pair at most once.
    static let maxIncludedUsage = ResourceType.allCases.count * PeriodType.allCases.count
    static let includedUsage = IncludedUsageFields.array("included_usage", count: 0...maxIncludedUsage,
                                                         "Usage the plan includes, one entry per resource type and period (replaces the list)")
    static let overage = OveragePricesFields.object("overage_unit_price_micros",
                                                    "Unit prices beyond the monthly included usage, in micro-units by resource type (replaces them)")
    static let isActive = Field<Bool>.bool("is_active", "Whether the plan can be subscribed to")
    static let fields = [plan.spec, name.spec, description.spec, currency.spec, priceCents.spec, prices.spec, includedUsage.spec,
                         overage.spec, isActive.spec]

    let plan: PlanType
    let draft: PlanDraft

    init(_ r: inout InputReader) {
        plan = r(Self.plan)
        var d = PlanDraft()
        d.name = r(Self.name)
        d.description = r(Self.description)
        d.currency = r(Self.currency)
        if let monthly = r(Self.priceCents) { d.prices[.monthly] = .some(monthly) }
        if let prices = r(Self.prices) {
            for (cycle, price) in prices.prices { d.prices[cycle] = price }
        }
        d.included = r(Self.includedUsage)?.map(\.included)
        d.overageMicros = r(Self.overage)?.prices
        d.isActive = r(Self.isActive)
        draft = d
    }
}
