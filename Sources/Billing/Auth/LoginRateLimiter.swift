import Foundation
import Support
import Synchronization

/// Counts login attempts per IP and per e-mail in a fixed window; over the limit → `.rateLimited`.
///
/// In memory on purpose: the limiter protects this process's CPU (PBKDF2) and the accounts,
/// and a restart resetting it costs an attacker a restart they cannot trigger.
public final class LoginRateLimiter: Sendable {
    private struct Window { var start: Date; var count: Int }

    let limit: Int
    let windowSeconds: Int
    let clock: any WallClock
    private let windows = Mutex<[String: Window]>([:])

    public init(limit: Int, windowSeconds: Int, clock: any WallClock) {
        self.limit = limit
        self.windowSeconds = windowSeconds
        self.clock = clock
    }

    /// Records one attempt under every key and throws when any key is over its limit.
    public func recordAttempt(keys: [String]) throws {
        let now = clock.now()
        let retryAfter: Int? = windows.withLock { windows in
            if windows.count > 100_000 {
                windows = windows.filter { now.timeIntervalSince($0.value.start) < Double(windowSeconds) }
            }
            var worst: Int?
            for key in keys {
                var w = windows[key] ?? Window(start: now, count: 0)
                if now.timeIntervalSince(w.start) >= Double(windowSeconds) { w = Window(start: now, count: 0) }
                w.count += 1
                windows[key] = w
                if w.count > limit {
                    let wait = max(1, Int((w.start.timeIntervalSince1970 + Double(windowSeconds) - now.timeIntervalSince1970).rounded(.up)))
                    worst = max(worst ?? 0, wait)
                }
            }
            return worst
        }
        if let retryAfter { throw BillingError.rateLimited(retryAfter: retryAfter) }
    }
}
