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
        text += services.metrics.render(writer: services.database.writerStatistics)
        text += (try? Self.tableCounters(services.database)) ?? ""
        return HTTPResponse(status: .ok, headers: HTTPHeaders([("Content-Type", "text/plain; version=0.0.4; charset=utf-8"), ("Cache-Control", "no-store")]),
                            body: .bytes(Array(text.utf8)))
    }

    /// Counters kept in tables (so they survive restarts): job runs by job and outcome, Asaas webhook
    /// events by status. Small GROUP BYs over small tables.
    static func tableCounters(_ db: Database) throws -> String {
        try db.read { conn in
            var out = "# HELP billing_job_runs_total Recorded job runs by job and outcome.\n# TYPE billing_job_runs_total counter\n"
            for r in try conn.query("SELECT job, outcome, count(*) AS n FROM job_runs GROUP BY job, outcome ORDER BY job, outcome") {
                out += "billing_job_runs_total{job=\"\(try r.decode(String.self, "job"))\",outcome=\"\(try r.decode(String.self, "outcome"))\"} \(try r.decode(Int64.self, "n"))\n"
            }
            out += "# HELP billing_gateway_events Stored Asaas webhook events by status.\n# TYPE billing_gateway_events gauge\n"
            for r in try conn.query("SELECT status, count(*) AS n FROM gateway_events GROUP BY status ORDER BY status") {
                out += "billing_gateway_events{status=\"\(try r.decode(String.self, "status"))\"} \(try r.decode(Int64.self, "n"))\n"
            }
            return out
        }
    }

    func authorized(_ request: HTTPRequest) -> Bool {
        guard let header = request.headers["Authorization"], header.lowercased().hasPrefix("bearer ") else { return false }
        let secret = String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces)
        if let metricsToken, !metricsToken.isEmpty, Crypto.constantTimeEquals(secret, metricsToken) { return true }
        guard let found = try? services.apiKeys.authenticate(secret: secret) else { return false }
        return found.principal.isSuperAdmin
    }
}
