import Testing
@testable import HTTP

/// A clock tests move by hand.
final class FakeClock: MonotonicClock {
    var now: UInt64 = 1_000_000_000
    func nowNanoseconds() -> UInt64 { now }
    func advance(seconds: Double) { now += UInt64(seconds * 1e9) }
}

private typealias Machine = ConnectionMachine<FakeClock>

private func makeMachine(_ clock: FakeClock, maxBody: Int = 1 << 20) -> Machine {
    var limits = HTTPParserLimits()
    limits.maxBodyBytes = maxBody
    return Machine(
        clock: clock, limits: limits,
        timeouts: ConnectionTimeouts(header: 10_000_000_000, body: 30_000_000_000, idle: 60_000_000_000),
        remoteAddress: "10.0.0.1", makeRequestId: { "generated" }, httpDate: { "Thu, 01 Jan 1970 00:00:00 GMT" })
}

private func describe(_ actions: [Machine.Action]) -> [String] {
    actions.map { action in
        switch action {
        case .write(let bytes):
            let text = String(decoding: bytes, as: UTF8.self)
            return "write " + (text.split(separator: "\r\n").first.map(String.init) ?? "")
        case .dispatch(let request, let keepAlive): return "dispatch \(request.path) keepAlive=\(keepAlive)"
        case .rejected(let status, _): return "rejected \(status.code)"
        case .close: return "close"
        }
    }
}

struct ConnectionMachineTests {
    @Test func machine_DispatchesAndStopsReading_WhenRequestComplete() {
        let clock = FakeClock()
        var machine = makeMachine(clock)
        let actions = machine.received(Array("GET /a HTTP/1.1\r\nHost: x\r\nX-Request-Id: abc-1\r\n\r\n".utf8))
        #expect(describe(actions) == ["dispatch /a keepAlive=true"])
        #expect(!machine.wantsRead)
        if case .dispatch(let request, _) = actions[0] {
            #expect(request.requestId == "abc-1")
            #expect(request.remoteAddress == "10.0.0.1")
        }
    }

    @Test func machine_GeneratesRequestId_WhenIncomingIdIsUnsafe() {
        var machine = makeMachine(FakeClock())
        let actions = machine.received(Array("GET / HTTP/1.1\r\nHost: x\r\nX-Request-Id: a b<script>\r\n\r\n".utf8))
        guard case .dispatch(let request, _) = actions[0] else { Issue.record("no dispatch"); return }
        #expect(request.requestId == "generated")
    }

    @Test func machine_DispatchesPipelinedRequestOnlyAfterResponse_WhenTwoArriveTogether() {
        var machine = makeMachine(FakeClock())
        let first = machine.received(Array("GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\n".utf8))
        #expect(describe(first) == ["dispatch /1 keepAlive=true"])
        #expect(describe(machine.responseComplete(keepAlive: true)) == ["dispatch /2 keepAlive=true"])
        #expect(describe(machine.responseComplete(keepAlive: true)) == [])
        #expect(machine.wantsRead)
    }

    @Test func machine_TimesOutWith408_WhenHeaderTrickles() {
        let clock = FakeClock()
        var machine = makeMachine(clock)
        // One byte per second: the deadline runs from the first byte and is not reset by later ones.
        for byte in "GET / HTTP/1.1\r\n".utf8.prefix(9) {
            #expect(machine.received([byte]).isEmpty)
            clock.advance(seconds: 1)
            if clock.now < 1_000_000_000 + 10_000_000_000 { #expect(machine.tick().isEmpty) }
        }
        clock.advance(seconds: 1)
        #expect(describe(machine.tick()) == ["rejected 408", "write HTTP/1.1 408 Request Timeout", "close"])
    }

    @Test func machine_ClosesSilently_WhenIdleTimeoutPasses() {
        let clock = FakeClock()
        var machine = makeMachine(clock)
        _ = machine.received(Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8))
        _ = machine.responseComplete(keepAlive: true)
        clock.advance(seconds: 59)
        #expect(machine.tick().isEmpty)
        clock.advance(seconds: 2)
        #expect(describe(machine.tick()) == ["close"])
    }

    @Test func machine_HasNoDeadline_WhileHandling() {
        let clock = FakeClock()
        var machine = makeMachine(clock)
        _ = machine.received(Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8))
        clock.advance(seconds: 3600)
        #expect(machine.tick().isEmpty)
    }

    @Test func machine_AppliesBodyTimeout_WhenBodyStalls() {
        let clock = FakeClock()
        var machine = makeMachine(clock)
        _ = machine.received(Array("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc".utf8))
        clock.advance(seconds: 29)
        #expect(machine.tick().isEmpty)
        clock.advance(seconds: 2)
        #expect(describe(machine.tick()).first == "rejected 408")
    }

    @Test func machine_SendsContinue_WhenExpectHeaderAndBodyAllowed() {
        var machine = makeMachine(FakeClock())
        let actions = machine.received(Array("POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n".utf8))
        #expect(describe(actions) == ["write HTTP/1.1 100 Continue"])
        #expect(describe(machine.received(Array("abc".utf8))) == ["dispatch / keepAlive=true"])
    }

    @Test func machine_Answers413WithoutContinue_WhenExpectedBodyTooLarge() {
        var machine = makeMachine(FakeClock(), maxBody: 2)
        let actions = machine.received(Array("POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n".utf8))
        #expect(describe(actions) == ["rejected 413", "write HTTP/1.1 413 Content Too Large", "close"])
    }

    @Test func machine_ClosesAfterResponse_WhenHTTP10WithoutKeepAlive() {
        var machine = makeMachine(FakeClock())
        #expect(describe(machine.received(Array("GET / HTTP/1.0\r\n\r\n".utf8))) == ["dispatch / keepAlive=false"])
        #expect(describe(machine.responseComplete(keepAlive: false)) == ["close"])
    }

    @Test func machine_KeepsAlive_WhenHTTP10AsksForIt() {
        var machine = makeMachine(FakeClock())
        #expect(describe(machine.received(Array("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n".utf8))) == ["dispatch / keepAlive=true"])
    }

    @Test func machine_ClosesIdleNowAndBusyLater_WhenShuttingDown() {
        var idle = makeMachine(FakeClock())
        #expect(describe(idle.shutdown()) == ["close"])
        var busy = makeMachine(FakeClock())
        _ = busy.received(Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8))
        #expect(busy.shutdown().isEmpty)
        #expect(describe(busy.responseComplete(keepAlive: true)) == ["close"])
    }

    @Test func machine_Answers503AndCloses_WhenDispatchRejected() {
        var machine = makeMachine(FakeClock())
        _ = machine.received(Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8))
        let actions = machine.dispatchRejected()
        #expect(describe(actions) == ["rejected 503", "write HTTP/1.1 503 Service Unavailable", "close"])
        if case .write(let bytes) = actions[1] {
            let text = String(decoding: bytes, as: UTF8.self)
            #expect(text.contains("Retry-After: 1\r\n"))
            #expect(text.contains("Connection: close\r\n"))
            #expect(text.contains(#""code":"service_unavailable""#))
        }
    }

    @Test func machine_Closes_WhenPeerEndsMidRequest() {
        var machine = makeMachine(FakeClock())
        #expect(machine.received(Array("GET / HT".utf8)).isEmpty)
        #expect(describe(machine.inputClosed()) == ["close"])
    }

    @Test func machine_StillAnswers_WhenPeerHalfClosesAfterRequest() {
        var machine = makeMachine(FakeClock())
        _ = machine.received(Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8))
        #expect(machine.inputClosed().isEmpty)
        #expect(describe(machine.responseComplete(keepAlive: true)) == ["close"])
    }
}

struct HTTPResponseEncoderTests {
    @Test func encoder_WritesLengthDateAndRequestId_WhenBodyIsBytes() {
        let response = HTTPResponse(status: .ok, headers: HTTPHeaders([("Content-Type", "text/plain"), ("Content-Length", "999")]),
                                    body: .bytes(Array("hi".utf8)))
        let head = String(decoding: HTTPResponseEncoder.encodeHead(
            response, framing: HTTPResponseEncoder.framing(for: response, version: .http1_1), version: .http1_1,
            keepAlive: true, date: "D", requestId: "rid"), as: UTF8.self)
        #expect(head.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(head.contains("Content-Length: 2\r\n"))
        #expect(!head.contains("999"))
        #expect(head.contains("Date: D\r\n"))
        #expect(head.contains("X-Request-Id: rid\r\n"))
        #expect(head.contains("X-Content-Type-Options: nosniff\r\n"))
        #expect(!head.contains("Connection:"))
        #expect(head.hasSuffix("\r\n\r\n"))
    }

    @Test func encoder_UsesChunked_WhenBodyIsStream() {
        let response = HTTPResponse(status: .ok, body: .stream { _ in })
        #expect(HTTPResponseEncoder.framing(for: response, version: .http1_1).hasBody)
        let head = String(decoding: HTTPResponseEncoder.encodeHead(
            response, framing: .chunked, version: .http1_1, keepAlive: false, date: "D", requestId: "r"), as: UTF8.self)
        #expect(head.contains("Transfer-Encoding: chunked\r\n"))
        #expect(head.contains("Connection: close\r\n"))
        #expect(HTTPResponseEncoder.encodeChunk(Array("hello world!".utf8)) == Array("c\r\nhello world!\r\n".utf8))
    }

    @Test func encoder_StripsCRLF_WhenHeaderValueTriesToSplitResponse() {
        let response = HTTPResponse(status: .ok, headers: HTTPHeaders([("X-A", "a\r\nSet-Cookie: x")]))
        let head = String(decoding: HTTPResponseEncoder.encodeHead(
            response, framing: .length(0), version: .http1_1, keepAlive: true, date: "D", requestId: "r"), as: UTF8.self)
        #expect(!head.contains("\r\nSet-Cookie"))
    }

    @Test func httpDate_FormatsIMFFixdate_WhenGivenEpochSeconds() {
        #expect(HTTPDateCache.format(epochSeconds: 784111777) == "Sun, 06 Nov 1994 08:49:37 GMT")
        #expect(HTTPDateCache.format(epochSeconds: 0) == "Thu, 01 Jan 1970 00:00:00 GMT")
    }

    @Test func metrics_RendersPrometheus_WhenRequestsRecorded() {
        let metrics = HTTPMetrics()
        metrics.record(status: 200, durationNanoseconds: 2_000_000)
        metrics.record(status: 404, durationNanoseconds: 20_000)
        let text = metrics.renderPrometheus()
        #expect(text.contains("# TYPE billing_http_requests_total counter"))
        #expect(text.contains(#"billing_http_requests_total{status="200"} 1"#))
        #expect(text.contains(#"billing_http_request_duration_seconds_bucket{le="0.0025"} 2"#))
        #expect(text.contains(#"billing_http_request_duration_seconds_bucket{le="+Inf"} 2"#))
        #expect(text.contains("billing_http_open_connections 0"))
    }

    @Test func router_UsesExactPathThenFallback_WhenRouting() {
        var router = HTTPRouter(fallback: HTTPClosureResponder { _ in HTTPResponse(status: .notFound) })
        router.add("/health", HTTPClosureResponder { _ in HTTPResponse(status: .ok) })
        #expect(router.respond(to: HTTPRequest(target: "/health?x=1")).status == .ok)
        #expect(router.respond(to: HTTPRequest(target: "/health/")).status == .notFound)
    }
}
