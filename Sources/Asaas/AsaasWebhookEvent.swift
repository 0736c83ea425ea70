import Support

/// One webhook delivery from Asaas (CONTRACT.md §6.3):
/// `{"id":"evt_…","event":"PAYMENT_RECEIVED","dateCreated":"2024-11-06 18:59:27","payment":{…}}`.
///
/// Decoding is strict about what deduplication and dispatch need (`id`, `event`) and lenient about
/// the rest: unknown keys are kept in `raw`, and a `payment` that cannot be read is left nil rather
/// than failing the whole event (the event is still stored and acknowledged).
public struct AsaasWebhookEvent: Sendable {
    /// Asaas's event id, the deduplication key (opaque; e.g. `evt_<hex>&<seq>`).
    public let id: String
    /// `PAYMENT_CONFIRMED`, `PAYMENT_RECEIVED`, … (see `AsaasWebhookEvent.Name`).
    public let event: String
    /// `YYYY-MM-DD HH:mm:ss` (Asaas local time), as sent.
    public let dateCreated: String?
    public let payment: AsaasPayment?
    public let subscription: AsaasSubscription?
    public let raw: JSON

    /// Parses a delivery body; `.invalidResponse` when it is not a JSON object with string `id` and `event`.
    public static func decode(_ body: [UInt8]) throws(AsaasError) -> AsaasWebhookEvent {
        let json: JSON
        do {
            json = try JSON.parse(body)
        } catch {
            throw .invalidResponse("webhook body is not JSON: \(error)")
        }
        guard json.objectValue != nil else { throw .invalidResponse("webhook body is not an object") }
        guard let id = json["id"]?.stringValue, !id.isEmpty else { throw .invalidResponse("webhook event without id") }
        guard let event = json["event"]?.stringValue, !event.isEmpty else {
            throw .invalidResponse("webhook event without event name")
        }
        let payment = json["payment"].flatMap { value in try? AsaasPayment(json: value) }
        let subscription = json["subscription"].flatMap { value in try? AsaasSubscription(json: value) }
        return AsaasWebhookEvent(id: id, event: event, dateCreated: json["dateCreated"]?.stringValue, payment: payment,
                                 subscription: subscription, raw: json)
    }

    /// Event names the server acts on (an open set: anything else is stored and acknowledged).
    public enum Name {
        public static let paymentCreated = "PAYMENT_CREATED"
        public static let paymentUpdated = "PAYMENT_UPDATED"
        public static let paymentConfirmed = "PAYMENT_CONFIRMED"
        public static let paymentReceived = "PAYMENT_RECEIVED"
        public static let paymentOverdue = "PAYMENT_OVERDUE"
        public static let paymentRefunded = "PAYMENT_REFUNDED"
        public static let paymentPartiallyRefunded = "PAYMENT_PARTIALLY_REFUNDED"
        public static let paymentDeleted = "PAYMENT_DELETED"
        public static let paymentRestored = "PAYMENT_RESTORED"
        public static let paymentCreditCardCaptureRefused = "PAYMENT_CREDIT_CARD_CAPTURE_REFUSED"
        public static let paymentReprovedByRiskAnalysis = "PAYMENT_REPROVED_BY_RISK_ANALYSIS"
    }
}
