/// Kinds of notification (SPEC §8).
public enum NotificationType: String, Sendable, CaseIterable {
    case quotaWarning = "quota_warning"
    case quotaExceeded = "quota_exceeded"
    case paymentFailed = "payment_failed"
    case paymentSuccess = "payment_success"
    case subscriptionExpiring = "subscription_expiring"
    case subscriptionExpired = "subscription_expired"
    case trialEnding = "trial_ending"
    case invoiceDue = "invoice_due"
    case invoiceCreated = "invoice_created"
}

/// How urgent a notification is.
public enum NotificationPriority: String, Sendable, CaseIterable {
    case low, normal, high, urgent
}
