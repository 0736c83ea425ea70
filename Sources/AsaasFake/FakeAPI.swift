import Foundation
import HTTP
import Support
import Synchronization

/// One API call as the handlers see it: the path after `/v3`, split; the query; the JSON body.
struct FakeCall {
    let method: String
    let segments: [String]
    let query: [String: String]
    let body: JSON
    /// Queues a webhook (`event`, `key`: "payment"/"subscription", the object); called under the state lock
    /// so events leave in the order the state changed.
    let emit: (String, String, JSON) -> Void

    func string(_ key: String) -> String? {
        guard let value = body[key]?.stringValue, !value.isEmpty else { return nil }
        return value
    }
}

/// Faults injected into API answers (not into control endpoints).
struct FakeFaults: Sendable {
    var latencyMs = 0
    /// Methods the latency applies to; nil = all.
    var latencyMethods: Set<String>?
    var failRate = 0.0
    /// Answers used, in order, for the next API calls: status plus extra headers.
    var scripted: [(status: Int, headers: [(String, String)])] = []
}

/// One API call the fake received (for tests counting attempts).
public struct FakeRecordedRequest: Sendable {
    public let method: String
    /// The path after `/v3` (or `/api/v3`), e.g. `/payments/pay_…`.
    public let path: String
    public let query: [String: String]
    public let status: Int
}

/// The fake's responder: prefixes, faults, auth, then the routes in the `FakeAPI+…` files.
final class FakeAPI: HTTPResponder {
    let apiKey: String
    let webhooks: WebhookDispatcher
    let state = Mutex(FakeState())
    let faults: Mutex<FakeFaults>
    let recorded = Mutex<[FakeRecordedRequest]>([])
    let logger: Logger

    init(apiKey: String, webhooks: WebhookDispatcher, faults: FakeFaults, logger: Logger) {
        self.apiKey = apiKey
        self.webhooks = webhooks
        self.faults = Mutex(faults)
        self.logger = logger
    }

    func respond(to request: HTTPRequest) -> HTTPResponse {
        let path = request.path
        if path.hasPrefix("/_fake/") || path.hasPrefix("/i/") || path.hasPrefix("/b/pdf/") {
            return control(request)
        }
        var rest: Substring
        if path.hasPrefix("/api/v3/") {
            rest = path.dropFirst(7)
        } else if path.hasPrefix("/v3/") {
            rest = path.dropFirst(3)
        } else if path.hasPrefix("/sandbox/") {
            rest = Substring(path)
        } else {
            return Self.errorResponse(.notFound("Endpoint"))
        }
        while rest.count > 1, rest.hasSuffix("/") { rest = rest.dropLast() }
        let method = request.method.rawValue

        let (delay, scripted) = decideFaults(method: method)
        var response: HTTPResponse
        if let scripted {
            response = Self.errorResponse(FakeError(scripted.status, "service_unavailable",
                                                    "Serviço temporariamente indisponível (falha injetada)."))
            for (name, value) in scripted.headers { response.headers.add(name, value) }
        } else if request.headers["access_token"] != apiKey {
            // Never echo or log the key that was sent.
            response = Self.errorResponse(FakeError(401, "invalid_access_token", "A chave de API fornecida é inválida."))
        } else if method == "GET", !request.body.isEmpty {
            response = HTTPResponse(status: .forbidden, body: .bytes(Array("GET requests must not have a body".utf8)))
        } else {
            response = api(method: method, path: String(rest), request: request)
        }
        recorded.withLock {
            $0.append(FakeRecordedRequest(method: method, path: String(rest), query: request.query, status: response.status.code))
        }
        if delay > 0 { Thread.sleep(forTimeInterval: Double(delay) / 1000) }
        return response
    }

    private func decideFaults(method: String) -> (latencyMs: Int, scripted: (status: Int, headers: [(String, String)])?) {
        faults.withLock { f in
            let delay = f.latencyMethods.map { $0.contains(method) } ?? true ? f.latencyMs : 0
            if !f.scripted.isEmpty { return (delay, f.scripted.removeFirst()) }
            if f.failRate > 0, Double.random(in: 0..<1) < f.failRate { return (delay, (503, [])) }
            return (delay, nil)
        }
    }

    private func api(method: String, path: String, request: HTTPRequest) -> HTTPResponse {
        let body: JSON
        if request.body.isEmpty {
            body = .object(JSONObject())
        } else if let parsed = try? JSON.parse(request.body), parsed.objectValue != nil {
            body = parsed
        } else {
            return Self.errorResponse(FakeError("invalid_object", "O corpo da requisição não é um JSON válido."))
        }
        let segments = path.split(separator: "/").map(String.init)
        let webhooks = self.webhooks
        let call = FakeCall(method: method, segments: segments, query: request.query, body: body,
                            emit: { event, key, object in webhooks.enqueue(event: event, key: key, object: object) })
        do {
            let json = try state.withLock { (state: inout FakeState) throws(FakeError) -> JSON in try state.route(call) }
            return .json(.ok, json.serialized())
        } catch {
            return Self.errorResponse(error)
        }
    }

    static func errorResponse(_ error: FakeError) -> HTTPResponse {
        .json(HTTPStatus(error.status), error.body.serialized())
    }
}

extension FakeState {
    /// Dispatches one authenticated API call.
    mutating func route(_ call: FakeCall) throws(FakeError) -> JSON {
        let s = call.segments
        let m = call.method
        switch (m, s.count, s.first ?? "") {
        case ("POST", 1, "customers"): return try createCustomer(call)
        case ("GET", 1, "customers"): return listCustomers(call)
        case ("GET", 2, "customers"): return try customer(s[1]).json
        case ("PUT", 2, "customers"), ("POST", 2, "customers"): return try updateCustomer(s[1], call)
        case ("DELETE", 2, "customers"): return try deleteCustomer(s[1])
        case ("POST", 3, "customers") where s[2] == "restore": return try restoreCustomer(s[1])

        case ("POST", 1, "payments"): return try createPayment(call)
        case ("GET", 1, "payments"): return listPayments(call)
        case ("GET", 2, "payments"): return try payment(s[1]).json(base: base)
        case ("PUT", 2, "payments"), ("POST", 2, "payments"): return try updatePayment(s[1], call)
        case ("DELETE", 2, "payments"): return try deletePayment(s[1], call)
        case ("POST", 3, "payments") where s[2] == "restore": return try restorePayment(s[1], call)
        case ("GET", 3, "payments") where s[2] == "status": return ["status": .string(try payment(s[1]).status)]
        case ("GET", 3, "payments") where s[2] == "pixQrCode": return try pixQrCode(s[1])
        case ("POST", 3, "payments") where s[2] == "payWithCreditCard": return try payWithCreditCard(s[1], call)
        case ("POST", 3, "payments") where s[2] == "refund": return try refund(s[1], call)
        case ("GET", 3, "payments") where s[2] == "refunds": return fakeList(try payment(s[1]).refunds, query: call.query)

        case ("POST", 2, "creditCard") where s[1] == "tokenizeCreditCard" || s[1] == "tokenize": return try tokenize(call)

        case ("POST", 1, "subscriptions"): return try createSubscription(call)
        case ("GET", 1, "subscriptions"): return listSubscriptions(call)
        case ("GET", 2, "subscriptions"): return try subscription(s[1]).json
        case ("PUT", 2, "subscriptions"), ("POST", 2, "subscriptions"): return try updateSubscription(s[1], call)
        case ("DELETE", 2, "subscriptions"): return try deleteSubscription(s[1], call)
        case ("GET", 3, "subscriptions") where s[2] == "payments": return subscriptionPayments(s[1], call)

        case ("GET", 2, "finance") where s[1] == "balance": return ["balance": FakeMoney.json(balanceCents)]

        case ("POST", 4, "sandbox") where s[1] == "payment" && s[3] == "confirm": return try drive(s[2], "confirm", call)
        case ("POST", 4, "sandbox") where s[1] == "payment" && s[3] == "overdue": return try drive(s[2], "overdue", call)
        default:
            throw .notFound("Endpoint")
        }
    }
}
