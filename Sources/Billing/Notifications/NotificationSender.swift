import Foundation
import Storage
import Support

/// Sends one plain-text e-mail; implemented on libcurl's SMTP by the admin layer.
public protocol EmailTransport: Sendable {
    func send(to: [String], cc: [String], subject: String, body: String) throws
}

/// What one `send_notifications` pass did.
public struct NotificationSendReport: Sendable, Equatable {
    public var claimed = 0
    public var sent = 0
    /// Failed attempts that will be retried later.
    public var retrying = 0
    /// Notifications that used their last attempt and are now `failed`.
    public var failed = 0

    public init() {}
}

/// E-mails pending notifications to the tenant's `billing_email` (the `send_notifications` job).
///
/// Rows are claimed inside a write transaction before any e-mail leaves: the claim counts the attempt
/// and moves `next_attempt_at` past the SMTP session, so a second sender (another thread, the CLI, a
/// second process) skips them. A tenant without `billing_email` is never claimed: its notifications
/// stay `pending`, in-app only, and `sent` always means "e-mailed".
public struct NotificationSender: Sendable {
    let database: Database
    let clock: any WallClock
    let settings: BillingSettings
    let transport: (any EmailTransport)?

    public init(database: Database, clock: any WallClock, settings: BillingSettings, transport: (any EmailTransport)?) {
        self.database = database
        self.clock = clock
        self.settings = settings
        self.transport = transport
    }

    /// Nil when e-mail is switched off (`BILLING_NOTIFICATIONS_ENABLED=false`) or SMTP is not configured.
    public var disabledReason: String? {
        if !settings.notificationsEnabled { return "BILLING_NOTIFICATIONS_ENABLED is false: no e-mail is sent" }
        if transport == nil { return "SMTP_URL and SMTP_FROM are not both set: notifications stay in-app" }
        return nil
    }

    struct Claimed: Sendable {
        let id: String
        let tenantId: String
        let tenantName: String
        let email: String
        let type: String
        let priority: String
        let subject: String
        let message: String
        let attempts: Int
        let createdAt: String
    }

    /// Sends every due pending notification, `batch` rows per claim, until none is due.
    public func run(now: Date? = nil, batch: Int = 50) throws -> NotificationSendReport {
        var report = NotificationSendReport()
        guard disabledReason == nil, let transport else { return report }
        while true {
            let at = now ?? clock.now()
            let claimed = try claim(now: at, limit: batch)
            if claimed.isEmpty { break }
            report.claimed += claimed.count
            for n in claimed { try deliver(n, transport: transport, report: &report) }
            if claimed.count < batch { break }
        }
        return report
    }

    /// Claims up to `limit` due notifications atomically (one write transaction).
    func claim(now: Date, limit: Int) throws -> [Claimed] {
        let nowText = StoredTime.format(now)
        let leaseText = StoredTime.format(now.addingTimeInterval(settings.notifications.emailClaimSeconds))
        return try database.write { conn in
            let rows = try conn.query("""
                SELECT n.id, n.tenant_id, n.type, n.priority, n.subject, n.message, n.attempts, n.created_at,
                       t.billing_email, t.name AS tenant_name
                FROM notifications n JOIN tenants t ON t.id = n.tenant_id
                WHERE n.status = 'pending' AND (n.next_attempt_at IS NULL OR n.next_attempt_at <= ?)
                  AND t.billing_email IS NOT NULL AND t.billing_email <> ''
                ORDER BY n.created_at, n.id LIMIT ?\(conn.dialect == .postgres ? " FOR UPDATE OF n SKIP LOCKED" : "")
                """, [.text(nowText), .integer(Int64(limit))])
            var claimed: [Claimed] = []
            for r in rows {
                // Decoded before the claim: a corrupt row throws `RowDecodingError` rather than e-mailing made-up text.
                let notification = Claimed(id: try r.decode(String.self, "id"), tenantId: try r.decode(String.self, "tenant_id"),
                                           tenantName: try r.decode(String.self, "tenant_name"), email: try r.decode(String.self, "billing_email"),
                                           type: try r.decode(String.self, "type"), priority: try r.decode(String.self, "priority"),
                                           subject: try r.decode(String.self, "subject"), message: try r.decode(String.self, "message"),
                                           attempts: try r.decode(Int.self, "attempts") + 1, createdAt: StoredTime.format(try r.decodeTime("created_at")))
                let changed = try conn.run("""
                    UPDATE notifications SET attempts = attempts + 1, next_attempt_at = ?
                    WHERE id = ? AND status = 'pending' AND (next_attempt_at IS NULL OR next_attempt_at <= ?)
                    """, [.text(leaseText), .text(notification.id), .text(nowText)])
                guard changed == 1 else { continue }
                claimed.append(notification)
            }
            return claimed
        }
    }

    private func deliver(_ n: Claimed, transport: any EmailTransport, report: inout NotificationSendReport) throws {
        var cc: [String] = []
        if n.priority == NotificationPriority.urgent.rawValue, let admin = settings.notifications.adminEmail,
           admin.lowercased() != n.email.lowercased() {
            cc.append(admin)
        }
        let outcome: String?
        do {
            try transport.send(to: [n.email], cc: cc, subject: n.subject, body: Self.body(n))
            outcome = nil
        } catch {
            outcome = String(String(describing: error).prefix(500))
        }
        let done = clock.now()
        let max = settings.notifications.maxAttempts
        let retryAt = done.addingTimeInterval(NotificationSettings.backoff(
            attempt: n.attempts, base: settings.notifications.emailRetryBaseSeconds, cap: settings.notifications.emailMaxRetryDelaySeconds))
        try database.write { conn in
            if let error = outcome {
                if n.attempts >= max {
                    try conn.run("UPDATE notifications SET status = 'failed', last_error = ?, next_attempt_at = NULL WHERE id = ? AND status = 'pending'",
                                 [.text(error), .text(n.id)])
                } else {
                    try conn.run("UPDATE notifications SET last_error = ?, next_attempt_at = ? WHERE id = ? AND status = 'pending'",
                                 [.text(error), .text(StoredTime.format(retryAt)), .text(n.id)])
                }
            } else {
                // A notification read while its e-mail was on the way stays `read`; sent_at records the e-mail.
                try conn.run("""
                    UPDATE notifications SET status = CASE WHEN status = 'pending' THEN 'sent' ELSE status END,
                           sent_at = ?, last_error = NULL, next_attempt_at = NULL WHERE id = ?
                    """, [.text(StoredTime.format(done)), .text(n.id)])
            }
        }
        if outcome == nil { report.sent += 1 } else if n.attempts >= max { report.failed += 1 } else { report.retrying += 1 }
    }

    /// The text body: the message, then the facts a reader needs to find it in the dashboard.
    static func body(_ n: Claimed) -> String {
        """
        \(n.message)

        Tenant: \(n.tenantName)
        Type: \(n.type)
        Priority: \(n.priority)
        Created: \(StoredTime.parse(n.createdAt).map(RFC3339.format) ?? n.createdAt)
        Notification: \(n.id)

        This message was sent by billing-server to the billing e-mail of the tenant.
        """
    }
}
