import Foundation

/// A dashboard user (never carries the password hash outside the service).
public struct User: Sendable, Equatable {
    /// The longest display name a user may have.
    public static let maxNameLength = 200

    public let id: String
    public var email: String
    public var name: String?
    public var role: Role
    public var tenantId: String?
    public var lastLoginAt: Date?
    public let createdAt: Date
    public var updatedAt: Date
}

/// Fields for `create_user` / `update_user`; nil means "not given".
public struct UserDraft: Sendable {
    public var email: String?
    public var name: String??
    public var password: String?
    public var role: Role?
    public var tenantId: String??

    public init(email: String? = nil, name: String?? = nil, password: String? = nil, role: Role? = nil, tenantId: String?? = nil) {
        self.email = email
        self.name = name
        self.password = password
        self.role = role
        self.tenantId = tenantId
    }
}
