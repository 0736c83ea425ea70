/// An exact-path table of responders, then path prefixes (longest first), with a fallback for every other path.
public struct HTTPRouter: HTTPResponder {
    private var routes: [String: any HTTPResponder] = [:]
    private var prefixes: [(prefix: String, responder: any HTTPResponder)] = []
    private let fallback: any HTTPResponder

    public init(fallback: any HTTPResponder) {
        self.fallback = fallback
    }

    /// Routes requests whose decoded path is exactly `path` to `responder` (replacing an earlier one).
    public mutating func add(_ path: String, _ responder: any HTTPResponder) {
        routes[path] = responder
    }

    /// Routes requests whose decoded path starts with `prefix` (and matches no exact path) to `responder`.
    public mutating func add(prefix: String, _ responder: any HTTPResponder) {
        prefixes.append((prefix, responder))
        prefixes.sort { $0.prefix.count > $1.prefix.count }
    }

    public func respond(to request: HTTPRequest) -> HTTPResponse {
        if let exact = routes[request.path] { return exact.respond(to: request) }
        let path = request.path
        if let match = prefixes.first(where: { path.hasPrefix($0.prefix) }) { return match.responder.respond(to: request) }
        return fallback.respond(to: request)
    }
}
