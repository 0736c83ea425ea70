import Foundation
import Support
import Synchronization

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
    /// Set by `deferred(_:)`: the real response comes later through a sink; status, headers and body here are unused.
    public private(set) var deferral: (@Sendable (HTTPResponseSink) -> Void)?

    public init(status: HTTPStatus, headers: HTTPHeaders = HTTPHeaders(), body: HTTPBody = .bytes([])) {
        self.status = status
        self.headers = headers
        self.body = body
        self.logFields = []
    }

    /// A response given later, without holding a worker: `start` runs on the worker and must arrange for
    /// `sink.send(_:)` to be called once, from any thread (a pool of its own, a callback), after which the
    /// worker is free at once. The connection waits meanwhile like any in-flight request (no read deadline;
    /// shutdown waits for it up to `shutdownGrace`). A sink dropped unanswered answers 500.
    public static func deferred(_ start: @escaping @Sendable (HTTPResponseSink) -> Void) -> HTTPResponse {
        var response = HTTPResponse(status: .internalServerError)
        response.deferral = start
        return response
    }

    /// This response with `transform` applied: now, or when a deferred response arrives.
    public func map(_ transform: @escaping @Sendable (HTTPResponse) -> HTTPResponse) -> HTTPResponse {
        guard let start = deferral else { return transform(self) }
        return .deferred { sink in start(HTTPResponseSink { sink.send(transform($0)) }) }
    }

    /// Blocks until a deferred response arrives; any other response is returned as it is. For callers that
    /// use a responder in-process (tests, the fuzz harness) rather than through the server.
    public func waitingForDeferred() -> HTTPResponse {
        guard let start = deferral else { return self }
        let done = DispatchSemaphore(value: 0)
        let box = Mutex<HTTPResponse?>(nil)
        start(HTTPResponseSink { response in
            box.withLock { $0 = response }
            done.signal()
        })
        done.wait()
        return box.withLock { $0! }.waitingForDeferred()
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

/// Where a deferred response (`HTTPResponse.deferred`) is delivered; callable from any thread, once.
public final class HTTPResponseSink: Sendable {
    private let deliver: Mutex<(@Sendable (HTTPResponse) -> Void)?>

    public init(_ deliver: @escaping @Sendable (HTTPResponse) -> Void) {
        self.deliver = Mutex(deliver)
    }

    /// Delivers `response`; later calls are ignored.
    public func send(_ response: HTTPResponse) {
        guard let deliver = deliver.withLock({ d -> (@Sendable (HTTPResponse) -> Void)? in
            defer { d = nil }
            return d
        }) else { return }
        deliver(response)
    }

    deinit {
        // Dropped without an answer (a bug in the responder): the client gets a 500 instead of waiting forever.
        if let deliver = deliver.withLock({ $0 }) {
            deliver(.error(.internalServerError, code: "internal_error", message: "the response was never produced"))
        }
    }
}
