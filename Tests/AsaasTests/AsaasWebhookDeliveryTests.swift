import Foundation
import Testing
import Support
@testable import Asaas

/// The fake's webhook sender, observed by a real receiver on loopback.
struct AsaasWebhookDeliveryTests {
    @Test func confirm_DeliversEvent_WithToken_RetryingUntil200() throws {
        let receiver = try WebhookReceiver(statuses: [200, 500, 503])  // PAYMENT_CREATED ok, then two failures
        defer { receiver.stop() }
        let h = try FakeHarness(fake: { $0.webhookURL = receiver.url; $0.webhookToken = Secrets.webhookToken })
        defer { h.stop() }
        let payment = try h.makePayment(customer: h.makeCustomer().id, reference: "inv-hook")
        #expect(try h.control(payment.id, "confirm", sandbox: true) == 200)
        #expect(waitUntil { receiver.events([AsaasWebhookEvent.Name.paymentConfirmed]).count == 3 && h.fake.webhooksIdle })

        let deliveries = receiver.deliveries.get()
        #expect(deliveries.allSatisfy { $0.token == Secrets.webhookToken })
        let confirmed = receiver.events([AsaasWebhookEvent.Name.paymentConfirmed])
        #expect(Set(confirmed.map(\.id)).count == 1)  // the same event, redelivered
        let event = try #require(confirmed.first)
        #expect(event.id.hasPrefix("evt_") && event.dateCreated?.count == 19)
        #expect(event.payment?.id == payment.id && event.payment?.status == .confirmed)
        #expect(event.payment?.externalReference == "inv-hook")
        #expect(receiver.events().first?.event == AsaasWebhookEvent.Name.paymentCreated)
        #expect(h.fake.webhooksDelivered == 2)
        let logs = (h.fakeLog.get() + h.clientLog.get()).joined(separator: "\n")
        #expect(logs.contains("webhook delivery failed"))
        #expect(!logs.contains(Secrets.webhookToken) && !logs.contains(Secrets.apiKey))
    }

    @Test func controlActions_FireTheirEvents() throws {
        let receiver = try WebhookReceiver()
        defer { receiver.stop() }
        let h = try FakeHarness(fake: { $0.webhookURL = receiver.url; $0.webhookToken = Secrets.webhookToken })
        defer { h.stop() }
        let customer = try h.makeCustomer()
        let a = try h.makePayment(customer: customer.id)
        let b = try h.makePayment(customer: customer.id, billingType: .creditCard)
        let c = try h.makePayment(customer: customer.id)
        #expect(try h.control(a.id, "overdue", sandbox: true) == 200)
        #expect(try h.control(a.id, "receive") == 200)
        #expect(try h.control(a.id, "refund") == 200)
        #expect(try h.control(b.id, "fail") == 200)
        #expect(try h.control(c.id, "delete") == 200)
        #expect(try h.control(c.id, "receive") == 404)  // deleted
        #expect(try h.control(a.id, "overdue") == 400)  // refunded charges cannot go overdue
        #expect(waitUntil { h.fake.webhooksIdle && receiver.events().count == 8 })
        let names = receiver.events().filter { $0.event != AsaasWebhookEvent.Name.paymentCreated }.map(\.event)
        #expect(names == ["PAYMENT_OVERDUE", "PAYMENT_RECEIVED", "PAYMENT_REFUNDED", "PAYMENT_CREDIT_CARD_CAPTURE_REFUSED",
                          "PAYMENT_DELETED"])
        #expect(try h.client.getPayment(id: a.id).status == .refunded)
    }

    @Test func duplicateFlag_DeliversEveryEventTwice_SomeOutOfOrder() throws {
        let receiver = try WebhookReceiver()
        defer { receiver.stop() }
        let h = try FakeHarness(fake: {
            $0.webhookURL = receiver.url
            $0.webhookToken = Secrets.webhookToken
            $0.duplicateWebhooks = true
        })
        defer { h.stop() }
        let payment = try h.makePayment(customer: h.makeCustomer().id)
        try h.control(payment.id, "confirm")
        try h.control(payment.id, "receive")
        #expect(waitUntil { h.fake.webhooksIdle && receiver.events().count == 6 })
        let events = receiver.events()
        var counts: [String: Int] = [:]
        for event in events { counts[event.id, default: 0] += 1 }
        #expect(counts.count == 3 && counts.values.allSatisfy { $0 == 2 })
        // Some event arrives again after a newer one was delivered.
        let firstSeen = events.enumerated().reduce(into: [String: Int]()) { $0[$1.element.id] = $0[$1.element.id] ?? $1.offset }
        let outOfOrder = events.enumerated().contains { index, event in
            events[..<index].contains { firstSeen[$0.id]! > firstSeen[event.id]! }
        }
        #expect(outOfOrder)
    }

    @Test func noWebhookURL_SendsNothing() throws {
        let h = try FakeHarness()
        defer { h.stop() }
        let payment = try h.makePayment(customer: h.makeCustomer().id)
        #expect(try h.control(payment.id, "receive") == 200)
        #expect(h.fake.webhooksIdle && h.fake.webhooksDelivered == 0)
    }
}
