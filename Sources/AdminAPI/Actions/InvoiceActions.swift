import Billing
import Foundation
import HTTP
import Support

/// Invoices (SPEC §7): gapless numbers, forward-only status machine, printable rendering.
enum InvoiceActions {
    static func make(_ s: AdminServices) -> [Action] {
        [
            Action("list_invoices", [.GET], .read, scope: .tenant, summary: "The tenant's invoices, newest first, by status and date range") { r in
                var q = InvoiceQuery()
                q.status = try r.params.enumeration("status", Invoice.Status.self)
                q.since = try r.params.date("start_date")
                q.until = try r.params.date("end_date", endOfDay: true)
                q.subscriptionId = try r.params.id("subscription_id")
                let page = try r.params.page()
                q.limit = page.limit
                q.offset = page.offset
                let result = try s.invoices.list(tenantId: r.tenant, q)
                return .ok(Present.page(result.items.map(Present.invoice), total: result.total, limit: page.limit, offset: page.offset))
            },
            Action("get_invoice", [.GET], .read, scope: .tenant, summary: "One invoice with its line items") { r in
                .ok(Present.invoice(try s.invoices.get(id: try r.params.requiredID("id"), tenantId: r.tenant)))
            },
            Action("create_invoice", [.POST], .write, scope: .tenant, summary: "Issue an invoice (amount = sum of line items)") { r in
                let p = r.params
                var d = InvoiceDraft()
                d.amountCents = try p.int("amount_cents", in: 0...PlanService.maxCents)
                d.dueDate = try day(p, "due_date")
                if d.dueDate == nil { throw APIError.validation("due_date", "is required") }
                d.currency = try p.string("currency", maxLength: 3)
                d.lineItems = try p.array("line_items").map { items in
                    // Counted before each line is decoded, so a huge array is refused at once.
                    guard items.count <= InvoiceService.maxLineItems else {
                        throw APIError.validation("line_items", "must hold at most \(InvoiceService.maxLineItems) items")
                    }
                    return try items.enumerated().map { try lineItem($1, field: "line_items[\($0)]") }
                }
                d.billingDetails = try p.object("billing_details")
                d.notes = try p.string("notes", maxLength: 2000)
                d.subscriptionId = try p.id("subscription_id")
                d.status = try p.enumeration("status", Invoice.Status.self)
                return .created(Present.invoice(try s.invoices.create(tenantId: r.tenant, d, context: r.context)))
            },
            Action("update_invoice", [.POST], .write, scope: .tenant, summary: "Move an invoice forward in its status machine; payment details, notes") { r in
                let p = r.params
                var u = InvoiceUpdate()
                u.status = try p.enumeration("status", Invoice.Status.self)
                u.paidAt = try p.timestamp("paid_at")
                u.dueDate = try day(p, "due_date")
                if p.has("notes") { u.notes = .some(try p.nullableString("notes", maxLength: 2000) ?? nil) }
                if p.has("payment_method") { u.paymentMethod = .some(try p.nullableString("payment_method", maxLength: 64) ?? nil) }
                if p.has("external_payment_id") { u.externalPaymentId = .some(try p.nullableString("external_payment_id", maxLength: 200) ?? nil) }
                if p.has("external_invoice_url") { u.externalInvoiceURL = .some(try p.nullableString("external_invoice_url", maxLength: 2000) ?? nil) }
                if p.has("billing_details") { u.billingDetails = .some(try p.object("billing_details")) }
                return .ok(Present.invoice(try s.invoices.update(id: try p.requiredID("id"), tenantId: r.tenant, u, context: r.context)))
            },
            Action("render_invoice", [.GET], .read, scope: .tenant, summary: "Printable invoice (format=html or pdf)") { r in
                let format = try r.params.string("format", maxLength: 10) ?? "html"
                let id = try r.params.requiredID("id")
                switch format {
                case "html":
                    let html = try s.invoices.renderHTML(id: id, tenantId: r.tenant)
                    // No script, no frame around it (clickjacking), no form that could post anywhere.
                    let headers = HTTPHeaders([("Content-Type", "text/html; charset=utf-8"), ("Cache-Control", "no-store"),
                                               ("Content-Security-Policy", Self.renderedHTMLPolicy),
                                               ("X-Content-Type-Options", "nosniff")])
                    return .response(HTTPResponse(status: .ok, headers: headers, body: .bytes(Array(html.utf8))))
                case "pdf":
                    let pdf = try s.invoices.renderPDF(id: id, tenantId: r.tenant) {
                        try s.pdfRenders.recordAttempt(keys: ["pdf:" + (r.principal?.id ?? r.http.remoteAddress)])
                    }
                    // The number is INV-YYYY-NNNNNN (server-assigned), safe inside the quoted filename.
                    let headers = HTTPHeaders([("Content-Type", "application/pdf"), ("Cache-Control", "no-store"),
                                               ("Content-Disposition", "inline; filename=\"\(pdf.number).pdf\""),
                                               ("X-Content-Type-Options", "nosniff")])
                    return .response(HTTPResponse(status: .ok, headers: headers, body: .bytes(pdf.bytes)))
                default:
                    throw APIError.validation("format", "must be html or pdf")
                }
            },
        ]
    }

    /// The printable invoice's `Content-Security-Policy`.
    static let renderedHTMLPolicy = "default-src 'none'; style-src 'self'; frame-ancestors 'none'; form-action 'none'"

    /// A `YYYY-MM-DD` date (a due date is a day, not an instant).
    static func day(_ p: Params, _ name: String) throws -> Date? {
        guard let text = try p.string(name, maxLength: 40) else { return nil }
        guard let d = RFC3339.parseDate(text) else { throw APIError.validation(name, "must be a date in the form YYYY-MM-DD") }
        return d
    }

    static func lineItem(_ j: JSON, field: String) throws -> InvoiceLineInput {
        guard let o = j.objectValue else { throw APIError.validation(field, "must be an object") }
        func int(_ key: String) throws -> Int64? {
            switch o[key] {
            case nil, .null?: return nil
            case .int(let v)?: return v
            case let other?: throw APIError.validation("\(field).\(key)", "must be an integer, got \(other.typeName)")
            }
        }
        var description: String?
        switch o["description"] {
        case nil, .null?: description = nil
        case .string(let s)?: description = s
        case let other?: throw APIError.validation("\(field).description", "must be a string, got \(other.typeName)")
        }
        return InvoiceLineInput(description: description, quantity: try int("quantity"), unitAmountCents: try int("unit_amount_cents"),
                                unitPriceMicros: try int("unit_price_micros"), amountCents: try int("amount_cents"))
    }
}
