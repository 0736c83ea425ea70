import Foundation
import Support
import Synchronization

/// Short-lived memory of authenticated API keys and known tenants, so a request costs one SHA-256
/// and no database read on the hot path.
///
/// Every change that could make an entry wrong clears it in this process at once (revoking a key,
/// changing or deleting a tenant), and entries expire after `ttl` seconds regardless. Another process on the
/// same database (a CLI command, another instance on PostgreSQL) cannot reach this memory: its revocations and
/// suspensions take effect here within `ttl`, so the default stays under the 5 s that promise allows.
public final class AuthCache: Sendable {
    struct Entry: Sendable {
        let principal: Principal
        let tenantStatus: Tenant.Status?
        let keyExpiresAt: Date?
        let cachedAt: Date
    }

    let ttl: TimeInterval
    let maxEntries: Int
    private let keys = Mutex<[String: Entry]>([:])
    private let tenants = Mutex<[String: Date]>([:])

    public init(ttl: TimeInterval = 4, maxEntries: Int = 10_000) {
        self.ttl = ttl
        self.maxEntries = maxEntries
    }

    func principal(forHash hash: String, now: Date) -> Entry? {
        keys.withLock { map in
            guard let e = map[hash] else { return nil }
            if now.timeIntervalSince(e.cachedAt) > ttl || (e.keyExpiresAt.map { $0 <= now } ?? false) {
                map[hash] = nil
                return nil
            }
            return e
        }
    }

    func remember(hash: String, _ entry: Entry) {
        keys.withLock { map in
            if map.count >= maxEntries { map.removeAll() }
            map[hash] = entry
        }
    }

    /// Whether `tenantId` was seen to exist within the last `ttl` seconds.
    func tenantKnown(_ tenantId: String, now: Date) -> Bool {
        tenants.withLock { map in
            guard let at = map[tenantId] else { return false }
            return now.timeIntervalSince(at) <= ttl
        }
    }

    func rememberTenant(_ tenantId: String, now: Date) {
        tenants.withLock { map in
            if map.count >= maxEntries { map.removeAll() }
            map[tenantId] = now
        }
    }

    /// Forgets everything: called on any key revocation and any tenant change.
    public func invalidateAll() {
        keys.withLock { $0.removeAll() }
        tenants.withLock { $0.removeAll() }
    }
}
