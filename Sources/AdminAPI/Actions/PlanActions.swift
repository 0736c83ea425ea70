import Billing
import HTTP
import Support

/// The plan catalog (SPEC §7).
enum PlanActions {
    static func make(_ s: AdminServices) -> [Action] {
        [
            Action("list_plans", [.GET], .read, scope: .none, summary: "The plan catalog (include_inactive=true for retired plans)") { r in
                let all = try r.params.bool("include_inactive") ?? false
                return .ok(.array(try s.plans.list(includeInactive: all).map(Present.plan)))
            },
            Action("upsert_plan", [.POST], .superAdmin, scope: .none, summary: "Create or change a plan of the catalog (omitted fields are kept)") { r in
                guard let type = try r.params.enumeration("plan_type", PlanType.self) else { throw APIError.validation("plan_type", "is required") }
                let result = try s.plans.upsert(type, try draft(r.params), context: r.context)
                return result.created ? .created(Present.plan(result.plan)) : .ok(Present.plan(result.plan))
            },
        ]
    }

    static func draft(_ p: Params) throws -> PlanDraft {
        var d = PlanDraft()
        d.name = try p.string("name", maxLength: 100)
        if p.has("description") { d.description = .some(try p.nullableString("description", maxLength: 1000) ?? nil) }
        d.currency = try p.string("currency", maxLength: 3)
        if p.has("price_cents") {
            d.prices[.monthly] = .some(try p.int("price_cents", in: 0...PlanService.maxCents))
        }
        if let prices = try p.object("prices") {
            for (key, value) in prices {
                guard let cycle = BillingCycle(rawValue: key) else {
                    throw APIError.validation("prices.\(key)", "is not a billing cycle (monthly, quarterly, yearly, lifetime)")
                }
                switch value {
                case .null: d.prices[cycle] = .some(nil)
                case .int(let v) where (0...PlanService.maxCents).contains(v): d.prices[cycle] = .some(v)
                default: throw APIError.validation("prices.\(key)", "must be an integer number of cents between 0 and \(PlanService.maxCents), or null")
                }
            }
        }
        if let items = try p.array("included_usage") {
            d.included = try items.enumerated().map { i, item in
                let field = "included_usage[\(i)]"
                guard let o = item.objectValue else { throw APIError.validation(field, "must be an object") }
                guard let type = o["resource_type"]?.stringValue.flatMap(ResourceType.init(rawValue:)) else {
                    throw APIError.validation("\(field).resource_type", "must be one of \(ResourceType.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                guard let period = o["period"]?.stringValue.flatMap(PeriodType.init(rawValue:)) else {
                    throw APIError.validation("\(field).period", "must be one of \(PeriodType.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                guard let limit = o["limit_value"]?.intValue, limit >= 1 else { throw APIError.validation("\(field).limit_value", "must be an integer of at least 1") }
                var hard = false
                if let h = o["is_hard_limit"], h != .null {
                    guard let b = h.boolValue else { throw APIError.validation("\(field).is_hard_limit", "must be a boolean") }
                    hard = b
                }
                return IncludedUsage(resourceType: type, period: period, limitValue: limit, isHardLimit: hard)
            }
        }
        if let overage = try p.object("overage_unit_price_micros") {
            var prices: [ResourceType: Int64] = [:]
            for (key, value) in overage {
                guard let type = ResourceType(rawValue: key) else {
                    throw APIError.validation("overage_unit_price_micros.\(key)", "is not a resource type")
                }
                guard let v = value.intValue, v >= 0 else {
                    throw APIError.validation("overage_unit_price_micros.\(key)", "must be a non-negative integer of micro-units")
                }
                prices[type] = v
            }
            d.overageMicros = prices
        }
        d.isActive = try p.bool("is_active")
        return d
    }
}
