import Asaas
import Billing
import Support

/// Feeds fuzzer bytes to `AsaasWebhookEvent.decode` and to the mapping `AsaasWebhookResponder` applies to
/// a decoded event (the `GatewayEventInput` it stores), without a database.
///
/// Any input must be refused with an `AsaasError` or decode into an event whose fields are the ones of the
/// body: non-empty `id` and `event`, a `payment`/`subscription` only when the body has one with an id and a
/// value, amounts that survive the trip to decimal text and back, and a stored payload equal to the body.
enum AsaasWebhookFuzzCheck {
    static func run(_ body: [UInt8]) {
        guard let event = try? AsaasWebhookEvent.decode(body) else { return }
        func fail(_ why: String) -> Never {
            fatalError("\(why): \(String(decoding: body.prefix(2000), as: UTF8.self))")
        }
        let raw = event.raw
        guard raw.objectValue != nil else { fail("decoded from a body that is not an object") }
        if event.id.isEmpty || event.id != raw["id"]?.stringValue { fail("id is not the body's non-empty id") }
        if event.event.isEmpty || event.event != raw["event"]?.stringValue { fail("event is not the body's non-empty event") }
        if event.dateCreated != raw["dateCreated"]?.stringValue { fail("dateCreated differs from the body") }

        if let payment = event.payment {
            if payment.id.isEmpty || payment.id != raw["payment"]?["id"]?.stringValue { fail("payment.id is not the body's") }
            if payment.valueCents != AsaasMoney.cents(raw["payment"]?["value"]) { fail("payment value differs from the body") }
            checkRoundTrip(payment.valueCents, fail)
            if let net = payment.netValueCents { checkRoundTrip(net, fail) }
        } else if let object = raw["payment"], object["id"]?.stringValue?.isEmpty == false, AsaasMoney.cents(object["value"]) != nil {
            fail("a payment with an id and a value was dropped")
        }
        if let subscription = event.subscription {
            if subscription.id != raw["subscription"]?["id"]?.stringValue { fail("subscription.id is not the body's") }
            checkRoundTrip(subscription.valueCents, fail)
        }

        // What AsaasWebhookResponder stores for the event.
        let payment = raw["payment"]
        let input = GatewayEventInput(eventId: String(event.id.prefix(200)), eventType: String(event.event.prefix(100)),
                                      paymentId: payment?["id"]?.stringValue, externalReference: payment?["externalReference"]?.stringValue,
                                      paymentStatus: payment?["status"]?.stringValue, payload: String(decoding: body, as: UTF8.self))
        if input.eventId.isEmpty || input.eventType.isEmpty { fail("an empty event id or type would be stored") }
        if !Array(input.payload.utf8).elementsEqual(body) { fail("the stored payload differs from the body") }

        // The event as JSON again decodes to the same event.
        guard let again = try? AsaasWebhookEvent.decode(raw.serialized()) else { fail("the re-serialized event does not decode") }
        if again.id != event.id || again.event != event.event || again.payment?.id != event.payment?.id
            || again.payment?.valueCents != event.payment?.valueCents {
            fail("the re-serialized event decodes differently")
        }
    }

    /// Cents written as decimal text parse back to the same cents (within the 15 integer digits the parser takes).
    static func checkRoundTrip(_ cents: Int64, _ fail: (String) -> Never) {
        guard cents.magnitude < 100_000_000_000_000_00 else { return }
        let text = AsaasMoney.decimalText(cents: cents)
        if AsaasMoney.cents(text: text) != cents { fail("\(cents) cents → \(text) does not parse back") }
    }
}
