import Foundation
import Storage
import Support

/// What a re-seal pass found and did. Counts only, never values.
public struct ResealReport: Sendable, Equatable {
    /// Values re-sealed under the current key by this pass (plaintext webhook secrets sealed included).
    public var resealed = 0
    /// Values already under the current key.
    public var current = 0
    /// Values no key of the ring opens (sealed under a key that is not configured, or altered).
    public var unopenable = 0

    public init() {}
}

/// Re-seals every secret at rest under the ring's current key — the online part of `rotate-data-key`.
///
/// Works in small write transactions (`batch` rows each) so the server keeps serving; each row is replaced
/// only if it still holds the value that was read (a concurrent change is left alone and picked up by the
/// next pass). Idempotent and resumable: a value already under the current key is skipped, so a pass
/// interrupted by a crash is finished by running it again.
public struct DataKeyRotation: Sendable {
    let database: Database
    let keys: DataKeys

    public init(database: Database, keys: DataKeys) {
        self.database = database
        self.keys = keys
    }

    /// One pass over webhook endpoint secrets and payment method tokens.
    public func resealAll(batch: Int = 200) throws -> ResealReport {
        var report = ResealReport()
        let webhookBox = WebhookSecretBox(keys: keys)
        let tokenBox = SecretBox(keys: keys)
        guard tokenBox.canSeal else { return report }
        try pass(table: "webhook_endpoints", column: "secret", batch: batch, report: &report) { id, stored in
            if WebhookSecretBox.isSealed(stored), webhookBox.box.isUnderCurrentKey(String(stored.dropFirst(WebhookSecretBox.sealedPrefix.count))) {
                return nil
            }
            let secret = try webhookBox.signingSecret(stored: stored, endpointId: id)
            return try webhookBox.stored(secret, endpointId: id)
        }
        try pass(table: "payment_methods", column: "token_sealed", batch: batch, report: &report) { id, stored in
            if tokenBox.isUnderCurrentKey(stored) { return nil }
            return try tokenBox.seal(try tokenBox.open(stored, associatedData: Array(id.utf8)), associatedData: Array(id.utf8))
        }
        return report
    }

    /// Rows of `table` whose `column` `reseal` replaces (nil: already current), `batch` per transaction, by id.
    private func pass(table: String, column: String, batch: Int, report: inout ResealReport,
                      _ reseal: @escaping @Sendable (String, String) throws -> String?) throws {
        var after = ""
        while true {
            let start = after
            // Table and column names come from the two calls above, never from input.
            let outcome = try database.write { conn -> (last: String?, resealed: Int, current: Int, unopenable: Int) in
                let rows = try conn.query("SELECT id, \(column) AS value FROM \(table) WHERE id > ? AND \(column) IS NOT NULL ORDER BY id LIMIT ?",
                                          [.text(start), .integer(Int64(batch))])
                var counts = (last: String?.none, resealed: 0, current: 0, unopenable: 0)
                for row in rows {
                    let id = try row.decode(String.self, "id")
                    let stored = try row.decode(String.self, "value")
                    counts.last = id
                    let replacement: String?
                    do { replacement = try reseal(id, stored) } catch {
                        counts.unopenable += 1
                        continue
                    }
                    guard let replacement else {
                        counts.current += 1
                        continue
                    }
                    try conn.run("UPDATE \(table) SET \(column) = ? WHERE id = ? AND \(column) = ?", [.text(replacement), .text(id), .text(stored)])
                    counts.resealed += 1
                }
                return counts
            }
            report.resealed += outcome.resealed
            report.current += outcome.current
            report.unopenable += outcome.unopenable
            guard let last = outcome.last else { return }
            after = last
        }
    }
}
