import Foundation
import Storage
import Support

/// The SQL for subscriptions; every query is filtered by tenant unless it is a job's sweep.
enum SubscriptionStore {
    static func live(_ conn: Connection, tenantId: String, forUpdate: Bool = false) throws -> Subscription? {
        try conn.queryOne("SELECT * FROM subscriptions WHERE tenant_id = ? AND status NOT IN ('cancelled', 'expired')" + lockClause(conn, forUpdate),
                          [.text(tenantId)]).map(decode)
    }

    ///
    /// `forUpdate` (in write transactions): on PostgreSQL the row stays locked until the commit, so another
    /// instance changing the same subscription waits and then sees this change (SQLite's single writer already
    /// serializes every write).
    static func find(_ conn: Connection, id: String, tenantId: String, forUpdate: Bool = false) throws -> Subscription? {
        try conn.queryOne("SELECT * FROM subscriptions WHERE id = ? AND tenant_id = ?" + lockClause(conn, forUpdate),
                          [.text(id), .text(tenantId)]).map(decode)
    }

    /// Any tenant's subscription by id, locked for the write transaction like `find(…, forUpdate: true)` (jobs only).
    static func findForUpdate(_ conn: Connection, id: String) throws -> Subscription? {
        try conn.queryOne("SELECT * FROM subscriptions WHERE id = ?" + lockClause(conn, true), [.text(id)]).map(decode)
    }

    static func lockClause(_ conn: Connection, _ forUpdate: Bool) -> String {
        forUpdate && conn.dialect == .postgres ? " FOR UPDATE" : ""
    }

    static func list(_ conn: Connection, tenantId: String, status: Subscription.Status?, limit: Int, offset: Int) throws -> (items: [Subscription], total: Int) {
        var filter = "tenant_id = ?"
        var args: [SQLValue] = [.text(tenantId)]
        if let status { filter += " AND status = ?"; args.append(.text(status.rawValue)) }
        let total = int64(of: try conn.scalar("SELECT count(*) FROM subscriptions WHERE \(filter)", args)) ?? 0
        let rows = try conn.query("SELECT * FROM subscriptions WHERE \(filter) ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?",
                                  args + [.integer(Int64(limit)), .integer(Int64(offset))])
        return (try rows.map(decode), Int(total))
    }

    /// Live subscriptions whose current period ended at or before `cutoff` (the billing job's scan).
    static func due(_ conn: Connection, endedBy cutoff: Date, limit: Int) throws -> [Subscription] {
        try conn.query("""
            SELECT * FROM subscriptions WHERE status IN ('trial', 'active', 'past_due') AND current_period_end IS NOT NULL
              AND current_period_end <= ? ORDER BY current_period_end, id LIMIT ?
            """, [.text(StoredTime.format(cutoff)), .integer(Int64(limit))]).map(decode)
    }

    /// Subscriptions cancelled immediately whose closing invoice is due by `cutoff` (the billing job's second scan).
    static func closingDue(_ conn: Connection, endedBy cutoff: Date, limit: Int) throws -> [Subscription] {
        try conn.query("""
            SELECT * FROM subscriptions WHERE closing_due_at IS NOT NULL AND closing_due_at <= ?
            ORDER BY closing_due_at, id LIMIT ?
            """, [.text(StoredTime.format(cutoff)), .integer(Int64(limit))]).map(decode)
    }

    /// When the closing invoice of subscription `id` becomes due, or nil when it has none pending.
    static func closingDueAt(_ conn: Connection, id: String) throws -> Date? {
        try conn.queryOne("SELECT closing_due_at FROM subscriptions WHERE id = ?", [.text(id)])?.decodeTimeIfPresent("closing_due_at")
    }

    /// Marks subscription `id` for a closing invoice covering its use up to `at`.
    static func markClosingDue(_ conn: Connection, id: String, at: Date) throws {
        try conn.run("UPDATE subscriptions SET closing_due_at = ? WHERE id = ?", [.text(StoredTime.format(at)), .text(id)])
    }

    static func clearClosingDue(_ conn: Connection, id: String) throws {
        try conn.run("UPDATE subscriptions SET closing_due_at = NULL WHERE id = ?", [.text(id)])
    }

    static func insert(_ conn: Connection, _ s: Subscription) throws {
        do {
            try conn.run("""
                INSERT INTO subscriptions (id, tenant_id, plan_type, billing_cycle, status, price_cents, currency, anchor_at, cycle_index,
                    current_period_start, current_period_end, trial_ends_at, period_billed, cancel_at_period_end, cancelled_at, ended_at,
                    external_subscription_id, metadata_json, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, values(s))
        } catch let e as DatabaseError where e.isUniqueViolation {
            throw BillingError.conflict("the tenant already has a live subscription; cancel it first")
        }
    }

    static func update(_ conn: Connection, _ s: Subscription) throws {
        do {
            try conn.run("""
                UPDATE subscriptions SET plan_type = ?, billing_cycle = ?, status = ?, price_cents = ?, currency = ?, anchor_at = ?,
                    cycle_index = ?, current_period_start = ?, current_period_end = ?, trial_ends_at = ?, period_billed = ?,
                    cancel_at_period_end = ?, cancelled_at = ?, ended_at = ?, external_subscription_id = ?, metadata_json = ?,
                    updated_at = ? WHERE id = ? AND tenant_id = ?
                """, Array(values(s)[2...17]) + [.text(StoredTime.format(s.updatedAt)), .text(s.id), .text(s.tenantId)])
        } catch let e as DatabaseError where e.isUniqueViolation {
            throw BillingError.conflict("the tenant already has a live subscription")
        }
    }

    static func values(_ s: Subscription) -> [SQLValue] {
        func t(_ d: Date?) -> SQLValue { d.map { .text(StoredTime.format($0)) } ?? .null }
        return [.text(s.id), .text(s.tenantId), .text(s.planType.rawValue), .text(s.billingCycle.rawValue), .text(s.status.rawValue),
                .integer(s.priceCents), .text(s.currency), t(s.anchorAt), .integer(Int64(s.cycleIndex)), t(s.currentPeriodStart),
                t(s.currentPeriodEnd), t(s.trialEndsAt), .integer(s.periodBilled ? 1 : 0), .integer(s.cancelAtPeriodEnd ? 1 : 0),
                t(s.cancelledAt), t(s.endedAt), SQLValue(s.externalSubscriptionId),
                SQLValue(s.metadata.map { JSON.object($0).serializedString() }), t(s.createdAt), t(s.updatedAt)]
    }

    /// A `subscriptions` row; throws `RowDecodingError` when a required column is NULL, of another type, or unparseable.
    static func decode(_ r: Row) throws -> Subscription {
        Subscription(
            id: try r.decode(String.self, "id"), tenantId: try r.decode(String.self, "tenant_id"),
            planType: try r.decode(PlanType.self, "plan_type"),
            billingCycle: try r.decode(BillingCycle.self, "billing_cycle"),
            status: try r.decode(Subscription.Status.self, "status"),
            priceCents: try r.decode(Int64.self, "price_cents"), currency: try r.decode(String.self, "currency"),
            anchorAt: try r.decodeTime("anchor_at"), cycleIndex: try r.decode(Int.self, "cycle_index"),
            currentPeriodStart: try r.decodeTime("current_period_start"),
            currentPeriodEnd: try r.decodeTimeIfPresent("current_period_end"), trialEndsAt: try r.decodeTimeIfPresent("trial_ends_at"),
            periodBilled: try r.decode(Bool.self, "period_billed"), cancelAtPeriodEnd: try r.decode(Bool.self, "cancel_at_period_end"),
            cancelledAt: try r.decodeTimeIfPresent("cancelled_at"), endedAt: try r.decodeTimeIfPresent("ended_at"),
            externalSubscriptionId: try r.decodeIfPresent(String.self, "external_subscription_id"),
            metadata: try r.decodeJSONObjectIfPresent("metadata_json"),
            createdAt: try r.decodeTime("created_at"), updatedAt: try r.decodeTime("updated_at"))
    }

    // MARK: - Pending invoice lines (prorations)

    static func addPendingLine(_ conn: Connection, tenantId: String, subscriptionId: String, description: String, amountCents: Int64, at now: Date) throws {
        try conn.run("""
            INSERT INTO pending_invoice_lines (id, tenant_id, subscription_id, description, amount_cents, created_at, position)
            VALUES (?, ?, ?, ?, ?, ?, (SELECT coalesce(max(position), 0) + 1 FROM pending_invoice_lines WHERE subscription_id = ?))
            """, [.text(UUIDv7.make(at: now)), .text(tenantId), .text(subscriptionId), .text(description), .integer(amountCents),
                  .text(StoredTime.format(now)), .text(subscriptionId)])
    }

    static func pendingLines(_ conn: Connection, subscriptionId: String) throws -> [(id: String, description: String, amountCents: Int64)] {
        try conn.query("""
            SELECT id, description, amount_cents FROM pending_invoice_lines WHERE subscription_id = ? AND invoice_id IS NULL
            ORDER BY position, id
            """, [.text(subscriptionId)]).map {
                (try $0.decode(String.self, "id"), try $0.decode(String.self, "description"), try $0.decode(Int64.self, "amount_cents"))
            }
    }

    static func attachPendingLines(_ conn: Connection, ids: [String], invoiceId: String) throws {
        for id in ids {
            try conn.run("UPDATE pending_invoice_lines SET invoice_id = ? WHERE id = ? AND invoice_id IS NULL", [.text(invoiceId), .text(id)])
        }
    }
}

extension Subscription.Status: SQLDecodable {}
