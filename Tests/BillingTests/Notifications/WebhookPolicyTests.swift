@testable import Billing
import Synchronization
import Testing

/// Counts calls from a `@Sendable` closure.
final class LockedCounter: Sendable {
    private let count = Mutex(0)
    func add() { count.withLock { $0 += 1 } }
    var value: Int { count.withLock { $0 } }
}

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

    /// Issue 18: IPv6 forms that carry an internal IPv4 address (the kernel or a gateway turns them into
    /// that address), plus `localhost.` with its trailing dot.
    @Test(arguments: ["http://[::ffff:7f00:1]/", "http://[::ffff:a9fe:a9fe]/latest", "http://[0:0:0:0:0:ffff:10.1.2.3]/",
                      "http://[::ffff:0:127.0.0.1]/", "http://[::ffff:0:a00:1]/",            // IPv4-translated (RFC 2765)
                      "http://[::127.0.0.1]/", "http://[::10.0.0.1]/", "http://[::8.8.8.8]/",  // IPv4-compatible (deprecated)
                      "http://[64:ff9b::127.0.0.1]/", "http://[64:ff9b::a9fe:a9fe]/", "http://[64:ff9b::c0a8:101]/",
                      "http://[64:ff9b:1::5db8:d70e]/",                                        // local-use NAT64 (RFC 8215)
                      "http://[2002:7f00:1::]/", "http://[2002:a9fe:a9fe::1]/", "http://[2002:c0a8:101:1::1]/",  // 6to4
                      "http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/",                      // Teredo, client 192.0.2.45
                      "http://[2001:0:a00:1::1]/",                                             // Teredo, server 10.0.0.1
                      "http://[fec0::1]/", "http://[100::1]/", "http://localhost./", "http://LOCALHOST.:8080/"])
    func ipv6EmbeddingAnInternalIPv4_IsRefused_WhenPrivateNotAllowed(url: String) throws {
        #expect(throws: BillingError.self) { try WebhookURLPolicy.validate(url, allowPrivate: false) }
        #expect(try WebhookURLPolicy.validate(url, allowPrivate: true) == url)
    }

    @Test(arguments: ["http://example.com:0/", "http://example.com:65536/", "https://example.com:99999999999999999999/",
                      "http://[::1]:70000/", "http://127.0.0.1:00/"])
    func portsOutside1To65535_AreRefused_EvenWhenPrivateAllowed(url: String) {
        #expect(throws: BillingError.validation(field: "url", reason: "must have a port between 1 and 65535")) {
            try WebhookURLPolicy.validate(url, allowPrivate: true)
        }
    }

    @Test func publicIPv4InsideIPv6_AndPortBounds_AreAccepted() throws {
        for url in ["http://[64:ff9b::5db8:d70e]/h", "http://[2002:5db8:d70e::1]/h", "http://93.184.215.14:1/", "https://93.184.215.14:65535/",
                    "http://93.184.215.14:/"] {
            #expect(try WebhookURLPolicy.validate(url, allowPrivate: false) == url)
        }
    }

    /// The check resolves once and hands the transport what it saw, to pin the connection to.
    @Test func target_ResolvesOnce_AndCarriesTheCheckedAddresses() throws {
        let calls = LockedCounter()
        let resolver: WebhookURLPolicy.Resolver = { host in
            calls.add()
            return host == "hooks.example.test" ? [[93, 184, 215, 14], [0x26, 0x06, 0x47, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x11, 0x11], [93, 184, 215, 14]] : []
        }
        let target = try WebhookURLPolicy.target("https://Hooks.Example.Test./in?x=1", allowPrivate: false, resolver: resolver)
        #expect(target == WebhookURLPolicy.Target(url: "https://Hooks.Example.Test./in?x=1", host: "hooks.example.test", port: 443,
                                                  addresses: ["93.184.215.14", "2606:4700::1111"]))
        #expect(calls.value == 1)
        let literal = try WebhookURLPolicy.target("http://[2606:4700::1111]:8443/h", allowPrivate: false, resolver: resolver)
        #expect(literal.addresses == ["2606:4700::1111"] && literal.port == 8443)
        #expect(calls.value == 1)  // a numeric host is not resolved

        // One internal answer among public ones refuses the URL.
        let mixed: WebhookURLPolicy.Resolver = { _ in [[93, 184, 215, 14], [127, 0, 0, 1]] }
        #expect(throws: BillingError.self) { try WebhookURLPolicy.target("http://mixed.example.test/", allowPrivate: false, resolver: mixed) }
        #expect(throws: BillingError.self) { try WebhookURLPolicy.target("http://nowhere.example.test/", allowPrivate: false, resolver: resolver) }
        // WEBHOOK_ALLOW_PRIVATE: nothing refused, what resolved is still pinned, an unknown name pins nothing.
        #expect(try WebhookURLPolicy.target("http://mixed.example.test/", allowPrivate: true, resolver: mixed).addresses == ["93.184.215.14", "127.0.0.1"])
        #expect(try WebhookURLPolicy.target("http://nowhere.example.test/", allowPrivate: true, resolver: resolver).addresses == [])
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
