import Billing
import HTTP
import Storage
import Support

/// `GET /metrics` in the Prometheus text format, for super-admin keys or the `METRICS_TOKEN` bearer.
public struct MetricsResponder: HTTPResponder {
    let services: AdminServices
    let metricsToken: String?
    let httpMetrics: @Sendable () -> String

    public init(services: AdminServices, metricsToken: String?, httpMetrics: @escaping @Sendable () -> String) {
        self.services = services
        self.metricsToken = metricsToken
        self.httpMetrics = httpMetrics
    }

    public func respond(to request: HTTPRequest) -> HTTPResponse {
        guard request.method == .GET || request.method == .HEAD else {
            return APIError(.methodNotAllowed, code: "method_not_allowed", message: "/metrics accepts GET", headers: [("Allow", "GET, HEAD")]).response
        }
        guard authorized(request) else {
            return APIError(.unauthorized, code: "unauthorized", message: "metrics need a super-admin key or METRICS_TOKEN",
                            headers: [("WWW-Authenticate", "Bearer")]).response
        }
        var text = httpMetrics()
        let w = services.database.writerStatistics
        text += """
            # HELP billing_db_writer_queue_depth Units waiting for the single writer.
            # TYPE billing_db_writer_queue_depth gauge
            billing_db_writer_queue_depth \(w.queueDepth)
            # HELP billing_db_writer_commits_total Transactions committed by the writer.
            # TYPE billing_db_writer_commits_total counter
            billing_db_writer_commits_total \(w.commits)
            # HELP billing_db_writer_units_total Units of work committed by the writer.
            # TYPE billing_db_writer_units_total counter
            billing_db_writer_units_total \(w.units)

            """
        return HTTPResponse(status: .ok, headers: HTTPHeaders([("Content-Type", "text/plain; version=0.0.4; charset=utf-8"), ("Cache-Control", "no-store")]),
                            body: .bytes(Array(text.utf8)))
    }

    func authorized(_ request: HTTPRequest) -> Bool {
        guard let header = request.headers["Authorization"], header.lowercased().hasPrefix("bearer ") else { return false }
        let secret = String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces)
        if let metricsToken, !metricsToken.isEmpty, Crypto.constantTimeEquals(secret, metricsToken) { return true }
        guard let found = try? services.apiKeys.authenticate(secret: secret) else { return false }
        return found.principal.isSuperAdmin
    }
}
