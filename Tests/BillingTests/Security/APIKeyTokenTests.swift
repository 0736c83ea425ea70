import Testing
@testable import Billing

struct APIKeyTokenTests {
    @Test func generate_MakesPrefixedURLSafeKey_With256Bits() {
        let token = APIKeyToken.generate()
        #expect(token.key.hasPrefix("bsk_"))
        #expect(token.key.count == 4 + 43)  // 32 bytes → 43 base64url characters, no padding
        #expect(token.key.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") })
    }

    @Test func generate_ReturnsSHA256HexHash_AndTwelveCharacterPrefix() {
        let token = APIKeyToken.generate()
        #expect(token.hash == Crypto.sha256Hex(token.key))
        #expect(token.hash == APIKeyToken.hash(token.key))
        #expect(token.hash.count == 64)
        #expect(token.prefix == String(token.key.prefix(12)))
    }

    @Test func generate_IsUnique() {
        let keys = Set((0..<100).map { _ in APIKeyToken.generate().key })
        #expect(keys.count == 100)
    }
}
