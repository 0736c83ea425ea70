import Foundation
import Storage
import Support

/// Invoices of one tenant: create, read, move through the status machine, render.
public struct InvoiceService: Sendable {
    let database: Database
    let clock: any WallClock

    /// Line items one invoice may hold: more is a runaway script, and every line is rendered into HTML and PDF.
    public static let maxLineItems = 500

    public init(database: Database, clock: any WallClock) {
        self.database = database
        self.clock = clock
    }

    public func get(id: String, tenantId: String) throws -> Invoice {
        guard let i = try database.read({ try InvoiceStore.find($0, id: id, tenantId: tenantId) }) else {
            throw BillingError.notFound("invoice not found")
        }
        return i
    }

    public func list(tenantId: String, _ query: InvoiceQuery) throws -> (items: [Invoice], total: Int) {
        try database.read { try InvoiceStore.list($0, tenantId: tenantId, query) }
    }

    /// Validates the lines (each amount exact, half-even rounding of micro-unit prices), checks the
    /// amount against their sum, and stores the invoice with the next number of the year.
    public func create(tenantId: String, _ draft: InvoiceDraft, context: CallContext) throws -> Invoice {
        guard let due = draft.dueDate else { throw BillingError.missing("due_date") }
        let status = draft.status ?? .pending
        guard status == .pending || status == .draft else {
            throw BillingError.validation(field: "status", reason: "must be draft or pending for a new invoice")
        }
        let currency = try PlanService.currency(draft.currency ?? "BRL")
        let notes = try draft.notes.flatMap { try Validate.text($0, field: "notes", maxLength: 2000, required: false) }
        let lines: [InvoiceLine]
        if let inputs = draft.lineItems {
            guard !inputs.isEmpty else { throw BillingError.validation(field: "line_items", reason: "must not be empty when given") }
            guard inputs.count <= Self.maxLineItems else {
                throw BillingError.validation(field: "line_items", reason: "must hold at most \(Self.maxLineItems) items")
            }
            lines = try inputs.enumerated().map { try Self.line($1, field: "line_items[\($0)]") }
            guard let sum = Money.sum(lines.map(\.amountCents)), (0...PlanService.maxCents).contains(sum) else {
                throw BillingError.validation(field: "line_items", reason: "must sum to an amount between 0 and \(PlanService.maxCents)")
            }
            if let amount = draft.amountCents, amount != sum {
                throw BillingError.validation(field: "amount_cents", reason: "must equal the sum of line_items (\(sum))")
            }
        } else {
            guard let amount = draft.amountCents else { throw BillingError.missing("amount_cents") }
            guard (0...PlanService.maxCents).contains(amount) else {
                throw BillingError.validation(field: "amount_cents", reason: "must be between 0 and \(PlanService.maxCents)")
            }
            lines = [InvoiceLine(kind: .manual, description: notes ?? "Amount due", unitAmountCents: amount, amountCents: amount)]
        }
        let now = clock.now()
        let dueDate = RFC3339.formatDate(due)
        return try database.write { conn in
            if let sub = draft.subscriptionId {
                guard try SubscriptionStore.find(conn, id: sub, tenantId: tenantId) != nil else {
                    throw BillingError.notFound("subscription not found")
                }
            }
            let invoice = try InvoiceStore.insert(conn, tenantId: tenantId, subscriptionId: draft.subscriptionId, status: status,
                                                  currency: currency, lines: lines, periodStart: nil, periodEnd: nil, dueDate: dueDate,
                                                  billingDetails: draft.billingDetails, notes: notes, at: now)
            try AuditLog.record(conn, context, action: "create_invoice", tenantId: tenantId, targetId: invoice.id,
                                changes: ["invoice_number": .string(invoice.number), "amount_cents": .int(invoice.amountCents),
                                          "status": .string(status.rawValue)], at: now)
            return invoice
        }
    }

    /// One validated line: exactly one way of pricing it, and a given amount must match the computed one.
    static func line(_ input: InvoiceLineInput, field: String) throws -> InvoiceLine {
        let description = try Validate.text(input.description, field: "\(field).description", maxLength: 500)!
        let quantity = input.quantity ?? 1
        guard (0...1_000_000_000_000).contains(quantity) else {
            throw BillingError.validation(field: "\(field).quantity", reason: "must be between 0 and 1000000000000")
        }
        if input.unitAmountCents != nil, input.unitPriceMicros != nil {
            throw BillingError.validation(field: "\(field).unit_price_micros", reason: "give unit_amount_cents or unit_price_micros, not both")
        }
        var computed: Int64?
        if let unit = input.unitAmountCents {
            guard (0...PlanService.maxCents).contains(unit) else {
                throw BillingError.validation(field: "\(field).unit_amount_cents", reason: "must be between 0 and \(PlanService.maxCents)")
            }
            computed = Money.mulDivHalfEven(quantity, unit, 1)
        } else if let micros = input.unitPriceMicros {
            guard (0...PlanService.maxCents * Money.microsPerCent).contains(micros) else {
                throw BillingError.validation(field: "\(field).unit_price_micros", reason: "must be between 0 and \(PlanService.maxCents * Money.microsPerCent)")
            }
            computed = Money.lineCents(quantity: quantity, unitMicros: micros)
        }
        if input.unitAmountCents != nil || input.unitPriceMicros != nil {
            guard let c = computed, c <= PlanService.maxCents else {
                throw BillingError.validation(field: "\(field).quantity", reason: "quantity × unit price is too large")
            }
            if let given = input.amountCents, given != c {
                throw BillingError.validation(field: "\(field).amount_cents", reason: "must equal quantity × unit price (\(c))")
            }
            return InvoiceLine(kind: .manual, description: description, quantity: quantity, unitAmountCents: input.unitAmountCents,
                               unitPriceMicros: input.unitPriceMicros, amountCents: c)
        }
        guard let amount = input.amountCents else {
            throw BillingError.validation(field: "\(field).amount_cents", reason: "is required when no unit price is given")
        }
        guard (-PlanService.maxCents...PlanService.maxCents).contains(amount) else {
            throw BillingError.validation(field: "\(field).amount_cents", reason: "must be between -\(PlanService.maxCents) and \(PlanService.maxCents)")
        }
        return InvoiceLine(kind: amount < 0 ? .credit : .manual, description: description, quantity: quantity, amountCents: amount)
    }

    /// Applies the status machine (409 on a backward or unknown move) and the other changes.
    public func update(id: String, tenantId: String, _ u: InvoiceUpdate, context: CallContext) throws -> Invoice {
        let notes: String?? = try u.notes.map { try $0.flatMap { try Validate.text($0, field: "notes", maxLength: 2000, required: false) } }
        let method: String?? = try u.paymentMethod.map { try $0.flatMap { try Validate.text($0, field: "payment_method", maxLength: 64, required: false) } }
        let external: String?? = try u.externalPaymentId.map { try $0.flatMap { try Validate.text($0, field: "external_payment_id", maxLength: 200, required: false) } }
        let url: String?? = try u.externalInvoiceURL.map { try $0.flatMap { try Self.invoiceURL($0) } }
        // A payment id decides whose gateway charge this invoice refunds, shows and is settled by: only the gateway
        // flow sets it, or a super-admin repairing a link (audited below).
        if u.externalPaymentId != nil, context.principal.role != .superAdmin {
            throw BillingError.forbidden("external_payment_id is set by the payment gateway flow (charge_invoice); only a super-admin may change it")
        }
        if u.paidAt != nil, u.status != .paid {
            throw BillingError.validation(field: "paid_at", reason: "may only be given together with status paid")
        }
        let now = clock.now()
        return try database.write { conn in
            guard var invoice = try InvoiceStore.find(conn, id: id, tenantId: tenantId, forUpdate: true) else { throw BillingError.notFound("invoice not found") }
            var changes = JSONObject()
            if let next = u.status, next != invoice.status {
                guard invoice.status.canMove(to: next) else {
                    throw BillingError.conflict("an invoice cannot move from \(invoice.status.rawValue) to \(next.rawValue)")
                }
                changes["status"] = ["from": .string(invoice.status.rawValue), "to": .string(next.rawValue)]
                if next == .paid {
                    invoice.paidAt = u.paidAt ?? now
                    changes["paid_at"] = .string(RFC3339.format(invoice.paidAt!))
                }
                let wasDraft = invoice.status == .draft
                invoice.status = next
                if wasDraft, next == .pending { try InvoiceStore.notifyCreated(conn, invoice, at: now) }
            }
            if let due = u.dueDate {
                guard invoice.status == .draft || invoice.status == .pending else {
                    throw BillingError.conflict("the due date of a \(invoice.status.rawValue) invoice cannot change")
                }
                invoice.dueDate = RFC3339.formatDate(due)
                changes["due_date"] = .string(invoice.dueDate)
            }
            if let notes { invoice.notes = notes; changes["notes"] = JSON(notes) }
            if let method { invoice.paymentMethod = method; changes["payment_method"] = JSON(method) }
            if let external {
                if let id = external, let holder = try conn.queryOne("SELECT id FROM invoices WHERE external_payment_id = ?", [.text(id)])?.decode(String.self, "id"),
                   holder != invoice.id {
                    throw BillingError.conflict("external_payment_id \(id) already belongs to invoice \(holder)")
                }
                invoice.externalPaymentId = external
                changes["external_payment_id"] = JSON(external)
            }
            if let url { invoice.externalInvoiceURL = url; changes["external_invoice_url"] = JSON(url) }
            if let details = u.billingDetails { invoice.billingDetails = details; changes["billing_details"] = details.map { .object($0) } ?? .null }
            invoice.updatedAt = now
            try InvoiceStore.update(conn, invoice)
            try AuditLog.record(conn, context, action: "update_invoice", tenantId: tenantId, targetId: id, changes: changes, at: now)
            return invoice
        }
    }

    /// `external_invoice_url`: shown to people as a link (dashboard, e-mails), so only an absolute http(s) URL
    /// with a host; `javascript:`, `data:` and the like are refused (issue 18).
    static func invoiceURL(_ raw: String) throws -> String? {
        guard let text = try Validate.text(raw, field: "external_invoice_url", maxLength: 2000, required: false) else { return nil }
        func refuse(_ reason: String) -> BillingError { .validation(field: "external_invoice_url", reason: reason) }
        guard !text.unicodeScalars.contains(where: { $0.value <= 0x20 || (0x7F...0x9F).contains($0.value) }) else {
            throw refuse("must not contain spaces or control characters")
        }
        guard let parts = URLComponents(string: text), let scheme = parts.scheme?.lowercased(), scheme == "http" || scheme == "https" else {
            throw refuse("must be an absolute http or https URL")
        }
        guard let host = parts.host, !host.isEmpty else { throw refuse("must name a host") }
        guard parts.user == nil, parts.password == nil else { throw refuse("must not contain credentials") }
        return text
    }

    /// The invoice and its tenant's name, for rendering.
    public func renderHTML(id: String, tenantId: String) throws -> String {
        let (invoice, tenant) = try database.read { conn -> (Invoice?, Tenant?) in
            (try InvoiceStore.find(conn, id: id, tenantId: tenantId), try TenantRepository(conn: conn).find(id: tenantId))
        }
        guard let invoice, let tenant else { throw BillingError.notFound("invoice not found") }
        return InvoiceRenderer.html(invoice, tenant: tenant)
    }
}
