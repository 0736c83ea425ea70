import Foundation
import Storage
import Support

/// What the startup pass over stored webhook endpoint secrets found and did. Counts only, never values.
public struct WebhookSecretCensus: Sendable, Equatable {
    /// Whether a data key is configured, so secrets are stored sealed.
    public var sealing = false
    /// Every endpoint.
    public var endpoints = 0
    /// Plaintext secrets sealed by this pass.
    public var sealedNow = 0
    /// Secrets left in plaintext because no `PAYMENT_DATA_KEY` is configured.
    public var plaintext = 0
    /// Sealed secrets that cannot be opened: another key sealed them, or no key is configured.
    public var unopenable = 0

    public init() {}
}

extension WebhookService {
    /// Seals every plaintext endpoint secret when a data key is configured, in one writer transaction,
    /// and counts the secrets that stay in plaintext or cannot be unsealed. Idempotent: sealed rows are
    /// only checked.
    public func sealStoredSecrets() throws -> WebhookSecretCensus {
        let secrets = dispatcher.secrets
        let census = try database.write { conn -> WebhookSecretCensus in
            var census = WebhookSecretCensus()
            census.sealing = secrets.seals
            var secureDelete: Int64?
            defer { if let secureDelete { try? conn.execute("PRAGMA secure_delete = \(secureDelete)") } }
            for row in try conn.query("SELECT id, secret FROM webhook_endpoints ORDER BY id") {
                census.endpoints += 1
                let id = try row.decode(String.self, "id")
                let stored = try row.decode(String.self, "secret")
                if WebhookSecretBox.isSealed(stored) {
                    do { _ = try secrets.signingSecret(stored: stored, endpointId: id) } catch { census.unopenable += 1 }
                } else if secrets.seals {
                    if secureDelete == nil {
                        // Zero the old cell instead of leaving the plaintext in the page's free space.
                        secureDelete = try conn.scalar("PRAGMA secure_delete").int64Value ?? 0
                        try conn.execute("PRAGMA secure_delete = 1")
                    }
                    try conn.run("UPDATE webhook_endpoints SET secret = ? WHERE id = ?",
                                 [.text(try secrets.stored(stored, endpointId: id)), .text(id)])
                    census.sealedNow += 1
                } else {
                    census.plaintext += 1
                }
            }
            return census
        }
        if census.sealedNow > 0 {
            // The pages holding the plaintext may still sit in the WAL; copy them out and truncate it.
            // Best effort: a reader holding an old snapshot makes it a no-op, and the next checkpoint catches up.
            _ = try? database.writeWithoutTransaction { conn in try conn.execute("PRAGMA wal_checkpoint(TRUNCATE)") }
        }
        return census
    }
}
