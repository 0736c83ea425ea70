/// One HTTP request for `OutboundHTTPClient`.
public struct OutboundRequest: Sendable {
    /// `GET`, `POST`, `PUT`, `PATCH`, `DELETE`, `HEAD`, ... (an HTTP token).
    public var method: String
    /// Absolute `http://` or `https://` URL.
    public var url: String
    /// Header fields in order; an empty value is sent as an empty field.
    public var headers: [(String, String)]
    /// Request content; nil sends none (POST, PUT and PATCH then send `Content-Length: 0`).
    public var body: [UInt8]?
    /// Seconds allowed for DNS, TCP and TLS set-up.
    public var connectTimeout: Double = 10
    /// Seconds allowed for the whole exchange, connect included.
    public var timeout: Double = 30
    /// Larger response bodies abort the transfer (`OutboundError.other`), so a
    /// misbehaving peer cannot fill our memory.
    public var maxResponseBytes: Int = 16 << 20
    /// Numeric addresses (`93.184.215.14`, `2606:4700::1111`; at most 8) this request may connect to, and
    /// the only ones: the URL's host name is resolved to them without asking DNS (`CURLOPT_RESOLVE`), a
    /// socket to any other address is refused before it is opened, proxies are not used, and the address
    /// connected to (`CURLINFO_PRIMARY_IP`) is checked after the transfer. Empty: libcurl resolves as usual.
    public var pinnedAddresses: [String] = []

    public init(method: String, url: String, headers: [(String, String)] = [], body: [UInt8]? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }
}

/// What came back: any HTTP status, 1xx interim responses skipped.
public struct OutboundResponse: Sendable {
    public let status: Int
    /// Header fields of the final response, in order, names as sent.
    public let headers: [(String, String)]
    public let body: [UInt8]
    /// Wall time of the exchange, measured on the monotonic clock.
    public let durationSeconds: Double

    public init(status: Int, headers: [(String, String)], body: [UInt8], durationSeconds: Double) {
        self.status = status
        self.headers = headers
        self.body = body
        self.durationSeconds = durationSeconds
    }

    /// The first value of header `name` (case-insensitive), if present.
    public func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        return headers.first { $0.0.lowercased() == wanted }?.1
    }
}

/// Why an outbound exchange produced no response. Messages never carry request
/// bodies, header values or credentials (STYLE.md practice 13).
public enum OutboundError: Error, Sendable, Equatable {
    /// The connect or total timeout elapsed (`CURLE_OPERATION_TIMEDOUT`).
    case timeout
    /// Name resolution or TCP connect failed (refused, unreachable, unknown host).
    case connectFailed(String)
    /// TLS handshake or certificate verification failed.
    case tls(String)
    /// The URL is not an absolute http(s) URL (or smtp(s) for `SMTPSender`).
    case invalidURL(String)
    /// Anything else, with libcurl's `CURLcode` (or -1 for our own checks).
    case other(code: Int, message: String)
}
