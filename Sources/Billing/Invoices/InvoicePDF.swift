import Foundation
import Support

/// The invoice as an A4 PDF drawn with libharu: the same content as `InvoiceRenderer.html`
/// (number, status, tenant and billing details, dates, line items, totals, notes).
///
/// Text goes through DejaVu Sans (Debian `fonts-dejavu-core`) under libharu's UTF-8 encoder, so
/// "Créditos de mensagem" or Cyrillic print as written. Without that font the base-14 Helvetica
/// is used, whose WinAnsi (CP1252) encoding covers Western European text; anything else is
/// transliterated (accents dropped) or printed as `?`. Values are drawn as text, never
/// interpreted, so a name like `<b>Evil</b>` prints literally. All C calls live in `HaruDocument`.
public enum InvoicePDF {
    /// Where the TrueType fonts are looked for; a missing regular font means the base-14 fallback.
    public struct Fonts: Sendable {
        public var regular: String?
        public var bold: String?

        public init(regular: String?, bold: String?) {
            self.regular = regular
            self.bold = bold
        }

        /// Debian's `fonts-dejavu-core`.
        public static let system = Fonts(regular: "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
                                         bold: "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")
        /// Helvetica only (what happens when the TrueType fonts are not installed).
        public static let standard = Fonts(regular: nil, bold: nil)
    }

    public static func render(_ invoice: Invoice, tenant: Tenant, fonts: Fonts = .system) throws -> [UInt8] {
        let doc = try HaruDocument()
        try doc.setInfo(title: "Invoice \(invoice.number)", creator: "billing-server")
        var layout = try Layout(doc: doc, fonts: fonts)
        try layout.draw(invoice, tenant: tenant)
        return try doc.bytes()
    }

    // MARK: - Layout

    /// A cursor that walks down the pages, starting a new one when the next block does not fit.
    struct Layout {
        let doc: HaruDocument
        let regular: HaruDocument.Font
        let bold: HaruDocument.Font
        var pages: [HaruDocument.Page] = []
        var y = 0.0
        /// Called after each page break (the line-item table repeats its header).
        var onNewPage: ((inout Layout) throws -> Void)?

        static let margin = 50.0
        static let top = 60.0
        static let bottom = 60.0
        static let bodySize = 9.5
        static let lineHeight = 13.0

        init(doc: HaruDocument, fonts: Fonts) throws {
            self.doc = doc
            if let path = fonts.regular, FileManager.default.isReadableFile(atPath: path) {
                regular = try doc.trueTypeFont(path: path)
                if let b = fonts.bold, FileManager.default.isReadableFile(atPath: b) { bold = try doc.trueTypeFont(path: b) } else { bold = regular }
            } else {
                regular = try doc.standardFont("Helvetica")
                bold = try doc.standardFont("Helvetica-Bold")
            }
        }

        var page: HaruDocument.Page { pages[pages.count - 1] }
        var left: Double { Self.margin }
        var right: Double { page.width - Self.margin }

        mutating func newPage() throws {
            pages.append(try doc.addA4Page())
            y = page.height - Self.top
            if let header = onNewPage { try header(&self) }
        }

        /// Makes room for `height` points, breaking the page when needed (never on an empty page).
        mutating func ensure(_ height: Double) throws {
            if y - height < Self.bottom && y < page.height - Self.top - 1 { try newPage() }
        }

        // MARK: Text

        func encode(_ s: String, _ font: HaruDocument.Font) -> [UInt8] {
            font.unicode ? PDFTextEncoding.utf8(s) : PDFTextEncoding.cp1252(s)
        }

        func width(_ s: String, _ font: HaruDocument.Font, _ size: Double) throws -> Double {
            try doc.width(encode(s, font), font: font, size: size, on: page)
        }

        func draw(_ s: String, x: Double, y: Double, _ font: HaruDocument.Font, _ size: Double, alignRight: Bool = false) throws {
            let bytes = encode(s, font)
            if bytes.isEmpty { return }
            let dx = alignRight ? try doc.width(bytes, font: font, size: size, on: page) : 0
            try doc.text(bytes, x: x - dx, y: y, font: font, size: size, on: page)
        }

        /// Greedy word wrap to `maxWidth`; a word longer than a line is cut between characters.
        /// Widths add up (libharu applies no kerning), so each word is measured once. This is layout,
        /// not encoding: cutting between `Character`s keeps a letter and its marks on one line.
        func wrap(_ text: String, maxWidth: Double, _ font: HaruDocument.Font, _ size: Double) throws -> [String] {
            var lines: [String] = []
            for paragraph in PDFTextEncoding.clean(text).split(separator: "\n", omittingEmptySubsequences: false) {
                let space = try width(" ", font, size)
                var line = "", lineWidth = 0.0
                for word in paragraph.split(separator: " ") {
                    var w = String(word)
                    var ww = try width(w, font, size)
                    if !line.isEmpty && lineWidth + space + ww <= maxWidth {
                        line += " " + w
                        lineWidth += space + ww
                        continue
                    }
                    if !line.isEmpty { lines.append(line); line = ""; lineWidth = 0 }
                    while ww > maxWidth {  // cut an overlong word
                        var head = "", headWidth = 0.0
                        for c in w {
                            let cw = try width(String(c), font, size)
                            if headWidth + cw > maxWidth && !head.isEmpty { break }
                            head.append(c)
                            headWidth += cw
                        }
                        lines.append(head)
                        w = String(w.dropFirst(head.count))
                        ww -= headWidth
                    }
                    line = w
                    lineWidth = ww
                }
                lines.append(line)
            }
            return lines
        }

        /// A wrapped paragraph at the cursor, breaking pages between lines.
        mutating func paragraph(_ text: String, x: Double? = nil, font: HaruDocument.Font? = nil, size: Double = bodySize) throws {
            let x = x ?? left
            for line in try wrap(text, maxWidth: right - x, font ?? regular, size) {
                try ensure(Self.lineHeight)
                y -= Self.lineHeight
                try draw(line, x: x, y: y + 3, font ?? regular, size)
            }
        }

        // MARK: The invoice

        mutating func draw(_ i: Invoice, tenant: Tenant) throws {
            try newPage()
            let money = { (cents: Int64) in "\(i.currency) \(Money.format(cents))" }

            // Title and status, then the dates in a column at the right.
            try draw("Invoice \(i.number)", x: left, y: y - 20, bold, 20)
            try draw(i.status.rawValue.uppercased(), x: right, y: y - 18, bold, 12, alignRight: true)
            y -= 44
            var dates = [("Issued", RFC3339.formatDate(i.issuedAt)), ("Due", i.dueDate)]
            if let start = i.periodStart {
                dates.append(("Period", RFC3339.formatDate(start) + (i.periodEnd.map { " – " + RFC3339.formatDate($0) } ?? "")))
            }
            if let paid = i.paidAt { dates.append(("Paid", RFC3339.formatDate(paid))) }
            let datesX = right - 170
            var dy = y
            for (label, value) in dates {
                dy -= Self.lineHeight
                try draw(label + ":", x: datesX, y: dy + 3, bold, Self.bodySize)
                try draw(value, x: right, y: dy + 3, regular, Self.bodySize, alignRight: true)
            }

            // Billed to: name, email, billing details (left of the dates, full width below them).
            let billedWidth = datesX - 20 - left
            y -= Self.lineHeight
            try draw("Billed to", x: left, y: y + 3, bold, 11)
            var billed = [tenant.name]
            if let email = tenant.billingEmail { billed.append(email) }
            if let details = i.billingDetails {
                for key in details.keys {
                    let value = details[key]!
                    billed.append("\(key): \(value.stringValue ?? String(decoding: value.serialized(), as: UTF8.self))")
                }
            }
            for item in billed {
                let narrow = y > dy  // still beside the dates column
                for line in try wrap(item, maxWidth: narrow ? billedWidth : right - left, regular, Self.bodySize) {
                    try ensure(Self.lineHeight)
                    y -= Self.lineHeight
                    try draw(line, x: left, y: y + 3, regular, Self.bodySize)
                }
            }
            y = min(y, dy) - 24

            // Line items; the header repeats on every page the table reaches.
            let columns = Self.columns(left: left, right: right)
            let header = { (l: inout Layout) throws in
                l.y -= Self.lineHeight + 2
                for (title, c) in zip(["Description", "Qty", "Unit price", "Amount"], columns) {
                    try l.draw(title, x: c.alignRight ? c.x + c.width : c.x, y: l.y + 4, l.bold, Self.bodySize, alignRight: c.alignRight)
                }
                try l.doc.line(x0: l.left, x1: l.right, y: l.y, width: 0.8, gray: 0.2, on: l.page)
                l.y -= 3
            }
            try ensure(3 * Self.lineHeight)
            try header(&self)
            onNewPage = header
            for line in i.lines {
                let unit: String
                if let c = line.unitAmountCents { unit = money(c) } else if let m = line.unitPriceMicros {
                    unit = "\(i.currency) \(InvoiceRenderer.microsText(m))"
                } else { unit = "" }
                try row([line.description, String(line.quantity), unit, money(line.amountCents)], columns, font: regular)
                try doc.line(x0: left, x1: right, y: y, width: 0.3, gray: 0.8, on: page)
            }
            onNewPage = nil

            // Totals under the amount column.
            try ensure(2 * Self.lineHeight + 6)
            y -= 4
            let subtotal = Money.sum(i.lines.map(\.amountCents)) ?? i.amountCents
            let labels = Column(x: columns[1].x, width: columns[1].width + columns[2].width + 8, alignRight: true)
            try row(["Subtotal", money(subtotal)], [labels, columns[3]], font: regular)
            try row(["Total", money(i.amountCents)], [labels, columns[3]], font: bold)

            if let notes = i.notes, !notes.isEmpty {
                y -= 16
                try ensure(2 * Self.lineHeight)
                y -= Self.lineHeight
                try draw("Notes", x: left, y: y + 3, bold, 11)
                try paragraph(notes)
            }

            // Footer on every page, now that the page count is known.
            for (n, p) in pages.enumerated() {
                let text = encode("\(i.number) · page \(n + 1) of \(pages.count)", regular)
                let w = try doc.width(text, font: regular, size: 8, on: p)
                try doc.text(text, x: p.width - Self.margin - w, y: 30, font: regular, size: 8, on: p)
            }
        }

        struct Column {
            let x: Double
            let width: Double
            let alignRight: Bool
        }

        /// Description | Qty | Unit price | Amount across the text width.
        static func columns(left: Double, right: Double) -> [Column] {
            let gap = 8.0
            let amount = 100.0, unit = 95.0, qty = 45.0
            let desc = right - left - amount - unit - qty - 3 * gap
            return [Column(x: left, width: desc, alignRight: false),
                    Column(x: left + desc + gap, width: qty, alignRight: true),
                    Column(x: left + desc + qty + 2 * gap, width: unit, alignRight: true),
                    Column(x: right - amount, width: amount, alignRight: true)]
        }

        /// One table row: every cell wrapped in its column; kept on one page unless it is taller than a page.
        mutating func row(_ cells: [String], _ columns: [Column], font: HaruDocument.Font) throws {
            let wrapped = try zip(cells, columns).map { try wrap($0, maxWidth: $1.width, font, Self.bodySize) }
            let count = wrapped.map(\.count).max() ?? 1
            let height = Double(count) * Self.lineHeight + 4
            if y - height < Self.bottom && height <= page.height - Self.top - Self.bottom - 3 * Self.lineHeight { try newPage() }
            y -= 2
            for n in 0..<count {
                try ensure(Self.lineHeight)
                y -= Self.lineHeight
                for (lines, c) in zip(wrapped, columns) where n < lines.count {
                    try draw(lines[n], x: c.alignRight ? c.x + c.width : c.x, y: y + 3, font, Self.bodySize, alignRight: c.alignRight)
                }
            }
            y -= 2
        }
    }
}

extension InvoiceService {
    /// The invoice as PDF bytes with its number (not found for another tenant's invoice, like `renderHTML`).
    /// `admit` runs once the invoice is found and before the (CPU-heavy) drawing: the caller's rate limit.
    public func renderPDF(id: String, tenantId: String, fonts: InvoicePDF.Fonts = .system,
                          admit: () throws -> Void = {}) throws -> (number: String, bytes: [UInt8]) {
        let (invoice, tenant) = try database.read { conn -> (Invoice?, Tenant?) in
            (try InvoiceStore.find(conn, id: id, tenantId: tenantId), try TenantRepository(conn: conn).find(id: tenantId))
        }
        guard let invoice, let tenant else { throw BillingError.notFound("invoice not found") }
        try admit()
        return (invoice.number, try InvoicePDF.render(invoice, tenant: tenant, fonts: fonts))
    }
}
