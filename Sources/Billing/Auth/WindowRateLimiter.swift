import Foundation
import Storage
import Support

/// Counts attempts per key in a fixed window; over the limit → `.rateLimited`. Login attempts per client address
/// (`ip:…`) and PDF renders per principal (`pdf:…`) use it.
///
/// Counted in the database (`login_attempts`, named for its first use), so every instance on it sees the same
/// counts: a client cannot multiply the limit by spreading attempts over instances, and a restart does not reset
/// it. Keys are stored as SHA-256, never as the e-mail, address or principal itself.
public final class WindowRateLimiter: Sendable {
    let database: Database
    let limit: Int
    let windowSeconds: Int
    let clock: any WallClock

    public init(database: Database, limit: Int, windowSeconds: Int, clock: any WallClock) {
        self.database = database
        self.limit = limit
        self.windowSeconds = windowSeconds
        self.clock = clock
    }

    /// Records one attempt under every key and throws when any key is over its limit.
    public func recordAttempt(keys: [String]) throws {
        let now = clock.now()
        let window = Double(windowSeconds), limit = Int64(self.limit)
        let nowText = StoredTime.format(now)
        let retryAfter: Int? = try database.write { conn in
            // Windows that ended are dropped first, so an upsert below finds only a live window.
            try conn.run("DELETE FROM login_attempts WHERE window_start <= ?", [.text(StoredTime.format(now.addingTimeInterval(-window)))])
            var worst: Int?
            for key in keys {
                guard let row = try conn.queryOne("""
                    INSERT INTO login_attempts (key, window_start, attempts) VALUES (?, ?, 1)
                    ON CONFLICT (key) DO UPDATE SET attempts = login_attempts.attempts + 1
                    RETURNING window_start, attempts
                    """, [.text(Crypto.sha256Hex(key)), .text(nowText)]) else { continue }
                // A corrupt counter throws `RowDecodingError`: never a login let through because its window did not parse.
                let attempts = try row.decode(Int64.self, "attempts"), start = try row.decodeTime("window_start")
                if attempts > limit {
                    let wait = max(1, Int((start.timeIntervalSince1970 + window - now.timeIntervalSince1970).rounded(.up)))
                    worst = max(worst ?? 0, wait)
                }
            }
            return worst
        }
        if let retryAfter { throw BillingError.rateLimited(retryAfter: retryAfter) }
    }
}
