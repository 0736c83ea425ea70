import Foundation
import Storage
import Support

/// Dashboard logins: password check, session tokens, logout (SPEC §3).
public struct SessionService: Sendable {
    /// A started session: `token` goes into the cookie and is never stored.
    public struct Session: Sendable {
        public let token: String
        public let user: User
        public let expiresAt: Date
    }

    let database: Database
    let clock: any WallClock
    let settings: BillingSettings
    /// Every attempt per client address (protects the PBKDF2 CPU and bounds spraying over many e-mails).
    let limiter: WindowRateLimiter
    /// Failures per (e-mail, client address): guessing slows the guesser, never the user elsewhere.
    let backoff: LoginBackoff
    let hasher: PasswordHasher
    /// Verified against when the e-mail is unknown, so both paths cost one PBKDF2.
    let decoyHash: String

    public init(database: Database, clock: any WallClock, settings: BillingSettings, limiter: WindowRateLimiter) {
        self.database = database
        self.clock = clock
        self.settings = settings
        self.limiter = limiter
        self.backoff = LoginBackoff(database: database, clock: clock, freeFailures: settings.loginAttemptsPerWindow)
        self.hasher = PasswordHasher(iterations: settings.passwordIterations)
        self.decoyHash = hasher.hash(SecureRandom.hex(16))
    }

    public func login(email: String?, password: String?, clientIP: String) throws -> Session {
        guard let email, !email.isEmpty else { throw BillingError.missing("email") }
        guard let password, !password.isEmpty else { throw BillingError.missing("password") }
        let normalized = email.trimmingCharacters(in: .whitespaces).lowercased()
        try limiter.recordAttempt(keys: ["ip:" + clientIP])
        try backoff.check(email: normalized, clientIP: clientIP)
        let row = try database.read { conn in
            try conn.queryOne("""
                SELECT u.*, t.status AS tenant_status FROM users u LEFT JOIN tenants t ON t.id = u.tenant_id WHERE u.email = ?
                """, [.text(normalized)])
        }
        let stored = try row.map { try $0.decode(String.self, "password_hash") } ?? decoyHash
        let valid = hasher.verify(password, against: stored)
        guard valid, let row else {
            try backoff.recordFailure(email: normalized, clientIP: clientIP)
            throw BillingError.unauthorized("invalid e-mail or password")
        }
        try backoff.clear(email: normalized, clientIP: clientIP)
        if let refusal = try row.decodeIfPresent(Tenant.Status.self, "tenant_status")?.refusal { throw refusal }
        let user = try UserService.decode(row)
        let now = clock.now()
        let token = "bss_" + Base64URL.encode(SecureRandom.bytes(32))
        let expires = now.addingTimeInterval(Double(settings.sessionLifetimeSeconds))
        let context = CallContext(principal: Principal(kind: .user, id: user.id, role: user.role, tenantId: user.tenantId,
                                                       displayName: user.email), clientIP: clientIP)
        try database.write { conn in
            try conn.run("INSERT INTO sessions (token_hash, user_id, created_at, expires_at, client_ip) VALUES (?, ?, ?, ?, ?)",
                         [.text(Crypto.sha256Hex(token)), .text(user.id), .text(StoredTime.format(now)),
                          .text(StoredTime.format(expires)), .text(clientIP)])
            try conn.run("UPDATE users SET last_login_at = ? WHERE id = ?", [.text(StoredTime.format(now)), .text(user.id)])
            try conn.run("DELETE FROM sessions WHERE expires_at < ?", [.text(StoredTime.format(now))])
            try AuditLog.record(conn, context, action: "login", tenantId: user.tenantId, targetId: user.id, at: now)
        }
        var loggedIn = user
        loggedIn.lastLoginAt = now
        return Session(token: token, user: loggedIn, expiresAt: expires)
    }

    /// The principal of a live session token, with its tenant's status; nil when unknown or expired.
    public func authenticate(token: String) throws -> (principal: Principal, tenantStatus: Tenant.Status?)? {
        guard token.hasPrefix("bss_"), token.utf8.count < 100 else { return nil }
        let now = clock.now()
        let row = try database.read { conn in
            try conn.queryOne("""
                SELECT s.expires_at, u.id, u.email, u.role, u.tenant_id, t.status AS tenant_status
                FROM sessions s JOIN users u ON u.id = s.user_id LEFT JOIN tenants t ON t.id = u.tenant_id
                WHERE s.token_hash = ?
                """, [.text(Crypto.sha256Hex(token))])
        }
        // A corrupt row throws `RowDecodingError` (a 500): never a session without its expiry or with a made-up role.
        guard let row, try row.decodeTime("expires_at") > now else { return nil }
        let principal = Principal(kind: .user, id: try row.decode(String.self, "id"), role: try row.decode(Role.self, "role"),
                                  tenantId: try row.decodeIfPresent(String.self, "tenant_id"), displayName: try row.decode(String.self, "email"))
        return (principal, try row.decodeIfPresent(Tenant.Status.self, "tenant_status"))
    }

    /// The user behind a principal of kind `.user`.
    public func user(id: String) throws -> User? {
        try database.read { try $0.queryOne("SELECT * FROM users WHERE id = ?", [.text(id)]).map(UserService.decode) }
    }

    /// Ends the session (unknown tokens are ignored).
    public func logout(token: String, context: CallContext) throws {
        let now = clock.now()
        try database.write { conn in
            if try conn.run("DELETE FROM sessions WHERE token_hash = ?", [.text(Crypto.sha256Hex(token))]) > 0 {
                try AuditLog.record(conn, context, action: "logout", tenantId: context.principal.tenantId,
                                    targetId: context.principal.id, at: now)
            }
        }
    }

    /// Creates a user directly (bootstrap from `ADMIN_EMAIL` / `ADMIN_PASSWORD`).
    public func hashPassword(_ password: String) -> String { hasher.hash(password) }
}

/// base64url without padding (RFC 4648 §5), for tokens that travel in headers and cookies.
public enum Base64URL {
    public static func encode(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }
}
