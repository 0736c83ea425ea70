@testable import Billing
import Testing

/// URL policy, event-type matching and the backoff schedule, without a server.
struct WebhookPolicyTests {
    @Test(arguments: ["http://127.0.0.1/", "http://127.8.9.10:8080/x", "http://localhost:3000/", "http://api.localhost/",
                      "http://10.0.0.1/", "http://172.16.5.4/", "http://172.31.255.255/", "http://192.168.1.1/",
                      "http://169.254.169.254/latest", "http://100.64.0.1/", "http://0.0.0.0/", "http://224.0.0.1/",
                      "http://[::1]/", "http://[fe80::1]/", "http://[fd00::1]/", "http://[::ffff:127.0.0.1]/",
                      "http://2130706433/", "http://0x7f000001/"])
    func internalTargets_AreRefused_WhenPrivateNotAllowed(url: String) throws {
        #expect(throws: BillingError.self) { try WebhookURLPolicy.validate(url, allowPrivate: false) }
        #expect(try WebhookURLPolicy.validate(url, allowPrivate: true) == url)
    }

    @Test(arguments: ["ftp://example.com/", "file:///etc/passwd", "gopher://x/", "http://", "https://user:pw@example.com/",
                      "http://exa mple.com/", "//example.com/x", "example.com", "https://example.com/#frag"])
    func malformedOrNonHTTP_IsRefused_EvenWhenPrivateAllowed(url: String) {
        #expect(throws: BillingError.self) { try WebhookURLPolicy.validate(url, allowPrivate: true) }
    }

    @Test func publicAddresses_AreAccepted() throws {
        #expect(try WebhookURLPolicy.validate("https://93.184.215.14/hooks", allowPrivate: false) == "https://93.184.215.14/hooks")
        #expect(try WebhookURLPolicy.validate("http://[2606:4700::1111]:8443/h", allowPrivate: false) == "http://[2606:4700::1111]:8443/h")
        #expect(!WebhookURLPolicy.isInternal([8, 8, 8, 8]))
        #expect(!WebhookURLPolicy.isInternal([172, 32, 0, 1]))
        #expect(WebhookURLPolicy.isInternal([172, 16, 0, 1]))
    }

    @Test func eventTypes_MapEachNotificationToOneBillingEvent_AndPatternsMatch() {
        #expect(WebhookEventType.event(for: .quotaExceeded) == "usage.threshold")
        #expect(WebhookEventType.event(for: .paymentSuccess) == "invoice.paid")
        #expect(WebhookEventType.event(for: .invoiceDue) == "invoice.overdue")
        #expect(WebhookEventType.delivered(.invoiceCreated, to: ["invoice_created", "invoice.*"]) == "invoice.created")
        #expect(WebhookEventType.delivered(.invoiceCreated, to: ["invoice_created"]) == "invoice_created")
        #expect(WebhookEventType.delivered(.trialEnding, to: ["*"]) == "subscription.trial_ending")
        #expect(WebhookEventType.delivered(.trialEnding, to: ["invoice.*", "usage.threshold"]) == nil)
        #expect(!WebhookEventType.matches("invoice.*", "invoices.created"))
        #expect(WebhookEventType.isValid("subscription.*") && !WebhookEventType.isValid("invoice.refunded"))
        for t in NotificationType.allCases { #expect(WebhookEventType.isValid(t.rawValue)) }
    }

    @Test func backoff_DoublesFromTheBase_UpToTheCap() {
        let delays = (1...6).map { NotificationSettings.backoff(attempt: $0, base: 30, cap: 300) }
        #expect(delays == [30, 60, 120, 240, 300, 300])
        #expect(NotificationSettings.backoff(attempt: 200, base: 60, cap: 3600) == 3600)
    }
}
