import Foundation
import Support

/// One stored billable event.
public struct UsageEvent: Sendable, Equatable {
    public let id: String
    public let tenantId: String
    public let resourceType: ResourceType
    public let quantity: Int64
    public let resourceId: String?
    public let metadata: JSONObject?
    public let idempotencyKey: String?
    /// Unix milliseconds.
    public let occurredAt: Int64
    public let createdAt: Int64
}

/// A validated event to record (`log_usage` / one element of `log_usage_batch`).
public struct UsageEventInput: Sendable {
    public var resourceType: ResourceType
    public var quantity: Int64
    public var resourceId: String?
    public var metadata: JSONObject?
    public var idempotencyKey: String?
    /// Unix ms; nil → now.
    public var occurredAt: Int64?

    public init(resourceType: ResourceType, quantity: Int64 = 1, resourceId: String? = nil, metadata: JSONObject? = nil,
                idempotencyKey: String? = nil, occurredAt: Int64? = nil) {
        self.resourceType = resourceType
        self.quantity = quantity
        self.resourceId = resourceId
        self.metadata = metadata
        self.idempotencyKey = idempotencyKey
        self.occurredAt = occurredAt
    }

    /// Limits of SPEC §5 / issue 4.
    public static let maxQuantity: Int64 = 1_000_000_000_000
    public static let maxMetadataBytes = 8 * 1024
    public static let maxIdempotencyKeyLength = 128
    public static let maxResourceIdLength = 255
}

/// The answer for one ingested event: the stored event, and whether it was already there.
public struct UsageLogResult: Sendable {
    public let event: UsageEvent
    public let duplicate: Bool
}

extension UsageEvent {
    /// Whether `input` is the request that recorded this event again: same resource type, quantity, resource id,
    /// metadata (as JSON values, so key order and number spelling do not matter) and, when the retry gives one,
    /// the same occurrence time. A retry without `occurred_at` matches any time (the first call was stamped on arrival).
    public func isReplay(of input: UsageEventInput) -> Bool {
        resourceType == input.resourceType && quantity == input.quantity && resourceId == input.resourceId
            && (metadata ?? [:]) == (input.metadata ?? [:]) && (input.occurredAt.map { $0 == occurredAt } ?? true)
    }
}
