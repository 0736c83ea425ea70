/// An exact-path table of responders with a fallback for every other path.
public struct HTTPRouter: HTTPResponder {
    private var routes: [String: any HTTPResponder] = [:]
    private let fallback: any HTTPResponder

    public init(fallback: any HTTPResponder) {
        self.fallback = fallback
    }

    /// Routes requests whose decoded path is exactly `path` to `responder` (replacing an earlier one).
    public mutating func add(_ path: String, _ responder: any HTTPResponder) {
        routes[path] = responder
    }

    public func respond(to request: HTTPRequest) -> HTTPResponse {
        (routes[request.path] ?? fallback).respond(to: request)
    }
}
