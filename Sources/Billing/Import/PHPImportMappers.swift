import Foundation
import Storage
import Support

/// One mapper per PHP table: validates a PHP row against our schema (every CHECK and foreign key of
/// migrations 001–005) and returns our row, or the reason it is skipped. Never throws for bad data.
enum PHPRowMapper {
    typealias Mapper = @Sendable (Row, String, PHPImportTarget, PHPMapContext) throws -> PHPMapOutcome

    static func mapper(for table: String) -> Mapper {
        switch table {
        case "tenants": return tenant
        case "usage_logs": return usage
        case "quotas": return quota
        case "subscriptions": return subscription
        case "invoices": return invoice
        case "payment_methods": return paymentMethod
        default: return notification
        }
    }

    // MARK: - Shared checks

    enum Check: Error { case skip(String) }

    /// Our id of the row's tenant, which must be stored or planned.
    static func tenant(of row: Row, _ target: PHPImportTarget) throws -> String {
        let raw = row["tenant_id"]
        guard let id = PHPImportIds.map(raw, table: "tenants") else { throw Check.skip("tenant_id is missing or not an id") }
        guard try target.tenantOf("tenants", id: id) != nil else { throw Check.skip("orphan: tenant_id is not an imported tenant") }
        return id
    }

    static func time(_ row: Row, _ ctx: PHPMapContext, _ columns: String..., required: String? = nil) throws -> Date? {
        for c in columns {
            let v = row[c]
            if v.isNull { continue }
            if let d = PHPTime.parse(v, timeZone: ctx.timeZone) { return d }
            throw Check.skip("\(c) '\(v.shown)' is not a timestamp")
        }
        if let required { throw Check.skip("\(required) is missing") }
        return nil
    }

    static func stamp(_ d: Date?) -> SQLValue { d.map { .text(StoredTime.format($0)) } ?? .null }

    /// JSON text of the first present column, re-serialized; invalid JSON is dropped with a note.
    static func json(_ row: Row, _ columns: [String], notes: inout [String], objectOnly: Bool = true) -> SQLValue {
        for c in columns {
            guard case .text(let text) = row[c] else { continue }
            let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.isEmpty || trimmed == "null" { return .null }
            guard let parsed = try? JSON.parse(trimmed), !objectOnly || parsed.objectValue != nil else {
                notes.append("\(c) was not a JSON object; dropped")
                return .null
            }
            return .text(parsed.serializedString())
        }
        return .null
    }

    static func run(_ body: () throws -> PHPMapOutcome) rethrows -> PHPMapOutcome {
        do { return try body() } catch Check.skip(let reason) { return .skip(reason) }
    }

    // MARK: - tenants

    static let tenant: Mapper = { row, id, target, ctx in
        try run {
            guard let name = row.text("name") else { throw Check.skip("name is missing") }
            guard let slug = row.text("slug") else { throw Check.skip("slug is missing") }
            let status = row.text("status")?.lowercased() ?? "active"
            guard ["active", "suspended", "inactive"].contains(status) else { throw Check.skip("invalid status '\(status)'") }
            if try target.taken("slug:\(slug)", sql: "SELECT 1 FROM tenants WHERE slug = ? AND id <> ?", [.text(slug), .text(id)]) {
                throw Check.skip("slug '\(slug)' is already used by another tenant")
            }
            let created = try time(row, ctx, "created_at", required: "created_at")!
            let updated = try time(row, ctx, "updated_at") ?? created
            var notes: [String] = []
            let settings = json(row, ["settings_json", "settings"], notes: &notes)
            return .insert(PHPInsert(
                columns: ["id", "name", "slug", "status", "plan", "billing_email", "settings_json", "asaas_customer_id", "created_at", "updated_at"],
                values: [.text(id), .text(name), .text(slug), .text(status), SQLValue(row.text("plan")), SQLValue(row.text("billing_email", "email")),
                         settings, SQLValue(row.text("asaas_customer_id", "external_customer_id")), stamp(created), stamp(updated)],
                tenantId: id, notes: notes, claims: ["slug:\(slug)"]))
        }
    }

    // MARK: - usage_logs

    static let usage: Mapper = { row, id, target, ctx in
        try run {
            let tenantId = try tenant(of: row, target)
            let typeText = row.text("resource_type") ?? ""
            guard let type = ResourceType(rawValue: typeText) else { throw Check.skip("unknown resource_type '\(typeText)'") }
            let rawQuantity = row["quantity"].isNull ? SQLValue.integer(1) : row["quantity"]
            guard let quantity = rawQuantity.phpInt else { throw Check.skip("quantity '\(rawQuantity.shown)' is not an integer") }
            if quantity < 0 { throw Check.skip("negative quantity") }
            guard quantity >= 1, quantity <= 1_000_000_000_000 else { throw Check.skip("quantity \(quantity) is not between 1 and 10^12") }
            let occurred = try time(row, ctx, "occurred_at", "created_at", required: "created_at")!
            let ms = Int64((occurred.timeIntervalSince1970 * 1000).rounded(.down))
            var notes: [String] = []
            let metadata = json(row, ["metadata_json", "metadata"], notes: &notes)
            if case .text(let m) = metadata, m.utf8.count > UsageEventInput.maxMetadataBytes { notes.append("metadata kept although larger than the API's limit") }
            return .insert(PHPInsert(
                columns: ["id", "tenant_id", "resource_type", "quantity", "resource_id", "metadata_json", "idempotency_key", "occurred_at", "created_at"],
                values: [.text(id), .text(tenantId), .text(type.rawValue), .integer(quantity), SQLValue(row.text("resource_id")), metadata, .null,
                         .integer(ms), .integer(ms)],
                tenantId: tenantId, notes: notes, usage: (type.rawValue, quantity)))
        }
    }

    // MARK: - quotas

    static let quota: Mapper = { row, id, target, ctx in
        try run {
            let tenantId = try tenant(of: row, target)
            let typeText = row.text("resource_type") ?? ""
            guard let type = ResourceType(rawValue: typeText) else { throw Check.skip("unknown resource_type '\(typeText)'") }
            guard let limit = row["limit_value"].phpInt, limit > 0 else { throw Check.skip("limit_value '\(row["limit_value"].shown)' is not a positive integer") }
            var notes: [String] = []
            var periodText = row.text("period")?.lowercased() ?? ""
            if periodText == "lifetime" {
                periodText = "total"
                notes.append("period 'lifetime' mapped to 'total'")
            }
            guard let period = PeriodType(rawValue: periodText) else { throw Check.skip("invalid period '\(periodText)'") }
            guard let hard = row["is_hard_limit"].isNull ? false : row["is_hard_limit"].phpBool else {
                throw Check.skip("is_hard_limit '\(row["is_hard_limit"].shown)' is not a boolean")
            }
            var threshold: SQLValue = .null
            if !row["notification_threshold"].isNull {
                if let t = row["notification_threshold"].phpInt, (1...100).contains(t) {
                    threshold = .integer(t)
                } else {
                    notes.append("notification_threshold outside 1..100; the default applies")
                }
            }
            let key = "quota:\(tenantId)|\(type.rawValue)|\(period.rawValue)"
            if try target.taken(key, sql: "SELECT 1 FROM quotas WHERE tenant_id = ? AND resource_type = ? AND period = ? AND id <> ?",
                                [.text(tenantId), .text(type.rawValue), .text(period.rawValue), .text(id)]) {
                throw Check.skip("duplicate quota for the same tenant, resource_type and period")
            }
            let created = try time(row, ctx, "created_at", required: "created_at")!
            let updated = try time(row, ctx, "updated_at") ?? created
            return .insert(PHPInsert(
                columns: ["id", "tenant_id", "resource_type", "limit_value", "period", "is_hard_limit", "notification_threshold", "created_at", "updated_at"],
                values: [.text(id), .text(tenantId), .text(type.rawValue), .integer(limit), .text(period.rawValue), .integer(hard ? 1 : 0), threshold,
                         stamp(created), stamp(updated)],
                tenantId: tenantId, notes: notes, claims: [key]))
        }
    }

    // MARK: - subscriptions

    static let subscription: Mapper = { row, id, target, ctx in
        try run {
            let tenantId = try tenant(of: row, target)
            let planText = row.text("plan_type", "plan")?.lowercased() ?? ""
            guard let planType = PlanType(rawValue: planText) else { throw Check.skip("unknown plan_type '\(planText)'") }
            let cycleText = row.text("billing_cycle")?.lowercased() ?? ""
            guard let cycle = BillingCycle(rawValue: cycleText) else { throw Check.skip("unknown billing_cycle '\(cycleText)'") }
            var notes: [String] = []
            let statusText = row.text("status")?.lowercased() ?? "active"
            let aliases = ["trialing": "trial", "canceled": "cancelled", "past-due": "past_due"]
            guard let status = Subscription.Status(rawValue: aliases[statusText] ?? statusText) else { throw Check.skip("invalid status '\(statusText)'") }
            let live = ![.cancelled, .expired].contains(status)
            let created = try time(row, ctx, "created_at", required: "created_at")!
            let updated = try time(row, ctx, "updated_at") ?? created
            let start = try time(row, ctx, "current_period_start") ?? created
            let trialEnd = try time(row, ctx, "trial_ends_at")
            if status == .trial, trialEnd == nil { throw Check.skip("status trial without trial_ends_at") }
            var end = try time(row, ctx, "current_period_end")
            let calendar = BillingCalendar()
            var anchor = start
            if cycle == .lifetime {
                end = nil
            } else if status == .trial, let trialEnd {
                anchor = trialEnd
                end = trialEnd
            } else if end == nil {
                end = calendar.boundary(1, of: cycle, anchor: start)
                notes.append("current_period_end missing; computed from the cycle")
            }
            if let e = end, e <= start { throw Check.skip("current_period_end is not after current_period_start") }
            // Price: the row's own (cents or a decimal amount), else the catalog's price for the cycle.
            let catalog = try PlanStore.find(target.conn, planType)
            var price: Int64?
            if !row["price_cents"].isNull {
                switch PHPMoney.centsFromMinor(row["price_cents"]) {
                case .success(let c): price = c
                case .failure(let f): throw Check.skip("price_cents: " + f.reason)
                }
            } else if !row.first("price", "amount").isNull {
                switch PHPMoney.centsFromMajor(row.first("price", "amount")) {
                case .success(let c): price = c
                case .failure(let f): throw Check.skip("price: " + f.reason)
                }
            } else if let p = catalog?.prices[cycle] {
                price = p
                notes.append("price taken from the plan catalog")
            } else if !live {
                price = 0
                notes.append("ended subscription without a price; imported with price 0")
            }
            guard let price else { throw Check.skip("no price: the row has none and plan \(planType.rawValue) has no \(cycle.rawValue) price") }
            let currency = (row.text("currency") ?? catalog?.currency ?? ctx.defaultCurrency).uppercased()
            guard currency.utf8.count == 3, currency.utf8.allSatisfy({ $0 >= 65 && $0 <= 90 }) else { throw Check.skip("invalid currency '\(currency)'") }
            guard let cancelAtEnd = row["cancel_at_period_end"].isNull ? false : row["cancel_at_period_end"].phpBool else {
                throw Check.skip("cancel_at_period_end is not a boolean")
            }
            let cancelledAt = try time(row, ctx, "cancelled_at", "canceled_at") ?? (status == .cancelled ? updated : nil)
            let endedAt = try time(row, ctx, "ended_at") ?? (live ? nil : cancelledAt ?? updated)
            let key = "live:\(tenantId)"
            if live, try target.taken(key, sql: "SELECT 1 FROM subscriptions WHERE tenant_id = ? AND status NOT IN ('cancelled', 'expired') AND id <> ?",
                                      [.text(tenantId), .text(id)]) {
                throw Check.skip("the tenant already has a live subscription")
            }
            let metadata = json(row, ["metadata_json", "metadata"], notes: &notes)
            // The PHP application billed the period it was in; ours bills from the next period on.
            let billed = live && price > 0
            return .insert(PHPInsert(
                columns: ["id", "tenant_id", "plan_type", "billing_cycle", "status", "price_cents", "currency", "anchor_at", "cycle_index",
                          "current_period_start", "current_period_end", "trial_ends_at", "period_billed", "cancel_at_period_end", "cancelled_at",
                          "ended_at", "external_subscription_id", "metadata_json", "created_at", "updated_at"],
                values: [.text(id), .text(tenantId), .text(planType.rawValue), .text(cycle.rawValue), .text(status.rawValue), .integer(price),
                         .text(currency), stamp(anchor), .integer(0), stamp(start), stamp(end), stamp(trialEnd), .integer(billed ? 1 : 0),
                         .integer(cancelAtEnd ? 1 : 0), stamp(cancelledAt), stamp(endedAt), SQLValue(row.text("external_subscription_id")),
                         metadata, stamp(created), stamp(updated)],
                tenantId: tenantId, notes: notes, claims: live ? [key] : []))
        }
    }

    // MARK: - invoices

    static let invoice: Mapper = { row, id, target, ctx in
        try run {
            let tenantId = try tenant(of: row, target)
            var notes: [String] = []
            guard let number = row.text("invoice_number") else { throw Check.skip("invoice_number is missing") }
            let statusText = row.text("status")?.lowercased() ?? "pending"
            let aliases = ["canceled": "cancelled"]
            guard let status = Invoice.Status(rawValue: aliases[statusText] ?? statusText) else { throw Check.skip("invalid status '\(statusText)'") }
            let amount: Int64
            if !row["amount_cents"].isNull {
                switch PHPMoney.centsFromMinor(row["amount_cents"]) {
                case .success(let c): amount = c
                case .failure(let f): throw Check.skip("amount_cents: " + f.reason)
                }
            } else {
                switch PHPMoney.centsFromMajor(row.first("amount", "total")) {
                case .success(let c): amount = c
                case .failure(let f): throw Check.skip("amount: " + f.reason)
                }
            }
            let currency = (row.text("currency") ?? ctx.defaultCurrency).uppercased()
            guard currency.utf8.count == 3, currency.utf8.allSatisfy({ $0 >= 65 && $0 <= 90 }) else { throw Check.skip("invalid currency '\(currency)'") }
            guard let due = PHPTime.date(row["due_date"], timeZone: ctx.timeZone) else { throw Check.skip("due_date '\(row["due_date"].shown)' is not a date") }
            let created = try time(row, ctx, "created_at", required: "created_at")!
            let updated = try time(row, ctx, "updated_at") ?? created
            var paidAt = try time(row, ctx, "paid_at")
            if status == .paid, paidAt == nil {
                paidAt = updated
                notes.append("paid without paid_at; updated_at used")
            }
            var subscriptionId: SQLValue = .null
            if !row["subscription_id"].isNull {
                if let sid = PHPImportIds.map(row["subscription_id"], table: "subscriptions"), try target.tenantOf("subscriptions", id: sid) == tenantId {
                    subscriptionId = .text(sid)
                } else {
                    notes.append("subscription_id not among the tenant's imported subscriptions; link dropped")
                }
            }
            if try target.taken("invoice_number:\(number)", sql: "SELECT 1 FROM invoices WHERE invoice_number = ? AND id <> ?", [.text(number), .text(id)]) {
                throw Check.skip("invoice_number '\(number)' is already used by another invoice")
            }
            let lines = lineItems(row, amount: amount, number: number, notes: &notes)
            let billing = json(row, ["billing_details_json", "billing_details"], notes: &notes)
            var insert = PHPInsert(
                columns: ["id", "tenant_id", "subscription_id", "invoice_number", "status", "currency", "amount_cents", "line_items_json", "due_date",
                          "issued_at", "paid_at", "billing_details_json", "notes", "payment_method", "external_payment_id", "external_invoice_url",
                          "created_at", "updated_at"],
                values: [.text(id), .text(tenantId), subscriptionId, .text(number), .text(status.rawValue), .text(currency), .integer(amount),
                         .text(lines), .text(due), stamp(created), stamp(paidAt), billing, SQLValue(row.text("notes")), SQLValue(row.text("payment_method")),
                         SQLValue(row.text("external_payment_id")), SQLValue(row.text("external_invoice_url", "invoice_url")), stamp(created), stamp(updated)],
                tenantId: tenantId, notes: notes, claims: ["invoice_number:\(number)"])
            // Numbers in our own format move that year's counter past them, so new invoices never collide.
            if let (year, n) = ourNumber(number) {
                insert.after.append(("""
                    INSERT INTO invoice_number_counters (year, last_number) VALUES (?, ?)
                    ON CONFLICT (year) DO UPDATE SET last_number = CASE WHEN excluded.last_number > invoice_number_counters.last_number
                        THEN excluded.last_number ELSE invoice_number_counters.last_number END
                    """, [.integer(year), .integer(n)]))
            }
            return .insert(insert)
        }
    }

    /// `INV-YYYY-NNNNNN` → (year, number).
    static func ourNumber(_ number: String) -> (Int64, Int64)? {
        let parts = number.split(separator: "-")
        guard parts.count == 3, parts[0] == "INV", parts[1].count == 4, let y = Int64(parts[1]), let n = Int64(parts[2]), n >= 1 else { return nil }
        return (y, n)
    }

    /// The PHP line items in our shape when they parse and add up to the amount; else one line carrying the amount.
    static func lineItems(_ row: Row, amount: Int64, number: String, notes: inout [String]) -> String {
        var lines: [JSON] = []
        var ok = false
        if case .text(let text) = row.first("line_items_json", "line_items"), let items = (try? JSON.parse(text))?.arrayValue, !items.isEmpty {
            ok = true
            for item in items {
                guard let o = item.objectValue else { ok = false; break }
                let quantity = o["quantity"]?.intValue ?? 1
                var cents: Int64?
                if let c = o["amount_cents"] ?? o["total_cents"] {
                    cents = try? PHPMoney.centsFromMinor(sqlValue(c)).get()
                } else if let a = o["amount"] ?? o["total"] {
                    cents = try? PHPMoney.centsFromMajor(sqlValue(a)).get()
                } else if let u = o["unit_price"] ?? o["price"] {
                    cents = (try? PHPMoney.centsFromMajor(sqlValue(u)).get()).flatMap { $0.multipliedReportingOverflow(by: quantity).overflow ? nil : $0 * quantity }
                }
                guard let cents, quantity >= 1 else { ok = false; break }
                lines.append(["kind": "manual", "description": .string(o["description"]?.stringValue ?? o["name"]?.stringValue ?? ""),
                              "quantity": .int(quantity), "unit_amount_cents": .null, "unit_price_micros": .null, "amount_cents": .int(cents)])
            }
            if ok, Money.sum(lines.compactMap { $0["amount_cents"]?.intValue }) != amount { ok = false }
        }
        if !ok {
            if !row.first("line_items_json", "line_items").isNull { notes.append("line items did not parse or add up to the amount; replaced by one line") }
            lines = [["kind": "manual", "description": .string("Invoice \(number) (imported from the PHP application)"), "quantity": 1,
                      "unit_amount_cents": .null, "unit_price_micros": .null, "amount_cents": .int(amount)]]
        }
        return JSON.array(lines).serializedString()
    }

    static func sqlValue(_ j: JSON) -> SQLValue {
        switch j {
        case .int(let i): return .integer(i)
        case .double(let d): return .real(d)
        case .string(let s): return .text(s)
        default: return .null
        }
    }

    // MARK: - payment_methods

    static let paymentMethod: Mapper = { row, id, target, ctx in
        try run {
            let tenantId = try tenant(of: row, target)
            var notes: [String] = []
            let typeText = row.text("type")?.lowercased() ?? ""
            guard let type = PaymentMethod.Kind(rawValue: typeText) else { throw Check.skip("invalid type '\(typeText)'") }
            let statusText = row.text("status")?.lowercased() ?? "active"
            let status: String
            switch statusText {
            case "active": status = "active"
            case "deleted", "removed": status = "deleted"
            case "expired":
                status = "deleted"
                notes.append("status 'expired' imported as 'deleted'")
            default: throw Check.skip("invalid status '\(statusText)'")
            }
            let token = row.text("external_token", "external_method_id", "token", "gateway_token")
            if let token, CardDataGuard.looksLikePAN(token) { throw Check.skip("token looks like a full card number; never stored") }
            if type == .creditCard, status == "active", token == nil { throw Check.skip("credit card without a gateway token") }
            var sealed: SQLValue = .null
            if let token, status == "active" {
                if let box = ctx.box {
                    sealed = .text(try box.seal(token, associatedData: Array(id.utf8)))
                } else if type == .creditCard {
                    throw Check.skip("card token cannot be stored: \(ctx.keyProblem)")
                } else {
                    notes.append("token dropped: \(ctx.keyProblem)")
                }
            }
            var last4: SQLValue = .null
            if let l = row.text("card_last4", "last4") {
                if l.utf8.count == 4, l.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) { last4 = .text(l) } else { notes.append("card_last4 not 4 digits; dropped") }
            }
            var month = row.first("card_exp_month", "exp_month").phpInt
            var year = row.first("card_exp_year", "exp_year").phpInt
            if month == nil, year == nil, let e = row.text("expires_at", "expiry") { (month, year) = expiry(e) }
            if let y = year, y < 100 { year = 2000 + y }
            if let m = month, !(1...12).contains(m) { month = nil; notes.append("expiry month out of range; dropped") }
            if let y = year, !(2000...2200).contains(y) { year = nil; notes.append("expiry year out of range; dropped") }
            var isDefault = (row["is_default"].phpBool ?? false) && status == "active"
            let key = "default:\(tenantId)"
            if isDefault, try target.taken(key, sql: "SELECT 1 FROM payment_methods WHERE tenant_id = ? AND is_default = 1 AND id <> ?", [.text(tenantId), .text(id)]) {
                isDefault = false
                notes.append("second default method of a tenant imported as not default")
            }
            let created = try time(row, ctx, "created_at", required: "created_at")!
            let updated = try time(row, ctx, "updated_at") ?? created
            let metadata = json(row, ["metadata_json", "metadata"], notes: &notes)
            return .insert(PHPInsert(
                columns: ["id", "tenant_id", "type", "status", "is_default", "token_sealed", "card_brand", "card_last4", "exp_month", "exp_year",
                          "holder_name", "label", "metadata_json", "created_at", "updated_at", "deleted_at"],
                values: [.text(id), .text(tenantId), .text(type.rawValue), .text(status), .integer(isDefault ? 1 : 0), sealed,
                         SQLValue(row.text("card_brand", "brand")), last4, month.map { .integer($0) } ?? .null, year.map { .integer($0) } ?? .null,
                         SQLValue(row.text("holder_name")), SQLValue(row.text("label")), metadata, stamp(created), stamp(updated),
                         status == "deleted" ? stamp(try time(row, ctx, "deleted_at") ?? updated) : .null],
                tenantId: tenantId, notes: notes, claims: isDefault ? [key] : []))
        }
    }

    /// `MM/YYYY`, `MM/YY`, `YYYY-MM` (or a full date) → (month, year).
    static func expiry(_ text: String) -> (Int64?, Int64?) {
        let parts = text.split(whereSeparator: { $0 == "/" || $0 == "-" }).map(String.init)
        guard parts.count >= 2, let a = Int64(parts[0]), let b = Int64(parts[1]) else { return (nil, nil) }
        return parts[0].count == 4 ? (b, a) : (a, b)
    }

    // MARK: - notifications

    static let notification: Mapper = { row, id, target, ctx in
        try run {
            let tenantId = try tenant(of: row, target)
            var notes: [String] = []
            let typeText = row.text("type") ?? ""
            guard let type = NotificationType(rawValue: typeText) else { throw Check.skip("unknown type '\(typeText)'") }
            let priorityText = row.text("priority")?.lowercased() ?? "normal"
            guard let priority = NotificationPriority(rawValue: priorityText) else { throw Check.skip("invalid priority '\(priorityText)'") }
            let created = try time(row, ctx, "created_at", required: "created_at")!
            var readAt = try time(row, ctx, "read_at")
            let statusText = row.text("status")?.lowercased()
            if readAt == nil, row["is_read"].phpBool == true || statusText == "read" { readAt = try time(row, ctx, "updated_at") ?? created }
            var status: String
            var lastError: SQLValue = .null
            if readAt != nil {
                status = "read"
            } else {
                switch statusText ?? "pending" {
                case "sent": status = "sent"
                case "failed": status = "failed"
                case "pending", "unread", "read":
                    // The PHP application never e-mailed; a pending one would otherwise be sent now, long after the fact.
                    status = "failed"
                    lastError = .text("imported from the PHP application; not e-mailed")
                    notes.append("pending notification imported as not to be e-mailed")
                default: throw Check.skip("invalid status '\(statusText ?? "")'")
                }
            }
            let subject = row.text("subject", "title") ?? type.rawValue.replacingOccurrences(of: "_", with: " ")
            guard let message = row.text("message", "body") else { throw Check.skip("message is missing") }
            let metadata = json(row, ["metadata_json", "metadata"], notes: &notes)
            return .insert(PHPInsert(
                columns: ["id", "tenant_id", "type", "priority", "status", "subject", "message", "metadata_json", "dedupe_key", "read_at", "sent_at",
                          "attempts", "next_attempt_at", "last_error", "created_at"],
                values: [.text(id), .text(tenantId), .text(type.rawValue), .text(priority.rawValue), .text(status), .text(subject), .text(message), metadata,
                         .null, stamp(readAt), stamp(try time(row, ctx, "sent_at")), .integer(0), .null, lastError, stamp(created)],
                tenantId: tenantId, notes: notes))
        }
    }
}
