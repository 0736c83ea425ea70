import PropertyTestSupport
import Support
import Testing

/// `JSON` strings are written byte by byte; Python's `json` reads them back as an independent parser.
struct JSONSerializationTests {
    @Test func string_EscapesQuotesControlsAndMarkup_InsideGraphemeClusters() {
        #expect(JSON.string("\u{0600}\"\r\n</script>").serializedString() == #""\#u{0600}\"\r\n\u003c/script\u003e""#)
        #expect(JSON.string("\0\u{1B}\u{7F}&").serializedString() == #""\u0000\u001b\u007f\u0026""#)
    }

    /// Each hostile string as a value, inside an array and inside a key parses back to the same
    /// object, and the text holds no raw control character and no `<`, `>` or `&` (inert in HTML).
    @Test func serialized_RoundTripsThroughPythonJSON_WithoutRawControlsOrMarkup() throws {
        let samples = HostileText.samples(count: 400, seed: 20_03)
        let cases = samples.map { s in
            [s, JSON.object(["text": .string(s), "key:" + s: .array([.string(s), .null])]).serializedString()]
        }
        let failures = try Self.oracle.failures(cases)
        #expect(failures.count == 0, "of \(cases.count), e.g.:\n\(failures.prefix(5).joined(separator: "\n"))")
    }

    static let oracle = PythonOracle(script: PythonOracle.prelude + """
        import json

        for raw, text in cases():
            try:
                value = json.loads(text)
            except ValueError as error:
                print("fail " + ascii(str(error)))
                continue
            problems = []
            if value != {"text": raw, "key:" + raw: [raw, None]}:
                problems.append("value " + ascii(value)[:300])
            if any(ord(c) < 0x20 or c in "<>&" for c in text):
                problems.append("raw control or markup character")
            print("ok" if not problems else "fail " + "; ".join(problems))
        """)
}
