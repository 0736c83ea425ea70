import Foundation

/// Errors of the domain services, each with a meaning the API layer maps to one status and code.
///
/// Services never build HTTP responses; `AdminAPI` turns these into the error envelope in one place.
public enum BillingError: Error, Sendable, Equatable {
    /// The object does not exist in the caller's tenant (never says whether it exists elsewhere).
    case notFound(String)
    /// Uniqueness or state-machine conflict.
    case conflict(String)
    /// A field failed validation: `field` names it, `reason` says why in a human sentence.
    case validation(field: String, reason: String)
    /// The principal's role or tenant does not allow the action.
    case forbidden(String)
    /// The principal's tenant is suspended.
    case tenantSuspended
    /// The principal's tenant is inactive (closed): refused like a suspended one.
    case tenantInactive
    /// An idempotency key came back with a different request than the one it first recorded (`field` names it).
    case idempotencyKeyReused(field: String, key: String)
    /// Missing, invalid, expired or revoked credentials.
    case unauthorized(String)
    /// Too many attempts; retry after the given number of seconds.
    case rateLimited(retryAfter: Int)
    /// A hard quota would be exceeded; nothing was recorded.
    case quotaExceeded(QuotaRejection)
    /// A feature is switched off or not configured (`code` is the machine code, e.g. `usage_tracking_disabled`).
    case unavailable(code: String, message: String)

    /// Shorthand for the common "field is required" validation failure.
    public static func missing(_ field: String) -> BillingError {
        .validation(field: field, reason: "is required")
    }
}

/// Why an event was refused by a hard quota, and when the window resets.
public struct QuotaRejection: Sendable, Equatable {
    public let resourceType: ResourceType
    public let period: PeriodType
    public let current: Int64
    public let limit: Int64
    /// Start of the next window; nil for `total` quotas (they never reset).
    public let resetsAt: Date?
    /// The index of the refused event within a batch.
    public let index: Int?

    public init(resourceType: ResourceType, period: PeriodType, current: Int64, limit: Int64, resetsAt: Date?, index: Int? = nil) {
        self.resourceType = resourceType
        self.period = period
        self.current = current
        self.limit = limit
        self.resetsAt = resetsAt
        self.index = index
    }
}
