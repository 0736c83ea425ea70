import Testing
@testable import Billing
import Support

/// HKDF-SHA256 against RFC 5869, purpose subkeys of one configured key, and the webhook secret format.
struct SubkeyDerivationTests {
    @Test func hkdf_MatchesRFC5869_TestCase1() {
        let okm = Crypto.hkdfSHA256(inputKey: [UInt8](repeating: 0x0b, count: 22), salt: Array(0x00...0x0c),
                                    info: Array(0xf0...0xf9), length: 42)
        #expect(Hex.encode(okm) == "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865")
    }

    @Test func hkdf_MatchesRFC5869_TestCase3_WithEmptySaltAndInfo() {
        let okm = Crypto.hkdfSHA256(inputKey: [UInt8](repeating: 0x0b, count: 22), info: [], length: 42)
        #expect(Hex.encode(okm) == "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8")
    }

    @Test func purposeSubkeys_AreSeparate_FromEachOtherAndFromTheKey() throws {
        let key = SecretBox.makeKey()
        let plain = try SecretBox(base64Key: key)
        let webhooks = try SecretBox(base64Key: key, purpose: "webhooks")
        let other = try SecretBox(base64Key: key, purpose: "something else")
        let sealed = try webhooks.seal("whsec_x", associatedData: Array("id".utf8))
        #expect(try webhooks.open(sealed, associatedData: Array("id".utf8)) == "whsec_x")
        #expect(throws: SecretBoxError.authenticationFailed) { try plain.open(sealed, associatedData: Array("id".utf8)) }
        #expect(throws: SecretBoxError.authenticationFailed) { try other.open(sealed, associatedData: Array("id".utf8)) }
        #expect(throws: SecretBoxError.invalidKey) { try SecretBox(base64Key: "short", purpose: "webhooks") }
    }

    @Test func webhookSecret_IsSealedWithPrefix_BoundToTheEndpointId() throws {
        let box = WebhookSecretBox(paymentDataKey: SecretBox.makeKey())
        let secret = WebhookSignature.makeSecret()
        let stored = try box.stored(secret, endpointId: "ep-1")
        #expect(stored.hasPrefix("sealed:v2:"))
        #expect(try box.signingSecret(stored: stored, endpointId: "ep-1") == secret)
        #expect(throws: WebhookSecretError.cannotUnseal) { try box.signingSecret(stored: stored, endpointId: "ep-2") }
        #expect(throws: WebhookSecretError.cannotUnseal) {
            try WebhookSecretBox(paymentDataKey: SecretBox.makeKey()).signingSecret(stored: stored, endpointId: "ep-1")
        }
        #expect(throws: WebhookSecretError.keyMissing) { try WebhookSecretBox(paymentDataKey: nil).signingSecret(stored: stored, endpointId: "ep-1") }
        #expect(try box.signingSecret(stored: secret, endpointId: "ep-1") == secret, "a legacy plaintext row still signs")
        #expect(try WebhookSecretBox(paymentDataKey: nil).stored(secret, endpointId: "ep-1") == secret)
        #expect(!WebhookSecretError.cannotUnseal.description.contains("whsec_"))
    }
}
