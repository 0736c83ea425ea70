import HTTP
import Support

/// `POST /webhooks/asaas`. Until the gateway integration (issue 6) lands, no webhook token can be
/// configured, so the endpoint answers 503 as SPEC §9 prescribes for an unset `ASAAS_WEBHOOK_TOKEN`
/// (Asaas keeps retrying; nothing is lost).
public struct AsaasWebhookResponder: HTTPResponder {
    let logger: Logger

    public init(logger: Logger) { self.logger = logger }

    public func respond(to request: HTTPRequest) -> HTTPResponse {
        guard request.method == .POST else {
            return APIError(.methodNotAllowed, code: "method_not_allowed", message: "/webhooks/asaas accepts POST", headers: [("Allow", "POST")]).response
        }
        logger.error("asaas webhook received but ASAAS_WEBHOOK_TOKEN is not configured", ["request_id": request.requestId])
        return APIError(.serviceUnavailable, code: "webhook_not_configured", message: "Asaas webhooks are not configured on this server",
                        headers: [("Retry-After", "60")]).response
    }
}
