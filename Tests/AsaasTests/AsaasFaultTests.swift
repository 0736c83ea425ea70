import Foundation
import Testing
import Support
@testable import Asaas

/// Retries, timeouts and the no-blind-retry rule for creates.
struct AsaasFaultTests {
    @Test func get_IsRetried_On503_UntilItSucceeds() throws {
        let h = try FakeHarness()
        defer { h.stop() }
        h.fake.failNext(2)
        #expect(try h.client.balance() == 0)
        #expect(h.requestCount("GET", "/finance/balance") == 3)
    }

    @Test func get_HonoursRetryAfter_On429() throws {
        let h = try FakeHarness(client: { $0.maxRetryDelay = 5 })
        defer { h.stop() }
        h.fake.failNext(1, status: 429, headers: [("Retry-After", "0.3")])
        let start = Date()
        #expect(try h.client.balance() == 0)
        #expect(Date().timeIntervalSince(start) >= 0.28)
        h.fake.failNext(1, status: 429, headers: [("RateLimit-Reset", "0")])
        #expect(try h.client.balance() == 0)
        #expect(h.requestCount("GET", "/finance/balance") == 4)
    }

    @Test func get_GivesUp_AfterMaxRetries_WithFailRate() throws {
        let h = try FakeHarness(fake: { $0.failRate = 1 }, client: { $0.maxRetries = 2 })
        defer { h.stop() }
        if case .gateway(503, "service_unavailable", _)? = asaasError({ try h.client.balance() }) {} else {
            Issue.record("expected the final 503")
        }
        #expect(h.requestCount("GET", "/finance/balance") == 3)
        // DELETE is safe to retry as well.
        _ = asaasError { try h.client.deletePayment(id: "pay_x") }
        #expect(h.requestCount("DELETE", "/payments/") == 3)
    }

    @Test func post_IsNeverRetried_On503() throws {
        let h = try FakeHarness()
        defer { h.stop() }
        let customer = try h.makeCustomer()
        h.fake.setFailRate(1)
        if case .gateway(503, _, _)? = asaasError({ try h.makePayment(customer: customer.id, reference: "inv-503") }) {} else {
            Issue.record("expected a 503")
        }
        #expect(asaasError { try h.client.updateCustomer(id: customer.id, AsaasCustomerInput(name: "Y")) } != nil)
        #expect(h.requestCount("POST", "/payments") == 1)
        #expect(h.requestCount("PUT", "/customers/") == 1)
    }

    @Test func get_TimesOut_WhenFakeIsSlowerThanClient() throws {
        let h = try FakeHarness(fake: { $0.latencyMs = 1_500 }, client: { $0.timeout = 0.25 })
        defer { h.stop() }
        let start = Date()
        #expect(asaasError { try h.client.balance() } == .timeout)
        #expect(Date().timeIntervalSince(start) < 1.2)  // gave up long before the answer
        #expect(h.requestCount("GET", "/finance/balance") == 1)  // a timeout is not retried
    }

    @Test func create_ThatTimesOut_IsFoundByExternalReference_NotDuplicated() throws {
        let h = try FakeHarness(client: { $0.timeout = 0.3 })
        defer { h.stop() }
        let customer = try h.makeCustomer()
        h.fake.setLatency(ms: 800, methods: ["POST"])  // the charge is made, the answer is late
        let payment = try h.makePayment(customer: customer.id, cents: 777, reference: "inv-slow")
        #expect(payment.externalReference == "inv-slow" && payment.valueCents == 777)
        #expect(h.fake.paymentCount(externalReference: "inv-slow") == 1)
        #expect(h.requestCount("POST", "/payments") == 1)
        #expect(h.fake.requests.contains { $0.method == "GET" && $0.path == "/payments" && $0.query["externalReference"] == "inv-slow" })

        // Customers work the same way.
        let slowCustomer = try h.makeCustomer(reference: "tenant-slow")
        #expect(slowCustomer.externalReference == "tenant-slow")
        #expect(try h.client.findCustomers(externalReference: "tenant-slow").count == 1)

        // Without a reference there is nothing to look up: the timeout surfaces.
        #expect(asaasError { try h.makePayment(customer: customer.id, reference: nil) } == .timeout)
    }

    @Test func unreachable_WhenNothingListens() throws {
        var configuration = AsaasConfiguration(baseURL: "http://127.0.0.1:1/v3", apiKey: Secrets.apiKey, userAgent: "t")
        configuration.retryBaseDelay = 0.001
        configuration.maxRetries = 1
        let client = AsaasClient(configuration: configuration, http: .init(userAgent: "t"))
        if case .unreachable? = asaasError({ try client.balance() }) {} else { Issue.record("expected .unreachable") }
    }
}
