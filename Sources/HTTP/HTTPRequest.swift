/// A complete, parsed HTTP request as handlers see it.
public struct HTTPRequest: Sendable {
    public var method: HTTPMethod
    /// The raw request-target as received.
    public var target: String
    /// The percent-decoded path (absolute-form targets reduced to their path).
    public var path: String
    /// Percent-decoded query items in order; `+` decodes to a space.
    public var queryItems: [(name: String, value: String)]
    /// The first value per query name.
    public var query: [String: String]
    public var version: HTTPVersion
    public var headers: HTTPHeaders
    /// The body, de-chunked and complete.
    public var body: [UInt8]
    /// The client's address, e.g. "203.0.113.7": the peer's, or the one a trusted proxy forwarded
    /// (`HTTPServerConfiguration.trustedProxies`).
    public var remoteAddress: String
    /// The address of the connection's other end (the proxy, when there is one).
    public var peerAddress: String
    /// A sane incoming `X-Request-Id` echoed, else one the server generated.
    public var requestId: String

    public init(
        method: HTTPMethod = .GET,
        target: String = "/",
        version: HTTPVersion = .http1_1,
        headers: HTTPHeaders = HTTPHeaders(),
        body: [UInt8] = [],
        remoteAddress: String = "127.0.0.1",
        requestId: String = ""
    ) {
        self.method = method
        self.target = target
        self.version = version
        self.headers = headers
        self.body = body
        self.remoteAddress = remoteAddress
        self.peerAddress = remoteAddress
        self.requestId = requestId
        let split = HTTPTarget.split(target)
        self.path = split?.path ?? target
        self.queryItems = split?.queryItems ?? []
        var query: [String: String] = [:]
        for item in queryItems where query[item.name] == nil { query[item.name] = item.value }
        self.query = query
    }

    /// Names of query items whose percent-escapes decode to invalid UTF-8 (in `queryItems` the bad bytes became U+FFFD).
    public var queryNamesWithInvalidUTF8: [String] { HTTPTarget.queryNamesWithInvalidUTF8(target) }

    /// Whether the client asked to keep the connection open (RFC 9112 §9.3).
    public var wantsKeepAlive: Bool {
        let tokens = headers.values("Connection").flatMap { $0.split(separator: ",") }.map {
            $0.trimmingASCIISpaces().lowercasedASCII()
        }
        switch version {
        case .http1_1: return !tokens.contains("close")
        case .http1_0: return tokens.contains("keep-alive")
        }
    }
}

extension Substring {
    func trimmingASCIISpaces() -> Substring {
        var s = self
        while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" { s.removeLast() }
        return s
    }
}

extension StringProtocol {
    func lowercasedASCII() -> String {
        String(decoding: utf8.map { $0 >= 65 && $0 <= 90 ? $0 | 0x20 : $0 }, as: UTF8.self)
    }
}
