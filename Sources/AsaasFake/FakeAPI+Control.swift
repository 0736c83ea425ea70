import HTTP
import Support

extension FakeAPI {
    /// Unauthenticated local endpoints (never faulted):
    /// - `POST /_fake/payments/{id}/receive|confirm|overdue|refund|fail|delete`: drive a charge, firing its webhook
    ///   (`fail` takes `?event=` to pick e.g. PAYMENT_REPROVED_BY_RISK_ANALYSIS).
    /// - `GET /_fake/health`: `{"ok":true,"webhooksIdle":…}` for scripts waiting on the fake.
    /// - `GET /i/{id}`: a minimal invoice page, so `invoiceUrl` opens offline.
    func control(_ request: HTTPRequest) -> HTTPResponse {
        let segments = request.path.split(separator: "/").map(String.init)
        let method = request.method.rawValue
        if method == "GET", segments == ["_fake", "health"] {
            let body: JSON = ["ok": true, "webhooksIdle": .bool(webhooks.isIdle), "webhooksDelivered": .int(Int64(webhooks.deliveredCount))]
            return .json(.ok, body.serialized())
        }
        if method == "POST", segments.count == 4, segments[0] == "_fake", segments[1] == "payments" {
            let action = segments[3]
            guard ["receive", "confirm", "overdue", "refund", "fail", "delete"].contains(action) else {
                return Self.errorResponse(.notFound("Endpoint"))
            }
            let body = (try? JSON.parse(request.body)).flatMap { $0.objectValue != nil ? $0 : nil } ?? .object(JSONObject())
            let webhooks = self.webhooks
            let call = FakeCall(method: method, segments: segments, query: request.query, body: body,
                                emit: { event, key, object in webhooks.enqueue(event: event, key: key, object: object) })
            do {
                let json = try state.withLock { (state: inout FakeState) throws(FakeError) -> JSON in
                    try state.drive(segments[2], action, call)
                }
                return .json(.ok, json.serialized())
            } catch {
                return Self.errorResponse(error)
            }
        }
        if method == "GET", segments.count >= 2, segments[0] == "i" || segments[0] == "b" {
            let id = "pay_" + segments[segments.count - 1]
            let text: String? = state.withLock { state in
                guard let p = state.payments[id] else { return nil }
                let amount = "\(p.valueCents / 100)," + (p.valueCents % 100 < 10 ? "0" : "") + "\(p.valueCents % 100)"
                let escape = HTMLEscaping.escape
                return "<!doctype html><meta charset=utf-8><title>Fatura \(escape(p.invoiceNumber))</title>"
                    + "<h1>Fatura \(escape(p.invoiceNumber)) (asaas-fake)</h1><p>R$ \(amount) · \(escape(p.billingType)) · vence \(escape(p.dueDate))"
                    + " · status <b>\(escape(p.status))</b></p><p>Nothing here is payable: drive it with POST /_fake/payments/\(escape(p.id))/receive.</p>"
            }
            guard let text else { return Self.errorResponse(.notFound("Cobrança")) }
            return HTTPResponse(status: .ok, headers: HTTPHeaders([("Content-Type", "text/html; charset=utf-8")]),
                                body: .bytes(Array(text.utf8)))
        }
        return Self.errorResponse(.notFound("Endpoint"))
    }
}
