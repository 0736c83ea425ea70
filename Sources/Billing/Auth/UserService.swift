import Foundation
import Storage
import Support

/// Dashboard users: creation, changes, deletion, listing (SPEC §3).
public struct UserService: Sendable {
    public static let minimumPasswordLength = 10
    public static let maximumPasswordLength = 1024

    let database: Database
    let clock: any WallClock
    let hasher: PasswordHasher

    public init(database: Database, clock: any WallClock, settings: BillingSettings) {
        self.database = database
        self.clock = clock
        self.hasher = PasswordHasher(iterations: settings.passwordIterations)
    }

    /// One page of the users of `tenantId` (of every tenant when nil), by e-mail, and how many there are in all.
    public func list(tenantId: String?, limit: Int, offset: Int) throws -> (users: [User], total: Int) {
        let filter: SQL = tenantId.map { id -> SQL in "WHERE tenant_id = \(bind: id)" } ?? ""
        return try database.read { conn in
            let total = try conn.scalar("SELECT count(*) FROM users \(sql: filter)").int64Value ?? 0
            let rows = try conn.query("SELECT * FROM users \(sql: filter) ORDER BY email, id LIMIT \(bind: limit) OFFSET \(bind: offset)")
            return (try rows.map(Self.decode), Int(total))
        }
    }

    /// E-mail addresses are unique across tenants, so the answer must not tell a tenant admin that an
    /// address belongs to a user of another tenant (issue 18): the same words whoever holds it.
    static let emailTaken = BillingError.conflict("this e-mail address cannot be used; choose another one")

    public func create(_ draft: UserDraft, context: CallContext) throws -> User {
        guard let rawEmail = draft.email else { throw BillingError.missing("email") }
        let email = try Validate.email(rawEmail, field: "email")
        guard let password = draft.password else { throw BillingError.missing("password") }
        try Self.checkPassword(password)
        let role = draft.role ?? .viewer
        let requested = draft.tenantId ?? nil
        let tenantId = requested ?? (context.principal.isOperator ? nil : context.principal.tenantId)
        try Authorization.requireCanGrant(role: role, tenantId: tenantId, by: context.principal)
        try Authorization.requireTenantFits(role: role, tenantId: tenantId, field: "tenant_id", kind: "users")
        let name = try Validate.text(draft.name ?? nil, field: "name", maxLength: User.maxNameLength, required: false)
        let hash = hasher.hash(password)
        let now = clock.now()
        let user = User(id: UUIDv7.make(at: now), email: email, name: name, role: role, tenantId: tenantId,
                        lastLoginAt: nil, createdAt: now, updatedAt: now)
        try database.write { conn in
            if let tenantId, try TenantRepository(conn: conn).find(id: tenantId) == nil {
                throw BillingError.validation(field: "tenant_id", reason: "no such tenant")
            }
            // Two instances creating the same e-mail at once (the bootstrap user): one wins, the other gets the 409.
            try serializeAcrossInstances(conn, "users|email|" + email)
            if try conn.queryOne("SELECT 1 FROM users WHERE email = ?", [.text(email)]) != nil { throw Self.emailTaken }
            try conn.run("""
                INSERT INTO users (id, email, name, password_hash, role, tenant_id, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """, [.text(user.id), .text(email), SQLValue(name), .text(hash), .text(role.rawValue), SQLValue(tenantId),
                      .text(StoredTime.format(now)), .text(StoredTime.format(now))])
            try AuditLog.record(conn, context, action: "create_user", tenantId: tenantId, targetId: user.id,
                                changes: ["email": .string(email), "role": .string(role.rawValue)], at: now)
        }
        return user
    }

    /// Changes name, role, password or tenant. `scopeTenantId` limits which users the caller can see (nil = all).
    public func update(id: String, _ draft: UserDraft, scopeTenantId: String?, context: CallContext) throws -> User {
        if let password = draft.password { try Self.checkPassword(password) }
        let name: String?? = try draft.name.map { try Validate.text($0, field: "name", maxLength: User.maxNameLength, required: false) }
        let email = try draft.email.map { try Validate.email($0, field: "email") }
        let newHash = draft.password.map { hasher.hash($0) }
        let now = clock.now()
        return try database.write { conn in
            guard let row = try conn.queryOne("SELECT * FROM users WHERE id = ?", [.text(id)]) else {
                throw BillingError.notFound("user not found")
            }
            var user = try Self.decode(row)
            if let scopeTenantId, user.tenantId != scopeTenantId { throw BillingError.notFound("user not found") }
            let caller = context.principal
            if !caller.isSuperAdmin, user.role.isOperator { throw BillingError.notFound("user not found") }
            var changes = JSONObject()
            if let role = draft.role {
                try Authorization.requireCanGrant(role: role, tenantId: user.tenantId, by: caller)
                user.role = role
                changes["role"] = .string(role.rawValue)
            }
            if let tenantChange = draft.tenantId {
                if !caller.isSuperAdmin, tenantChange != user.tenantId {
                    throw BillingError.forbidden("only a super-admin can move a user to another tenant")
                }
                if let t = tenantChange, try TenantRepository(conn: conn).find(id: t) == nil {
                    throw BillingError.validation(field: "new_tenant_id", reason: "no such tenant")
                }
                user.tenantId = tenantChange
                changes["tenant_id"] = JSON(tenantChange)
            }
            // The update's tenant travels in `new_tenant_id`, so that is the field to name.
            try Authorization.requireTenantFits(role: user.role, tenantId: user.tenantId, field: "new_tenant_id", kind: "users")
            if let name { user.name = name; changes["name"] = JSON(name) }
            if let email {
                if try conn.queryOne("SELECT 1 FROM users WHERE email = ? AND id <> ?", [.text(email), .text(id)]) != nil { throw Self.emailTaken }
                user.email = email
                changes["email"] = .string(email)
            }
            user.updatedAt = now
            try conn.run("UPDATE users SET email = ?, name = ?, role = ?, tenant_id = ?, updated_at = ? WHERE id = ?",
                         [.text(user.email), SQLValue(user.name), .text(user.role.rawValue), SQLValue(user.tenantId),
                          .text(StoredTime.format(now)), .text(id)])
            if let newHash {
                try conn.run("UPDATE users SET password_hash = ? WHERE id = ?", [.text(newHash), .text(id)])
                // A password change ends every session of that user.
                try conn.run("DELETE FROM sessions WHERE user_id = ?", [.text(id)])
                changes["password"] = "changed"
            }
            try AuditLog.record(conn, context, action: "update_user", tenantId: user.tenantId, targetId: id, changes: changes, at: now)
            return user
        }
    }

    public func delete(id: String, scopeTenantId: String?, context: CallContext) throws {
        let now = clock.now()
        try database.write { conn in
            guard let row = try conn.queryOne("SELECT * FROM users WHERE id = ?", [.text(id)]) else {
                throw BillingError.notFound("user not found")
            }
            let user = try Self.decode(row)
            if let scopeTenantId, user.tenantId != scopeTenantId { throw BillingError.notFound("user not found") }
            if !context.principal.isSuperAdmin, user.role.isOperator { throw BillingError.notFound("user not found") }
            if context.principal.kind == .user, context.principal.id == id {
                throw BillingError.conflict("you cannot delete your own user")
            }
            try conn.run("DELETE FROM users WHERE id = ?", [.text(id)])
            try AuditLog.record(conn, context, action: "delete_user", tenantId: user.tenantId, targetId: id,
                                changes: ["email": .string(user.email)], at: now)
        }
    }

    /// Whether any user exists (bootstrap creates the first one only on an empty table).
    public func isEmpty() throws -> Bool {
        try database.read { try $0.queryOne("SELECT 1 FROM users LIMIT 1") == nil }
    }

    static func checkPassword(_ password: String) throws {
        if password.count < minimumPasswordLength {
            throw BillingError.validation(field: "password", reason: "must be at least \(minimumPasswordLength) characters")
        }
        if password.utf8.count > maximumPasswordLength {
            throw BillingError.validation(field: "password", reason: "must be at most \(maximumPasswordLength) bytes")
        }
    }

    /// A `users` row; throws `RowDecodingError` when a required column is NULL, of another type, or unparseable.
    static func decode(_ r: Row) throws -> User {
        User(id: try r.decode(String.self, "id"), email: try r.decode(String.self, "email"), name: try r.decodeIfPresent(String.self, "name"),
             role: try r.decode(Role.self, "role"), tenantId: try r.decodeIfPresent(String.self, "tenant_id"),
             lastLoginAt: try r.decodeTimeIfPresent("last_login_at"),
             createdAt: try r.decodeTime("created_at"), updatedAt: try r.decodeTime("updated_at"))
    }
}
