/// The event types an endpoint can subscribe to (SPEC §8): every notification type, plus the billing
/// events `usage.threshold`, `invoice.*` and `subscription.*`, plus patterns (`invoice.*`, `*`).
///
/// Each notification is one occurrence and maps to one billing event; an endpoint subscribed to either
/// name (or a pattern covering it) gets exactly one delivery for it, typed with the billing event name
/// when that is subscribed and with the notification type otherwise.
public enum WebhookEventType {
    /// The billing event of each notification type.
    public static func event(for type: NotificationType) -> String {
        switch type {
        case .quotaWarning, .quotaExceeded: "usage.threshold"
        case .paymentFailed: "invoice.payment_failed"
        case .paymentSuccess: "invoice.paid"
        case .invoiceDue: "invoice.overdue"
        case .invoiceCreated: "invoice.created"
        case .subscriptionExpiring: "subscription.expiring"
        case .subscriptionExpired: "subscription.expired"
        case .trialEnding: "subscription.trial_ending"
        }
    }

    /// The type of the event `test_webhook_endpoint` sends (needs no subscription).
    public static let test = "webhook.test"

    /// Every billing event name.
    public static let billingEvents: [String] = {
        var seen: [String] = []
        for t in NotificationType.allCases where !seen.contains(event(for: t)) { seen.append(event(for: t)) }
        return seen
    }()

    /// The patterns an endpoint may subscribe to.
    public static let patterns: [String] = ["*", "usage.*", "invoice.*", "subscription.*"]

    /// Every accepted subscription value, for validation messages and docs.
    public static let accepted: [String] = patterns + billingEvents + NotificationType.allCases.map(\.rawValue)

    /// True when `value` may be subscribed.
    public static func isValid(_ value: String) -> Bool { accepted.contains(value) }

    /// True when the subscription `pattern` covers the event `name`.
    public static func matches(_ pattern: String, _ name: String) -> Bool {
        if pattern == "*" || pattern == name { return true }
        if pattern.hasSuffix(".*") { return name.hasPrefix(String(pattern.dropLast())) }
        return false
    }

    /// The name to deliver for a notification of `type` to an endpoint subscribed to `patterns`, or nil.
    static func delivered(_ type: NotificationType, to patterns: [String]) -> String? {
        for name in [event(for: type), type.rawValue] where patterns.contains(where: { matches($0, name) }) { return name }
        return nil
    }
}
