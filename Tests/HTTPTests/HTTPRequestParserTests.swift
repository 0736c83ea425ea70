import Testing
@testable import HTTP

/// Feeds `text` to a fresh parser and collects events until it needs more.
private func parse(_ text: String, limits: HTTPParserLimits = HTTPParserLimits()) -> [HTTPRequestParser.Event] {
    var parser = HTTPRequestParser(limits: limits)
    parser.feed(Array(text.utf8))
    return drain(&parser)
}

private func drain(_ parser: inout HTTPRequestParser) -> [HTTPRequestParser.Event] {
    var events: [HTTPRequestParser.Event] = []
    while true {
        let event = parser.next()
        switch event {
        case .needMore: return events
        case .error: events.append(event); return events
        default: events.append(event)
        }
    }
}

private func requests(_ events: [HTTPRequestParser.Event]) -> [HTTPRequest] {
    events.compactMap { if case .request(let r) = $0 { r } else { nil } }
}

private func error(_ events: [HTTPRequestParser.Event]) -> HTTPParseError? {
    for case .error(let e) in events { return e }
    return nil
}

/// A stable summary of events, to compare parses of the same bytes fed in different splits.
private func summary(_ events: [HTTPRequestParser.Event]) -> [String] {
    events.map { event in
        switch event {
        case .needMore: "more"
        case .headReceived: "head"
        case .request(let r):
            "\(r.method.rawValue) \(r.target) \(r.path) \(r.queryItems.map { "\($0.name)=\($0.value)" }) \(r.version) "
                + "\(r.headers.map { "\($0.name):\($0.value)" }) \(r.body)"
        case .error(let e): "error \(e)"
        }
    }
}

struct HTTPRequestParserTests {
    static let validCases: [(String, String, String, [UInt8])] = [
        ("GET / HTTP/1.1\r\nHost: a\r\n\r\n", "GET", "/", []),
        ("GET /x?a=1 HTTP/1.0\r\n\r\n", "GET", "/x", []),
        ("POST /p HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello", "POST", "/p", Array("hello".utf8)),
        ("POST /c HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n",
         "POST", "/c", Array("hello world".utf8)),
        ("GET http://example.com/abs/path?q=1 HTTP/1.1\r\nHost: example.com\r\n\r\n", "GET", "/abs/path", []),
        ("GET http://example.com HTTP/1.1\r\nHost: example.com\r\n\r\n", "GET", "/", []),
        ("\r\nGET /after-empty-line HTTP/1.1\r\nHost: a\r\n\r\n", "GET", "/after-empty-line", []),
        ("GET /lf HTTP/1.1\nHost: a\n\n", "GET", "/lf", []),
        ("OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n", "OPTIONS", "*", []),
        ("GET /%7Euser/a%20b HTTP/1.1\r\nHost: a\r\n\r\n", "GET", "/~user/a b", []),
        ("DELETE /x HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n", "DELETE", "/x", []),
    ]

    @Test(arguments: validCases.indices)
    func parser_ProducesRequest_WhenInputIsValid(_ index: Int) {
        let (text, method, path, body) = Self.validCases[index]
        let found = requests(parse(text))
        #expect(found.count == 1)
        #expect(found.first?.method.rawValue == method)
        #expect(found.first?.path == path)
        #expect(found.first?.body == body)
    }

    static let malformedCases: [(String, String, HTTPParseError)] = [
        ("CL and TE", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", .badRequest("both Content-Length and Transfer-Encoding")),
        ("duplicate CL", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc", .badRequest("duplicate Content-Length")),
        ("CL list", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3, 3\r\n\r\nabc", .badRequest("invalid Content-Length")),
        ("negative CL", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", .badRequest("invalid Content-Length")),
        ("plus CL", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +3\r\n\r\nabc", .badRequest("invalid Content-Length")),
        ("unsupported TE", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", .badRequest("unsupported Transfer-Encoding")),
        ("TE on 1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", .badRequest("Transfer-Encoding in HTTP/1.0")),
        ("obs-fold", "GET / HTTP/1.1\r\nHost: a\r\nX-A: b\r\n  c\r\n\r\n", .badRequest("obsolete line folding")),
        ("space before colon", "GET / HTTP/1.1\r\nHost : a\r\n\r\n", .badRequest("whitespace before colon")),
        ("NUL in value", "GET / HTTP/1.1\r\nHost: a\r\nX-A: b\u{0}c\r\n\r\n", .badRequest("control character in header value")),
        ("bare CR in value", "GET / HTTP/1.1\r\nHost: a\r\nX-A: b\rc\r\n\r\n", .badRequest("control character in header value")),
        ("missing host", "GET / HTTP/1.1\r\n\r\n", .badRequest("missing Host header")),
        ("two hosts", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", .badRequest("multiple Host headers")),
        ("bad version", "GET / HTTP/2.0\r\nHost: a\r\n\r\n", .badRequest("unsupported HTTP version")),
        ("garbage version", "GET / HTTX/1.1\r\nHost: a\r\n\r\n", .badRequest("unsupported HTTP version")),
        ("no version", "GET /\r\nHost: a\r\n\r\n", .badRequest("malformed request line")),
        ("double space", "GET  / HTTP/1.1\r\nHost: a\r\n\r\n", .badRequest("invalid request target")),
        ("bad method", "G(T / HTTP/1.1\r\nHost: a\r\n\r\n", .badRequest("invalid method")),
        ("no colon", "GET / HTTP/1.1\r\nHost: a\r\nNoColon\r\n\r\n", .badRequest("header field without colon")),
        ("bad percent", "GET /%zz HTTP/1.1\r\nHost: a\r\n\r\n", .badRequest("invalid request target")),
        ("authority form", "CONNECT a:443 HTTP/1.1\r\nHost: a\r\n\r\n", .badRequest("invalid request target")),
        ("bad chunk size", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", .badRequest("malformed chunk size")),
        ("chunk without CRLF", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcXY\r\n", .badRequest("missing CRLF after chunk data")),
    ]

    @Test(arguments: malformedCases.indices)
    func parser_Rejects_WhenFramingIsMalformed(_ index: Int) {
        let (name, text, expected) = Self.malformedCases[index]
        let events = parse(text)
        #expect(error(events) == expected, "\(name)")
        #expect(requests(events).isEmpty, "\(name)")
    }

    /// Issue 18: a bare LF ended chunk-size lines, the line after chunk data and trailers, where a proxy that
    /// needs CRLF sees other chunk boundaries (request smuggling); RFC 9112 §7.1 wants CRLF throughout.
    static let bareLFChunkedCases: [(String, String)] = [
        ("LF after chunk size", "5\nhello\r\n0\r\n\r\n"),
        ("LF after chunk size with extension", "5;a=b\nhello\r\n0\r\n\r\n"),
        ("LF after chunk data", "5\r\nhello\n0\r\n\r\n"),
        ("LF after last chunk", "5\r\nhello\r\n0\n\r\n"),
        ("LF after a trailer field", "5\r\nhello\r\n0\r\nX-T: 1\n\r\n"),
        ("LF as the final line", "5\r\nhello\r\n0\r\n\n"),
        ("all bare LF", "5\nhello\n0\n\n"),
    ]

    @Test(arguments: bareLFChunkedCases.indices)
    func parser_Rejects_BareLFInChunkedFraming(_ index: Int) {
        let (name, body) = Self.bareLFChunkedCases[index]
        let text = "POST /c HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n" + body + "GET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n"
        let expected = HTTPParseError.badRequest("chunked framing needs CRLF line endings, not a bare LF")
        #expect(error(parse(text)) == expected, "\(name)")
        #expect(requests(parse(text)).isEmpty, "\(name)")
        // Byte by byte, so the CR and the LF arrive in different reads.
        var parser = HTTPRequestParser()
        var events: [HTTPRequestParser.Event] = []
        for byte in Array(text.utf8) {
            parser.feed([byte])
            events += drain(&parser)
            if error(events) != nil { break }
        }
        #expect(error(events) == expected, "\(name), byte by byte")
        #expect(requests(events).isEmpty, "\(name), byte by byte")
    }

    @Test func parser_AcceptsCRLFChunks_WhenFedByteByByte() {
        let text = "POST /c HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nX-T: 1\r\n\r\n"
        var parser = HTTPRequestParser()
        var events: [HTTPRequestParser.Event] = []
        for byte in Array(text.utf8) {
            parser.feed([byte])
            events += drain(&parser)
        }
        #expect(error(events) == nil)
        #expect(requests(events).first?.body == Array("hello".utf8))
    }

    @Test func parser_Returns414_WhenRequestLineExceedsLimit() {
        let text = "GET /" + String(repeating: "a", count: 9000) + " HTTP/1.1\r\nHost: a\r\n\r\n"
        #expect(error(parse(text)) == .uriTooLong)
        // Also when the line has not ended yet.
        #expect(error(parse("GET /" + String(repeating: "a", count: 9000))) == .uriTooLong)
    }

    @Test func parser_Returns431_WhenTooManyFields() {
        var text = "GET / HTTP/1.1\r\nHost: a\r\n"
        for i in 0..<101 { text += "X-\(i): v\r\n" }
        #expect(error(parse(text + "\r\n")) == .headerFieldsTooLarge)
    }

    @Test func parser_Returns431_WhenHeaderBytesExceedLimit() {
        let text = "GET / HTTP/1.1\r\nHost: a\r\nX-Big: " + String(repeating: "b", count: 33 * 1024) + "\r\n\r\n"
        #expect(error(parse(text)) == .headerFieldsTooLarge)
    }

    @Test func parser_Returns413_WhenContentLengthExceedsLimit() {
        var limits = HTTPParserLimits()
        limits.maxBodyBytes = 10
        #expect(error(parse("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\n", limits: limits)) == .payloadTooLarge)
    }

    @Test func parser_UsesPathOverride_WhenBodyLimitIsOverridden() {
        var limits = HTTPParserLimits()
        limits.maxBodyBytes = 10
        limits.bodyLimitOverrides = ["/big": 100]
        let events = parse("POST /big HTTP/1.1\r\nHost: a\r\nContent-Length: 50\r\n\r\n" + String(repeating: "x", count: 50), limits: limits)
        #expect(requests(events).first?.body.count == 50)
    }

    @Test func parser_Returns413_WhenChunkedBodyExceedsLimit() {
        var limits = HTTPParserLimits()
        limits.maxBodyBytes = 8
        let text = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n5\r\nworld\r\n0\r\n\r\n"
        #expect(error(parse(text, limits: limits)) == .payloadTooLarge)
    }

    @Test func parser_DecodesQuery_WhenPercentAndPlusEncoded() {
        let r = requests(parse("GET /admin-api?action=a%5Fb&name=J+Doe&flag&x=%C3%A9 HTTP/1.1\r\nHost: a\r\n\r\n")).first
        #expect(r?.query["action"] == "a_b")
        #expect(r?.query["name"] == "J Doe")
        #expect(r?.query["flag"] == "")
        #expect(r?.query["x"] == "é")
        #expect(r?.queryItems.map(\.name) == ["action", "name", "flag", "x"])
    }

    @Test func request_NamesQueryItems_WhosePercentEscapesAreNotUTF8() {
        let r = HTTPRequest(target: "/admin-api?action=x&ok=%C3%A9&bad=a%FF%FEb&n%C3=1&broken=%ZZ&plus=a+b")
        #expect(r.query["bad"] == "a\u{FFFD}\u{FFFD}b")
        #expect(r.queryNamesWithInvalidUTF8 == ["bad", "n\u{FFFD}"])
        #expect(HTTPRequest(target: "/admin-api?action=x&name=J+Doe").queryNamesWithInvalidUTF8.isEmpty)
    }

    @Test func parser_SignalsExpectContinue_WhenBodyNotYetSent() {
        let events = parse("POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n")
        guard case .headReceived(let expect)? = events.first else {
            Issue.record("no head event")
            return
        }
        #expect(expect)
    }

    @Test func parser_ProducesPipelinedRequestsInOrder_WhenSentTogether() {
        let text = "GET /1 HTTP/1.1\r\nHost: a\r\n\r\nPOST /2 HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nhiGET /3 HTTP/1.1\r\nHost: a\r\n\r\n"
        #expect(requests(parse(text)).map(\.path) == ["/1", "/2", "/3"])
    }

    static let splitCases = [
        "GET /a?b=c%20d HTTP/1.1\r\nHost: a\r\nX-Y: z\r\n\r\n",
        "POST /p HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\nhello world",
        "POST /c HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;e=1\r\n world\r\n0\r\nT: 1\r\n\r\nGET /next HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a\r\nBad : x\r\n\r\n",
    ]

    @Test(arguments: splitCases)
    func parser_GivesSameResult_WhenSplitAtEveryByteBoundary(_ text: String) {
        let bytes = Array(text.utf8)
        let whole = summary(parse(text)).filter { $0 != "head" }
        for split in 1..<bytes.count {
            var parser = HTTPRequestParser()
            parser.feed(Array(bytes[0..<split]))
            var events = drain(&parser)
            if !events.contains(where: { if case .error = $0 { true } else { false } }) {
                parser.feed(Array(bytes[split...]))
                events += drain(&parser)
            }
            #expect(summary(events).filter { $0 != "head" } == whole, "split at \(split)")
        }
        // And one byte at a time.
        var parser = HTTPRequestParser()
        var events: [HTTPRequestParser.Event] = []
        for byte in bytes where !events.contains(where: { if case .error = $0 { true } else { false } }) {
            parser.feed([byte])
            events += drain(&parser)
        }
        #expect(summary(events).filter { $0 != "head" } == whole)
    }
}
