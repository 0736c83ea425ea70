import Foundation
import Storage
import Support

/// The SQL for the plan catalog; usable inside any transaction (subscriptions read plans while writing).
enum PlanStore {
    static func find(_ conn: Connection, _ type: PlanType) throws -> Plan? {
        try conn.queryOne("SELECT * FROM plans WHERE plan_type = ?", [.text(type.rawValue)]).map(decode)
    }

    /// One page of the catalog in `PlanType` order, with the number of plans the filter matches.
    static func list(_ conn: Connection, includeInactive: Bool, limit: Int, offset: Int) throws -> (items: [Plan], total: Int) {
        let filter: SQL = includeInactive ? "" : "WHERE is_active = 1"
        let total = Int(try conn.scalar("SELECT count(*) FROM plans \(sql: filter)").int64Value ?? 0)
        let rows = try conn.query("""
            SELECT * FROM plans \(sql: filter) ORDER BY \(raw: catalogOrder), plan_type LIMIT \(bind: limit) OFFSET \(bind: offset)
            """)
        return (try rows.map(decode), total)
    }

    /// `plan_type`'s position in `PlanType.allCases` (the catalog order) as an SQL expression; its text comes
    /// from the closed enum, never from input.
    static let catalogOrder = "CASE plan_type " + PlanType.allCases.enumerated().map { "WHEN '\($1.rawValue)' THEN \($0)" }.joined(separator: " ")
        + " ELSE \(PlanType.allCases.count) END"

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

    /// A `plans` row; throws `RowDecodingError` when a required column is NULL, of another type, or unparseable,
    /// including an entry of `included_json` or `overage_json` that is not what `save` writes.
    static func decode(_ r: Row) throws -> Plan {
        var prices: [BillingCycle: Int64] = [:]
        for c in BillingCycle.allCases { if let v = try r.decodeIfPresent(Int64.self, "price_\(c.rawValue)_cents") { prices[c] = v } }
        let included = try r.decodeJSONArray("included_json").map { j -> IncludedUsage in
            guard let type = j["resource_type"]?.stringValue.flatMap(ResourceType.init(rawValue:)),
                  let period = j["period"]?.stringValue.flatMap(PeriodType.init(rawValue:)),
                  let limit = j["limit_value"]?.intValue else {
                throw RowDecodingError.jsonContent("included_json", expected: "included usage entries",
                                                   found: "an entry without a known resource_type, period or an integer limit_value")
            }
            return IncludedUsage(resourceType: type, period: period, limitValue: limit, isHardLimit: j["is_hard_limit"]?.boolValue ?? false)
        }
        var overage: [ResourceType: Int64] = [:]
        for (k, v) in try r.decodeJSONObject("overage_json") {
            guard let t = ResourceType(rawValue: k), let micros = v.intValue else {
                throw RowDecodingError.jsonContent("overage_json", expected: "integer prices by resource type",
                                                   found: "an unknown resource type or a price that is not an integer")
            }
            overage[t] = micros
        }
        return Plan(planType: try r.decode(PlanType.self, "plan_type"), name: try r.decode(String.self, "name"),
                    description: try r.decodeIfPresent(String.self, "description"), currency: try r.decode(String.self, "currency"),
                    prices: prices, included: included, overageMicros: overage, isActive: try r.decode(Bool.self, "is_active"),
                    createdAt: try r.decodeTime("created_at"), updatedAt: try r.decodeTime("updated_at"))
    }
}
