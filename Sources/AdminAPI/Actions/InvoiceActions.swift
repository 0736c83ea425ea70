import Billing
import Foundation
import HTTP
import Support

/// Invoices (SPEC §7): gapless numbers, forward-only status machine, printable rendering.
enum InvoiceActions {
    static func make(_ s: AdminServices) -> [Action] {
        [
            Action("list_invoices", [.GET], .read, scope: .tenant, input: ListInvoicesInput.self,
                   summary: "The tenant's invoices, newest first, by status and date range") { r, input in
                let q = input.query
                let result = try s.invoices.list(tenantId: r.tenant, q)
                return .ok(Present.page(result.items.map(Present.invoice), total: result.total, limit: q.limit, offset: q.offset))
            },
            Action("get_invoice", [.GET], .read, scope: .owner(.invoice), input: InvoiceIDInput.self, summary: "One invoice with its line items") { r, input in
                .ok(Present.invoice(try s.invoices.get(id: input.id, tenantId: r.tenant)))
            },
            Action("create_invoice", [.POST], .billing, scope: .tenant, input: CreateInvoiceInput.self,
                   summary: "Issue an invoice (amount = sum of line items)") { r, input in
                .created(Present.invoice(try s.invoices.create(tenantId: r.tenant, input.draft, context: r.context)))
            },
            Action("update_invoice", [.POST], .billing, scope: .owner(.invoice), input: UpdateInvoiceInput.self,
                   summary: "Move an invoice forward in its status machine; payment details, notes") { r, input in
                .ok(Present.invoice(try s.invoices.update(id: input.id, tenantId: r.tenant, input.update, context: r.context)))
            },
            Action("render_invoice", [.GET], .read, scope: .owner(.invoice), input: RenderInvoiceInput.self,
                   summary: "Printable invoice (format=html or pdf)") { r, input in
                let id = input.id
                switch input.format {
                case .html:
                    let html = try s.invoices.renderHTML(id: id, tenantId: r.tenant)
                    // No script, no frame around it (clickjacking), no form that could post anywhere.
                    let headers = HTTPHeaders([("Content-Type", "text/html; charset=utf-8"), ("Cache-Control", "no-store"),
                                               ("Content-Security-Policy", Self.renderedHTMLPolicy),
                                               ("X-Content-Type-Options", "nosniff")])
                    return .response(HTTPResponse(status: .ok, headers: headers, body: .bytes(Array(html.utf8))))
                case .pdf:
                    let pdf = try s.invoices.renderPDF(id: id, tenantId: r.tenant) {
                        try s.pdfRenders.recordAttempt(keys: ["pdf:" + (r.principal?.id ?? r.http.remoteAddress)])
                    }
                    // The number is INV-YYYY-NNNNNN (server-assigned), safe inside the quoted filename.
                    let headers = HTTPHeaders([("Content-Type", "application/pdf"), ("Cache-Control", "no-store"),
                                               ("Content-Disposition", "inline; filename=\"\(pdf.number).pdf\""),
                                               ("X-Content-Type-Options", "nosniff")])
                    return .response(HTTPResponse(status: .ok, headers: headers, body: .bytes(pdf.bytes)))
                }
            }.producing(["text/html", "application/pdf"]),
        ]
    }

    /// The printable invoice's `Content-Security-Policy`.
    static let renderedHTMLPolicy = "default-src 'none'; style-src 'self'; frame-ancestors 'none'; form-action 'none'"
}
