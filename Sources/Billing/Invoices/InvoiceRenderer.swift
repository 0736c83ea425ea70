import Foundation
import Support

/// Printable HTML of an invoice. Every value from the database goes through `HTMLEscaping.escape`:
/// names, notes and line descriptions come from clients and must not become markup.
public enum InvoiceRenderer {
    /// The invoice as one self-contained page (inline style, no scripts), every stored value escaped.
    /// The invoice's stylesheet, served from `public/` (no inline style: the CSP of the invoice and of the dashboard
    /// both allow only same-origin stylesheets). The dashboard's blob view makes it absolute (`printLink`).
    public static let stylesheetPath = "/admin/invoice.css"

    public static func html(_ i: Invoice, tenant: Tenant) -> String {
        let escape = HTMLEscaping.escape
        let money = { (cents: Int64) in "\(escape(i.currency)) \(Money.format(cents))" }
        var rows = ""
        for line in i.lines {
            let unit: String
            if let c = line.unitAmountCents { unit = money(c) } else if let m = line.unitPriceMicros {
                unit = "\(escape(i.currency)) \(microsText(m))"
            } else { unit = "" }
            rows += "<tr><td>\(escape(line.description))</td><td class=\"n\">\(line.quantity)</td><td class=\"n\">\(unit)</td><td class=\"n\">\(money(line.amountCents))</td></tr>\n"
        }
        var billing = ""
        if let details = i.billingDetails {
            for key in details.keys {
                let value = details[key]!
                let text = value.stringValue ?? String(decoding: value.serialized(), as: UTF8.self)
                billing += "<div>\(escape(key)): \(escape(text))</div>"
            }
        }
        let period = i.periodStart.map { start in
            "<div>Period: \(RFC3339.formatDate(start))\(i.periodEnd.map { " – " + RFC3339.formatDate($0) } ?? "")</div>"
        } ?? ""
        return """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>Invoice \(escape(i.number))</title>
            <link rel="stylesheet" href="\(stylesheetPath)"></head>
            <body>
            <h1>Invoice \(escape(i.number))</h1>
            <div class="status">\(escape(i.status.rawValue))</div>
            <section><h2>Billed to</h2><div>\(escape(tenant.name))</div>\(tenant.billingEmail.map { "<div>\(escape($0))</div>" } ?? "")\(billing)</section>
            <section><div>Issued: \(RFC3339.formatDate(i.issuedAt))</div><div>Due: \(escape(i.dueDate))</div>\(period)\(i.paidAt.map { "<div>Paid: \(RFC3339.formatDate($0))</div>" } ?? "")</section>
            <table><thead><tr><th>Description</th><th class="n">Qty</th><th class="n">Unit price</th><th class="n">Amount</th></tr></thead>
            <tbody>
            \(rows)</tbody>
            <tfoot><tr><th colspan="3" class="n">Total</th><th class="n">\(money(i.amountCents))</th></tr></tfoot></table>
            \(i.notes.map { "<p>\(escape($0))</p>" } ?? "")
            </body></html>
            """
    }

    /// A micro-unit price as a decimal with six places, trailing zeros trimmed to two.
    static func microsText(_ micros: Int64) -> String {
        let sign = micros < 0 ? "-" : ""
        let m = micros.magnitude
        var frac = String(m % 1_000_000)
        frac = String(repeating: "0", count: 6 - frac.count) + frac
        while frac.count > 2, frac.hasSuffix("0") { frac.removeLast() }
        return "\(sign)\(m / 1_000_000).\(frac)"
    }
}
