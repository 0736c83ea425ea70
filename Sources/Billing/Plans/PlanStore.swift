import Foundation
import Storage
import Support

/// The SQL for the plan catalog; usable inside any transaction (subscriptions read plans while writing).
enum PlanStore {
    static func find(_ conn: Connection, _ type: PlanType) throws -> Plan? {
        try conn.queryOne("SELECT * FROM plans WHERE plan_type = ?", [.text(type.rawValue)]).map(decode)
    }

    static func list(_ conn: Connection, includeInactive: Bool) throws -> [Plan] {
        let rows = try conn.query("SELECT * FROM plans \(includeInactive ? "" : "WHERE is_active = 1")")
        let order = PlanType.allCases.map(\.rawValue)
        return rows.map(decode).sorted { order.firstIndex(of: $0.planType.rawValue)! < order.firstIndex(of: $1.planType.rawValue)! }
    }

    static func save(_ conn: Connection, _ p: Plan) throws {
        try conn.run("""
            INSERT INTO plans (plan_type, name, description, currency, price_monthly_cents, price_quarterly_cents, price_yearly_cents,
                               price_lifetime_cents, included_json, overage_json, is_active, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (plan_type) DO UPDATE SET name = excluded.name, description = excluded.description,
                currency = excluded.currency, price_monthly_cents = excluded.price_monthly_cents,
                price_quarterly_cents = excluded.price_quarterly_cents, price_yearly_cents = excluded.price_yearly_cents,
                price_lifetime_cents = excluded.price_lifetime_cents, included_json = excluded.included_json,
                overage_json = excluded.overage_json, is_active = excluded.is_active, updated_at = excluded.updated_at
            """, [.text(p.planType.rawValue), .text(p.name), SQLValue(p.description), .text(p.currency),
                  price(p, .monthly), price(p, .quarterly), price(p, .yearly), price(p, .lifetime),
                  .text(includedJSON(p.included).serializedString()), .text(overageJSON(p.overageMicros).serializedString()),
                  .integer(p.isActive ? 1 : 0), .text(StoredTime.format(p.createdAt)), .text(StoredTime.format(p.updatedAt))])
    }

    private static func price(_ p: Plan, _ c: BillingCycle) -> SQLValue { p.prices[c].map { .integer($0) } ?? .null }

    static func includedJSON(_ items: [IncludedUsage]) -> JSON {
        .array(items.map {
            ["resource_type": .string($0.resourceType.rawValue), "period": .string($0.period.rawValue),
             "limit_value": .int($0.limitValue), "is_hard_limit": .bool($0.isHardLimit)]
        })
    }

    static func overageJSON(_ prices: [ResourceType: Int64]) -> JSON {
        var o = JSONObject()
        for r in ResourceType.allCases { if let v = prices[r] { o[r.rawValue] = .int(v) } }
        return .object(o)
    }

    static func decode(_ r: Row) -> Plan {
        var prices: [BillingCycle: Int64] = [:]
        for c in BillingCycle.allCases { if let v = r.int("price_\(c.rawValue)_cents") { prices[c] = v } }
        let included = (r.string("included_json").flatMap { try? JSON.parse($0) }?.arrayValue ?? []).compactMap { j -> IncludedUsage? in
            guard let type = j["resource_type"]?.stringValue.flatMap(ResourceType.init(rawValue:)),
                  let period = j["period"]?.stringValue.flatMap(PeriodType.init(rawValue:)),
                  let limit = j["limit_value"]?.intValue else { return nil }
            return IncludedUsage(resourceType: type, period: period, limitValue: limit, isHardLimit: j["is_hard_limit"]?.boolValue ?? false)
        }
        var overage: [ResourceType: Int64] = [:]
        if let o = r.string("overage_json").flatMap({ try? JSON.parse($0) })?.objectValue {
            for (k, v) in o { if let t = ResourceType(rawValue: k), let micros = v.intValue { overage[t] = micros } }
        }
        return Plan(planType: PlanType(rawValue: r.string("plan_type") ?? "") ?? .custom, name: r.string("name") ?? "",
                    description: r.string("description"), currency: r.string("currency") ?? "BRL", prices: prices,
                    included: included, overageMicros: overage, isActive: (r.int("is_active") ?? 1) != 0,
                    createdAt: StoredTime.parse(r.string("created_at")) ?? Date(timeIntervalSince1970: 0),
                    updatedAt: StoredTime.parse(r.string("updated_at")) ?? Date(timeIntervalSince1970: 0))
    }
}
