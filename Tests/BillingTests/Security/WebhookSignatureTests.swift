import Testing
@testable import Billing

struct WebhookSignatureTests {
    // The example vector published with the Standard Webhooks reference libraries.
    let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    let id = "msg_p5jXN8AQM9LWM0D4loKWxJek"
    let timestamp = 1_614_265_330
    let body = Array(#"{"test": 2432232314}"#.utf8)
    let expected = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="

    @Test func sign_MatchesStandardWebhooksVector() {
        #expect(WebhookSignature.sign(secret: secret, id: id, timestamp: timestamp, body: body) == expected)
    }

    @Test func sign_AcceptsSecretWithoutPrefix() {
        #expect(WebhookSignature.sign(secret: "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", id: id, timestamp: timestamp, body: body) == expected)
    }

    @Test func verify_IsTrue_ForVectorWithinTolerance() {
        #expect(WebhookSignature.verify(secret: secret, id: id, timestamp: timestamp, body: body, header: expected, now: timestamp))
        #expect(WebhookSignature.verify(secret: secret, id: id, timestamp: timestamp, body: body, header: expected, now: timestamp + 300))
        #expect(WebhookSignature.verify(secret: secret, id: id, timestamp: timestamp, body: body, header: expected, now: timestamp - 300))
    }

    @Test func verify_IsFalse_WhenTimestampOutsideTolerance() {
        #expect(!WebhookSignature.verify(secret: secret, id: id, timestamp: timestamp, body: body, header: expected, now: timestamp + 301))
        #expect(!WebhookSignature.verify(secret: secret, id: id, timestamp: timestamp, body: body, header: expected, now: timestamp - 301))
        #expect(WebhookSignature.verify(secret: secret, id: id, timestamp: timestamp, body: body, header: expected,
                                        now: timestamp + 1000, tolerance: 1000))
    }

    @Test func verify_IsFalse_WhenBodyIdOrSecretDiffer() {
        #expect(!WebhookSignature.verify(secret: secret, id: id, timestamp: timestamp, body: body + [32], header: expected, now: timestamp))
        #expect(!WebhookSignature.verify(secret: secret, id: "msg_other", timestamp: timestamp, body: body, header: expected, now: timestamp))
        #expect(!WebhookSignature.verify(secret: WebhookSignature.makeSecret(), id: id, timestamp: timestamp, body: body,
                                         header: expected, now: timestamp))
        #expect(!WebhookSignature.verify(secret: secret, id: id, timestamp: timestamp + 1, body: body, header: expected, now: timestamp))
    }

    @Test func verify_AcceptsAnyOfSeveralSignatures_AndIgnoresOtherVersions() {
        let header = "v1a,abc v1,bm9wZQ== garbage " + expected
        #expect(WebhookSignature.verify(secret: secret, id: id, timestamp: timestamp, body: body, header: header, now: timestamp))
        #expect(!WebhookSignature.verify(secret: secret, id: id, timestamp: timestamp, body: body,
                                         header: "v1,bm9wZQ== v2," + expected.dropFirst(3), now: timestamp))
        #expect(!WebhookSignature.verify(secret: secret, id: id, timestamp: timestamp, body: body, header: "", now: timestamp))
    }

    @Test func makeSecret_IsPrefixedBase64Of32Bytes_AndRoundTrips() {
        let fresh = WebhookSignature.makeSecret()
        #expect(fresh.hasPrefix("whsec_"))
        #expect(Crypto.decodeBase64(fresh.dropFirst(6))?.count == 32)
        #expect(fresh != WebhookSignature.makeSecret())
        let header = WebhookSignature.sign(secret: fresh, id: "msg_1", timestamp: 100, body: [1, 2, 3])
        #expect(WebhookSignature.verify(secret: fresh, id: "msg_1", timestamp: 100, body: [1, 2, 3], header: header, now: 120))
    }
}
