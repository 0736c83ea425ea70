import Asaas
import Billing
import HTTP
import Support

/// `POST /webhooks/asaas` (SPEC §9, CONTRACT.md §6): authenticate, store, acknowledge, apply.
///
/// - The `asaas-access-token` header is compared in constant time with `ASAAS_WEBHOOK_TOKEN`. With no token
///   configured the endpoint answers 503 (Asaas keeps retrying, nothing is lost) and logs the misconfiguration;
///   a wrong or missing token is 401 and nothing is stored.
/// - A body that is not an event object is 400 (logged; Asaas retries it).
/// - The event is stored before anything else (unique by its id: a redelivery is acknowledged and ignored),
///   then applied in a second transaction. Asaas counts only a 200 within 10 s, and both steps are single
///   local transactions, so applying inline still answers fast; if the process dies between the two,
///   `Application` applies the stored event at the next startup.
public struct AsaasWebhookResponder: HTTPResponder {
    let token: String?
    let events: GatewayEventService
    let logger: Logger

    public init(token: String?, events: GatewayEventService, logger: Logger) {
        self.token = token.flatMap { $0.isEmpty ? nil : $0 }
        self.events = events
        self.logger = logger
    }

    public func respond(to request: HTTPRequest) -> HTTPResponse {
        guard request.method == .POST else {
            return APIError(.methodNotAllowed, code: "method_not_allowed", message: "/webhooks/asaas accepts POST", headers: [("Allow", "POST")]).response
        }
        guard let token else {
            logger.error("asaas webhook received but ASAAS_WEBHOOK_TOKEN is not configured", ["request_id": request.requestId])
            return APIError(.serviceUnavailable, code: "webhook_not_configured", message: "Asaas webhooks are not configured on this server",
                            headers: [("Retry-After", "60")]).response
        }
        guard let given = request.headers["asaas-access-token"], Crypto.constantTimeEquals(given, token) else {
            logger.warning("asaas webhook refused: missing or wrong asaas-access-token",
                           ["request_id": request.requestId, "remote": request.remoteAddress])
            return APIError(.unauthorized, code: "unauthorized", message: "the asaas-access-token header is missing or wrong").response
        }
        let event: AsaasWebhookEvent
        do {
            event = try AsaasWebhookEvent.decode(request.body)
        } catch {
            logger.warning("asaas webhook refused: malformed body", ["request_id": request.requestId, "bytes": String(request.body.count)])
            return APIError(.badRequest, code: "invalid_json", message: "the body is not an Asaas event (a JSON object with id and event)").response
        }
        let payment = event.raw["payment"]
        let input = GatewayEventInput(eventId: String(event.id.prefix(200)), eventType: String(event.event.prefix(100)),
                                      paymentId: payment?["id"]?.stringValue, externalReference: payment?["externalReference"]?.stringValue,
                                      paymentStatus: payment?["status"]?.stringValue,
                                      paymentCustomerId: payment?["customer"]?.stringValue.map { String($0.prefix(200)) },
                                      paymentValueCents: AsaasMoney.cents(payment?["value"]),
                                      payload: String(decoding: request.body, as: UTF8.self))
        let receipt: GatewayEventReceipt
        do {
            receipt = try events.receive(input)
        } catch {
            // Not stored: answer non-200 so Asaas delivers it again.
            logger.error("asaas webhook could not be stored", ["request_id": request.requestId, "event_id": input.eventId,
                                                               "error": String(describing: error)])
            return APIError.from(error).response
        }
        var fields: [(String, String)] = [("event", input.eventType), ("event_id", input.eventId)]
        switch receipt {
        case .duplicate:
            fields.append(("outcome", "duplicate"))
        case .stored(let id):
            do {
                let applied = try events.apply(id: id)
                fields.append(("outcome", applied?.status.rawValue ?? "received"))
                if applied?.status == .error {
                    logger.error("asaas webhook event could not be applied", ["event_id": input.eventId, "error": applied?.error ?? ""])
                }
            } catch {
                // Stored: acknowledged all the same; startup applies what is left `received`.
                logger.error("asaas webhook event stored but not applied", ["event_id": input.eventId, "error": String(describing: error)])
                fields.append(("outcome", "received"))
            }
        }
        var response = HTTPResponse(status: .ok, headers: HTTPHeaders([("Content-Type", "application/json; charset=utf-8"), ("Cache-Control", "no-store")]),
                                    body: .bytes(JSON.object(["received": .bool(true)]).serialized()))
        response.logFields += fields
        return response
    }
}
