import Foundation
import Storage
import Support

/// The plan catalog (`list_plans`, super-admin `upsert_plan`).
public struct PlanService: Sendable {
    /// Upper bound for any single price or amount in cents (10 billion currency units).
    public static let maxCents: Int64 = 1_000_000_000_000

    let database: Database
    let clock: any WallClock

    public init(database: Database, clock: any WallClock) {
        self.database = database
        self.clock = clock
    }

    /// One page of the catalog in catalog order (free first), with the number of plans listed.
    public func list(includeInactive: Bool = false, limit: Int = 100, offset: Int = 0) throws -> (items: [Plan], total: Int) {
        try database.read { try PlanStore.list($0, includeInactive: includeInactive, limit: limit, offset: offset) }
    }

    public func get(_ type: PlanType) throws -> Plan {
        guard let p = try database.read({ try PlanStore.find($0, type) }) else { throw BillingError.notFound("plan not found") }
        return p
    }

    /// Creates or changes the plan of `type`, keeping every field the draft omits.
    public func upsert(_ type: PlanType, _ draft: PlanDraft, context: CallContext) throws -> (plan: Plan, created: Bool) {
        let name = try draft.name.map { try Validate.text($0, field: "name", maxLength: 100)! }
        let description: String?? = try draft.description.map { try $0.flatMap { try Validate.text($0, field: "description", maxLength: 1000, required: false) } }
        let currency = try draft.currency.map { try Self.currency($0) }
        for (cycle, price) in draft.prices {
            if let price, !(0...Self.maxCents).contains(price) {
                throw BillingError.validation(field: "prices.\(cycle.rawValue)", reason: "must be between 0 and \(Self.maxCents)")
            }
        }
        if let included = draft.included {
            var seen = Set<String>()
            for (i, item) in included.enumerated() {
                guard item.limitValue > 0 else { throw BillingError.validation(field: "included_usage[\(i)].limit_value", reason: "must be at least 1") }
                guard seen.insert("\(item.resourceType.rawValue)/\(item.period.rawValue)").inserted else {
                    throw BillingError.validation(field: "included_usage[\(i)]", reason: "names \(item.resourceType.rawValue)/\(item.period.rawValue) twice")
                }
            }
        }
        for (r, micros) in draft.overageMicros ?? [:] where !(0...1_000_000_000_000).contains(micros) {
            throw BillingError.validation(field: "overage_unit_price_micros.\(r.rawValue)", reason: "must be between 0 and 1000000000000")
        }
        let now = clock.now()
        return try database.write { conn in
            let existing = try PlanStore.find(conn, type)
            var plan = existing ?? Plan(planType: type, name: name ?? type.rawValue.capitalized, description: nil, currency: "BRL",
                                        prices: [:], included: [], overageMicros: [:], isActive: true, createdAt: now, updatedAt: now)
            var changes = JSONObject()
            if let name { plan.name = name; changes["name"] = .string(name) }
            if let description { plan.description = description; changes["description"] = JSON(description) }
            if let currency { plan.currency = currency; changes["currency"] = .string(currency) }
            for (cycle, price) in draft.prices {
                plan.prices[cycle] = price
                changes["price_\(cycle.rawValue)_cents"] = JSON(price)
            }
            if let included = draft.included { plan.included = included; changes["included_usage"] = PlanStore.includedJSON(included) }
            if let overage = draft.overageMicros { plan.overageMicros = overage; changes["overage_unit_price_micros"] = PlanStore.overageJSON(overage) }
            if let active = draft.isActive { plan.isActive = active; changes["is_active"] = .bool(active) }
            plan.updatedAt = now
            try PlanStore.save(conn, plan)
            try AuditLog.record(conn, context, action: "upsert_plan", tenantId: nil, targetId: type.rawValue, changes: changes, at: now)
            return (plan, existing == nil)
        }
    }

    /// An ISO 4217 code: three upper-case letters (lower case is accepted and upper-cased).
    static func currency(_ value: String, field: String = "currency") throws -> String {
        let v = value.trimmingCharacters(in: .whitespaces).uppercased()
        guard v.utf8.count == 3, v.utf8.allSatisfy({ $0 >= 65 && $0 <= 90 }) else {
            throw BillingError.validation(field: field, reason: "must be a three-letter ISO 4217 code such as BRL")
        }
        return v
    }
}
