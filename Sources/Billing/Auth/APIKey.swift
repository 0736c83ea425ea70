import Foundation

/// An API key as listed: never the secret, only its display prefix.
public struct APIKey: Sendable, Equatable {
    /// The longest name a key may have.
    public static let maxNameLength = 100

    public let id: String
    public let name: String
    public let prefix: String
    public let role: Role
    public let tenantId: String?
    public let createdBy: String?
    public let createdAt: Date
    public let expiresAt: Date?
    public let lastUsedAt: Date?
    public let revokedAt: Date?
}

/// A key just created: the only moment the secret exists outside the caller's hands.
public struct IssuedAPIKey: Sendable {
    public let key: APIKey
    public let secret: String
}
