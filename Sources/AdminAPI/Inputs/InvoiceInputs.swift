import Billing
import Foundation
import Support

/// Fields the invoice actions share (one wording, one limit).
enum InvoiceFields {
    static let id = Field<String>.id("id", "The invoice").required().example("0193a5c4-7e1f-7b2a-9c3d-4e5f6a7b8c9d")
    static let subscriptionId = Field<String>.id("subscription_id", "The tenant's subscription the invoice belongs to")
    static let dueDate = Field<Date>.day("due_date", "The day payment is due (YYYY-MM-DD)")
    static let maxNotesLength = 2000
    static let billingDetails = Field<JSONObject>.object("billing_details", "Free-form details printed on the invoice (address, tax id)")
}

/// `list_invoices`: newest first, by status and issue date.
struct ListInvoicesInput: ActionInput {
    static let status = Field<Invoice.Status>.enumeration("status", Invoice.Status.self, "Only invoices in this status")
    static let start = Field<Date>.date("start_date", "Issued at or after this")
    static let end = Field<Date>.date("end_date", "Issued before this (a date includes that whole day)", endOfDay: true)
    static let fields = [status.spec, start.spec, end.spec, InvoiceFields.subscriptionId.spec] + Page.fields()

    let query: InvoiceQuery

    init(_ r: inout InputReader) {
        var q = InvoiceQuery()
        q.status = r(Self.status)
        q.since = r(Self.start)
        q.until = r(Self.end)
        q.subscriptionId = r(InvoiceFields.subscriptionId)
        let page = Page(&r)
        q.limit = page.limit
        q.offset = page.offset
        query = q
    }
}

/// `get_invoice` and the other actions on one invoice by id and nothing else.
struct InvoiceIDInput: ActionInput {
    static let fields = [InvoiceFields.id.spec]
    let id: String
    init(_ r: inout InputReader) { id = r(InvoiceFields.id) }
}

/// One element of `create_invoice`'s `line_items`: priced by a unit price (cents or micro-units) times a
/// quantity, or a bare amount (negative for a credit). The rules between the fields are the service's.
struct InvoiceLineItemFields: InputShape {
    static let description = Field<String>.string("description", "What is billed", maxLength: 500).required().example("Support hours")
    static let quantity = Field<Int64>.int("quantity", "How many units (default 1)", in: 0...1_000_000_000_000)
    static let unitAmountCents = Field<Int64>.int("unit_amount_cents", "Price of one unit in cents (or unit_price_micros)", in: 0...PlanService.maxCents)
    static let unitPriceMicros = Field<Int64>.int("unit_price_micros", "Price of one unit in micro-units (or unit_amount_cents)",
                                                  in: 0...(PlanService.maxCents * Money.microsPerCent))
    static let amountCents = Field<Int64>.int("amount_cents", "The line's amount in cents: quantity × unit price if one is given, else required "
                                                  + "(negative for a credit)", in: -PlanService.maxCents...PlanService.maxCents)
    static let fields = [description.spec, quantity.spec, unitAmountCents.spec, unitPriceMicros.spec, amountCents.spec]

    let line: InvoiceLineInput

    init(_ r: inout InputReader) {
        line = InvoiceLineInput(description: r(Self.description), quantity: r(Self.quantity), unitAmountCents: r(Self.unitAmountCents),
                                unitPriceMicros: r(Self.unitPriceMicros), amountCents: r(Self.amountCents))
    }
}

/// `create_invoice`: issue an invoice whose amount is the sum of its lines (or `amount_cents` without lines).
struct CreateInvoiceInput: ActionInput {
    static let dueDate = InvoiceFields.dueDate.required().example("2026-01-31")
    static let amountCents = Field<Int64>.int("amount_cents", "The total in cents: required without line_items, else their sum",
                                              in: 0...PlanService.maxCents)
    static let currency = Field<String>.string("currency", "ISO 4217 code (default BRL)", maxLength: 3)
    // Counted before any line is read, so a huge array is refused at once.
    static let lineItems = InvoiceLineItemFields.array("line_items", count: 0...InvoiceService.maxLineItems, "The lines of the invoice")
    static let notes = Field<String>.string("notes", "Text printed on the invoice", maxLength: InvoiceFields.maxNotesLength)
    static let status = Field<Invoice.Status>.enumeration("status", Invoice.Status.self, "draft or pending (default; sends invoice_created)")
    static let fields = [dueDate.spec, amountCents.spec, currency.spec, lineItems.spec, InvoiceFields.billingDetails.spec, notes.spec,
                         InvoiceFields.subscriptionId.spec, status.spec]

    let draft: InvoiceDraft

    init(_ r: inout InputReader) {
        var d = InvoiceDraft()
        d.dueDate = r(Self.dueDate)
        d.amountCents = r(Self.amountCents)
        d.currency = r(Self.currency)
        d.lineItems = r(Self.lineItems)?.map(\.line)
        d.billingDetails = r(InvoiceFields.billingDetails)
        d.notes = r(Self.notes)
        d.subscriptionId = r(InvoiceFields.subscriptionId)
        d.status = r(Self.status)
        draft = d
    }
}

/// `update_invoice`: move it forward in its status machine, change payment details and notes; omitted fields are kept.
struct UpdateInvoiceInput: ActionInput {
    static let status = Field<Invoice.Status>.enumeration("status", Invoice.Status.self, "The next status (only forward moves)")
    static let paidAt = Field<Date>.timestamp("paid_at", "When it was paid (with status paid; default now)")
    static let dueDate = InvoiceFields.dueDate
    static let notes = Field<String>.string("notes", "Text printed on the invoice (null clears it)", maxLength: InvoiceFields.maxNotesLength).nullable()
    static let paymentMethod = Field<String>.string("payment_method", "How it was or will be paid (null clears it)", maxLength: 64).nullable()
    static let externalPaymentId = Field<String>.string("external_payment_id", "The gateway's payment id (super-admin only; null clears it)",
                                                        maxLength: 200).nullable()
    static let externalInvoiceURL = Field<String>.string("external_invoice_url", "Absolute http(s) URL of the gateway's invoice page (null clears it)",
                                                         maxLength: 2000, format: "uri").nullable()
    static let billingDetails = InvoiceFields.billingDetails.nullable()
    static let fields = [InvoiceFields.id.spec, status.spec, paidAt.spec, dueDate.spec, notes.spec, paymentMethod.spec, externalPaymentId.spec,
                         externalInvoiceURL.spec, billingDetails.spec]

    let id: String
    let update: InvoiceUpdate

    init(_ r: inout InputReader) {
        id = r(InvoiceFields.id)
        var u = InvoiceUpdate()
        u.status = r(Self.status)
        u.paidAt = r(Self.paidAt)
        u.dueDate = r(Self.dueDate)
        u.notes = r(Self.notes)
        u.paymentMethod = r(Self.paymentMethod)
        u.externalPaymentId = r(Self.externalPaymentId)
        u.externalInvoiceURL = r(Self.externalInvoiceURL)
        u.billingDetails = r(Self.billingDetails)
        update = u
    }
}

/// The formats `render_invoice` draws.
enum InvoiceRenderFormat: String, Sendable, CaseIterable {
    case html, pdf
}

/// `render_invoice`.
struct RenderInvoiceInput: ActionInput {
    static let format = Field<InvoiceRenderFormat>.enumeration("format", InvoiceRenderFormat.self, "html (default, printable) or pdf (A4)")
    static let fields = [InvoiceFields.id.spec, format.spec]
    let id: String
    let format: InvoiceRenderFormat
    init(_ r: inout InputReader) {
        id = r(InvoiceFields.id)
        format = r(Self.format) ?? .html
    }
}
