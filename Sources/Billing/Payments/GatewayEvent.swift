import Foundation
import Support

/// A webhook event from the gateway as stored in `gateway_events` (SPEC §9).
public struct GatewayEvent: Sendable, Equatable {
    public enum Status: String, Sendable, CaseIterable {
        /// Stored, not yet applied (a crash in between is repaired at startup).
        case received
        /// Changed an invoice or produced a notification.
        case applied
        /// Nothing to do: unknown event, no matching invoice, or the invoice is already further along.
        case ignored
        /// Stored, not applied: the payment does not match the invoice it points at (customer, reference or
        /// value); an operator alert says why.
        case held
        /// Applying failed; `error` says why.
        case error
    }

    public let id: String
    public let provider: String
    public let eventId: String
    public let eventType: String
    public let paymentId: String?
    public let externalReference: String?
    public let paymentStatus: String?
    /// `payment.customer` of the event (the gateway customer the payment belongs to).
    public let paymentCustomerId: String?
    /// `payment.value` of the event in cents.
    public let paymentValueCents: Int64?
    public let status: Status
    public let result: String?
    public let error: String?
    public let tenantId: String?
    public let invoiceId: String?
    public let payload: String
    public let redeliveries: Int
    public let receivedAt: Date
    public let processedAt: Date?
}

/// What the webhook endpoint extracted from a delivery (the raw body is kept too).
public struct GatewayEventInput: Sendable {
    public var eventId: String
    public var eventType: String
    public var paymentId: String?
    public var externalReference: String?
    public var paymentStatus: String?
    public var paymentCustomerId: String?
    public var paymentValueCents: Int64?
    public var payload: String

    public init(eventId: String, eventType: String, paymentId: String?, externalReference: String?, paymentStatus: String?,
                paymentCustomerId: String? = nil, paymentValueCents: Int64? = nil, payload: String) {
        self.eventId = eventId
        self.eventType = eventType
        self.paymentId = paymentId
        self.externalReference = externalReference
        self.paymentStatus = paymentStatus
        self.paymentCustomerId = paymentCustomerId
        self.paymentValueCents = paymentValueCents
        self.payload = payload
    }
}

/// The outcome of storing a delivery.
public enum GatewayEventReceipt: Sendable, Equatable {
    /// First delivery: stored, to be applied (row id).
    case stored(String)
    /// A redelivery of an event already stored (row id): acknowledged, nothing else.
    case duplicate(String)
}

/// Filters of `list_webhook_events`.
public struct GatewayEventQuery: Sendable {
    public var status: GatewayEvent.Status?
    public var eventType: String?
    public var tenantId: String?
    public var invoiceId: String?
    public var paymentId: String?
    public var since: Date?
    public var until: Date?
    public var limit = 100
    public var offset = 0

    public init() {}
}
