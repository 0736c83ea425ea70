/// A monotonic time source in nanoseconds, injected so the connection machine can be driven by tests.
protocol MonotonicClock {
    func nowNanoseconds() -> UInt64
}

/// Per-connection deadlines in nanoseconds.
struct ConnectionTimeouts {
    /// From the first byte of a request (or from accept, for the first one) to the end of its head.
    var header: UInt64
    /// From the end of the head to the end of the body.
    var body: UInt64
    /// Between a response and the first byte of the next request.
    var idle: UInt64
}

/// The lifecycle of one HTTP/1.1 connection as a pure state machine (STYLE 6).
///
/// It owns the parser and the deadlines and answers every event with actions; the event loop only
/// performs them (write bytes, hand a request to the worker pool, close). No sockets, no threads,
/// no system clock: tests drive it with a fake clock and raw bytes.
///
/// One request is in flight at a time (STYLE 8): after `.dispatch` the machine stops wanting to
/// read until `responseReady`, so pipelined requests queue in the parser and answers stay in order.
struct ConnectionMachine<Clock: MonotonicClock> {
    enum Action {
        /// Queue bytes for the socket.
        case write([UInt8])
        /// Run this request on the worker pool; encode with `keepAlive`.
        case dispatch(HTTPRequest, keepAlive: Bool)
        /// The machine answered by itself (parse error, timeout, overload); for metrics and the access log.
        case rejected(HTTPStatus, reason: String)
        /// Close once queued bytes are flushed.
        case close
    }

    enum State: Equatable {
        /// Waiting for or reading a request.
        case reading
        /// A request is on the worker pool.
        case handling
        /// Done: the final bytes are queued, then the connection closes.
        case closing
    }

    private(set) var state: State = .reading
    private(set) var parser: HTTPRequestParser
    /// When the current phase times out, if it can.
    private(set) var deadline: UInt64?
    private let clock: Clock
    private let timeouts: ConnectionTimeouts
    let remoteAddress: String
    private let trustedProxies: TrustedProxies
    private let makeRequestId: () -> String
    private let httpDate: () -> String
    /// Whether a byte of the current request has arrived (starts the header deadline).
    private var requestStarted = false
    private(set) var inputEnded = false
    private var shuttingDown = false
    /// Keep-alive decided for the request in flight.
    private var inFlightKeepAlive = false

    init(
        clock: Clock, limits: HTTPParserLimits, timeouts: ConnectionTimeouts, remoteAddress: String,
        trustedProxies: TrustedProxies = .none, makeRequestId: @escaping () -> String, httpDate: @escaping () -> String
    ) {
        self.clock = clock
        self.parser = HTTPRequestParser(limits: limits)
        self.timeouts = timeouts
        self.remoteAddress = remoteAddress
        self.trustedProxies = trustedProxies
        self.makeRequestId = makeRequestId
        self.httpDate = httpDate
        // A fresh connection must send its first head within the header timeout: an open socket
        // that says nothing is a slowloris too.
        self.deadline = clock.nowNanoseconds() + timeouts.header
    }

    /// Whether the loop should watch the socket for input.
    var wantsRead: Bool { state == .reading && !inputEnded }

    /// True when nothing is in flight and no request bytes are buffered.
    var isIdle: Bool { state == .reading && parser.isIdle }

    /// Bytes arrived from the peer.
    mutating func received(_ bytes: UnsafeRawBufferPointer) -> [Action] {
        guard state == .reading else { return [] }
        if !requestStarted, bytes.count > 0 {
            requestStarted = true
            deadline = clock.nowNanoseconds() + timeouts.header
        }
        parser.feed(bytes)
        return advance()
    }

    mutating func received(_ bytes: [UInt8]) -> [Action] {
        bytes.withUnsafeBytes { received($0) }
    }

    /// The peer finished sending (read returned 0). It may still read our answer.
    mutating func inputClosed() -> [Action] {
        inputEnded = true
        switch state {
        case .reading:
            return advance()
        case .handling, .closing:
            return []
        }
    }

    /// The worker pool refused the request (queue full).
    mutating func dispatchRejected() -> [Action] {
        state = .closing
        deadline = nil
        return [
            .rejected(.serviceUnavailable, reason: "worker queue full"),
            .write(errorResponse(.serviceUnavailable, code: "service_unavailable", message: "server busy, retry later",
                                 extra: [("Retry-After", "1")])),
            .close,
        ]
    }

    /// The response to the in-flight request was fully handed over (its bytes go out separately).
    /// `keepAlive` is what the encoder wrote into the head.
    mutating func responseComplete(keepAlive: Bool) -> [Action] {
        guard state == .handling else { return [] }
        guard keepAlive, inFlightKeepAlive, !shuttingDown else {
            state = .closing
            return [.close]
        }
        state = .reading
        requestStarted = false
        deadline = clock.nowNanoseconds() + timeouts.idle
        if parser.bufferedByteCount > 0 {
            requestStarted = true
            deadline = clock.nowNanoseconds() + timeouts.header
        }
        return advance()
    }

    /// The clock moved; returns actions if a deadline passed.
    mutating func tick() -> [Action] {
        guard let deadline, clock.nowNanoseconds() >= deadline, state == .reading else { return [] }
        self.deadline = nil
        state = .closing
        if !requestStarted {
            return [.close]  // idle keep-alive (or silent new connection): nothing to answer
        }
        return [
            .rejected(.requestTimeout, reason: parser.isReadingBody ? "body read timeout" : "header read timeout"),
            .write(errorResponse(.requestTimeout, code: "request_timeout", message: "request not received in time")),
            .close,
        ]
    }

    /// Server shutdown: idle connections close now; in-flight ones close after their response.
    mutating func shutdown() -> [Action] {
        shuttingDown = true
        if state == .reading && !requestStarted {
            state = .closing
            deadline = nil
            return [.close]
        }
        return []
    }

    // MARK: - Parsing

    private mutating func advance() -> [Action] {
        var actions: [Action] = []
        while state == .reading {
            switch parser.next() {
            case .needMore:
                if inputEnded {
                    // The peer stopped sending before a whole request: nothing to answer.
                    state = .closing
                    deadline = nil
                    actions.append(.close)
                }
                return actions
            case .headReceived(let expectContinue):
                deadline = clock.nowNanoseconds() + timeouts.body
                if expectContinue && !inputEnded {
                    // RFC 9110 §10.1.1: the limits were checked with the head, so the body will be read.
                    actions.append(.write(HTTPResponseEncoder.continueHead))
                }
            case .request(var request):
                request.peerAddress = remoteAddress
                request.remoteAddress = trustedProxies.clientAddress(peer: remoteAddress, forwardedFor: request.headers.values("X-Forwarded-For"))
                request.requestId = Self.saneRequestId(request.headers["X-Request-Id"]) ?? makeRequestId()
                inFlightKeepAlive = request.wantsKeepAlive && !inputEnded && !shuttingDown
                state = .handling
                deadline = nil
                actions.append(.dispatch(request, keepAlive: inFlightKeepAlive))
                return actions
            case .error(let error):
                state = .closing
                deadline = nil
                actions.append(.rejected(error.status, reason: error.message))
                actions.append(.write(errorResponse(error.status, code: error.code, message: error.message)))
                actions.append(.close)
                return actions
            }
        }
        return actions
    }

    private func errorResponse(_ status: HTTPStatus, code: String, message: String, extra: [(String, String)] = []) -> [UInt8] {
        var response = HTTPResponse.error(status, code: code, message: message)
        for (name, value) in extra { response.headers.add(name, value) }
        let framing = HTTPResponseEncoder.framing(for: response, version: .http1_1)
        var bytes = HTTPResponseEncoder.encodeHead(
            response, framing: framing, version: .http1_1, keepAlive: false, date: httpDate(), requestId: makeRequestId())
        if case .bytes(let body) = response.body { bytes.append(contentsOf: body) }
        return bytes
    }

    /// An incoming request id is echoed only if it is short and plain (`[A-Za-z0-9._:-]{1,128}`),
    /// so it can go into logs and headers without escaping.
    static func saneRequestId(_ value: String?) -> String? {
        guard let value, !value.isEmpty, value.utf8.count <= 128 else { return nil }
        let ok = value.utf8.allSatisfy { c in
            (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 46 || c == 95 || c == 58 || c == 45
        }
        return ok ? value : nil
    }
}
