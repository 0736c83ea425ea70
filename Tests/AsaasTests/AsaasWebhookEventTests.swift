import Testing
import Support
@testable import Asaas

struct AsaasWebhookEventTests {
    @Test func decode_ReadsEnvelopeAndPayment_IgnoringUnknownFields() throws {
        let body = #"""
        {"id":"evt_d26e303b238e509335ac9ba210e51b0f&7686444","event":"PAYMENT_RECEIVED","dateCreated":"2024-11-06 18:59:27",
         "somethingNew":{"x":1},
         "payment":{"object":"payment","id":"pay_n6ic32hq5hr1xcr1","customer":"cus_000006326297","value":42.23,
                    "netValue":41.24,"billingType":"BOLETO","status":"RECEIVED","dueDate":"2024-11-09",
                    "externalReference":"inv-1","deleted":false,"custody":null}}
        """#
        let event = try AsaasWebhookEvent.decode(Array(body.utf8))
        #expect(event.id == "evt_d26e303b238e509335ac9ba210e51b0f&7686444")
        #expect(event.event == AsaasWebhookEvent.Name.paymentReceived)
        #expect(event.dateCreated == "2024-11-06 18:59:27")
        #expect(event.payment?.id == "pay_n6ic32hq5hr1xcr1")
        #expect(event.payment?.valueCents == 4_223)
        #expect(event.payment?.netValueCents == 4_124)
        #expect(event.payment?.status == .received)
        #expect(event.payment?.externalReference == "inv-1")
        #expect(event.raw["somethingNew"]?["x"] == .int(1))
    }

    @Test func decode_Throws_WhenIdOrEventMissingOrBodyMalformed() {
        for body in [#"{"event":"PAYMENT_RECEIVED"}"#, #"{"id":"evt_1"}"#, #"{"id":"","event":"X"}"#, #"{"id":1,"event":"X"}"#,
                     "[1]", "not json", ""] {
            #expect(throws: AsaasError.self, "\(body)") { try AsaasWebhookEvent.decode(Array(body.utf8)) }
        }
    }

    @Test func decode_KeepsEvent_WhenPaymentIsUnreadable() throws {
        let event = try AsaasWebhookEvent.decode(Array(#"{"id":"evt_2","event":"PAYMENT_UPDATED","payment":{"id":"pay_1"}}"#.utf8))
        #expect(event.event == "PAYMENT_UPDATED")
        #expect(event.payment == nil)
        #expect(event.dateCreated == nil)
    }

    @Test func decode_ReadsSubscriptionEvents() throws {
        let body = #"{"id":"evt_3","event":"SUBSCRIPTION_CREATED","dateCreated":"16/10/2024","subscription":{"id":"sub_1","value":100,"cycle":"MONTHLY","nextDueDate":"22/11/2024"}}"#
        let event = try AsaasWebhookEvent.decode(Array(body.utf8))
        #expect(event.subscription?.id == "sub_1")
        #expect(event.subscription?.valueCents == 10_000)
        #expect(event.subscription?.cycle == .monthly)
    }
}
