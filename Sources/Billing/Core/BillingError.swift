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
    /// Missing, invalid, expired or revoked credentials.
    case unauthorized(String)
    /// Too many attempts; retry after the given number of seconds.
    case rateLimited(retryAfter: Int)
    /// A feature is switched off or not configured (`code` is the machine code, e.g. `usage_tracking_disabled`).
    case unavailable(code: String, message: String)

    /// Shorthand for the common "field is required" validation failure.
    public static func missing(_ field: String) -> BillingError {
        .validation(field: field, reason: "is required")
    }
}
