import PropertyTestSupport
import Support
import Testing

/// `CSVField`: RFC 4180 quoting on bytes, formula neutralisation on scalars, and Python's `csv`
/// module as an independent reader.
struct CSVFieldTests {
    @Test func text_IsQuoted_WhenItHoldsASeparatorQuoteOrLineBreak() {
        #expect(CSVField.text("plain").encoded == "plain")
        #expect(CSVField.text("a,b").encoded == "\"a,b\"")
        #expect(CSVField.text("say \"hi\"").encoded == "\"say \"\"hi\"\"\"")
        #expect(CSVField.text("line\nbreak").encoded == "\"line\nbreak\"")
        #expect(CSVField.text("").encoded == "")
    }

    /// Issue 20: `"\r\n"` and U+0600 + `,` are single `Character`s; the CR, LF and commas inside them still count.
    @Test func text_IsQuoted_WhenTheLineBreakOrSeparatorHidesInAGraphemeCluster() {
        #expect(CSVField.text("conv-2\r\n=1+cmd|' /C calc'!A0").encoded == "\"conv-2\r\n=1+cmd|' /C calc'!A0\"")
        #expect(CSVField.text("a\u{0600},=2+2\u{0600},x").encoded == "\"a\u{0600},=2+2\u{0600},x\"")
        #expect(CSVField.text("\u{0600}\"").encoded == "\"\u{0600}\"\"\"")
    }

    @Test func text_GetsALeadingQuote_WhenASpreadsheetWouldRunIt() {
        for formula in ["=1+1", "+1", "-1", "@SUM(A1)", " =1", "  +x", "\u{A0}@x", "\u{3000}-x", "\u{0600}=2+2", "\u{200B}=x",
                        "\u{FEFF}+x", "\n=x", "\t", "\tabc", "\r", "\u{1C}=x"] {
            let encoded = CSVField.text(formula).encoded
            #expect(encoded.hasPrefix("'") || encoded.hasPrefix("\"'"), "\(HostileText.describe(formula)) → \(HostileText.describe(encoded))")
        }
        #expect(CSVField.text("\r=1").encoded == "\"'\r=1\"")
        for harmless in ["a=1", "1-2", "e@example.com", "é=", "  ", "", "'=already", "(=)", "日本=1", "x\u{0301}=1"] {
            #expect(CSVField.text(harmless).encoded == harmless, "\(HostileText.describe(harmless))")
        }
    }

    @Test func number_StaysANumber_EvenWhenNegative() {
        #expect(CSVField.number(-5).encoded == "-5")
        #expect(CSVField.number(0).encoded == "0")
        #expect(CSVField.number(Int64.min).encoded == "-9223372036854775808")
    }

    @Test func record_JoinsWithCommas_AndEndsWithCRLF() {
        #expect(CSVField.record([.text("a"), .number(1), .text("b,c")]) == Array("a,1,\"b,c\"\r\n".utf8))
        #expect(CSVField.record([]) == [13, 10])
    }

    /// Two records per case, `[a, n, b]` and `[b, a]`, read back by Python's `csv`: exactly two rows
    /// with exactly those cells, a text cell with a leading `'` exactly when its value starts like
    /// a formula (Python's own reading of the rule), numbers as they were.
    @Test func record_RoundTripsThroughPythonCSV_WithoutExtraRowsOrCells() throws {
        var generator = SeededGenerator(seed: 20_02)
        let texts = HostileText.samples(count: 401, seed: 20_02)
        let cases: [[String]] = zip(texts.dropLast(), texts.dropFirst()).map { a, b in
            let n = Int64.random(in: Int64.min...Int64.max, using: &generator) >> Int64.random(in: 0...63, using: &generator)
            let text = CSVField.record([.text(a), .number(n), .text(b)]) + CSVField.record([.text(b), .text(a)])
            return [a, b, String(n), String(decoding: text, as: UTF8.self)]
        }
        let failures = try Self.oracle.failures(cases)
        #expect(failures.count == 0, "of \(cases.count), e.g.:\n\(failures.prefix(5).joined(separator: "\n"))")
    }

    static let oracle = PythonOracle(script: PythonOracle.prelude + """
        import csv, io, unicodedata

        def formula_like(value):
            for c in value:
                if c in "=+-@\\t\\r":
                    return True
                if not (c.isspace() or unicodedata.category(c) in ("Cc", "Cf")):
                    return False
            return False

        def cell(value):
            return "'" + value if formula_like(value) else value

        for a, b, n, text in cases():
            try:
                rows = list(csv.reader(io.StringIO(text, newline=""), strict=True))
            except csv.Error as error:
                print("fail csv.Error " + ascii(str(error)))
                continue
            expected = [[cell(a), n, cell(b)], [cell(b), cell(a)]]
            print("ok" if rows == expected else "fail " + ascii(rows)[:400])
        """)
}
