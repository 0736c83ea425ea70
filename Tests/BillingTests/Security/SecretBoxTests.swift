import Testing
@testable import Billing
import Support

struct SecretBoxTests {
    let key = SecretBox.makeKey()

    @Test func seal_RoundTrips_WithAndWithoutAssociatedData() throws {
        let box = try SecretBox(base64Key: key)
        for text in ["tok_123", "", "cartão ✓ " + String(repeating: "x", count: 1000)] {
            #expect(try box.open(box.seal(text)) == text)
            #expect(try box.open(box.seal(text, associatedData: [1, 2]), associatedData: [1, 2]) == text)
        }
    }

    @Test func seal_HasVersionPrefix_AndFreshNonce() throws {
        let box = try SecretBox(base64Key: key)
        let a = try box.seal("same")
        let b = try box.seal("same")
        let id = try DataKeyRing(current: key).keys[0].id
        #expect(a.hasPrefix("v2:\(id):"))
        #expect(id.count == 16 && !a.contains(key))
        #expect(a != b)
        #expect(Crypto.decodeBase64(a.dropFirst(3 + 17))?.count == 12 + 4 + 16)
    }

    @Test func open_Throws_WhenAnyByteIsTampered() throws {
        let box = try SecretBox(base64Key: key)
        let sealed = try box.seal("tok_secret")
        let prefix = String(sealed.prefix(3 + 17))
        let raw = try #require(Crypto.decodeBase64(sealed.dropFirst(prefix.count)))
        for index in [0, 11, 12, raw.count - 17, raw.count - 1] {
            var tampered = raw
            tampered[index] ^= 0x01
            #expect(throws: SecretBoxError.authenticationFailed) { try box.open(prefix + Crypto.base64(tampered)) }
            #expect(throws: SecretBoxError.authenticationFailed) { try box.open("v1:" + Crypto.base64(tampered)) }
        }
    }

    @Test func open_Throws_WithWrongKeyOrAssociatedData() throws {
        let sealed = try SecretBox(base64Key: key).seal("tok", associatedData: Array("pm_1".utf8))
        #expect(throws: SecretBoxError.authenticationFailed) {
            try SecretBox(base64Key: SecretBox.makeKey()).open(sealed, associatedData: Array("pm_1".utf8))
        }
        #expect(throws: SecretBoxError.authenticationFailed) {
            try SecretBox(base64Key: key).open(sealed, associatedData: Array("pm_2".utf8))
        }
        #expect(throws: SecretBoxError.authenticationFailed) {
            try SecretBox(base64Key: key).open(sealed)
        }
    }

    @Test(arguments: ["", "tok", "v2:AAAA", "v2:short:AAAA", "v3:AAAA", "v1:not base64!", "v1:AAAAAAAAAAAAAAAAAAAAAAAAAAAA"])
    func open_ThrowsMalformed_ForGarbage(sealed: String) throws {
        #expect(throws: SecretBoxError.malformed) { try SecretBox(base64Key: key).open(sealed) }
    }

    @Test(arguments: ["", "short", Crypto.base64([UInt8](repeating: 1, count: 16)), Crypto.base64([UInt8](repeating: 1, count: 33))])
    func init_ThrowsInvalidKey_WhenNot32Bytes(key: String) {
        #expect(throws: SecretBoxError.invalidKey) { try SecretBox(base64Key: key) }
    }

    /// NIST GCM spec (McGrew & Viega) test cases 13 and 14: AES-256, zero key, zero IV.
    @Test func seal_MatchesNISTVectors_WhenNonceIsPinned() throws {
        let box = try SecretBox(base64Key: Crypto.base64([UInt8](repeating: 0, count: 32)))
        let nonce = [UInt8](repeating: 0, count: 12)
        let empty = try box.seal(bytes: [], nonce: nonce, associatedData: [])
        #expect(Hex.encode(empty.dropFirst(12)) == "530f8afbc74536b9a963b4f1c4cb738b")
        let block = try box.seal(bytes: [UInt8](repeating: 0, count: 16), nonce: nonce, associatedData: [])
        #expect(Hex.encode(block.dropFirst(12)) == "cea7403d4d606b6e074ec5d3baf39d18" + "d0d1c8a799996bf0265b98b5d48ab919")
        #expect(try box.open(bytes: block, associatedData: []) == [UInt8](repeating: 0, count: 16))
    }

    /// A value sealed before key ids (`v1:`) still opens, under whichever key of the ring sealed it.
    @Test func legacyValue_OpensUnderAnyKeyOfTheRing() throws {
        let old = try SecretBox(base64Key: key)
        let raw = try #require(Crypto.decodeBase64(try old.seal("tok_legacy").dropFirst(3 + 17)))
        let legacy = "v1:" + Crypto.base64(raw)
        let ring = DataKeys(try DataKeyRing(current: SecretBox.makeKey(), previous: [key]))
        #expect(try SecretBox(keys: ring).open(legacy) == "tok_legacy")
        #expect(throws: SecretBoxError.authenticationFailed) { try SecretBox(base64Key: SecretBox.makeKey()).open(legacy) }
    }

    /// During a rotation the new key seals and both open; once the old key is retired its values do not.
    @Test func rotation_NewKeySeals_OldValuesOpenUntilRetired() throws {
        let keys = DataKeys(try DataKeyRing(current: key))
        let box = SecretBox(keys: keys, purpose: "tokens")
        let before = try box.seal("tok_1", associatedData: [7])
        #expect(box.isUnderCurrentKey(before))
        let newKey = SecretBox.makeKey()
        keys.replace(try keys.current.rotating(to: newKey))
        #expect(!box.isUnderCurrentKey(before))
        #expect(try box.open(before, associatedData: [7]) == "tok_1")
        let after = try box.seal("tok_2", associatedData: [7])
        #expect(box.isUnderCurrentKey(after))
        #expect(after.hasPrefix("v2:\(keys.current.keys[0].id):"))
        keys.replace(keys.current.retiringOlderKeys)
        #expect(try box.open(after, associatedData: [7]) == "tok_2")
        #expect(throws: SecretBoxError.authenticationFailed) { try box.open(before, associatedData: [7]) }
    }

    @Test func keyFile_RoundTrips_AndNamesTheBadLineWithoutTheKey() throws {
        let ring = try DataKeyRing(current: SecretBox.makeKey(), previous: [key])
        #expect(try DataKeyRing.parse(fileText: ring.fileText) == ring)
        #expect(ring.fileText.hasPrefix("#"))
        #expect(throws: DataKeyFileError.malformed(line: 0, reason: "no current key")) { try DataKeyRing.parse(fileText: "# empty\n") }
        #expect(throws: DataKeyFileError.malformed(line: 2, reason: "the key is not base64 of 32 bytes")) {
            try DataKeyRing.parse(fileText: "current \(key)\nprevious c2hvcnQ=\n")
        }
        #expect(throws: DataKeyFileError.malformed(line: 1, reason: "the current key must come first, once")) {
            try DataKeyRing.parse(fileText: "previous \(key)\ncurrent \(key)\n")
        }
        #expect(throws: DataKeyFileError.self) { try DataKeyRing.parse(fileText: "key=\(key)\n") }
    }
}
