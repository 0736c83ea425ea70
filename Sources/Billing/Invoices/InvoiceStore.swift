import Foundation
import Storage
import Support

/// The SQL for invoices, including the gapless per-year number counter.
enum InvoiceStore {
    /// Bumps the counter of `year` and returns `INV-YYYY-NNNNNN`. Runs inside the creating transaction,
    /// so the single writer serializes it and a rolled-back creation gives its number back.
    static func nextNumber(_ conn: Connection, year: Int) throws -> String {
        let n = try conn.scalar("""
            INSERT INTO invoice_number_counters (year, last_number) VALUES (?, 1)
            ON CONFLICT (year) DO UPDATE SET last_number = invoice_number_counters.last_number + 1 RETURNING last_number
            """, [.integer(Int64(year))])
        guard let number = int64(of: n) else { throw DatabaseError(code: 1, message: "invoice counter returned no row") }
        return "INV-\(year)-" + String(repeating: "0", count: max(0, 6 - String(number).count)) + String(number)
    }

    /// Inserts a new invoice (number assigned here) and its `invoice_created` notification when it is not a draft.
    /// Throws `BillingError.conflict` when the subscription period was already invoiced.
    static func insert(_ conn: Connection, tenantId: String, subscriptionId: String?, status: Invoice.Status, currency: String,
                       lines: [InvoiceLine], periodStart: Date?, periodEnd: Date?, dueDate: String, billingDetails: JSONObject?,
                       notes: String?, at now: Date) throws -> Invoice {
        guard let total = Money.sum(lines.map(\.amountCents)), total >= 0 else {
            throw BillingError.validation(field: "line_items", reason: "must sum to an amount between 0 and the largest allowed")
        }
        let year = CivilTime(epochSeconds: Int64(floor(now.timeIntervalSince1970))).year
        let invoice = Invoice(id: UUIDv7.make(at: now), tenantId: tenantId, subscriptionId: subscriptionId,
                              number: try nextNumber(conn, year: year), status: status, currency: currency, amountCents: total,
                              lines: lines, periodStart: periodStart, periodEnd: periodEnd, dueDate: dueDate, issuedAt: now, paidAt: nil,
                              billingDetails: billingDetails, notes: notes, paymentMethod: nil, externalPaymentId: nil,
                              externalInvoiceURL: nil, paymentAttempts: 0, lastPaymentError: nil, createdAt: now, updatedAt: now)
        func t(_ d: Date?) -> SQLValue { d.map { .text(StoredTime.format($0)) } ?? .null }
        do {
            try conn.run("""
                INSERT INTO invoices (id, tenant_id, subscription_id, invoice_number, status, currency, amount_cents, line_items_json,
                    period_start, period_end, due_date, issued_at, billing_details_json, notes, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, [.text(invoice.id), .text(tenantId), SQLValue(subscriptionId), .text(invoice.number), .text(status.rawValue),
                      .text(currency), .integer(total), .text(linesJSON(lines).serializedString()), t(periodStart), t(periodEnd),
                      .text(dueDate), t(now), SQLValue(billingDetails.map { JSON.object($0).serializedString() }), SQLValue(notes),
                      t(now), t(now)])
        } catch let e as DatabaseError where e.isUniqueViolation {
            throw BillingError.conflict("this subscription period is already invoiced")
        }
        if status != .draft { try notifyCreated(conn, invoice, at: now) }
        return invoice
    }

    static func notifyCreated(_ conn: Connection, _ invoice: Invoice, at now: Date) throws {
        try NotificationWriter.insert(
            conn, tenantId: invoice.tenantId, type: .invoiceCreated, priority: .normal,
            subject: "Invoice \(invoice.number) issued",
            message: "Invoice \(invoice.number) for \(invoice.currency) \(Money.format(invoice.amountCents)) is due on \(invoice.dueDate).",
            metadata: ["invoice_id": .string(invoice.id), "invoice_number": .string(invoice.number), "amount_cents": .int(invoice.amountCents)],
            dedupeKey: "invoice_created:\(invoice.id)", at: now)
    }

    /// `forUpdate` in write transactions that change the invoice (see `rowLock`).
    static func find(_ conn: Connection, id: String, tenantId: String, forUpdate: Bool = false) throws -> Invoice? {
        try conn.queryOne("SELECT * FROM invoices WHERE id = ? AND tenant_id = ?" + (forUpdate ? rowLock(conn) : ""),
                          [.text(id), .text(tenantId)]).map(decode)
    }

    static func list(_ conn: Connection, tenantId: String, _ q: InvoiceQuery) throws -> (items: [Invoice], total: Int) {
        var filter = "tenant_id = ?"
        var args: [SQLValue] = [.text(tenantId)]
        if let s = q.status { filter += " AND status = ?"; args.append(.text(s.rawValue)) }
        if let s = q.since { filter += " AND issued_at >= ?"; args.append(.text(StoredTime.format(s))) }
        if let u = q.until { filter += " AND issued_at < ?"; args.append(.text(StoredTime.format(u))) }
        if let sub = q.subscriptionId { filter += " AND subscription_id = ?"; args.append(.text(sub)) }
        let total = int64(of: try conn.scalar("SELECT count(*) FROM invoices WHERE \(filter)", args)) ?? 0
        let rows = try conn.query("SELECT * FROM invoices WHERE \(filter) ORDER BY issued_at DESC, invoice_number DESC LIMIT ? OFFSET ?",
                                  args + [.integer(Int64(q.limit)), .integer(Int64(q.offset))])
        return (try rows.map(decode), Int(total))
    }

    static func update(_ conn: Connection, _ i: Invoice) throws {
        try conn.run("""
            UPDATE invoices SET status = ?, due_date = ?, paid_at = ?, billing_details_json = ?, notes = ?, payment_method = ?,
                external_payment_id = ?, external_invoice_url = ?, payment_attempts = ?, last_payment_error = ?, updated_at = ?
            WHERE id = ? AND tenant_id = ?
            """, [.text(i.status.rawValue), .text(i.dueDate), i.paidAt.map { .text(StoredTime.format($0)) } ?? .null,
                  SQLValue(i.billingDetails.map { JSON.object($0).serializedString() }), SQLValue(i.notes), SQLValue(i.paymentMethod),
                  SQLValue(i.externalPaymentId), SQLValue(i.externalInvoiceURL), .integer(Int64(i.paymentAttempts)),
                  SQLValue(i.lastPaymentError), .text(StoredTime.format(i.updatedAt)), .text(i.id), .text(i.tenantId)])
    }

    static func linesJSON(_ lines: [InvoiceLine]) -> JSON {
        .array(lines.map {
            ["kind": .string($0.kind.rawValue), "description": .string($0.description), "quantity": .int($0.quantity),
             "unit_amount_cents": JSON($0.unitAmountCents), "unit_price_micros": JSON($0.unitPriceMicros), "amount_cents": .int($0.amountCents)]
        })
    }

    /// The lines of an `invoices` row as `linesJSON` writes them; throws `RowDecodingError` naming `line_items_json`
    /// when the text is not JSON, not an array, or a line lacks its kind, description, quantity or amount.
    static func decodeLines(_ r: Row) throws -> [InvoiceLine] {
        let column = "line_items_json"
        func corrupt(_ found: String) -> RowDecodingError {
            .jsonContent(column, expected: "invoice line items", found: found)
        }
        // An optional integer member: absent or null is nil, anything but an integer is corrupt.
        func optionalInt(_ j: JSON, _ key: String) throws -> Int64? {
            guard let v = j[key], !v.isNull else { return nil }
            guard let i = v.intValue else { throw corrupt("a line whose \(key) is \(v.typeName)") }
            return i
        }
        return try r.decodeJSONArray(column).map { j in
            guard let kind = j["kind"]?.stringValue.flatMap(InvoiceLine.Kind.init(rawValue:)) else { throw corrupt("a line without a known kind") }
            guard let description = j["description"]?.stringValue else { throw corrupt("a line without a description") }
            guard let quantity = j["quantity"]?.intValue else { throw corrupt("a line without an integer quantity") }
            guard let amount = j["amount_cents"]?.intValue else { throw corrupt("a line without an integer amount_cents") }
            return InvoiceLine(kind: kind, description: description, quantity: quantity,
                               unitAmountCents: try optionalInt(j, "unit_amount_cents"), unitPriceMicros: try optionalInt(j, "unit_price_micros"),
                               amountCents: amount)
        }
    }

    /// An `invoices` row; throws `RowDecodingError` when a required column is NULL, of another type, or unparseable.
    static func decode(_ r: Row) throws -> Invoice {
        Invoice(
            id: try r.decode(String.self, "id"), tenantId: try r.decode(String.self, "tenant_id"),
            subscriptionId: try r.decodeIfPresent(String.self, "subscription_id"),
            number: try r.decode(String.self, "invoice_number"), status: try r.decode(Invoice.Status.self, "status"),
            currency: try r.decode(String.self, "currency"), amountCents: try r.decode(Int64.self, "amount_cents"), lines: try decodeLines(r),
            periodStart: try r.decodeTimeIfPresent("period_start"), periodEnd: try r.decodeTimeIfPresent("period_end"),
            dueDate: try r.decode(String.self, "due_date"), issuedAt: try r.decodeTime("issued_at"),
            paidAt: try r.decodeTimeIfPresent("paid_at"),
            billingDetails: try r.decodeJSONObjectIfPresent("billing_details_json"), notes: try r.decodeIfPresent(String.self, "notes"),
            paymentMethod: try r.decodeIfPresent(String.self, "payment_method"),
            externalPaymentId: try r.decodeIfPresent(String.self, "external_payment_id"),
            externalInvoiceURL: try r.decodeIfPresent(String.self, "external_invoice_url"),
            paymentAttempts: try r.decode(Int.self, "payment_attempts"),
            lastPaymentError: try r.decodeIfPresent(String.self, "last_payment_error"),
            createdAt: try r.decodeTime("created_at"), updatedAt: try r.decodeTime("updated_at"))
    }
}

extension Invoice.Status: SQLDecodable {}
