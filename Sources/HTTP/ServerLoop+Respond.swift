import Foundation
import Sockets
import Support

extension ServerLoop {
    /// Runs on a worker thread: calls the responder, encodes, hands bytes to the loop, records
    /// metrics and the access log. Never touches the socket. `date` is the `Date` header value,
    /// taken on the loop thread at dispatch.
    func respond(to request: HTTPRequest, keepAlive requestedKeepAlive: Bool, key: UInt64, date: String) {
        let started = monotonicNanoseconds()
        let response = responder.respond(to: request)
        if let start = response.deferral {
            // The worker is free from here; whoever calls the sink encodes and posts, on its own thread.
            start(HTTPResponseSink { [self] final in
                var final = final
                if final.deferral != nil {
                    final = .error(.internalServerError, code: "internal_error", message: "a deferred response was deferred again")
                }
                let now = HTTPDateCache.format(epochSeconds: Int(Date().timeIntervalSince1970))
                finish(request, final, keepAlive: requestedKeepAlive, key: key, date: now, started: started)
            })
            return
        }
        finish(request, response, keepAlive: requestedKeepAlive, key: key, date: date, started: started)
    }

    /// Encodes `response`, hands the bytes to the loop, records metrics and the access log (any thread).
    private func finish(_ request: HTTPRequest, _ response: HTTPResponse, keepAlive requestedKeepAlive: Bool, key: UInt64,
                        date: String, started: UInt64) {
        let framing = HTTPResponseEncoder.framing(for: response, version: request.version)
        var keepAlive = requestedKeepAlive && !HTTPResponseEncoder.responderWantsClose(response) && !isShuttingDown
        if case .untilClose = framing { keepAlive = false }
        var out = HTTPResponseEncoder.encodeHead(
            response, framing: framing, version: request.version, keepAlive: keepAlive,
            date: date, requestId: request.requestId)
        let sendBody = request.method != .HEAD
        var bodyBytes = 0
        switch response.body {
        case .bytes(let body):
            if sendBody, case .length = framing {
                // Head and body in one buffer, so they leave in one send (STYLE 16).
                out.append(contentsOf: body)
                bodyBytes = body.count
            }
            post(Completion(key: key, bytes: out, end: (keepAlive, ()), gate: nil))
        case .stream(let produce):
            guard sendBody, framing.hasBody else {
                post(Completion(key: key, bytes: out, end: (keepAlive, ()), gate: nil))
                break
            }
            let gate = StreamGate()
            let chunked: Bool = if case .chunked = framing { true } else { false }
            var ended = false
            do {
                try gate.reserve(out.count)
                post(Completion(key: key, bytes: out, end: nil, gate: gate))
                var sent = 0
                try produce { chunk in
                    guard !chunk.isEmpty else { return }
                    let bytes = chunked ? HTTPResponseEncoder.encodeChunk(chunk) : chunk
                    try gate.reserve(bytes.count)
                    post(Completion(key: key, bytes: bytes, end: nil, gate: nil))
                    sent += chunk.count
                }
                bodyBytes = sent
                post(Completion(key: key, bytes: chunked ? HTTPResponseEncoder.lastChunk : [], end: (keepAlive, ()), gate: nil))
                ended = true
            } catch {
                // The body is cut short; closing without the last chunk tells the client it is incomplete.
                if !ended { post(Completion(key: key, bytes: [], end: (false, ()), gate: nil)) }
            }
        }
        let duration = monotonicNanoseconds() - started
        metrics.record(status: response.status.code, durationNanoseconds: duration)
        logAccess(request, response, duration: duration, bytes: bodyBytes)
    }
}

extension ServerLoop {
    /// One `request` line per request; bodies and credential headers (Authorization, Cookie) never appear.
    func logAccess(_ request: HTTPRequest, _ response: HTTPResponse, duration: UInt64, bytes: Int) {
        guard logger.level <= .info else { return }
        var fields: [(String, String)] = [
            ("request_id", request.requestId),
            ("method", request.method.rawValue),
            ("path", request.path),
            ("status", String(response.status.code)),
            ("duration_us", String(duration / 1000)),
            ("bytes", String(bytes)),
            ("remote", request.remoteAddress),
        ]
        if request.peerAddress != request.remoteAddress { fields.append(("peer", request.peerAddress)) }
        fields.append(contentsOf: response.logFields)
        logger.log(.info, "request", fieldList: fields)
    }
}

extension HTTPResponseEncoder.Framing {
    var hasBody: Bool {
        switch self {
        case .none: false
        default: true
        }
    }
}
