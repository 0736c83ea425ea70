import Foundation
import Storage
import Support
import Synchronization

/// Issues, lists, revokes and checks API keys (SPEC §3).
///
/// Authentication is one SHA-256 and one indexed lookup; `last_used_at` is collected in
/// memory and written in one batch by `flushLastUsed()`, so reads write nothing on their path.
public final class APIKeyService: Sendable {
    let database: Database
    let clock: any WallClock
    let cache: AuthCache
    private let pendingLastUsed = Mutex<[String: Date]>([:])

    public init(database: Database, clock: any WallClock, cache: AuthCache = AuthCache()) {
        self.database = database
        self.clock = clock
        self.cache = cache
    }

    /// Creates a key. Admins may issue keys only in their own tenant with a role up to admin.
    public func generate(name: String?, role: Role, tenantId: String?, expiresAt: Date?, context: CallContext) throws -> IssuedAPIKey {
        let name = try Validate.text(name, field: "name", maxLength: APIKey.maxNameLength)!
        let caller = context.principal
        try Authorization.requireCanGrant(role: role, tenantId: tenantId, by: caller)
        try Authorization.requireTenantFits(role: role, tenantId: tenantId, field: "tenant_id", kind: "keys")
        let now = clock.now()
        if let expiresAt, expiresAt <= now { throw BillingError.validation(field: "expires_at", reason: "must be in the future") }
        let token = APIKeyToken.generate()
        let key = APIKey(id: UUIDv7.make(at: now), name: name, prefix: token.prefix, role: role, tenantId: tenantId,
                         createdBy: caller.id, createdAt: now, expiresAt: expiresAt, lastUsedAt: nil, revokedAt: nil)
        try database.write { conn in
            if let tenantId, try TenantRepository(conn: conn).find(id: tenantId) == nil {
                throw BillingError.validation(field: "tenant_id", reason: "no such tenant")
            }
            try Self.insert(conn, key, hash: token.hash)
            try AuditLog.record(conn, context, action: "generate_api_key", tenantId: tenantId, targetId: key.id,
                                changes: ["name": .string(name), "role": .string(role.rawValue), "prefix": .string(token.prefix)], at: now)
        }
        return IssuedAPIKey(key: key, secret: token.key)
    }

    /// Stores a key whose secret is given (bootstrap from `ADMIN_API_KEY`); no-op when that key already exists.
    public func importKey(secret: String, name: String, role: Role, tenantId: String?) throws -> APIKey? {
        let now = clock.now()
        let hash = APIKeyToken.hash(secret)
        // The secret was chosen by the operator and may be weak: its display prefix is random, never part of it.
        let key = APIKey(id: UUIDv7.make(at: now), name: name, prefix: "imp_" + SecureRandom.hex(4), role: role, tenantId: tenantId,
                         createdBy: "system", createdAt: now, expiresAt: nil, lastUsedAt: nil, revokedAt: nil)
        return try database.write { conn in
            // Instances starting together on one PostgreSQL database all import ADMIN_API_KEY: one stores it.
            try serializeAcrossInstances(conn, "api_keys|import")
            if try conn.queryOne("SELECT 1 FROM api_keys WHERE key_hash = ?", [.text(hash)]) != nil { return nil }
            try Self.insert(conn, key, hash: hash)
            try AuditLog.record(conn, .system, action: "generate_api_key", tenantId: tenantId, targetId: key.id,
                                changes: ["name": .string(name), "role": .string(role.rawValue)], at: now)
            return key
        }
    }

    /// Whether any API key exists (bootstrap runs only on an empty database).
    public func isEmpty() throws -> Bool {
        try database.read { try $0.queryOne("SELECT 1 FROM api_keys LIMIT 1") == nil }
    }

    /// One page of the keys of `tenantId` (of every tenant when nil; super-admin only, the router decides), newest
    /// first, and how many there are in all.
    public func list(tenantId: String?, limit: Int, offset: Int) throws -> (keys: [APIKey], total: Int) {
        let filter: SQL = tenantId.map { id -> SQL in "WHERE tenant_id = \(bind: id)" } ?? ""
        let pending = pendingLastUsed.withLock { $0 }
        return try database.read { conn in
            let total = try conn.scalar("SELECT count(*) FROM api_keys \(sql: filter)").int64Value ?? 0
            let rows = try conn.query("""
                SELECT * FROM api_keys \(sql: filter) ORDER BY created_at DESC, id DESC LIMIT \(bind: limit) OFFSET \(bind: offset)
                """)
            let keys = try rows.map { r in
                let key = try Self.decode(r)
                guard let touched = pending[key.id] else { return key }
                return APIKey(id: key.id, name: key.name, prefix: key.prefix, role: key.role, tenantId: key.tenantId,
                              createdBy: key.createdBy, createdAt: key.createdAt, expiresAt: key.expiresAt,
                              lastUsedAt: touched, revokedAt: key.revokedAt)
            }
            return (keys, Int(total))
        }
    }

    /// Revokes a key of `tenantId` (any tenant when nil). Revoking twice is harmless.
    public func revoke(id: String, tenantId: String?, context: CallContext) throws -> APIKey {
        let now = clock.now()
        return try database.write { conn in
            guard let row = try conn.queryOne("SELECT * FROM api_keys WHERE id = ?", [.text(id)]) else {
                throw BillingError.notFound("API key not found")
            }
            let key = try Self.decode(row)
            if let tenantId, key.tenantId != tenantId { throw BillingError.notFound("API key not found") }
            if !context.principal.isSuperAdmin, key.role.isOperator { throw BillingError.notFound("API key not found") }
            if key.revokedAt == nil {
                self.cache.invalidateAll()
                try conn.run("UPDATE api_keys SET revoked_at = ? WHERE id = ?", [.text(StoredTime.format(now)), .text(id)])
                try AuditLog.record(conn, context, action: "revoke_api_key", tenantId: key.tenantId, targetId: id, at: now)
            }
            return APIKey(id: key.id, name: key.name, prefix: key.prefix, role: key.role, tenantId: key.tenantId,
                          createdBy: key.createdBy, createdAt: key.createdAt, expiresAt: key.expiresAt,
                          lastUsedAt: key.lastUsedAt, revokedAt: key.revokedAt ?? now)
        }
    }

    /// The principal for a presented secret, or nil when unknown, revoked or expired.
    /// Also reports the tenant's status so the caller can refuse suspended tenants.
    public func authenticate(secret: String) throws -> (principal: Principal, tenantStatus: Tenant.Status?)? {
        guard !secret.isEmpty, secret.utf8.count <= 256 else { return nil }
        let hash = APIKeyToken.hash(secret)
        let now = clock.now()
        if let hit = cache.principal(forHash: hash, now: now) {
            pendingLastUsed.withLock { $0[hit.principal.id] = now }
            return (hit.principal, hit.tenantStatus)
        }
        let row = try database.read { conn in
            try conn.queryOne("""
                SELECT k.id, k.name, k.key_hash, k.role, k.tenant_id, k.expires_at, k.revoked_at, t.status AS tenant_status
                FROM api_keys k LEFT JOIN tenants t ON t.id = k.tenant_id WHERE k.key_hash = ?
                """, [.text(hash)])
        }
        // The index lookup already matched the hash; the constant-time compare keeps the check honest
        // should the lookup ever become a prefix or range scan.
        // A corrupt row throws `RowDecodingError` (a 500): never a key without its expiry or with a made-up role.
        guard let row, Crypto.constantTimeEquals(try row.decode(String.self, "key_hash"), hash) else { return nil }
        if try row.decodeTimeIfPresent("revoked_at") != nil { return nil }
        let expiresAt = try row.decodeTimeIfPresent("expires_at")
        if let expiresAt, expiresAt <= now { return nil }
        let role = try row.decode(Role.self, "role")
        let id = try row.decode(String.self, "id")
        pendingLastUsed.withLock { $0[id] = now }
        let principal = Principal(kind: .apiKey, id: id, role: role, tenantId: try row.decodeIfPresent(String.self, "tenant_id"),
                                  displayName: try row.decode(String.self, "name"))
        let status = try row.decodeIfPresent(Tenant.Status.self, "tenant_status")
        cache.remember(hash: hash, AuthCache.Entry(principal: principal, tenantStatus: status, keyExpiresAt: expiresAt, cachedAt: now))
        return (principal, status)
    }

    /// Writes the collected `last_used_at` values in one transaction.
    public func flushLastUsed() throws {
        let pending = pendingLastUsed.withLock { p -> [String: Date] in
            defer { p.removeAll() }
            return p
        }
        guard !pending.isEmpty else { return }
        try database.write { conn in
            for (id, date) in pending {
                try conn.run("UPDATE api_keys SET last_used_at = ? WHERE id = ?", [.text(StoredTime.format(date)), .text(id)])
            }
        }
    }

    static func insert(_ conn: Connection, _ key: APIKey, hash: String) throws {
        try conn.run("""
            INSERT INTO api_keys (id, name, key_hash, prefix, role, tenant_id, created_by, created_at, expires_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, [.text(key.id), .text(key.name), .text(hash), .text(key.prefix), .text(key.role.rawValue), SQLValue(key.tenantId),
                  SQLValue(key.createdBy), .text(StoredTime.format(key.createdAt)), SQLValue(key.expiresAt.map(StoredTime.format))])
    }

    /// An `api_keys` row; throws `RowDecodingError` when a required column is NULL, of another type, or unparseable.
    static func decode(_ r: Row) throws -> APIKey {
        APIKey(id: try r.decode(String.self, "id"), name: try r.decode(String.self, "name"), prefix: try r.decode(String.self, "prefix"),
               role: try r.decode(Role.self, "role"), tenantId: try r.decodeIfPresent(String.self, "tenant_id"),
               createdBy: try r.decodeIfPresent(String.self, "created_by"), createdAt: try r.decodeTime("created_at"),
               expiresAt: try r.decodeTimeIfPresent("expires_at"), lastUsedAt: try r.decodeTimeIfPresent("last_used_at"),
               revokedAt: try r.decodeTimeIfPresent("revoked_at"))
    }
}
