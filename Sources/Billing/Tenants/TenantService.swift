import Foundation
import Storage
import Support

/// Tenant management (super-admin actions of SPEC §4).
public struct TenantService: Sendable {
    /// Plan names a tenant may carry (the plan catalog's `plan_type`s).
    public static let planTypes = ["free", "starter", "professional", "enterprise", "custom"]

    let database: Database
    let clock: any WallClock
    let cache: AuthCache

    public init(database: Database, clock: any WallClock, cache: AuthCache = AuthCache()) {
        self.database = database
        self.clock = clock
        self.cache = cache
    }

    public func get(id: String) throws -> Tenant {
        guard let t = try database.read({ try TenantRepository(conn: $0).find(id: id) }) else {
            throw BillingError.notFound("tenant not found")
        }
        return t
    }

    /// The tenant, or nil.
    public func find(id: String) throws -> Tenant? {
        try database.read { try TenantRepository(conn: $0).find(id: id) }
    }

    /// Whether a tenant exists (the router asks before scoping a super-admin call to it); cached briefly.
    public func exists(id: String) throws -> Bool {
        let now = clock.now()
        if cache.tenantKnown(id, now: now) { return true }
        guard try find(id: id) != nil else { return false }
        cache.rememberTenant(id, now: now)
        return true
    }

    public func list(status: Tenant.Status?, search: String?, limit: Int, offset: Int) throws -> (tenants: [Tenant], total: Int) {
        try database.read { try TenantRepository(conn: $0).list(status: status, search: search, limit: limit, offset: offset) }
    }

    public func create(_ draft: TenantDraft, context: CallContext) throws -> Tenant {
        let name = try Validate.text(draft.name, field: "name", maxLength: Tenant.maxNameLength)!
        let slug = try draft.slug.map { try Validate.slug($0) } ?? Validate.slugify(name)
        let email = try (draft.billingEmail ?? nil).map { try Validate.email($0, field: "billing_email") }
        let plan = try Self.validPlan(draft.plan ?? nil)
        let now = clock.now()
        let tenant = Tenant(id: UUIDv7.make(at: now), name: name, slug: slug, status: draft.status ?? .active, plan: plan,
                            billingEmail: email, settings: draft.settings ?? nil, asaasCustomerId: nil, createdAt: now, updatedAt: now)
        try database.write { conn in
            let repo = TenantRepository(conn: conn)
            if try repo.slugTaken(slug, except: nil) {
                throw BillingError.conflict("a tenant with slug '\(slug)' already exists")
            }
            try repo.insert(tenant)
            try AuditLog.record(conn, context, action: "create_tenant", tenantId: tenant.id, targetId: tenant.id,
                                changes: ["name": .string(name), "slug": .string(slug), "status": .string(tenant.status.rawValue)], at: now)
        }
        return tenant
    }

    /// Changes only the fields the draft names.
    public func update(id: String, _ draft: TenantDraft, context: CallContext) throws -> Tenant {
        let name = try draft.name.map { try Validate.text($0, field: "name", maxLength: Tenant.maxNameLength)! }
        let slug = try draft.slug.map { try Validate.slug($0) }
        let email: String?? = try draft.billingEmail.map { try $0.map { try Validate.email($0, field: "billing_email") } }
        let plan: String?? = try draft.plan.map { try Self.validPlan($0) }
        let now = clock.now()
        return try database.write { conn in
            let repo = TenantRepository(conn: conn)
            guard var t = try repo.find(id: id, forUpdate: true) else { throw BillingError.notFound("tenant not found") }
            var changes = JSONObject()
            if let name { t.name = name; changes["name"] = .string(name) }
            if let slug {
                if try repo.slugTaken(slug, except: id) { throw BillingError.conflict("a tenant with slug '\(slug)' already exists") }
                t.slug = slug
                changes["slug"] = .string(slug)
            }
            if let status = draft.status {
                t.status = status
                changes["status"] = .string(status.rawValue)
                if status != .active {
                    // Sessions end with the suspension: activating the tenant again must not bring them back.
                    let ended = try conn.run("DELETE FROM sessions WHERE user_id IN (SELECT id FROM users WHERE tenant_id = ?)", [.text(id)])
                    if ended > 0 { changes["sessions_ended"] = .int(Int64(ended)) }
                }
            }
            if let plan { t.plan = plan; changes["plan"] = JSON(plan) }
            if let email { t.billingEmail = email; changes["billing_email"] = JSON(email) }
            if let settings = draft.settings { t.settings = settings; changes["settings"] = settings.map { .object($0) } ?? .null }
            t.updatedAt = now
            cache.invalidateAll()
            try repo.update(t)
            try AuditLog.record(conn, context, action: "update_tenant", tenantId: id, targetId: id, changes: changes, at: now)
            return t
        }
    }

    public func setStatus(id: String, _ status: Tenant.Status, context: CallContext) throws -> Tenant {
        var draft = TenantDraft()
        draft.status = status
        return try update(id: id, draft, context: context)
    }

    /// Deletes the tenant and, through foreign-key cascades, everything it owns.
    public func delete(id: String, context: CallContext) throws {
        let now = clock.now()
        try database.write { conn in
            cache.invalidateAll()
            guard try TenantRepository(conn: conn).delete(id: id) else { throw BillingError.notFound("tenant not found") }
            try AuditLog.record(conn, context, action: "delete_tenant", tenantId: id, targetId: id, at: now)
        }
    }

    public func stats(id: String) throws -> TenantStats {
        try database.read { conn in
            let repo = TenantRepository(conn: conn)
            guard try repo.find(id: id) != nil else { throw BillingError.notFound("tenant not found") }
            return try repo.stats(id: id)
        }
    }

    static func validPlan(_ plan: String?) throws -> String? {
        guard let plan else { return nil }
        guard planTypes.contains(plan) else {
            throw BillingError.validation(field: "plan", reason: "must be one of \(planTypes.joined(separator: ", "))")
        }
        return plan
    }
}
