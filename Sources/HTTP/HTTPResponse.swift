import Support

/// A response body: bytes known up front, or a stream written with chunked transfer-encoding.
public enum HTTPBody: Sendable {
    case bytes([UInt8])
    /// Streamed with chunked transfer-encoding; the closure calls `write` repeatedly (blocking on a worker thread).
    case stream(@Sendable (_ write: ([UInt8]) throws -> Void) throws -> Void)
}

/// What a responder answers.
public struct HTTPResponse: Sendable {
    public var status: HTTPStatus
    public var headers: HTTPHeaders
    public var body: HTTPBody
    /// Extra key/values appended to this request's access-log line (e.g. action, tenant, principal); never sent.
    public var logFields: [(String, String)]

    public init(status: HTTPStatus, headers: HTTPHeaders = HTTPHeaders(), body: HTTPBody = .bytes([])) {
        self.status = status
        self.headers = headers
        self.body = body
        self.logFields = []
    }

    /// A JSON response from already-serialized bytes.
    public static func json(_ status: HTTPStatus, _ body: [UInt8]) -> HTTPResponse {
        HTTPResponse(status: status, headers: HTTPHeaders([("Content-Type", "application/json")]), body: .bytes(body))
    }

    /// The server's error shape: `{"error":{"message":…,"code":…,"status":N}}`, strings encoded by `Support`'s JSON.
    public static func error(_ status: HTTPStatus, code: String, message: String) -> HTTPResponse {
        var body = #"{"error":{"message":"#
        body += JSON.string(message).serializedString()
        body += #","code":"#
        body += JSON.string(code).serializedString()
        body += #","status":\#(status.code)}}"#
        return .json(status, Array(body.utf8))
    }
}

/// Called on a worker-pool thread with a complete request; may block (SQLite, libcurl).
public protocol HTTPResponder: Sendable {
    func respond(to request: HTTPRequest) -> HTTPResponse
}

/// A responder from a closure (tests, small routes).
public struct HTTPClosureResponder: HTTPResponder {
    private let handler: @Sendable (HTTPRequest) -> HTTPResponse
    public init(_ handler: @escaping @Sendable (HTTPRequest) -> HTTPResponse) { self.handler = handler }
    public func respond(to request: HTTPRequest) -> HTTPResponse { handler(request) }
}
