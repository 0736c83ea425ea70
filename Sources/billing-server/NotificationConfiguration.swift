import Billing
import Foundation

/// `SMTP_URL`, `SMTP_FROM`, `BILLING_ADMIN_EMAIL`, `NOTIFICATION_MAX_ATTEMPTS`, `WEBHOOK_ALLOW_PRIVATE` (see .env.example).
enum NotificationConfiguration {
    static func read(_ env: Environment, allowPrivate: Bool) throws -> NotificationSettings {
        var n = NotificationSettings()
        n.webhookAllowPrivate = allowPrivate
        n.maxAttempts = try env.int("NOTIFICATION_MAX_ATTEMPTS", default: 5, in: 1...50)
        if let url = env.string("SMTP_URL") {
            let lower = url.lowercased()
            guard lower.hasPrefix("smtp://") || lower.hasPrefix("smtps://"), url.count > 8 else {
                throw ConfigurationError(key: "SMTP_URL", reason: "must be smtp://[user:password@]host[:port] or smtps://...")
            }
            guard let from = env.string("SMTP_FROM") else {
                throw ConfigurationError(key: "SMTP_FROM", reason: "must be set when SMTP_URL is set (e.g. Billing <billing@example.com>)")
            }
            n.smtpURL = url
            n.smtpFrom = try address(from, key: "SMTP_FROM")
        } else if let from = env.string("SMTP_FROM") {
            n.smtpFrom = try address(from, key: "SMTP_FROM")
        }
        if let admin = env.string("BILLING_ADMIN_EMAIL") { n.adminEmail = try address(admin, key: "BILLING_ADMIN_EMAIL") }
        return n
    }

    /// `a@b.c` or `Name <a@b.c>`: one `@`, no spaces or control characters in the address.
    static func address(_ text: String, key: String) throws -> String {
        var bare = Substring(text.trimmingCharacters(in: .whitespaces))
        if let open = bare.lastIndex(of: "<"), bare.hasSuffix(">") { bare = bare[bare.index(after: open)..<bare.index(before: bare.endIndex)] }
        let parts = bare.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."),
              !bare.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7F }) else {
            throw ConfigurationError(key: key, reason: "must be an e-mail address such as billing@example.com")
        }
        return text.trimmingCharacters(in: .whitespaces)
    }
}
