import Foundation
import Storage
import Support

/// Exponential backoff of failed logins per (e-mail, client address), counted in the database (`login_failures`)
/// so every instance shares it.
///
/// The first `freeFailures` failures of a pair cost nothing; after that the pair must wait 2 s, then 4 s, 8 s, …
/// up to `maxDelaySeconds` before its next attempt, and a success clears it. Only that pair waits: someone guessing
/// a user's password from elsewhere slows themselves down, never the user. (The per-address window of
/// `WindowRateLimiter` still bounds what one address may try across all e-mails.)
public final class LoginBackoff: Sendable {
    let database: Database
    let clock: any WallClock
    let freeFailures: Int
    let maxDelaySeconds: Int

    public init(database: Database, clock: any WallClock, freeFailures: Int, maxDelaySeconds: Int = 900) {
        self.database = database
        self.clock = clock
        self.freeFailures = freeFailures
        self.maxDelaySeconds = maxDelaySeconds
    }

    static func key(email: String, clientIP: String) -> String { Crypto.sha256Hex("login|\(email)|\(clientIP)") }

    /// Throws `.rateLimited` while the pair must wait.
    public func check(email: String, clientIP: String) throws {
        let now = clock.now()
        let row = try database.read { conn in
            try conn.queryOne("SELECT blocked_until FROM login_failures WHERE key = ?", [.text(Self.key(email: email, clientIP: clientIP))])
        }
        guard let until = try row?.decodeTimeIfPresent("blocked_until"), until > now else { return }
        throw BillingError.rateLimited(retryAfter: max(1, Int(until.timeIntervalSince(now).rounded(.up))))
    }

    /// Counts a failure of the pair and, past the free ones, sets its next allowed attempt.
    public func recordFailure(email: String, clientIP: String) throws {
        let now = clock.now()
        let (free, cap) = (freeFailures, maxDelaySeconds)
        try database.write { conn in
            // Pairs quiet for a day are forgotten.
            try conn.run("DELETE FROM login_failures WHERE updated_at < ?", [.text(StoredTime.format(now.addingTimeInterval(-86_400)))])
            guard let row = try conn.queryOne("""
                INSERT INTO login_failures (key, failures, blocked_until, updated_at) VALUES (?, 1, NULL, ?)
                ON CONFLICT (key) DO UPDATE SET failures = login_failures.failures + 1, updated_at = excluded.updated_at
                RETURNING failures
                """, [.text(Self.key(email: email, clientIP: clientIP)), .text(StoredTime.format(now))]) else { return }
            let failures = try row.decode(Int64.self, "failures")
            guard failures >= Int64(free) else { return }
            let exponent = min(20, failures - Int64(free) + 1)
            let delay = min(Int64(cap), Int64(1) << exponent)
            try conn.run("UPDATE login_failures SET blocked_until = ? WHERE key = ?",
                         [.text(StoredTime.format(now.addingTimeInterval(Double(delay)))), .text(Self.key(email: email, clientIP: clientIP))])
        }
    }

    /// Forgets the pair's failures (after a successful login).
    public func clear(email: String, clientIP: String) throws {
        try database.write { conn in
            try conn.run("DELETE FROM login_failures WHERE key = ?", [.text(Self.key(email: email, clientIP: clientIP))])
        }
    }
}
