import Foundation
import Storage
import Support

/// One gateway operation per invoice at a time, whichever process or instance runs it.
///
/// A charge, card payment or refund calls the gateway outside any transaction, so a database lock cannot span
/// it. Instead the invoice carries a lease (`charge_lease_owner`, `charge_lease_until`), taken by a conditional
/// UPDATE and given back when the operation ends; a second operation meanwhile — from this instance or another —
/// gets 409. A process that dies while holding one only blocks the invoice until the lease runs out.
final class ChargeLease: Sendable {
    let database: Database
    let clock: any WallClock
    /// Longer than any gateway operation (two calls of at most the client timeout each, plus retries).
    let seconds: TimeInterval

    init(database: Database, clock: any WallClock, seconds: TimeInterval = 300) {
        self.database = database
        self.clock = clock
        self.seconds = seconds
    }

    /// Runs `body` holding the invoice's lease; 409 `conflict` when another operation holds it.
    func with<T>(_ invoiceId: String, _ body: () throws -> T) throws -> T {
        let owner = UUIDv7.random()
        let now = clock.now(), until = now.addingTimeInterval(seconds)
        let taken = try database.write { conn in
            try conn.run("""
                UPDATE invoices SET charge_lease_owner = ?, charge_lease_until = ?
                WHERE id = ? AND (charge_lease_until IS NULL OR charge_lease_until < ?)
                """, [.text(owner), .text(StoredTime.format(until)), .text(invoiceId), .text(StoredTime.format(now))])
        }
        guard taken == 1 else { throw BillingError.conflict("a gateway operation on this invoice is in progress; retry shortly") }
        defer {
            _ = try? database.write { conn in
                try conn.run("UPDATE invoices SET charge_lease_owner = NULL, charge_lease_until = NULL WHERE id = ? AND charge_lease_owner = ?",
                             [.text(invoiceId), .text(owner)])
            }
        }
        return try body()
    }
}
