/// Serializes response heads (RFC 9112 §4–6) so that head and body leave in one write.
enum HTTPResponseEncoder {
    /// Headers the encoder owns; values a responder sets for these are replaced.
    private static let managed: Set<String> = ["content-length", "transfer-encoding", "connection", "date"]

    /// How the body is framed on the wire.
    enum Framing {
        case length(Int)
        case chunked
        /// HTTP/1.0 stream: raw bytes, end marked by closing the connection.
        case untilClose
        /// 1xx/204/304: no body and no length (RFC 9110 §8.6).
        case none
    }

    static func framing(for response: HTTPResponse, version: HTTPVersion) -> Framing {
        let code = response.status.code
        if code < 200 || code == 204 || code == 304 { return .none }
        switch response.body {
        case .bytes(let bytes): return .length(bytes.count)
        case .stream: return version == .http1_1 ? .chunked : .untilClose
        }
    }

    /// The head bytes (status line through the empty line) for `response`.
    static func encodeHead(
        _ response: HTTPResponse, framing: Framing, version: HTTPVersion, keepAlive: Bool, date: String, requestId: String
    ) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        out.append(contentsOf: "HTTP/1.1 ".utf8)
        appendDecimal(response.status.code, to: &out)
        out.append(32)
        out.append(contentsOf: response.status.reason.utf8)
        out.append(contentsOf: "\r\n".utf8)
        var hasRequestId = false, hasNosniff = false
        for (name, value) in response.headers {
            let lower = name.lowercasedASCII()
            if managed.contains(lower) { continue }
            if lower == "x-request-id" { hasRequestId = true }
            if lower == "x-content-type-options" { hasNosniff = true }
            appendField(name, value, to: &out)
        }
        appendField("Date", date, to: &out)
        switch framing {
        case .length(let n):
            out.append(contentsOf: "Content-Length: ".utf8)
            appendDecimal(n, to: &out)
            out.append(contentsOf: "\r\n".utf8)
        case .chunked:
            appendField("Transfer-Encoding", "chunked", to: &out)
        case .untilClose, .none:
            break
        }
        if !hasRequestId, !requestId.isEmpty { appendField("X-Request-Id", requestId, to: &out) }
        if !hasNosniff { appendField("X-Content-Type-Options", "nosniff", to: &out) }
        if !keepAlive {
            appendField("Connection", "close", to: &out)
        } else if version == .http1_0 {
            appendField("Connection", "keep-alive", to: &out)
        }
        out.append(contentsOf: "\r\n".utf8)
        return out
    }

    /// One chunk of a chunked body: `size-hex CRLF data CRLF`.
    static func encodeChunk(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(data.count + 12)
        let hex = Array("0123456789abcdef".utf8)
        var digits: [UInt8] = []
        var n = data.count
        repeat {
            digits.append(hex[n & 0xf])
            n >>= 4
        } while n > 0
        out.append(contentsOf: digits.reversed())
        out.append(contentsOf: "\r\n".utf8)
        out.append(contentsOf: data)
        out.append(contentsOf: "\r\n".utf8)
        return out
    }

    static let lastChunk: [UInt8] = Array("0\r\n\r\n".utf8)
    static let continueHead: [UInt8] = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)

    /// Whether the responder asked to close (`Connection: close` in its headers).
    static func responderWantsClose(_ response: HTTPResponse) -> Bool {
        response.headers.values("Connection").contains { $0.lowercasedASCII().contains("close") }
    }

    private static func appendField(_ name: String, _ value: String, to out: inout [UInt8]) {
        // Response splitting guard: a CR or LF in a value would start a new header or body.
        for byte in name.utf8 where byte == 13 || byte == 10 { return }
        out.append(contentsOf: name.utf8)
        out.append(contentsOf: ": ".utf8)
        for byte in value.utf8 { out.append(byte == 13 || byte == 10 ? 32 : byte) }
        out.append(contentsOf: "\r\n".utf8)
    }

    static func appendDecimal(_ value: Int, to out: inout [UInt8]) {
        if value == 0 {
            out.append(48)
            return
        }
        var digits: [UInt8] = []
        var n = value
        while n > 0 {
            digits.append(UInt8(48 + n % 10))
            n /= 10
        }
        out.append(contentsOf: digits.reversed())
    }
}
